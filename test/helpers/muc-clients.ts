// Helpers for integration tests of the MUC client (src/client) against a real
// Prosody started by src/testing/prosody.ts (or another server with a c2s URL
// and a MUC domain, such as test/helpers/ejabberd.ts's ejabberd): a connected
// @xmpp/client wrapped in a MucService, with a log of every element in and
// out (printed when a test fails, as evidence of what the server sent), and
// bounded waits for typed room events. Every wait here is bounded.

import { randomUUID } from "node:crypto";
import type { Client } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { MessageState, MucService, createRoom, type Logger, type Room, type RoomEvents } from "../../src/index.js";
import { startProsody, type ProsodyOptions, type ProsodyServer } from "../../src/testing/prosody.js";
import { connectClient, withTimeout, type TestClient } from "./prosody-clients.js";

/** One clock for every log, so the lines of several clients can be merged. */
const T0 = Date.now();

/** Elements in and out of one client, with timestamps; the newest `limit` are kept. */
export class StanzaLog {
  readonly #lines: string[] = [];
  readonly #limit: number;
  readonly #name: string;

  constructor(name: string, limit = 3_000) {
    this.#name = name;
    this.#limit = limit;
  }

  add(direction: "<-" | "->" | "!!" | "..", text: string): void {
    this.#lines.push(`${String(Date.now() - T0).padStart(7)} ms ${this.#name} ${direction} ${text}`);
    if (this.#lines.length > this.#limit) this.#lines.splice(0, this.#lines.length - this.#limit);
  }

  /** Marks the start of a test, so a dump can show only what happened since. */
  mark(label: string): void {
    this.add("..", `==== ${label} ====`);
  }

  /** The lines since the last mark with this label (all lines when there is none). */
  since(label?: string): string[] {
    if (label === undefined) return [...this.#lines];
    const marker = `==== ${label} ====`;
    for (let i = this.#lines.length - 1; i >= 0; i--) {
      if ((this.#lines[i] as string).endsWith(marker)) return this.#lines.slice(i);
    }
    return [...this.#lines];
  }
}

/** A connected client with its MucService. */
export interface MucClient {
  /** The account's local part (alice, bob, carol). */
  readonly name: string;
  /** The account's bare JID. */
  readonly bareJid: string;
  readonly test: TestClient;
  readonly xmpp: Client;
  readonly muc: MucService;
  readonly log: StanzaLog;
  /** Warnings the SDK's logger reported (listener failures, unhandled stanzas). */
  readonly warnings: string[];
  /** Closes the service and stops the client (bounded; safe to call twice). */
  stop(): Promise<void>;
}

function text(detail: unknown): string {
  if (detail instanceof Error) return `${detail.name}: ${detail.message}`;
  if (typeof detail === "string") return detail;
  try {
    return JSON.stringify(detail);
  } catch {
    return String(detail);
  }
}

/**
 * Connects `username` (PLAIN auth, waits for stream management, see
 * connectClient) and wraps the client in `new MucService(client, { selfPing: false })`.
 */
export async function connectMucClient(server: Pick<ProsodyServer, "domain" | "c2sUrl">, username: string, password: string): Promise<MucClient> {
  const test = await connectClient({ server, username, password, resource: `muc-${randomUUID().slice(0, 8)}` });
  const xmpp = test.xmpp;
  const log = new StanzaLog(username);
  const warnings: string[] = [];
  xmpp.on("element", (el: Element) => log.add("<-", el.toString()));
  xmpp.on("send", (el: Element) => log.add("->", el.toString()));
  xmpp.on("status", (status: string) => log.add("..", `status ${status}`));
  xmpp.on("error", (err: Error) => log.add("!!", `error ${err.message}`));
  const logger: Logger = {
    debug: (message, ...details) => log.add("..", `sdk debug: ${message} ${details.map(text).join(" ")}`),
    warn: (message, ...details) => {
      const line = `${message} ${details.map(text).join(" ")}`;
      warnings.push(line);
      log.add("!!", `sdk warn: ${line}`);
    },
  };
  const muc = new MucService(xmpp, { selfPing: false, logger });
  let stopped: Promise<void> | undefined;
  return {
    name: username,
    bareJid: `${username}@${server.domain}`,
    test,
    xmpp,
    muc,
    log,
    warnings,
    stop: () =>
      (stopped ??= (async () => {
        muc.close();
        await test.stop();
      })()),
  };
}

/** Resolves with the next `event` of `room` whose payload satisfies `predicate`; rejects after `timeoutMs`. */
export function nextEvent<E extends keyof RoomEvents>(
  room: Room,
  event: E,
  predicate: (payload: RoomEvents[E]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<RoomEvents[E]> {
  const promise = new Promise<RoomEvents[E]>((resolve, reject) => {
    const listener = (payload: RoomEvents[E]): void => {
      let matched: boolean;
      try {
        matched = predicate(payload);
      } catch (err) {
        cleanup();
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (!matched) return;
      cleanup();
      resolve(payload);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${String(event)}' of ${room.jid.toString()} (as ${room.nick})`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      room.off(event, listener);
    };
    room.on(event, listener);
  });
  // A wait the test never reaches (an earlier await failed) must not become an unhandled rejection.
  promise.catch(() => undefined);
  return promise;
}

/** Every `event` payload of `room` from now on, in order. */
export function collect<E extends keyof RoomEvents>(room: Room, event: E): RoomEvents[E][] {
  const seen: RoomEvents[E][] = [];
  room.on(event, (payload) => {
    seen.push(payload);
  });
  return seen;
}

/** Resolves once `promise` rejects, with the rejection; fails when it resolves or takes longer than `timeoutMs`. */
export async function rejection(promise: Promise<unknown>, timeoutMs: number, what: string): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([
      promise.then(
        () => {
          throw new Error(`${what}: resolved, expected a rejection`);
        },
        (err: unknown) => err,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A fresh room JID on the server's MUC service, e.g. `subject-1a2b3c4d@conference.localhost`. */
export function freshRoom(server: { readonly mucDomain: string }, prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@${server.mucDomain}`;
}

/** Prints the stanza logs of `clients` since `label` (call from a test's `onTestFailed`). */
export function dumpLogs(clients: readonly MucClient[], label: string): void {
  const lines = clients.flatMap((c) => c.log.since(label));
  lines.sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  console.log(`---- stanza log for '${label}' ----\n${lines.join("\n")}\n---- end of stanza log ----`);
}

/** Joins `client` to `jid` as `nick` and waits until the join and the subject that ends it arrived. */
export async function joinFully(client: MucClient, jid: string, nick: string, options: Parameters<MucService["join"]>[2] = {}): Promise<Room> {
  const { room, joined } = client.muc.join(jid, nick, options);
  const subject = nextEvent(room, "subjectChange", (e) => e.initial, 5_000);
  await withTimeout(joined, 5_000, `${client.name} joining ${jid}`);
  await subject;
  return room;
}

/**
 * Sends a tracked message from `from` and waits until it was reflected and
 * every room in `to` got it: everything the room sent before it has then been
 * processed by those clients.
 */
export async function barrier(from: Room, to: readonly Room[], label: string): Promise<void> {
  const body = `barrier ${label} ${randomUUID().slice(0, 8)}`;
  const arrivals = to.map((r) => nextEvent(r, "message", (e) => e.body === body, 5_000));
  const tracker = from.sendTrackedMessage(body, { timeout: 5_000 });
  await Promise.all(arrivals);
  const state = await tracker.done;
  if (state !== MessageState.DELIVERED_TO_RECIPIENT) throw new Error(`barrier ${label}: tracker ended ${state}`);
}

/**
 * `client` is away for a while and comes back on a new session: its socket
 * dies (no `</stream>`), resumption is refused (the next stream asks to
 * resume an id the server never issued), and its client reconnects after
 * 3 s, during which `whileAway` runs; resolves once `room` is rejoined.
 */
export async function awayOnNewSession(client: MucClient, room: Room, whileAway: () => Promise<void>): Promise<void> {
  const xmpp = client.xmpp;
  const disconnected = new Promise<void>((resolve) =>
    xmpp.once("disconnect", () => {
      xmpp.streamManagement.id = `gone-${xmpp.streamManagement.id}`;
      resolve();
    }),
  );
  const resumed = nextEvent(room, "resume", () => true, 20_000);
  const delay = xmpp.reconnect.delay;
  xmpp.reconnect.delay = 3_000;
  try {
    (xmpp.socket as unknown as { destroy(): void }).destroy();
    await withTimeout(disconnected, 5_000, `${client.bareJid}'s disconnect`);
    await whileAway();
    await resumed;
  } finally {
    xmpp.reconnect.delay = delay;
  }
}

/** What {@link setupMucSuite} provides to the tests of a file (filled in by its beforeAll). */
export interface MucSuite {
  server: ProsodyServer;
  alice: MucClient;
  bob: MucClient;
  carol: MucClient;
  clients: MucClient[];
  /**
   * Alice creates an instant room (nick Alice), Bob and Carol join it (Bob,
   * Carol); resolves once everyone has seen everyone.
   */
  roomOfThree(prefix: string): Promise<{ jid: string; ra: Room; rb: Room; rc: Room }>;
}

export const SUITE_USERS = [
  { username: "alice", password: "alice-pw" },
  { username: "bob", password: "bob-pw" },
  { username: "carol", password: "carol-pw" },
] as const;

/**
 * Registers the hooks of a test file: one Prosody for the file (beforeAll)
 * with alice, bob and carol connected, each with a MucService; every test's
 * stanzas are printed when it fails; clients and server stopped in afterAll.
 */
export function setupMucSuite(options: Omit<ProsodyOptions, "users"> = {}): MucSuite {
  const suite = { clients: [] as MucClient[] } as unknown as MucSuite;
  suite.roomOfThree = async (prefix) => {
    const jid = freshRoom(suite.server, prefix);
    const ra = await withTimeout(createRoom(suite.alice.muc, jid, "Alice"), 5_000, "alice creating the room");
    const rb = await joinFully(suite.bob, jid, "Bob");
    const rc = await joinFully(suite.carol, jid, "Carol");
    await Promise.all([
      ra.getOccupant("Carol") ? undefined : nextEvent(ra, "join", (e) => e.occupant.nick === "Carol"),
      rb.getOccupant("Carol") ? undefined : nextEvent(rb, "join", (e) => e.occupant.nick === "Carol"),
    ]);
    return { jid, ra, rb, rc };
  };
  beforeAll(async () => {
    suite.server = await startProsody({ ...options, users: SUITE_USERS });
    suite.clients = await Promise.all(SUITE_USERS.map((u) => connectMucClient(suite.server, u.username, u.password)));
    [suite.alice, suite.bob, suite.carol] = suite.clients as [MucClient, MucClient, MucClient];
  });
  afterAll(async () => {
    await Promise.all(suite.clients.map((c) => c.stop()));
    await suite.server?.stop();
  });
  beforeEach(({ task, onTestFailed }) => {
    for (const c of suite.clients) c.log.mark(task.name);
    onTestFailed(() => dumpLogs(suite.clients, task.name));
  });
  return suite;
}
