// Helpers for integration tests that talk to a real Prosody started by
// src/testing/prosody.ts. Every wait here is bounded.

import { randomUUID } from "node:crypto";
import { client, xml, type Client } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import WebSocket from "ws";
import type { ProsodyServer } from "../../src/testing/prosody.js";
import type { Room, RoomEvents } from "../../src/index.js";

/** Anything with Node-style `on`/`off` listeners. */
export interface Listenable {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Resolves with the arguments of the first `event` whose arguments satisfy
 * `predicate`; rejects after `timeoutMs`.
 */
export function waitFor<Args extends unknown[]>(
  emitter: Listenable,
  event: string,
  predicate: (...args: Args) => boolean,
  timeoutMs: number,
): Promise<Args> {
  return new Promise<Args>((resolve, reject) => {
    // The caller vouches for the event's argument types through `Args`.
    const listener = (...raw: unknown[]): void => {
      const args = raw as Args;
      let matched: boolean;
      try {
        matched = predicate(...args);
      } catch (err) {
        cleanup();
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (!matched) return;
      cleanup();
      resolve(args);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      emitter.off(event, listener);
    };
    emitter.on(event, listener);
  });
}

/** Polls `condition` every 10 ms; rejects after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Rejects if `promise` does not settle within `timeoutMs`. */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for the next stanza on `xmpp` that satisfies `predicate`. */
export async function nextStanza(
  xmpp: Client,
  predicate: (stanza: Element) => boolean,
  timeoutMs = 5_000,
): Promise<Element> {
  const [stanza] = await waitFor<[Element]>(xmpp, "stanza", predicate, timeoutMs);
  return stanza;
}

/** Options for {@link connectClient}. */
export interface ConnectOptions {
  /** The server: its domain and where clients connect (a Prosody of the harness, or any server with the same addresses). */
  server: Pick<ProsodyServer, "domain" | "c2sUrl"> & Partial<Pick<ProsodyServer, "websocketUrl">>;
  username: string;
  password: string;
  transport?: "tcp" | "websocket";
  resource?: string;
  timeoutMs?: number;
  /** Wait for stream management to be enabled (false: the server does not offer it). @default true */
  streamManagement?: boolean;
}

/** A connected client plus the errors it emitted (kept so none go unhandled). */
export interface TestClient {
  xmpp: Client;
  /** The full JID the server bound. */
  jid: string;
  errors: Error[];
  stop(): Promise<void>;
}

type WebSocketGlobal = { WebSocket?: unknown };

/**
 * Runs `fn` with `globalThis.WebSocket` set to the `ws` package (Node 20 has
 * no global WebSocket), then restores the previous value. @xmpp/websocket only
 * reads the global when it opens the socket.
 */
export async function withNodeWebSocket<T>(fn: () => Promise<T>): Promise<T> {
  const scope = globalThis as WebSocketGlobal;
  const had = Object.prototype.hasOwnProperty.call(scope, "WebSocket");
  const previous = scope.WebSocket;
  scope.WebSocket = WebSocket;
  try {
    return await fn();
  } finally {
    if (had) scope.WebSocket = previous;
    else delete scope.WebSocket;
  }
}

/**
 * Connects and authenticates with PLAIN (SCRAM costs ~1 s per login against
 * Prosody), then waits until XEP-0198 is enabled: @xmpp/client fires `online`
 * right after sending `<enable/>`, and stanzas that arrive in the same read as
 * `<enabled/>` would corrupt its inbound counter.
 */
export async function connectClient(options: ConnectOptions): Promise<TestClient> {
  const { server, username, password } = options;
  const transport = options.transport ?? "tcp";
  const timeoutMs = options.timeoutMs ?? 10_000;
  const service = transport === "tcp" ? server.c2sUrl : server.websocketUrl;
  if (service === undefined) throw new Error(`the server ${server.domain} has no ${transport} address`);
  const xmpp = client({
    service,
    domain: server.domain,
    resource: options.resource ?? `${transport}-${randomUUID().slice(0, 8)}`,
    credentials: (authenticate) =>
      authenticate({ username, password }, "PLAIN", xml("user-agent", { id: randomUUID() })),
  });
  const errors: Error[] = [];
  xmpp.on("error", (err: Error) => {
    errors.push(err);
  });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      try {
        await withTimeout(xmpp.stop().then(() => undefined), 5_000, `stopping ${username}`);
      } catch {
        await withTimeout(xmpp.disconnect(), 2_000, `disconnecting ${username}`).catch(() => undefined);
      }
    })());

  try {
    const start = () => withTimeout(xmpp.start(), timeoutMs, `${username} connecting over ${transport}`);
    const address = transport === "websocket" ? await withNodeWebSocket(start) : await start();
    if (options.streamManagement !== false) await waitUntil(() => xmpp.streamManagement.enabled, timeoutMs, `stream management for ${username}`);
    return { xmpp, jid: address.toString(), errors, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The next `event` of `room` that `predicate` accepts, within `ms`; the
 * listener is removed either way.
 */
export function nextRoomEvent<E extends keyof RoomEvents>(room: Room, event: E, predicate: (p: RoomEvents[E]) => boolean = () => true, ms = 15_000): Promise<RoomEvents[E]> {
  let listener: ((p: RoomEvents[E]) => void) | undefined;
  return withTimeout(
    new Promise<RoomEvents[E]>((resolve) => {
      listener = (p: RoomEvents[E]): void => {
        if (predicate(p)) resolve(p);
      };
      room.on(event, listener as never);
    }),
    ms,
    `room event ${String(event)}`,
  ).finally(() => room.off(event, listener as never));
}
