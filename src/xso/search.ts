/**
 * XEP-0055 (Jabber Search) `<query xmlns='jabber:iq:search'>` with its data
 * form, and XEP-0100 (Gateway Interaction) `<query xmlns='jabber:iq:gateway'>`,
 * which turns a legacy address into the JID that stands for it.
 *
 * @module
 */
import { child, childText, element, type Infer, type Input } from "./codec.js";
import { dataForm } from "./data-form.js";
import { NS_IQ_GATEWAY, NS_SEARCH } from "./ns.js";
import { jidValue } from "./values.js";

/**
 * `<query xmlns='jabber:iq:search'>`: the search form (an answer to a get), a
 * submitted search, or its results (a `result` form with `reported` and `items`).
 *
 * @category Search
 */
export const searchQuery = element("query", NS_SEARCH, {
  /** How to fill in the form. */
  instructions: childText("instructions"),
  /** The form, the submitted values, or the results. */
  form: child(dataForm),
});
/**
 * Decoded `<query xmlns='jabber:iq:search'>`.
 *
 * @category Search
 */
export type SearchQuery = Infer<typeof searchQuery>;
/**
 * `<query xmlns='jabber:iq:search'>` as accepted by `searchQuery.encode`.
 *
 * @category Search
 */
export type SearchQueryInput = Input<typeof searchQuery>;

/**
 * `<query xmlns='jabber:iq:gateway'>`: what to enter (`desc`, `prompt`, an
 * answer to a get), a legacy address (`prompt`, a set), or the JID for it
 * (`jid`, the answer to a set).
 *
 * @category Search
 */
export const gatewayQuery = element("query", NS_IQ_GATEWAY, {
  /** What the gateway asks for. */
  desc: childText("desc"),
  /** The label of what to enter (get), or the legacy address (set). */
  prompt: childText("prompt"),
  /** The JID for the legacy address. */
  jid: childText("jid", jidValue),
});
/**
 * Decoded `<query xmlns='jabber:iq:gateway'>`.
 *
 * @category Search
 */
export type GatewayQuery = Infer<typeof gatewayQuery>;
