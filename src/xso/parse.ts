/**
 * Parsing XML text into one element, with the parser `@xmpp/client` uses, so
 * the element is of the class a connection delivers.
 *
 * @module
 */
import { Parser, type Element } from "@xmpp/xml";

/**
 * Parse XML text holding one element.
 *
 * @param text - the XML.
 * @returns the element (without any namespace added).
 * @throws the parser's error for malformed XML; `Error` when there is no element.
 *
 * @category Codec machinery
 */
export function parseElement(text: string): Element {
  const parser = new Parser();
  let root: Element | undefined;
  let error: unknown;
  parser.on("start", (el: Element) => {
    root = el;
  });
  parser.on("element", (el: Element) => {
    root?.cnode(el);
  });
  parser.on("error", (e: unknown) => {
    error = e;
  });
  parser.write(text);
  parser.end("");
  if (error !== undefined) throw error;
  if (root === undefined) throw new Error("no element in the XML text");
  return root;
}
