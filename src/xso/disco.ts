/**
 * XEP-0030 (Service Discovery) §3 (disco#info) and §4 (disco#items), schemas
 * in §11: `<query xmlns='http://jabber.org/protocol/disco#info'>` with the
 * entity's identities, features and XEP-0128 extended information forms, and
 * `<query xmlns='http://jabber.org/protocol/disco#items'>` with its items and
 * an optional XEP-0059 result set page (as a MUC service lists its rooms,
 * XEP-0045 §6.3).
 *
 * @module
 */
import { attr, child, children, element, mapped, type Infer, type Input } from "./codec.js";
import { dataForm } from "./data-form.js";
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from "./ns.js";
import { rsmSet } from "./rsm.js";
import { jidValue, string } from "./values.js";

/**
 * `<identity category type name? xml:lang?/>`: one identity of the entity (XEP-0030 §3.1).
 *
 * @category Service discovery
 */
export const discoIdentity = element("identity", NS_DISCO_INFO, {
  /** The identity's category, such as `conference` or `server` (`category` attribute). */
  category: attr("category", string, { required: true }),
  /** The identity's type within its category, such as `text` (`type` attribute). */
  type: attr("type", string, { required: true }),
  /** Natural-language name of the entity (`name` attribute). */
  name: attr("name"),
  /** The language of `name` (`xml:lang` attribute). */
  lang: attr("xml:lang"),
});
/**
 * Decoded disco#info `<identity/>`.
 *
 * @category Service discovery
 */
export type DiscoIdentity = Infer<typeof discoIdentity>;

/**
 * `<feature var/>`: one protocol or feature the entity supports (XEP-0030 §3.1).
 *
 * @category Service discovery
 */
export const discoFeature = element("feature", NS_DISCO_INFO, {
  /** The feature's name, usually a namespace (`var` attribute). */
  var: attr("var", string, { required: true }),
});
/**
 * Decoded disco#info `<feature/>`.
 *
 * @category Service discovery
 */
export type DiscoFeature = Infer<typeof discoFeature>;

/**
 * `<query xmlns='…/disco#info' node?>`: a request for information (empty), or
 * the entity's identities, features and XEP-0128 extended information forms.
 *
 * @category Service discovery
 */
export const discoInfoQuery = element("query", NS_DISCO_INFO, {
  /** The node queried, for a JID+node entity (`node` attribute). */
  node: attr("node"),
  /** The entity's identities (`<identity/>` children). */
  identities: children(discoIdentity),
  /** The `var` of each `<feature/>` child, in document order. */
  features: mapped(
    children(discoFeature),
    (features) => features.map((f) => f.var),
    (vars: string[] | undefined) => vars?.map((v) => ({ var: v })),
  ),
  /** XEP-0128 extended information, one data form of type `result` per FORM_TYPE (`<x xmlns='jabber:x:data'>` children). */
  forms: children(dataForm),
});
/**
 * Decoded disco#info `<query/>`.
 *
 * @category Service discovery
 */
export type DiscoInfoQuery = Infer<typeof discoInfoQuery>;
/**
 * disco#info `<query/>` as accepted by `discoInfoQuery.encode`.
 *
 * @category Service discovery
 */
export type DiscoInfoQueryInput = Input<typeof discoInfoQuery>;

/**
 * `<item jid name? node?/>`: one item associated with the entity (XEP-0030 §4.1), such as a room of a MUC service.
 *
 * @category Service discovery
 */
export const discoItem = element("item", NS_DISCO_ITEMS, {
  /** The item's JID (`jid` attribute). */
  jid: attr("jid", jidValue, { required: true }),
  /** Natural-language name of the item (`name` attribute). */
  name: attr("name"),
  /** The node of a JID+node item (`node` attribute). */
  node: attr("node"),
});
/**
 * Decoded disco#items `<item/>`.
 *
 * @category Service discovery
 */
export type DiscoItem = Infer<typeof discoItem>;

/**
 * `<query xmlns='…/disco#items' node?>`: a request for items (empty, or with
 * an XEP-0059 page request), or the items with the description of the page
 * returned.
 *
 * @category Service discovery
 */
export const discoItemsQuery = element("query", NS_DISCO_ITEMS, {
  /** The node queried, for a JID+node entity (`node` attribute). */
  node: attr("node"),
  /** The items (`<item/>` children). */
  items: children(discoItem),
  /** An XEP-0059 page request, or the description of the page returned (`<set xmlns='http://jabber.org/protocol/rsm'>` child). */
  rsm: child(rsmSet),
});
/**
 * Decoded disco#items `<query/>`.
 *
 * @category Service discovery
 */
export type DiscoItemsQuery = Infer<typeof discoItemsQuery>;
/**
 * disco#items `<query/>` as accepted by `discoItemsQuery.encode`.
 *
 * @category Service discovery
 */
export type DiscoItemsQueryInput = Input<typeof discoItemsQuery>;
