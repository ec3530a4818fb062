/**
 * One measured client of the join benchmark (`join.ts`), in a process of its
 * own: `node --import tsx test/bench/join-client.ts '<ClientConfig JSON>'`,
 * spawned with an IPC channel.
 *
 * It connects and logs in (SASL PLAIN), waits until its own threads are
 * quiet, says `ready`, and waits for `go` (the parent first lets Prosody go
 * idle). Then it joins the room and
 * measures its own process CPU (`process.cpuUsage()`, user + system, all
 * threads) and the wall time from just before the join presence is handed
 * to the client library until it knows the full occupant list: the
 * self-presence (status 110), which per XEP-0045 §7.2.3 comes after every
 * other occupant's presence. It reports a {@link ClientResult} and exits.
 *
 * Kinds:
 * - `sdk`: this SDK, `new MucService(xmpp)` on `@xmpp/client` (TCP);
 *   `muc.join()`, done when `joined` resolves, with `room.occupantCount`
 *   occupants;
 * - `bare`: `@xmpp/client` (TCP) alone: sends the join presence and counts
 *   the presences from the room until the one with status 110;
 * - `bare-ws`: the same over WebSocket, the reference for StanzaJS;
 * - `stanza`: StanzaJS (`createClient`; in Node it speaks WebSocket or BOSH,
 *   not TCP) with its MUC plugin: `client.joinRoom()`, counting its
 *   `muc:available` events until `muc:join`;
 * - `floor`: a bare TCP socket and ltx's SAX parser building each stanza as
 *   an ltx `Element` (what `@xmpp/xml` does), counting presences until the
 *   one with status 110. No stream management, no client library.
 *
 * `@xmpp/client` and StanzaJS negotiate XEP-0198 stream management with
 * Prosody (acks included in their figures), as they do by default.
 */
import { randomUUID } from "node:crypto";
import { Session } from "node:inspector";
import { readFileSync, writeFileSync } from "node:fs";
import { findSourceMap } from "node:module";
import { createConnection, type Socket } from "node:net";
import type { Client } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { Element as LtxElement } from "ltx";
import SaxLtx from "ltx/src/parsers/ltx.js";
import type { MucService, Room } from "../../src/index.js";
// Each kind loads only what it uses (the SDK, @xmpp/client, ws, stanza are imported where needed).

export type ClientKind = "sdk" | "bare" | "bare-ws" | "stanza" | "floor";

/** What the parent passes on the command line (JSON). */
export interface ClientConfig {
  readonly kind: ClientKind;
  readonly c2sPort: number;
  readonly websocketUrl: string;
  readonly domain: string;
  readonly username: string;
  readonly password: string;
  /** Bare JID of the room. */
  readonly room: string;
  readonly nick: string;
  /** Occupants expected in the list, ourselves included. */
  readonly expected: number;
  readonly timeoutMs: number;
  /** Write a V8 CPU profile of the join (only the join) to this file. */
  readonly profileFile?: string;
  /**
   * Join the room and leave it once before the measured join (not measured):
   * the code has run and been compiled, as in a process that has been up.
   */
  readonly warm?: boolean;
}

/** What the client reports. */
export type ClientMessage =
  | { readonly type: "ready" }
  | { readonly type: "result"; readonly result: ClientResult }
  | { readonly type: "error"; readonly message: string };

export interface ClientResult {
  readonly kind: ClientKind;
  /** User + system CPU of this process during the join, ms. */
  readonly cpuMs: number;
  readonly userMs: number;
  readonly systemMs: number;
  /**
   * CPU of the main (JavaScript) thread alone, ms, from Linux's schedstat
   * (NaN elsewhere); the rest of `cpuMs` is V8's compiler and GC helper
   * threads and libuv's.
   */
  readonly mainThreadMs: number;
  /** Wall time of the join, ms. */
  readonly wallMs: number;
  /** Occupants counted, ourselves included. */
  readonly occupants: number;
  /** Heap used after the join, MiB (no GC forced). */
  readonly heapMiB: number;
  /** Reads from the transport during the join (socket `data` events, WebSocket messages). */
  readonly reads: number;
  /** Bytes (characters for StanzaJS) read during the join. */
  readonly bytes: number;
  /** Join → first read, ms: how long the server took before it sent anything. */
  readonly firstReadMs: number;
}

