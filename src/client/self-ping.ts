/**
 * XEP-0410 MUC Self-Ping (Schrödinger's Chat): check whether we are still
 * joined to a room by pinging (XEP-0199) our own occupant JID.
 *
 * A restarted server or MUC component, or a broken server-to-server link, can
 * remove us from a room without telling us; the room then merely looks
 * silent. XEP-0410 §3.2 has the client send, after some silence from the
 * room, an IQ get with `<ping xmlns='urn:xmpp:ping'/>` to
 * `room@service/ournick`, and reads the answer as follows (version 1.1.0):
 *
 * | Answer                                                     | {@link SelfPingResult} | XEP-0410 §3.2 says                                              |
 * | ---------------------------------------------------------- | ---------------------- | --------------------------------------------------------------- |
 * | IQ result                                                  | `joined`               | the client is still joined                                      |
 * | `<service-unavailable/>`, `<feature-not-implemented/>`     | `joined`               | joined; the pinged client does not implement XEP-0199           |
 * | `<item-not-found/>`                                        | `joined`               | joined; the occupant just changed their nickname                |
 * | `<remote-server-not-found/>`, `<remote-server-timeout/>`   | `inconclusive`         | no decision can be made; treat like a timeout                   |
 * | any other error (`<not-acceptable/>` recommended; also `<not-allowed/>`, `<bad-request/>`, unknown conditions) | `not-joined` | probably not joined any more; should re-join |
 * | no answer (timeout)                                        | `inconclusive`         | unreachable; re-attempt the self-ping later                     |
 *
 * {@link selfPing} sends one ping and applies this table; {@link SelfPinger}
 * schedules pings for one room after it has been silent for a while.
 *
 * @see https://xmpp.org/extensions/xep-0410.html
 * @see https://xmpp.org/extensions/xep-0199.html
 * @module
 */
import xml from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { NS_MUC_SELF_PING } from "../xso/ns.js";
import { isXMPPError, type StanzaErrorCondition } from "../xso/stanza-error.js";
import { AbortError, isAbortError, isTimeoutError, MucStateError } from "../common/errors.js";
import type { IqClient } from "./iq.js";
import type { Logger } from "../common/logger.js";
import { checkDelay } from "../common/timers.js";

/**
 * What a self-ping says about our presence in the room (XEP-0410 §3.2).
 *
 * A const object in the style of the other client enumerations, so both
 * `SelfPingResult.JOINED` and the plain string `"joined"` can be used.
 *
 * @example
 * ```ts
 * const result = await selfPing(iq, occupantJid);
 * if (result === SelfPingResult.NOT_JOINED) await rejoin();
 * ```
 *
 * @category Enums & constants
 */
export const SelfPingResult = {
  /** We are still an occupant: an IQ result, or an error XEP-0410 reads as "joined". */
  JOINED: "joined",
  /** We are (probably) no longer an occupant and should rejoin: any other error. */
  NOT_JOINED: "not-joined",
  /** No decision possible (timeout, remote server unreachable): try again later. */
  INCONCLUSIVE: "inconclusive",
} as const;
/**
 * One of the {@link SelfPingResult} values: `"joined"`, `"not-joined"` or `"inconclusive"`.
 *
 * @example
 * ```ts
 * const onResult = (result: SelfPingResult): void => console.log(`self-ping: ${result}`);
 * ```
 *
 * @category Enums & constants
 */
export type SelfPingResult = (typeof SelfPingResult)[keyof typeof SelfPingResult];

/**
 * How XEP-0410 §3.2 reads an error answer to a self-ping.
 *
 * `service-unavailable`, `feature-not-implemented` (the pinged client lacks
 * XEP-0199) and `item-not-found` (a nickname change by another client of
 * ours) mean we are joined; `remote-server-not-found` and
 * `remote-server-timeout` allow no decision, like a timeout; any other
 * condition — `not-acceptable`, which the XEP recommends services send to a
 * non-occupant, and every condition not named above — means we are probably
 * no longer joined.
 *
 * @param condition - the defined condition of the error answer.
 * @returns the result the XEP assigns to that condition.
 * @example
 * ```ts
 * selfPingResultForCondition("item-not-found"); // "joined"
 * selfPingResultForCondition("remote-server-timeout"); // "inconclusive"
 * selfPingResultForCondition("not-acceptable"); // "not-joined"
 * ```
 */
