/**
 * XEP-0153's photo hash in presence (`vcard-temp:x:update`): what an
 * occupant's presence says of its avatar. The vCard it points to is
 * `vcard.ts`'s.
 *
 * @module
 */
import { childText, element, type Infer } from "./codec.js";
import { NS_VCARD_UPDATE } from "./ns.js";

/**
 * `<x xmlns='vcard-temp:x:update'>` in a presence (XEP-0153 §3.2): the hash
 * of the sender's vCard photo.
 *
 * - `photo`: the SHA-1 of the image, hex; `""` (an empty `<photo/>`) means
 *   no avatar; absent means the sender is not ready to say.
 *
 * @category vCard avatars
 */
export const vcardUpdate = element("x", NS_VCARD_UPDATE, {
  /** The photo's hash (`<photo/>`); `""`: no avatar. */
  photo: childText("photo"),
});
/**
 * Decoded `<x xmlns='vcard-temp:x:update'>`.
 *
 * @category vCard avatars
 */
export type VcardUpdate = Infer<typeof vcardUpdate>;
