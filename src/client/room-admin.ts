/**
 * Moderation, administration and discovery through a {@link MucService}, as
 * standalone functions: changing roles and affiliations (kick, voice, ban,
 * membership), creating and configuring rooms, reading the affiliation and
 * role lists, destroying rooms, asking a room about itself, and listing a
 * service's rooms.
 *
 * They are functions rather than `MucService` or `Room` methods so that an
 * application pays in its browser bundle only for those it imports: a chat
 * client whose users never moderate or configure a room carries neither these
 * requests nor the data-form and room-configuration codecs. What every
 * occupant does (joining, messages, subject, nick, presence, invitations,
 * leaving) stays on the classes.
 *
 * Every function takes the service first and a room (or service) JID, as a
 * `JID` or a string, and returns a promise that rejects with:
 * - {@link MucStateError} when the call itself is invalid (a room JID with a
 *   resource or without a localpart, an unknown affiliation) — nothing is
 *   sent then;
 * - {@link XMPPError} when the room answers with an error (`forbidden`,
 *   `not-allowed`, `item-not-found`, …);
 * - {@link TimeoutError} when no answer comes in time, {@link AbortError}
 *   when `signal` aborts;
 * - {@link DecodeError} when the answer is malformed.
 *
 * @example
 * ```ts
 * import { MucService, createRoom, getRoomConfig, listRooms, setRole } from "xmpp-muc-sdk";
 *
 * const muc = new MucService(xmpp);
 * const room = await createRoom(muc, "coven@chat.shakespeare.lit", "firstwitch", {
 *   config: { roomName: "A Dark Cave", persistent: true },
 * });
 * await setRole(muc, room.jid, "pistol", "none", { reason: "Avaunt, you cullion!" }); // kick
 * const { config } = await getRoomConfig(muc, room.jid);
 * const rooms = await listRooms(muc, "chat.shakespeare.lit");
 * ```
 *
 * @module
 */
import type { JID } from "@xmpp/jid";
import type { DecodeError } from "../xso/errors.js";
import type { XMPPError } from "../xso/stanza-error.js";
import type { Affiliation, Role } from "../xso/muc-user.js";
import * as memberLists from "./member-lists.js";
import * as roomConfig from "./room-config.js";
import * as roomDiscovery from "./room-discovery.js";
import { MucStateError, type AbortError, type TimeoutError } from "../common/errors.js";
import { asJid, roomJid, serviceJid } from "./addresses.js";
import * as moderation from "./moderation.js";
import type { AdminRequestOptions, SetAffiliationOptions, SetRoleOptions } from "./moderation.js";
import type { JoinOptions, Room } from "./room.js";
import { serviceContext, type MucService } from "./service.js";

export type { AdminRequestOptions, SetRoleOptions, SetAffiliationOptions } from "./moderation.js";
export type { AffiliationEntry, RoleEntry, ListedAffiliation, ListedRole } from "./member-lists.js";
export type { RoomConfigInput, RoomConfigResult } from "./room-config.js";
export type { RoomInfoResult, RoomListItem, ListRoomsOptions } from "./room-discovery.js";

/**
 * One change of a user's affiliation, for {@link setAffiliations}.
 *
 * @category Moderation
 */
export interface AffiliationChange {
  /** The user; affiliations belong to bare JIDs, so a resource is dropped. */
  readonly jid: JID | string;
  /** The new affiliation (`outcast` bans, `none` removes any affiliation). */
  readonly affiliation: Affiliation;
  /** Why the affiliation is changed (`<reason/>`). */
  readonly reason?: string;
  /** The user's room nickname, to reserve it with a membership (`nick` attribute). */
  readonly nick?: string;
}

/**
 * Change an occupant's role, by room nickname (XEP-0045 §8.2–8.5, §9.6–9.7):
 * `none` kicks, `visitor` revokes voice, `participant` grants voice (or
 * revokes moderator status), `moderator` grants moderator status.
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param nick - the occupant's nick.
 * @param role - the new role.
 * @param options - a reason passed on to the occupants, timeout and abort signal.
 * @returns a promise that resolves when the room confirms the change.
 * @throws Rejects with {@link MucStateError} for an empty nick or an unknown
 *   role; {@link XMPPError} (`not-allowed` for an occupant with a higher
 *   affiliation, `forbidden` without the privilege, `item-not-found` for an
 *   unknown nick) and as the module says.
 * @example
 * ```ts
 * await setRole(muc, room.jid, "pistol", "none", { reason: "Avaunt, you cullion!" }); // kick
 * await setRole(muc, room.jid, "thirdwitch", "participant"); // grant voice
 * ```
 *
 * @category Moderation
 */