export function selfPingResultForCondition(condition: StanzaErrorCondition): SelfPingResult {
  switch (condition) {
    case "service-unavailable":
    case "feature-not-implemented":
    case "item-not-found":
      return "joined";
    case "remote-server-not-found":
    case "remote-server-timeout":
      return "inconclusive";
    default:
      return "not-joined";
  }
}

/**
 * Options of {@link selfPing}.
 *
 * @example
 * ```ts
 * const options: SelfPingOptions = { timeout: 10_000, signal: AbortSignal.timeout(60_000) };
 * ```
 */
export interface SelfPingOptions {
  /** Milliseconds to wait for the answer; no answer in time is `"inconclusive"`. @default the IqClient's default (30000) */
  readonly timeout?: number;
  /** Abort the ping; the returned promise then rejects with an `AbortError`. */
  readonly signal?: AbortSignal;
}

/**
 * Send one XEP-0410 self-ping — an IQ get carrying the XEP-0199
 * `<ping xmlns='urn:xmpp:ping'/>` to our own occupant JID — and read the
 * answer per XEP-0410 §3.2 (see the module's table and
 * {@link selfPingResultForCondition}).
 *
 * @param iq - the IQ client to send with.
 * @param occupantJid - our occupant JID in the room, `room@service/ournick`.
 * @param options - the answer timeout and an abort signal.
 * @returns `"joined"`, `"not-joined"` (rejoin) or `"inconclusive"` (try again later).
 * @throws `AbortError` when `options.signal` aborts (or the IQ client closes)
 *   before the answer; any other failure that is not an answer (say, the
 *   connection refuses to send) is rethrown as is.
 * @example
 * ```ts
 * const result = await selfPing(iq, parseJid("coven@chat.shakespeare.lit/thirdwitch"), { timeout: 10_000 });
 * if (result === "not-joined") await room.rejoin();
 * else if (result === "inconclusive") retryLater();
 * ```
 */
export async function selfPing(iq: IqClient, occupantJid: JID, options: SelfPingOptions = {}): Promise<SelfPingResult> {
  const ping = xml("ping", { xmlns: NS_MUC_SELF_PING });
  try {
    await iq.request("get", occupantJid, ping, options);
    return "joined";
  } catch (e) {
    if (isAbortError(e)) throw e;
    if (isTimeoutError(e)) return "inconclusive";
    if (isXMPPError(e)) return selfPingResultForCondition(e.condition);
    throw e;
  }
}

/**
 * The default idle time before a self-ping: 15 minutes, the example XEP-0410 §3.2 gives.
 *
 * @example
 * ```ts
 * new SelfPinger({ iq, occupantJid, interval: DEFAULT_SELF_PING_INTERVAL / 3, onResult, log });
 * ```
 */
export const DEFAULT_SELF_PING_INTERVAL = 15 * 60_000;
/**
 * The default time to wait for a self-ping's answer: 30 seconds (the IQ
 * client's own default; XEP-0410 names no value).
 *
 * @example
 * ```ts
 * await selfPing(iq, occupantJid, { timeout: DEFAULT_SELF_PING_TIMEOUT });
 * ```
 */
export const DEFAULT_SELF_PING_TIMEOUT = 30_000;
/**
 * The longest default wait before re-attempting an inconclusive self-ping: 1
 * minute (XEP-0410 §3.2 only says "after some timeout").
 *
 * @example
 * ```ts
 * new SelfPinger({ iq, occupantJid, retryInterval: 2 * DEFAULT_SELF_PING_RETRY_INTERVAL, onResult, log });
 * ```
 */
export const DEFAULT_SELF_PING_RETRY_INTERVAL = 60_000;

/**
 * Options of {@link SelfPinger}.
 *
 * @example
 * ```ts
 * const options: SelfPingerOptions = {
 *   iq,
 *   occupantJid: () => room.occupantJid,
 *   interval: 5 * 60_000,
 *   timeout: 20_000,
 *   onResult: (result) => { if (result === "not-joined") void room.rejoin(); },
 *   log: console,
 * };
 * ```
 */
