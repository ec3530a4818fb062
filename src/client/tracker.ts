/**
 * Delivery tracking of the messages a room sends: {@link MessageTracker},
 * what `Room.sendTrackedMessage` hands to its caller, and
 * {@link TrackerRegistry}, the per-room index that feeds it what the
 * connection and the room hear (stream-management acknowledgements,
 * reflections, error replies).
 *
 * The semantics follow aioxmpp's message tracking (a tracker per sent
 * message, a state that only moves forward, the MUC reflection as proof of
 * delivery), with two differences: every tracker settles by itself after a
 * timeout, and a settled tracker is forgotten at once, so that tracking
 * costs nothing once a message's fate is known.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import { namespaceOf } from "../xso/codec.js";
import { NS_CLIENT } from "../xso/ns.js";
import { XMPPError } from "../xso/stanza-error.js";
import { originId as originIdCodec } from "../xso/stanza-id.js";
import { MucStateError } from "../common/errors.js";
import type { MessageState } from "./enums.js";
import { silentLogger, type Logger } from "../common/logger.js";
import { Emitter } from "../common/emitter.js";
import { checkTimeout, startTimeout } from "../common/timers.js";

/** How long a tracker waits for the reflection before it times out, in milliseconds: two minutes. */
export const DEFAULT_TRACKING_TIMEOUT = 120_000;


/** The states a tracker may still leave: {@link MessageState.IN_TRANSIT} and {@link MessageState.DELIVERED_TO_SERVER}. */
export type OpenMessageState = typeof MessageState.IN_TRANSIT | typeof MessageState.DELIVERED_TO_SERVER;

/**
 * The final states of a tracker: {@link MessageState.DELIVERED_TO_RECIPIENT},
 * {@link MessageState.ERROR}, {@link MessageState.TIMED_OUT},
 * {@link MessageState.ABORTED} and {@link MessageState.CLOSED}. A tracker
 * never leaves one of them.
 */
export type FinalMessageState = Exclude<MessageState, OpenMessageState>;

/**
 * Payload of {@link MessageTrackerEvents.stateChange}: one transition of a
 * tracker.
 *
 * @category Messages
 */
export interface MessageStateChange {
  /** The tracker that changed state. */
  readonly tracker: MessageTracker;
  /** The state entered. */
  readonly state: MessageState;
  /** The state left: {@link MessageState.IN_TRANSIT} or {@link MessageState.DELIVERED_TO_SERVER} (the only states a tracker leaves). */
  readonly previous: typeof MessageState.IN_TRANSIT | typeof MessageState.DELIVERED_TO_SERVER;
  /** The error reply; present exactly when `state` is {@link MessageState.ERROR}. */
  readonly error?: XMPPError;
  /** The reflected message; present exactly when `state` is {@link MessageState.DELIVERED_TO_RECIPIENT}. */
  readonly reflection?: Element;
}

/**
 * Events of a {@link MessageTracker}.
 *
 * A listener that throws (or returns a promise that rejects) does not keep
 * the other listeners from running; the error is reported through the
 * room's logger (`warn`).
 *
 * @category Messages
 */
export interface MessageTrackerEvents {
  /**
   * The tracker moved to another state. Emitted once per transition, in the
   * order of the transitions (a listener that causes another transition,
   * say by calling `close()`, sees it emitted after the current one has
   * reached every listener). The transition into a final state is the last
   * event; every listener is removed right after it.
   */
  stateChange: MessageStateChange;
}

/** Options of {@link TrackerRegistry.track}. */
export interface TrackOptions {
  /**
   * Milliseconds after which a message that is neither reflected nor
   * answered with an error becomes {@link MessageState.TIMED_OUT}: a number
   * above 0 and at most 2³¹ − 1, or `Infinity` for no timeout (the tracker
   * then settles only on a reflection, an error, `close()` or an abort).
   *
   * @defaultValue {@link DEFAULT_TRACKING_TIMEOUT} (120 000 ms)
   */
  readonly timeout?: number;
}

