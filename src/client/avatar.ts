/**
 * An occupant's avatar (XEP-0153): its presence carries the hash
 * ({@link Occupant.avatarHash}); the image is in its vCard, which the room
 * answers for, or forwards to the occupant, at the occupant JID
 * (XEP-0054 through XEP-0045 §17.3). A standalone function: an app that
 * shows no avatars does not pay for it in its bundle.
 *
 * @module
 */
import type { JID } from "@xmpp/jid";
import { vcardTemp } from "../xso/vcard.js";
import { DecodeError } from "../xso/errors.js";
import { NS_CLIENT, NS_VCARD } from "../xso/ns.js";
import { asJid } from "./addresses.js";
import { serviceContext, type MucService } from "./service.js";
import type { AdminRequestOptions } from "./moderation.js";
import type { Occupant } from "./occupant.js";
import type { AbortError, TimeoutError } from "../common/errors.js";
import type { XMPPError } from "../xso/stanza-error.js";

/**
 * An avatar image in the vCard itself (`<BINVAL/>`).
 *
 * @category Occupants
 */
export interface InlineAvatar {
  /** Discriminant. */
  readonly kind: "inline";
  /** The media type the vCard states (`<TYPE/>`), unchecked. */
  readonly type: string | undefined;
  /** The image bytes. */
  readonly data: Uint8Array;
}

/**
 * An avatar image the vCard points to (`<EXTVAL/>`).
 *
 * @category Occupants
 */
export interface UrlAvatar {
  /** Discriminant. */
  readonly kind: "url";
  /** Where to fetch the image. */
  readonly url: string;
}

/**
 * An avatar image: the bytes and their media type, or a URL to fetch them from.
 *
 * @category Occupants
 */
export type Avatar = InlineAvatar | UrlAvatar;

/**
 * The avatar in the vCard of `jid` (an occupant JID, `room@service/nick`, or
 * an occupant), or `undefined` when its vCard has no photo.
 *
 * @param muc - the service.
 * @param jid - whose vCard: an occupant or any JID.
 * @param options - timeout and abort signal.
 * @returns the image, or `undefined` when the vCard has none.
 * @throws Rejects with {@link XMPPError} when the vCard cannot be had
 *   (`service-unavailable`, `item-not-found`…), {@link DecodeError} for an
 *   answer without a vCard or with a photo that is not base64, and
 *   {@link TimeoutError}/{@link AbortError}.
 * @example
 * ```ts
 * room.on("avatarChange", async ({ occupant }) => {
 *   const avatar = occupant.avatarHash ? await getAvatar(muc, occupant) : undefined;
 *   if (avatar?.kind === "inline") show(new Blob([avatar.data], { type: avatar.type }));
 * });
 * ```
 *
 * @category Occupants
 */
export async function getAvatar(muc: MucService, jid: JID | string | Occupant, options: AdminRequestOptions = {}): Promise<Avatar | undefined> {
  const to = typeof jid === "object" && "occupantJid" in jid ? asJid(jid.occupantJid, "occupant") : asJid(jid, "vCard owner");
  const result = await serviceContext(muc).iq.request("get", to, vcardTemp.encode({}), { timeout: options.timeout, signal: options.signal });
  const vcard = result ? vcardTemp.findIn(result) : undefined;
  if (!vcard) throw new DecodeError("the answer holds no vCard", { element: "iq", ns: NS_CLIENT });
  const photo = vcard.photo;
  if (photo?.binval !== undefined) return { kind: "inline", type: photo.type?.trim() || undefined, data: base64Bytes(photo.binval) };
  if (photo?.extval !== undefined) return { kind: "url", url: photo.extval.trim() };
  return undefined;
}

/** The bytes of base64 text (whitespace allowed, as vCards wrap it). */
function base64Bytes(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  const notBase64 = (): DecodeError => new DecodeError("the vCard photo is not base64", { element: "BINVAL", ns: NS_VCARD });
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) throw notBase64();
  let binary: string;
  try {
    binary = atob(clean);
  } catch {
    // Padding where base64 has none ("AB="): atob throws a DOMException, which callers are not told to expect.
    throw notBase64();
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
