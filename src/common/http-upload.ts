/**
 * XEP-0363 HTTP file upload, for the client and the gateway alike: find the
 * upload service (disco on a server, remembered per IQ sender), ask it for
 * a slot, PUT the bytes, and get the URL to share. The client's
 * `uploadFile(muc, …)` and `room.sendFile`, and the gateway's `uploadFile`,
 * go through {@link uploadWith}.
 *
 * @module
 */
import type { JID } from "@xmpp/jid";
import xml, { type Element } from "@xmpp/xml";
import { uploadRequest, uploadSlot } from "../xso/http-upload.js";
import { NS_DISCO_INFO, NS_DISCO_ITEMS, NS_HTTP_UPLOAD } from "../xso/ns.js";
import { tryParseJid } from "../xso/values.js";
import type { Attachment } from "../xso/file-sharing.js";
import { DecodeError } from "../xso/errors.js";
import { AbortError, isAbortError, MucStateError } from "./errors.js";

/**
 * A file to upload.
 *
 * @category Files
 */
export interface UploadFile {
  /** The bytes (a `Uint8Array`, or a `Blob`/`File` in a browser). */
  readonly data: Uint8Array | Blob;
  /** The file's name, as others will see it. */
  readonly name: string;
  /** Its media type (`image/png`); default `application/octet-stream`, or the `Blob`'s own. */
  readonly type?: string;
}

/**
 * Options of {@link uploadFile} and `room.sendFile`.
 *
 * @category Files
 */
export interface UploadOptions {
  /** The upload service's JID; found by service discovery on the user's domain when absent. */
  readonly service?: JID | string;
  /** Milliseconds to wait for each XMPP answer. */
  readonly timeout?: number;
  /** Aborts the upload. */
  readonly signal?: AbortSignal;
  /** The `fetch` to PUT with (default: the global one). */
  readonly fetch?: typeof fetch;
}

/**
 * The upload failed at the HTTP step: the service refused the PUT, or it could not be made.
 *
 * @category Errors
 */
export class UploadError extends Error {
  /** `"UploadError"`. */
  override readonly name = "UploadError";
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;

  /**
   * @param message - what happened.
   * @param status - the HTTP status, if any.
   * @param options - the cause.
   */
  constructor(message: string, status?: number, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
  }
}

/**
 * Whether `e` is an {@link UploadError} (also across copies of the package).
 *
 * @param e - anything caught.
 *
 * @category Errors
 */
export function isUploadError(e: unknown): e is UploadError {
  return e instanceof UploadError || (typeof e === "object" && e !== null && (e as { name?: unknown }).name === "UploadError");
}

/**
 * What an upload needs: a way to send IQs and the server whose upload
 * service to find (the user's, for a client; the component's server, for a
 * gateway). Not part of the package's API.
 *
 * @internal
 */
export interface UploadContext {
  /** Sends an IQ and resolves with its answer (rejects with the error of an error answer). */
  readonly iq: { request(type: "get" | "set", to: JID, payload: Element, options: { readonly timeout?: number | undefined; readonly signal?: AbortSignal | undefined }): Promise<Element> };
  /** Whose server to search for an upload service. */
  ownJid(): JID | undefined;
}

/** A JID given by the caller, checked. */
function jidOf(value: JID | string, what: string): JID {
  const jid = typeof value === "string" ? tryParseJid(value) : value;
  if (!jid || typeof jid.domain !== "string" || jid.domain === "") throw new MucStateError(`${what}: not a valid JID`);
  return jid;
}

/** Upload services found, per IQ sender (one per connection). */
const services = new WeakMap<object, Promise<JID>>();

/**
 * The children named `name` of an answer's `<query xmlns=ns/>`. (Discovery
 * read by hand rather than with the disco codec, which brings data forms: a
 * chat client that sends files should not pay for them.)
 */
function queryChildren(answer: Element | undefined, ns: string, name: string): Element[] {
  return answer?.getChild("query", ns)?.getChildren(name) ?? [];
}

/**
 * The upload service of the user's server, found once per connection (see
 * {@link discoverService}). The search is shared by the uploads that start
 * while it runs, so it does not take any one caller's signal: an upload
 * aborted meanwhile stops waiting for it, and the others still get its answer.
 */
