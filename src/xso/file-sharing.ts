/**
 * A file in a message: XEP-0066 out-of-band data (`<x xmlns='jabber:x:oob'>`
 * with the URL, which every client shows) and XEP-0447 stateless file
 * sharing (a `<file-sharing/>` with XEP-0446 metadata and XEP-0103 URL
 * sources). {@link attachmentsOf} reads both; {@link attachmentPayloads}
 * writes both, so old and new clients see the file.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import { namespaceOf, textOf } from "./codec.js";
import { NS_FILE_METADATA, NS_OOB, NS_SFS, NS_URL_DATA } from "./ns.js";

/**
 * A file a message shares.
 *
 * @category File upload & sharing
 */
export interface Attachment {
  /** Where to fetch it. */
  readonly url: string;
  /** Its name, when the message says. */
  readonly name?: string | undefined;
  /** Its media type, when the message says. */
  readonly type?: string | undefined;
  /** Its size in bytes, when the message says. */
  readonly size?: number | undefined;
  /** A description, when the message has one. */
  readonly description?: string | undefined;
}

/** The first child of `el` named `name` in `ns` (with `el`'s children in `parentNs` by default). */
function childIn(el: Element, name: string, ns: string, parentNs: string): Element | undefined {
  for (const c of el.children) if (typeof c !== "string" && c.name === name && namespaceOf(c, parentNs) === ns) return c;
  return undefined;
}

function optionalText(el: Element | undefined): string | undefined {
  if (el === undefined) return undefined;
  const t = textOf(el).trim();
  return t === "" ? undefined : t;
}

/** Whether `s` is an absolute http(s) URL. */
function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "https:" || u.protocol === "http:";
  } catch {
    return false;
  }
}

/**
 * The files a message shares: its XEP-0447 `<file-sharing/>` elements (their
 * first http(s) URL source, with name, media type, size and description),
 * then XEP-0066 URLs not already among them. Malformed entries are skipped.
 *
 * @param message - a `<message/>`.
 *
 * @category File upload & sharing
 */
export function attachmentsOf(message: Element): Attachment[] {
  const out: Attachment[] = [];
  const seen = new Set<string>();
  for (const c of message.children) {
    if (typeof c === "string" || c.name !== "file-sharing" || namespaceOf(c) !== NS_SFS) continue;
    const sources = childIn(c, "sources", NS_SFS, NS_SFS);
    const url = sources?.children.find((s): s is Element => typeof s !== "string" && s.name === "url-data" && namespaceOf(s, NS_SFS) === NS_URL_DATA && typeof s.attrs.target === "string" && isHttpUrl(s.attrs.target))?.attrs.target as string | undefined;
    if (url === undefined || seen.has(url)) continue;
    const file = childIn(c, "file", NS_FILE_METADATA, NS_SFS);
    const sizeText = file ? optionalText(childIn(file, "size", NS_FILE_METADATA, NS_FILE_METADATA)) : undefined;
    const size = sizeText !== undefined && /^\d{1,15}$/.test(sizeText) ? Number(sizeText) : undefined;
    seen.add(url);
    out.push({
      url,
      name: file ? optionalText(childIn(file, "name", NS_FILE_METADATA, NS_FILE_METADATA)) : undefined,
      type: file ? optionalText(childIn(file, "media-type", NS_FILE_METADATA, NS_FILE_METADATA)) : undefined,
      size,
      description: file ? optionalText(childIn(file, "desc", NS_FILE_METADATA, NS_FILE_METADATA)) : undefined,
    });
  }
  for (const c of message.children) {
    if (typeof c === "string" || c.name !== "x" || namespaceOf(c) !== NS_OOB) continue;
    const url = optionalText(childIn(c, "url", NS_OOB, NS_OOB));
    if (url === undefined || !isHttpUrl(url) || seen.has(url)) continue;
    seen.add(url);
    out.push({ url, description: optionalText(childIn(c, "desc", NS_OOB, NS_OOB)) });
  }
  return out;
}

/**
 * The payloads that share a file: XEP-0066 `<x xmlns='jabber:x:oob'>` and an
 * XEP-0447 `<file-sharing/>` with what is known of the file. The message's
 * body should be the URL (what clients without either show).
 *
 * @param file - the file.
 *
 * @category File upload & sharing
 */
export function attachmentPayloads(file: Attachment): Element[] {
  const oob = xml("x", { xmlns: NS_OOB }, xml("url", {}, file.url));
  if (file.description !== undefined) oob.cnode(xml("desc", {}, file.description));
  const meta = xml("file", { xmlns: NS_FILE_METADATA });
  if (file.type !== undefined) meta.cnode(xml("media-type", {}, file.type));
  if (file.name !== undefined) meta.cnode(xml("name", {}, file.name));
  if (file.size !== undefined) meta.cnode(xml("size", {}, String(file.size)));
  if (file.description !== undefined) meta.cnode(xml("desc", {}, file.description));
  const sfs = xml("file-sharing", { xmlns: NS_SFS, disposition: file.type?.startsWith("image/") ? "inline" : "attachment" }, meta, xml("sources", {}, xml("url-data", { xmlns: NS_URL_DATA, target: file.url })));
  return [oob, sfs];
}
