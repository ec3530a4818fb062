/**
 * The IQs the gateway sends and waits for: each answer is matched by its id
 * and its sender (the entity asked), before the gateway's per-user queues,
 * so that an answer never waits behind the handling that awaits it.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import { randomUUID } from "node:crypto";
import { AbortError, TimeoutError } from "../common/errors.js";
import { XMPPError } from "../xso/stanza-error.js";
import { tryParseJid } from "../xso/values.js";
import { checkTimeout, startTimeout } from "../common/timers.js";

interface Pending {
  readonly to: string;
  readonly resolve: (iq: Element) => void;
  readonly reject: (e: unknown) => void;
}

/** @internal IQ requests of the gateway waiting for their answers. */
export class IqRequests {
  readonly #pending = new Map<string, Pending>();

  /** A fresh IQ id. */
  static newId(): string {
    return `gw-${randomUUID()}`;
  }

  /**
   * Send `iq` (which has an `id` and a `to`) and wait for its answer.
   *
   * @param iq - the request.
   * @param send - how it goes out.
   * @param timeoutMs - how long to wait.
   * @returns the `<iq type='result'>`.
   * @throws {@link XMPPError} for an error answer, {@link TimeoutError}, {@link AbortError} (see {@link IqRequests.cancelAll}).
   */
  async request(iq: Element, send: (iq: Element) => Promise<void>, timeoutMs: number): Promise<Element> {
    checkTimeout("IQ timeout", timeoutMs);
    const id = String(iq.attrs.id);
    const to = String(iq.attrs.to);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const answer = new Promise<Element>((resolve, reject) => {
      this.#pending.set(id, { to, resolve, reject });
      timer = startTimeout(() => reject(new TimeoutError(`no answer to IQ ${id} to ${to} within ${timeoutMs} ms`, timeoutMs)), timeoutMs);
    });
    try {
      await Promise.race([send(iq), answer]);
      return await answer;
    } finally {
      clearTimeout(timer);
      this.#pending.delete(id);
    }
  }

  /**
   * Take an incoming stanza if it answers a pending request.
   *
   * @returns whether it did (and was consumed).
   */
  settle(el: Element): boolean {
    if (el.name !== "iq") return false;
    const type = el.attrs.type;
    if (type !== "result" && type !== "error") return false;
    const id = el.attrs.id;
    if (typeof id !== "string") return false;
    const pending = this.#pending.get(id);
    if (!pending) return false;
    const from = typeof el.attrs.from === "string" ? tryParseJid(el.attrs.from) : undefined;
    const asked = tryParseJid(pending.to);
    if (from === undefined || asked === undefined || !from.equals(asked)) return false;
    this.#pending.delete(id);
    if (type === "result") pending.resolve(el);
    else pending.reject(XMPPError.fromStanza(el));
    return true;
  }

  /** Reject every pending request with an {@link AbortError} (the gateway stops). */
  cancelAll(reason: string): void {
    for (const p of this.#pending.values()) p.reject(new AbortError(reason));
    this.#pending.clear();
  }
}
