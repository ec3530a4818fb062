/**
 * Files for the client: {@link uploadFile} through the user's server
 * (XEP-0363, the protocol in `common/http-upload.ts`).
 *
 * @module
 */
import type { Attachment } from "../xso/file-sharing.js";
import { uploadWith, type UploadError, type UploadFile, type UploadOptions } from "../common/http-upload.js";
import type { AbortError, MucStateError, TimeoutError } from "../common/errors.js";
import type { XMPPError } from "../xso/stanza-error.js";
import type { DecodeError } from "../xso/errors.js";
import { serviceContext, type MucService } from "./service.js";

/**
 * Upload a file through the user's server (XEP-0363) and get where others
 * can fetch it. To share it in a room, `room.sendFile(file)` does this and
 * sends the message.
 *
 * @param muc - the service (its connection's server has the upload service).
 * @param file - the bytes, name and media type.
 * @param options - the upload service (found by discovery otherwise), timeout, abort signal, `fetch`.
 * @returns the shared file: its GET URL, name, type and size.
 * @throws Rejects with {@link MucStateError} for a file without a name or
 *   data, or when the server has no upload service; {@link XMPPError} when
 *   the service refuses the slot (`not-acceptable` for a file too large);
 *   {@link DecodeError} for a malformed slot, or one whose PUT or GET URL is
 *   not an absolute http(s) URL (nothing is PUT then);
 *   {@link UploadError} when the PUT fails; {@link TimeoutError} / {@link AbortError}
 *   (an upload aborted while the upload service is being found stops waiting;
 *   others waiting for the same search still get its answer).
 * @example
 * ```ts
 * const { url } = await uploadFile(muc, { data: bytes, name: "photo.jpg", type: "image/jpeg" });
 * ```
 *
 * @category Files
 */
export async function uploadFile(muc: MucService, file: UploadFile, options: UploadOptions = {}): Promise<Attachment> {
  return uploadWith(serviceContext(muc), file, options);
}
