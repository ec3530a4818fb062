/**
 * `npm run bench -- join`: joining a Prosody room that already holds
 * N = 1,000 / 5,000 / 10,000 occupants. The figure is the joining client's
 * own process CPU from the join presence to a full occupant list (the
 * self-presence, status 110, which XEP-0045 sends after all the others),
 * for this SDK compared with bare `@xmpp/client` merely counting the same
 * stanzas; StanzaJS and a floor (socket + ltx) for reference.
 *
 * - Prosody: the throwaway server of `src/testing/prosody.ts`, plus an
 *   anonymous VirtualHost (`swarm.localhost`, SASL ANONYMOUS: no accounts to
 *   create) and a bench-only module on the MUC component,
 *   `prosody/mod_bench_quiet_swarm.lua`, that lets the swarm's occupants
 *   join without seeing each other (otherwise filling the room is O(N²)
 *   presences; Prosody's `muc#roomconfig_presencebroadcast` cannot do it, see
 *   the module). Rooms show real JIDs to everyone
 *   (`muc_room_default_public_jids`), so each presence carries a `jid` as a
 *   moderator would see it; Prosody also adds XEP-0421 occupant ids.
 * - The swarm (`join-swarm.ts`): processes with thousands of bare sockets,
 *   each an occupant with entity caps and, for some, a show or status.
 * - The measured clients (`join-client.ts`), each run in a fresh process
 *   spawned with `node --import tsx`, connecting to Prosody directly with
 *   SASL PLAIN; login is not measured. Per N, 3 rounds of all of them
 *   (interleaved), medians reported; Prosody is let go idle before each.
 *   The CPU is the whole process's (`process.cpuUsage()`): in a fresh
 *   process about half of it is on V8's compiler and GC threads, so the
 *   main thread's share (Linux schedstat) is printed too.
 *
 * StanzaJS speaks WebSocket or BOSH in Node, not TCP, so it is compared with
 * `@xmpp/client` over WebSocket too ("bare ws").
 *
 * Environment: `JOIN_SIZES=1000,5000` (default 1000,5000,10000),
 * `JOIN_RUNS=3`, `JOIN_KINDS=sdk,bare` (only these clients), `JOIN_WARM=1` (each
 * client first joins and leaves the room once, unmeasured, so that the
 * measured join runs compiled code: the steady cost, without first-run
 * compilation), `JOIN_PUBLIC_JIDS=0` (a semi-anonymous room: no real JIDs
 * in the presences a participant gets), `JOIN_PROFILE=1` (or a directory):
 * one more run of the SDK and of bare `@xmpp/client` per N under the V8
 * profiler (the join only), and their top functions by self time;
 * `JOIN_NODE_ARGS="--trace-gc"`: node options for the measured clients;
 * `JOIN_SDK=dist`: the SDK as the package ships it (`dist/`, after
 * `npm run build`) rather than its sources through tsx.
 *
 * About 4.5 minutes on 2 cores, most of it Prosody building the 10,000
 * presences of each 10,000-occupant join (~5 s a join) and filling the room
 * (~30 s for 10,000).
 *
 * A benchmark, not a test: the target (SDK ≤ 1.10× bare `@xmpp/client` at
 * every N) is printed, not asserted. It fails only when a client lists the
 * wrong number of occupants, which would make its figure meaningless.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { fmt, fmtRatio, median, printTable } from "./harness.js";
import type { ClientConfig, ClientKind, ClientMessage, ClientResult } from "./join-client.js";
import type { FillReply, FillRequest } from "./join-swarm.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const SWARM_HOST = "swarm.localhost";
const ROOM_NAME = "crowd";
const PASSWORD = "join-bench-pw";
const ALL_KINDS: readonly ClientKind[] = ["sdk", "bare", "bare-ws", "stanza", "floor"];
/** `JOIN_KINDS=sdk,bare`: only these clients (a quicker comparison while working on one). */
const KINDS: readonly ClientKind[] = process.env.JOIN_KINDS
  ? ALL_KINDS.filter((k) => (process.env.JOIN_KINDS ?? "").split(",").includes(k))
  : ALL_KINDS;
