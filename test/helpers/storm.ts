// A reconnect storm against a real Prosody: SDK clients reach the server
// through a fault-injecting TCP proxy that cuts their connections at random
// moments (during SASL, bind, <enable/>, resumption, the join, mid-flow),
// while one of them sends numbered tracked messages; in `crash` mode the
// server itself is also killed (SIGKILL) and started again, a few times. What every receiver
// saw is then counted: lost, duplicated, out of order; and every tracker's
// final state. Used by the integration test (assertions) and by
// `npm run bench -- storm` (figures).

import { randomUUID } from "node:crypto";
import { client, xml, type Client } from "@xmpp/client";
import type { ProsodyRestartOptions } from "../../src/testing/prosody.js";
import { MessageState, MucService, createRoom, setRoomConfig, type MessageTracker, type Room } from "../../src/index.js";
import { startProsody } from "../../src/testing/prosody.js";
import { MUC_MODULES, startEjabberd } from "./ejabberd.js";
import { mulberry32, startFaultProxy, type FaultProxy, type StormMoment, type StormReport } from "./fault-proxy.js";
import { waitUntil, withNodeWebSocket, withTimeout } from "./prosody-clients.js";
import type { StormTrace } from "./storm-trace.js";

/**
 * Whether a reconnect may resume the stream (XEP-0198), always starts a new
 * one (the server keeps no session: a rejoin), or is refused its resumption
 * while the server still holds the old session (`refused`: the client asks
 * to resume a stream id the server never issued, gets `<failed/>` and binds
 * the same resource again, replacing the old session; what the rooms sent
 * the old occupancy meanwhile reaches the new session), or, as in `resume`
 * mode, may resume, but the server also crashes (`crash`: killed with
 * SIGKILL at random moments and started again after a while, with its
 * accounts, the persistent room and its archive; every client, the one
 * not behind the proxy included, then starts a new stream and rejoins, and
 * the rejoin's history comes from the archive). `crash` runs on Prosody.
 * In `no-sm` mode the server offers no stream management (Prosody without
 * `mod_smacks`, ejabberd without `mod_stream_mgmt`): every reconnect is a new stream, and nothing but the
 * missing reflections says which messages a dead stream lost.
 */
export type StormMode = "resume" | "new-stream" | "refused" | "crash" | "no-sm";

/** The server a storm runs against. */
export type StormServerKind = "prosody" | "ejabberd";

/**
 * How the clients behind the proxy reach the server: XMPP over TCP, or over
 * WebSocket (RFC 7395, as browsers do; Prosody's `mod_websocket`, ejabberd's `ejabberd_http_ws`), the
 * proxy then cutting the WebSocket's TCP connection.
 */
export type StormTransport = "tcp" | "websocket";

/** What a storm needs of a running server. */
export interface StormServer {
  readonly kind: StormServerKind;
  readonly domain: string;
  readonly c2sPort: number;
  /** The HTTP port of the server's XMPP-over-WebSocket endpoint (`/xmpp-websocket`), where it has one. */
  readonly httpPort?: number;
  readonly mucDomain: string;
  /** Stop the server and start it again, with its data (Prosody; for `crash` mode). */
  readonly restart?: (options: ProsodyRestartOptions) => Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link runStorm}. */
