/**
 * XEP-0317 (Hats) version 0.3 §3.1: `<hats xmlns='urn:xmpp:hats:0'>` in an
 * occupant's presence, holding `<hat title uri hue? xml:lang?/>` elements that
 * may carry custom payloads.
 *
 * @module
 */
import { attr, children, element, mapped, rawList, type Infer, type Input } from "./codec.js";
import { ValueError } from "./errors.js";
import { NS_HATS } from "./ns.js";
import { clipForError, string } from "./values.js";

/** xs:decimal or xs:double lexical forms (no INF/NaN). */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parse a hue angle in degrees (XEP-0392 style, `0` to `360`).
 * @throws {@link ValueError} when it is not a number in range.
 */
function parseHue(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (!NUMBER.test(t)) throw new ValueError(`not a hue angle: '${clipForError(t)}'`);
  const n = Number(t);
  if (!(n >= 0 && n <= 360)) throw new ValueError(`hue angle out of range [0, 360]: ${t}`);
  return n === 0 ? 0 : n;
}

/**
 * `<hat/>`: one extended role, identified by its URI.
 *
 * @category Multi-User Chat
 */
export const hat = element("hat", NS_HATS, {
  /** The URI identifying the hat (`uri` attribute). */
  uri: attr("uri", string, { required: true }),
  /** The hat's human-readable title (`title` attribute). */
  title: attr("title", string, { required: true }),
  /** The language of `title` (`xml:lang` attribute). */
  lang: attr("xml:lang"),
  /** Display colour as a hue angle in degrees. The toolkit has no decimal value type, so the attribute is read as a string and converted. */
  hue: mapped(attr("hue"), parseHue, (n: number | undefined) => (n === undefined ? undefined : String(n))),
  /** Custom payload elements inside the `<hat/>`, kept unparsed. */
  payloads: rawList(() => true),
});
/**
 * Decoded `<hat/>`.
 *
 * @category Multi-User Chat
 */
export type Hat = Infer<typeof hat>;
/**
 * `<hat/>` as accepted by `hat.encode`.
 *
 * @category Multi-User Chat
 */
export type HatInput = Input<typeof hat>;

/**
 * `<hats/>`: every hat an occupant wears (possibly none).
 *
 * @category Multi-User Chat
 */
export const hats = element("hats", NS_HATS, {
  /** The hats worn (`<hat/>` children). */
  hats: children(hat),
});
/**
 * Decoded `<hats/>`.
 *
 * @category Multi-User Chat
 */
export type Hats = Infer<typeof hats>;
/**
 * `<hats/>` as accepted by `hats.encode`.
 *
 * @category Multi-User Chat
 */
export type HatsInput = Input<typeof hats>;

/**
 * Whether two lists of hats are the same hats in the same order (by URI,
 * title, language and hue; payloads are not compared).
 *
 * @param a - one list.
 * @param b - the other.
 *
 * @category Multi-User Chat
 */
export function sameHats(a: readonly Pick<Hat, "uri" | "title" | "lang" | "hue">[], b: readonly Pick<Hat, "uri" | "title" | "lang" | "hue">[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.every((h, i) => {
    const o = b[i];
    return o !== undefined && h.uri === o.uri && h.title === o.title && h.lang === o.lang && h.hue === o.hue;
  });
}
