/**
 * Work-arounds for faults of `@xmpp/client` 0.14 under connection cuts, in
 * our layer (the package is not patched). Each is described in the README's
 * "Behaviour worth knowing"; each guards one fault:
 *
 * 1. **An acknowledgement ahead of our count.** When the server's `h` (in
 *    `<a/>` or `<resumed/>`) counts more stanzas than the client has sent
 *    since `<enable/>`, the client's own queue handling throws; on a
 *    resumption it then binds a resource on the resumed stream, the server
 *    refuses, and the client stays in status `open` for good. The guard
 *    clamps `h` to what was sent (everything queued counts as received).
 * 2. **A negotiation that never ends.** Whatever the cause, a stream that is
 *    not online (or resumed) within `negotiationTimeout` of its connection is
 *    closed, so the client's reconnect starts a fresh one.
 * 3. **A late socket error.** A socket the client has let go of (after
 *    `disconnect()`) may still emit `ECONNRESET`; with nobody listening, Node
 *    would end the process. The guard listens on every socket.
 * 4. **An inbound count from the dead session.** After a failed resumption
 *    the client counts the stanzas it receives on from the dead session's
 *    count, and resets it only once its `<enable/>` request settles, a few
 *    microtasks after `<enabled/>`. An `<r/>` in the same read as
 *    `<enabled/>` is answered with the old count plus what came meanwhile;
 *    the server ends the stream ("Client acknowledged more stanzas than
 *    sent by server", seen with ejabberd). The guard sets the count to zero
 *    at `<enabled/>` itself (the server counts from there), and adds back
 *    the stanzas that came before the client's own reset.
 * 5. **Unacknowledged stanzas of a session without resumption.** When the
 *    server enabled stream management without resumption (no stream id:
 *    ejabberd with `resume_timeout: 0`), the client does not try to resume,
 *    so it never reports the stanzas the server had not acknowledged as
 *    failed; they stay in its queue, and its next `<enable/>` throws ("queue
 *    should be empty after enable"), failing the new stream too. At the
 *    features of a new stream that will not be resumed, the guard reports
 *    them failed (the `fail` event, as a failed resumption does) and empties
 *    the queue: the SDK sends its messages among them again after the
 *    rejoin.
 * 6. **Data after the stream's end.** The client lets go of its XML parser
 *    before its socket: when the server's `</stream:stream>` arrives, when
 *    its parser reports XML that is not well-formed, and when `disconnect()`
 *    (or `stop()`) gives up waiting for the server's `</stream:stream>`
 *    (2 s). Bytes read in between are written to the parser that is gone: a
 *    `TypeError` thrown from the socket's `data` event, which ends a Node
 *    process. The guard hears each socket's data first; when the client has
 *    no parser, it gives it one that drops the bytes, for that read only.
 * 7. **XML the parser throws on.** An illegal entity (`&bogus;`) or
 *    character reference (`&#0;`), or an end tag before any start tag, makes
 *    the parser throw instead of reporting an error: the same crash, from one
 *    stanza of a hostile server. The guard makes each parser report it as
 *    its other errors, so the client ends the stream (`bad-format`) and
 *    reconnects. An error thrown by a listener of the stanzas (the app's) is
 *    not the parser's: it is thrown on, as before.
 * 8. **An error before the server's stream header in `start()`.** The
 *    client's `start()` waits for `online` and for the header at once; when
 *    the connection fails before the header (the server resets it, or
 *    answers with something that is not XML), `start()` rejects with the
 *    error, and the wait for `online` rejects with it too, with nobody
 *    listening: an unhandled rejection, which ends a Node process even when
 *    the app handles `start()`'s. The guard gives the entity a `start()` that
 *    does the same steps and marks that second wait handled.
 * 9. **Negotiation requests that outlive their stream.** The client waits
 *    for the answer to its `<resume/>`, `<enable/>` and SASL steps with a
 *    `nonza` listener that goes only when the answer comes. When the stream
 *    dies first, the listener stays, and the next stream's answer settles the
 *    dead stream's request too: one `<resumed/>` then resumes the session
 *    once for each `<resume/>` a dead stream left unanswered. Each time the
 *    client sends its unacknowledged stanzas again; over WebSocket, where
 *    those writes are not awaited, all of them go out: the server receives
 *    them several times, and its count runs ahead of the client's for good,
 *    so that stanzas it never received are then counted as received (see 1)
 *    and lost. When a stream dies, the guard removes the `nonza` listeners
 *    it added between its connection and its being usable that are still
 *    there: the requests of that stream left unanswered. A `MucService`
 *    made meanwhile keeps its own (see {@link keepListening}).
 *
 * @module
 */