export interface StormRunOptions {
  readonly mode: StormMode;
  readonly seed: number;
  /** Connection cuts over the whole run. */
  readonly cuts: number;
  /** Tracked messages each sender sends. */
  readonly messages: number;
  /**
   * Who sends: alice alone (`1`), or alice and bob at once (`2`), each
   * behind the proxy, each with numbered messages of its own (`m-…`,
   * `b-…`), so that one's resends meet the other's live messages. @default 1
   */
  readonly senders?: 1 | 2;
  /** Milliseconds between two sends. @default 30 */
  readonly sendIntervalMs?: number;
  /** Server crashes in `crash` mode, spread over the sending (each down 0.2–2 s). @default 3 */
  readonly crashes?: number;
  /** A server already started with {@link stormServer} (else one is started and stopped). */
  readonly server?: StormServer;
  /** Which server to start when none is given. @default "prosody" */
  readonly serverKind?: StormServerKind;
  /** How alice and bob reach the server (the owner always over TCP, directly). @default "tcp" */
  readonly transport?: StormTransport;
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /**
   * Keep everything in memory for a post-mortem: each client's SDK log,
   * status changes, elements read and written, room events, and the
   * proxy's connections and cuts (see `STORM_TRACE` in the benchmark).
   */
  readonly trace?: StormTrace;
}

/** What one receiver saw. */
export interface ReceiverFigures {
  readonly name: string;
  readonly received: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly outOfOrder: number;
  /** The first few messages that came after a newer one of the same sender (`m-412 after m-455`), to see what a failure was. */
  readonly disorder: readonly string[];
}

/** The outcome of a storm. */
export interface StormResult {
  readonly mode: StormMode;
  readonly transport: StormTransport;
  readonly seed: number;
  readonly cuts: number;
  /** Server crashes (`crash` mode; 0 otherwise). */
  readonly crashes: number;
  /** How many clients sent (see {@link StormRunOptions.senders}). */
  readonly senders: number;
  /** Cuts per moment (`c2s <auth`, `mid-flow`, …). */
  readonly cutsByMoment: Readonly<Record<string, number>>;
  readonly receivers: readonly ReceiverFigures[];
  /** Trackers by final state; every one should be DELIVERED_TO_RECIPIENT. */
  readonly trackers: Readonly<Record<string, number>>;
  /** The first few trackers that did not end DELIVERED_TO_RECIPIENT: body, state, and the error of an ERROR (`condition: text`). */
  readonly undeliveredTrackers: readonly string[];
  /** Whether every client is connected and in the room at the end. */
  readonly allJoined: boolean;
  /** Milliseconds from each cut (and each crash's restart) until every client was connected and active in the room again. */
  readonly recoveryMs: readonly number[];
  readonly durationMs: number;
}

const USERS = [
  { username: "owner", password: "owner-pw" },
  { username: "alice", password: "alice-pw" },
  { username: "bob", password: "bob-pw" },
] as const;

/** The moments a storm cuts at, besides mid-flow. */
export const STORM_MOMENTS: readonly StormMoment[] = [
  { direction: "clientToServer", marker: "<auth", name: "SASL" },
  { direction: "clientToServer", marker: "urn:ietf:params:xml:ns:xmpp-bind", name: "bind" },
  { direction: "clientToServer", marker: "<enable", name: "enable" },
  { direction: "clientToServer", marker: "<resume", name: "resume" },
  { direction: "serverToClient", marker: "<enabled", name: "enabled" },
  { direction: "clientToServer", marker: 'xmlns="http://jabber.org/protocol/muc"', name: "join" },
  { direction: "clientToServer", marker: "<message", name: "message" },
];

/**
 * The same moments seen from the server's side, for WebSocket clients: their
 * frames to the server are masked (RFC 6455 §5.3), so no marker shows in
 * them; the server's are not. Each cut falls just after the server's step
 * (its SASL success, the features offering bind, its answer to <enable/> or
 * <resume/>, our self-presence in a room, a message) reached the proxy.
 */
