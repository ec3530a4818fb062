/**
 * The XEP-0045 requests for a room's affiliation and role lists (§8.5 voice,
 * §9.2 ban, §9.5 members, §9.8 moderators, §10.5 owners, §10.8 admins), as
 * standalone functions over an {@link IqClient}: `getAffiliations` and
 * `getRoleList`, with their entry types. They reject as `admin.ts` describes.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import type { ElementCodec } from "../xso/codec.js";
import type { DecodeError } from "../xso/errors.js";
import { mucAdminItem, mucAdminQuery, type MucAdminItem } from "../xso/muc-admin.js";
import type { Affiliation, Role } from "../xso/muc-user.js";
import { NS_MUC_ADMIN } from "../xso/ns.js";
import type { XMPPError } from "../xso/stanza-error.js";
import { MucStateError, type AbortError, type TimeoutError } from "../common/errors.js";
import type { IqClient } from "./iq.js";
import { roomJid } from "./addresses.js";
import { checkAffiliation, iqOptions, type AdminRequestOptions } from "./moderation.js";
import { decodeEach, payloadOf } from "./admin.js";

/**
 * An affiliation a room keeps a list of (§9.2 ban list, §9.5 member list, §10.5 owner list, §10.8 admin list).
 *
 * @category Administration & configuration
 */
export type ListedAffiliation = Exclude<Affiliation, "none">;

/**
 * One user of an affiliation list returned by `getAffiliations`.
 *
 * @category Administration & configuration
 */
export interface AffiliationEntry {
  /** The user's JID (normally bare). */
  jid: JID;
  /** The user's affiliation: the one listed, or the one asked for when the item does not say. */
  affiliation: Affiliation;
  /** The user's reserved room nickname, where the room reports it. */
  nick?: string;
  /** The user's current role in the room, where the room reports it. */
  role?: Role;
  /** The reason recorded with the affiliation (a ban reason), where the room reports it. */
  reason?: string;
}

/**
 * A role a room keeps a list of (§8.5 voice list, §9.8 moderator list).
 *
 * @category Administration & configuration
 */
export type ListedRole = "moderator" | "participant";

/**
 * One occupant of a role list returned by `getRoleList`.
 *
 * @category Administration & configuration
 */
export interface RoleEntry {
  /** The occupant's room nickname. */
  nick: string;
  /** The occupant's role: the one listed, or the one asked for when the item does not say. */
  role: Role;
  /** The occupant's real JID, where the room reports it. */
  jid?: JID;
  /** The occupant's affiliation, where the room reports it. */
  affiliation?: Affiliation;
}

const LISTED_ROLES: ReadonlySet<string> = new Set<string>(["moderator", "participant"]);

/** The muc#admin items of an IQ result, each decoded on its own (malformed ones skipped). */
function adminItemsOf(result: Element, from: JID): MucAdminItem[] {
  const { el, scope } = payloadOf(result, mucAdminQuery as ElementCodec<unknown, unknown>, from);
  return decodeEach(el, NS_MUC_ADMIN, scope, mucAdminItem).values;
}

/**
 * Fetch the users with an affiliation: the ban list (`outcast`, §9.2), the
 * member list (§9.5), the owner list (§10.5) or the admin list (§10.8).
 * Items the room lists without a (valid) JID, or that do not decode, are
 * skipped.
 *
 * @param iq - the IQ client.
 * @param room - the room's bare JID.
 * @param affiliation - the list to fetch.
 * @param options - timeout and abort signal.
 * @returns the users, in the room's order.
 * @throws Rejects with {@link MucStateError} when `room` is not a bare room JID or
 *   `affiliation` is not a listed affiliation (nothing is sent);
 *   {@link XMPPError} when the room refuses (`forbidden` without the privilege);
 *   {@link DecodeError} when the answer has no muc#admin `<query/>`;
 *   {@link TimeoutError}; {@link AbortError}.
 * @example
 * ```ts
 * const banned = await getAffiliations(iq, room, "outcast");
 * for (const { jid, reason } of banned) console.log(jid.toString(), reason);
 * ```
 */
export async function getAffiliations(iq: IqClient, room: JID, affiliation: ListedAffiliation, options: AdminRequestOptions = {}): Promise<AffiliationEntry[]> {
  const to = roomJid(room);
  checkAffiliation(affiliation);
  if ((affiliation as Affiliation) === "none") throw new MucStateError("rooms keep no list of affiliation 'none'");
  const result = await iq.request("get", to, mucAdminQuery.encode({ items: [{ affiliation }] }), iqOptions(options));
  const entries: AffiliationEntry[] = [];
  for (const item of adminItemsOf(result, to)) {
    if (item.jid === undefined) continue;
    const entry: AffiliationEntry = { jid: item.jid, affiliation: item.affiliation ?? affiliation };
    if (item.nick !== undefined) entry.nick = item.nick;
    if (item.role !== undefined) entry.role = item.role;
    if (item.reason !== undefined) entry.reason = item.reason;
    entries.push(entry);
  }
  return entries;
}

/**
 * Fetch the occupants with a role: the voice list (`participant`, §8.5) or
 * the moderator list (§9.8). Items without a nickname, or that do not
 * decode, are skipped.
 *
 * @param iq - the IQ client.
 * @param room - the room's bare JID.
 * @param role - the list to fetch.
 * @param options - timeout and abort signal.
 * @returns the occupants, in the room's order.
 * @throws Rejects with {@link MucStateError} when `room` is not a bare room JID or `role`
 *   is not `moderator` or `participant` (nothing is sent);
 *   {@link XMPPError} when the room refuses;
 *   {@link DecodeError} when the answer has no muc#admin `<query/>`;
 *   {@link TimeoutError}; {@link AbortError}.
 * @example
 * ```ts
 * const voiced = await getRoleList(iq, room, "participant");
 * console.log(voiced.map((o) => o.nick));
 * ```
 */
export async function getRoleList(iq: IqClient, room: JID, role: ListedRole, options: AdminRequestOptions = {}): Promise<RoleEntry[]> {
  const to = roomJid(room);
  if (typeof role !== "string" || !LISTED_ROLES.has(role)) throw new MucStateError(`'${String(role)}' is not a listed role (moderator, participant)`);
  const result = await iq.request("get", to, mucAdminQuery.encode({ items: [{ role }] }), iqOptions(options));
  const entries: RoleEntry[] = [];
  for (const item of adminItemsOf(result, to)) {
    if (item.nick === undefined) continue;
    const entry: RoleEntry = { nick: item.nick, role: item.role ?? role };
    if (item.jid !== undefined) entry.jid = item.jid;
    if (item.affiliation !== undefined) entry.affiliation = item.affiliation;
    entries.push(entry);
  }
  return entries;
}