import { promise } from "@xmpp/events";
import { XMLError, type Element } from "@xmpp/xml";
import { NS_BIND, NS_SM, NS_STREAMS } from "../xso/ns.js";
import type { Logger } from "../common/logger.js";
import { checkTimeout, startTimeout } from "../common/timers.js";

/** What the guard reads of `@xmpp/client`'s stream management. */
interface SmInternals {
  /** Stanzas received since `<enabled/>` (the `h` of our `<a/>`). */
  inbound: number;
  /** Set when the client has taken in `<enabled/>` (or `<resumed/>`). */
  readonly enabled: boolean;
  /** Stanzas the server acknowledged since `<enable/>`. */
  outbound: number;
  /** Stanzas sent and not acknowledged yet, oldest first. */
  outbound_q: { readonly stanza: Element }[];
  /** The stream id to resume (empty or absent: the session cannot be resumed). */
  readonly id?: string;
  emit(event: "fail", stanza: Element): unknown;
  on(event: "resumed", listener: () => void): unknown;
  removeListener(event: "resumed", listener: () => void): unknown;
}

/** The XML parser of an `@xmpp/client` stream (`@xmpp/xml`'s, or the WebSocket's framed one): an event emitter. */
interface StreamParser {
  write(data: unknown): unknown;
  emit?(event: string, arg?: unknown): boolean;
}

/** What the guard reads and replaces of an entity's `start()` (see 8). */
interface StartInternals {
  readonly status?: string;
  readonly options?: { readonly service?: string; readonly domain?: string; readonly lang?: string };
  start?: () => Promise<unknown>;
  connect(service: string | undefined): Promise<unknown>;
  open(options: { domain?: string; lang?: string }): Promise<unknown>;
}

/** Whether `entity` has the `start()` steps of `@xmpp/client` 0.14 (see 8). */
function isStartable(entity: object): entity is StartInternals {
  const e = entity as Partial<StartInternals>;
  return typeof e.start === "function" && typeof e.connect === "function" && typeof e.open === "function" && typeof e.options === "object";
}

/**
 * `@xmpp/client`'s `start()`, with its wait for `online` never left an
 * unhandled rejection (see 8): the connection's failure before the header
 * reaches the caller as `start()`'s own rejection.
 */
async function startHandled(this: StartInternals): Promise<unknown> {
  if (this.status !== "offline") throw new Error("Connection is not offline");
  const { service, domain, lang } = this.options ?? {};
  await this.connect(service);
  // As the client's own: its own wait for `online` (`@xmpp/events`), which an `error` rejects.
  const online = promise(this as unknown as Parameters<typeof promise>[0], "online");
  online.catch(() => {});
  await this.open({ domain, lang });
  return online;
}

/** `nonza` listeners no guard removes (see 9). */
const kept = new WeakSet<object>();

/**
 * Mark `listener` as one that stays for the client's whole life: a guard
 * never takes it for a dead stream's request (see 9), even when it was added
 * while a stream was being negotiated.
 */
export function keepListening<L extends object>(listener: L): L {
  kept.add(listener);
  return listener;
}

/** Parsers made to report what they throw on (see 7), by any guard. */
const tolerant = new WeakSet<StreamParser>();

/**
 * Make `parser` report XML it throws on as an `error` event, as it reports
 * other XML it cannot read (see 7). What a listener of its events throws
 * (an element's handlers, the app's among them) is thrown on.
 */
function tolerate(parser: StreamParser, log: Logger): void {
  const { write, emit } = parser;
  if (tolerant.has(parser) || emit === undefined) return;
  tolerant.add(parser);
  let listenerThrew = false;
  parser.emit = function (this: StreamParser, event: string, arg?: unknown): boolean {
    try {
      return emit.call(this, event, arg);
    } catch (e) {
      listenerThrew = true;
      throw e;
    }
  };
  parser.write = function (this: StreamParser, data: unknown): unknown {
    listenerThrew = false;
    try {
      return write.call(this, data);
    } catch (e) {
      if (listenerThrew) throw e;
      log.warn("stream guard: the server sent XML the parser cannot read; ending the stream", e);
      return emit.call(this, "error", new XMLError(e instanceof Error ? e.message : String(e)));
    }
  };
}