/** Nanoseconds the main thread has run (Linux: /proc/self/task/<pid>/schedstat), NaN if unknown. */
function mainThreadNs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]);
  } catch {
    return NaN;
  }
}

/** Counts what the transport delivers while `on`. */
const traffic = { on: false, reads: 0, bytes: 0, firstAt: 0 };
function observe(chunk: { length: number }): void {
  if (!traffic.on) return;
  if (traffic.reads++ === 0) traffic.firstAt = performance.now();
  traffic.bytes += chunk.length;
}

const NS_MUC = "http://jabber.org/protocol/muc";
const NS_MUC_USER = "http://jabber.org/protocol/muc#user";

/** A measured client: `join()` resolves with the occupant count once the list is complete. */
interface Contender {
  join(): Promise<number>;
  /** Leave the room joined last; resolves on our own unavailable presence. */
  leave(): Promise<void>;
  close(): Promise<void>;
}

const config = JSON.parse(process.argv[2] ?? "{}") as ClientConfig;

function send(message: ClientMessage): void {
  process.send?.(message);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// -----------------------------------------------------------------------------
// @xmpp/client (the SDK and bare)

async function xmppClient(transport: "tcp" | "websocket", beforeStart?: (xmpp: Client) => void): Promise<Client> {
  const { client, xml } = await import("@xmpp/client");
  if (transport === "websocket") (globalThis as { WebSocket?: unknown }).WebSocket = (await import("ws")).default;
  const xmpp = client({
    service: transport === "tcp" ? `xmpp://127.0.0.1:${config.c2sPort}` : config.websocketUrl,
    domain: config.domain,
    resource: `${config.kind}-${process.pid}`,
    // PLAIN: SCRAM-SHA-1 against Prosody's 10,000 iterations costs ~1 s.
    credentials: (authenticate) => authenticate({ username: config.username, password: config.password }, "PLAIN", xml("user-agent", { id: randomUUID() })),
  });
  xmpp.on("error", (e: Error) => {
    send({ type: "error", message: `@xmpp/client: ${e.message}` });
  });
  beforeStart?.(xmpp);
  await withTimeout(xmpp.start(), 20_000, "@xmpp/client start");
  (xmpp as unknown as { socket: { on(e: "data", f: (d: { length: number }) => void): void } }).socket.on("data", observe);
  // `online` fires right after <enable/> is sent; stanzas in the same read as
  // <enabled/> would upset its inbound counter (see ../shared notes).
  const deadline = Date.now() + 10_000;
  while (!xmpp.streamManagement.enabled) {
    if (Date.now() > deadline) throw new Error("stream management was not enabled");
    await new Promise((r) => setTimeout(r, 5));
  }
  return xmpp;
}

function hasStatus110(x: Element | undefined): boolean {
  if (!x) return false;
  for (const status of x.getChildren("status")) if (status.attrs.code === "110") return true;
  return false;
}

async function sdk(): Promise<Contender> {
  const { MucService } = (process.env.JOIN_SDK === "dist" ? await import("../../dist/index.js" as string) : await import("../../src/index.js")) as typeof import("../../src/index.js");
  let muc: MucService | undefined;
  const xmpp = await xmppClient("tcp", (x) => {
    // As documented: the service is made before the stream starts.
    muc = new MucService(x);
  });
  const service = muc as MucService;
  let last: Room | undefined;
  return {
    async join() {
      const { room, joined } = service.join(config.room, config.nick, { history: { maxStanzas: 0 }, timeout: config.timeoutMs });
      last = room;
      await joined;
      return room.occupantCount;
    },
    async leave() {
      await last?.leave();
    },
    async close() {
      service.close();
      await xmpp.stop();
    },
  };
}

async function bare(transport: "tcp" | "websocket"): Promise<Contender> {
  const { xml } = await import("@xmpp/client");
  const xmpp = await xmppClient(transport);
  const prefix = `${config.room}/`;
  return {
    join() {
      return new Promise<number>((resolve, reject) => {
        let count = 0;
        const onStanza = (stanza: Element): void => {
          if (stanza.name !== "presence") return;
          const from = stanza.attrs.from as string | undefined;
          if (!from?.startsWith(prefix)) return;
          const type = stanza.attrs.type as string | undefined;
          if (type === "error") {
            xmpp.off("stanza", onStanza);
            reject(new Error(`join error: ${stanza.toString().slice(0, 400)}`));
            return;
          }
          if (type === "unavailable") return;
          count++;
          if (hasStatus110(stanza.getChild("x", NS_MUC_USER))) {
            xmpp.off("stanza", onStanza);
            resolve(count);
          }
        };
        xmpp.on("stanza", onStanza);
        xmpp
          .send(xml("presence", { to: `${config.room}/${config.nick}` }, xml("x", { xmlns: NS_MUC }, xml("history", { maxstanzas: "0" }))))
          .catch(reject);
      });
    },
    leave() {
      return new Promise<void>((resolve, reject) => {
        const onStanza = (stanza: Element): void => {
          if (stanza.name !== "presence" || stanza.attrs.type !== "unavailable" || stanza.attrs.from !== `${config.room}/${config.nick}`) return;
          xmpp.off("stanza", onStanza);
          resolve();
        };
        xmpp.on("stanza", onStanza);
        xmpp.send(xml("presence", { to: `${config.room}/${config.nick}`, type: "unavailable" })).catch(reject);
      });
    },
    async close() {
      await xmpp.stop();
    },
  };
}

// -----------------------------------------------------------------------------
// StanzaJS

interface StanzaPresence {
  from: string;
}

interface StanzaClient {
  sasl: { mechanisms: { name: string }[]; disable(name: string): void };
  sm: { started: boolean };
  on(event: string, fn: (...args: never[]) => void): void;
  off(event: string, fn: (...args: never[]) => void): void;
  connect(): void;
  disconnect(): Promise<void> | void;
  joinRoom(room: string, nick: string, opts?: object): Promise<StanzaPresence>;
  leaveRoom(room: string, nick?: string): Promise<unknown>;
}

async function stanza(): Promise<Contender> {
  const Stanza = (await import("stanza")) as unknown as { createClient?: (o: object) => StanzaClient; default?: { createClient: (o: object) => StanzaClient } };
  const create = Stanza.createClient ?? Stanza.default?.createClient;
  if (!create) throw new Error("stanza: no createClient");
  const c = create({
    jid: `${config.username}@${config.domain}`,
    password: config.password,
    resource: `stanza-${process.pid}`,
    transports: { websocket: config.websocketUrl, bosh: false },
  });
  c.on("raw", ((direction: string, data: string) => {
    if (direction === "incoming") observe(data);
  }) as (...args: never[]) => void);
  // PLAIN only (SCRAM costs ~1 s against Prosody).
  for (const m of [...c.sasl.mechanisms]) if (m.name !== "PLAIN") c.sasl.disable(m.name);
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      c.on("session:started", () => resolve());
      c.on("auth:failed", () => reject(new Error("stanza: auth failed")));
      c.on("disconnected", () => reject(new Error("stanza: disconnected")));
      c.connect();
    }),
    20_000,
    "StanzaJS session",
  );
  const deadline = Date.now() + 10_000;
  while (!c.sm.started) {
    if (Date.now() > deadline) throw new Error("StanzaJS: stream management was not enabled");
    await new Promise((r) => setTimeout(r, 5));
  }
  return {
    async join() {
      let count = 0;
      const onAvailable = (pres: StanzaPresence): void => {
        if (pres.from.startsWith(`${config.room}/`)) count++;
      };
      c.on("muc:available", onAvailable);
      try {
        await c.joinRoom(config.room, config.nick, { muc: { history: { maxStanzas: 0 } } });
      } finally {
        c.off("muc:available", onAvailable);
      }
      return count;
    },
    async leave() {
      await c.leaveRoom(config.room, config.nick);
    },
    async close() {
      await c.disconnect();
    },
  };
}

