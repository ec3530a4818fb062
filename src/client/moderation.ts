/**
 * The XEP-0045 requests that change roles and affiliations (§8.2 kick,
 * §8.3–8.5 voice, §9.1 ban, §9.3–9.7 membership and moderator status,
 * §10.3–10.8 owners and admins), as standalone functions over an
 * {@link IqClient}, with the validation every request shares. `Room` and
 * `MucService` build on them; the member lists, room configuration and
 * discovery requests are in member-lists.ts, room-config.ts and
 * room-discovery.ts.
 *
 * Every function returns a promise that rejects with {@link MucStateError}
 * when the call itself is invalid (nothing is sent then), {@link XMPPError}
 * when the room refuses, {@link TimeoutError} or {@link AbortError}.
 *
 * @module
 */
import type { JID } from "@xmpp/jid";
import { mucAdminQuery, type MucAdminItemInput } from "../xso/muc-admin.js";
import { AFFILIATIONS, ROLES, type Affiliation, type Role } from "../xso/muc-user.js";
import type { XMPPError } from "../xso/stanza-error.js";
import { MucStateError, type AbortError, type TimeoutError } from "../common/errors.js";
import type { IqClient, IqRequestOptions } from "./iq.js";
import { asJid, bareOf, checkNick, roomJid } from "./addresses.js";

/**
 * Options of every request: how long to wait, and a signal to stop waiting.
 *
 * @category Administration & configuration
 */
export interface AdminRequestOptions {
  /** Milliseconds to wait for the answer (for `listRooms`: for each page). @default 30000 */
  readonly timeout?: number;
  /** Abort the wait; the promise then rejects with an {@link AbortError}. */
  readonly signal?: AbortSignal;
}

/**
 * Options of `setRole`.
 *
 * @category Moderation
 */
export interface SetRoleOptions extends AdminRequestOptions {
  /** Why the role is changed; the room passes it on to the occupants (`<reason/>`). */
  readonly reason?: string;
}

/**
 * Options of `setAffiliation`.
 *
 * @category Moderation
 */
export interface SetAffiliationOptions extends AdminRequestOptions {
  /** Why the affiliation is changed; the room passes it on to the occupants (`<reason/>`). */
  readonly reason?: string;
  /** The user's room nickname, to reserve it with a membership (§9.3, `nick` attribute). */
  readonly nick?: string;
}

/** One change of a user's affiliation, for `setAffiliations`. */
export interface AffiliationChange {
  /** The user; affiliations belong to bare JIDs, so a resource is dropped. */
  readonly jid: JID;
  /** The new affiliation (`outcast` bans, `none` removes any affiliation). */
  readonly affiliation: Affiliation;
  /** Why the affiliation is changed (`<reason/>`). */
  readonly reason?: string;
  /** The user's room nickname, to reserve it with a membership (`nick` attribute). */
  readonly nick?: string;
}

/** Throw a {@link MucStateError} unless `value` is one of `allowed` (`what`: "a role", "an affiliation"). */
function checkOneOf(value: unknown, allowed: readonly string[], what: string): void {
  if (typeof value !== "string" || !allowed.includes(value)) throw new MucStateError(`'${String(value)}' is not ${what} (${allowed.join(", ")})`);
}

function checkRole(role: unknown): asserts role is Role {
  checkOneOf(role, ROLES, "a role");
}

export function checkAffiliation(affiliation: unknown): asserts affiliation is Affiliation {
  checkOneOf(affiliation, AFFILIATIONS, "an affiliation");
}

/** The IQ options of a call's options. */
export function iqOptions(options: AdminRequestOptions): IqRequestOptions {
  return { timeout: options.timeout, signal: options.signal };
}

/**
 * Change an occupant's role, by room nickname: kick with `none` (§8.2), grant
 * or revoke voice with `participant` / `visitor` (§8.3, §8.4), grant or revoke
 * moderator status with `moderator` / `participant` (§9.6, §9.7).
 *
 * @param iq - the IQ client.
 * @param room - the room's bare JID.
 * @param nick - the occupant's room nickname.
 * @param role - the new role.
 * @param options - a reason passed on to the occupants, timeout and abort signal.
 * @returns a promise that resolves when the room confirms the change.
 * @throws Rejects with {@link MucStateError} when `room` is not a bare room JID, `nick` is
 *   empty or `role` is not a role (nothing is sent);
 *   {@link XMPPError} when the room refuses (`not-allowed` for an occupant
 *   with a higher affiliation, `forbidden` without the privilege,
 *   `item-not-found` for an unknown nickname);
 *   {@link TimeoutError}; {@link AbortError}.
 * @example
 * ```ts
 * await setRole(iq, parseJid("harfleur@chat.shakespeare.lit"), "pistol", "none", { reason: "Avaunt, you cullion!" }); // kick
 * await setRole(iq, room, "thirdwitch", "participant"); // grant voice
 * ```
 */
