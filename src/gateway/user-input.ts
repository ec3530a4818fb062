/**
 * Questions the gateway asks a user by chat message (slidge's `input`), and
 * the wait for their answer: the next chat message the user sends to the
 * gateway's JID. Answers skip the user's stanza queue, since the handling
 * that asked may be what holds it.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import { AbortError, TimeoutError } from "../common/errors.js";
import { tryParseJid } from "../xso/values.js";
import { checkTimeout, startTimeout } from "../common/timers.js";

interface Waiter {
  readonly resolve: (text: string) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout> | undefined;
}

/** The questions awaiting an answer, by the user's bare JID. */
export class PendingInputs {
  readonly #waiting = new Map<string, Waiter>();

  /**
   * Wait for the next chat message from `user` (a bare JID).
   *
   * @throws {@link TimeoutError} after `timeoutMs`; {@link AbortError} when
   *   another question to the same user replaces this one, or the gateway stops.
   */
  wait(user: string, timeoutMs: number): Promise<string> {
    checkTimeout("input timeout", timeoutMs);
    this.#drop(user, new AbortError("another question was asked"));
    return new Promise<string>((resolve, reject) => {
      const timer = startTimeout(() => {
        this.#waiting.delete(user);
        reject(new TimeoutError(`no answer from ${user} within ${timeoutMs} ms`, timeoutMs));
      }, timeoutMs);
      (timer as { unref?: () => unknown } | undefined)?.unref?.();
      this.#waiting.set(user, { resolve, reject, timer });
    });
  }

  /**
   * An answer: a chat (or normal) message with a body, from a user who was
   * asked. The caller has checked that it is to the gateway's own JID.
   *
   * @returns whether `el` was one (and is taken).
   */
  settle(el: Element): boolean {
    if (el.name !== "message" || this.#waiting.size === 0) return false;
    const type = el.attrs.type ?? "normal";
    if (type !== "chat" && type !== "normal") return false;
    const from = typeof el.attrs.from === "string" ? tryParseJid(el.attrs.from) : undefined;
    const body = el.getChildText("body");
    if (!from || body === null) return false;
    const user = from.bare().toString();
    const waiter = this.#waiting.get(user);
    if (!waiter) return false;
    this.#waiting.delete(user);
    clearTimeout(waiter.timer);
    waiter.resolve(body);
    return true;
  }

  /** Give up the wait for `user`'s answer. */
  cancel(user: string, reason: string): void {
    this.#drop(user, new AbortError(reason));
  }

  /** Give up every wait (the gateway stops). */
  cancelAll(reason: string): void {
    for (const user of [...this.#waiting.keys()]) this.#drop(user, new AbortError(reason));
  }

  #drop(user: string, error: Error): void {
    const waiter = this.#waiting.get(user);
    if (!waiter) return;
    this.#waiting.delete(user);
    clearTimeout(waiter.timer);
    waiter.reject(error);
  }
}
