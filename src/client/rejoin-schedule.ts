/**
 * When a room rejoins on its own, and when it stops waiting: the wait for
 * the answer to a rejoin (the join timeout), a rejoin after a removal worth
 * coming back from (not in a loop: {@link RemovalBreaker}), the wait for the
 * room's own answer to an earlier join after it ended our occupancy, and a
 * rejoin the room refused for now, or did not answer, tried again later
 * ({@link RejoinRetry}).
 * One timer at a time ({@link RejoinWatch}). Part of a room's state
 * ({@link RoomCore.rejoins}); not part of the package's API.
 *
 * @module
 */
import { XMPPError } from "../xso/stanza-error.js";
import type { RoomCore } from "./room-core.js";
import { monotonicNow } from "../common/timers.js";

/** How long the room may take to follow its end of our occupancy with its answer to an earlier join of ours (ms). */
const JOIN_ANSWER_GRACE = 5_000;

/** The rejoins of one room that no one asked for. */
export class RejoinSchedule {
  readonly #core: RoomCore;
  /** The one wait under way: for an answer, or before a retry. */
  readonly #watch: RejoinWatch;
  /** The room's removals we came back from, on this session. */
  readonly #removals = new RemovalBreaker();
  /** Rejoins the room refused for now. */
  readonly #retry = new RejoinRetry();

  /** @param core - the room's state, whose rejoins this schedules. */
  constructor(core: RoomCore) {
    this.#core = core;
    this.#watch = new RejoinWatch(() => core.ctx.connected());
  }

  readonly #rejoining = (): boolean => this.#core.state === "rejoining";

  /** Send the rejoin again, starting it over. */
  readonly #rejoinAgain = (): void => void this.#core.sendRejoin(this.#core.restartRejoin());

  /**
   * A rejoin went out: the room answers within the join timeout, or the
   * rejoin is sent again later, as one the room refused for now (what
   * serves the room may have died between reading our join and answering
   * it: a gateway killed, then started again). When the room has not taken
   * us back for too long, we are out (`exit`, ERROR,
   * `remote-server-timeout`), and what waits for the room fails rather than
   * waiting for ever. A stream lost meanwhile sends the rejoin again on the
   * next, with a new wait.
   */
  awaitAnswer(): void {
    const core = this.#core;
    if (core.state !== "rejoining") return;
    const timeout = core.ctx.joinTimeout;
    this.#watch.start(timeout, this.#rejoining, () => {
      const text = `no answer to the rejoin of ${core.jid.toString()} within ${timeout} ms`;
      const error = new XMPPError("remote-server-timeout", { text });
      if (this.retryLater(error, `not answered within ${timeout} ms`)) return;
      core.debug(text);
      core.exit({ mode: "error", error, abandoned: true });
    });
  }

  /**
   * The room removed us without our asking, for a reason worth coming back
   * from (see room-presence.ts): rejoin, as after a dead stream, unless
   * autorejoin is off or the room did so {@link MAX_REMOVAL_REJOINS} times
   * within {@link REMOVAL_WINDOW} ms already on this session (a room that
   * keeps removing us is not joined in a loop; a new session starts the
   * count again). Returns whether it rejoins.
   */
  afterRemoval(): boolean {
    const core = this.#core;
    if (!core.autorejoin || core.state !== "joined" || !this.#admitRemoval()) return false;
    void core.sendRejoin(core.suspendAndRejoin());
    return true;
  }

  /**
   * The room ended our occupancy while an answer to an earlier join of ours
   * may still come, and the room is suspended without a join sent (see
   * {@link RoomCore.awaitRoomRejoin}). Not counted as a removal, unless no
   * self-presence follows within {@link JOIN_ANSWER_GRACE} ms: then it was
   * one, and we rejoin, or, the room having removed us too often, `giveUp`
   * ends the room.
   */
  awaitRoomAnswer(giveUp: () => void): void {
    this.#watch.start(Math.min(JOIN_ANSWER_GRACE, this.#core.ctx.joinTimeout), this.#rejoining, () => {
      if (!this.#admitRemoval()) return giveUp();
      this.#core.debug(`no answer to our earlier join followed the end of our occupancy: rejoining`);
      this.#rejoinAgain();
    });
  }

  /**
   * The room refused our rejoin for now (an error of type `wait`), or did
   * not answer it: stay suspended and rejoin again later (see
   * {@link RejoinRetry}). Returns false when that has lasted too long: the
   * room then exits with the error.
   */
  retryLater(error: XMPPError, why = `refused for now (${error.condition})`): boolean {
    const delay = this.#retry.next();
    if (delay === undefined) return false;
    this.#core.debug(`rejoin ${why}: rejoining again in ${delay} ms`);
    this.#watch.start(delay, this.#rejoining, this.#rejoinAgain);
    return true;
  }

  /** The room took us back: no more waiting, and the next refusal starts a new count. */
  rejoined(): void {
    this.#watch.stop();
    this.#retry.reset();
  }

  /** A new session: removals are counted afresh. */
  newSession(): void {
    this.#removals.reset();
  }

  /** The room ended: no timer left. */
  stop(): void {
    this.#watch.stop();
  }

  /** Count a removal: whether it may be rejoined (not the fourth within the window on this session). */
  #admitRemoval(): boolean {
    if (this.#removals.admit()) return true;
    this.#core.debug(`removed ${MAX_REMOVAL_REJOINS + 1} times within ${REMOVAL_WINDOW / 1000} s: not rejoining`);
    return false;
  }
}

