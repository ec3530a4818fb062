/**
 * XEP-0203 (Delayed Delivery) §2: `<delay xmlns='urn:xmpp:delay' stamp from>`,
 * with an optional natural-language reason as its character data.
 *
 * @module
 */
import { attr, element, text, type Infer, type Input } from "./codec.js";
import { NS_DELAY } from "./ns.js";
import { dateTime, jidValue, string } from "./values.js";

/**
 * `<delay/>`: when a stanza was originally sent (MUC history, room subject,
 * offline messages, last presence).
 *
 * @category Core stanzas
 */
export const delay = element("delay", NS_DELAY, {
  /** When the stanza was originally sent (`stamp` attribute, UTC). */
  stamp: attr("stamp", dateTime, { required: true }),
  /** The entity that delayed the stanza, such as the room (`from` attribute). */
  from: attr("from", jidValue),
  /** Why the stanza was delayed, in natural language (the element's text). */
  reason: text(string),
});
/**
 * Decoded `<delay/>`; `reason` is undefined when the element has no text.
 *
 * @category Core stanzas
 */
export type Delay = Infer<typeof delay>;
/**
 * `<delay/>` as accepted by `delay.encode`.
 *
 * @category Core stanzas
 */
export type DelayInput = Input<typeof delay>;
