/**
 * XEP-0045 §7.2 and §19.1: the join request `<x xmlns='http://jabber.org/protocol/muc'>`
 * with its `<history/>` limits and `<password/>`.
 *
 * @module
 */
import { attr, childText, child, element, type Infer, type Input } from "./codec.js";
import { NS } from "./ns.js";
import { dateTime, nonNegativeInteger } from "./values.js";

/** `<history/>`: how much discussion history to send on join (XEP-0045 §7.2.15). */
export const mucHistory = element("history", NS.MUC, {
  maxChars: attr("maxchars", nonNegativeInteger),
  maxStanzas: attr("maxstanzas", nonNegativeInteger),
  seconds: attr("seconds", nonNegativeInteger),
  since: attr("since", dateTime),
});
/** Decoded `<history/>`. */
export type MucHistory = Infer<typeof mucHistory>;

/** `<x xmlns='…/muc'>` in a join presence. */
export const mucJoin = element("x", NS.MUC, {
  history: child(mucHistory),
  password: childText("password"),
});
/** Decoded join request. */
export type MucJoin = Infer<typeof mucJoin>;
/** Join request as accepted by `mucJoin.encode`. */
export type MucJoinInput = Input<typeof mucJoin>;
