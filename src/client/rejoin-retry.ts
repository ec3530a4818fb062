/**
 * When a rejoin that the room refused for now, or did not answer, is tried
 * again. An error of type `wait` (RFC 6120 §8.3.2: retry after waiting)
 * answering a rejoin says that what serves the room is away for the moment
 * — a gateway whose component has not reconnected yet after a server
 * restart (Prosody answers for it `remote-server-timeout`, "Component
 * unavailable"), a remote server not reached yet; no answer within the join
 * timeout may mean the same (a gateway killed between reading our join and
 * answering it). The room stays suspended and rejoins again after 1, 2,
 * 4 … {@link REJOIN_RETRY_MAX_DELAY} ms, for up to
 * {@link REJOIN_RETRY_WINDOW} ms from the first refusal; a rejoin that
 * succeeds starts the count again. Part of a room's state; not part of the
 * package's API.
 *
 * @module
 */

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
    const now = Date.now();
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
