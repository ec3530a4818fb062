/**
 * A scripted XMPP component connection (XEP-0114) for unit tests of gateway
 * code: push stanzas in, observe the stanzas that go out, take the
 * connection down and bring it back.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { Emitter, type Listener } from "../common/emitter.js";
import type { ComponentEvent, ComponentLike } from "../gateway/component-connection.js";
import { NS_COMPONENT, type ComponentConnectionEvents, type ComponentStatus } from "../gateway/component.js";
import { ComponentError } from "../gateway/component-errors.js";
import { parseJid } from "../xso/values.js";
import type { StanzaErrorCondition, StanzaErrorType } from "../xso/stanza-error.js";
import { errorReply, iqResult, type ReplyAddress } from "./replies.js";
import { SentStanzas } from "./sent-stanzas.js";
import { parseStanza } from "./mock-connection.js";

/**
 * Options of {@link MockComponent}.
 *
 * @category Mock connections
 */
export interface MockComponentOptions {
  /**
   * The component's domain. The default is the MUC service of the XEP-0045
   * examples, so that they can be replayed verbatim.
   * @default "chat.shakespeare.lit"
   */
  readonly jid?: string;
  /** Whether to start online (as if `start()` had resolved). @default true */
  readonly online?: boolean;
  /** How many stanzas {@link MockComponent.send} queues while offline before refusing with `queue-full`. @default 10000 */
  readonly queueLimit?: number;
}

type Pending = { stanza: Element; resolve: () => void; reject: (error: Error) => void };

const STANZAS = new Set(["message", "presence", "iq"]);

/**
 * Parse XML text into an element as a component stream delivers it: the
 * root gets `xmlns="jabber:component:accept"` unless the text gives one.
 */
function parseComponentStanza(text: string): Element {
  // Parsed inside a stand-in stream element, the root inherits the stream's
  // namespace instead of getting jabber:client from parseStanza.
  const wrapper = parseStanza(`<stream xmlns='${NS_COMPONENT}'>${text}</stream>`);
  const children = wrapper.getChildElements();
  const root = children[0];
  if (children.length !== 1 || root === undefined) {
    throw new Error(`parseComponentStanza: expected one element, found ${children.length}`);
  }
  wrapper.remove(root);
  root.parent = null;
  if (root.attrs.xmlns === undefined) root.attrs.xmlns = NS_COMPONENT;
  return root;
}

/**
 * A component connection driven by the test, with the behaviour of
 * `ComponentConnection`: stanzas the code under test sends while online are
 * recorded in {@link MockComponent.sent} (with `from` set to the component's
 * domain when missing); while offline they are queued and written in order by
 * {@link MockComponent.goOnline}, before its `online` event. Stanzas the test
 * pushes with {@link MockComponent.receive} reach the `stanza` listeners with
 * `xmlns="jabber:component:accept"` on the root, as from a real server.
 * Listeners are isolated: a failure is recorded in
 * {@link MockComponent.listenerErrors} and the others still run.
 *
 * @example
 * ```ts
 * const component = new MockComponent({ jid: "gateway.localhost" });
 * const gateway = new MyGateway({ component, … });
 * component.receive(`<iq type='get' id='d1' from='juliet@capulet.lit/balcony' to='gateway.localhost'>
 *   <query xmlns='http://jabber.org/protocol/disco#info'/></iq>`);
 * const reply = await component.nextSent((s) => s.is("iq") && s.attrs.id === "d1");
 * ```
 *
 * @category Mock connections
 */
export class MockComponent extends Emitter<ComponentConnectionEvents> implements ComponentLike {
  /** The component's JID (its domain). */
  readonly jid: JID;
  /** Every stanza written, in order (not cleared by {@link MockComponent.nextSent}). */
  readonly sent: Element[];
  /** Failures of listeners, in order. */
  readonly listenerErrors: {
    /** The event whose listener failed. */
    readonly event: string;
    /** What the listener threw or rejected with. */
    readonly error: unknown;
  }[];

  #status: ComponentStatus;
  #everOnline: boolean;
  #queue: Pending[] = [];
  readonly #queueLimit: number;
  readonly #sent: SentStanzas;

  /** @param options - domain, initial state, queue limit. */
  constructor(options: MockComponentOptions = {}) {
    const errors: { event: string; error: unknown }[] = [];
    super((event, error) => {
      errors.push({ event, error });
    });
    this.listenerErrors = errors;
    this.#sent = new SentStanzas("MockComponent");
    this.sent = this.#sent.all;
    this.jid = parseJid(options.jid ?? "chat.shakespeare.lit");
    this.#status = options.online === false ? "offline" : "online";
    this.#everOnline = this.#status === "online";
    this.#queueLimit = options.queueLimit ?? 10_000;
  }