// -----------------------------------------------------------------------------
// The floor: a socket and ltx

interface SaxParser {
  on(event: "startElement", fn: (name: string, attrs: Record<string, string>) => void): void;
  on(event: "endElement", fn: (name: string) => void): void;
  on(event: "text", fn: (text: string) => void): void;
  write(data: string): void;
}

/** ltx's own SAX parser (what @xmpp/xml uses); its typings do not declare the default export as constructible. */
const SaxParserClass = SaxLtx as unknown as new () => SaxParser;

class Floor implements Contender {
  readonly #socket: Socket;
  #parser: SaxParser;
  #depth = 0;
  #cursor: LtxElement | undefined;
  #onStanza: (el: LtxElement) => void = () => {};

  constructor(socket: Socket) {
    this.#socket = socket;
    this.#parser = this.#makeParser();
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      observe(chunk);
      this.#parser.write(chunk);
    });
  }

  /** A SAX parser for one stream (a restarted stream is a new document). */
  #makeParser(): SaxParser {
    this.#depth = 0;
    this.#cursor = undefined;
    const parser = new SaxParserClass();
    parser.on("startElement", (name, attrs) => {
      this.#depth++;
      if (this.#depth === 1) return; // <stream:stream>
      const el = new LtxElement(name, attrs);
      this.#cursor = this.#cursor ? this.#cursor.cnode(el) : el;
    });
    parser.on("endElement", () => {
      this.#depth--;
      const el = this.#cursor;
      if (!el) return;
      if (this.#depth === 1) {
        this.#cursor = undefined;
        this.#onStanza(el);
      } else {
        this.#cursor = el.parent as LtxElement;
      }
    });
    parser.on("text", (text) => {
      this.#cursor?.t(text);
    });
    return parser;
  }

  static async open(): Promise<Floor> {
    const socket = createConnection({ host: "127.0.0.1", port: config.c2sPort });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const floor = new Floor(socket);
    await floor.#login();
    return floor;
  }

  /** The next top-level element that `pick` accepts. */
  #next(pick: (el: LtxElement) => boolean): Promise<LtxElement> {
    return withTimeout(
      new Promise<LtxElement>((resolve) => {
        this.#onStanza = (el) => {
          if (pick(el)) resolve(el);
        };
      }),
      20_000,
      "floor login",
    );
  }

  #openStream(): void {
    this.#socket.write(
      `<?xml version='1.0'?><stream:stream to='${config.domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`,
    );
  }

  async #login(): Promise<void> {
    let features = this.#next((el) => el.name === "stream:features");
    this.#openStream();
    await features;
    const plain = Buffer.from(`\0${config.username}\0${config.password}`).toString("base64");
    const outcome = this.#next((el) => el.name === "success" || el.name === "failure");
    this.#socket.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain}</auth>`);
    if ((await outcome).name !== "success") throw new Error("floor: authentication failed");
    features = this.#next((el) => el.name === "stream:features");
    this.#parser = this.#makeParser();
    this.#openStream();
    await features;
    const bound = this.#next((el) => el.name === "iq");
    this.#socket.write(`<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>floor-${process.pid}</resource></bind></iq>`);
    if ((await bound).attrs.type !== "result") throw new Error("floor: bind failed");
  }

  join(): Promise<number> {
    const prefix = `${config.room}/`;
    return new Promise<number>((resolve, reject) => {
      let count = 0;
      this.#onStanza = (el) => {
        if (el.name !== "presence" || !(el.attrs.from as string | undefined)?.startsWith(prefix)) return;
        const type = el.attrs.type as string | undefined;
        if (type === "error") return reject(new Error(`join error: ${el.toString().slice(0, 400)}`));
        if (type === "unavailable") return;
        count++;
        const x = el.getChild("x", NS_MUC_USER);
        if (x && x.getChildren("status").some((s) => s.attrs.code === "110")) {
          this.#onStanza = () => {};
          resolve(count);
        }
      };
      this.#socket.write(`<presence to='${config.room}/${config.nick}'><x xmlns='${NS_MUC}'><history maxstanzas='0'/></x></presence>`);
    });
  }

  leave(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#onStanza = (el) => {
        if (el.name === "presence" && el.attrs.type === "unavailable" && el.attrs.from === `${config.room}/${config.nick}`) {
          this.#onStanza = () => {};
          resolve();
        }
      };
      this.#socket.write(`<presence to='${config.room}/${config.nick}' type='unavailable'/>`);
    });
  }

  async close(): Promise<void> {
    this.#socket.end("</stream:stream>");
    this.#socket.destroy();
  }
}

