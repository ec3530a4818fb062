/**
 * The user's administration requests to the room: muc#admin (XEP-0045 §8,
 * §9: kicks and affiliation changes, and the lists of members, admins,
 * owners, outcasts and of the occupants with a role) and muc#owner (§10.2
 * the configuration form, §10.9 destruction), each handed to the room's
 * hook. A hook the module does not override answers
 * `feature-not-implemented`. Functions over the room's state
 * ({@link MucCore}); not part of the package's API.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { mucAdminQuery, type MucAdminItem } from "../../xso/muc-admin.js";
import { mucOwnerQuery } from "../../xso/muc-owner.js";
import { roomConfigSchema } from "../../xso/muc-forms.js";
import { XMPPError } from "../../xso/stanza-error.js";
import { isDecodeError } from "../../xso/errors.js";
import { parseJid, tryParseJid } from "../../xso/values.js";
import type { Affiliation } from "../../xso/muc-user.js";
import { isNonAnonymous } from "../muc-type.js";
import type { LegacyParticipant } from "../participant.js";
import type { MucCore } from "./core.js";
import type { RoomDestruction } from "./stanzas.js";

/** What `decode` reads from a request's payload; `bad-request` (saying what is wrong) when it cannot. */
export function decodeRequest<T>(decode: () => T, what: string): T {
  try {
    return decode();
  } catch (e) {
    throw new XMPPError("bad-request", { text: isDecodeError(e) ? e.message : `malformed ${what}` });
  }
}

/**
 * The user's muc#admin set (XEP-0045 §8.2, §9.1): kicks (role `none` by
 * nick) and affiliation changes (by bare JID, or by an occupant's nick: its
 * JID, see occupantByNick). Every item is checked before
 * any hook runs: an unknown role or affiliation, a malformed JID, an item
 * with neither role nor affiliation or with both, or without the nick or
 * JID it needs, is `bad-request`; an unknown nick is `item-not-found`. One
 * occupant kicked twice in a batch is kicked once; one JID given two
 * different affiliations is `bad-request`.
 */
export async function adminSet(core: MucCore, query: Element): Promise<void> {
  const items: readonly MucAdminItem[] = decodeRequest(() => mucAdminQuery.decode(query), "muc#admin request").items;
  if (items.length === 0) throw new XMPPError("bad-request", { text: "No item to change" });
  const changes: (() => Promise<void>)[] = [];
  const kicked = new Set<string>();
  const affiliations = new Map<string, Affiliation>();
  for (const item of items) {
    const reason = item.reason;
    if (item.role === undefined && item.affiliation === undefined) {
      throw new XMPPError("bad-request", { text: "An item needs a role or an affiliation" });
    } else if (item.role !== undefined && item.affiliation !== undefined) {
      // As Prosody does: one item is one change, else half of it would be done and the answer say all was.
      throw new XMPPError("bad-request", { text: "An item changes a role or an affiliation, not both" });
    } else if (item.role === "none" && item.nick !== undefined) {
      const p = core.participants.get(item.nick);
      if (!p) throw new XMPPError("item-not-found", { text: "No such occupant" });
      // A second onKick would get a participant the first may have removed.
      if (kicked.has(p.nick)) continue;
      kicked.add(p.nick);
      changes.push(() => core.room.onKick(p, reason));
    } else if (item.affiliation !== undefined && (item.jid !== undefined || item.nick !== undefined)) {
      // Affiliations belong to bare JIDs (XEP-0045 §5.2): a resource names nobody else.
      const named = item.jid !== undefined ? undefined : occupantByNick(core, item.nick as string);
      const jid = named?.jid ?? (item.jid as JID).bare().toString();
      const affiliation = item.affiliation;
      const earlier = affiliations.get(jid);
      if (earlier !== undefined && earlier !== affiliation) throw new XMPPError("bad-request", { text: `Two affiliations for ${jid}` });
      if (earlier !== undefined) continue;
      affiliations.set(jid, affiliation);
      const p = named?.participant ?? [...core.participants.values()].find((x) => x.realJid !== undefined && tryParseJid(x.realJid)?.bare().toString() === jid);
      changes.push(() => core.room.onSetAffiliation(p, jid, affiliation, reason));
    } else if (item.affiliation !== undefined || item.nick === undefined) {
      throw new XMPPError("bad-request", { text: item.affiliation !== undefined ? "An affiliation change needs a jid or an occupant's nick" : "A role change needs a nick" });
    } else {
      throw new XMPPError("feature-not-implemented");
    }
  }
  for (const change of changes) await change();
}

/**
 * The occupant under `nick` and its bare JID, for an affiliation change that
 * names an occupant instead of a JID. XEP-0045 changes affiliations by bare
 * JID, but clients send the nick of the occupant they ban or make a member
 * (Prosody accepts it from them too). An unknown nick is `item-not-found`;
 * an occupant whose JID the room does not know is `bad-request`.
 */
function occupantByNick(core: MucCore, nick: string): { readonly participant: LegacyParticipant; readonly jid: string } {
  const participant = core.participants.get(nick);
  if (participant === undefined) throw new XMPPError("item-not-found", { text: `No occupant is called ${nick}` });
  const jid = participant.realJid === undefined ? undefined : tryParseJid(participant.realJid)?.bare().toString();
  if (jid === undefined) throw new XMPPError("bad-request", { text: `The JID of ${nick} is not known: name the user by jid` });
  return { participant, jid };
}

