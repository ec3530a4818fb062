/**
 * XEP-0203 (Delayed Delivery) §2: `<delay xmlns='urn:xmpp:delay' stamp from>`,
 * with an optional natural-language reason as its character data.
 *
 * @module
 */
import { attr, element, text, type Infer, type Input } from "./codec.js";
import { NS } from "./ns.js";
import { dateTime, jidValue, string } from "./values.js";

/**
 * `<delay/>`: when a stanza was originally sent (MUC history, room subject,
 * offline messages, last presence).
 */
export const delay = element("delay", NS.DELAY, {
  stamp: attr("stamp", dateTime, { required: true }),
  from: attr("from", jidValue),
  reason: text(string),
});
/** Decoded `<delay/>`; `reason` is undefined when the element has no text. */
export type Delay = Infer<typeof delay>;
/** `<delay/>` as accepted by `delay.encode`. */
export type DelayInput = Input<typeof delay>;
