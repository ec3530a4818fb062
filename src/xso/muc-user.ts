/**
 * XEP-0045 §19.2: `<x xmlns='http://jabber.org/protocol/muc#user'>` — occupant
 * items, actors, status codes, invitations, declines, destruction.
 *
 * @module
 */
import { attr, childText, child, children, element, mapped, type Infer, type Input } from "./codec.js";
import { NS_MUC_USER } from "./ns.js";
import { enumeration, integer, jidValue } from "./values.js";

/**
 * Affiliations (XEP-0045 §5.2).
 *
 * @category Multi-User Chat
 */
export const AFFILIATIONS = ["owner", "admin", "member", "outcast", "none"] as const;
/**
 * A long-lived association with the room.
 *
 * @category Multi-User Chat
 */
export type Affiliation = (typeof AFFILIATIONS)[number];
/**
 * The affiliation value type (closed enumeration).
 *
 * @category Multi-User Chat
 */
export const affiliationValue = enumeration(AFFILIATIONS);

/**
 * Roles (XEP-0045 §5.1).
 *
 * @category Multi-User Chat
 */
export const ROLES = ["moderator", "participant", "visitor", "none"] as const;
/**
 * A temporary position within the room.
 *
 * @category Multi-User Chat
 */
export type Role = (typeof ROLES)[number];
/**
 * The role value type (closed enumeration).
 *
 * @category Multi-User Chat
 */
export const roleValue = enumeration(ROLES);

/**
 * Status codes of XEP-0045 §15.6 by meaning. Codes outside this table are
 * kept as numbers when decoded.
 *
 * @category Multi-User Chat
 */
export const StatusCode = {
  /** Any occupant may see the real JIDs (non-anonymous room). */
  NON_ANONYMOUS: 100,
  /** Affiliation changed while not in the room. */
  AFFILIATION_CHANGED: 101,
  /** Room now shows unavailable members. */
  SHOWS_UNAVAILABLE: 102,
  /** Room no longer shows unavailable members. */
  HIDES_UNAVAILABLE: 103,
  /** A non-privacy-related configuration change. */
  CONFIG_CHANGED: 104,
  /** This presence refers to the receiving occupant. */
  SELF_PRESENCE: 110,
  /** Room logging enabled. */
  LOGGING_ENABLED: 170,
  /** Room logging disabled. */
  LOGGING_DISABLED: 171,
  /** Room is now non-anonymous. */
  NOW_NON_ANONYMOUS: 172,
  /** Room is now semi-anonymous. */
  NOW_SEMI_ANONYMOUS: 173,
  /** Room is now fully anonymous (deprecated mode). */
  NOW_FULLY_ANONYMOUS: 174,
  /** A new room was created. */
  ROOM_CREATED: 201,
  /** The service assigned or modified the nickname. */
  NICK_ASSIGNED: 210,
  /** Banned from the room. */
  BANNED: 301,
  /** New room nickname (nick change). */
  NEW_NICK: 303,
  /** Kicked from the room. */
  KICKED: 307,
  /** Removed because of an affiliation change. */
  REMOVED_AFFILIATION_CHANGE: 321,
  /** Removed because the room became members-only. */
  REMOVED_MEMBERS_ONLY: 322,
  /** Removed because of a system shutdown. */
  REMOVED_SYSTEM_SHUTDOWN: 332,
  /** Removed because of a technical problem (XEP-0045 §7.2.x, "kicked due to an error"). */
  REMOVED_ERROR: 333,
} as const;
/**
 * A known status code.
 *
 * @category Multi-User Chat
 */
export type KnownStatusCode = (typeof StatusCode)[keyof typeof StatusCode];

/**
 * `<status code='…'/>`.
 *
 * @category Multi-User Chat
 */
export const mucStatus = element("status", NS_MUC_USER, {
  /** The three-digit status code (`code` attribute); see {@link StatusCode}. */
  code: attr("code", integer(100, 999), { required: true }),
});

/**
 * `<actor/>`: who performed a kick, ban or affiliation change.
 *
 * @category Multi-User Chat
 */
export const mucActor = element("actor", NS_MUC_USER, {
  /** Real JID of the actor. */
  jid: attr("jid", jidValue),
  /** Room nickname of the actor. */
  nick: attr("nick"),
});
/**
 * Decoded `<actor/>`.
 *
 * @category Multi-User Chat
 */
export type MucActor = Infer<typeof mucActor>;

/**
 * `<continue/>`: a one-to-one conversation continued in the room.
 *
 * @category Multi-User Chat
 */
export const mucContinue = element("continue", NS_MUC_USER, {
  /** The thread ID of the one-to-one conversation being continued (`thread` attribute). */
  thread: attr("thread"),
});
/**
 * Decoded `<continue/>`.
 *
 * @category Multi-User Chat
 */