/** What the registry gives a tracker it creates. */
interface TrackerInit {
  readonly id: string;
  readonly originId: string;
  readonly stanza: Element;
  readonly timeout: number;
  readonly logger: Logger;
  readonly onSettle: (tracker: MessageTracker) => void;
}

/** What may come with a transition. */
interface TransitionDetail {
  readonly error?: XMPPError;
  readonly reflection?: Element;
  readonly stanzaId?: string;
}

// Module-private access to the tracker's internals, wired up by the class's
// static block: the registry drives trackers, users only read them.
let createTracker!: (init: TrackerInit) => MessageTracker;
let transition!: (tracker: MessageTracker, state: MessageState, detail?: TransitionDetail) => boolean;

/**
 * The delivery state of one message sent to a room, as the room learns it.
 * `Room.sendTrackedMessage` returns one; users read it and listen to it,
 * only the room drives it.
 *
 * **States and transitions** ({@link MessageState}):
 *
 * - {@link MessageState.IN_TRANSIT} — the initial state: sent, nothing heard
 *   yet. It is also where a message stays when stream management reports
 *   that the stream broke before the server acknowledged it: it may still
 *   arrive (the room may resend it after rejoining, and the reflection may
 *   come with the rejoin's history), and the timeout bounds the wait.
 * - {@link MessageState.DELIVERED_TO_SERVER} — from IN_TRANSIT, when the
 *   server acknowledges this very stanza (XEP-0198). Never entered without
 *   stream management, and never after a final state (an acknowledgement
 *   that comes after the reflection is ignored).
 * - {@link MessageState.DELIVERED_TO_RECIPIENT} — final; from IN_TRANSIT or
 *   DELIVERED_TO_SERVER, when the room reflects the message back (matched by
 *   its XEP-0359 origin-id, else by its id). {@link MessageTracker.reflection}
 *   and {@link MessageTracker.stanzaId} are set.
 * - {@link MessageState.ERROR} — final; from IN_TRANSIT or
 *   DELIVERED_TO_SERVER, when an error reply with the message's id comes
 *   back. {@link MessageTracker.error} holds it.
 * - {@link MessageState.TIMED_OUT} — final; from IN_TRANSIT or
 *   DELIVERED_TO_SERVER, when neither a reflection nor an error came within
 *   the timeout (120 000 ms, `DEFAULT_TRACKING_TIMEOUT`, unless the sender
 *   chose another).
 * - {@link MessageState.ABORTED} — final; from IN_TRANSIT or
 *   DELIVERED_TO_SERVER, when the room stops tracking before the message's
 *   fate is known (the room was left or destroyed, or the client stopped).
 * - {@link MessageState.CLOSED} — final; from IN_TRANSIT or
 *   DELIVERED_TO_SERVER, when the user calls {@link MessageTracker.close}.
 *
 * Nothing leaves a final state. In particular a reflection that comes after
 * TIMED_OUT (or ABORTED, or CLOSED) does not turn the tracker into
 * DELIVERED_TO_RECIPIENT: the room has already forgotten the tracker, which
 * is what keeps memory flat, and a final state that could still change
 * would make {@link MessageTracker.done} and "settled" mean nothing. This is
 * also aioxmpp's behaviour (a closed tracker is dropped from the room's
 * index). The late reflection still reaches the room's `message` event, so
 * an application that wants to reconcile can match it by origin-id.
 *
 * **Resources.** While open, a tracker holds its timer and a link to the
 * room's registry, and the registry holds it. Once settled it holds
 * neither, and nothing of the room holds it — it keeps only its own fields
 * (the sent stanza, the reflection or the error) and the room's logger — so
 * a settled tracker the application drops is garbage like any other object. Every listener is
 * removed right after the final `stateChange` has been emitted; use
 * {@link MessageTracker.done} to learn the outcome of a tracker that may
 * already be settled.
 *
 * @example
 * ```ts
 * const tracker = room.sendTrackedMessage("hello");
 * tracker.on("stateChange", ({ state, error }) => {
 *   if (state === MessageState.ERROR) console.warn("not delivered:", error?.condition);
 * });
 * const final = await tracker.done; // "delivered-to-recipient", "error", "timed-out", …
 * ```
 *
 * @category Messages
 */
