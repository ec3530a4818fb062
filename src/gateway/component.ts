/**
 * The gateway's connection to its XMPP server as an external component
 * (XEP-0114 "Jabber Component Protocol"), over `@xmpp/component-core`.
 *
 * {@link ComponentConnection} adds what a long-running gateway needs on top of
 * the bare protocol: a bounded send queue that keeps stanzas while the
 * connection is down and writes them in order once it is back, reconnection
 * with exponential back-off, typed errors for the failures that retrying
 * cannot fix (a wrong secret, another component already connected), and
 * typed events. The errors and how a failure becomes one are in
 * `component-errors.ts`.
 *
 * Node only (TCP).
 *
 * @module
 */
import { Component, type StreamErrorLike } from "@xmpp/component-core";
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { Emitter, type Listener } from "../common/emitter.js";
import { silentLogger, type Logger } from "../common/logger.js";
import { NS_COMPONENT } from "../xso/ns.js";
import { parseJid } from "../xso/values.js";
import type { ComponentEvent, ComponentLike } from "./component-connection.js";
import { ComponentError, FATAL_CONDITIONS, fromStreamError, isStreamError, toComponentError } from "./component-errors.js";

/** The namespace of a component stream (XEP-0114); incoming stanzas carry it on their root. */
export { NS_COMPONENT };

/**
 * Life cycle of a {@link ComponentConnection}:
 *
 * - `offline`: constructed, `start()` not called yet (sends are queued);
 * - `connecting`: the first connection is being made (sends are queued);
 * - `online`: authenticated; sends are written at once;
 * - `reconnecting`: the connection was lost and is being re-established, or
 *   waits for the next attempt (sends are queued);
 * - `stopping` / `stopped`: `stop()` was called (sends are refused);
 * - `failed`: a fatal error ended it, no reconnection (sends are refused).
 *
 * `start()` may be called again from `stopped` and `failed`.
 *
 * @category Running a gateway
 */
export type ComponentStatus = "offline" | "connecting" | "online" | "reconnecting" | "stopping" | "stopped" | "failed";

/**
 * Payload of the `online` event.
 *
 * @category Running a gateway
 */
export interface ComponentOnlineEvent {
  /** The component's JID. */
  readonly jid: JID;
  /** Whether this follows a lost connection (false the first time after `start()`). */
  readonly reconnected: boolean;
}

/**
 * Payload of the `offline` event.
 *
 * @category Running a gateway
 */
export interface ComponentOfflineEvent {
  /** Why, unless it was `stop()`: the stream error or the closed connection. */
  readonly error: ComponentError | undefined;
  /** Whether a reconnection follows. */
  readonly willReconnect: boolean;
}

/**
 * Payload of the `reconnecting` event.
 *
 * @category Running a gateway
 */
export interface ComponentReconnectingEvent {
  /** 1, 2, … counted since the connection was last online. */
  readonly attempt: number;
  /** Milliseconds until the attempt. */
  readonly delay: number;
  /** Why the previous connection or attempt ended. */
  readonly error: ComponentError;
}

/**
 * Payload of the `status` event.
 *
 * @category Running a gateway
 */
export interface ComponentStatusEvent {
  /** The new status. */
  readonly status: ComponentStatus;
  /** The status before. */
  readonly previous: ComponentStatus;
}

/**
 * Events of a {@link ComponentConnection} (and of the mock component of
 * `xmpp-muc-sdk/testing`). Each listener gets one argument.
 *
 * @category Running a gateway
 */
export interface ComponentConnectionEvents {
  /**
   * An incoming stanza (`message`, `presence` or `iq`), an ltx element whose
   * root has `xmlns="jabber:component:accept"` — not `jabber:client`: match
   * stanzas by name (`el.is("message")`), or by this namespace.
   */
  stanza: Element;
  /** Authenticated: after `start()`, and again after every reconnection. */
  online: ComponentOnlineEvent;
  /** An authenticated connection ended (lost, or stopped). */
  offline: ComponentOfflineEvent;
  /** A reconnection attempt is scheduled. */
  reconnecting: ComponentReconnectingEvent;
  /**
   * A fatal error after `start()` had resolved (e.g. the secret was changed
   * on the server while reconnecting): status is now `failed` and nothing
   * will reconnect. A failing `start()` rejects instead.
   */
  error: ComponentError;
  /** Every status change. */
  status: ComponentStatusEvent;
}

