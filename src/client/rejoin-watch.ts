/**
 * How long a rejoining room waits for the room's answer: one timer at a
 * time, which, when it ends while the stream is down, starts again (a new
 * stream sends a rejoin of its own; a resumed one gets another wait). Part
 * of a room's state; not part of the package's API.
 *
 * @module
 */

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
