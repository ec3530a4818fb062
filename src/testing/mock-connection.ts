/**
 * A scripted XMPP connection for unit tests: push stanzas in, observe the
 * stanzas that go out, drive the connection's life cycle (online, dropped,
 * resumed, new session, stopped) and stream-management acknowledgements.
 *
 * @module
 */
import { EventEmitter } from "eventemitter3";
import type { Element } from "@xmpp/xml";
import { parseElement } from "../xso/parse.js";
import type { JID } from "@xmpp/jid";
import type { ConnectionEvent, StreamManagementLike, XmppConnection } from "../client/connection.js";
import { parseJid } from "../xso/values.js";
import type { StanzaErrorCondition, StanzaErrorType } from "../xso/stanza-error.js";
import { errorReply, iqResult, type ReplyAddress } from "./replies.js";
import { SentStanzas } from "./sent-stanzas.js";

/**
 * Parse XML text into an element, with the `jabber:client` namespace on the
 * root when it has none (as a stream would give it).
 *
 * @param text - one XML element.
 * @returns the element, of the same class `@xmpp/client` delivers.
 * @throws Error when the text is not one well-formed element.
 *
 * @category Mock connections
 */
export function parseStanza(text: string): Element {
  const root = parseElement(text);
  if (root.attrs.xmlns === undefined) root.attrs.xmlns = "jabber:client";
  return root;
}

/**
 * Stream management of a {@link MockConnection}.
 *
 * @category Mock connections
 */
export class MockStreamManagement extends EventEmitter implements StreamManagementLike {
  /** Whether stream management is enabled. */
  enabled = false;
  /** Whether `<enable/>` was sent and not yet answered. */
  enableSent = false;
}

/**
 * Options of {@link MockConnection}.
 *
 * @category Mock connections
 */
export interface MockConnectionOptions {
  /** Our full JID once online. @default "juliet@capulet.lit/balcony" */
  readonly jid?: string;
  /** Whether the connection has XEP-0198 stream management. @default true */
  readonly streamManagement?: boolean;
  /** Whether to start online. @default true */
  readonly online?: boolean;
}

/**
 * A connection driven by the test. Stanzas the code under test sends are
 * recorded in {@link MockConnection.sent}; stanzas the test pushes with
 * {@link MockConnection.receive} reach the code's `stanza` listeners.
 *
 * @example
 * ```ts
 * const conn = new MockConnection();
 * const muc = new MucService(conn);
 * const { joined } = muc.join("coven@chat.shakespeare.lit", "thirdwitch");
 * const join = await conn.nextSent((s) => s.is("presence"));
 * conn.receive(`<presence from='coven@chat.shakespeare.lit/thirdwitch'>
 *   <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/>
 *   <status code='110'/></x></presence>`);
 * await joined;
 * ```
 *
 * @category Mock connections
 */
export class MockConnection implements XmppConnection {
  /** Every stanza sent, in order (not cleared by {@link MockConnection.nextSent}). */
  readonly sent: Element[];
  /** Our full JID while online. */
  jid: JID | null = null;
  /** `"online"`, `"disconnect"` or `"offline"`. */
  status = "offline";
  /** Stream management, unless disabled in the options. */
  readonly streamManagement: MockStreamManagement | undefined;

  readonly #events = new EventEmitter();
  readonly #defaultJid: string;
  readonly #sent: SentStanzas;
  #unacked: Element[] = [];

