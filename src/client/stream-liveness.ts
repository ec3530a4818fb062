/**
 * Noticing a connection that has gone silent.
 *
 * A connection can die without either end hearing of it: a NAT mapping
 * expires, a mobile network or Wi-Fi changes, a laptop sleeps. No reset
 * arrives; writes still succeed into the socket's buffer, and nothing comes
 * back. `@xmpp/client` notices only with stream management (XEP-0198)
 * enabled, by its own timers (an `<r/>` after 30 s of silence, a restart 60 s
 * later); without it, the stream stays `online` for good, and whatever is
 * sent meanwhile is lost.
 *
 * While the stream is online, the watch asks the server for a sign of life
 * when nothing has been received for `idle` ms, or for `afterSend` ms after
 * something was sent: an `<r/>` when stream management is enabled (the server
 * must answer it), otherwise an XEP-0199 ping of the server (answered with a
 * result or an error). When nothing at all has been received `timeout` ms
 * after that request, the stream is taken for dead and closed, so the
 * client's reconnect starts another: a resumption, or a new stream on which
 * the rooms rejoin and the messages the dead one lost go out again.
 *
 * Receiving is counted, not timed: a busy stream costs an increment per
 * element, and the timers only look at the count when they fire.
 *
 * @module
 */
import xml from "@xmpp/xml";
import type { Element } from "@xmpp/xml";
import { NS_MUC_SELF_PING as NS_PING, NS_SM } from "../xso/ns.js";
import type { Logger } from "../common/logger.js";
import { checkDelay, monotonicNow } from "../common/timers.js";

/**
 * When a silent stream is checked and given up (`MucServiceOptions.liveness`).
 * Every value is in milliseconds and must be above 0.
 *
 * @category Joining & presence
 */
export interface LivenessSettings {
  /** Nothing received for this long: ask the server for a sign of life. @default 60000 */
  readonly idle?: number;
  /** Something sent, and nothing received for this long since: ask too. @default 5000 */
  readonly afterSend?: number;
  /** Nothing received for this long after asking: the stream is dead, and is restarted. @default 20000 */
  readonly timeout?: number;
}

/** What the watch uses of an `@xmpp/client` entity. */
interface WatchedEntity {
  readonly status?: string;
  readonly jid?: { readonly domain?: string } | null;
  readonly streamManagement?: {
    readonly enabled?: boolean;
    on(event: "resumed", listener: () => void): unknown;
    removeListener(event: "resumed", listener: () => void): unknown;
  };
  /** Every element received (`element`), every element written (`send`), status changes (`status`). */
  on(event: "element" | "send" | "status", listener: (arg: never) => void): unknown;
  removeListener(event: "element" | "send" | "status", listener: (arg: never) => void): unknown;
  send(element: Element): Promise<unknown>;
  disconnect(): Promise<unknown>;
}

/** Whether `conn` emits what the watch needs (an `@xmpp/client` entity). */
function isWatchable(conn: unknown): conn is WatchedEntity {
  const c = conn as Partial<WatchedEntity> | null;
  return typeof c?.on === "function" && typeof c.removeListener === "function" && typeof c.disconnect === "function" && typeof c.send === "function";
}

/**
 * Watch `conn` for a stream that has gone silent, as the module header says.
 * Does nothing (and returns a no-op) for a connection that does not emit
 * `element`, `send` and `status`, such as the mock connection. `MucService`
 * calls it for its connection.
 *
 * @param conn - the `@xmpp/client` entity.
 * @param log - where a restart is reported (`warn`).
 * @param settings - the delays.
 * @returns a function that stops watching.
 * @throws RangeError when a delay is not a positive finite number.
 */