/**
 * The user's muc#admin get (XEP-0045 §8.5, §9.5, §10.5, §10.8, §9.2): the
 * participants with one affiliation, or with one role, from the room's
 * participant list. Real JIDs are listed where the room shows them (non-
 * anonymous rooms); each item has its nick. A query must name exactly one
 * affiliation or one role (`bad-request` otherwise).
 */
export function adminGet(core: MucCore, query: Element): Element {
  const items = decodeRequest(() => mucAdminQuery.decode(query), "muc#admin request").items;
  const asked = items[0];
  if (items.length !== 1 || asked === undefined || (asked.affiliation === undefined) === (asked.role === undefined)) {
    throw new XMPPError("bad-request", { text: "Ask for one affiliation or one role" });
  }
  const showJids = isNonAnonymous(core.room.type);
  const listed = [...core.participants.values()].filter(
    (p) => !p.isSystem && (asked.affiliation !== undefined ? p.affiliation === asked.affiliation : p.role === asked.role),
  );
  return mucAdminQuery.encode({
    items: listed.map((p) => ({
      affiliation: p.affiliation,
      role: p.role,
      nick: p.nick,
      ...(showJids && p.realJid !== undefined ? { jid: parseJid(p.realJid) } : {}),
    })),
  });
}

/**
 * The room's configuration form (XEP-0045 §10.2): its name and, when the
 * network has descriptions, its description. `feature-not-implemented`
 * when the module takes no configuration.
 */
export function ownerGet(core: MucCore): Element {
  const room = core.room;
  if (!room.supportsConfig) throw new XMPPError("feature-not-implemented", { text: "This group cannot be configured from XMPP" });
  const form = roomConfigSchema.toForm(
    { ...(room.name !== undefined ? { roomName: room.name } : {}), ...(room.hasDescription && room.description !== undefined ? { description: room.description } : {}) },
    { title: `Configuration of ${room.name ?? room.jid.toString()}`, keys: room.hasDescription ? ["roomName", "description"] : ["roomName"] },
  );
  return mucOwnerQuery.encode({ form });
}

/**
 * The user's muc#owner set: a configuration submitted (→ `onSetConfig`) or
 * cancelled (nothing to do), or the room's destruction (its alternate venue
 * checked before `onDestroyRequest` runs, then the room is forgotten, and
 * every joined resource is told).
 */
export async function ownerSet(core: MucCore, payload: Element): Promise<void> {
  const request = decodeRequest(() => mucOwnerQuery.decode(payload), "muc#owner request");
  const room = core.room;
  if (request.destroy) {
    if (!room.supportsDestroy) throw new XMPPError("feature-not-implemented", { text: "This group cannot be destroyed from XMPP" });
    const { reason, jid, password } = request.destroy;
    const destruction: RoomDestruction = { reason, alternateVenue: jid === undefined ? undefined : alternateVenue(jid), password };
    await room.onDestroyRequest(reason);
    await destroyed(core, destruction);
    return;
  }
  const form = request.form;
  if (!form) throw new XMPPError("bad-request", { text: "Expected a configuration form or a destroy request" });
  if (form.type === "cancel") return;
  if (!room.supportsConfig) throw new XMPPError("feature-not-implemented", { text: "This group cannot be configured from XMPP" });
  if (form.type !== "submit") throw new XMPPError("bad-request", { text: `A configuration form of type ${form.type} cannot be submitted` });
  // An empty submission (XEP-0045 §10.1.2, an instant room) changes nothing.
  if (form.fields.length === 0) return;
  const config = decodeRequest(() => roomConfigSchema.parse(form), "configuration form");
  await room.onSetConfig(config.roomName, room.hasDescription ? config.description : undefined);
}

/**
 * The alternate venue of a destruction request: a room's bare JID (XEP-0045
 * §10.9), where the occupants are sent. A JID with a resource or without a
 * localpart names no room: `bad-request`, as every malformed JID in a
 * request's payload is here (a malformed `jid` attribute, a muc#admin
 * item's); RFC 6120's `jid-malformed` (§8.3.3.8) is mostly about the
 * addresses of streams and stanzas.
 */
function alternateVenue(jid: JID): JID {
  if (!jid.local || jid.resource) throw new XMPPError("bad-request", { text: "The alternate venue must be a room's bare JID" });
  return jid;
}

/**
 * The room is gone (XEP-0045 §10.9): it is forgotten, then each joined
 * resource gets our unavailable presence — affiliation and role `none`, 110,
 * and `<destroy/>` with the reason and alternate venue. Forgotten first, as
 * `bookmarks.remove` does: sends wait while the server is away, and a
 * gateway killed meanwhile must not restore a room that no longer exists.
 */
async function destroyed(core: MucCore, destruction: RoomDestruction): Promise<void> {
  const me: LegacyParticipant = await core.room.getUserParticipant();
  const resources = [...core.readyResources()];
  core.joined.clear();
  core.session.bookmarks.forget(core.room);
  for (const resource of resources) {
    await core.send(core.presenceTo(me, resource, { unavailable: true, affiliation: "none", destroyed: destruction }));
  }
}
