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
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import { NS_BIND, NS_SM, NS_STREAMS } from "../xso/ns.js";
import type { Logger } from "../common/logger.js";

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

/** What the guard reads of an `@xmpp/client` entity. */
interface EntityInternals {
  readonly status?: string;
  readonly socket?: { on?(event: "error", listener: (e: unknown) => void): unknown } | null;
  readonly streamManagement?: unknown;
  prependListener(event: "element", listener: (el: Element) => void): unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  disconnect(): Promise<unknown>;
}

/**
 * Options of the stream guard (`MucServiceOptions.guardStream`).
 *
 * @category Joining & presence
 */
export interface StreamGuardOptions {
  /** Milliseconds from a connection to a usable stream before it is restarted. @default 30000 */
  readonly negotiationTimeout?: number;
}

/** Whether `conn` is an `@xmpp/client` entity whose internals the guard knows. */
function isGuardable(conn: unknown): conn is EntityInternals & { streamManagement: SmInternals } {
  const c = conn as Partial<EntityInternals> | null;
  const sm = c?.streamManagement as Partial<SmInternals> | undefined;
  return (
    typeof c?.prependListener === "function" &&
    typeof c.disconnect === "function" &&
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
 */
export function guardStream(conn: unknown, log: Logger, options: StreamGuardOptions = {}): () => void {
  if (!isGuardable(conn)) return () => {};
  const entity = conn;
  const sm = entity.streamManagement;
  const timeout = options.negotiationTimeout ?? 30_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let resumedSeen = false;

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
  const onStatus = (status: string): void => {
    // A stream that dies before another element came: the resumption's `h` must count those stanzas too.
    recount();
    if (status === "connect") {
      sinceEnabled = undefined;
      resumedSeen = false;
      entity.socket?.on?.("error", (e) => log.debug("stream guard: socket error", e));
    }
    if (status === "connecting") {
      stopTimer();
      timer = setTimeout(() => {
        timer = undefined;
        if (entity.status !== "online") restart(`no usable stream ${timeout} ms after connecting (status ${entity.status ?? "unknown"})`);
      }, timeout);
      (timer as { unref?: () => unknown }).unref?.();
    } else if (status === "online" || status === "offline") {
      stopTimer();
    }
  };
  const onResumed = (): void => stopTimer();
  const onSend = (el: Element): void => {
    // Binding a resource on a resumed stream: the client lost track of it.
    if (resumedSeen && el.name === "iq" && el.getChild("bind", NS_BIND)) restart("a resource bind on a resumed stream");
  };
  const onError = (e: unknown): void => log.debug("stream guard: connection error", e);

  entity.prependListener("element", onElement);
  entity.on("status", onStatus);
  entity.on("send", onSend);
  entity.on("error", onError);
  sm.on("resumed", onResumed);
  return () => {
    stopTimer();
    entity.removeListener("element", onElement);
    entity.removeListener("status", onStatus);
    entity.removeListener("send", onSend);
    entity.removeListener("error", onError);
    sm.removeListener("resumed", onResumed);
  };
}
