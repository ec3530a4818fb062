/**
 * XEP-0359 (Unique and Stable Stanza IDs) §2: `<stanza-id id by/>`, assigned
 * by an archiving entity such as a MUC room, and `<origin-id id/>`, assigned
 * by the sending client, both in `urn:xmpp:sid:0`.
 *
 * @module
 */
import { attr, element, type Infer, type Input } from "./codec.js";
import { NS_SID } from "./ns.js";
import { jidValue, string } from "./values.js";

/**
 * `<stanza-id/>`: an ID unique and stable within the scope of the entity named by `by`.
 *
 * @category Core stanzas
 */
export const stanzaId = element("stanza-id", NS_SID, {
  /** The stanza's ID, unique and stable within the entity `by` (`id` attribute). */
  id: attr("id", string, { required: true }),
  /** The entity that assigned the ID, such as the room or the user's archive (`by` attribute). */
  by: attr("by", jidValue, { required: true }),
});
/**
 * Decoded `<stanza-id/>`.
 *
 * @category Core stanzas
 */
export type StanzaId = Infer<typeof stanzaId>;
/**
 * `<stanza-id/>` as accepted by `stanzaId.encode`.
 *
 * @category Core stanzas
 */
export type StanzaIdInput = Input<typeof stanzaId>;

/**
 * `<origin-id/>`: the ID the originating client gave its stanza (spoofable; not for references).
 *
 * @category Core stanzas
 */
export const originId = element("origin-id", NS_SID, {
  /** The ID the sending client gave the stanza (`id` attribute). */
  id: attr("id", string, { required: true }),
});
/**
 * Decoded `<origin-id/>`.
 *
 * @category Core stanzas
 */
export type OriginId = Infer<typeof originId>;
