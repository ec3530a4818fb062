/**
 * The common MUC occupant presence read in one pass: what a room receives
 * thousands of times on a join — `<presence>` (available or unavailable)
 * with a muc#user `<x>` of one plain `<item>` and status codes, an XEP-0421
 * `<occupant-id/>`, and extensions it does not read (caps, vCard hashes).
 *
 * It gives exactly what the codecs give (`presenceState`, `mucUserX`,
 * `occupantId`, `vcardUpdate`; a property test holds it to that), show,
 * status, priority and the XEP-0153 avatar hash included, and declines — returns `undefined` — for anything
 * else: an item with an actor, a reason or a continue, invitations, a
 * destroy, hats, a second muc#user `<x>`, prefixed names, a value a codec
 * would refuse.
 * The caller then uses the codecs.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { AFFILIATIONS, ROLES, type Affiliation, type MucUserX, type Role } from "./muc-user.js";
import { presencePriority, presenceShowOf, type PresenceShow, type PresenceState } from "./presence.js";
import { textOf } from "./codec.js";
import { NS_CLIENT, NS_MUC_USER, NS_OCCUPANT_ID, NS_VCARD_UPDATE } from "./ns.js";
import { canonicalValues, tryParseJid } from "./values.js";

/** What {@link readOccupantPresence} reads. */
export interface OccupantPresence {
  /** As `presenceState.decode` gives it. */
  readonly state: PresenceState;
  /** As `mucUserX.findIn` gives it (`undefined`: no muc#user `<x>`). */
  readonly x: MucUserX | undefined;
  /** As `occupantId.tryFindIn` gives its `id`. */
  readonly occupantId: string | undefined;
  /** As `vcardUpdate.tryFindIn` gives its `photo` (XEP-0153 avatar hash; `""`: no avatar). */
  readonly avatarHash: string | undefined;
}

/** The constants, not the texts read: every occupant keeps the same strings. */
const affiliationOf = canonicalValues(AFFILIATIONS);
const roleOf = canonicalValues(ROLES);
const STATUS_CODE = /^[1-9][0-9]{2}$/;
/** The states it reads, shared (read-only to their users): no object per presence. */
const AVAILABLE: PresenceState = Object.freeze({ type: "available", show: undefined, status: Object.freeze({}), priority: undefined });
const UNAVAILABLE: PresenceState = Object.freeze({ type: "unavailable", show: undefined, status: Object.freeze({}), priority: undefined });

/** Whether `el` is an element named `name` (unprefixed) in `ns`, given its parent's namespace. */
function is(el: Element, name: string, ns: string, parentNs: string): boolean {
  return el.name === name && (el.attrs.xmlns ?? parentNs) === ns;
}

/**
 * Read a common occupant presence in one pass, or decline.
 *
 * @param el - a `<presence/>` in `jabber:client`.
 * @returns what the codecs would give, or `undefined` to use them.
 */
