/**
 * The user's stickers, with their image: XEP-0449 stickers fetched from the
 * URL their file sharing gives, XEP-0231 ones from the message's `<data/>`
 * or asked of the user's client, each checked against the hashes the
 * message states; bits of binary kept in a small cache by content id (the
 * id is the data's hash, so it never goes stale).
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { JID } from "@xmpp/jid";
import { attachmentsOf } from "../../xso/file-sharing.js";
import { bobData, cidHash, type StickerReference } from "../../xso/stickers.js";
import { XMPPError } from "../../xso/stanza-error.js";
import type { Element } from "@xmpp/xml";
import type { BaseGateway } from "../gateway.js";

/**
 * A sticker the user sent (slidge's `Sticker`), for
 * {@link BaseSession.onSticker}: the image itself, with its hashes.
 *
 * @category Gateway & sessions
 */
export interface Sticker {
  /** The image. */
  readonly data: Uint8Array;
  /** Its media type, when the message said (`image/webp`, `image/png`…). */
  readonly type: string | undefined;
  /** Its hashes, computed from `data`, by XEP-0300 algorithm name. */
  readonly hashes: {
    /** SHA-1, base64. */
    readonly "sha-1": string;
    /** SHA-256, base64. */
    readonly "sha-256": string;
  };
  /** The XEP-0449 sticker pack it is from, when it came with one. */
  readonly pack?: string;
  /** Where the image was fetched (XEP-0449), when it came as a link. */
  readonly url?: string;
  /** Its textual fallback (often an emoji), when the message has one. */
  readonly description?: string;
}

/**
 * The largest sticker image the gateway takes, in bytes.
 *
 * @category Gateway & sessions
 */
export const MAX_STICKER_BYTES = 2 * 1024 * 1024;
/** How long fetching a sticker's image may take. */
const FETCH_TIMEOUT_MS = 30_000;
/** Bits of binary kept per gateway, most recent last. */
const CACHE_ENTRIES = 64;

type CachedBob = { readonly data: Uint8Array; readonly type: string | undefined };
const caches = new WeakMap<BaseGateway, Map<string, CachedBob>>();

/** Node's name of an XEP-0300 (or XEP-0231 `cid`) hash algorithm we can check, or `undefined`. */
function nodeAlgorithm(algo: string): string | undefined {
  return ({ "sha-1": "sha1", sha1: "sha1", "sha-256": "sha256", sha256: "sha256", "sha-512": "sha512", sha512: "sha512" } as Record<string, string>)[algo.toLowerCase()];
}

/**
 * The sticker's image, fetched and checked.
 *
 * @param gateway - the gateway (its IQs, its cache).
 * @param message - the user's message.
 * @param reference - what {@link stickerOf} found in it.
 * @param from - the user's full JID (asked for bits of binary the message does not carry).
 * @throws XMPPError `not-acceptable` for an image that does not match its hash or is too large; `item-not-found` when it cannot be had.
 */
export async function resolveSticker(gateway: BaseGateway, message: Element, reference: StickerReference, from: JID): Promise<Sticker> {
  const description = message.getChildText("body")?.trim() || undefined;
  if (reference.kind === "bob") {
    const { data, type } = await bobImage(gateway, reference.cid, reference.inline, from);
    return sticker(data, type, { ...(description ? { description } : {}) });
  }
  const file = attachmentsOf(message)[0];
  if (!file) throw new XMPPError("bad-request", { text: "This sticker has no source to fetch it from" });
  const data = await fetchImage(file.url);
  for (const [algo, expected] of Object.entries(reference.hashes)) {
    const name = nodeAlgorithm(algo);
    if (name && createHash(name).update(data).digest("base64") !== expected) throw new XMPPError("not-acceptable", { text: `The sticker's image does not match its ${algo} hash` });
  }
  const fallback = file.description ?? description;
  return sticker(data, file.type, { pack: reference.pack, url: file.url, ...(fallback ? { description: fallback } : {}) });
}

function sticker(data: Uint8Array, type: string | undefined, extra: Pick<Sticker, "pack" | "url" | "description">): Sticker {
  const hashes = { "sha-1": createHash("sha1").update(data).digest("base64"), "sha-256": createHash("sha256").update(data).digest("base64") };
  return { data, type, hashes, ...extra };
}

/** A `cid:` image: from the cache, the message, or the user's client (XEP-0231 §3), checked against the hash its cid names. */
async function bobImage(gateway: BaseGateway, cid: string, inline: { readonly type?: string | undefined; readonly data?: string | undefined } | undefined, from: JID): Promise<CachedBob> {
  const cache = caches.get(gateway) ?? new Map<string, CachedBob>();
  caches.set(gateway, cache);
  const cached = cache.get(cid);
  if (cached) {
    cache.delete(cid);
    cache.set(cid, cached);
    return cached;
  }
  let found = inline?.data ? inline : undefined;
  if (!found) {
    let answer: Element;
    try {
      answer = await gateway.requestIq(from, "get", bobData.encode({ cid }));
    } catch (e) {
      gateway.log.debug(`the sticker ${cid} could not be had from ${from.toString()}`, e);
      throw new XMPPError("item-not-found", { text: "The sticker's image could not be had from your client" });
    }
    found = bobData.tryFindIn(answer);
  }
  if (!found?.data) throw new XMPPError("item-not-found", { text: "The sticker's image is empty" });
  const data = new Uint8Array(Buffer.from(found.data.replace(/\s+/g, ""), "base64"));
  if (data.length === 0 || data.length > MAX_STICKER_BYTES) throw new XMPPError("not-acceptable", { text: "The sticker's image is empty or too large" });
  const named = cidHash(cid);
  const algorithm = named ? nodeAlgorithm(named.algo) : undefined;
  if (!named || !algorithm || createHash(algorithm).update(data).digest("hex") !== named.hex) throw new XMPPError("not-acceptable", { text: "The sticker's image does not match its cid" });
  const image = { data, type: found.type };
  cache.set(cid, image);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  return image;
}

/** The bytes at an http(s) URL, at most {@link MAX_STICKER_BYTES}. */
async function fetchImage(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (e) {
    throw new XMPPError("item-not-found", { text: `The sticker could not be fetched: ${e instanceof Error ? e.message : String(e)}` });
  }
  if (!response.ok) throw new XMPPError("item-not-found", { text: `The sticker could not be fetched: HTTP ${response.status}` });
  const tooLarge = new XMPPError("not-acceptable", { text: "The sticker's image is too large" });
  if (Number(response.headers.get("content-length") ?? "0") > MAX_STICKER_BYTES) throw tooLarge;
  // Read at most the limit, whatever the server says of the length.
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    total += next.value.length;
    if (total > MAX_STICKER_BYTES) {
      await reader?.cancel();
      throw tooLarge;
    }
    chunks.push(next.value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