  /** `"online"`, `"offline"` (never online yet), `"reconnecting"`, `"stopped"`. */
  get status(): ComponentStatus {
    return this.#status;
  }

  /** Stanzas waiting for {@link MockComponent.goOnline}. */
  get queued(): readonly Element[] {
    return this.#queue.map((p) => p.stanza);
  }

  /**
   * Record a stanza while online, queue it while offline.
   *
   * @throws ComponentError `queue-full` or `stopped`, like `ComponentConnection`.
   */
  send(stanza: Element): Promise<void> {
    if (this.#status === "stopped") return Promise.reject(new ComponentError("stopped", { text: "the mock component is stopped" }));
    if (this.#status === "online") {
      this.#record(stanza);
      return Promise.resolve();
    }
    if (this.#queue.length >= this.#queueLimit) {
      return Promise.reject(new ComponentError("queue-full", { text: `${this.#queue.length} stanzas are already waiting` }));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ stanza, resolve, reject });
    });
  }

  /**
   * Remove a listener. (The second signature is the one of
   * {@link ComponentLike}.)
   */
  override removeListener<E extends keyof ComponentConnectionEvents>(event: E, listener: Listener<ComponentConnectionEvents, E>): this;
  override removeListener(event: ComponentEvent, listener: (...args: never[]) => void): this;
  override removeListener(event: keyof ComponentConnectionEvents, listener: (...args: never[]) => void): this {
    return super.removeListener(event, listener as Listener<ComponentConnectionEvents, typeof event>);
  }

  /**
   * Deliver an incoming stanza (XML text or an element) to the `stanza`
   * listeners. The root gets `xmlns="jabber:component:accept"` when it has
   * no namespace.
   *
   * @returns the delivered element.
   * @throws Error when not online (a server delivers nothing then) or the
   *   element is not a `message`, `presence` or `iq`.
   */
  receive(stanza: string | Element): Element {
    if (this.#status !== "online") throw new Error(`MockComponent: cannot receive while ${this.#status}`);
    const el = typeof stanza === "string" ? parseComponentStanza(stanza) : stanza;
    if (el.attrs.xmlns === undefined) el.attrs.xmlns = NS_COMPONENT;
    if (!STANZAS.has(el.name)) throw new Error(`MockComponent: <${el.name}/> is not a stanza`);
    this.emit("stanza", el);
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

  /** Sent stanzas not yet returned by {@link MockComponent.nextSent} or this; marks them returned. */
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
    return { xmlns: NS_COMPONENT, to: request.attrs.from ?? this.jid.toString() };
  }

  /** The connection drops: status `reconnecting`, `offline` event (sends are queued from now on). */
  goOffline(): void {
    if (this.#status !== "online") throw new Error(`MockComponent: cannot go offline while ${this.#status}`);
    this.#setStatus("reconnecting");
    this.emit("offline", { error: new ComponentError("connection-failed", { text: "MockComponent.goOffline()" }), willReconnect: true });
  }

  /** The connection is (re-)established: queued stanzas are written in order, then the `online` event. */
  goOnline(): void {
    if (this.#status === "online" || this.#status === "stopped") throw new Error(`MockComponent: cannot go online while ${this.#status}`);
    const reconnected = this.#everOnline;
    this.#everOnline = true;
    this.#setStatus("online");
    const queue = this.#queue;
    this.#queue = [];
    for (const p of queue) {
      this.#record(p.stanza);
      p.resolve();
    }
    this.emit("online", { jid: this.jid, reconnected });
  }

  /** Like `ComponentConnection.stop()`: `offline` if online, queued sends reject with `stopped`. */
  async stop(): Promise<void> {
    if (this.#status === "stopped") return;
    const wasOnline = this.#status === "online";
    this.#setStatus("stopped");
    if (wasOnline) this.emit("offline", { error: undefined, willReconnect: false });
    const queue = this.#queue;
    this.#queue = [];
    for (const p of queue) p.reject(new ComponentError("stopped", { text: "stop() was called" }));
  }

  #setStatus(status: ComponentStatus): void {
    const previous = this.#status;
    this.#status = status;
    if (previous !== status) this.emit("status", { status, previous });
  }

  #record(stanza: Element): void {
    if (stanza.attrs.from === undefined) stanza.attrs.from = this.jid.toString();
    this.#sent.record(stanza);
  }
}
