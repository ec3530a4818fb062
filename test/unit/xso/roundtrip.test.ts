/**
 * Round-trip property tests for every exported codec: for any value,
 * decode(parse(serialize(encode(value)))) equals the value.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { allCodecs } from "../../helpers/codecs.js";
import { arbitraryFor } from "../../helpers/arbitrary.js";
import { overridesFor } from "../../helpers/overrides.js";
import { normalize } from "../../helpers/normalize.js";
import { parseXml } from "../../helpers/xml.js";

describe("codec round trips", () => {
  it("finds the codecs", () => {
    expect(allCodecs.length).toBeGreaterThan(10);
  });

  for (const [exportName, codec] of allCodecs) {
    it(`${exportName} <${codec.name} xmlns='${codec.ns}'>`, () => {
      fc.assert(
        fc.property(arbitraryFor(codec, overridesFor(exportName)), (value) => {
          const el = codec.encode(value);
          const back = codec.decode(parseXml(el.toString()));
          expect(normalize(back)).toEqual(normalize(value));
        }),
        { numRuns: 200 },
      );
    });
  }
});
