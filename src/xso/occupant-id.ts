/**
 * XEP-0421 (Anonymous unique occupant identifiers for MUCs) §3:
 * `<occupant-id xmlns='urn:xmpp:occupant-id:0' id/>`, attached by the room to
 * every presence and message of an occupant.
 *
 * @module
 */
import { attr, element, type Infer } from "./codec.js";
import { NS_OCCUPANT_ID } from "./ns.js";
import { string } from "./values.js";

/**
 * `<occupant-id/>`: a stable, opaque per-room identifier of the occupant's real bare JID.
 *
 * @category Multi-User Chat
 */
export const occupantId = element("occupant-id", NS_OCCUPANT_ID, {
  /** The opaque occupant identifier assigned by the room (`id` attribute). */
  id: attr("id", string, { required: true }),
});
/**
 * Decoded `<occupant-id/>`.
 *
 * @category Multi-User Chat
 */
export type OccupantId = Infer<typeof occupantId>;
