/**
 * `npm run bench -- storm`: the reconnect storm of the integration test
 * (100 cuts over 1,000 tracked messages from each of two senders, SDK clients behind a
 * fault-injecting proxy in front of a real Prosody, then ejabberd), for
 * several seeds in its modes (`resume`, `new-stream`, `refused`, and on
 * Prosody `crash`, where the server is also killed and restarted 3 times,
 * `STORM_CRASHES=<n>` times; and `no-sm`, where the server offers no stream management;
 * `STORM_SERVERS`, `STORM_MODES`,
 * `STORM_SEEDS`; two senders at once, `STORM_SENDERS=1` for one; the clients
 * behind the proxy over TCP, then over WebSocket (`STORM_TRANSPORTS=tcp`
 * for TCP only): messages lost,
 * duplicated and out of order at the receivers,
 * trackers not delivered, and the time every client took to be back in the
 * room after each cut (median and worst).
 *
 * `STORM_TRACE=<dir>`: each run keeps a trace in memory (the clients' SDK
 * logs, elements, room events, the proxy's cuts) and writes it to
 * `<dir>/<server>-<mode>-<seed>.log` when that run failed (every run's with
 * `STORM_TRACE_ALL=1`).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { StormTrace } from "../helpers/storm-trace.js";
import { runStorm, stormServer, undelivered, type StormMode, type StormServerKind, type StormTransport } from "../helpers/storm.js";

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export async function runStormBench(): Promise<void> {
  const seeds = (process.env.STORM_SEEDS ?? "1,2,3").split(",").map(Number);
  const kinds = (process.env.STORM_SERVERS ?? "prosody,ejabberd").split(",") as StormServerKind[];
  const notes: string[] = [];
  const rows: string[][] = [["server", "transport", "mode", "seed", "cuts", "crashes", "lost", "twice", "out of order", "trackers not delivered", "all joined", "recovery median ms", "recovery worst ms", "run s"]];
  const senders = process.env.STORM_SENDERS === "1" ? 1 : 2;
  const modes = (process.env.STORM_MODES ?? "resume,new-stream,refused,crash,no-sm").split(",") as StormMode[];
  const crashes = process.env.STORM_CRASHES !== undefined ? Number(process.env.STORM_CRASHES) : 3;
  const transports = (process.env.STORM_TRANSPORTS ?? "tcp,websocket").split(",") as StormTransport[];
  const traceDir = process.env.STORM_TRACE;
  if (traceDir) mkdirSync(traceDir, { recursive: true });
  for (const kind of kinds) for (const mode of modes) {
    // The server crashes of `crash` mode need a server the harness restarts: Prosody.
    if (mode === "crash" && kind !== "prosody") continue;
    const server = await stormServer(mode, kind);
    try {
      for (const transport of transports) for (const seed of seeds) {
        // A server without a WebSocket endpoint runs over TCP only.
        if (transport === "websocket" && server.httpPort === undefined) continue;
        const label = `${kind} ${transport} ${mode} seed ${seed}`;
        let r;
        const trace = traceDir ? new StormTrace() : undefined;
        const keep = (): void => {
          if (!trace || !traceDir) return;
          const path = join(traceDir, `${kind}-${transport}-${mode}-${seed}.log`);
          trace.write(path);
          console.log(`  … trace of ${trace.size} entries in ${path}`);
        };
        try {
          r = await runStorm({ mode, seed, cuts: 100, messages: 1_000, senders, server, crashes, transport, ...(trace ? { trace } : {}) });
        } catch (e) {
          // A run that could not finish is a row of its own, not the end of the table.
          console.log(`  … ${label}: ${e instanceof Error ? e.message : String(e)}`);
          keep();
          rows.push([kind, transport, mode, String(seed), "failed:", e instanceof Error ? e.name : "error", "", "", "", "", "", "", "", ""]);
          continue;
        }
        console.log(`  … ${label}: ${(r.durationMs / 1000).toFixed(1)} s`);
        for (const x of r.receivers) if (x.disorder.length) notes.push(`${label}: ${x.name} saw ${x.disorder.join(", ")}`);
        if (r.undeliveredTrackers.length) notes.push(`${label}: trackers not delivered: ${r.undeliveredTrackers.join("; ")}`);
        const recovery = [...r.recoveryMs].sort((a, b) => a - b);
        const sum = (k: "lost" | "duplicated" | "outOfOrder"): number => r.receivers.reduce((n, x) => n + x[k], 0);
        if (sum("lost") + sum("duplicated") + sum("outOfOrder") + undelivered(r) > 0 || !r.allJoined || process.env.STORM_TRACE_ALL === "1") keep();
        rows.push([kind, transport, mode, String(seed), String(r.cuts), String(r.crashes), String(sum("lost")), String(sum("duplicated")), String(sum("outOfOrder")), String(undelivered(r)), r.allJoined ? "yes" : "NO", String(quantile(recovery, 0.5)), String(recovery.at(-1) ?? NaN), (r.durationMs / 1000).toFixed(1)]);
      }
    } finally {
      await server.stop();
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(
    `\nReconnect storm: 2 SDK clients behind a fault-injecting proxy, 1 direct; ${senders === 2 ? "1,000 tracked messages from each of the 2 behind the proxy" : "1,000 tracked messages from 1 behind the proxy"}, 100 cuts (counts summed over the 3 receivers${senders === 2 ? " and the 2 senders" : ""})`,
  );
  for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i]!)).join("  "));
  for (const note of notes) console.log(`  ${note}`);
}
