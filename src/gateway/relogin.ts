/**
 * Logging a user's session in again after its legacy connection dropped
 * (`session.connectionLost`), with growing delays between attempts, each
 * said in the gateway's presence to the user.
 *
 * @module
 */
import type { Logger } from "../common/logger.js";
import type { BaseSession } from "./session.js";

/** One session's pending attempt. */
interface Pending {
  readonly timer: ReturnType<typeof setTimeout>;
  readonly attempt: number;
}

/** The sessions waiting to log in again, and when. */
export class ReloginScheduler {
  readonly #pending = new Map<BaseSession, Pending>();
  readonly #login: (session: BaseSession) => Promise<boolean>;
  readonly #delays: () => readonly number[];
  readonly #log: Logger;

  /**
   * @param login - one attempt: whether it succeeded.
   * @param delays - the waits before each attempt, ms (the last repeats).
   * @param log - where failures are reported.
   */
  constructor(login: (session: BaseSession) => Promise<boolean>, delays: () => readonly number[], log: Logger) {
    this.#login = login;
    this.#delays = delays;
    this.#log = log;
  }

  /** Whether a session waits for an attempt. */
  waiting(session: BaseSession): boolean {
    return this.#pending.has(session);
  }

  /**
   * Schedule the next attempt for `session` (the first, or the one after a failure).
   *
   * @returns the wait before it, ms.
   */
  schedule(session: BaseSession, attempt = 0): number {
    this.cancel(session);
    const delays = this.#delays();
    const delay = delays[Math.min(attempt, delays.length - 1)] ?? 60_000;
    const timer = setTimeout(() => {
      this.#pending.delete(session);
      void this.#login(session).then(
        async (ok) => {
          if (ok) return;
          const next = this.schedule(session, attempt + 1);
          await session.sendGatewayStatus(`Not connected; trying again in ${describe(next)}`, "dnd").catch(() => undefined);
        },
        (e: unknown) => this.#log.warn(`re-login of ${session.userJid.toString()} failed`, e),
      );
    }, delay);
    (timer as { unref?: () => unknown }).unref?.();
    this.#pending.set(session, { timer, attempt });
    return delay;
  }

  /** Drop `session`'s pending attempt. */
  cancel(session: BaseSession): void {
    const pending = this.#pending.get(session);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(session);
  }

  /** Drop every pending attempt (the gateway stops). */
  cancelAll(): void {
    for (const session of [...this.#pending.keys()]) this.cancel(session);
  }
}

/** A wait in words: "5 s", "2 min". */
export function describe(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}
