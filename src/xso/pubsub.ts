/**
 * XEP-0060 (Publish-Subscribe), the parts a PEP (XEP-0163) user of one node
 * needs: `<pubsub xmlns='http://jabber.org/protocol/pubsub'>` with
 * `<items/>` (retrieving items, §6.5), `<publish/>` (publishing an item,
 * §7.1) and `<publish-options/>` (the node configuration a publication
 * requires, §7.1.5).
 *
 * @module
 */
import { attr, child, children, element, raw, type Infer, type Input } from "./codec.js";
import { dataForm } from "./data-form.js";
import { NS_PUBSUB } from "./ns.js";
import { nonNegativeInteger, string } from "./values.js";

/**
 * `<item id>`: one item of a node, with its payload (any one element) kept raw.
 *
 * @category PubSub & bookmarks
 */
export const pubsubItem = element("item", NS_PUBSUB, {
  /** The item id (`id` attribute); for XEP-0402 bookmarks, the room's bare JID. */
  id: attr("id"),
  /** The payload, kept raw (the first child element). */
  payload: raw(() => true),
});
/**
 * Decoded pubsub `<item/>`.
 *
 * @category PubSub & bookmarks
 */
export type PubsubItem = Infer<typeof pubsubItem>;
/**
 * Pubsub `<item/>` as accepted by `pubsubItem.encode`.
 *
 * @category PubSub & bookmarks
 */
export type PubsubItemInput = Input<typeof pubsubItem>;

/**
 * `<items node>`: a request for items of a node (all, the last `max_items`, or those listed), or the items returned.
 *
 * @category PubSub & bookmarks
 */
export const pubsubItems = element("items", NS_PUBSUB, {
  /** The node (`node` attribute). */
  node: attr("node", string, { required: true }),
  /** How many of the most recent items are requested (`max_items` attribute). */
  maxItems: attr("max_items", nonNegativeInteger),
  /** The items requested by id, or returned (`<item/>` children). */
  items: children(pubsubItem),
});
/**
 * Decoded pubsub `<items/>`.
 *
 * @category PubSub & bookmarks
 */
export type PubsubItems = Infer<typeof pubsubItems>;

/**
 * `<publish node>`: the items to publish to a node, or (in the result) the ids they were published under.
 *
 * @category PubSub & bookmarks
 */
export const pubsubPublish = element("publish", NS_PUBSUB, {
  /** The node (`node` attribute). */
  node: attr("node", string, { required: true }),
  /** The items (`<item/>` children). */
  items: children(pubsubItem),
});
/**
 * Decoded pubsub `<publish/>`.
 *
 * @category PubSub & bookmarks
 */
export type PubsubPublish = Infer<typeof pubsubPublish>;

/**
 * `<publish-options/>`: a form of type `submit` and FORM_TYPE
 * `http://jabber.org/protocol/pubsub#publish-options` whose fields are node
 * configuration options the node must have (or be created with).
 *
 * @category PubSub & bookmarks
 */
export const pubsubPublishOptions = element("publish-options", NS_PUBSUB, {
  /** The options (`<x xmlns='jabber:x:data'>` child). */
  form: child(dataForm),
});
/**
 * Decoded `<publish-options/>`.
 *
 * @category PubSub & bookmarks
 */
export type PubsubPublishOptions = Infer<typeof pubsubPublishOptions>;

/**
 * `<pubsub xmlns='http://jabber.org/protocol/pubsub'>`: the payload of a pubsub IQ and of its result.
 *
 * @category PubSub & bookmarks
 */
export const pubsubQuery = element("pubsub", NS_PUBSUB, {
  /** Items requested or returned (`<items/>` child). */
  items: child(pubsubItems),
  /** A publication, or its result (`<publish/>` child). */
  publish: child(pubsubPublish),
  /** The options the publication requires (`<publish-options/>` child). */
  publishOptions: child(pubsubPublishOptions),
});
/**
 * Decoded `<pubsub/>`.
 *
 * @category PubSub & bookmarks
 */
export type PubsubQuery = Infer<typeof pubsubQuery>;
/**
 * `<pubsub/>` as accepted by `pubsubQuery.encode`.
 *
 * @category PubSub & bookmarks
 */
export type PubsubQueryInput = Input<typeof pubsubQuery>;
