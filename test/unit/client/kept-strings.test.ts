/**
 * The copies a room keeps are the same text as what they copy, whatever the
 * text: two-byte characters, surrogate pairs, lone surrogates, the empty
 * string. (Which heap object each is shows only in a heap snapshot:
 * occupant-memory.test.ts.)
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { detach, keptDomain } from "../../../src/client/kept-strings.js";

describe("kept strings", () => {
  it("a detached copy is the same text, cut from a longer one or not", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), fc.string({ unit: "binary", maxLength: 20 }), (s, around) => {
        const cut = (around + s + around).slice(around.length, around.length + s.length);
        expect(detach(cut)).toBe(s);
        expect(detach(s)).toBe(s);
      }),
    );
  });

  it("splits no surrogate pair into something else", () => {
    const nick = "🦊🦊🦊🦊🦊🦊🦊 witch";
    expect(detach(nick)).toBe(nick);
    expect([...detach(nick)]).toEqual([...nick]);
  });

  it("a kept domain is the same text, however many domains came before (the table empties when full)", () => {
    for (let i = 0; i < 1_000; i++) expect(keptDomain(`server-${i}.example.org`)).toBe(`server-${i}.example.org`);
    fc.assert(fc.property(fc.domain(), (d) => keptDomain(d) === d));
  });
});
