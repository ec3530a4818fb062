/**
 * What the code under test sent through a mock connection, in order, with a
 * cursor for tests that take the stanzas one by one and wait for the next.
 * Shared by {@link MockConnection} and {@link MockComponent}; not part of the
 * package's exports.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";

type Waiter = { predicate: (el: Element) => boolean; resolve: (el: Element) => void };

/** The stanzas a mock connection sent, and the waits for them. */
export class SentStanzas {
  /** Every stanza sent, in order (never cleared). */
  readonly all: Element[] = [];
  readonly #owner: string;
  #cursor = 0;
  #waiters: Waiter[] = [];

  /** @param owner - the mock's name, for the error of a wait that ends empty. */
  constructor(owner: string) {
    this.#owner = owner;
  }

  /** Record a sent stanza and hand it to the first waits it matches. */
  record(stanza: Element): void {
    this.all.push(stanza);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      if (w.predicate(stanza)) {
        this.#cursor = Math.max(this.#cursor, this.all.length);
        w.resolve(stanza);
      } else {
        this.#waiters.push(w);
      }
    }
  }

  /**
   * The next sent stanza matching `predicate` that no earlier call returned,
   * waiting for it up to `timeoutMs`; rejects listing what was sent meanwhile.
   */
  next(predicate: (stanza: Element) => boolean, timeoutMs: number): Promise<Element> {
    for (let i = this.#cursor; i < this.all.length; i++) {
      const s = this.all[i] as Element;
      if (predicate(s)) {
        this.#cursor = i + 1;
        return Promise.resolve(s);
      }
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (el) => {
          clearTimeout(timer);
          resolve(el);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        const recent = this.all.slice(this.#cursor).map((s) => s.toString());
        reject(new Error(`${this.#owner}: no matching stanza sent within ${timeoutMs} ms; unmatched sent: ${JSON.stringify(recent)}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Sent stanzas not yet returned by {@link SentStanzas.next} or this; marks them returned. */
  take(): Element[] {
    const out = this.all.slice(this.#cursor);
    this.#cursor = this.all.length;
    return out;
  }
}
