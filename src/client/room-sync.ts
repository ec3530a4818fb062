/**
 * How a room's messages stay in step with the room across reconnects and
 * rejoins: the messages already delivered (de-duplication), the last one
 * seen (what a rejoin asks the history for), our messages a dead stream
 * lost (sent again once the rejoin's history is over, unless it showed
 * them), the end of a (re)join's history (until then messages are history
 * and our sends wait), the gap a rejoin fills from the room's archive, and
 * the live messages held back while we are out of step. Part of a room's
 * state ({@link RoomCore.sync}); not part of the package's API.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import { originId as originIdCodec } from "../xso/stanza-id.js";
import { NS_CLIENT } from "../xso/ns.js";
import type { RoomCore } from "./room-core.js";
import { monotonicNow } from "../common/timers.js";
import { isXMPPError } from "../xso/stanza-error.js";

/** Messages whose de-duplication keys (stanza-id, origin-id, …) a room remembers: its last ones delivered. */
const SEEN_LIMIT = 2_000;

/**
 * The most history a rejoin asks for (`maxstanzas`, with `since`): half of
 * what is remembered, so that the messages of that history we were given
 * before are still remembered, among the room's other remembered stanzas
 * (markers, reactions). A rejoin after more messages than this missed gets
 * the latest of them; the archive has the rest.
 */
export const REJOIN_HISTORY_MAX = SEEN_LIMIT / 2;

/** Origin-ids of our own messages remembered as shown by the room (they are never sent again). */
const OWN_ORIGINS_LIMIT = 1_000;

/** How long after a (re)join's self-presence the history counts as over when no subject comes (ms). */
const HISTORY_END_TIMEOUT = 10_000;

/** At most this many live messages wait for a rejoin's history (see {@link RoomSync.holdLive}). */
const MAX_HELD_LIVE = 2_000;

/**
 * Our groupchat messages remembered by id until the room shows them (see
 * {@link RoomSync.written}): as many as a rejoin may send again at once
 * (the storm's ejabberd runs resent over a hundred in one go).
 */
const WRITTEN_LIMIT = 2_000;

/**
 * What a rejoin asks of the history beyond the time it was away: the time
 * the room's last message we saw may have taken to reach us.
 */
export const HISTORY_MARGIN_MS = 60_000;

/** A moment on our clocks: the wall clock (which goes on while a device sleeps) and the monotonic one (which no clock setting moves). */
interface Moment {
  readonly wall: number;
  readonly mono: number;
}

function momentNow(): Moment {
  return { wall: Date.now(), mono: monotonicNow() };
}

/** One room's messages, kept in step with the room. */
export class RoomSync {
  readonly #core: RoomCore;
  /** The de-duplication keys of the messages delivered (of the last {@link SEEN_LIMIT}). */
  readonly seen = new Set<string>();
  /** The stanzas dropped as already delivered (so `onMessageChange` drops them too). */
  readonly duplicates = new WeakSet<Element>();
  /** The keys of each of those messages, oldest to be forgotten at `#seenNext`. */
  readonly #seenRing: (readonly string[] | undefined)[] = [];
  #seenNext = 0;
  /**
   * When we last had everything the room had sent (a live message came, or
   * a (re)join's history was over): a rejoin asks for the history since then.
   */
  #inStepAt: Moment | undefined;
  /** Our groupchat messages lost with a stream, to resend after the rejoin. */
  #resend: { readonly stanza: Element; readonly originId: string | undefined; readonly tracked: boolean }[] = [];
  /** Our last {@link WRITTEN_LIMIT} groupchat messages with a body not shown by the room yet, by id (their origin-id is the same). */
  readonly #written = new Map<string, Element>();
  /**
   * Our groupchat messages written on a stream without stream management and
   * neither shown by the room nor refused yet, by origin-id, oldest first (the
   * last {@link WRITTEN_LIMIT}): when that stream dies, nothing says which of
   * them it lost.
   */
  readonly #unconfirmed = new Map<string, Element>();
  /** The origin-ids of our messages the room showed us (the last {@link OWN_ORIGINS_LIMIT}): never sent again. */
  readonly #ownOriginsSeen = new Set<string>();
  /**
   * Whether the (re)join's history is over (its subject came). Until then,
   * messages are history, and what we send to the room waits.
   */
  #caughtUp = false;
  /** Whether what we send to the room waits: from a rejoin until its history is over. */
  #holdForRejoin = false;
  /** Releases a rejoin whose subject never comes. */
  #catchUpTimer: ReturnType<typeof setTimeout> | undefined;
  /** Live groupchat messages that came while we were out of step with the room, in order (see {@link RoomSync.holdLive}). */
  #heldLive: Element[] = [];
  /** The room's stanza-id of the last message delivered (they come in the room's order): where a rejoin's archive fill starts. */
  #lastStanzaId: string | undefined;
  /** Where the rejoin under way fills the gap from the room's archive; `undefined` when it does not. */
  #fillFrom: string | undefined;
  /** Whether the archive is being read (after the rejoin's subject). */
  #filling = false;
  /** Counts the rejoins, so that the fill of one that started over delivers nothing. */
  #fillRun = 0;
  /** The rejoin's history, held while the archive fills in what came before it. */
  #heldHistory: Element[] = [];
  /** The room would not give us its archive: not asked again. */
  #noArchive = false;