const LABEL: Record<ClientKind, string> = {
  sdk: "SDK",
  bare: "bare @xmpp/client",
  "bare-ws": "bare @xmpp/client (ws)",
  stanza: "StanzaJS (ws)",
  floor: "socket + ltx",
};
const SIZES = (process.env.JOIN_SIZES ?? "1000,5000,10000").split(",").map(Number);
const RUNS = Number(process.env.JOIN_RUNS ?? 3);
/** `JOIN_PUBLIC_JIDS=0`: a semi-anonymous room (Prosody's default), so the presences carry no real JIDs. */
const PUBLIC_JIDS = process.env.JOIN_PUBLIC_JIDS !== "0";
/** `JOIN_NODE_ARGS="--trace-deopt"`: more node options for the measured clients (to see what V8 does with their code). */
const CLIENT_NODE_ARGS = (process.env.JOIN_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
/** `JOIN_WARM=1`: measure a second join in each process (the first one, and the leave, unmeasured). */
const WARM = process.env.JOIN_WARM === "1";
const TARGET = 1.1;
const JOIN_TIMEOUT_MS = 300_000;
/** Swarm sessions logging in at once. */
const CONCURRENCY = 200;

const progress = (line: string): void => void process.stderr.write(`  … ${line}\n`);

/** Prosody's CPU time (utime + stime from /proc, 10 ms ticks), ms. */
function prosodyCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Wait until Prosody is idle: at most one tick of CPU in 200 ms (for at most 20 s). */
async function settle(pid: number): Promise<void> {
  let last = prosodyCpuMs(pid);
  const deadline = performance.now() + 20_000;
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const now = prosodyCpuMs(pid);
    if (now - last <= 10) return;
    last = now;
  }
}

function spawnTs(script: string, args: string[], extraNodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...extraNodeArgs, "--import", "tsx", join(HERE, script), ...args], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** End a child we started, by its pid: politely, then for good. */
async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const done = await Promise.race([exited(child).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), graceMs))]);
  if (!done) {
    child.kill("SIGKILL");
    await exited(child);
  }
}

/** Add `count` swarm occupants (`first`…) to the room, in a new swarm process that stays until the end. */
async function fillRoom(server: ProsodyServer, room: string, first: number, count: number, swarms: ChildProcess[]): Promise<number> {
  const child = spawnTs("join-swarm.ts", []);
  swarms.push(child);
  const request: FillRequest = { port: server.c2sPort, host: SWARM_HOST, room, first, count, concurrency: CONCURRENCY };
  const filled = new Promise<number>((resolve, reject) => {
    child.on("message", (reply: FillReply) => {
      if (reply.type === "filled") resolve(reply.ms);
      else if (reply.type === "error") reject(new Error(`swarm: ${reply.message}`));
      else progress(`swarm: ${fmt(first + reply.joined)} occupants`);
    });
    child.once("exit", (code, signal) => reject(new Error(`the swarm exited (${signal ?? String(code)}) before the room was filled`)));
  });
  child.send(request);
  return filled;
}

interface RunResult extends ClientResult {
  /** Prosody's CPU during the join, ms (10 ms resolution). */
  readonly prosodyMs: number;
}

