// A fault-injecting TCP proxy for integration tests. Clients connect to the
// proxy (plain TCP on 127.0.0.1) instead of to the server; the proxy forwards
// bytes both ways and cuts connections on command, at a protocol moment (a
// marker in the byte stream) or on a seeded random schedule ("storm").
// Socket errors never throw: they are logged and end the connection.
//
// Matching: each direction of each connection keeps its last 1024 bytes, so a
// marker split across TCP chunks still matches; a match must end in bytes that
// arrive after the rule was armed. When a rule fires with `forward: true`, the
// bytes up to the marker are flushed to the peer before that socket is closed
// (plain `destroy()`, even with `reset`); the rest of the chunk and anything
// later is never forwarded.

import net from "node:net";
import { prng } from "./mutate.js";

/** Which way bytes flow through the proxy. */
export type Direction = "clientToServer" | "serverToClient";

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Where accepted connections are forwarded (e.g. Prosody's c2s port). */
  target: { host: string; port: number };
  /** Seed of the storm PRNG; random when absent. Print `proxy.seed` to replay a run. */
  seed?: number;
  /** Receives one line per notable event (connections, cuts, swallowed socket errors). */
  log?: (line: string) => void;
  /** Cut with `resetAndDestroy()` (TCP RST) instead of `destroy()`. Default false. */
  reset?: boolean;
}

/** One proxied client connection. */
export interface ProxyConnection {
  /** Increasing number, unique per proxy, starting at 1. */
  readonly id: number;
  /** Free-form name a test may set to recognise the connection in reports. */
  label: string | undefined;
  /** The client's local port, to match a connection with the client socket that opened it. */
  readonly clientPort: number | undefined;
  /** Bytes forwarded from client to server so far. */
  readonly clientToServer: number;
  /** Bytes forwarded from server to client so far. */
  readonly serverToClient: number;
  /** True once the connection has been cut or either side has closed (both sides, once stalled). */
  readonly closed: boolean;
  /** True once {@link ProxyConnection.stall} was called. */
  readonly stalled: boolean;
  /** Destroys both sockets now; no-op when already closed. */
  cut(reason?: string): void;
  /**
   * Goes silent, as a connection whose network died without a reset: from
   * now on nothing is forwarded either way, and neither side hears of the
   * other closing. Both sockets stay open until each side closes its own, or
   * until {@link ProxyConnection.cut} or the proxy's `close()`.
   */
  stall(): void;
}

/** A one-shot rule armed by {@link FaultProxy.cutWhen}. */
export interface CutTrigger {
  /** Direction whose bytes are searched. */
  direction: Direction;
  /** Substring (compared byte-wise as UTF-8) or RegExp (tested on the bytes as latin1, so keep it ASCII). */
  marker: string | RegExp;
  /** Forward the chunk up to and including the match before cutting (default true), or drop the whole chunk. */
  forward?: boolean;
  /** Only connections satisfying this predicate are watched. */
  connection?: (connection: ProxyConnection) => boolean;
  /** Disarm after this many ms; the promise then resolves with null. No limit by default. */
  timeoutMs?: number;
  /** Name of the moment in events and logs; defaults to {@link momentName}. */
  name?: string;
}

/** What happened when an armed rule fired. */
export interface CutEvent {
  connection: ProxyConnection;
  moment: string;
  direction: Direction;
  /** Whether the bytes up to the marker were forwarded before the cut. */
  forwarded: boolean;
}

/** Resolves with the cut, or null when cancelled, timed out or the proxy closed. */
export type PendingCut = Promise<CutEvent | null> & { cancel(): void };

/** A protocol moment a storm may cut at. */
export interface StormMoment {
  direction: Direction;
  marker: string | RegExp;
  name?: string;
  forward?: boolean;
}

/** Options of {@link FaultProxy.storm}. */
export interface StormOptions {
  cuts: number;
  minGapMs: number;
  maxGapMs: number;
  moments?: readonly StormMoment[];
  /** How long to wait for a marker or a live connection before falling back/skipping. Default 3000. */
  markerWaitMs?: number;
  /** Defaults to `proxy.seed + n` for the n-th storm (from 0) on this proxy. */
  seed?: number;
}

/** One planned step of a storm: pure function of the seed. */
export interface StormDecision {
  gapMs: number;
  /** Index into `moments`, or -1 for an immediate "mid-flow" cut. */
  moment: number;
  /** In [0, 1): which live connection is cut for a mid-flow cut or a fallback. */
  pick: number;
}

/** One cut a storm performed. `moment` is "mid-flow", a moment name, or "fallback" (marker did not show up). */
export interface StormCut {
  at: number;
  connectionId: number;
  label: string | undefined;
  moment: string;
  planned: string;
}

