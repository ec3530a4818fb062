/**
 * The statistics the join benchmarks print: the median, and the bootstrap
 * interval of a ratio of medians that says how far a ratio from a few
 * fresh-process runs can be trusted.
 */
import { describe, expect, it } from "vitest";
import { fmtRatio, median, ratioInterval } from "../../bench/harness.js";

describe("benchmark statistics", () => {
  it("takes the middle value, or the mean of the middle two", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it("gives a ratio of identical runs a zero-width interval", () => {
    expect(ratioInterval([150, 150, 150], [100, 100, 100])).toEqual([1.5, 1.5]);
  });

  it("brackets the ratio of medians, and widens as the runs spread", () => {
    const sdk = [160, 150, 170, 140, 155, 165, 150];
    const bare = [100, 110, 95, 105, 100, 98, 102];
    const [low, high] = ratioInterval(sdk, bare);
    const ratio = median(sdk) / median(bare);
    expect(low).toBeLessThanOrEqual(ratio);
    expect(high).toBeGreaterThanOrEqual(ratio);
    const spread = [100, 220, 150, 90, 260, 155, 140];
    const [wideLow, wideHigh] = ratioInterval(spread, bare);
    expect(wideHigh - wideLow).toBeGreaterThan(high - low);
  });

  it("is the same for the same figures (seeded), and printed with the ratio", () => {
    const a = [180, 150, 210];
    const b = [120, 100, 140];
    expect(ratioInterval(a, b)).toEqual(ratioInterval(a, b));
    expect(fmtRatio(a, b)).toMatch(/^1\.50× \[\d\.\d\d–\d\.\d\d\]$/);
    expect(fmtRatio([], b)).toBe("—");
  });
});