// ---------------------------------------------------------------------------
// The one timer: how long a rejoining room waits (for the room's answer, or
// before a retry); when it ends while the stream is down, it starts again
// (a new stream sends a rejoin of its own; a resumed one gets another wait).

/** The one wait of a rejoining room. */
export class RejoinWatch {
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #connected: () => boolean;

  /** @param connected - whether the stream is up now. */
  constructor(connected: () => boolean) {
    this.#connected = connected;
  }

  /**
   * Wait `ms` (replacing any wait under way); then, if `waiting()` still
   * holds, wait again while the stream is down, else call `done`.
   */
  start(ms: number, waiting: () => boolean, done: () => void): void {
    this.stop();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!waiting()) return;
      if (!this.#connected()) return this.start(ms, waiting, done);
      done();
    }, ms);
    (this.#timer as { unref?: () => unknown }).unref?.();
  }

  /** No more waiting. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

// ---------------------------------------------------------------------------
// Removals: a room that removes us without our asking is rejoined, but not in
// a loop: more than MAX_REMOVAL_REJOINS times within REMOVAL_WINDOW ms on one
// session, it is not rejoined again. A new session starts the count again
// (removals that follow one are its doing: ejabberd removes the full JID of a
// replaced session that bounced a room message, and the new session holds it).

/** Removals within {@link REMOVAL_WINDOW} that are rejoined. */
export const MAX_REMOVAL_REJOINS = 3;
/** The window removals are counted in (ms). */
export const REMOVAL_WINDOW = 60_000;

/** The removals of one room on one session. */
export class RemovalBreaker {
  #removals: number[] = [];

  /** A removal now: whether it may be rejoined (it is then counted). */
  admit(): boolean {
    const now = monotonicNow();
    this.#removals = this.#removals.filter((at) => now - at < REMOVAL_WINDOW);
    if (this.#removals.length >= MAX_REMOVAL_REJOINS) return false;
    this.#removals.push(now);
    return true;
  }

  /** A new session: the count starts again. */
  reset(): void {
    this.#removals = [];
  }
}

// ---------------------------------------------------------------------------
// Retries: an error of type `wait` (RFC 6120 §8.3.2: retry after waiting)
// answering a rejoin says that what serves the room is away for the moment —
// a gateway whose component has not reconnected yet after a server restart
// (Prosody answers for it `remote-server-timeout`, "Component unavailable"),
// a remote server not reached yet; no answer within the join timeout may mean
// the same (a gateway killed between reading our join and answering it). The
// room stays suspended and rejoins again after 1, 2, 4 … REJOIN_RETRY_MAX_DELAY
// ms, for up to REJOIN_RETRY_WINDOW ms from the first; a rejoin that succeeds
// starts the count again.

/** The wait before the first retry (ms); each next one doubles, up to {@link REJOIN_RETRY_MAX_DELAY}. */
export const REJOIN_RETRY_FIRST_DELAY = 1_000;
/** The longest wait between two retries (ms). */
export const REJOIN_RETRY_MAX_DELAY = 30_000;
/** How long after the first refusal retries go on (ms); a refusal after that ends the room. */
export const REJOIN_RETRY_WINDOW = 300_000;

/** The refused rejoins of one room since its last (re)join. */
export class RejoinRetry {
  #first: number | undefined;
  #tries = 0;

  /** A refusal now: the wait before the next try (ms), or `undefined` when the room refused for too long. */
  next(): number | undefined {
    const now = monotonicNow();
    this.#first ??= now;
    if (now - this.#first >= REJOIN_RETRY_WINDOW) return undefined;
    return Math.min(REJOIN_RETRY_MAX_DELAY, REJOIN_RETRY_FIRST_DELAY * 2 ** this.#tries++);
  }

  /** The room took us back: the next refusal starts a new count. */
  reset(): void {
    this.#first = undefined;
    this.#tries = 0;
  }
}
