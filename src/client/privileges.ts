/**
 * What an occupant may do to another, by their roles and affiliations
 * (XEP-0045 §5 and the rules of §8–§10), for a user interface that offers
 * only the actions the room will accept. The room decides in the end: these
 * answer "would a service that follows XEP-0045 allow it", and some rooms
 * allow more by configuration (who may change the subject, invite, send
 * private messages).
 *
 * @example
 * ```ts
 * import { canSetRole, canSetAffiliation } from "xmpp-muc-sdk";
 *
 * const me = room.me!;
 * for (const o of room.occupants) {
 *   showKickButton(o, canSetRole(me, o, "none"));
 *   showBanButton(o, canSetAffiliation(me, o, "outcast"));
 * }
 * ```
 *
 * @module
 */
import type { Affiliation, Role } from "../xso/muc-user.js";

/**
 * The role and affiliation of an occupant (an `Occupant` has both).
 *
 * @category Occupants
 */
export interface Standing {
  /** The occupant's role. */
  readonly role: Role;
  /** The occupant's affiliation. */
  readonly affiliation: Affiliation;
}

/** Affiliations by rank: an outcast below none, then member, admin, owner (XEP-0045 §5.2). */
const RANK: Readonly<Record<Affiliation, number>> = { outcast: -1, none: 0, member: 1, admin: 2, owner: 3 };

/** Whether `affiliation` is admin or owner, whose voice and moderator status no one may take (§8.4, §9.7). */
function isAdminOrOwner(affiliation: Affiliation): boolean {
  return affiliation === "admin" || affiliation === "owner";
}

/**
 * Whether `actor` may give `target` the role `role`:
 *
 * - `none` (kick, §8.2): a moderator, unless the target's affiliation is
 *   higher than the moderator's;
 * - `visitor` (revoke voice, §8.4): a moderator, of a user whose affiliation
 *   is below the moderator's and neither admin nor owner;
 * - `participant`: grant voice to a visitor (§8.3) — a moderator; revoke
 *   moderator status (§9.7) — an admin or owner, from a user who is neither;
 * - `moderator` (§9.6): an admin or owner.
 *
 * In every case the target's affiliation may not be higher than the actor's
 * (§8.2: "a user cannot be kicked by a moderator with a lower affiliation").
 * Some services allow more than XEP-0045 does: Prosody, for one, lets a
 * moderator revoke the voice of a user of the same affiliation.
 *
 * @param actor - who would make the change (usually `room.me`).
 * @param target - the occupant it is about.
 * @param role - the new role.
 * @returns whether XEP-0045 allows it.
 *
 * @category Moderation
 */
export function canSetRole(actor: Standing, target: Standing, role: Role): boolean {
  const moderator = actor.role === "moderator";
  const actorRank = RANK[actor.affiliation];
  const targetRank = RANK[target.affiliation];
  if (targetRank > actorRank) return false;
  switch (role) {
    case "none":
      return moderator;
    case "visitor":
      return moderator && targetRank < actorRank && !isAdminOrOwner(target.affiliation);
    case "participant":
      if (target.role === "moderator") return isAdminOrOwner(actor.affiliation) && !isAdminOrOwner(target.affiliation);
      return moderator;
    case "moderator":
      return isAdminOrOwner(actor.affiliation);
  }
}

/**
 * Whether `actor` may change `target`'s affiliation to `affiliation`: an
 * owner for any change to or from owner or admin (§10.3–10.7), an admin or
 * owner for the others — ban (§9.1), grant or revoke membership (§9.3,
 * §9.4) — of a user whose affiliation is not higher than theirs. Roles do
 * not matter: affiliations may be changed from outside the room.
 *
 * @param actor - who would make the change (usually `room.me`).
 * @param target - the user's current affiliation (an `Occupant`, or a list entry).
 * @param affiliation - the new affiliation.
 * @returns whether XEP-0045 allows it.
 *
 * @category Moderation
 */
export function canSetAffiliation(actor: Pick<Standing, "affiliation">, target: Pick<Standing, "affiliation">, affiliation: Affiliation): boolean {
  if (isAdminOrOwner(target.affiliation) || isAdminOrOwner(affiliation)) return actor.affiliation === "owner";
  return isAdminOrOwner(actor.affiliation) && RANK[target.affiliation] <= RANK[actor.affiliation];
}

/**
 * Whether `actor` may send messages to everyone in the room: occupants with
 * voice, participants and moderators (§5.1.1; a visitor must ask for voice).
 *
 * @param actor - the occupant.
 * @returns whether XEP-0045 allows it.
 *
 * @category Moderation
 */
export function canSendToAll(actor: Pick<Standing, "role">): boolean {
  return actor.role === "participant" || actor.role === "moderator";
}

/**
 * Whether `actor` may change the subject: moderators, and participants when
 * the room lets occupants change it (`muc#roomconfig_changesubject`, read
 * from the room's configuration or its `muc#roominfo_subjectmod`) (§5.1.1, §8.1).
 *
 * @param actor - the occupant.
 * @param room - whether the room lets participants change the subject.
 * @returns whether XEP-0045 allows it.
 *
 * @category Moderation
 */
export function canSetSubject(actor: Pick<Standing, "role">, room: { readonly occupantsMayChangeSubject?: boolean } = {}): boolean {
  return actor.role === "moderator" || (actor.role === "participant" && room.occupantsMayChangeSubject === true);
}

/**
 * Whether `actor` may change the room's configuration or destroy the room:
 * owners only (§5.2.1, §10.2, §10.9).
 *
 * @param actor - the user.
 * @returns whether XEP-0045 allows it.
 *
 * @category Moderation
 */
export function canConfigureRoom(actor: Pick<Standing, "affiliation">): boolean {
  return actor.affiliation === "owner";
}
