/**
 * Stickers in a message, as clients send them: XEP-0449 (a `<sticker
 * pack='…'/>` beside an XEP-0447 `<file-sharing/>` whose XEP-0446 metadata
 * carries XEP-0300 hashes), or an XEP-0071 XHTML-IM body holding nothing but
 * one `<img src='cid:…'/>` whose bytes are XEP-0231 bits of binary (inline
 * `<data/>` in the message, or asked of the sender). Reading only: no I/O.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import { attr, element, namespaceOf, text, textOf, type Infer, type Input } from "./codec.js";
import { NS_BOB, NS_FILE_METADATA, NS_HASHES, NS_SFS, NS_STICKERS, NS_XHTML, NS_XHTML_IM } from "./ns.js";
import { nonNegativeInteger, string } from "./values.js";

/**
 * `<data xmlns='urn:xmpp:bob' cid type max-age>base64</data>` (XEP-0231 §2):
 * small binary data, named by its content id. In an IQ get, `data` is empty.
 *
 * @category File upload & sharing
 */
export const bobData = element("data", NS_BOB, {
  /** The content id, `algo+hash@bob.xmpp.org` (`cid` attribute). */
  cid: attr("cid", string, { required: true }),
  /** The media type (`type` attribute). */
  type: attr("type"),
  /** How long the data may be cached, in seconds (`max-age` attribute). */
  maxAge: attr("max-age", nonNegativeInteger),
  /** The data, base64-encoded (the text). */
  data: text(),
});
/**
 * Decoded bits of binary.
 *
 * @category File upload & sharing
 */
export type BobData = Infer<typeof bobData>;
/**
 * Bits of binary as accepted by `bobData.encode`.
 *
 * @category File upload & sharing
 */
export type BobDataInput = Input<typeof bobData>;

/**
 * A sticker a message carries, before its image is fetched.
 *
 * @category File upload & sharing
 */
export type StickerReference =
  | {
      /** XEP-0449: a sticker of a pack, shared as a file. */
      readonly kind: "pack";
      /** The pack's id (`pack` attribute). */
      readonly pack: string;
      /** The image's hashes from the file metadata, by XEP-0300 algorithm name (`sha-256`…), base64. */
      readonly hashes: Readonly<Record<string, string>>;
    }
  | {
      /** XEP-0231: an image named by a `cid:` URL in an XHTML-IM body. */
      readonly kind: "bob";
      /** The content id. */
      readonly cid: string;
      /** The data, when the message carries it (`<data/>` with the same cid). */
      readonly inline: BobData | undefined;
    };

/** The first child of `el` named `name` in `ns`. */
function childNamed(el: Element, name: string, ns: string): Element | undefined {
  for (const c of el.children) if (typeof c !== "string" && c.name === name && namespaceOf(c, namespaceOf(el)) === ns) return c;
  return undefined;
}

/** The elements among `el`'s children (no text). */
function elementsOf(el: Element): Element[] {
  return el.children.filter((c): c is Element => typeof c !== "string");
}

/**
 * The sticker a message carries, or `undefined`: XEP-0449's `<sticker/>`
 * (with the hashes of its `<file-sharing/>` metadata), else an XHTML-IM
 * body whose only content is one `<img src='cid:…'/>` (with the message's
 * `<data/>` for that cid, if any). Text beside the image makes it a message
 * with an inline picture, not a sticker.
 *
 * @param message - a `<message/>`.
 *
 * @category File upload & sharing
 */
export function stickerOf(message: Element): StickerReference | undefined {
  const sticker = childNamed(message, "sticker", NS_STICKERS);
  if (sticker) {
    const pack = sticker.attrs.pack;
    const hashes: Record<string, string> = {};
    const file = childNamed(message, "file-sharing", NS_SFS);
    const metadata = file ? childNamed(file, "file", NS_FILE_METADATA) : undefined;
    for (const h of metadata ? elementsOf(metadata) : []) {
      if (h.name === "hash" && namespaceOf(h, NS_FILE_METADATA) === NS_HASHES && typeof h.attrs.algo === "string") hashes[h.attrs.algo] = textOf(h).trim();
    }
    if (typeof pack === "string" && file) return { kind: "pack", pack, hashes };
  }
  const html = childNamed(message, "html", NS_XHTML_IM);
  const body = html ? childNamed(html, "body", NS_XHTML) : undefined;
  if (!body) return undefined;
  const cid = onlyImage(body);
  if (cid === undefined) return undefined;
  let inline: BobData | undefined;
  for (const c of elementsOf(message)) {
    if (c.name !== "data" || namespaceOf(c) !== NS_BOB || c.attrs.cid !== cid) continue;
    const decoded = bobData.tryDecode(c);
    if (decoded.ok) inline = decoded.value;
  }
  return { kind: "bob", cid, inline };
}

/** The cid of the one `<img src='cid:…'/>` an XHTML body holds with no text (in at most one `<p/>`), or `undefined`. */
function onlyImage(body: Element): string | undefined {
  let container = body;
  const blocks = elementsOf(body);
  if (blocks.length === 1 && blocks[0]?.name === "p") container = blocks[0];
  if (textOf(container).trim() !== "") return undefined;
  const inner = elementsOf(container);
  const img = inner.length === 1 ? inner[0] : undefined;
  const src = img?.name === "img" ? img.attrs.src : undefined;
  return typeof src === "string" && src.startsWith("cid:") && src.length > 4 ? src.slice(4) : undefined;
}

/**
 * The hash a XEP-0231 content id names (see {@link cidHash}).
 *
 * @category File upload & sharing
 */
export interface CidHash {
  /** The hash function, as the cid names it (`sha1`). */
  readonly algo: string;
  /** The hash, lower-case hexadecimal. */
  readonly hex: string;
}

/**
 * The hash a XEP-0231 content id names: `sha1+8f35…@bob.xmpp.org` →
 * `{ algo: "sha1", hex: "8f35…" }`; `undefined` for another form.
 *
 * @param cid - a content id.
 *
 * @category File upload & sharing
 */
export function cidHash(cid: string): CidHash | undefined {
  const m = /^([a-z0-9-]+)\+([0-9a-f]+)@bob\.xmpp\.org$/i.exec(cid);
  return m ? { algo: (m[1] as string).toLowerCase(), hex: (m[2] as string).toLowerCase() } : undefined;
}
