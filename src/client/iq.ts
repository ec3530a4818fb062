/**
 * IQ requests with their answers matched by id **and** sender, errors as
 * {@link XMPPError}, timeouts as {@link TimeoutError}, and abort signals.
 *
 * `@xmpp/client`'s own `iqCaller` matches answers by id only, so any entity
 * could answer a request; this one accepts an answer only from the entity it
 * asked (or, for a request to our own account or server, from our server).
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { XMPPError } from "../xso/stanza-error.js";
import { tryParseJid } from "../xso/values.js";
import { bareOf } from "./addresses.js";
import type { XmppConnection } from "./connection.js";
import { AbortError, TimeoutError } from "../common/errors.js";
import type { Logger } from "../common/logger.js";
import { checkTimeout, startTimeout } from "../common/timers.js";

/** Options of one IQ request. */
export interface IqRequestOptions {
  /** Milliseconds to wait for the answer. @default 30000 */
  readonly timeout?: number;
  /** Abort the wait (the answer is then ignored). */
  readonly signal?: AbortSignal;
  /**
   * Told of the answer as it is read, before the promise settles: stanzas
   * read after it in the same network read are not part of the request
   * (XEP-0313 results after `<fin/>`).
   *
   * @internal
   */
  readonly onAnswer?: () => void;
}

interface Pending {
  readonly to: string | undefined;
  readonly onAnswer: (() => void) | undefined;
  readonly resolve: (iq: Element) => void;
  readonly reject: (e: unknown) => void;
}

let counter = 0;

/** A fresh stanza id: random prefix plus a counter, unique per process. */
export function makeId(prefix = "muc"): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}-${counter.toString(36)}`;
}

/** Sends IQs over a connection and matches their answers. */
export class IqClient {
  readonly #conn: XmppConnection;
  readonly #log: Logger;
  readonly #send: (iq: Element) => Promise<unknown>;
  readonly #withdraw: (iq: Element) => void;
  readonly #pending = new Map<string, Pending>();
  readonly #onStanza = (el: Element): void => this.#route(el);
  readonly #unlisten: () => void;

  /**
   * @param conn - the connection.
   * @param log - where ignored answers are reported.
   * @param send - how requests go out (a service's ordered queue); the connection's `send` by default.
   * @param listen - how answers come in (a service's one connection listener); the connection's `stanza` event by default.
   * @param withdraw - how a request still waiting in `send`'s queue is taken back when its wait ends first; nothing by default.
   */
  constructor(
    conn: XmppConnection,
    log: Logger,
    send: (iq: Element) => Promise<unknown> = (iq) => conn.send(iq),
    listen: (listener: (el: Element) => void) => () => void = (listener) => {
      conn.on("stanza", listener);
      return () => conn.removeListener("stanza", listener as (...args: never[]) => void);
    },
    withdraw: (iq: Element) => void = () => {},
  ) {
    this.#conn = conn;
    this.#log = log;
    this.#send = send;
    this.#withdraw = withdraw;
    this.#unlisten = listen(this.#onStanza);
  }

  /** Stop listening; pending requests reject with an `AbortError`. */
  close(): void {
    this.#unlisten();
    for (const p of this.#pending.values()) p.reject(new AbortError("IQ client closed"));
    this.#pending.clear();
  }

  /**
   * Send an IQ and wait for its answer.
   *
   * @param type - `get` or `set`.
   * @param to - the addressee; `undefined` for our own account.
   * @param payload - the child element.
   * @param options - timeout and abort signal.
   * @returns the answering `<iq type='result'>`.
   * @throws {@link XMPPError} for an error answer, {@link TimeoutError}, {@link AbortError}.
   */
  async request(type: "get" | "set", to: JID | string | undefined, payload: Element, options: IqRequestOptions = {}): Promise<Element> {
    const timeout = checkTimeout("IQ timeout", options.timeout ?? 30_000);
    const signal = options.signal;
    if (signal?.aborted) throw new AbortError("IQ aborted", { cause: signal.reason });
    const id = makeId("iq");
    const toText = to === undefined ? undefined : to.toString();
    const iq = xml("iq", toText === undefined ? { type, id } : { type, id, to: toText }, payload);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const answer = new Promise<Element>((resolve, reject) => {
      this.#pending.set(id, { to: toText, onAnswer: options.onAnswer, resolve, reject });
      timer = startTimeout(() => reject(new TimeoutError(`no answer to IQ ${type} ${payload.name} to ${toText ?? "our account"} within ${timeout} ms`, timeout)), timeout);
      if (signal) {
        onAbort = () => reject(new AbortError("IQ aborted", { cause: signal.reason }));
        signal.addEventListener("abort", onAbort, { once: true });
      }
    });
    try {
      // The timeout runs from now, also while the request waits for a stream.
      await Promise.race([this.#send(iq), answer]);
      return await answer;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener("abort", onAbort);
      this.#pending.delete(id);
      // Timed out or aborted while it waited for a stream: it is not sent later (nothing when it was written).
      this.#withdraw(iq);
    }
  }

  #route(el: Element): void {
    if (el.name !== "iq") return;
    const type = el.attrs.type;
    if (type !== "result" && type !== "error") return;
    const id = el.attrs.id;
    if (typeof id !== "string") return;
    const pending = this.#pending.get(id);
    if (!pending) return;
    if (!this.#fromExpected(pending.to, el.attrs.from)) {
      this.#log.debug(`ignoring IQ answer ${id} from ${String(el.attrs.from)}: asked ${pending.to ?? "our account"}`);
      return;
    }
    this.#pending.delete(id);
    pending.onAnswer?.();
    if (type === "result") pending.resolve(el);
    else pending.reject(XMPPError.fromStanza(el));
  }

  /** RFC 6120 §10.1.4 and §8.1.2.1: whom an answer may come from. */
  #fromExpected(to: string | undefined, from: unknown): boolean {
    const fromJid = typeof from === "string" ? tryParseJid(from) : undefined;
    if (typeof from === "string" && fromJid === undefined) return false;
    const own = this.#conn.jid ?? undefined;
    const ownBare = own === undefined ? undefined : bareOf(own);
    const toJid = to === undefined ? undefined : tryParseJid(to);
    // Asked someone else: only they may answer.
    if (toJid !== undefined && !(ownBare !== undefined && toJid.equals(ownBare))) return fromJid !== undefined && fromJid.equals(toJid);
    // Asked our own account: the answer comes without a `from`, from our bare or full JID, or from our server.
    return fromJid === undefined || (own !== undefined && ownBare !== undefined && (fromJid.equals(ownBare) || fromJid.equals(own) || fromJid.toString() === ownBare.domain));
  }

}