export type MucContinue = Infer<typeof mucContinue>;

/**
 * `<item/>`: an occupant's affiliation, role, real JID and nick.
 *
 * @category Multi-User Chat
 */
export const mucUserItem = element("item", NS_MUC_USER, {
  /** The user's long-lived affiliation with the room (`affiliation` attribute). */
  affiliation: attr("affiliation", affiliationValue),
  /** The occupant's role in the room (`role` attribute). */
  role: attr("role", roleValue),
  /** The occupant's real JID, when the receiver may see it (`jid` attribute). */
  jid: attr("jid", jidValue),
  /** The occupant's room nickname; the new one in a nick change (`nick` attribute). */
  nick: attr("nick"),
  /** Who kicked, banned or changed the affiliation of the occupant (`<actor/>` child). */
  actor: child(mucActor),
  /** Why the change was made (`<reason/>` child). */
  reason: childText("reason"),
  /** The one-to-one conversation continued in the room (`<continue/>` child). */
  continue: child(mucContinue),
});
/**
 * Decoded `<item/>` of muc#user.
 *
 * @category Multi-User Chat
 */
export type MucUserItem = Infer<typeof mucUserItem>;

/**
 * `<invite/>`: a mediated invitation (XEP-0045 §7.8.2).
 *
 * @category Multi-User Chat
 */
export const mucInvite = element("invite", NS_MUC_USER, {
  /** The inviter, added by the room when it forwards the invitation (`from` attribute). */
  from: attr("from", jidValue),
  /** The invitee, set by the inviter (`to` attribute). */
  to: attr("to", jidValue),
  /** The inviter's message to the invitee (`<reason/>` child). */
  reason: childText("reason"),
  /** The one-to-one conversation the invitation continues (`<continue/>` child). */
  continue: child(mucContinue),
});
/**
 * Decoded `<invite/>`.
 *
 * @category Multi-User Chat
 */
export type MucInvite = Infer<typeof mucInvite>;

/**
 * `<decline/>`: an invitation declined.
 *
 * @category Multi-User Chat
 */
export const mucDecline = element("decline", NS_MUC_USER, {
  /** The invitee who declined, added by the room when it forwards the decline (`from` attribute). */
  from: attr("from", jidValue),
  /** The original inviter, set by the invitee (`to` attribute). */
  to: attr("to", jidValue),
  /** Why the invitation was declined (`<reason/>` child). */
  reason: childText("reason"),
});
/**
 * Decoded `<decline/>`.
 *
 * @category Multi-User Chat
 */
export type MucDecline = Infer<typeof mucDecline>;

/**
 * `<destroy/>` in muc#user: the room was destroyed (XEP-0045 §10.9).
 *
 * @category Multi-User Chat
 */
export const mucUserDestroy = element("destroy", NS_MUC_USER, {
  /** The JID of an alternate room to join instead (`jid` attribute). */
  jid: attr("jid", jidValue),
  /** Why the room was destroyed (`<reason/>` child). */
  reason: childText("reason"),
  /** The password of the alternate room (`<password/>` child). */
  password: childText("password"),
});
/**
 * Decoded `<destroy/>` of muc#user.
 *
 * @category Multi-User Chat
 */
export type MucUserDestroy = Infer<typeof mucUserDestroy>;

/**
 * `<x xmlns='…/muc#user'>` on presences and messages.
 *
 * @category Multi-User Chat
 */
export const mucUserX = element("x", NS_MUC_USER, {
  /** The occupant's affiliation, role, real JID and nick (`<item/>` children). */
  items: children(mucUserItem),
  /** The codes of the `<status/>` children, in document order; see {@link StatusCode}. */
  statusCodes: mapped(
    children(mucStatus),
    (list) => list.map((s) => s.code),
    (codes: number[] | undefined) => codes?.map((code) => ({ code })),
  ),
  /** Mediated invitations (`<invite/>` children). */
  invites: children(mucInvite),
  /** A declined invitation (`<decline/>` child). */
  decline: child(mucDecline),
  /** Notice that the room was destroyed (`<destroy/>` child). */
  destroy: child(mucUserDestroy),
  /** The room password, sent along with an invitation (`<password/>` child). */
  password: childText("password"),
});
/**
 * Decoded muc#user `<x>`.
 *
 * @category Multi-User Chat
 */
export type MucUserX = Infer<typeof mucUserX>;
/**
 * muc#user `<x>` as accepted by `mucUserX.encode`.
 *
 * @category Multi-User Chat
 */
export type MucUserXInput = Input<typeof mucUserX>;