export function readOccupantPresence(el: Element): OccupantPresence | undefined {
  const type = el.attrs.type;
  if (type !== undefined && type !== "unavailable") return undefined;
  let x: MucUserX | undefined;
  let occupantId: string | undefined;
  let occupantIdSeen = false;
  let show: PresenceShow | undefined;
  let showSeen = false;
  let status: Record<string, string> | undefined;
  let priority: number | undefined;
  let prioritySeen = false;
  let avatarHash: string | undefined;
  let vcardUpdateSeen = false;
  for (const child of el.children) {
    if (typeof child === "string") continue;
    const name = child.name;
    if (name.includes(":")) return undefined;
    const ns = (child.attrs.xmlns as string | undefined) ?? NS_CLIENT;
    if (ns === NS_CLIENT) {
      // As presenceState reads them: the first <show/> and <priority/>, the first <status/> per xml:lang.
      if (name === "show") {
        if (showSeen) continue;
        showSeen = true;
        show = presenceShowOf(textOf(child));
      } else if (name === "status") {
        const lang = child.attrs["xml:lang"];
        const key = typeof lang === "string" ? lang : "";
        if (key === "__proto__") return undefined;
        status ??= {};
        if (!Object.prototype.hasOwnProperty.call(status, key)) status[key] = textOf(child);
      } else if (name === "priority") {
        if (prioritySeen) continue;
        prioritySeen = true;
        try {
          priority = presencePriority.parse(textOf(child));
        } catch {
          return undefined; // the codec refuses the presence; let it say so
        }
      }
      continue;
    }
    if (name === "x" && ns === NS_MUC_USER) {
      if (x !== undefined) return undefined;
      x = readX(child);
      if (x === undefined) return undefined;
    } else if (name === "occupant-id" && ns === NS_OCCUPANT_ID) {
      if (occupantIdSeen) return undefined;
      occupantIdSeen = true;
      const id = child.attrs.id;
      if (typeof id !== "string") return undefined;
      occupantId = id;
    } else if (name === "x" && ns === NS_VCARD_UPDATE) {
      if (vcardUpdateSeen) continue;
      vcardUpdateSeen = true;
      avatarHash = readPhoto(child);
    } else if (name === "hats") {
      return undefined;
    }
  }
  const state =
    show === undefined && status === undefined && priority === undefined
      ? type === "unavailable"
        ? UNAVAILABLE
        : AVAILABLE
      : { type: type === "unavailable" ? ("unavailable" as const) : ("available" as const), show, status: status ?? {}, priority };
  return { state, x, occupantId, avatarHash };
}

/** The text of the first `<photo/>` of a vcard-temp:x:update `<x>`. */
function readPhoto(x: Element): string | undefined {
  for (const child of x.children) {
    if (typeof child !== "string" && child.name === "photo" && (child.attrs.xmlns ?? NS_VCARD_UPDATE) === NS_VCARD_UPDATE) return textOf(child);
  }
  return undefined;
}

/** An attribute's value as the constant it names: `undefined` when absent, `null` when the codec would refuse it. */
function known<V>(value: unknown, of: (s: string) => V | undefined): V | undefined | null {
  if (value === undefined) return undefined;
  return typeof value === "string" ? (of(value) ?? null) : null;
}

function readX(x: Element): MucUserX | undefined {
  const items: { affiliation: Affiliation | undefined; role: Role | undefined; jid: JID | undefined; nick: string | undefined; actor: undefined; reason: undefined; continue: undefined }[] = [];
  const statusCodes: number[] = [];
  for (const child of x.children) {
    if (typeof child === "string") continue;
    if (child.name.includes(":")) return undefined;
    if (is(child, "item", NS_MUC_USER, NS_MUC_USER)) {
      if (child.children.some((c) => typeof c !== "string")) return undefined;
      const attrs = child.attrs as Record<string, unknown>;
      const { jid, nick } = attrs;
      const affiliation = known(attrs.affiliation, affiliationOf);
      const role = known(attrs.role, roleOf);
      if (affiliation === null || role === null || (nick !== undefined && typeof nick !== "string")) return undefined;
      let parsed: JID | undefined;
      if (jid !== undefined) {
        parsed = typeof jid === "string" ? tryParseJid(jid) : undefined;
        if (parsed === undefined) return undefined;
      }
      items.push({ affiliation, role, jid: parsed, nick, actor: undefined, reason: undefined, continue: undefined });
    } else if (is(child, "status", NS_MUC_USER, NS_MUC_USER)) {
      const code = child.attrs.code;
      if (typeof code !== "string" || !STATUS_CODE.test(code)) return undefined;
      statusCodes.push(Number(code));
    } else if ((child.attrs.xmlns ?? NS_MUC_USER) === NS_MUC_USER) {
      return undefined; // invite, decline, destroy, password, or an element of muc#user the codec would look at
    }
  }
  return { items, statusCodes, invites: [], decline: undefined, destroy: undefined, password: undefined };
}