/** A socket (TCP or WebSocket) of an `@xmpp/client` entity, as the guard listens to it. */
interface GuardedSocket {
  on?(event: "error", listener: (e: unknown) => void): unknown;
  prependListener?(event: "data", listener: () => void): unknown;
}

/** What the guard reads of an `@xmpp/client` entity. */
interface EntityInternals {
  readonly status?: string;
  readonly socket?: GuardedSocket | null;
  /** The stream's XML parser; `null` once the client let go of it (see 6). */
  parser?: StreamParser | null;
  readonly streamManagement?: unknown;
  prependListener(event: "element", listener: (el: Element) => void): unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
  listeners(event: "nonza"): ((...args: never[]) => void)[];
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  disconnect(): Promise<unknown>;
}

/**
 * Options of the stream guard (`MucServiceOptions.guardStream`).
 *
 * @category Joining & presence
 */
export interface StreamGuardOptions {
  /** Milliseconds from a connection to a usable stream before it is restarted (`Infinity`: never). @default 30000 */
  readonly negotiationTimeout?: number;
}

/** Whether `conn` is an `@xmpp/client` entity whose internals the guard knows. */
function isGuardable(conn: unknown): conn is EntityInternals & { streamManagement: SmInternals } {
  const c = conn as Partial<EntityInternals> | null;
  const sm = c?.streamManagement as Partial<SmInternals> | undefined;
  return (
    typeof c?.prependListener === "function" &&
    typeof c.disconnect === "function" &&
    typeof c.listeners === "function" &&
    typeof sm?.outbound === "number" &&
    typeof sm.inbound === "number" &&
    Array.isArray(sm.outbound_q) &&
    typeof sm.emit === "function" &&
    typeof sm.on === "function"
  );
}

/**
 * Guard an `@xmpp/client` entity against the faults listed in this module's
 * header. Does nothing (and returns a no-op) for anything else, such as the
 * mock connection. `MucService` calls it for its connection.
 *
 * @param conn - the entity.
 * @param log - where each intervention is reported (`warn`).
 * @param options - the negotiation timeout.
 * @returns a function that removes the guard.
 * @throws RangeError when the negotiation timeout is not above 0 and at most 2³¹ − 1 ms, or `Infinity`.
 */