export interface StormReport {
  seed: number;
  cuts: StormCut[];
  counts: Record<string, number>;
  /** Steps where no connection was live within `markerWaitMs`. */
  skipped: number;
  /** True when ended by `stop()` or `close()` before all steps ran. */
  stopped: boolean;
}

export interface Storm {
  readonly seed: number;
  readonly plan: readonly StormDecision[];
  readonly done: Promise<StormReport>;
  stop(): void;
}

export interface FaultProxy {
  readonly port: number;
  readonly seed: number;
  readonly paused: boolean;
  /** Live connections, oldest first (a snapshot). */
  readonly connections: readonly ProxyConnection[];
  /** Cuts every live connection matching `predicate`; returns how many. */
  cut(predicate: (connection: ProxyConnection) => boolean, reason?: string): number;
  cutAll(reason?: string): number;
  /** Calls `listener` on every cut the proxy makes (not on connections that close by themselves). */
  onCut(listener: (connection: ProxyConnection, reason: string) => void): void;
  /** Arms a one-shot cut at the next occurrence of a marker; see {@link CutTrigger}. */
  cutWhen(trigger: CutTrigger): PendingCut;
  /** A live connection matching `predicate` (default: any), now or when one arrives; null after `timeoutMs` (default 3000), on abort or on close. */
  waitForConnection(
    predicate?: (connection: ProxyConnection) => boolean,
    timeoutMs?: number,
    signal?: AbortSignal,
  ): Promise<ProxyConnection | null>;
  /** Starts a seeded random sequence of cuts, one at a time. */
  storm(options: StormOptions): Storm;
  /** Refuse new connections (accept and destroy them) until `resume()`. Live ones are untouched. */
  pause(): void;
  resume(): void;
  /** Stops storms, disarms rules, destroys every connection and closes the listener. */
  close(): Promise<void>;
}

/** Small seeded PRNG (mulberry32): returns floats in [0, 1). The one the fuzz tests use. */
export const mulberry32 = prng;

/** The decisions a storm with this seed takes, independent of timing. */
export function planStorm(seed: number, options: Pick<StormOptions, "cuts" | "minGapMs" | "maxGapMs" | "moments">): StormDecision[] {
  const next = mulberry32(seed);
  const choices = (options.moments?.length ?? 0) + 1;
  const plan: StormDecision[] = [];
  for (let i = 0; i < options.cuts; i++) {
    const gapMs = options.minGapMs + Math.floor(next() * (Math.max(options.maxGapMs, options.minGapMs) - options.minGapMs + 1));
    plan.push({ gapMs, moment: Math.floor(next() * choices) - 1, pick: next() });
  }
  return plan;
}

/** Default name of a moment, e.g. `c2s <enable`. */
export function momentName(moment: Pick<StormMoment, "direction" | "marker" | "name">): string {
  return moment.name ?? `${moment.direction === "clientToServer" ? "c2s" : "s2c"} ${String(moment.marker)}`;
}

const TAIL = 1024; // bytes of history kept per direction, so markers split across chunks still match

interface Rule {
  direction: Direction;
  find: (text: string, from: number) => number; // end index of the first match ending after `from`, or -1
  forward: boolean;
  filter: ((connection: ProxyConnection) => boolean) | undefined;
  name: string;
  settle: (event: CutEvent | null) => void;
}

function finder(marker: string | RegExp): Rule["find"] {
  if (typeof marker === "string") {
    const m = Buffer.from(marker, "utf8").toString("latin1");
    if (m.length === 0) throw new Error("fault-proxy: empty marker");
    return (text, from) => {
      const i = text.indexOf(m, Math.max(0, from - m.length + 1));
      return i < 0 ? -1 : i + m.length;
    };
  }
  const re = new RegExp(marker.source, marker.flags.replace(/[gy]/g, "") + "g");
  return (text, from) => {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m[0].length === 0) re.lastIndex++;
      else if (m.index + m[0].length > from) return m.index + m[0].length;
    }
    return -1;
  };
}