export async function setRole(muc: MucService, mucJid: JID | string, nick: string, role: Role, options: SetRoleOptions = {}): Promise<void> {
  await moderation.setRole(serviceContext(muc).iq, roomJid(mucJid), nick, role, options);
}

/**
 * Change a user's affiliation, by JID (XEP-0045 §9, §10.3–10.7): `outcast`
 * bans, `member` grants membership, `admin` and `owner`, `none` removes any
 * of them. Affiliations belong to bare JIDs: a resource of `jid` is dropped.
 * We need not be in the room.
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param jid - the user.
 * @param affiliation - the new affiliation.
 * @param options - a reason, the nick to reserve with a membership, timeout and abort signal.
 * @returns a promise that resolves when the room confirms the change.
 * @throws Rejects with {@link MucStateError} for an invalid JID or an
 *   unknown affiliation; {@link XMPPError} (`not-allowed`, `forbidden`,
 *   `conflict` when the last owner would be removed) and as the module says.
 * @example
 * ```ts
 * await setAffiliation(muc, room.jid, "earlofcambridge@shakespeare.lit", "outcast", { reason: "Treason" }); // ban
 * await setAffiliation(muc, room.jid, "hag66@shakespeare.lit", "member", { nick: "thirdwitch" });
 * ```
 *
 * @category Moderation
 */
export async function setAffiliation(
  muc: MucService,
  mucJid: JID | string,
  jid: JID | string,
  affiliation: Affiliation,
  options: SetAffiliationOptions = {},
): Promise<void> {
  await moderation.setAffiliation(serviceContext(muc).iq, roomJid(mucJid), asJid(jid, "user"), affiliation, options);
}

/**
 * Change the affiliations of several users in one request, as an admin
 * edits the ban or member list (XEP-0045 §9.2, §9.5), or an owner the owner
 * and admin lists (§10.5, §10.8). The room applies all of them or none. An
 * empty list sends nothing.
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param changes - the users and their new affiliations.
 * @param options - timeout and abort signal.
 * @returns a promise that resolves when the room confirms the changes.
 * @throws Rejects with {@link MucStateError} for an invalid change (nothing
 *   is sent); {@link XMPPError} and as the module says.
 * @example
 * ```ts
 * await setAffiliations(muc, room.jid, [
 *   { jid: "hag66@shakespeare.lit", affiliation: "none" },
 *   { jid: "hecate@shakespeare.lit", affiliation: "member" },
 * ]);
 * ```
 *
 * @category Moderation
 */
export async function setAffiliations(muc: MucService, mucJid: JID | string, changes: readonly AffiliationChange[], options: AdminRequestOptions = {}): Promise<void> {
  const { iq } = serviceContext(muc);
  if (!Array.isArray(changes)) throw new MucStateError("changes must be an array");
  await moderation.setAffiliations(iq, roomJid(mucJid), changes.map((c) => (typeof c === "object" && c !== null ? { ...c, jid: asJid(c.jid, "affiliation change jid") } : c)), options);
}

/**
 * Options of {@link createRoom}: the join options, and the configuration of a new room.
 *
 * @category Administration & configuration
 */
export interface CreateRoomOptions extends JoinOptions {
  /**
   * The configuration to submit when the room is new (XEP-0045 §10.1.3,
   * "reserved room"); without it, a new room is accepted with the default
   * configuration (§10.1.2, "instant room"). Ignored for an existing room.
   */
  readonly config?: roomConfig.RoomConfigInput;
}

/**
 * Options of {@link destroyRoom}.
 *
 * @category Administration & configuration
 */
export interface DestroyRoomOptions extends AdminRequestOptions {
  /** Why the room is destroyed; passed on to the occupants (`<reason/>`). */
  readonly reason?: string;
  /** A room the occupants may go to instead (`jid` attribute of `<destroy/>`). */
  readonly alternateVenue?: JID | string;
  /** The password of the alternate room (`<password/>`). */
  readonly password?: string;
}

/**
 * Join a room, creating and configuring it when it does not exist yet
 * (XEP-0045 §10.1): with `config`, the reserved-room flow (the room's form is
 * fetched and `config` submitted); without, an instant room with the default
 * configuration. An existing room is simply joined.
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param nick - our nick.
 * @param options - join options, and the `config` to submit.
 * @returns the room, joined and unlocked.
 * @throws Rejects as `muc.join(…).joined` does, and with the errors of
 *   {@link setRoomConfig} or {@link createInstantRoom} for a new room.
 * @example
 * ```ts
 * const room = await createRoom(muc, "lobby@conference.localhost", "alice", { config: { public: true, persistent: true } });
 * ```
 *
 * @category Administration & configuration
 */
