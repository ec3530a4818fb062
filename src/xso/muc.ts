/**
 * XEP-0045 §7.2 and §19.1: the join request `<x xmlns='http://jabber.org/protocol/muc'>`
 * with its `<history/>` limits and `<password/>`.
 *
 * @module
 */
import { attr, childText, child, element, type Infer, type Input } from "./codec.js";
import { NS_MUC } from "./ns.js";
import { dateTime, nonNegativeInteger } from "./values.js";

/**
 * `<history/>`: how much discussion history to send on join (XEP-0045 §7.2.15).
 *
 * @category Multi-User Chat
 */
export const mucHistory = element("history", NS_MUC, {
  /** Maximum number of characters of history to send, counting the XML of each stanza (`maxchars` attribute). */
  maxChars: attr("maxchars", nonNegativeInteger),
  /** Maximum number of history messages to send (`maxstanzas` attribute). */
  maxStanzas: attr("maxstanzas", nonNegativeInteger),
  /** Send only messages from the last this many seconds (`seconds` attribute). */
  seconds: attr("seconds", nonNegativeInteger),
  /** Send only messages sent since this time (`since` attribute). */
  since: attr("since", dateTime),
});
/**
 * Decoded `<history/>`.
 *
 * @category Multi-User Chat
 */
export type MucHistory = Infer<typeof mucHistory>;

/**
 * `<x xmlns='…/muc'>` in a join presence.
 *
 * @category Multi-User Chat
 */
export const mucJoin = element("x", NS_MUC, {
  /** The history to send on join (`<history/>` child); the room's default when absent. */
  history: child(mucHistory),
  /** The room password, for a password-protected room (`<password/>` child). */
  password: childText("password"),
});
/**
 * Decoded join request.
 *
 * @category Multi-User Chat
 */
export type MucJoin = Infer<typeof mucJoin>;
/**
 * Join request as accepted by `mucJoin.encode`.
 *
 * @category Multi-User Chat
 */
export type MucJoinInput = Input<typeof mucJoin>;