/**
 * Back-off between reconnection attempts: `min(maxDelay, initialDelay × factor^(attempt−1))`.
 *
 * @category Running a gateway
 */
export interface ReconnectOptions {
  /** Delay before the first attempt after a loss, in ms. @default 1000 */
  readonly initialDelay?: number;
  /** Upper bound of the delay, in ms. @default 30000 */
  readonly maxDelay?: number;
  /** Growth factor per failed attempt. @default 2 */
  readonly factor?: number;
  /** Randomise each delay within [delay/2, delay] so that many gateways do not retry in lockstep. @default true */
  readonly jitter?: boolean;
}

/**
 * Options of {@link ComponentConnection}.
 *
 * @category Running a gateway
 */
export interface ComponentConnectionOptions {
  /** The component's domain (its JID), e.g. `gateway.localhost`. */
  readonly jid: string;
  /** The shared secret configured on the server for that domain. */
  readonly secret: string;
  /** The server's component port: `xmpp://host:port`, or `xmpp://host` for port 5347. */
  readonly server: string;
  /** Reconnection back-off. */
  readonly reconnect?: ReconnectOptions;
  /** Where connection losses and listener failures are reported. @default silent */
  readonly logger?: Logger;
  /** Time allowed for TCP connect + stream open + handshake, in ms. @default 10000 */
  readonly connectTimeout?: number;
  /** How many stanzas {@link ComponentConnection.send} queues while offline before refusing with `queue-full`. @default 10000 */
  readonly queueLimit?: number;
  /**
   * Whether `start()` keeps retrying (with the back-off) when the first
   * connection fails for a reason that is not fatal (server not reachable
   * yet, timeout). By default the first failure rejects `start()`.
   * @default false
   */
  readonly retryFirstConnect?: boolean;
  /** Time `stop()` allows the server to close the stream before the socket is destroyed, in ms. @default 5000 */
  readonly stopTimeout?: number;
}

interface Pending {
  readonly stanza: Element;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  /** The session it was handed to, while its write is in flight. */
  writing: Session | undefined;
}

/** At most this many stanzas are kept from before `online` (see `Session.early`). */
const MAX_EARLY_STANZAS = 100;

interface Session {
  readonly entity: Component;
  online: boolean;
  /** No longer ours: failed, lost, or stopped. */
  done: boolean;
  streamError: StreamErrorLike | undefined;
  readonly inflight: Set<Pending>;
  /** The attempt's deadline (connect + open + handshake). */
  timer: NodeJS.Timeout | undefined;
  /** The server sent `</stream:stream>`. */
  streamClosed: boolean;
  /**
   * Stanzas that came after the handshake but before the entity said
   * `online` (a server may write them in the same read as `<handshake/>`,
   * as Prosody does with XEP-0356's privilege announcement): emitted right
   * after `online`.
   */
  readonly early: Element[];
}

