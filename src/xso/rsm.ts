/**
 * XEP-0059 (Result Set Management) §2 (use cases) and §8 (schema): the
 * `<set xmlns='http://jabber.org/protocol/rsm'>` element that pages through
 * result sets, as requests (`max`, `after`, `before`, `index`) and as
 * responses (`first`, `last`, `count`).
 *
 * @module
 */
import { attr, child, childText, element, text, type Infer, type Input } from "./codec.js";
import { NS } from "./ns.js";
import { integer } from "./values.js";

/** The range of an `xs:int` that is meaningful as a count, size or position. */
const nonNegativeInt = integer(0, 2147483647);

/** `<first index='…'>uid</first>`: the UID of the first item of a returned page, and its position (XEP-0059 §2.2). */
export const rsmFirst = element("first", NS.RSM, {
  index: attr("index", nonNegativeInt),
  id: text(),
});
/** Decoded `<first/>`. */
export type RsmFirst = Infer<typeof rsmFirst>;

/**
 * `<set/>`: a page request or the description of a returned page.
 *
 * `before` is `""` for an empty `<before/>` (request the last page, XEP-0059
 * §2.5) and `undefined` when absent; the two are encoded back as they were.
 */
export const rsmSet = element("set", NS.RSM, {
  max: childText("max", nonNegativeInt),
  after: childText("after"),
  before: childText("before"),
  index: childText("index", nonNegativeInt),
  first: child(rsmFirst),
  last: childText("last"),
  count: childText("count", nonNegativeInt),
});
/** Decoded `<set/>`. */
export type RsmSet = Infer<typeof rsmSet>;
/** `<set/>` as accepted by `rsmSet.encode`. */
export type RsmSetInput = Input<typeof rsmSet>;