// -----------------------------------------------------------------------------

async function contender(): Promise<Contender> {
  switch (config.kind) {
    case "sdk":
      return sdk();
    case "bare":
      return bare("tcp");
    case "bare-ws":
      return bare("websocket");
    case "stanza":
      return stanza();
    case "floor":
      return Floor.open();
  }
}

interface CallFrame {
  url: string;
  lineNumber: number;
  columnNumber: number;
  /** Added: 0-based line in the TypeScript source. */
  originalLine?: number;
}

/** Runs `fn` under the V8 profiler and writes the profile to `file`. */
async function profiled<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 100 });
  await post("Profiler.start");
  try {
    return await fn();
  } finally {
    const { profile } = (await post("Profiler.stop")) as { profile: { nodes: { callFrame: CallFrame }[] } };
    // TypeScript is run transpiled by tsx (a file on one line): add the original positions.
    for (const { callFrame } of profile.nodes) {
      if (!callFrame.url.endsWith(".ts")) continue;
      const entry = findSourceMap(callFrame.url)?.findEntry(callFrame.lineNumber, callFrame.columnNumber) as { originalLine?: number } | undefined;
      if (entry?.originalLine !== undefined) callFrame.originalLine = entry.originalLine;
    }
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

/**
 * Wait until this process is quiet (under 3 ms of CPU, all threads, in a
 * 100 ms window; at most 3 s): the compiler and GC threads finish what
 * start-up and login left them, so that it is not counted in the join.
 */
async function quiesce(): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const c0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 100));
    const c = process.cpuUsage(c0);
    if (c.user + c.system < 3_000) return;
  }
}

