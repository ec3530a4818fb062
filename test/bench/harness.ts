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
