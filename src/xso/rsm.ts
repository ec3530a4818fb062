/**
 * XEP-0059 (Result Set Management) §2 (use cases) and §8 (schema): the
 * `<set xmlns='http://jabber.org/protocol/rsm'>` element that pages through
 * result sets, as requests (`max`, `after`, `before`, `index`) and as
 * responses (`first`, `last`, `count`).
 *
 * @module
 */
import { attr, child, childText, element, text, type Infer, type Input } from "./codec.js";
import { NS_RSM } from "./ns.js";
import { integer } from "./values.js";

/** The range of an `xs:int` that is meaningful as a count, size or position. */
const nonNegativeInt = integer(0, 2147483647);

/**
 * `<first index='…'>uid</first>`: the UID of the first item of a returned page, and its position (XEP-0059 §2.2).
 *
 * @category Archive & paging
 */
export const rsmFirst = element("first", NS_RSM, {
  /** The position of the first item of the page within the full result set (`index` attribute). */
  index: attr("index", nonNegativeInt),
  /** The UID of the first item of the page (the element's text). */
  id: text(),
});
/**
 * Decoded `<first/>`.
 *
 * @category Archive & paging
 */
export type RsmFirst = Infer<typeof rsmFirst>;

/**
 * `<set/>`: a page request or the description of a returned page.
 *
 * `before` is `""` for an empty `<before/>` (request the last page, XEP-0059
 * §2.5) and `undefined` when absent; the two are encoded back as they were.
 *
 * @category Archive & paging
 */
export const rsmSet = element("set", NS_RSM, {
  /** The maximum number of items requested per page (`<max/>` child). */
  max: childText("max", nonNegativeInt),
  /** Request the page after the item with this UID (`<after/>` child). */
  after: childText("after"),
  /** Request the page before the item with this UID; `""` requests the last page (`<before/>` child). */
  before: childText("before"),
  /** Request the page starting at this position in the result set (`<index/>` child). */
  index: childText("index", nonNegativeInt),
  /** The first item of the returned page (`<first/>` child). */
  first: child(rsmFirst),
  /** The UID of the last item of the returned page (`<last/>` child). */
  last: childText("last"),
  /** The number of items in the full result set (`<count/>` child). */
  count: childText("count", nonNegativeInt),
});
/**
 * Decoded `<set/>`.
 *
 * @category Archive & paging
 */
export type RsmSet = Infer<typeof rsmSet>;
/**
 * `<set/>` as accepted by `rsmSet.encode`.
 *
 * @category Archive & paging
 */
export type RsmSetInput = Input<typeof rsmSet>;
