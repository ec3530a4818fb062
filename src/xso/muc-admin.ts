/**
 * XEP-0045 §19.3: `<query xmlns='http://jabber.org/protocol/muc#admin'>` —
 * role and affiliation changes (kick, ban, voice, membership, moderator,
 * admin and owner lists) and the lists the room returns (§8, §9, §10.3–10.8).
 *
 * @module
 */
import { attr, child, childText, children, element, type Infer, type Input } from "./codec.js";
import { affiliationValue, roleValue } from "./muc-user.js";
import { NS_MUC_ADMIN } from "./ns.js";
import { jidValue } from "./values.js";

/**
 * `<actor/>` in muc#admin: who made the change.
 *
 * @category Multi-User Chat
 */
export const mucAdminActor = element("actor", NS_MUC_ADMIN, {
  /** Real JID of the actor (`jid` attribute). */
  jid: attr("jid", jidValue),
  /** Room nickname of the actor (`nick` attribute). */
  nick: attr("nick"),
});
/**
 * Decoded muc#admin `<actor/>`.
 *
 * @category Multi-User Chat
 */
export type MucAdminActor = Infer<typeof mucAdminActor>;

/**
 * `<item/>` in muc#admin: one requested change (or one list entry) of an
 * occupant's role by `nick`, or of a user's affiliation by `jid`.
 *
 * @category Multi-User Chat
 */
export const mucAdminItem = element("item", NS_MUC_ADMIN, {
  /** The affiliation to set, or the one listed (`affiliation` attribute). */
  affiliation: attr("affiliation", affiliationValue),
  /** The role to set, or the one listed (`role` attribute). */
  role: attr("role", roleValue),
  /** The user's bare JID, for an affiliation change or list entry (`jid` attribute). */
  jid: attr("jid", jidValue),
  /** The occupant's room nickname, for a role change (`nick` attribute). */
  nick: attr("nick"),
  /** Who made the change (`<actor/>` child). */
  actor: child(mucAdminActor),
  /** Why the change is made (`<reason/>` child). */
  reason: childText("reason"),
});
/**
 * Decoded muc#admin `<item/>`.
 *
 * @category Multi-User Chat
 */
export type MucAdminItem = Infer<typeof mucAdminItem>;
/**
 * muc#admin `<item/>` as accepted by `mucAdminItem.encode`.
 *
 * @category Multi-User Chat
 */
export type MucAdminItemInput = Input<typeof mucAdminItem>;

/**
 * `<query xmlns='…/muc#admin'>`: a list of items to change, query or report.
 *
 * @category Multi-User Chat
 */
export const mucAdminQuery = element("query", NS_MUC_ADMIN, {
  /** The changes requested, or the list entries returned (`<item/>` children). */
  items: children(mucAdminItem),
});
/**
 * Decoded muc#admin `<query/>`.
 *
 * @category Multi-User Chat
 */
export type MucAdminQuery = Infer<typeof mucAdminQuery>;
/**
 * muc#admin `<query/>` as accepted by `mucAdminQuery.encode`.
 *
 * @category Multi-User Chat
 */
export type MucAdminQueryInput = Input<typeof mucAdminQuery>;