export function watchLiveness(conn: unknown, log: Logger, settings: LivenessSettings = {}): () => void {
  const idle = checkDelay("liveness.idle", settings.idle ?? 60_000);
  const afterSend = checkDelay("liveness.afterSend", settings.afterSend ?? 5_000);
  const timeout = checkDelay("liveness.timeout", settings.timeout ?? 20_000);
  if (!isWatchable(conn)) return () => {};
  const entity = conn;
  const online = (): boolean => entity.status === "online";
  /** Elements received; the count at the last look, and when a look last found it changed. */
  let received = 0;
  let seen = 0;
  let seenAt = 0;
  /** The send being watched for an answer (none: every send so far was followed by something received). */
  let sentAt: number | undefined;
  let sentSeen = 0;
  /** The request for a sign of life awaiting an answer. */
  let askedAt: number | undefined;
  let askedSeen = 0;
  let pings = 0;
  /** The one timer, and when it fires. */
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAt = Infinity;

  const clear = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    timerAt = Infinity;
  };
  /** Look at `at`, unless a look is due sooner. */
  const lookAt = (at: number): void => {
    if (timer !== undefined && timerAt <= at) return;
    clear();
    timerAt = at;
    timer = setTimeout(look, Math.max(0, at - monotonicNow()));
    (timer as { unref?: () => unknown }).unref?.();
  };
  const start = (): void => {
    clear();
    sentAt = askedAt = undefined;
    seen = received;
    seenAt = monotonicNow();
    lookAt(seenAt + idle);
  };
  const look = (): void => {
    timer = undefined;
    timerAt = Infinity;
    if (!online()) return;
    const now = monotonicNow();
    if (received !== seen) {
      seen = received;
      seenAt = now;
    }
    if (askedAt !== undefined) {
      if (received === askedSeen) {
        if (now - askedAt < timeout) return lookAt(askedAt + timeout);
        log.warn(`stream liveness: no answer from the server in ${timeout} ms; restarting the stream`);
        askedAt = undefined;
        entity.disconnect().catch((e: unknown) => log.debug("stream liveness: disconnect failed", e));
        return;
      }
      askedAt = undefined;
    }
    if (sentAt !== undefined && received !== sentSeen) sentAt = undefined;
    if ((sentAt !== undefined && now - sentAt >= afterSend) || now - seenAt >= idle) return ask(now);
    lookAt(Math.min(seenAt + idle, sentAt === undefined ? Infinity : sentAt + afterSend));
  };
  const ask = (now: number): void => {
    askedAt = now;
    askedSeen = received;
    sentAt = undefined;
    lookAt(now + timeout);
    const probe = entity.streamManagement?.enabled
      ? xml("r", { xmlns: NS_SM })
      : xml("iq", { type: "get", id: `liveness-${++pings}`, ...(entity.jid?.domain ? { to: entity.jid.domain } : {}) }, xml("ping", { xmlns: NS_PING }));
    entity.send(probe).catch((e: unknown) => log.debug("stream liveness: probe not written", e));
  };
  /** A send (or a resumption, which sends again what was not acknowledged) that something received should follow. */
  const sent = (): void => {
    // Already asking, or watching an earlier send that nothing has answered yet.
    if (askedAt !== undefined || (sentAt !== undefined && received === sentSeen)) return;
    sentAt = monotonicNow();
    sentSeen = received;
    lookAt(sentAt + afterSend);
  };

  const onElement = (): void => {
    received++;
  };
  const onSend = (): void => {
    if (online()) sent();
  };
  const onStatus = (status: string): void => {
    if (status === "online") start();
    else clear();
  };
  // A resumed stream is online without a status event (its status is set just after this one).
  const onResumed = (): void => {
    start();
    sent();
  };
  entity.on("element", onElement);
  entity.on("send", onSend);
  entity.on("status", onStatus);
  entity.streamManagement?.on("resumed", onResumed);
  if (online()) start();
  return () => {
    clear();
    entity.removeListener("element", onElement);
    entity.removeListener("send", onSend);
    entity.removeListener("status", onStatus);
    entity.streamManagement?.removeListener("resumed", onResumed);
  };
}