export async function createRoom(muc: MucService, mucJid: JID | string, nick: string, options: CreateRoomOptions = {}): Promise<Room> {
  const { iq } = serviceContext(muc);
  const { room, joined } = muc.join(mucJid, nick, options);
  let created = false;
  const onEnter = ({ created: c }: { created: boolean }): void => {
    created = c;
  };
  room.once("enter", onEnter);
  try {
    await joined;
  } finally {
    room.off("enter", onEnter);
  }
  if (!created) return room;
  if (options.config !== undefined) {
    await roomConfig.getRoomConfig(iq, room.jid);
    await roomConfig.setRoomConfig(iq, room.jid, options.config);
  } else {
    await roomConfig.createInstantRoom(iq, room.jid);
  }
  return room;
}

/**
 * Accept the default configuration of a room we just created (status 201),
 * so that others may enter it: an "instant room" (XEP-0045 §10.1.2).
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param options - timeout and abort signal.
 * @returns a promise that resolves when the room is unlocked.
 * @throws Rejects with {@link XMPPError} (`forbidden` when we are not its owner) and as the module says.
 * @example
 * ```ts
 * room.on("enter", ({ created }) => { if (created) void createInstantRoom(muc, room.jid); });
 * ```
 *
 * @category Administration & configuration
 */
export async function createInstantRoom(muc: MucService, mucJid: JID | string, options: AdminRequestOptions = {}): Promise<void> {
  await roomConfig.createInstantRoom(serviceContext(muc).iq, roomJid(mucJid), options);
}

/**
 * A room's configuration form, and its `muc#roomconfig` values typed
 * (XEP-0045 §10.2). Fields whose values do not parse are left out of `config`.
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param options - timeout and abort signal.
 * @returns `{ form, config }`.
 * @throws Rejects with {@link XMPPError} (`forbidden` for a non-owner),
 *   {@link DecodeError} for an answer without a `muc#roomconfig` form, and as the module says.
 * @example
 * ```ts
 * const { config } = await getRoomConfig(muc, "coven@chat.shakespeare.lit");
 * if (!config.persistent) await setRoomConfig(muc, "coven@chat.shakespeare.lit", { persistent: true });
 * ```
 *
 * @category Administration & configuration
 */
export async function getRoomConfig(muc: MucService, mucJid: JID | string, options: AdminRequestOptions = {}): Promise<roomConfig.RoomConfigResult> {
  return roomConfig.getRoomConfig(serviceContext(muc).iq, roomJid(mucJid), options);
}

/**
 * Submit a room configuration (XEP-0045 §10.1.3, §10.2): a data form (such as
 * the `form` of {@link getRoomConfig} with values filled in), a record of
 * typed `RoomConfig` properties (`{ persistent: true, maxUsers: 50 }`), a
 * record of raw field values by `var`, or a mix of the last two. Keys whose
 * value is `undefined` are left out, so the room keeps their current value.
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param config - the form or the values to submit.
 * @param options - timeout and abort signal.
 * @returns a promise that resolves when the room accepts the configuration.
 * @throws Rejects with {@link MucStateError} when a value cannot be written;
 *   {@link XMPPError} (`not-acceptable`, `forbidden`) and as the module says.
 * @example
 * ```ts
 * await setRoomConfig(muc, room.jid, { roomName: "A Dark Cave", "muc#roomconfig_allowvoicerequests": false });
 * ```
 *
 * @category Administration & configuration
 */
export async function setRoomConfig(muc: MucService, mucJid: JID | string, config: roomConfig.RoomConfigInput, options: AdminRequestOptions = {}): Promise<void> {
  await roomConfig.setRoomConfig(serviceContext(muc).iq, roomJid(mucJid), config, options);
}

/**
 * Cancel the configuration of a room (XEP-0045 §10.1.3: a room just created
 * is then destroyed; §10.2: the configuration stays as it was).
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param options - timeout and abort signal.
 * @returns a promise that resolves when the room acknowledges the cancellation.
 * @throws Rejects as the module says.
 * @example
 * ```ts
 * await cancelRoomConfig(muc, "coven@chat.shakespeare.lit");
 * ```
 *
 * @category Administration & configuration
 */
export async function cancelRoomConfig(muc: MucService, mucJid: JID | string, options: AdminRequestOptions = {}): Promise<void> {
  await roomConfig.cancelRoomConfig(serviceContext(muc).iq, roomJid(mucJid), options);
}