export class MessageTracker extends Emitter<MessageTrackerEvents> {
  // The public fields are set by the constructor: `declare` spares class
  // fields that would define them as undefined first.
  /** The `id` attribute of the sent message stanza. */
  declare readonly id: string;
  /** The XEP-0359 origin-id of the sent message (`<origin-id xmlns='urn:xmpp:sid:0'/>`). */
  declare readonly originId: string;
  /** The message stanza as it was sent. */
  declare readonly stanza: Element;
  /**
   * Resolves with the final state once the tracker settles (whichever of
   * DELIVERED_TO_RECIPIENT, ERROR, TIMED_OUT, ABORTED or CLOSED it is).
   * Never rejects, so an unobserved tracker never causes an unhandled
   * rejection; read {@link MessageTracker.error} for the error of an ERROR.
   */
  declare readonly done: Promise<Exclude<MessageState, typeof MessageState.IN_TRANSIT | typeof MessageState.DELIVERED_TO_SERVER>>;

  #state: MessageState = "in-transit";
  #error: XMPPError | undefined;
  #reflection: Element | undefined;
  #stanzaId: string | undefined;
  #settled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onSettle: ((tracker: MessageTracker) => void) | undefined;
  #resolve: ((state: FinalMessageState) => void) | undefined;
  #queue: MessageStateChange[] = [];
  #emitting = false;

  static {
    createTracker = (init) => new MessageTracker(init);
    transition = (tracker, state, detail) => tracker.#transition(state, detail);
  }