export interface SelfPingerOptions {
  /** The IQ client to ping with. */
  readonly iq: IqClient;
  /**
   * Our current occupant JID in the room, or `undefined` when a ping must not
   * be sent now: not joined, a nickname change awaiting the service's answer,
   * or a hibernated stream (XEP-0410 §4). A scheduled ping is then skipped.
   */
  readonly occupantJid: () => JID | undefined;
  /**
   * Milliseconds of silence from the room before a ping is sent (and between
   * pings while the room stays silent).
   * @default {@link DEFAULT_SELF_PING_INTERVAL} (15 minutes, XEP-0410 §3.2's example)
   */
  readonly interval?: number;
  /** Milliseconds to wait for each answer. @default {@link DEFAULT_SELF_PING_TIMEOUT} */
  readonly timeout?: number;
  /**
   * Milliseconds before re-attempting after an inconclusive ping (XEP-0410
   * §3.2: "re-attempt the self-ping after some timeout") or a ping that could
   * not be sent.
   * @default the smaller of `interval` and {@link DEFAULT_SELF_PING_RETRY_INTERVAL}
   */
  readonly retryInterval?: number;
  /** Called with every ping's result (scheduled or {@link SelfPinger.pingNow}); what it throws is logged. */
  readonly onResult: (result: SelfPingResult) => void;
  /** Where skipped pings, failed pings and errors of `onResult` are reported. */
  readonly log: Logger;
}

/**
 * Schedules XEP-0410 self-pings for one room: a ping is sent only after the
 * room has been silent for `interval` milliseconds, each stanza from the room
 * ({@link SelfPinger.activity}) restarts that wait, and at most one ping is
 * in flight at a time.
 *
 * After a ping the next one is scheduled `interval` later, or
 * `retryInterval` later when the result was `"inconclusive"` or the ping
 * could not be sent. A `"not-joined"` result is only reported: rejoining is
 * up to `onResult`, and pinging continues on the normal schedule.
 *
 * @example
 * ```ts
 * const pinger = new SelfPinger({
 *   iq,
 *   occupantJid: () => (room.joined ? room.occupantJid : undefined),
 *   onResult: (result) => {
 *     if (result === "not-joined") void room.rejoin();
 *   },
 *   log: console,
 * });
 * pinger.start();
 * conn.on("stanza", (s) => { if (fromRoom(s)) pinger.activity(); });
 * // when leaving the room:
 * pinger.stop();
 * ```
 */
export class SelfPinger {
  readonly #iq: IqClient;
  readonly #occupantJid: () => JID | undefined;
  readonly #interval: number;
  readonly #timeout: number;
  readonly #retryInterval: number;
  readonly #onResult: (result: SelfPingResult) => void;
  readonly #log: Logger;

  #running = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer's ping is due (`performance.now()`, ms): activity moves it, not the timer. */
  #due = 0;
  #inFlight: Promise<SelfPingResult> | undefined;
  #abort: AbortController | undefined;
  /** Incremented by {@link SelfPinger.stop}, so answers to pings sent before it are ignored. */
  #generation = 0;

  /**
   * @param options - the IQ client, our occupant JID, the timing, the result callback and the logger.
   * @throws RangeError when `interval`, `timeout` or `retryInterval` is not above 0 and at most 2³¹ − 1 ms.
   * @example
   * ```ts
   * const pinger = new SelfPinger({ iq, occupantJid: () => me, interval: 5 * 60_000, timeout: 20_000, onResult, log: console });
   * ```
   */
  constructor(options: SelfPingerOptions) {
    this.#iq = options.iq;
    this.#occupantJid = options.occupantJid;
    this.#interval = checkDelay("SelfPinger: interval", options.interval ?? DEFAULT_SELF_PING_INTERVAL);
    this.#timeout = checkDelay("SelfPinger: timeout", options.timeout ?? DEFAULT_SELF_PING_TIMEOUT);
    this.#retryInterval = checkDelay("SelfPinger: retryInterval", options.retryInterval ?? Math.min(this.#interval, DEFAULT_SELF_PING_RETRY_INTERVAL));
    this.#onResult = options.onResult;
    this.#log = options.log;
  }

  /**
   * Whether {@link SelfPinger.start} was called and {@link SelfPinger.stop} not since.
   *
   * @returns `true` while pings are scheduled.
   * @example
   * ```ts
   * if (!pinger.running) pinger.start();
   * ```
   */
  get running(): boolean {
    return this.#running;
  }

  /**
   * Whether a ping is waiting for its answer.
   *
   * @returns `true` between sending a ping and its answer, timeout or abort.
   * @example
   * ```ts
   * if (!pinger.pinging) showSpinner(false);
   * ```
   */
  get pinging(): boolean {
    return this.#inFlight !== undefined;
  }

  /**
   * Start pinging: the first ping goes out after `interval` milliseconds of
   * silence from the room. Does nothing when already running.
   *
   * @returns nothing.
   * @example
   * ```ts
   * pinger.start(); // once the room is joined
   * ```
   */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(this.#interval);
  }