/** Resolves after `ms`, or early (and clearing its timer) when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => { clearTimeout(timer); signal.removeEventListener("abort", done); resolve(); };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

class Connection implements ProxyConnection {
  label: string | undefined;
  clientToServer = 0;
  serverToClient = 0;
  closed = false;
  stalled = false;
  readonly clientPort: number | undefined;
  private readonly sidesClosed = new Set<string>();
  private readonly tail: Record<Direction, string> = { clientToServer: "", serverToClient: "" };

  constructor(readonly id: number, private readonly client: net.Socket, private readonly server: net.Socket, private readonly proxy: FaultProxyServer) {
    this.clientPort = client.remotePort;
    this.pump(client, server, "clientToServer");
    this.pump(server, client, "serverToClient");
  }

  cut(reason = "cut"): void {
    this.kill(reason);
  }

  stall(): void {
    if (this.closed || this.stalled) return;
    this.stalled = true;
    this.proxy.log(`#${this.id} stalled`);
  }

  /** Ends the connection; `last` is written to its socket first and that socket is destroyed once flushed. */
  kill(reason: string, last?: { to: net.Socket; data: Buffer }): void {
    if (this.closed) return;
    this.closed = true;
    this.proxy.forget(this, reason);
    if (!reason.endsWith(" closed")) this.proxy.notifyCut(this, reason);
    for (const socket of [this.client, this.server]) {
      if (last && socket === last.to && last.data.length > 0 && !socket.destroyed) socket.write(last.data, () => socket.destroy());
      else this.proxy.destroy(socket);
    }
  }

  private pump(from: net.Socket, to: net.Socket, direction: Direction): void {
    const side = direction === "clientToServer" ? "client" : "server";
    from.on("error", (error: Error) => this.proxy.log(`#${this.id} ${side} error: ${error.message}`));
    from.on("close", () => {
      if (!this.stalled) return this.kill(`${side} closed`);
      // A stalled connection's other side never hears of it.
      this.sidesClosed.add(side);
      if (this.sidesClosed.size === 2) this.kill("stalled connection closed");
    });
    to.on("drain", () => from.resume());
    from.on("data", (chunk: Buffer) => {
      if (this.closed || this.stalled) return;
      const before = this.tail[direction];
      const text = before + chunk.toString("latin1");
      this.tail[direction] = text.slice(-TAIL);
      const hit = this.proxy.match(this, direction, text, before.length);
      if (hit) {
        const data = hit.rule.forward ? chunk.subarray(0, hit.end - before.length) : Buffer.alloc(0);
        this[direction] += data.length;
        this.kill(`cutWhen ${hit.rule.name}`, { to, data });
        hit.rule.settle({ connection: this, moment: hit.rule.name, direction, forwarded: hit.rule.forward });
        return;
      }
      this[direction] += chunk.length;
      if (!to.write(chunk)) from.pause();
    });
  }
}

class FaultProxyServer implements FaultProxy {
  paused = false;
  private nextId = 1;
  private storms = 0;
  private readonly live = new Map<number, Connection>();
  private readonly rules = new Set<Rule>();
  private readonly waiters = new Set<(connection: Connection | null) => void>();
  private readonly closing = new AbortController();

  constructor(private readonly server: net.Server, private readonly options: FaultProxyOptions, readonly seed: number) {
    server.on("connection", (socket) => this.accept(socket));
    server.on("error", (error) => this.log(`listener error: ${error.message}`));
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === "object" && address ? address.port : 0;
  }

  get connections(): readonly ProxyConnection[] {
    return [...this.live.values()];
  }

  log(line: string): void {
    this.options.log?.(`[fault-proxy] ${line}`);
  }

  destroy(socket: net.Socket): void {
    if (this.options.reset && !socket.destroyed && !socket.connecting) {
      try { socket.resetAndDestroy(); return; } catch { /* fall back to destroy() */ }
    }
    socket.destroy();
  }

  readonly #cutListeners: ((connection: ProxyConnection, reason: string) => void)[] = [];

  onCut(listener: (connection: ProxyConnection, reason: string) => void): void {
    this.#cutListeners.push(listener);
  }

  notifyCut(connection: Connection, reason: string): void {
    for (const l of this.#cutListeners) {
      try {
        l(connection, reason);
      } catch (e) {
        this.log(`a cut listener failed: ${String(e)}`);
      }
    }
  }

  forget(connection: Connection, reason: string): void {
    this.live.delete(connection.id);
    this.log(`#${connection.id}${connection.label ? ` (${connection.label})` : ""} closed: ${reason}`);
  }

  match(connection: Connection, direction: Direction, text: string, from: number): { rule: Rule; end: number } | undefined {
    let best: { rule: Rule; end: number } | undefined;
    for (const rule of this.rules) {
      if (rule.direction !== direction || (rule.filter && !rule.filter(connection))) continue;
      const end = rule.find(text, from);
      if (end >= 0 && (!best || end < best.end)) best = { rule, end };
    }
    return best;
  }

  private accept(socket: net.Socket): void {
    if (this.paused || this.closing.signal.aborted) {
      socket.on("error", () => undefined);
      this.destroy(socket);
      this.log(`refused a connection (${this.paused ? "paused" : "closing"})`);
      return;
    }
    const upstream = net.connect(this.options.target);
    const connection = new Connection(this.nextId++, socket, upstream, this);
    this.live.set(connection.id, connection);
    this.log(`#${connection.id} opened from port ${connection.clientPort ?? "?"}`);
    for (const wake of [...this.waiters]) wake(connection);
  }