/**
 * Destroy a room (XEP-0045 §10.9): the room removes every occupant, telling
 * them the reason and the alternate venue, if given.
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param options - the reason, an alternate room and its password, timeout and abort signal.
 * @returns a promise that resolves when the room is destroyed.
 * @throws Rejects with {@link MucStateError} for an invalid `alternateVenue`;
 *   {@link XMPPError} (`forbidden` for a non-owner) and as the module says.
 * @example
 * ```ts
 * await destroyRoom(muc, "heath@chat.shakespeare.lit", { reason: "Macbeth doth come.", alternateVenue: "coven@chat.shakespeare.lit" });
 * ```
 *
 * @category Administration & configuration
 */
export async function destroyRoom(muc: MucService, mucJid: JID | string, options: DestroyRoomOptions = {}): Promise<void> {
  const { alternateVenue, ...rest } = options;
  await roomConfig.destroyRoom(serviceContext(muc).iq, roomJid(mucJid), {
    ...rest,
    ...(alternateVenue === undefined ? {} : { alternateVenue: asJid(alternateVenue, "alternateVenue") }),
  });
}

/**
 * The users with an affiliation: the ban list (`outcast`, XEP-0045 §9.2), the
 * member list (§9.5), the owner list (§10.5) or the admin list (§10.8).
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param affiliation - the list to fetch.
 * @param options - timeout and abort signal.
 * @returns the users, in the room's order (items without a valid JID skipped).
 * @throws Rejects with {@link XMPPError} (`forbidden` without the privilege) and as the module says.
 * @example
 * ```ts
 * for (const { jid, reason } of await getAffiliations(muc, room.jid, "outcast")) console.log(jid.toString(), reason);
 * ```
 *
 * @category Administration & configuration
 */
export async function getAffiliations(
  muc: MucService,
  mucJid: JID | string,
  affiliation: memberLists.ListedAffiliation,
  options: AdminRequestOptions = {},
): Promise<memberLists.AffiliationEntry[]> {
  return memberLists.getAffiliations(serviceContext(muc).iq, roomJid(mucJid), affiliation, options);
}

/**
 * The occupants with a role: the voice list (`participant`, XEP-0045 §8.5) or
 * the moderator list (§9.8).
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param role - the list to fetch.
 * @param options - timeout and abort signal.
 * @returns the occupants, in the room's order (items without a nick skipped).
 * @throws Rejects with {@link XMPPError} and as the module says.
 * @example
 * ```ts
 * const moderators = await getRoleList(muc, room.jid, "moderator");
 * ```
 *
 * @category Administration & configuration
 */
export async function getRoleList(muc: MucService, mucJid: JID | string, role: memberLists.ListedRole, options: AdminRequestOptions = {}): Promise<memberLists.RoleEntry[]> {
  return memberLists.getRoleList(serviceContext(muc).iq, roomJid(mucJid), role, options);
}

/**
 * Ask a room about itself (XEP-0045 §6.4): its name, features and
 * `muc#roominfo` fields, with the privacy profile read into booleans.
 *
 * @param muc - the service.
 * @param mucJid - the room's bare JID.
 * @param options - timeout and abort signal.
 * @returns the room information.
 * @throws Rejects with {@link XMPPError} (`item-not-found` for a room that
 *   does not exist) and as the module says.
 * @example
 * ```ts
 * const info = await getRoomInfo(muc, "coven@chat.shakespeare.lit");
 * if (info.passwordProtected) askForPassword();
 * ```
 *
 * @category Discovery
 */
export async function getRoomInfo(muc: MucService, mucJid: JID | string, options: AdminRequestOptions = {}): Promise<roomDiscovery.RoomInfoResult> {
  return roomDiscovery.getRoomInfo(serviceContext(muc).iq, roomJid(mucJid), options);
}

/**
 * The rooms a MUC service lists (XEP-0045 §6.3, disco#items), following
 * XEP-0059 pages.
 *
 * @param muc - the service.
 * @param service - the MUC service's JID (`chat.shakespeare.lit`).
 * @param options - the most rooms to return, timeout (per page) and abort signal.
 * @returns the rooms, in the service's order.
 * @throws Rejects with {@link MucStateError} for a JID with a resource or an
 *   invalid `max`; {@link XMPPError} and as the module says.
 * @example
 * ```ts
 * for (const { jid, name } of await listRooms(muc, "chat.shakespeare.lit", { max: 50 })) console.log(jid.toString(), name ?? "");
 * ```
 *
 * @category Discovery
 */
export async function listRooms(muc: MucService, service: JID | string, options: roomDiscovery.ListRoomsOptions = {}): Promise<roomDiscovery.RoomListItem[]> {
  return roomDiscovery.listRooms(serviceContext(muc).iq, serviceJid(service), options);
}
