/**
 * XEP-0363 HTTP file upload: the slot request a client sends its server's
 * upload service, and the slot it gets back (where to PUT the file, with
 * which headers, and where it can be fetched).
 *
 * @module
 */
import { attr, child, children, element, text, type Infer, type Input } from "./codec.js";
import { NS_HTTP_UPLOAD } from "./ns.js";
import { nonNegativeInteger, string } from "./values.js";

/**
 * `<request filename size content-type/>`: asking for a slot for one file.
 *
 * @category File upload & sharing
 */
export const uploadRequest = element("request", NS_HTTP_UPLOAD, {
  /** The file's name (`filename` attribute). */
  filename: attr("filename", string, { required: true }),
  /** Its size in bytes (`size` attribute). */
  size: attr("size", nonNegativeInteger, { required: true }),
  /** Its media type (`content-type` attribute). */
  contentType: attr("content-type"),
});
/**
 * An upload slot request, as `uploadRequest.encode` takes it.
 *
 * @category File upload & sharing
 */
export type UploadRequestInput = Input<typeof uploadRequest>;

/**
 * `<header name>value</header>` of a `<put/>`: one the PUT must carry (only Authorization, Cookie and Expires are allowed).
 *
 * @category File upload & sharing
 */
export const uploadHeader = element("header", NS_HTTP_UPLOAD, {
  /** The header's name (`name` attribute). */
  name: attr("name", string, { required: true }),
  /** Its value (the element's text). */
  value: text(),
});

/**
 * `<put url/>`: where to PUT the file.
 *
 * @category File upload & sharing
 */
export const uploadPut = element("put", NS_HTTP_UPLOAD, {
  /** The URL (`url` attribute). */
  url: attr("url", string, { required: true }),
  /** Headers to send with the PUT. */
  headers: children(uploadHeader),
});

/**
 * `<get url/>`: where the file will be.
 *
 * @category File upload & sharing
 */
export const uploadGet = element("get", NS_HTTP_UPLOAD, {
  /** The URL (`url` attribute). */
  url: attr("url", string, { required: true }),
});

/**
 * `<slot><put/><get/></slot>`: the service's answer.
 *
 * @category File upload & sharing
 */
export const uploadSlot = element("slot", NS_HTTP_UPLOAD, {
  /** Where to PUT. */
  put: child(uploadPut, { required: true }),
  /** Where to GET. */
  get: child(uploadGet, { required: true }),
});
/**
 * A decoded upload slot.
 *
 * @category File upload & sharing
 */
export type UploadSlot = Infer<typeof uploadSlot>;