  /** @param core - the room's state, whose life cycle this follows. */
  constructor(core: RoomCore) {
    this.#core = core;
  }

  // ---------------------------------------------------------------------------
  // What was delivered

  /**
   * Remember a message's de-duplication keys, none of them seen yet (a ring
   * of the last {@link SEEN_LIMIT} messages, however many keys each has; the
   * Set answers "seen?" in O(1)).
   */
  remember(keys: readonly string[]): void {
    if (keys.length === 0) return;
    const evicted = this.#seenRing[this.#seenNext];
    if (evicted !== undefined) for (const key of evicted) this.seen.delete(key);
    this.#seenRing[this.#seenNext] = keys;
    this.#seenNext = (this.#seenNext + 1) % SEEN_LIMIT;
    for (const key of keys) this.seen.add(key);
  }

  /** A live message came: everything the room sent before it has reached us. */
  noteLive(): void {
    this.#inStepAt = momentNow();
  }

  /**
   * How many seconds of history a rejoin asks for (XEP-0045 `seconds`): the
   * time since we last had everything, plus {@link HISTORY_MARGIN_MS};
   * `undefined` before the first join's history was over. A duration, not a
   * date: the room counts it on its own clock, so a client whose clock is
   * off still gets what it missed (a date on our clock five minutes fast
   * would ask for nothing). The longer of the two clocks' elapsed times
   * counts: the wall clock goes on while a device sleeps, the monotonic one
   * through a clock set back.
   */
  historySeconds(): number | undefined {
    const at = this.#inStepAt;
    if (at === undefined) return undefined;
    const now = momentNow();
    const elapsed = Math.max(now.wall - at.wall, now.mono - at.mono, 0);
    return Math.ceil((elapsed + HISTORY_MARGIN_MS) / 1000);
  }

  // ---------------------------------------------------------------------------
  // Our messages

