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
import { GARBAGE, mutate, NAMES, pick, prng } from "../../helpers/mutate.js";
import { arbitraryFor } from "../../helpers/arbitrary.js";
import { overridesFor } from "../../helpers/overrides.js";


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
