/**
 * XEP-0054 (vcard-temp) as avatars use it: the `<vCard/>` with its full name
 * and `<PHOTO/>`, for a gateway's own vCard (XEP-0153) and a room's avatar
 * (XEP-0486); XEP-0153's photo hash in presence is in `vcard-update.ts`
 * (re-exported here). Other vCard fields are kept out of the model.
 *
 * @module
 */
import { child, childText, element, type Infer, type Input } from "./codec.js";
import { NS_VCARD } from "./ns.js";

/**
 * `<PHOTO/>`: an image, inline (`TYPE` and base64 `BINVAL`) or by URL (`EXTVAL`).
 *
 * @category vCard avatars
 */
export const vcardPhoto = element("PHOTO", NS_VCARD, {
  /** The image's media type (`<TYPE/>`), for an inline image. */
  type: childText("TYPE"),
  /** The image, base64-encoded (`<BINVAL/>`). */
  binval: childText("BINVAL"),
  /** The image's URL (`<EXTVAL/>`), instead of an inline image. */
  extval: childText("EXTVAL"),
});
/**
 * Decoded `<PHOTO/>`.
 *
 * @category vCard avatars
 */
export type VcardPhoto = Infer<typeof vcardPhoto>;

/**
 * `<vCard xmlns='vcard-temp'>`: empty in a request or to remove a photo.
 *
 * @category vCard avatars
 */
export const vcardTemp = element("vCard", NS_VCARD, {
  /** The formatted name (`<FN/>`). */
  fullName: childText("FN"),
  /** The photo (`<PHOTO/>`). */
  photo: child(vcardPhoto),
});
/**
 * Decoded `<vCard/>`.
 *
 * @category vCard avatars
 */
export type VcardTemp = Infer<typeof vcardTemp>;
/**
 * `<vCard/>` as accepted by `vcardTemp.encode`.
 *
 * @category vCard avatars
 */
export type VcardTempInput = Input<typeof vcardTemp>;

export { vcardUpdate, type VcardUpdate } from "./vcard-update.js";
