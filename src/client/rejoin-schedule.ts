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
import { RejoinWatch } from "./rejoin-watch.js";
import { MAX_REMOVAL_REJOINS, REMOVAL_WINDOW, RemovalBreaker } from "./removal-breaker.js";
import { RejoinRetry } from "./rejoin-retry.js";
import type { RoomCore } from "./room-core.js";

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
