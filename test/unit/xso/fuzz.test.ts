/**
 * Fuzz: push random and mutated elements through every decoder. The only
 * exception a decoder may throw is DecodeError — never a TypeError from deep
 * inside, never a RangeError, never anything else.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Element } from "@xmpp/xml";
import { DecodeError } from "../../../src/xso/errors.js";
import { cloneElement, type ElementCodec } from "../../../src/xso/codec.js";
import { allCodecs } from "../../helpers/codecs.js";
import { arbitraryFor } from "../../helpers/arbitrary.js";
import { overridesFor } from "../../helpers/overrides.js";

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GARBAGE = [
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

const NAMES = ["item", "status", "x", "field", "value", "reason", "error", "body", "set", "first", "__proto__", "constructor", "toString", "a:b"];

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)] as T;
}

function allElements(el: Element, out: Element[] = []): Element[] {
  out.push(el);
  for (const c of el.children) if (typeof c !== "string") allElements(c, out);
  return out;
}

/** Names (attribute and child) the codec knows, so mutations hit real fields. */
function knownNames(codec: ElementCodec<unknown, unknown>, out = new Set<string>(), depth = 0): Set<string> {
  if (depth > 4) return out;
  for (const f of Object.values(codec.fields)) {
    if (f.meta.name) out.add(f.meta.name);
    if (f.meta.codec) knownNames(f.meta.codec, out, depth + 1);
    for (const n of f.meta.names ?? []) out.add(n);
  }
  return out;
}

function mutate(root: Element, rnd: () => number, names: string[], ns: string): void {
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


function randomTree(rnd: () => number, name: string, ns: string, names: string[], depth = 0): Element {
  const el = new Element(name, depth === 0 ? { xmlns: ns } : {});
  const nAttrs = Math.floor(rnd() * 4);
  for (let i = 0; i < nAttrs; i++) el.attrs[pick(rnd, names.length ? names : NAMES)] = pick(rnd, GARBAGE);
  const nKids = depth > 3 ? 0 : Math.floor(rnd() * 4);
  for (let i = 0; i < nKids; i++) {
    if (rnd() < 0.2) el.children.push(pick(rnd, GARBAGE));
    else el.cnode(randomTree(rnd, pick(rnd, names.length ? names : NAMES), ns, names, depth + 1));
  }
  return el;
}

const PER_CODEC = Math.ceil(110_000 / Math.max(allCodecs.length, 1));

describe("fuzz: decoders throw only DecodeError", () => {
  let total = 0;

  for (const [exportName, codec] of allCodecs) {
    it(`${exportName}`, () => {
      const rnd = prng(exportName.length * 7919 + codec.name.charCodeAt(0));
      const names = [...knownNames(codec)];
      const seeds = fc.sample(arbitraryFor(codec, overridesFor(exportName)), { numRuns: 40, seed: 42 }).map((v) => codec.encode(v));
      let ok = 0;
      let rejected = 0;
      for (let i = 0; i < PER_CODEC; i++) {
        const el = i % 4 === 3 ? randomTree(rnd, codec.name, codec.ns, names) : cloneElement(pick(rnd, seeds));
        if (i % 4 !== 3) mutate(el, rnd, names, codec.ns);
        let value: unknown;
        try {
          value = codec.decode(el);
          ok++;
        } catch (e) {
          if (!(e instanceof DecodeError)) {
            throw new Error(`${exportName} threw ${(e as Error)?.name}: ${(e as Error)?.message}\non ${el.toString().slice(0, 2000)}`);
          }
          expect(e.element).toBeTypeOf("string");
          rejected++;
          continue;
        }
        // Whatever decodes must encode again.
        codec.encode(value);
      }
      total += ok + rejected;
      expect(ok + rejected).toBe(PER_CODEC);
    });
  }

  it("rejects things that are not elements with DecodeError", () => {
    const [, codec] = allCodecs[0]!;
    for (const bad of [null, undefined, "text", 42, {}, { name: "x" }, { name: "x", children: [] }]) {
      expect(() => codec.decode(bad as unknown as Element)).toThrow(DecodeError);
    }
  });

  it("pushed at least 100,000 elements through the decoders", () => {
    expect(total).toBeGreaterThanOrEqual(100_000);
  });
});
