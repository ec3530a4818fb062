/**
 * Mutating XML elements for fuzz tests: a deterministic PRNG, a list of
 * hostile values, and `mutate`, which applies a few random edits to a tree
 * (garbage attribute values, dropped or duplicated children, foreign or
 * renamed elements, replaced text, deep nesting).
 */
import { Element } from "@xmpp/xml";
import { cloneElement } from "../../src/xso/codec.js";

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hostile values: empty, numeric edge cases, broken JIDs and dates, control characters, a lone surrogate, 100,000 characters, prototype names. */
export const GARBAGE = [
  "",
  " ",
  "x",
  "-1",
  "0",
  "1e3",
  "99999999999999999999999",
  "NaN",
  "true",
  "maybe",
  "@",
  "a@b@c",
  "@domain",
  "local@",
  "a/",
  "/res",
  "a b@c",
  "2002-13-45T99:99:99Z",
  "2002-09-10T23:08:25Z",
  "\u0000",
  "\ud800",
  "x".repeat(100_000),
  "owner",
  "moderator",
  "__proto__",
  "constructor",
];

/** Element and attribute names to insert or rename to. */
export const NAMES = ["item", "status", "x", "field", "value", "reason", "error", "body", "set", "first", "__proto__", "constructor", "toString", "a:b"];

/** A random item of `list`. */
export function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)] as T;
}

/** `el` and all its descendant elements. */
export function allElements(el: Element, out: Element[] = []): Element[] {
  out.push(el);
  for (const c of el.children) if (typeof c !== "string") allElements(c, out);
  return out;
}

/** Apply 1–4 random edits to `root`, favouring the names in `names` and the namespace `ns`. */
export function mutate(root: Element, rnd: () => number, names: string[], ns: string): void {
  const steps = 1 + Math.floor(rnd() * 4);
  for (let s = 0; s < steps; s++) {
    const els = allElements(root);
    const el = pick(rnd, els);
    switch (Math.floor(rnd() * 10)) {
      case 0: // garbage value in a known or existing attribute
      case 1: {
        const keys = Object.keys(el.attrs).filter((k) => k !== "xmlns");
        const name = keys.length && rnd() < 0.6 ? pick(rnd, keys) : pick(rnd, names.length ? names : NAMES);
        el.attrs[name] = pick(rnd, GARBAGE);
        break;
      }
      case 2: {
        const keys = Object.keys(el.attrs);
        if (keys.length) delete el.attrs[pick(rnd, keys)];
        break;
      }
      case 3: // drop a child
        if (el.children.length) el.children.splice(Math.floor(rnd() * el.children.length), 1);
        break;
      case 4: {
        // duplicate a child
        const kids = el.children.filter((c): c is Element => typeof c !== "string");
        if (kids.length) el.cnode(cloneElement(pick(rnd, kids)));
        break;
      }
      case 5: {
        // insert a child with a known/random name, in the same, another or no namespace
        const name = rnd() < 0.7 && names.length ? pick(rnd, names) : pick(rnd, NAMES);
        const r = rnd();
        const attrs: Record<string, string> = r < 0.5 ? {} : r < 0.8 ? { xmlns: "urn:other" } : { xmlns: ns };
        const c = new Element(name, attrs);
        if (rnd() < 0.5) c.t(pick(rnd, GARBAGE));
        if (rnd() < 0.3) c.attrs[pick(rnd, names.length ? names : NAMES)] = pick(rnd, GARBAGE);
        el.cnode(c);
        break;
      }
      case 6: // replace the text
        el.children = el.children.filter((c) => typeof c !== "string");
        el.children.push(pick(rnd, GARBAGE));
        break;
      case 7: // change namespace of a descendant
        if (el !== root) el.attrs.xmlns = pick(rnd, ["urn:other", ns, "", "jabber:client"]);
        break;
      case 8: // rename a descendant
        if (el !== root) el.name = pick(rnd, names.length && rnd() < 0.5 ? names : NAMES);
        break;
      case 9: {
        // deep nesting
        let cur = el;
        for (let i = 0; i < 50; i++) {
          const c = new Element(pick(rnd, names.length ? names : NAMES));
          cur.cnode(c);
          cur = c;
        }
        break;
      }
    }
  }
}

