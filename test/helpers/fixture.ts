/**
 * Fixture checks: decode an XML example to an expected value, and encode the
 * decoded value back to the same XML (whitespace stripped, compared canonically).
 */
import { expect } from "vitest";
import type { Element } from "@xmpp/xml";
import type { ElementCodec } from "../../src/xso/codec.js";
import { canonical, parseXml } from "./xml.js";
import { normalize } from "./normalize.js";

/**
 * Check one fixture.
 *
 * @param codec - the codec under test.
 * @param xml - the example; either the element itself or a stanza containing it
 *   (then the first matching child is used).
 * @param expected - the decoded value (JIDs, Dates and Elements compare by value).
 * @returns the decoded value, for further assertions.
 */
export function checkFixture<T>(codec: ElementCodec<T, unknown>, xml: string, expected: unknown): T {
  const root = parseXml(xml);
  const el = findElement(codec, root);
  const value = codec.decode(el);
  expect(normalize(value)).toEqual(normalize(expected));
  const encoded = codec.encode(value as never);
  expect(canonical(encoded)).toEqual(canonical(el));
  return value;
}

function findElement(codec: ElementCodec<unknown, unknown>, root: Element): Element {
  if (codec.matches(root)) return root;
  const queue: Element[] = [root];
  while (queue.length) {
    const el = queue.shift()!;
    for (const c of el.children) {
      if (typeof c === "string") continue;
      if (codec.matches(c)) return c;
      queue.push(c);
    }
  }
  throw new Error(`fixture has no <${codec.name} xmlns='${codec.ns}'>`);
}