async function main(): Promise<void> {
  const c = await contender();
  if (config.warm) {
    await withTimeout(c.join(), config.timeoutMs, `warming up in ${config.room}`);
    await withTimeout(c.leave(), 30_000, `leaving ${config.room} after warming up`);
  }
  const go = new Promise<void>((resolve) => process.once("message", () => resolve()));
  await quiesce();
  send({ type: "ready" });
  await go;
  const measure = async (): Promise<ClientResult> => {
    traffic.on = true;
    const main0 = mainThreadNs();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const occupants = await withTimeout(c.join(), config.timeoutMs, `joining ${config.room}`);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const mainNs = mainThreadNs() - main0;
    traffic.on = false;
    return {
      kind: config.kind,
      cpuMs: (cpu.user + cpu.system) / 1000,
      userMs: cpu.user / 1000,
      systemMs: cpu.system / 1000,
      mainThreadMs: mainNs / 1e6,
      wallMs,
      occupants,
      heapMiB: process.memoryUsage().heapUsed / 2 ** 20,
      reads: traffic.reads,
      bytes: traffic.bytes,
      firstReadMs: traffic.firstAt - t0,
    };
  };
  const result = config.profileFile ? await profiled(config.profileFile, measure) : await measure();
  send({ type: "result", result });
  await withTimeout(c.close(), 5_000, "closing").catch(() => {});
}

main()
  .catch((e: unknown) => send({ type: "error", message: e instanceof Error ? (e.stack ?? e.message) : String(e) }))
  .finally(() => {
    // Let the IPC messages out, then go.
    process.disconnect?.();
    setTimeout(() => process.exit(0), 100).unref();
  });