  private constructor(init: TrackerInit) {
    super((_event, error) => {
      try {
        init.logger.warn(`MessageTracker ${init.id}: a stateChange listener threw`, error);
      } catch {
        // A failing logger must not break the emission either.
      }
    });
    this.id = init.id;
    this.originId = init.originId;
    this.stanza = init.stanza;
    this.#onSettle = init.onSettle;
    this.done = new Promise<FinalMessageState>((resolve) => {
      this.#resolve = resolve;
    });
    const timer = startTimeout(() => this.#transition("timed-out"), init.timeout);
    // A pending tracker alone must not keep a Node process alive.
    (timer as { unref?: () => unknown } | undefined)?.unref?.();
    this.#timer = timer;
  }

  /** Where the message is now. */
  get state(): MessageState {
    return this.#state;
  }

  /** The error reply, once the tracker is in {@link MessageState.ERROR}; `undefined` otherwise. */
  get error(): XMPPError | undefined {
    return this.#error;
  }

  /** The message the room reflected, once the tracker is in {@link MessageState.DELIVERED_TO_RECIPIENT}. */
  get reflection(): Element | undefined {
    return this.#reflection;
  }

  /**
   * The room's XEP-0359 stanza-id of the reflection (the `<stanza-id/>`
   * whose `by` is the room's JID), once delivered — the ID to use in
   * references such as replies, reactions, moderation or archive queries.
   * `undefined` when the room assigns none.
   */
  get stanzaId(): string | undefined {
    return this.#stanzaId;
  }

  /** Whether the tracker is in a final state (and no longer tracked). */
  get settled(): boolean {
    return this.#settled;
  }

  /**
   * Stop tracking: the tracker becomes {@link MessageState.CLOSED} (with a
   * last `stateChange`) and releases its timer and its registry entry.
   * Does nothing when the tracker is already settled. Idempotent.
   */
  close(): void {
    this.#transition("closed");
  }

  /**
   * Apply a transition if it is allowed; queue its event and emit the queue
   * unless an emission is already under way (a listener that causes a
   * transition sees it after the current event).
   */
  #transition(state: MessageState, detail: TransitionDetail = {}): boolean {
    const previous = this.#state;
    // Forward only: a settled tracker is in a final state, and an open one
    // (IN_TRANSIT or DELIVERED_TO_SERVER) can only move to a later state.
    if (this.#settled || state === "in-transit" || state === previous) return false;

    this.#state = state;
    // Not settled: `previous` is an open state.
    let change: MessageStateChange = { tracker: this, state, previous: previous as OpenMessageState };
    if (state === "error" && detail.error !== undefined) {
      this.#error = detail.error;
      change = { ...change, error: detail.error };
    }
    if (state === "delivered-to-recipient" && detail.reflection !== undefined) {
      this.#reflection = detail.reflection;
      this.#stanzaId = detail.stanzaId;
      change = { ...change, reflection: detail.reflection };
    }
    if (state !== "delivered-to-server") this.#settle(state as FinalMessageState);

    this.#queue.push(change);
    if (!this.#emitting) this.#drain();
    return true;
  }

  /** Enter a final state: drop the timer and the registry link, resolve `done`. */
  #settle(state: FinalMessageState): void {
    this.#settled = true;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const onSettle = this.#onSettle;
    this.#onSettle = undefined;
    const resolve = this.#resolve;
    this.#resolve = undefined;
    onSettle?.(this);
    resolve?.(state);
  }

  /** Emit the queued events in order; after the final one, remove every listener. */
  #drain(): void {
    this.#emitting = true;
    try {
      for (let change = this.#queue.shift(); change !== undefined; change = this.#queue.shift()) {
        this.emit("stateChange", change);
      }
    } finally {
      this.#emitting = false;
    }
    if (this.#settled) this.removeAllListeners();
  }

}

/** The id of the first well-formed `<origin-id/>` of `stanza`; `null` when one is present but has no id. */
function existingOriginId(stanza: Element): string | null | undefined {
  const parentNs = namespaceOf(stanza) ?? NS_CLIENT;
  for (const child of stanza.children) {
    if (typeof child === "string" || !originIdCodec.matches(child, parentNs)) continue;
    const result = originIdCodec.tryDecode(child, parentNs);
    return result.ok && result.value.id !== "" ? result.value.id : null;
  }
  return undefined;
}

/**
 * The trackers of one room, indexed by the sent element (for XEP-0198
 * acknowledgements), by message id and by origin-id (for reflections and
 * error replies). Every lookup is one `Map` access; a tracker leaves every
 * index the moment it settles, so {@link TrackerRegistry.size} counts open
 * trackers only.
 *
 * Used by `Room`; not part of the package's public entry point.
 *
 * @example
 * ```ts
 * const registry = new TrackerRegistry(logger);
 * const tracker = registry.track(stanza);            // before sending it
 * await connection.send(stanza);
 * sm.on("ack", (s) => registry.onAck(s));
 * // for each groupchat message from our own occupant JID:
 * // (originId: its XEP-0359 origin-id; stanzaId: the stanza-id the room gave it)
 * registry.onReflection(message, originId, message.attrs.id, stanzaId);
 * ```
 */
export class TrackerRegistry {
  readonly #logger: Logger;
  readonly #byId = new Map<string, MessageTracker>();
  readonly #byOriginId = new Map<string, MessageTracker>();
  readonly #byElement = new Map<Element, MessageTracker>();
  /** Every element tracked, settled or not (weakly: the room keeps its last messages, not this). */
  readonly #everTracked = new WeakSet<Element>();
  readonly #forget = (tracker: MessageTracker): void => {
    if (this.#byId.get(tracker.id) === tracker) this.#byId.delete(tracker.id);
    if (this.#byOriginId.get(tracker.originId) === tracker) this.#byOriginId.delete(tracker.originId);
    if (this.#byElement.get(tracker.stanza) === tracker) this.#byElement.delete(tracker.stanza);
  };

  /**
   * @param logger - where errors thrown by `stateChange` listeners are
   *   reported (`warn`) and unusual events noted (`debug`).
   */
  constructor(logger: Logger = silentLogger) {
    this.#logger = logger;
  }

  /** The number of open (not yet settled) trackers. */
  get size(): number {
    return this.#byId.size;
  }

  /**
   * Start tracking a message stanza; call it before sending the stanza, so
   * that no acknowledgement or reflection can come first.
   *
   * The stanza must have an `id`. When it has no XEP-0359
   * `<origin-id xmlns='urn:xmpp:sid:0'/>`, one with the same value as the
   * `id` is appended to it: some MUC services rewrite the `id` of the
   * messages they reflect, while the origin-id survives, so every tracked
   * message carries one. An origin-id already there is kept (and may differ
   * from the `id`).
   *
   * @param stanza - the `<message/>` to send; it may be modified (origin-id).
   * @param options - the timeout.
   * @returns the tracker, in {@link MessageState.IN_TRANSIT}.
   * @throws `TypeError` when the stanza is not a `<message/>`, has no `id`,
   *   or has an `<origin-id/>` without an `id`.
   * @throws `RangeError` when `options.timeout` is not above 0 and at most
   *   2³¹ − 1 (or `Infinity`).
   * @throws `MucStateError` when an open tracker already has this
   *   `id` or origin-id, or already tracks this very element.
   */
  track(stanza: Element, options: TrackOptions = {}): MessageTracker {
    if (stanza === null || typeof stanza !== "object" || stanza.name !== "message") {
      throw new TypeError("only a <message/> stanza can be tracked");
    }
    const id = stanza.attrs.id;
    if (typeof id !== "string" || id === "") throw new TypeError("a tracked message needs an id");
    const timeout = checkTimeout("tracking timeout", options.timeout ?? DEFAULT_TRACKING_TIMEOUT);
    const present = existingOriginId(stanza);
    if (present === null) throw new TypeError("the message has an <origin-id/> without an id");
    const origin = present ?? id;

    if (this.#byElement.has(stanza)) throw new MucStateError("this message element is already tracked");
    if (this.#byId.has(id)) throw new MucStateError(`a message with id '${id}' is already tracked`);
    if (this.#byOriginId.has(origin)) throw new MucStateError(`a message with origin-id '${origin}' is already tracked`);

    if (present === undefined) stanza.cnode(originIdCodec.encode({ id: origin }));
    const tracker = createTracker({ id, originId: origin, stanza, timeout, logger: this.#logger, onSettle: this.#forget });
    this.#byId.set(id, tracker);
    this.#byOriginId.set(origin, tracker);
    this.#byElement.set(stanza, tracker);
    this.#everTracked.add(stanza);
    return tracker;
  }

  /** Whether `stanza` is the very element of an open tracker not acknowledged by the server yet. */
  isOpen(stanza: Element): boolean {
    return this.#byElement.has(stanza);
  }

  /**
   * Whether this element was ever tracked here, its tracker open or settled.
   *
   * @param stanza - a sent `<message/>`.
   */
  everTracked(stanza: Element): boolean {
    return this.#everTracked.has(stanza);
  }

  /**
   * Stream management (XEP-0198) acknowledged a sent stanza: its tracker, if
   * any and still {@link MessageState.IN_TRANSIT}, becomes
   * {@link MessageState.DELIVERED_TO_SERVER}. Matched by identity: it must
   * be the very `Element` object given to {@link TrackerRegistry.track}
   * (`@xmpp/client` reports the object it sent).
   *
   * @param stanza - the acknowledged stanza.
   * @returns whether a tracker changed state.
   */
  onAck(stanza: Element): boolean {
    const tracker = this.#byElement.get(stanza);
    if (tracker === undefined) return false;
    // The element is acknowledged once; the tracker stays indexed by id and origin-id.
    this.#byElement.delete(stanza);
    return transition(tracker, "delivered-to-server");
  }

  /**
   * Stream management (XEP-0198) reports that a sent stanza was not
   * acknowledged before its stream ended for good (a new session replaced
   * it, or the client went offline). The message may or may not have reached
   * the room, so its tracker stays as it is — {@link MessageState.IN_TRANSIT}
   * — rather than becoming ERROR: the room may resend the same element after
   * rejoining (a later acknowledgement of it still counts), the reflection
   * may still come (live or in the rejoin's history, matched by origin-id),
   * and otherwise the timeout settles it.
   *
   * @param stanza - the stanza that was not acknowledged (the very element tracked).
   * @returns whether it belongs to an open tracker (which the room may resend).
   */
  onFail(stanza: Element): boolean {
    const tracker = this.#byElement.get(stanza);
    if (tracker === undefined) return false;
    this.#logger.debug(`MessageTracker ${tracker.id}: unacknowledged when the stream ended; awaiting its reflection`);
    return true;
  }

  /**
   * A message came back from the room: if it is the reflection of a tracked
   * message, that tracker becomes {@link MessageState.DELIVERED_TO_RECIPIENT}
   * and records the reflection and the room's stanza-id.
   *
   * Matched by origin-id first; by `id` only when the reflection carries no
   * origin-id (a reflection whose origin-id is not ours is another message,
   * even with the same `id`). The room calls this only for groupchat
   * messages from its own occupant JID: origin-ids are chosen by senders, so
   * another occupant could copy ours.
   *
   * @param message - the reflected `<message/>`.
   * @param originId - its XEP-0359 origin-id, if it has one.
   * @param id - its `id` attribute, if it has one.
   * @param stanzaId - the XEP-0359 stanza-id the room assigned to it (the
   *   one whose `by` is the room), if any.
   * @returns whether a tracker matched (and became DELIVERED_TO_RECIPIENT).
   */
  onReflection(message: Element, originId: string | undefined, id: string | undefined, stanzaId?: string): boolean {
    const tracker = this.match(originId, id);
    if (tracker === undefined) return false;
    return transition(tracker, "delivered-to-recipient", { reflection: message, stanzaId });
  }

  /**
   * The open tracker a reflection with this origin-id and id would settle,
   * without settling it (the matching rule of
   * {@link TrackerRegistry.onReflection}: by origin-id when there is one,
   * else by id).
   *
   * @param originId - the reflection's XEP-0359 origin-id, if it has one.
   * @param id - its `id` attribute, if it has one.
   * @returns the matching open tracker, or `undefined`.
   */
  match(originId: string | undefined, id: string | undefined): MessageTracker | undefined {
    if (originId !== undefined) return this.#byOriginId.get(originId);
    if (id !== undefined) return this.#byId.get(id);
    return undefined;
  }

  /**
   * The message could not be sent at all (the connection refused it): its
   * tracker, if still open, becomes {@link MessageState.ERROR} with a
   * `recipient-unavailable` error of type `wait` whose text and `cause` say why.
   *
   * @param stanza - the tracked message element.
   * @param cause - what the send failed with.
   * @returns whether a tracker matched (and became ERROR).
   */
  onSendError(stanza: Element, cause: unknown): boolean {
    const tracker = this.#byElement.get(stanza);
    if (tracker === undefined) return false;
    const text = `not sent: ${cause instanceof Error ? cause.message : String(cause)}`;
    return transition(tracker, "error", { error: new XMPPError("recipient-unavailable", { type: "wait", text, cause }) });
  }

  /**
   * An error reply came back (`<message type='error'>`): the tracker of the
   * message with the same `id`, if still open, becomes
   * {@link MessageState.ERROR} with the error read by
   * {@link XMPPError.fromStanza}. An error for a message already reflected
   * finds no open tracker and changes nothing.
   *
   * @param message - the error message.
   * @returns whether a tracker matched (and became ERROR).
   */
  onError(message: Element): boolean {
    if (message.attrs.type !== "error") return false;
    const id = message.attrs.id;
    if (typeof id !== "string") return false;
    const tracker = this.#byId.get(id);
    if (tracker === undefined) return false;
    return transition(tracker, "error", { error: XMPPError.fromStanza(message) });
  }

  /**
   * Stop tracking every open message: each becomes
   * {@link MessageState.ABORTED}. The room calls this when it is left,
   * destroyed or can no longer be rejoined.
   *
   * @returns how many trackers were aborted.
   */
  abortAll(): number {
    let count = 0;
    for (const tracker of [...this.#byId.values()]) {
      if (transition(tracker, "aborted")) count++;
    }
    return count;
  }
}