export function guardStream(conn: unknown, log: Logger, options: StreamGuardOptions = {}): () => void {
  const timeout = checkTimeout("negotiationTimeout", options.negotiationTimeout ?? 30_000);
  if (!isGuardable(conn)) return () => {};
  const entity = conn;
  const sm = entity.streamManagement;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let resumedSeen = false;
  // The `nonza` listeners before this stream's negotiation, and those it added that were still waiting when it became usable (see 9).
  type NonzaListener = (...args: never[]) => void;
  let nonzaBefore: NonzaListener[] | undefined;
  let waiting: NonzaListener[] | undefined;
  const added = (): NonzaListener[] => entity.listeners("nonza").filter((l) => !nonzaBefore?.includes(l) && !kept.has(l));
  const usable = (): void => void (nonzaBefore && (waiting ??= added()));
  const dropUnanswered = (): void => {
    if (!nonzaBefore) return;
    const current = entity.listeners("nonza");
    const stale = (waiting ?? added()).filter((l) => current.includes(l));
    for (const l of stale) entity.removeListener("nonza", l);
    if (stale.length) log.debug(`stream guard: ${stale.length} request(s) of the dead stream left unanswered; no longer waiting`);
    nonzaBefore = waiting = undefined;
  };

  // Stanzas received since <enabled/> while the client had not taken it in (see 4).
  let sinceEnabled: number | undefined;
  const recount = (): void => {
    if (sinceEnabled === undefined || !sm.enabled) return;
    // The client has reset its count at last, forgetting those.
    sm.inbound += sinceEnabled;
    sinceEnabled = undefined;
  };
  const onElement = (el: Element): void => {
    recount();
    // Stanzas, nearly every element of a busy stream, only count (see 4); the rest is about nonzas.
    const name = el.name;
    if (name === "message" || name === "presence" || name === "iq") {
      if (sinceEnabled !== undefined) sinceEnabled++;
      return;
    }
    if (name === "enabled" && el.attrs.xmlns === NS_SM && !sm.enabled) {
      sm.inbound = 0;
      sinceEnabled = 0;
      return;
    }
    if (el.is("features", NS_STREAMS)) {
      if (!sm.id && sm.outbound_q.length > 0 && el.getChild("bind", NS_BIND) !== undefined) failUnresumable();
      return;
    }
    if (el.attrs.xmlns !== NS_SM || (name !== "a" && name !== "resumed")) return;
    if (name === "resumed") resumedSeen = true;
    const h = Number(el.attrs.h);
    const sent = sm.outbound + sm.outbound_q.length;
    if (Number.isInteger(h) && h > sent) {
      log.warn(`stream guard: the server acknowledged ${h} stanzas, ${sent} were sent; counting all as received`);
      el.attrs.h = String(sent);
    }
  };
  // A new session follows a session that cannot be resumed (see 5).
  const failUnresumable = (): void => {
    const lost = sm.outbound_q.splice(0);
    sm.outbound = 0;
    log.debug(`stream guard: the last session could not be resumed; ${lost.length} stanza(s) it sent were not acknowledged`);
    for (const item of lost) sm.emit("fail", item.stanza);
  };
  const restart = (why: string): void => {
    log.warn(`stream guard: ${why}; restarting the stream`);
    entity.disconnect().catch((e: unknown) => log.debug("stream guard: disconnect failed", e));
  };
  const stopTimer = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  // Sockets already listened to: one listener each, for the socket's whole life (it outlives the guard).
  const listened = new WeakSet<GuardedSocket>();
  const listen = (socket: GuardedSocket | null | undefined): void => {
    if (!socket || listened.has(socket)) return;
    listened.add(socket);
    // A socket the client has let go of may still report an error (see 3).
    socket.on?.("error", (e) => log.debug("stream guard: socket error", e));
    // Runs before the client's own `data` listener, which writes what was read to `entity.parser`.
    socket.prependListener?.("data", () => {
      // Only while the client still reads this socket: then its listener runs next.
      if (entity.socket !== socket) return;
      const parser = entity.parser;
      if (parser) {
        tolerate(parser, log);
        return;
      }
      // See 6: a stand-in, which the client's listener writes to, for this read only.
      log.debug("stream guard: data read after the stream's end; dropped");
      const standIn: StreamParser = { write: () => void (entity.parser === standIn && (entity.parser = null)) };
      entity.parser = standIn;
    });
  };
  listen(entity.socket);
  const onStatus = (status: string): void => {
    // A stream that dies before another element came: the resumption's `h` must count those stanzas too.
    recount();
    if (status === "connect") {
      sinceEnabled = undefined;
      resumedSeen = false;
      listen(entity.socket);
      nonzaBefore = entity.listeners("nonza");
      waiting = undefined;
    } else if (status === "online") {
      usable();
    } else if (status === "disconnect") {
      dropUnanswered();
    }
    if (status === "connecting") {
      stopTimer();
      timer = startTimeout(() => {
        timer = undefined;
        if (entity.status !== "online") restart(`no usable stream ${timeout} ms after connecting (status ${entity.status ?? "unknown"})`);
      }, timeout);
      (timer as { unref?: () => unknown } | undefined)?.unref?.();
    } else if (status === "online" || status === "offline") {
      stopTimer();
    }
  };
  const onResumed = (): void => {
    stopTimer();
    usable();
  };
  const onSend = (el: Element): void => {
    // Binding a resource on a resumed stream: the client lost track of it.
    if (resumedSeen && el.name === "iq" && el.getChild("bind", NS_BIND)) restart("a resource bind on a resumed stream");
  };
  const onError = (e: unknown): void => log.debug("stream guard: connection error", e);

  const startable = isStartable(entity) ? entity : undefined;
  if (startable) startable.start = startHandled;

  entity.prependListener("element", onElement);
  entity.on("status", onStatus);
  entity.on("send", onSend);
  entity.on("error", onError);
  sm.on("resumed", onResumed);
  return () => {
    stopTimer();
    if (startable?.start === startHandled) delete startable.start;
    entity.removeListener("element", onElement);
    entity.removeListener("status", onStatus);
    entity.removeListener("send", onSend);
    entity.removeListener("error", onError);
    sm.removeListener("resumed", onResumed);
  };
}