  /** @param options - JID, stream management, initial state. */
  constructor(options: MockConnectionOptions = {}) {
    this.#sent = new SentStanzas("MockConnection");
    this.sent = this.#sent.all;
    this.#defaultJid = options.jid ?? "juliet@capulet.lit/balcony";
    this.streamManagement = options.streamManagement === false ? undefined : new MockStreamManagement();
    if (options.online !== false) {
      this.jid = parseJid(this.#defaultJid);
      this.status = "online";
      if (this.streamManagement) this.streamManagement.enabled = true;
    }
  }

  /** Record a sent stanza; rejects when not online, like a real connection. */
  async send(stanza: Element): Promise<void> {
    if (this.status !== "online") throw new Error(`MockConnection: cannot send while ${this.status}`);
    if (this.streamManagement?.enabled) this.#unacked.push(stanza);
    this.#sent.record(stanza);
  }

  /** Subscribe to a connection event. */
  on(event: ConnectionEvent, listener: (...args: never[]) => void): this {
    this.#events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Unsubscribe. */
  removeListener(event: ConnectionEvent, listener: (...args: never[]) => void): this {
    this.#events.removeListener(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** How many listeners an event has (to check nothing leaks). */
  listenerCount(event: ConnectionEvent): number {
    return this.#events.listenerCount(event);
  }

  /**
   * Deliver an incoming stanza (XML text or an element) to the listeners.
   *
   * @returns the delivered element.
   */
  receive(stanza: string | Element): Element {
    const el = typeof stanza === "string" ? parseStanza(stanza) : stanza;
    if (el.attrs.xmlns === undefined) el.attrs.xmlns = "jabber:client";
    const isStanza = el.name === "message" || el.name === "presence" || el.name === "iq";
    this.#events.emit(isStanza ? "stanza" : "nonza", el);
    return el;
  }

  /**
   * The next sent stanza matching `predicate` that no earlier call returned,
   * waiting for it up to `timeoutMs`.
   *
   * @throws Error when none is sent in time (listing what was sent).
   */
  nextSent(predicate: (stanza: Element) => boolean = () => true, timeoutMs = 2_000): Promise<Element> {
    return this.#sent.next(predicate, timeoutMs);
  }

  /** Sent stanzas not yet returned by {@link MockConnection.nextSent} or this; marks them returned. */
  takeSent(): Element[] {
    return this.#sent.take();
  }

  /**
   * Answer an IQ the code sent with a result.
   *
   * @param request - the IQ as sent.
   * @param payload - the result's child, as text or element.
   * @param from - the responder; by default the request's `to`.
   */
  replyResult(request: Element, payload?: string | Element, from?: string): Element {
    const child = typeof payload === "string" ? parseStanza(payload) : payload;
    return this.receive(iqResult(this.#replyAddress(request), request, child, from));
  }

  /**
   * Answer a stanza the code sent with an error of the same kind.
   *
   * @param request - the stanza as sent.
   * @param condition - the error condition.
   * @param options - error type, text, responder.
   */
  replyError(request: Element, condition: StanzaErrorCondition, options: { type?: StanzaErrorType; text?: string; from?: string } = {}): Element {
    return this.receive(errorReply(this.#replyAddress(request), request, condition, options));
  }

  /** Where an answer to `request` goes. */
  #replyAddress(request: Element): ReplyAddress {
    return { xmlns: "jabber:client", to: this.jid?.toString() };
  }

  /** Acknowledge (XEP-0198) the oldest `count` unacknowledged sent stanzas. */
  ack(count = this.#unacked.length): void {
    const acked = this.#unacked.splice(0, count);
    for (const s of acked) this.streamManagement?.emit("ack", s);
  }

  /** The transport drops; stream management keeps its state for a resumption. */
  drop(): void {
    this.status = "disconnect";
    this.#events.emit("disconnect");
  }

  /** The dropped stream is resumed (XEP-0198): no `online` event, `resumed` on stream management. */
  resume(): void {
    this.status = "online";
    this.ack();
    this.streamManagement?.emit("resumed");
  }

  /**
   * A new session replaces the dropped one: unacknowledged stanzas fail and
   * `online` fires with the (possibly new) full JID.
   */
  newSession(jid: string = this.#defaultJid): void {
    const failed = this.#unacked.splice(0);
    for (const s of failed) this.streamManagement?.emit("fail", s);
    this.jid = parseJid(jid);
    this.status = "online";
    if (this.streamManagement) this.streamManagement.enabled = true;
    this.#events.emit("online", this.jid);
  }

  /** The client stops: `offline`. */
  stop(): void {
    this.status = "offline";
    if (this.streamManagement) this.streamManagement.enabled = false;
    this.#events.emit("offline");
  }
}