  cut(predicate: (connection: ProxyConnection) => boolean, reason = "cut"): number {
    const chosen = [...this.live.values()].filter(predicate);
    for (const connection of chosen) connection.kill(reason);
    return chosen.length;
  }

  cutAll(reason = "cutAll"): number {
    return this.cut(() => true, reason);
  }

  cutWhen(trigger: CutTrigger): PendingCut {
    let cancel: () => void = () => undefined;
    const promise = new Promise<CutEvent | null>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const rule: Rule = {
        direction: trigger.direction,
        find: finder(trigger.marker),
        forward: trigger.forward ?? true,
        filter: trigger.connection,
        name: momentName(trigger),
        settle: (event) => {
          if (!this.rules.delete(rule)) return;
          clearTimeout(timer);
          this.closing.signal.removeEventListener("abort", cancel);
          resolve(event);
        },
      };
      cancel = () => rule.settle(null);
      this.rules.add(rule);
      if (trigger.timeoutMs !== undefined) timer = setTimeout(cancel, trigger.timeoutMs);
      this.closing.signal.addEventListener("abort", cancel);
      if (this.closing.signal.aborted) cancel();
    });
    return Object.assign(promise, { cancel: () => cancel() });
  }

  waitForConnection(
    predicate: (connection: ProxyConnection) => boolean = () => true,
    timeoutMs = 3000,
    signal?: AbortSignal,
  ): Promise<ProxyConnection | null> {
    const found = [...this.live.values()].find(predicate);
    if (found || this.closing.signal.aborted || signal?.aborted) return Promise.resolve(found ?? null);
    return new Promise((resolve) => {
      const wake = (connection: Connection | null): void => {
        if (connection && !predicate(connection)) return;
        this.waiters.delete(wake);
        clearTimeout(timer);
        signal?.removeEventListener("abort", giveUp);
        resolve(connection);
      };
      const giveUp = (): void => wake(null);
      const timer = setTimeout(giveUp, timeoutMs);
      signal?.addEventListener("abort", giveUp);
      this.waiters.add(wake);
    });
  }

  storm(options: StormOptions): Storm {
    const seed = (options.seed ?? this.seed + this.storms++) >>> 0;
    const plan = planStorm(seed, options);
    const moments = options.moments ?? [];
    const waitMs = options.markerWaitMs ?? 3000;
    const stop = new AbortController();
    const onClose = (): void => stop.abort();
    this.closing.signal.addEventListener("abort", onClose);
    const run = async (): Promise<StormReport> => {
      const report: StormReport = { seed, cuts: [], counts: {}, skipped: 0, stopped: false };
      const start = Date.now();
      for (const step of plan) {
        await sleep(step.gapMs, stop.signal);
        if (stop.signal.aborted) break;
        const moment = moments[step.moment];
        const planned = moment ? momentName(moment) : "mid-flow";
        let cut: { victim: ProxyConnection; how: string } | null = null;
        if (moment) {
          const pending = this.cutWhen({ ...moment, name: planned, timeoutMs: waitMs });
          stop.signal.addEventListener("abort", pending.cancel);
          const event = await pending;
          stop.signal.removeEventListener("abort", pending.cancel);
          if (event) cut = { victim: event.connection, how: planned };
        }
        if (!cut && !stop.signal.aborted) {
          // Mid-flow cut, or fallback when the marker did not show up: a random live connection.
          if (this.live.size === 0) await this.waitForConnection(() => true, waitMs, stop.signal);
          const candidates = [...this.live.values()];
          const victim = candidates[Math.floor(step.pick * candidates.length)];
          const how = moment ? "fallback" : "mid-flow";
          if (victim) cut = { victim, how };
          victim?.cut(`storm ${how}`);
        }
        if (!cut) {
          if (stop.signal.aborted) break;
          report.skipped++;
          continue;
        }
        report.cuts.push({ at: Date.now() - start, connectionId: cut.victim.id, label: cut.victim.label, moment: cut.how, planned });
        report.counts[cut.how] = (report.counts[cut.how] ?? 0) + 1;
      }
      report.stopped = stop.signal.aborted;
      this.closing.signal.removeEventListener("abort", onClose);
      return report;
    };
    return { seed, plan, done: run(), stop: () => stop.abort() };
  }

  pause(): void { this.paused = true; }
  resume(): void { this.paused = false; }

  close(): Promise<void> {
    this.closing.abort();
    for (const wake of [...this.waiters]) wake(null);
    this.cutAll("proxy closed");
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Starts a proxy listening on 127.0.0.1 (random port) that forwards to `options.target`. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const seed = (options.seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => { server.off("error", reject); resolve(); });
  });
  const proxy = new FaultProxyServer(server, options, seed);
  proxy.log(`listening on 127.0.0.1:${proxy.port} -> ${options.target.host}:${options.target.port}, seed ${seed}`);
  return proxy;
}