async function findService(ctx: UploadContext, options: UploadOptions): Promise<JID> {
  let search = services.get(ctx.iq);
  if (!search) {
    const domain = ctx.ownJid()?.domain;
    if (!domain) throw new MucStateError("not online: the user's server is not known yet");
    const found = discoverService(ctx, domain, options.timeout);
    services.set(ctx.iq, found);
    found.catch(() => services.delete(ctx.iq));
    search = found;
  }
  return untilAborted(search, options.signal);
}

/** The server itself or the first item of its disco#items whose disco#info has XEP-0363's feature. */
async function discoverService(ctx: UploadContext, domain: string, timeout: number | undefined): Promise<JID> {
  const iqOptions = { timeout };
  const server = jidOf(domain, "server");
  const candidates: JID[] = [server];
  for (const item of queryChildren(await ctx.iq.request("get", server, xml("query", { xmlns: NS_DISCO_ITEMS }), iqOptions), NS_DISCO_ITEMS, "item")) {
    const jid = typeof item.attrs.jid === "string" ? tryParseJid(item.attrs.jid) : undefined;
    if (jid) candidates.push(jid);
  }
  for (const jid of candidates) {
    try {
      const features = queryChildren(await ctx.iq.request("get", jid, xml("query", { xmlns: NS_DISCO_INFO }), iqOptions), NS_DISCO_INFO, "feature");
      if (features.some((f) => f.attrs.var === NS_HTTP_UPLOAD)) return jid;
    } catch (e) {
      // An item that does not answer is no upload service; a closed connection ends the search.
      if (isAbortError(e)) throw e;
    }
  }
  throw new MucStateError(`no HTTP upload service (XEP-0363) on ${domain}`);
}

/** `promise`, or an {@link AbortError} as soon as `signal` aborts (the promise itself goes on). */
async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) throw new AbortError("upload aborted", { cause: signal.reason });
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new AbortError("upload aborted", { cause: signal.reason }));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

/**
 * A slot's URL, checked: an absolute http(s) URL. Anything else (a relative
 * path, `javascript:`) can be neither PUT to nor shared: receivers skip
 * attachment URLs that are not http(s).
 */
function slotUrl(value: string, which: "put" | "get"): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new DecodeError(`the upload slot's ${which} URL '${value.slice(0, 200)}' is not an absolute http(s) URL`, { element: which, ns: NS_HTTP_UPLOAD, field: "url" });
  }
  return url;
}

/** Upload through an upload context (see {@link uploadFile}). @internal */
export async function uploadWith(ctx: UploadContext, file: UploadFile, options: UploadOptions = {}): Promise<Attachment> {
  if (typeof file !== "object" || file === null || typeof file.name !== "string" || file.name === "") throw new MucStateError("a file needs a name");
  const data = file.data;
  const size = data instanceof Uint8Array ? data.byteLength : typeof Blob !== "undefined" && data instanceof Blob ? data.size : -1;
  if (size < 0) throw new MucStateError("a file's data must be a Uint8Array or a Blob");
  const type = file.type ?? (typeof Blob !== "undefined" && data instanceof Blob && data.type ? data.type : "application/octet-stream");
  const service = options.service !== undefined ? jidOf(options.service, "upload service") : await findService(ctx, options);
  const answer = await ctx.iq.request("get", service, uploadRequest.encode({ filename: file.name, size, contentType: type }), { timeout: options.timeout, signal: options.signal });
  const slot = uploadSlot.findIn(answer);
  if (!slot) throw new MucStateError("the upload service answered without a slot");
  const putUrl = slotUrl(slot.put.url, "put");
  slotUrl(slot.get.url, "get");
  // XEP-0363 §4: only these headers may come from the slot.
  const headers: Record<string, string> = { "Content-Type": type };
  for (const h of slot.put.headers) {
    const name = h.name.trim();
    if (/^(authorization|cookie|expires)$/i.test(name)) headers[name] = (h.value ?? "").replace(/[\r\n]/g, "");
  }
  const put = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await put(slot.put.url, { method: "PUT", headers, body: data as NonNullable<Parameters<typeof fetch>[1]>["body"], ...(options.signal ? { signal: options.signal } : {}) });
  } catch (e) {
    throw new UploadError(`the upload to ${putUrl.host} failed`, undefined, { cause: e });
  }
  if (!response.ok) throw new UploadError(`the upload service refused the file (HTTP ${response.status})`, response.status);
  return { url: slot.get.url, name: file.name, type, size };
}
