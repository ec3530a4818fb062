/**
 * A room that removes us without our asking is rejoined, but not in a loop:
 * a room that does so more than {@link MAX_REMOVAL_REJOINS} times within
 * {@link REMOVAL_WINDOW} ms on one session is not rejoined again. A new
 * session starts the count again (removals that follow one are its doing:
 * ejabberd removes the full JID of a replaced session that bounced a room
 * message, and the new session holds it). Part of a room's state; not part
 * of the package's API.
 *
 * @module
 */

/** Removals within {@link REMOVAL_WINDOW} that are rejoined. */
export const MAX_REMOVAL_REJOINS = 3;
/** The window removals are counted in (ms). */
export const REMOVAL_WINDOW = 60_000;

/** The removals of one room on one session. */
export class RemovalBreaker {
  #removals: number[] = [];

  /** A removal now: whether it may be rejoined (it is then counted). */
  admit(): boolean {
    const now = Date.now();
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