/** One measured join by a fresh client process. */
async function runClient(server: ProsodyServer, config: ClientConfig): Promise<RunResult> {
  const child = spawnTs("join-client.ts", [JSON.stringify(config)], CLIENT_NODE_ARGS);
  try {
    const messages: ClientMessage[] = [];
    let wake: () => void = () => {};
    child.on("message", (m: ClientMessage) => {
      messages.push(m);
      wake();
    });
    let gone = false;
    void exited(child).then(() => {
      gone = true;
      wake();
    });
    const next = async (type: "ready" | "result", timeoutMs: number): Promise<ClientMessage> => {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const i = messages.findIndex((m) => m.type === type || m.type === "error");
        if (i >= 0) {
          const [m] = messages.splice(i, 1);
          if (m?.type === "error") throw new Error(`${config.kind}: ${m.message}`);
          return m as ClientMessage;
        }
        if (gone) throw new Error(`${config.kind}: the client exited before '${type}'`);
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`${config.kind}: no '${type}' within ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, Math.min(left, 1_000));
        });
      }
    };
    await next("ready", 60_000);
    await settle(server.pid);
    const p0 = prosodyCpuMs(server.pid);
    child.send("go");
    const m = await next("result", config.timeoutMs + 10_000);
    const prosodyMs = prosodyCpuMs(server.pid) - p0;
    if (m.type !== "result") throw new Error("unreachable");
    if (m.result.occupants !== config.expected) {
      throw new Error(`${config.kind}: counted ${m.result.occupants} occupants, expected ${config.expected}`);
    }
    await Promise.race([exited(child), new Promise((r) => setTimeout(r, 10_000))]);
    return { ...m.result, prosodyMs };
  } finally {
    await stopChild(child);
  }
}

// -----------------------------------------------------------------------------
// CPU profiles (JOIN_PROFILE)

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number; originalLine?: number };
}

/** Where a profiled function lives, short: `src/xso/codec.ts`, `ltx/lib/Element.js`, `node:events`. */
function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, "");
  const nm = path.lastIndexOf("node_modules/");
  if (nm >= 0) return path.slice(nm + "node_modules/".length);
  const root = join(HERE, "..", "..") + "/";
  return path.startsWith(root) ? path.slice(root.length) : path;
}

/** The bucket of a profiled function: a package, a directory of src/, node internals, or the VM. */
function placeOf(functionName: string, url: string): string {
  if (functionName === "(garbage collector)") return "(gc)";
  if (!url) return "(vm: native, builtins)";
  if (url.startsWith("node:")) return "node:* (streams, events, timers)";
  const short = shortUrl(url);
  const pkg = /^((?:@[^/]+\/)?[^/]+)\//.exec(short)?.[1] ?? short;
  if (pkg === "src") return short.split("/").slice(0, 2).join("/");
  return pkg;
}

/**
 * Self time by function of a `.cpuprofile`, top `limit`, and by where the
 * code lives. Shares are of the busy time (idle, "(program)" and the
 * profiler's own calls left out).
 */
function summariseProfile(file: string, limit = 25): { busyMs: number; idleMs: number; top: string[][]; byPlace: string[][] } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // The profiler's own calls (node:inspector and below) are not the client's work.
  const overhead = new Set<number>();
  const mark = (id: number, inside: boolean): void => {
    const n = byId.get(id);
    if (!n) return;
    const now = inside || n.callFrame.url === "node:inspector";
    if (now) overhead.add(id);
    for (const c of n.children ?? []) mark(c, now);
  };
  if (profile.nodes[0]) mark(profile.nodes[0].id, false);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  const byWhere = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n || overhead.has(id)) continue;
    const { functionName, url, lineNumber, originalLine } = n.callFrame;
    if (functionName === "(idle)" || functionName === "(program)") {
      idle += us;
      continue;
    }
    const at = url ? `${shortUrl(url)}:${(originalLine ?? lineNumber) + 1}` : "";
    const key = `${functionName || "(anonymous)"}\t${at}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const where = placeOf(functionName, url);
    byWhere.set(where, (byWhere.get(where) ?? 0) + us);
    busy += us;
  }
  const pct = (us: number): string => `${fmt((us * 100) / busy, 1)}%`;
  const top = [...byFn]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, us]) => {
      const [fn, at] = key.split("\t");
      return [fn ?? "", fmt(us / 1000, 1), pct(us), at ?? ""];
    });
  const byPlace = [...byWhere].sort((a, b) => b[1] - a[1]).map(([w, us]) => [w, fmt(us / 1000, 1), pct(us)]);
  return { busyMs: busy / 1000, idleMs: idle / 1000, top, byPlace };
}

// -----------------------------------------------------------------------------