interface StartWaiter {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

function positive(name: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new TypeError(`ComponentConnection: ${name} must be a finite number ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

/**
 * An XEP-0114 component connection with a send queue and reconnection.
 *
 * Behaviour:
 * - {@link ComponentConnection.start | start()} resolves once the handshake
 *   succeeded. It rejects with a {@link ComponentError} when the first
 *   connection fails: the server's stream error condition (`not-authorized`
 *   for a wrong secret, `conflict` when another component holds the domain,
 *   `host-unknown`), `connection-failed` or `timeout` (unless
 *   `retryFirstConnect`), or `stopped` when `stop()` came first.
 * - Once online, a lost connection (server restart, socket error, a stream
 *   error such as `system-shutdown`) is re-established with exponential
 *   back-off, indefinitely. Attempts stop — status `failed`, an `error`
 *   event — when the server answers with a condition retrying cannot fix
 *   (`not-authorized`, `host-unknown`, `improper-addressing`,
 *   `invalid-namespace`, …), or when the server kicks the live connection with
 *   `conflict` (another instance replaced this one). A `conflict` answer to a
 *   *reconnection* handshake is retried: the server may still hold this
 *   gateway's previous, half-dead connection.
 * - {@link ComponentConnection.send | send()} writes at once while online;
 *   otherwise it queues (before `start()`, while connecting or reconnecting)
 *   and queued stanzas are written in order as soon as the connection is
 *   authenticated, before the `online` event. The queue holds at most
 *   `queueLimit` stanzas (default 10 000); beyond that `send()` rejects with
 *   `queue-full`. The promise resolves when the stanza was handed to the
 *   socket; XEP-0114 has no acknowledgements, so a stanza written just before
 *   the connection drops can still be lost. A write that fails because the
 *   socket died is queued again (in order) for the next connection.
 * - {@link ComponentConnection.stop | stop()} closes the stream; no
 *   reconnection follows. Queued sends and a pending `start()` reject with
 *   `stopped`.
 *
 * Sending: a stanza without `from` gets the component's domain (XEP-0114
 * requires `from` and `to`); the element is mutated (`from`, and its
 * `parent` is set to the stream header while being serialised). Stanzas are
 * written without a namespace on the root, so they inherit the stream's
 * `jabber:component:accept`.
 *
 * Receiving: `stanza` listeners get ltx elements whose root has
 * `xmlns="jabber:component:accept"`. Listeners are isolated: one that throws
 * (or rejects) is reported to the logger and the others still run.
 *
 * Events use the SDK's own typed `Emitter` (one payload per event, listener
 * isolation) rather than a Node `EventEmitter`, whose `error` event would
 * throw when nobody listens.
 *
 * @example
 * ```ts
 * const component = new ComponentConnection({
 *   jid: "gateway.localhost", secret: "s3cr3t", server: "xmpp://127.0.0.1:5347",
 *   reconnect: { initialDelay: 1000, maxDelay: 30_000 }, logger: console,
 * });
 * component.on("stanza", (stanza) => { if (stanza.is("message")) … });
 * component.on("error", (err) => console.error("component gave up:", err.condition));
 * await component.start();
 * await component.send(xml("message", { to: "juliet@capulet.lit", from: "romeo@gateway.localhost" }, xml("body", {}, "hi")));
 * await component.stop();
 * ```
 *
 * @category Running a gateway
 */
export class ComponentConnection extends Emitter<ComponentConnectionEvents> implements ComponentLike {
  /** The component's JID (its domain). */
  readonly jid: JID;

  readonly #domain: string;
  readonly #secret: string;
  readonly #server: string;
  readonly #logger: Logger;
  readonly #initialDelay: number;
  readonly #maxDelay: number;
  readonly #factor: number;
  readonly #jitter: boolean;
  readonly #connectTimeout: number;
  readonly #queueLimit: number;
  readonly #retryFirstConnect: boolean;
  readonly #stopTimeout: number;

  #status: ComponentStatus = "offline";
  #session: Session | undefined;
  #queue: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Consecutive failed attempts since the last time online. */
  #attempts = 0;
  /** Pending `start()`, until the first time online. */
  #starting: StartWaiter | undefined;
  #everOnline = false;
  #stopping: Promise<void> | undefined;
  #fatal: ComponentError | undefined;

  /**
   * @param options - domain, secret, server address, back-off, logger, limits.
   * @throws TypeError when the JID is not a bare domain, the server is not an
   *   `xmpp://` URL, or a number option is invalid.
   */
  constructor(options: ComponentConnectionOptions) {
    const logger = options.logger ?? silentLogger;
    super((event, error) => logger.warn(`ComponentConnection: a '${event}' listener failed`, error));
    this.#logger = logger;
    const jid = parseJid(options.jid);
    if (jid.local || jid.resource) {
      throw new TypeError(`ComponentConnection: jid must be a bare domain like 'gateway.example.org', got '${options.jid}'`);
    }
    this.jid = jid;
    this.#domain = jid.toString();
    if (typeof options.secret !== "string") throw new TypeError("ComponentConnection: secret must be a string");
    this.#secret = options.secret;
    let url: URL;
    try {
      url = new URL(options.server);
    } catch {
      throw new TypeError(`ComponentConnection: server must be an URL like 'xmpp://127.0.0.1:5347', got '${String(options.server)}'`);
    }
    if (url.protocol !== "xmpp:" || !url.hostname) {
      throw new TypeError(`ComponentConnection: server must be an URL like 'xmpp://127.0.0.1:5347', got '${options.server}'`);
    }
    this.#server = options.server;
    const r = options.reconnect ?? {};
    this.#initialDelay = positive("reconnect.initialDelay", r.initialDelay, 1_000);
    this.#maxDelay = positive("reconnect.maxDelay", r.maxDelay, 30_000);
    this.#factor = positive("reconnect.factor", r.factor, 2, 1);
    this.#jitter = r.jitter ?? true;
    this.#connectTimeout = positive("connectTimeout", options.connectTimeout, 10_000, 1);
    this.#queueLimit = positive("queueLimit", options.queueLimit, 10_000);
    this.#retryFirstConnect = options.retryFirstConnect ?? false;
    this.#stopTimeout = positive("stopTimeout", options.stopTimeout, 5_000, 1);
  }

  /** The current {@link ComponentStatus}. */
  get status(): ComponentStatus {
    return this.#status;
  }

  /**
   * Remove a listener. (The second signature is the one of
   * {@link ComponentLike}, for code that only knows that interface.)
   */
  override removeListener<E extends keyof ComponentConnectionEvents>(event: E, listener: Listener<ComponentConnectionEvents, E>): this;
  override removeListener(event: ComponentEvent, listener: (...args: never[]) => void): this;
  override removeListener(event: keyof ComponentConnectionEvents, listener: (...args: never[]) => void): this {
    return super.removeListener(event, listener as Listener<ComponentConnectionEvents, typeof event>);
  }

  /** How many stanzas wait in the send queue. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Connects and authenticates.
   *
   * @returns resolves when online for the first time; while connecting, every
   *   call returns the same promise; when online or reconnecting (already
   *   started), resolves at once.
   * @throws {@link ComponentError} when the first connection fails (see the
   *   class description), or `stopped`. Also throws while `stop()` is running.
   */
  start(): Promise<void> {
    if (this.#status === "online") return Promise.resolve();
    if (this.#starting) return this.#starting.promise;
    if (this.#status === "reconnecting") return Promise.resolve();
    if (this.#status === "stopping") return Promise.reject(new ComponentError("stopped", { text: "stop() is in progress" }));
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#starting = { promise, resolve, reject };
    this.#everOnline = false;
    this.#fatal = undefined;
    this.#stopping = undefined;
    this.#attempts = 0;
    this.#setStatus("connecting");
    this.#connect();
    return promise;
  }

  /**
   * Closes the stream (waiting up to `stopTimeout` for the server to close
   * its side) and the socket. No reconnection follows; queued sends and a
   * pending `start()` reject with `stopped`. Safe to call in any state and
   * more than once.
   */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#stopping = this.#doStop();
    return this.#stopping;
  }

  /**
   * Sends a stanza, or queues it while not online (see the class description).
   *
   * @returns resolves when the stanza was written to the socket.
   * @throws {@link ComponentError} `queue-full`, `stopped`, or the fatal
   *   error after a `failed` connection.
   */
  send(stanza: Element): Promise<void> {
    if (this.#status === "stopping" || this.#status === "stopped") {
      return Promise.reject(new ComponentError("stopped", { text: "the component connection is stopped" }));
    }
    if (this.#status === "failed") {
      const fatal = this.#fatal;
      return Promise.reject(new ComponentError(fatal?.condition ?? "stopped", { text: `the component connection failed${fatal ? `: ${fatal.message}` : ""}`, ...(fatal ? { cause: fatal } : {}) }));
    }
    return new Promise<void>((resolve, reject) => {
      const item: Pending = { stanza, resolve, reject, writing: undefined };
      const session = this.#session;
      if (this.#status === "online" && session && this.#queue.length === 0) {
        this.#write(session, item);
        return;
      }
      if (this.#queue.length >= this.#queueLimit) {
        reject(new ComponentError("queue-full", { text: `${this.#queue.length} stanzas are already waiting for the connection` }));
        return;
      }
      this.#queue.push(item);
    });
  }

  // -------------------------------------------------------------------------

  #setStatus(status: ComponentStatus): void {
    const previous = this.#status;
    if (previous === status) return;
    this.#status = status;
    this.emit("status", { status, previous });
  }

  /** One connection attempt: TCP, stream header, handshake. */
  #connect(): void {
    const entity = new Component({ service: this.#server, domain: this.#domain });
    const session: Session = { entity, online: false, done: false, streamError: undefined, inflight: new Set(), timer: undefined, streamClosed: false, early: [] };
    this.#session = session;

    session.timer = setTimeout(() => {
      attemptFailed(new ComponentError("timeout", { text: `no successful handshake within ${this.#connectTimeout} ms` }));
    }, this.#connectTimeout);

    const attemptFailed = (error: unknown): void => {
      if (session.online || session.done) return;
      this.#abandon(session);
      if (this.#session !== session) return;
      this.#session = undefined;
      this.#onAttemptFailed(toComponentError(session.streamError ?? error));
    };

    // Kept for the entity's whole life: @xmpp/connection also emits `error`
    // from late socket and parser failures, and an EventEmitter `error`
    // without a listener would throw.
    entity.on("error", (error) => {
      if (isStreamError(error)) session.streamError ??= error;
      this.#logger.debug(`ComponentConnection: ${error.name}: ${error.message}`);
      if (!session.online) attemptFailed(error);
    });
    entity.on("open", (header) => {
      const id: unknown = header.attrs.id;
      if (typeof id !== "string" || id === "") {
        // Prosody answers so right before a stream error (host-unknown):
        // wait for it, or for the close, or for the deadline.
        this.#logger.debug("ComponentConnection: the server's stream header has no id");
        return;
      }
      entity.authenticate(id, this.#secret).then(undefined, attemptFailed);
    });
    entity.on("online", () => {
      if (session.done) return;
      clearTimeout(session.timer);
      session.online = true;
      this.#onOnline(session);
    });
    entity.on("stanza", (stanza) => {
      if (session.done) return;
      if (stanza.attrs.xmlns === undefined) stanza.attrs.xmlns = NS_COMPONENT;
      stanza.parent = null;
      if (!session.online) {
        // Only an authenticated stream carries stanzas; keep a few until `online`.
        if (session.early.length < MAX_EARLY_STANZAS) session.early.push(stanza);
        return;
      }
      this.emit("stanza", stanza);
    });
    entity.on("close", () => {
      session.streamClosed = true;
    });
    entity.on("disconnect", () => {
      if (!session.online) {
        attemptFailed(
          new ComponentError("connection-failed", {
            text: `the server closed the ${session.streamClosed ? "stream" : "connection"} before the handshake completed`,
          }),
        );
      } else {
        this.#onLost(session);
      }
    });

    entity
      .connect(this.#server)
      .then(() => entity.open({ domain: this.#domain, timeout: this.#connectTimeout }))
      .then(undefined, attemptFailed);
  }

  /** Drops a session's socket without ceremony. */
  #abandon(session: Session): void {
    session.done = true;
    clearTimeout(session.timer);
    const socket = session.entity.socket;
    if (socket && !socket.destroyed) socket.destroy();
  }

  #onAttemptFailed(error: ComponentError): void {
    const firstConnect = !this.#everOnline;
    const fatal =
      FATAL_CONDITIONS.has(error.condition) || (error.condition === "conflict" && firstConnect) || (firstConnect && !this.#retryFirstConnect);
    if (fatal) {
      this.#logger.warn(`ComponentConnection: connecting ${this.#domain} to ${this.#server} failed: ${error.message}`);
      this.#fail(error);
      return;
    }
    this.#scheduleReconnect(error);
  }

  #onOnline(session: Session): void {
    if (this.#session !== session) {
      this.#abandon(session);
      return;
    }
    const reconnected = this.#everOnline;
    this.#everOnline = true;
    this.#attempts = 0;
    this.#setStatus("online");
    this.#logger.debug(`ComponentConnection: ${this.#domain} online${reconnected ? " again" : ""}`);
    this.#flush(session);
    const starting = this.#starting;
    this.#starting = undefined;
    starting?.resolve();
    this.emit("online", { jid: this.jid, reconnected });
    for (const stanza of session.early.splice(0)) {
      if (session.done) break;
      this.emit("stanza", stanza);
    }
  }

  /** An authenticated session ended without `stop()`. */
  #onLost(session: Session): void {
    if (session.done) return;
    session.done = true;
    this.#abandon(session);
    if (this.#session !== session) return;
    this.#session = undefined;
    this.#requeueInflight(session);
    const error = session.streamError
      ? fromStreamError(session.streamError)
      : new ComponentError("connection-failed", {
          text: session.streamClosed ? "the server closed the stream" : "the connection was closed",
        });
    // Kicked by the server in favour of another connection: another instance
    // of this gateway has taken over; fighting back would only ping-pong.
    const fatal = FATAL_CONDITIONS.has(error.condition) || error.condition === "conflict";
    this.#logger.warn(`ComponentConnection: ${this.#domain} lost its connection: ${error.message}`);
    this.emit("offline", { error, willReconnect: !fatal });
    if (fatal) this.#fail(error);
    else this.#scheduleReconnect(error);
  }

  #scheduleReconnect(error: ComponentError): void {
    const attempt = ++this.#attempts;
    let delay = Math.min(this.#maxDelay, this.#initialDelay * this.#factor ** (attempt - 1));
    if (this.#jitter) delay = delay / 2 + (Math.random() * delay) / 2;
    delay = Math.round(delay);
    this.#setStatus(this.#everOnline ? "reconnecting" : "connecting");
    this.#logger.debug(`ComponentConnection: attempt ${attempt} to reconnect ${this.#domain} in ${delay} ms (${error.message})`);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#connect();
    }, delay);
    this.emit("reconnecting", { attempt, delay, error });
  }

  /** No more attempts: reject what waits, report. */
  #fail(error: ComponentError): void {
    this.#fatal = error;
    this.#setStatus("failed");
    this.#rejectQueue(error);
    const starting = this.#starting;
    this.#starting = undefined;
    if (starting) starting.reject(error);
    else this.emit("error", error);
  }

  #write(session: Session, item: Pending): void {
    item.writing = session;
    session.inflight.add(item);
    session.entity.send(item.stanza).then(
      () => {
        if (item.writing !== session) return;
        item.writing = undefined;
        session.inflight.delete(item);
        item.resolve();
      },
      (error: unknown) => {
        if (item.writing !== session) return;
        this.#logger.debug(`ComponentConnection: a write failed: ${String(error)}`);
        if (this.#status === "stopping" || this.#status === "stopped" || this.#status === "failed") {
          item.writing = undefined;
          session.inflight.delete(item);
          item.reject(
            this.#status === "failed" && this.#fatal
              ? this.#fatal
              : new ComponentError("stopped", { text: "the connection closed before the stanza was written", cause: error }),
          );
          return;
        }
        // The socket is dying: what was not written goes back to the queue
        // for the next connection, and the socket is closed for good so that
        // the reconnection starts (through the `disconnect` event).
        this.#requeueInflight(session);
        const socket = session.entity.socket;
        if (socket && !socket.destroyed) socket.destroy();
      },
    );
  }

  /** Writes that had not completed go back to the front of the queue, in order. */
  #requeueInflight(session: Session): void {
    if (session.inflight.size === 0) return;
    const items = [...session.inflight];
    session.inflight.clear();
    for (const item of items) item.writing = undefined;
    this.#queue.unshift(...items);
  }

  #flush(session: Session): void {
    while (this.#queue.length > 0 && this.#session === session && !session.done) {
      this.#write(session, this.#queue.shift() as Pending);
    }
  }

  #rejectQueue(error: ComponentError): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const item of queue) item.reject(error);
  }

  async #doStop(): Promise<void> {
    const wasOnline = this.#status === "online";
    if (this.#status === "offline" || this.#status === "stopped" || this.#status === "failed") {
      this.#setStatus("stopped");
      this.#rejectQueue(new ComponentError("stopped", { text: "stop() was called" }));
      return;
    }
    this.#setStatus("stopping");
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const stopped = new ComponentError("stopped", { text: "stop() was called" });
    const starting = this.#starting;
    this.#starting = undefined;
    starting?.reject(stopped);
    const session = this.#session;
    this.#session = undefined;
    if (wasOnline) this.emit("offline", { error: undefined, willReconnect: false });
    if (session) {
      if (session.online && !session.done) {
        session.done = true;
        await this.#closeGracefully(session);
      } else {
        this.#abandon(session);
      }
      for (const item of session.inflight) {
        item.writing = undefined;
        item.reject(stopped);
      }
      session.inflight.clear();
    }
    this.#rejectQueue(stopped);
    this.#setStatus("stopped");
  }

  /** `</stream:stream>`, wait for the server's, close the socket — bounded by `stopTimeout`. */
  async #closeGracefully(session: Session): Promise<void> {
    const { entity } = session;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#stopTimeout);
    });
    try {
      await Promise.race([entity.stop().then(undefined, () => undefined), timeout]);
    } finally {
      clearTimeout(timer);
      const socket = entity.socket;
      if (socket && !socket.destroyed) socket.destroy();
    }
  }
}
