/**
 * `npm run bench -- join-pipeline`: the CPU of joining a room of N occupants
 * through `@xmpp/client`'s own pipeline, without a server — this SDK against
 * bare `@xmpp/client` counting the same stanzas, and against bare
 * `@xmpp/client` keeping each occupant's fields in a map, each run in a fresh process
 * (`join-pipeline-client.ts`), medians of 11.
 *
 * The `join` benchmark measures the same against a real Prosody, with its
 * timing in the figures; this one leaves the server out, so that its many
 * runs are quick. Both are cold: one join per process. The JIT's outcome
 * varies from process to process (the same `@xmpp/jid` escaping check was
 * seen to take 440 ms in one process and 850 ms in another for 200,000
 * calls), so a ratio needs many runs: hence 11.
 *
 * Besides process CPU, the table gives the main thread's CPU with and
 * without its garbage-collection pauses, which tells the SDK's own work from
 * what keeping the occupants costs the collector.
 *
 * Environment: `PIPELINE_SIZES=1000,5000` (default 1000,5000,10000),
 * `PIPELINE_RUNS=11`.
 */
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fmt, fmtRatio, median, printTable } from "./harness.js";
import type { PipelineResult } from "./join-pipeline-client.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const SIZES = (process.env.PIPELINE_SIZES ?? "1000,5000,10000").split(",").map(Number);
const RUNS = Number(process.env.PIPELINE_RUNS ?? 11);

type Kind = "sdk" | "bare" | "keep";

async function runOnce(kind: Kind, n: number): Promise<PipelineResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", join(HERE, "join-pipeline-client.ts"), kind, String(n)], { maxBuffer: 1 << 20 });
  const result = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as PipelineResult;
  if (result.occupants !== n + 1) throw new Error(`${kind}: counted ${result.occupants} occupants, expected ${n + 1}`);
  return result;
}

/** Run the benchmark and print its table. */
export async function runJoinPipelineBench(): Promise<void> {
  console.log(`\n## Joining a room of N occupants through @xmpp/client's pipeline, no server: process CPU, join → full occupant list (median [min–max] of ${RUNS} fresh processes; ratios of medians [95% bootstrap interval])\n`);
  const rows: string[][] = [];
  for (const n of SIZES) {
    const runs: Record<Kind, PipelineResult[]> = { sdk: [], bare: [], keep: [] };
    // Alternate the kinds, so that a slower spell of the machine falls on all.
    for (let i = 0; i < RUNS; i++) for (const kind of ["sdk", "bare", "keep"] as const) runs[kind].push(await runOnce(kind, n));
    const cpu = (kind: Kind): number => median(runs[kind].map((r) => r.cpuMs));
    const main = (kind: Kind): number => median(runs[kind].map((r) => r.mainMs));
    const range = (kind: Kind): string => {
      const values = runs[kind].map((r) => r.cpuMs);
      return `${fmt(cpu(kind))} [${fmt(Math.min(...values))}–${fmt(Math.max(...values))}]`;
    };
    const gc = (kind: Kind): number => median(runs[kind].map((r) => r.gcMs));
    const of = (kind: Kind, key: "cpuMs" | "mainMs"): number[] => runs[kind].map((r) => r[key]);
    const mutator = (kind: Kind): number[] => runs[kind].map((r) => r.mainMs - r.gcMs);
    rows.push([
      fmt(n),
      range("sdk"),
      range("bare"),
      fmtRatio(of("sdk", "cpuMs"), of("bare", "cpuMs")),
      `${fmt(main("sdk"))} / ${fmt(main("bare"))}`,
      fmtRatio(of("sdk", "mainMs"), of("bare", "mainMs")),
      `${fmt(gc("sdk"))} / ${fmt(gc("bare"))}`,
      fmtRatio(mutator("sdk"), mutator("bare")),
      range("keep"),
      fmtRatio(of("sdk", "cpuMs"), of("keep", "cpuMs")),
    ]);
  }
  printTable(["N", "SDK ms", "bare @xmpp/client ms", "SDK/bare", "main thread SDK / bare ms", "main thread SDK/bare", "GC pauses SDK / bare ms", "main thread less GC pauses, SDK/bare", "keeping @xmpp/client ms", "SDK/keeping"], rows);
  console.log(
    "\nThe last column leaves out the collector's pauses: roughly the code's own work, the SDK's next to bare @xmpp/client's,\n" +
      "first runs included (each process joins once, so the SDK's code runs cold: a fixed cost, which weighs most at small N).\n" +
      "What the collector adds grows with N: the young generation's scavenges copy the occupants the room keeps (bare\n" +
      "@xmpp/client keeps nothing), on the main thread (the pauses) and on V8's helper threads (process CPU less main thread).\n" +
      "The last two columns: bare @xmpp/client keeping each occupant's presence fields in a map by nick — the least any\n" +
      "client that shows an occupant list keeps — and the SDK against it.",
  );
}