/** Run the benchmark and print its tables. */
export async function runJoinBench(): Promise<void> {
  console.log("\n## Joining a Prosody room of N occupants: the joining client's process CPU, join → full occupant list\n");
  console.log(
    PUBLIC_JIDS
      ? "Room: real JIDs public (every presence carries a jid), XEP-0421 occupant ids; occupants with entity caps.\n"
      : "Room: semi-anonymous (no real JIDs in the presences), XEP-0421 occupant ids; occupants with entity caps.\n",
  );
  const started = performance.now();
  const profileDir = process.env.JOIN_PROFILE
    ? process.env.JOIN_PROFILE === "1"
      ? mkdtempSync(join(tmpdir(), "join-prof-"))
      : process.env.JOIN_PROFILE
    : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const user = (kind: ClientKind): string => `bench${kind.replace("-", "")}`;
  const server = await startProsody({
    roomLocking: false,
    logLevel: "warn",
    users: KINDS.map((k) => ({ username: user(k), password: PASSWORD })),
    extraConfig: {
      global: [`plugin_paths = { ${JSON.stringify(join(HERE, "prosody"))} }`, "network_settings = { tcp_backlog = 1024 }"].join("\n"),
      muc: [
        `  modules_enabled = { "muc_mam", "bench_quiet_swarm" }`,
        `  bench_swarm_host = ${JSON.stringify(SWARM_HOST)}`,
        `  muc_room_default_public_jids = ${PUBLIC_JIDS ? "true" : "false"}`,
      ].join("\n"),
      // Appended at the end of the file: a VirtualHost of its own for the swarm.
      component: [
        "",
        `VirtualHost ${JSON.stringify(SWARM_HOST)}`,
        `  authentication = "anonymous"`,
        `  modules_disabled = { "mam", "smacks", "register" }`,
      ].join("\n"),
    },
  });
  const swarms: ChildProcess[] = [];
  const results = new Map<number, Map<ClientKind, RunResult[]>>();
  const fills: string[][] = [];
  const profiles: { n: number; kind: ClientKind; file: string }[] = [];
  const room = `${ROOM_NAME}@${server.mucDomain}`;
  try {
    let filled = 0;
    for (const n of SIZES) {
      if (n > filled) {
        progress(`filling the room to ${fmt(n)} occupants`);
        const ms = await fillRoom(server, room, filled, n - filled, swarms);
        fills.push([`${fmt(filled)} → ${fmt(n)}`, fmt(ms / 1000, 1)]);
        filled = n;
      }
      /** What one measured client is told: who it is, where to join, how many presences make the room full. */
      const joinOf = (kind: ClientKind, nick: string) => ({
        kind,
        c2sPort: server.c2sPort,
        websocketUrl: server.websocketUrl,
        domain: server.domain,
        username: user(kind),
        password: PASSWORD,
        room,
        nick,
        expected: n + 1,
        timeoutMs: JOIN_TIMEOUT_MS,
        warm: WARM,
      });
      const perKind = new Map<ClientKind, RunResult[]>(KINDS.map((k) => [k, []]));
      results.set(n, perKind);
      for (let r = 1; r <= RUNS; r++) {
        for (const kind of KINDS) {
          const res = await runClient(server, joinOf(kind, `${kind}-${n}-${r}`));
          perKind.get(kind)?.push(res);
          progress(
            `N=${fmt(n)} run ${r} ${LABEL[kind]}: ${fmt(res.cpuMs)} ms CPU (main thread ${fmt(res.mainThreadMs)}), ${fmt(res.wallMs)} ms wall (first read at ${fmt(res.firstReadMs)} ms, ` +
              `${fmt(res.reads)} reads, ${fmt(res.bytes / 2 ** 20, 1)} MiB), Prosody ${fmt(res.prosodyMs)} ms`,
          );
        }
      }
      if (profileDir) {
        for (const kind of ["sdk", "bare"] as const) {
          const file = join(profileDir, `join-${kind}-${n}.cpuprofile`);
          await runClient(server, { ...joinOf(kind, `${kind}-${n}-prof`), profileFile: file });
          profiles.push({ n, kind, file });
        }
      }
    }
  } finally {
    for (const s of swarms) await stopChild(s);
    await server.stop();
  }

  // --- Tables -------------------------------------------------------------------------------
  const med = (n: number, kind: ClientKind, key: "cpuMs" | "mainThreadMs" | "wallMs" | "prosodyMs" | "heapMiB" | "reads" | "firstReadMs" | "bytes"): number =>
    median((results.get(n)?.get(kind) ?? []).map((x) => x[key]));
  const spread = (n: number, kind: ClientKind): string => {
    const xs = (results.get(n)?.get(kind) ?? []).map((x) => x.cpuMs);
    return `${fmt(med(n, kind, "cpuMs"))} [${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}]`;
  };
  const ratio = (n: number, a: ClientKind, b: ClientKind): number => med(n, a, "cpuMs") / med(n, b, "cpuMs");
  const cpus = (n: number, kind: ClientKind): number[] => (results.get(n)?.get(kind) ?? []).map((x) => x.cpuMs);
  const mains = (n: number, kind: ClientKind): number[] => (results.get(n)?.get(kind) ?? []).map((x) => x.mainThreadMs);
  /** A ratio as printed, with its 95% bootstrap interval; "—" for clients left out (`JOIN_KINDS`). */
  const times = (n: number, a: ClientKind, b: ClientKind): string => fmtRatio(cpus(n, a), cpus(n, b));

  console.log(
    `CPU of the joining client's process, ms: median [min–max] of ${RUNS} runs, each in a fresh process; ratios of medians [95% bootstrap interval]` +
      (WARM ? ", measuring its second join (JOIN_WARM=1: a join and a leave before it, unmeasured)" : ""),
  );
  printTable(
    ["N", ...KINDS.map((k) => LABEL[k]), "SDK/bare", "StanzaJS/bare ws", "StanzaJS/bare", "floor/bare", `SDK ≤ ${TARGET.toFixed(2)}× bare`],
    SIZES.map((n) => [
      fmt(n),
      ...KINDS.map((k) => spread(n, k)),
      times(n, "sdk", "bare"),
      times(n, "stanza", "bare-ws"),
      times(n, "stanza", "bare"),
      times(n, "floor", "bare"),
      ratio(n, "sdk", "bare") <= TARGET ? "yes" : "NO",
    ]),
  );
  console.log(`\nWall time of the join, ms (median); Prosody's CPU during the joins (median over all ${KINDS.length * RUNS} runs, 10 ms ticks)`);
  printTable(
    ["N", ...KINDS.map((k) => LABEL[k]), "Prosody CPU"],
    SIZES.map((n) => [fmt(n), ...KINDS.map((k) => fmt(med(n, k, "wallMs"))), fmt(median(KINDS.flatMap((k) => (results.get(n)?.get(k) ?? []).map((x) => x.prosodyMs))))]),
  );
  console.log("\nWhere the process CPU ran (median ms): main thread (JavaScript) + other threads (V8 compiler and GC helpers, libuv)");
  printTable(
    ["N", ...KINDS.map((k) => LABEL[k]), "SDK/bare, main thread"],
    SIZES.map((n) => [
      fmt(n),
      ...KINDS.map((k) => `${fmt(med(n, k, "mainThreadMs"))} + ${fmt(median((results.get(n)?.get(k) ?? []).map((x) => x.cpuMs - x.mainThreadMs)))}`),
      fmtRatio(mains(n, "sdk"), mains(n, "bare")),
    ]),
  );
  console.log("\nDelivery (median): join → first read, ms / reads during the join / MiB read");
  printTable(
    ["N", ...KINDS.map((k) => LABEL[k])],
    SIZES.map((n) => [
      fmt(n),
      ...KINDS.map((k) => `${fmt(med(n, k, "firstReadMs"))} / ${fmt(med(n, k, "reads"))} / ${fmt(med(n, k, "bytes") / 2 ** 20, 1)}`),
    ]),
  );
  console.log("\nCPU per occupant, µs (median CPU / (N + 1)); heap used after the join, MiB (median)");
  printTable(
    ["N", ...KINDS.map((k) => `${LABEL[k]} µs`), ...KINDS.map((k) => `${k} MiB`)],
    SIZES.map((n) => [fmt(n), ...KINDS.map((k) => fmt((med(n, k, "cpuMs") * 1000) / (n + 1), 1)), ...KINDS.map((k) => fmt(med(n, k, "heapMiB"), 1))]),
  );
  console.log("\nFilling the room (swarm of bare sockets, SASL ANONYMOUS)");
  printTable(["occupants", "s"], fills);

  for (const p of profiles) {
    const { busyMs, idleMs, top, byPlace } = summariseProfile(p.file);
    console.log(
      `\nProfile of ${LABEL[p.kind]} joining N=${fmt(p.n)} (the join only, main thread, 100 µs sampling): ` +
        `${fmt(busyMs)} ms busy, ${fmt(idleMs)} ms idle; ${p.file}`,
    );
    printTable(["where", "self ms", "share"], byPlace);
    console.log("");
    printTable(["function", "self ms", "share", "at"], top);
  }
  console.log(`\njoin bench: ${fmt((performance.now() - started) / 1000, 1)} s in all`);
}