export async function setRole(iq: IqClient, room: JID, nick: string, role: Role, options: SetRoleOptions = {}): Promise<void> {
  const to = roomJid(room);
  checkNick(nick);
  checkRole(role);
  await iq.request("set", to, mucAdminQuery.encode({ items: [{ nick, role, reason: options.reason }] }), iqOptions(options));
}

/** The muc#admin item of one affiliation change. */
function affiliationItem(change: AffiliationChange): MucAdminItemInput {
  if (typeof change !== "object" || change === null) throw new MucStateError("an affiliation change must be an object");
  checkAffiliation(change.affiliation);
  const jid = bareOf(asJid(change.jid, "affiliation change jid"));
  if (change.nick !== undefined) checkNick(change.nick);
  return { affiliation: change.affiliation, jid, nick: change.nick, reason: change.reason };
}

/**
 * Change a user's affiliation, by JID: ban with `outcast` (§9.1), grant
 * membership with `member` (§9.3), admin or owner status with `admin` /
 * `owner` (§10.3, §10.6), or remove any of them with `none` (§9.4, §10.4,
 * §10.7). Affiliations belong to bare JIDs: a resource of `target` is dropped.
 *
 * @param iq - the IQ client.
 * @param room - the room's bare JID.
 * @param target - the user.
 * @param affiliation - the new affiliation.
 * @param options - a reason, the nickname to reserve with a membership, timeout and abort signal.
 * @returns a promise that resolves when the room confirms the change.
 * @throws Rejects with {@link MucStateError} when `room` is not a bare room JID,
 *   `affiliation` is not an affiliation or `nick` is empty (nothing is sent);
 *   {@link XMPPError} when the room refuses (`not-allowed` for a user with a
 *   higher affiliation, `forbidden` without the privilege, `conflict` when
 *   the last owner would be removed);
 *   {@link TimeoutError}; {@link AbortError}.
 * @example
 * ```ts
 * await setAffiliation(iq, room, parseJid("earlofcambridge@shakespeare.lit"), "outcast", { reason: "Treason" }); // ban
 * await setAffiliation(iq, room, parseJid("hag66@shakespeare.lit"), "member", { nick: "thirdwitch" });
 * ```
 */
export async function setAffiliation(
  iq: IqClient,
  room: JID,
  target: JID,
  affiliation: Affiliation,
  options: SetAffiliationOptions = {},
): Promise<void> {
  const change: AffiliationChange = {
    jid: target,
    affiliation,
    reason: options.reason,
    nick: options.nick,
  };
  await setAffiliations(iq, room, [change], options);
}

/**
 * Change the affiliations of several users in one request, as an admin
 * modifies the ban list (§9.2) or the member list (§9.5), or an owner the
 * owner and admin lists (§10.5, §10.8). The room applies all of them or none.
 * An empty list sends nothing and resolves at once.
 *
 * @param iq - the IQ client.
 * @param room - the room's bare JID.
 * @param changes - the users and their new affiliations (resources of their JIDs are dropped).
 * @param options - timeout and abort signal.
 * @returns a promise that resolves when the room confirms the changes.
 * @throws Rejects with {@link MucStateError} when `room` is not a bare room JID or a
 *   change is invalid (nothing is sent);
 *   {@link XMPPError} when the room refuses;
 *   {@link TimeoutError}; {@link AbortError}.
 * @example
 * ```ts
 * await setAffiliations(iq, room, [
 *   { jid: parseJid("hag66@shakespeare.lit"), affiliation: "none" },
 *   { jid: parseJid("hecate@shakespeare.lit"), affiliation: "member" },
 * ]);
 * ```
 */
export async function setAffiliations(iq: IqClient, room: JID, changes: readonly AffiliationChange[], options: AdminRequestOptions = {}): Promise<void> {
  const to = roomJid(room);
  if (!Array.isArray(changes)) throw new MucStateError("changes must be an array");
  const items = changes.map(affiliationItem);
  if (items.length === 0) return;
  await iq.request("set", to, mucAdminQuery.encode({ items }), iqOptions(options));
}