  /** One of our groupchat messages the server may never have seen (a dead stream's): resend it after the rejoin's history, unless that shows it. */
  lost(stanza: Element, tracked: boolean): void {
    // Once: a message can be lost with a stream and then refused by the room as well.
    if (this.#resend.some((e) => e.stanza === stanza)) return;
    this.#resend.push({ stanza, originId: originIdCodec.tryFindIn(stanza, NS_CLIENT)?.id, tracked });
  }

  /** One of our groupchat messages with a body, made to be sent (tracked or not). */
  wrote(id: string, stanza: Element): void {
    this.#written.set(id, stanza);
    if (this.#written.size > WRITTEN_LIMIT) this.#written.delete(this.#written.keys().next().value as string);
  }

  /** One of our last groupchat messages by its `id`, which is all an error reply names; `undefined` for an older one. */
  written(id: string): Element | undefined {
    return this.#written.get(id);
  }

  /** One of our groupchat messages was written on a stream without stream management: see {@link RoomSync.takeUnconfirmed}. */
  writtenUnconfirmed(stanza: Element): void {
    const originId = originIdCodec.tryFindIn(stanza, NS_CLIENT)?.id;
    if (originId === undefined) return;
    this.#unconfirmed.delete(originId);
    this.#unconfirmed.set(originId, stanza);
    if (this.#unconfirmed.size > WRITTEN_LIMIT) this.#unconfirmed.delete(this.#unconfirmed.keys().next().value as string);
  }

  /** The room answered our message with this id (our messages' id is their origin-id) with an error: it got it. */
  answered(id: string): void {
    this.#unconfirmed.delete(id);
  }

  /** A stream without stream management died: the messages written on it that the room has neither shown nor refused, in the order written. */
  takeUnconfirmed(): Element[] {
    const stanzas = [...this.#unconfirmed.values()];
    this.#unconfirmed.clear();
    return stanzas;
  }

  /** Forget the messages a dead stream lost: they will not be sent. */
  dropLost(): void {
    this.#resend = [];
  }

  /** Whether a message with this origin-id is one of ours awaiting its fate: tracked, or lost with a dead stream. */
  sentByUs(originId: string): boolean {
    // The messages lost with a stream are few, and only looked at for a nick we had before.
    return this.#resend.some((e) => e.originId === originId) || this.#core.trackers.match(originId, undefined) !== undefined;
  }

  /** The room showed us a message of ours with this origin-id. */
  sawOwn(originId: string): void {
    // Shown: a refusal of it can no longer come (our messages' id is their origin-id), and it was not lost.
    this.#written.delete(originId);
    this.#unconfirmed.delete(originId);
    if (this.#ownOriginsSeen.has(originId)) return;
    this.#ownOriginsSeen.add(originId);
    if (this.#ownOriginsSeen.size > OWN_ORIGINS_LIMIT) this.#ownOriginsSeen.delete(this.#ownOriginsSeen.values().next().value as string);
  }

  // ---------------------------------------------------------------------------
  // The (re)join's history

  /**
   * Whether stanzas to the room wait: it is rejoining, or its rejoin's
   * history is not over yet (so what a dead stream lost goes out first, and
   * after what the history shows).
   */
  get holdsSends(): boolean {
    return this.#holdForRejoin;
  }

  /** A rejoin starts (or starts over): messages are history again, and our sends wait until it is over. */
  rejoinStarted(): void {
    this.#caughtUp = false;
    this.#holdForRejoin = true;
    // A rejoin that starts over drops what the last one held of its history (this one brings it again).
    this.#cancelFill();
    this.#fillFrom = this.#noArchive ? undefined : this.#lastStanzaId;
  }

  /** A message with the room's stanza-id `stanzaId` was delivered. */
  delivered(stanzaId: string | undefined): void {
    if (stanzaId !== undefined) this.#lastStanzaId = stanzaId;
  }

  /**
   * Whether a message arriving now is history: it comes before the subject
   * that ends a (re)join's history (XEP-0045 §7.2.15), and either the
   * self-presence is still to come or it carries a `<delay/>`. Everything
   * after the subject is live, delayed or not (a stream management resend
   * carries a delay). `onMessageChange` uses the same rule. (On a rejoin,
   * live messages before our self-presence do not get here before the
   * history is over: see {@link RoomSync.holdLive}.)
   */
  isHistory(delayed: boolean): boolean {
    const state = this.#core.state;
    return !this.#caughtUp && (state === "joining" || state === "rejoining" || delayed);
  }

  /** The subject ends the history (§7.2.15); a room that never sends one is caught up after 10 s all the same. */
  awaitHistoryEnd(): void {
    if (this.#caughtUp || this.#catchUpTimer !== undefined) return;
    this.#catchUpTimer = setTimeout(() => {
      this.#catchUpTimer = undefined;
      this.#core.debug("no subject after the join; taking the history as over");
      this.historyOver();
    }, HISTORY_END_TIMEOUT);
    (this.#catchUpTimer as { unref?: () => unknown }).unref?.();
  }

  /**
   * The (re)join's history is over (its subject came). A rejoin after
   * messages with the room's stanza-ids first fills what came between the
   * last of them and its history from the room's archive (XEP-0313): the
   * history covers only what the room keeps, 20 messages by default on
   * Prosody. The archive's messages are handled as history, then the
   * rejoin's own history (held meanwhile, and de-duplicated as ever), then
   * the rejoin catches up ({@link RoomSync.catchUp}). When the room has no
   * archive for us, or the query fails, the held history goes on alone,
   * as it would have without the fill.
   */
  historyOver(): void {
    if (this.#caughtUp || this.#filling) return;
    const from = this.#fillFrom;
    if (from === undefined) {
      this.catchUp();
      return;
    }
    this.#clearCatchUpTimer();
    this.#filling = true;
    const run = this.#fillRun;
    this.#core.ctx.archivedAfter(this.#core.room, from, REJOIN_HISTORY_MAX).then(
      ({ stanzas, complete }) => {
        if (run !== this.#fillRun) return;
        if (stanzas.length) this.#core.debug(`${stanzas.length} message(s) from the archive before the rejoin's history${complete ? "" : " (more than that were missed)"}`);
        this.#filled(stanzas);
      },
      (e: unknown) => {
        if (run !== this.#fillRun) return;
        // No archive for us (none, not ours to read, or no answer): the history alone, now and on later
        // rejoins. An archive that lost the message we start from, or asks us to wait, is asked again.
        if (!(isXMPPError(e) && (e.condition === "item-not-found" || e.type === "wait"))) this.#noArchive = true;
        this.#core.debug("the archive did not fill the rejoin's gap", e);
        this.#filled([]);
      },
    );
  }

  /** The fill is over: the archive's messages, then the held history, as history; then the rejoin catches up. */
  #filled(stanzas: readonly Element[]): void {
    const held = this.#cancelFill();
    this.#core.ctx.redeliver([...stanzas, ...held]);
    this.catchUp();
  }

  /** Whether a history message arriving now waits for the archive fill: on a rejoin that fills, between its self-presence and its subject. */
  get holdingHistory(): boolean {
    return this.#fillFrom !== undefined && !this.#filling && !this.#caughtUp && !this.awaitingSelfPresence;
  }

  /** Whether the archive is being read: what comes meanwhile, delayed or not, waits with the live messages. */
  get filling(): boolean {
    return this.#filling;
  }

  /**
   * Hold back a message of the rejoin's history until the archive fill
   * (see {@link RoomSync.historyOver}); returns whether it was held. Bounded:
   * past {@link MAX_HELD_LIVE}, the fill is given up and the history goes on.
   */
  holdHistory(stanza: Element): boolean {
    if (this.#heldHistory.length >= MAX_HELD_LIVE) {
      this.#core.debug(`more than ${MAX_HELD_LIVE} history messages held back: no archive fill`);
      this.#core.ctx.redeliver(this.#cancelFill());
      return false;
    }
    this.#heldHistory.push(stanza);
    return true;
  }

  /**
   * The (re)join's history is over: handle the live messages held back
   * meanwhile, then put the messages a dead stream lost back in the queue,
   * ahead of anything newer, unless the room showed them (or their tracker
   * settled meanwhile); then let the room's sends go.
   */
  catchUp(): void {
    this.#clearCatchUpTimer();
    if (this.#caughtUp) return;
    this.#caughtUp = true;
    this.#holdForRejoin = false;
    this.#inStepAt = momentNow();
    const ctx = this.#core.ctx;
    // First the live messages held back meanwhile: ours among them are not to be sent again.
    if (!ctx.betweenSessions()) this.#releaseLive();
    const pending = this.#resend;
    this.#resend = [];
    const lost: Element[] = [];
    for (const { stanza, originId, tracked } of pending) {
      const id = typeof stanza.attrs.id === "string" ? stanza.attrs.id : undefined;
      // The room showed it (live before the stream died, or in the rejoin's history): delivered.
      if (originId !== undefined && this.#ownOriginsSeen.has(originId)) continue;
      // A tracker that settled meanwhile (timed out, closed) has told the app its fate.
      if (tracked && this.#core.trackers.match(originId, id) === undefined) continue;
      lost.push(stanza);
    }
    if (lost.length) this.#core.debug(`resending ${lost.length} message(s) the stream lost`);
    ctx.requeue(this.#core.room, lost);
    ctx.release();
  }

  // ---------------------------------------------------------------------------
  // Live messages while out of step

  /**
   * Whether a presence from the room arriving now is about the dead
   * session's occupancy, which the rejoin replaces: true on a new session
   * before its rejoins (from its bind until the rooms are suspended).
   * ejabberd ends the old session's occupancy when the new session binds the
   * same resource, and sends the unavailable self-presence (110, no removal
   * code) to that full JID — the new session, before `online`. Taken as
   * ours, it would count as a removal by the room (a rejoin of its own
   * beside the new session's, or, without autorejoin, `exit` NORMAL instead
   * of DISCONNECTED). Such presences are dropped: the rejoin lists the occupants afresh (those
   * gone meanwhile get `leave`), and a room that is not rejoined exits
   * DISCONNECTED. (The same presence arriving after the rejoin went out is
   * handled by room-presence.ts.) The live messages of that window are held
   * instead ({@link RoomSync.holdLive}): they are the app's.
   */
  get presenceOutOfStep(): boolean {
    return this.#core.ctx.betweenSessions();
  }

  /**
   * Whether our (re)join's self-presence is still to come: joining,
   * suspended, rejoining, or on a new session before its rejoins. History
   * and subjects arriving then are not the (re)join's (see room-messages.ts).
   */
  get awaitingSelfPresence(): boolean {
    const state = this.#core.state;
    return state === "joining" || state === "suspended" || state === "rejoining" || this.#core.ctx.betweenSessions();
  }

  /** Whether live messages wait now (see {@link RoomSync.holdLive}). */
  get holdingLive(): boolean {
    const state = this.#core.state;
    return this.#heldLive.length > 0 || this.#filling || state === "suspended" || state === "rejoining" || this.#core.ctx.betweenSessions();
  }

  /**
   * Hold back a live (undelayed) groupchat message that comes while we are
   * out of step with the room: suspended, rejoining before our
   * self-presence, or on a new session before its rejoin. It was sent to the
   * old occupancy (ejabberd keeps routing live messages to its full JID,
   * which the new session binds again), and it is newer than the history
   * the rejoin brings: delivered now, it would come ahead of older messages.
   * Once the history is over ({@link RoomSync.catchUp}) it is handled as
   * live — dropped if the history brought it. Until then every later live
   * message waits behind it, so order holds. Asked while
   * {@link RoomSync.holdingLive}; returns whether it was held.
   */
  holdLive(stanza: Element): boolean {
    if (this.#heldLive.length >= MAX_HELD_LIVE) {
      // Bounded: a rejoin that long overdue lets what waited go, in order.
      this.#core.debug(`more than ${MAX_HELD_LIVE} live messages held back: delivering them now`);
      this.#releaseLive();
      return false;
    }
    this.#heldLive.push(stanza);
    return true;
  }

  /** The room ends: what came for it before is the app's (a fill under way is given up). */
  ending(): void {
    const history = this.#cancelFill();
    if (history.length) this.#core.ctx.redeliver(history);
    this.#releaseLive();
  }

  /** The room is over: nothing waits, nothing is sent again, no timer is left. */
  stop(): void {
    this.#holdForRejoin = false;
    this.#heldLive = [];
    this.#cancelFill();
    this.#clearCatchUpTimer();
    this.#resend = [];
    this.#unconfirmed.clear();
  }

  /** No archive fill (one under way delivers nothing); returns the history it held. */
  #cancelFill(): Element[] {
    this.#fillRun++;
    this.#filling = false;
    this.#fillFrom = undefined;
    const held = this.#heldHistory;
    this.#heldHistory = [];
    return held;
  }

  /** Handle the held-back live messages now, in the order they came. */
  #releaseLive(): void {
    if (this.#heldLive.length === 0) return;
    const held = this.#heldLive;
    this.#heldLive = [];
    this.#core.debug(`handling ${held.length} live message(s) held back until the history was over`);
    this.#core.ctx.redeliver(held);
  }

  #clearCatchUpTimer(): void {
    if (this.#catchUpTimer !== undefined) clearTimeout(this.#catchUpTimer);
    this.#catchUpTimer = undefined;
  }
}
