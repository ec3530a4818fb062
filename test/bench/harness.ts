/**
 * A small benchmark harness: run a function in timed batches after a warm-up
 * and report the median rate. Used by every benchmark, so peers are measured
 * the same way in the same process.
 */

/** Result of one measured case. */
export interface Measurement {
  /** Case label. */
  readonly name: string;
  /** Median operations per second over the rounds. */
  readonly opsPerSec: number;
  /** Median nanoseconds per operation. */
  readonly nsPerOp: number;
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Milliseconds per round. */
  readonly roundMs?: number;
  /** Number of measured rounds (the median is reported). */
  readonly rounds?: number;
  /** Milliseconds of warm-up. */
  readonly warmupMs?: number;
}

/** Sink that keeps results alive so the optimiser cannot drop the work. */
export let sink: unknown;

/**
 * Measure `fn` (one operation per call).
 */
export function measure(name: string, fn: () => unknown, options: MeasureOptions = {}): Measurement {
  const roundMs = options.roundMs ?? 400;
  const rounds = options.rounds ?? 7;
  const warmupMs = options.warmupMs ?? 300;
  // Warm-up, and find a batch size that takes ~1/20 of a round.
  let batch = 1;
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) sink = fn();
    if (performance.now() - t0 < roundMs / 20) batch *= 2;
  }
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let ops = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(Math.round(roundMs * 1e6));
    let now = start;
    while (now < end) {
      for (let i = 0; i < batch; i++) sink = fn();
      ops += batch;
      now = process.hrtime.bigint();
    }
    rates.push(ops / (Number(now - start) / 1e9));
  }
  rates.sort((a, b) => a - b);
  const opsPerSec = rates[Math.floor(rates.length / 2)] as number;
  return { name, opsPerSec, nsPerOp: 1e9 / opsPerSec };
}

/** Format a number with thousands separators. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Print rows as an aligned text table. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(headers));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** A seeded pseudo-random generator (mulberry32): the same seed, the same sequence. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * How sure a ratio of medians is: a 95% bootstrap interval of
 * `median(a) / median(b)`, each side resampled with replacement 2,000
 * times (seeded: the same figures give the same interval). Fresh-process
 * benchmarks spread by ±20% from run to run, so a ratio is printed with
 * this interval; with few runs it is wide, and says so.
 *
 * @returns `[low, high]`.
 */
export function ratioInterval(a: readonly number[], b: readonly number[], rounds = 2_000): [number, number] {
  const random = seeded(0x5eed);
  const resample = (xs: readonly number[]): number[] => xs.map(() => xs[Math.floor(random() * xs.length)] as number);
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) ratios.push(median(resample(a)) / median(resample(b)));
  ratios.sort((x, y) => x - y);
  return [ratios[Math.floor(rounds * 0.025)] as number, ratios[Math.ceil(rounds * 0.975) - 1] as number];
}

/** A ratio with its interval, as the join benchmarks print it: `1.26× [1.10–1.45]`. */
export function fmtRatio(a: readonly number[], b: readonly number[]): string {
  if (a.length === 0 || b.length === 0) return "—";
  const [low, high] = ratioInterval(a, b);
  return `${(median(a) / median(b)).toFixed(2)}× [${low.toFixed(2)}–${high.toFixed(2)}]`;
}