export const STORM_MOMENTS_SERVER_SIDE: readonly StormMoment[] = [
  { direction: "serverToClient", marker: "<success", name: "SASL" },
  { direction: "serverToClient", marker: "urn:ietf:params:xml:ns:xmpp-bind", name: "bind" },
  { direction: "serverToClient", marker: "<enabled", name: "enabled" },
  { direction: "serverToClient", marker: /<(resumed|failed) /, name: "resume" },
  { direction: "serverToClient", marker: /code=["']110["']/, name: "join" },
  { direction: "serverToClient", marker: "<message", name: "message" },
];

/**
 * A server for storms: rooms keep (and send on join) up to 2,000 messages
 * of history, so the history a rejoin asks for covers the gap; in `new-stream`
 * mode a dropped session is not kept for resumption. Prosody by default;
 * ejabberd (its MUC with `history_size`, its stream management with
 * `resume_timeout`) with `kind: "ejabberd"`.
 */
export async function stormServer(mode: StormMode, kind: StormServerKind = "prosody"): Promise<StormServer> {
  if (kind === "ejabberd") {
    if (mode === "crash") throw new Error("the storm's crash mode runs on Prosody only");
    const server = await startEjabberd({
      modules: {
        ...MUC_MODULES,
        mod_muc: { ...MUC_MODULES.mod_muc, history_size: 2000 },
        mod_stream_mgmt: mode === "no-sm" ? null : { resume_timeout: mode === "new-stream" ? 0 : 120 },
      },
    });
    try {
      await Promise.all(USERS.map((u) => server.register(u.username, u.password)));
    } catch (e) {
      await server.stop();
      throw e;
    }
    return { kind, domain: server.domain, c2sPort: server.c2sPort, httpPort: server.httpPort, mucDomain: server.mucDomain as string, stop: () => server.stop() };
  }
  const server = await startProsody({
    users: USERS,
    extraConfig: {
      global:
        mode === "no-sm" ? 'modules_disabled = { "s2s", "smacks" }\n' : mode === "new-stream" ? "smacks_hibernation_time = 0\n" : "smacks_hibernation_time = 120\n",
      muc: "max_history_messages = 2000\n",
    },
  });
  return { kind, domain: server.domain, c2sPort: server.c2sPort, httpPort: server.httpPort, mucDomain: server.mucDomain, restart: (o) => server.restart(o), stop: () => server.stop() };
}

/** `STORM_DEBUG=1`: each client's SDK log (debug included) on stderr, with times, to see what a failing seed did; `2`: also its status changes and the elements it reads and writes. */
const debugLog =
  process.env.STORM_DEBUG === "1" || process.env.STORM_DEBUG === "2"
    ? (name: string) => {
        const line = (level: string, message: string, details: unknown[]): void =>
          void process.stderr.write(`${new Date().toISOString()} ${name} ${level} ${message}${details.length ? ` ${details.map((d) => (d instanceof Error ? d.message : typeof d === "string" ? d : JSON.stringify(d))).join(" ")}` : ""}\n`);
        return { debug: (m: string, ...d: unknown[]) => line("debug", m, d), warn: (m: string, ...d: unknown[]) => line("warn", m, d) };
      }
    : undefined;

interface StormClient {
  readonly name: string;
  readonly xmpp: Client;
  readonly muc: MucService;
  room?: Room;
  readonly bodies: string[];
  stop(): Promise<void>;
}

async function connect(server: StormServer, port: number, user: (typeof USERS)[number], mode: StormMode, trace?: StormTrace, transport: StormTransport = "tcp"): Promise<StormClient> {
  const xmpp = client({
    service: transport === "websocket" ? `ws://127.0.0.1:${port}/xmpp-websocket` : `xmpp://127.0.0.1:${port}`,
    domain: server.domain,
    resource: `storm-${randomUUID().slice(0, 6)}`,
    credentials: (authenticate) => authenticate({ username: user.username, password: user.password }, "PLAIN", xml("user-agent", { id: randomUUID() })),
  });
  xmpp.reconnect.delay = 250;
  if (process.env.STORM_DEBUG === "2") {
    // Also the client's status changes and every element in and out (not the acknowledgements).
    const line = (what: string): void => void process.stderr.write(`${new Date().toISOString()} ${user.username} xmpp ${what}\n`);
    xmpp.on("status", (status: string) => line(`status ${status}`));
    // Messages shortened (the storm's are many and alike); presences and the rest whole.
    const text = (el: { name: string; toString(): string }): string => el.toString().slice(0, el.name === "message" ? 300 : 4_000);
    xmpp.on("element", (el: { name: string; toString(): string }) => void (el.name !== "a" && el.name !== "r" && line(`<- ${text(el)}`)));
    xmpp.on("send", (el: { name: string; toString(): string }) => void (el.name !== "a" && el.name !== "r" && line(`-> ${text(el)}`)));
  }
  if (trace) {
    const who = user.username;
    xmpp.on("status", (status: string) => trace.add(who, `status ${status}`));
    xmpp.on("element", (el: { name: string; toString(): string }) => void (el.name !== "a" && el.name !== "r" && trace.element(who, "<-", el)));
    xmpp.on("send", (el: { name: string; toString(): string }) => void (el.name !== "a" && el.name !== "r" && trace.element(who, "->", el)));
  }
  if (mode === "refused") {
    // The next stream asks to resume an id the server never issued.
    xmpp.on("disconnect", () => {
      const sm = xmpp.streamManagement as { id: string };
      if (sm.id) sm.id = `gone-${sm.id}`;
    });
  }
  // As any application should: connection errors are reported, not thrown.
  xmpp.on("error", () => {});
  // Short negotiation timeout for @xmpp/client's own steps (it waits 2 s for each answer by default).
  const muc = new MucService(xmpp, { selfPing: false, trackerTimeout: 600_000, guardStream: { negotiationTimeout: 10_000 }, ...(trace ? { logger: trace.logger(user.username) } : debugLog ? { logger: debugLog(user.username) } : {}) });
  const c: StormClient = {
    name: user.username,
    xmpp,
    muc,
    bodies: [],
    stop: async () => {
      xmpp.reconnect.stop();
      muc.close();
      await withTimeout(xmpp.stop().then(() => undefined), 5_000, `stopping ${user.username}`).catch(() => xmpp.disconnect().catch(() => undefined));
    },
  };
  await withTimeout(xmpp.start(), 20_000, `${user.username} connecting`);
  await waitUntil(() => muc.connected, 10_000, `${user.username}'s stream ready`);
  return c;
}

/** The prefix of each sender's numbered bodies, alice's first. */
const SENDER_PREFIXES = ["m", "b"] as const;
const NUMBERED = /^([mb])-(\d+)$/;

/** What one receiver saw of each sender's `total` numbered messages, summed over the senders. */
function countReceived(name: string, bodies: readonly string[], total: number, senders: number): ReceiverFigures {
  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  const disorder: string[] = [];
  for (const prefix of SENDER_PREFIXES.slice(0, senders)) {
    const seen = new Map<number, number>();
    let last = -1;
    for (const b of bodies) {
      const m = NUMBERED.exec(b);
      if (m?.[1] !== prefix) continue;
      const n = Number(m[2]);
      seen.set(n, (seen.get(n) ?? 0) + 1);
      if (n < last) {
        outOfOrder++;
        if (disorder.length < 5) disorder.push(`${prefix}-${n} after ${prefix}-${last}`);
      }
      last = Math.max(last, n);
    }
    for (let i = 0; i < total; i++) {
      const count = seen.get(i) ?? 0;
      if (count === 0) lost++;
      else duplicated += count - 1;
    }
  }
  return { name, received: bodies.length, lost, duplicated, outOfOrder, disorder };
}

/**
 * Run one storm: the owner (directly connected) creates a room; alice and
 * bob join it through the proxy; alice (and bob, with `senders: 2`) sends
 * `messages` tracked messages while the proxy cuts `cuts` times; then wait (bounded) until every
 * tracker settled and every receiver has every message, and count.
 */
export async function runStorm(options: StormRunOptions): Promise<StormResult> {
  // Node 20 has no WebSocket of its own; @xmpp/websocket takes the global's at each connection, reconnections too.
  return (options.transport ?? "tcp") === "websocket" ? withNodeWebSocket(() => stormRun(options)) : stormRun(options);
}

async function stormRun(options: StormRunOptions): Promise<StormResult> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const transport = options.transport ?? "tcp";
  const server = options.server ?? (await stormServer(options.mode, options.serverKind));
  let proxy: FaultProxy | undefined;
  let poll: ReturnType<typeof setInterval> | undefined;
  const clients: StormClient[] = [];
  try {
    const trace = options.trace;
    const targetPort = transport === "websocket" ? server.httpPort : server.c2sPort;
    if (targetPort === undefined) throw new Error(`the storm's ${transport} transport needs a server with a WebSocket endpoint (${server.kind} has none here)`);
    proxy = await startFaultProxy({ target: { host: "127.0.0.1", port: targetPort }, seed: options.seed, ...(trace ? { log: (line: string) => trace.add("proxy", line) } : {}) });
    const owner = await connect(server, server.c2sPort, USERS[0], options.mode, trace);
    clients.push(owner);
    const jid = `storm-${randomUUID().slice(0, 8)}@${server.mucDomain}`;
    owner.room = await withTimeout(createRoom(owner.muc, jid, "owner"), 10_000, "creating the room");
    // ejabberd's rooms keep its MUC service's history_size; its form has no history length.
    const config: Record<string, number | boolean> = { "muc#roomconfig_persistentroom": true };
    if (server.kind === "prosody") config["muc#roomconfig_historylength"] = 2000;
    await withTimeout(setRoomConfig(owner.muc, jid, config), 10_000, "configuring the room");
    const alice = await connect(server, proxy.port, USERS[1], options.mode, trace, transport);
    const bob = await connect(server, proxy.port, USERS[2], options.mode, trace, transport);
    clients.push(alice, bob);
    for (const c of clients) {
      if (!c.room) c.room = (await withTimeout(c.muc.join(jid, c.name).joined, 10_000, `${c.name} joining`));
      c.room.on("message", (e) => {
        if (NUMBERED.test(e.body)) c.bodies.push(e.body);
      });
      if (trace) {
        const room = c.room;
        for (const event of ["enter", "exit", "suspend", "resume", "join", "leave"] as const) {
          room.on(event, (...args: unknown[]) => trace.add(c.name, `room ${event}`, ...args));
        }
        room.on("message", (e) => trace.add(c.name, `app message ${e.body}`));
      }
    }
    const proxied = [alice, bob];
    const ready = (): boolean => proxied.every((c) => c.muc.connected && c.room?.active === true);

    // Recovery: from each cut until every proxied client is back.
    const recoveryMs: number[] = [];
    const pending: number[] = [];
    poll = setInterval(() => {
      if (pending.length && ready()) {
        const now = Date.now();
        for (const at of pending.splice(0)) recoveryMs.push(now - at);
      }
    }, 5);

    // The cuts are spread over the time the messages take to send: a cut
    // waits for its moment (a marker) at most 400 ms, then cuts anyway.
    const interval = options.sendIntervalMs ?? 30;
    const expectedDuration = options.messages * (interval + 1);
    const gap = Math.max(10, Math.floor(expectedDuration / options.cuts / 2));
    const storm = proxy.storm({ cuts: options.cuts, minGapMs: Math.floor(gap / 2), maxGapMs: Math.floor(gap * 1.5), moments: transport === "websocket" ? STORM_MOMENTS_SERVER_SIDE : STORM_MOMENTS, markerWaitMs: 400 });
    // Each cut is registered when it happens (the storm's report lists them at the end).
    const onCut = (): void => void pending.push(Date.now());
    proxy.onCut(onCut);

    // Crash mode: the server killed at seeded random moments of the sending, each down 0.2–2 s.
    const crashes = options.mode === "crash" ? (options.crashes ?? 3) : 0;
    let crashed = 0;
    const onRestarted = (): void => {
      crashed++;
      pending.push(Date.now());
    };
    const crashing = crashes > 0 ? crashServer(server, crashes, options.seed, expectedDuration, (line) => (log(line), trace?.add("server", line)), onRestarted) : Promise.resolve();
    // Awaited once the messages are sent; a restart that failed meanwhile is reported then.
    crashing.catch(() => undefined);

    const senders = options.senders ?? 1;
    const sending = proxied.slice(0, senders).map((c, s) => ({ room: c.room as Room, prefix: SENDER_PREFIXES[s] }));
    const trackers: { tracker: MessageTracker; body: string }[] = [];
    for (let i = 0; i < options.messages; i++) {
      for (const { room, prefix } of sending) trackers.push({ tracker: room.sendTrackedMessage(`${prefix}-${i}`), body: `${prefix}-${i}` });
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
    log(`sent ${options.messages}; storm under way`);
    const report: StormReport = await storm.done;
    await crashing;
    log(`storm done: ${report.cuts.length} cuts, ${crashed} crashes`);
    await waitUntil(() => trackers.every((t) => t.tracker.settled) && clients.every((c) => new Set(c.bodies).size >= options.messages * senders) && ready(), 120_000, "every tracker settled and every message received").catch((e: unknown) => log(String(e)));
    clearInterval(poll);

    const states: Record<string, number> = {};
    for (const { tracker: t } of trackers) states[t.state] = (states[t.state] ?? 0) + 1;
    const undeliveredTrackers = trackers
      .map(({ tracker: t, body }) => ({ t, body }))
      .filter(({ t }) => t.state !== MessageState.DELIVERED_TO_RECIPIENT)
      .slice(0, 5)
      .map(({ t, body }) => `${body} ${t.state}${t.error ? ` (${t.error.condition}${t.error.text ? `: ${t.error.text}` : ""})` : ""}`);
    return {
      mode: options.mode,
      transport,
      seed: options.seed,
      cuts: report.cuts.length,
      crashes: crashed,
      cutsByMoment: report.counts,
      senders,
      receivers: clients.map((c) => countReceived(c.name, c.bodies, options.messages, senders)),
      trackers: states,
      undeliveredTrackers,
      allJoined: ready() && clients.every((c) => c.room?.joined === true),
      recoveryMs,
      durationMs: Date.now() - started,
    };
  } finally {
    // Also when the run failed: a timer left running would keep the process alive.
    clearInterval(poll);
    await Promise.all(clients.map((c) => c.stop()));
    await proxy?.close();
    if (!options.server) await server.stop();
  }
}

/**
 * Kill the server `crashes` times (SIGKILL) at seeded random moments over
 * the first 90% of `durationMs`, each time starting it again after 0.2–2 s;
 * `restarted` is called each time it accepts connections again.
 */
async function crashServer(server: StormServer, crashes: number, seed: number, durationMs: number, log: (line: string) => void, restarted: () => void): Promise<void> {
  const restart = server.restart;
  if (!restart) throw new Error(`the storm's crash mode needs a server that restarts (${server.kind} does not here)`);
  const random = mulberry32(seed ^ 0x5eed);
  const at = Array.from({ length: crashes }, () => Math.floor(random() * durationMs * 0.9)).sort((a, b) => a - b);
  const started = Date.now();
  for (const when of at) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + when - Date.now())));
    const downMs = 200 + Math.floor(random() * 1_800);
    log(`crashing the server (down ${downMs} ms)`);
    await restart({ crash: true, downMs });
    restarted();
  }
}

/** Trackers that did not end DELIVERED_TO_RECIPIENT. */
export function undelivered(result: StormResult): number {
  let n = 0;
  for (const [state, count] of Object.entries(result.trackers)) if (state !== MessageState.DELIVERED_TO_RECIPIENT) n += count;
  return n;
}
