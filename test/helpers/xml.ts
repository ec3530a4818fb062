/**
 * XML helpers for tests: parse text, and compare elements as XML with
 * insignificant whitespace stripped.
 */
import type { Element } from "@xmpp/xml";
import { parseElement } from "../../src/xso/parse.js";

export { parseElement };
import { namespaceOf } from "../../src/xso/codec.js";

/** Parse XML text into an element, dropping whitespace-only text between elements. */
export function parseXml(text: string): Element {
  const el = parseElement(text);
  stripWhitespace(el);
  return el;
}


function stripWhitespace(el: Element): void {
  const hasElements = el.children.some((c) => typeof c !== "string");
  if (hasElements) {
    el.children = el.children.filter((c) => typeof c !== "string" || c.trim() !== "");
  }
  for (const c of el.children) if (typeof c !== "string") stripWhitespace(c);
}

/**
 * A canonical string form of an element: namespaces resolved onto every
 * element, attributes sorted, whitespace-only text dropped, and siblings
 * grouped by qualified name (order kept among same-named siblings, since
 * XML extensions carry no meaning in the order of different elements).
 */
export function canonical(el: Element, inheritedNs?: string): string {
  const ns = namespaceOf(el, inheritedNs) ?? "";
  const name = el.name.includes(":") ? el.name.slice(el.name.indexOf(":") + 1) : el.name;
  const attrs = Object.entries(el.attrs)
    .filter(([k, v]) => k !== "xmlns" && !k.startsWith("xmlns:") && v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${JSON.stringify(String(v))}`)
    .sort();
  const hasElements = el.children.some((c) => typeof c !== "string");
  const texts: string[] = [];
  const kids: { key: string; s: string }[] = [];
  for (const c of el.children) {
    if (typeof c === "string") {
      if (!hasElements || c.trim() !== "") texts.push(c);
    } else {
      const cns = namespaceOf(c, ns) ?? "";
      const cname = c.name.includes(":") ? c.name.slice(c.name.indexOf(":") + 1) : c.name;
      kids.push({ key: `{${cns}}${cname}`, s: canonical(c, ns) });
    }
  }
  const order = new Map<string, number>();
  kids.forEach((k, i) => {
    if (!order.has(k.key)) order.set(k.key, i);
  });
  kids.sort((a, b) => (a.key === b.key ? 0 : a.key < b.key ? -1 : 1));
  const text = texts.join("");
  return `<{${ns}}${name}${attrs.length ? " " + attrs.join(" ") : ""}>${text ? JSON.stringify(text) : ""}${kids.map((k) => k.s).join("")}</>`;
}