  /**
   * Stop pinging: clears the timer and aborts the ping in flight, whose
   * answer is then ignored (no `onResult` call; a pending
   * {@link SelfPinger.pingNow} rejects with an `AbortError`).
   * {@link SelfPinger.start} may be called again later.
   *
   * @returns nothing.
   * @example
   * ```ts
   * pinger.stop(); // when leaving the room or going offline
   * ```
   */
  stop(): void {
    this.#running = false;
    this.#generation++;
    this.#clearTimer();
    const abort = this.#abort;
    this.#abort = undefined;
    this.#inFlight = undefined;
    abort?.abort();
  }

  /**
   * Report a stanza from the room: the room is not silent, so the next ping
   * is postponed to `interval` milliseconds from now (XEP-0410 §3.2 pings
   * only after silence). Does nothing when stopped or while a ping is in
   * flight (the next one is scheduled when its answer arrives).
   *
   * @returns nothing.
   * @example
   * ```ts
   * conn.on("stanza", (s) => {
   *   if (parseJid(s.attrs.from).bare().equals(roomJid)) pinger.activity();
   * });
   * ```
   */
  activity(): void {
    // No timer is armed when stopped or in flight. One that is stays armed:
    // moving the time it is due costs nothing per stanza, and when it fires
    // before then it waits for the rest (busy rooms send thousands a minute).
    if (this.#timer !== undefined) this.#due = performance.now() + this.#interval;
  }

  /**
   * Ping now, without waiting for silence. When a ping is already in flight
   * its result is returned instead of sending another. The result also goes
   * to `onResult`; when running, the next ping is scheduled from the answer.
   * Works whether or not the pinger is started.
   *
   * @returns the result of the ping.
   * @throws `MucStateError` when `occupantJid()` gives no JID (nothing to ping);
   *   `AbortError` when {@link SelfPinger.stop} is called before the answer;
   *   whatever {@link selfPing} rethrows (a stanza that could not be sent).
   * @example
   * ```ts
   * // the device woke up: check at once instead of waiting
   * if ((await pinger.pingNow()) === "not-joined") await room.rejoin();
   * ```
   */
  pingNow(): Promise<SelfPingResult> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    const jid = this.#occupantJid();
    if (jid === undefined) return Promise.reject(new MucStateError("self-ping: not joined"));
    return this.#ping(jid);
  }

  #ping(jid: JID): Promise<SelfPingResult> {
    this.#clearTimer();
    const controller = new AbortController();
    const generation = this.#generation;
    const current = (): boolean => generation === this.#generation;
    // Called only while this ping is the current one.
    const done = (): void => {
      this.#inFlight = undefined;
      this.#abort = undefined;
    };
    const ping = selfPing(this.#iq, jid, { timeout: this.#timeout, signal: controller.signal }).then(
      (result) => {
        if (!current()) throw new AbortError("self-ping stopped");
        done();
        this.#report(result);
        this.#schedule(result === "inconclusive" ? this.#retryInterval : this.#interval);
        return result;
      },
      (e: unknown) => {
        if (current()) {
          done();
          this.#log.warn(`self-ping to ${jid.toString()} failed; retrying in ${this.#retryInterval} ms`, e);
          this.#schedule(this.#retryInterval);
        }
        throw e;
      },
    );
    this.#abort = controller;
    this.#inFlight = ping;
    return ping;
  }

  #report(result: SelfPingResult): void {
    try {
      this.#onResult(result);
    } catch (e) {
      this.#log.warn("self-ping: the onResult handler threw", e);
    }
  }

  /** (Re)arm the timer, when running and no ping is in flight. */
  #schedule(delay: number): void {
    this.#clearTimer();
    if (!this.#running || this.#inFlight !== undefined) return;
    this.#due = performance.now() + delay;
    this.#arm(delay);
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(() => this.#onTimer(), delay);
  }

  #onTimer(): void {
    this.#timer = undefined;
    if (!this.#running || this.#inFlight !== undefined) return;
    // The room spoke since the timer was armed: the silence is not long enough yet.
    const rest = this.#due - performance.now();
    if (rest >= 1) {
      this.#arm(rest);
      return;
    }
    const jid = this.#occupantJid();
    if (jid === undefined) {
      this.#log.debug("self-ping skipped: not joined, changing nick, or offline");
      this.#schedule(this.#interval);
      return;
    }
    // Failures are logged and rescheduled by #ping; nobody else awaits a scheduled ping.
    this.#ping(jid).catch(() => {});
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
