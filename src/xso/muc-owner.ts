/**
 * XEP-0045 §19.4: `<query xmlns='http://jabber.org/protocol/muc#owner'>` —
 * room configuration forms (§10.1, §10.2) and room destruction (§10.9); and
 * the XEP-0307 `<unique/>` request for a new room name (§10.1.4).
 *
 * @module
 */
import { attr, child, childText, element, text, type Infer, type Input } from "./codec.js";
import { dataForm } from "./data-form.js";
import { NS_MUC_OWNER, NS_MUC_UNIQUE } from "./ns.js";
import { jidValue } from "./values.js";

/**
 * `<destroy/>` in muc#owner: the request to destroy the room, with an optional alternate venue.
 *
 * @category Multi-User Chat
 */
export const mucOwnerDestroy = element("destroy", NS_MUC_OWNER, {
  /** The JID of an alternate room for the occupants to join (`jid` attribute). */
  jid: attr("jid", jidValue),
  /** The password of the alternate room (`<password/>` child). */
  password: childText("password"),
  /** Why the room is destroyed, passed on to the occupants (`<reason/>` child). */
  reason: childText("reason"),
});
/**
 * Decoded muc#owner `<destroy/>`.
 *
 * @category Multi-User Chat
 */
export type MucOwnerDestroy = Infer<typeof mucOwnerDestroy>;

/**
 * `<query xmlns='…/muc#owner'>`: empty (request for the configuration form,
 * or "no configuration possible"), with a data form (the configuration form,
 * its submission or cancellation), or with a `<destroy/>` request.
 *
 * @category Multi-User Chat
 */
export const mucOwnerQuery = element("query", NS_MUC_OWNER, {
  /** The configuration form, its submission or its cancellation (`<x xmlns='jabber:x:data'>` child). */
  form: child(dataForm),
  /** A request to destroy the room (`<destroy/>` child). */
  destroy: child(mucOwnerDestroy),
});
/**
 * Decoded muc#owner `<query/>`.
 *
 * @category Multi-User Chat
 */
export type MucOwnerQuery = Infer<typeof mucOwnerQuery>;
/**
 * muc#owner `<query/>` as accepted by `mucOwnerQuery.encode`.
 *
 * @category Multi-User Chat
 */
export type MucOwnerQueryInput = Input<typeof mucOwnerQuery>;

/**
 * `<unique xmlns='http://jabber.org/protocol/muc#unique'>`: asked empty of a
 * MUC service, answered with a room name no one uses (XEP-0307, XEP-0045
 * §10.1.4).
 *
 * @category Multi-User Chat
 */
export const mucUnique = element("unique", NS_MUC_UNIQUE, {
  /** The room name (the localpart of a room JID); empty in the request. */
  name: text(),
});
/**
 * Decoded `<unique/>`.
 *
 * @category Multi-User Chat
 */
export type MucUnique = Infer<typeof mucUnique>;
