/**
 * The state of a room and its life cycle: joining, entering, suspension and
 * rejoin, leaving; the entry points the service calls (stream changes,
 * acknowledgements). How its messages stay in step with the room across
 * rejoins is `room-sync.ts` ({@link RoomCore.sync}). The service hands presences and
 * messages to `room-presence.ts` and `room-messages.ts`, which update it; the app
 * sees only the {@link Room} facade. Not part of the package's API.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { mucJoin, type MucHistory } from "../xso/muc.js";
import type { MucUserItem } from "../xso/muc-user.js";
import { originId as originIdCodec } from "../xso/stanza-id.js";
import { XMPPError } from "../xso/stanza-error.js";
import { parseJid } from "../xso/values.js";
import type { LeaveMode } from "./enums.js";
import { AbortError, MucStateError, NotConnectedError, TimeoutError } from "../common/errors.js";
import { makeId } from "./iq.js";
import { Occupant, updateOccupant } from "./occupant.js";
import type { RoomEvents } from "./room-events.js";
import { TrackerRegistry } from "./tracker.js";
import { occupantJid } from "./addresses.js";
import { SelfPinger } from "./self-ping.js";
import { REJOIN_HISTORY_MAX, RoomSync } from "./room-sync.js";
import { JoinAnswers } from "./join-answers.js";
import { RejoinSchedule } from "./rejoin-schedule.js";
import { announcesConfigChange, recordStatusCodes } from "./status-codes.js";
import type { HistoryOptions, JoinOptions, Room } from "./room.js";
import type { RoomContext } from "./room-context.js";
import { checkTimeout, startTimeout } from "../common/timers.js";

type State = "joining" | "joined" | "suspended" | "rejoining" | "leaving" | "left";

interface Pending<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: ReturnType<typeof setTimeout> | undefined;
}

/** Former nicks of ours remembered (messages under them with our origin-ids are ours). */
const FORMER_NICKS_LIMIT = 20;

/** A room's state and life cycle, behind its {@link Room} facade. */
export class RoomCore {
  // The fields marked `declare` are set by the constructor: `declare` spares
  // class fields that would define them as undefined first.
  /** The facade, for event payloads. */
  declare readonly room: Room;
  /** Emit one of the room's events. */
  declare readonly emit: <E extends keyof RoomEvents>(event: E, payload: RoomEvents[E]) => void;
  /** The room's bare JID. */
  declare readonly jid: JID;

  declare readonly ctx: RoomContext;
  declare readonly trackers: TrackerRegistry;
  state: State = "joining";
  declare requestedNick: string;
  declare password: string | undefined;
  #history: HistoryOptions | undefined;
  declare autorejoin: boolean;
  declare joinPresence: JoinOptions["presence"];
  me: Occupant | undefined;
  readonly others = new Map<string, Occupant>();
  stale: Set<Occupant> | undefined;
  subject = "";
  subjects: Record<string, string> = {};
  subjectSetter: string | undefined;
  subjectSeen = false;
  /** Its messages, kept in step with the room (de-duplication, catching up after a rejoin). */
  readonly sync = new RoomSync(this);
  /** The joins we sent whose answer may still come. */
  readonly joinAnswers = new JoinAnswers(() => this.ctx.joinTimeout);
  statusCodes = new Set<number>();
  join: Pending<Room> | undefined;
  /** Settles the `leave()` under way when the room confirms our exit. */
  #pendingLeave: Pending<void> | undefined;
  /** The `leave()` under way: later calls share its outcome. */
  #leaving: Promise<void> | undefined;
  /** A `setNick()` under way: the nick asked for, and the one we had. */
  nickChange: (Pending<void> & { readonly nick: string; readonly from: string }) | undefined;
  /** The nicks we had in this room before our current one. */
  readonly formerNicks = new Set<string>();
  /** While rejoining: the last presence under our nick without status 110 (ours lingering, or someone's if the room renames us). */
  heldUnderOurNick: Element | undefined;
  pinger: SelfPinger | undefined;
  /** Whether a join presence of ours was ever written (else leaving while joining is local). */
  #joinWasWritten = false;
  /** Whether `leave()` was called while in sync with the room (joined, not suspended or rejoining). */
  #leftInSync = false;
  /** The rejoins no one asked for: after a removal, a refusal for now; and the wait for the room's answer. */
  readonly rejoins = new RejoinSchedule(this);

  /** Listeners for error messages from the room (a pending `setSubject`). */
  readonly messageErrorListeners = new Set<(e: { stanza: Element }) => void>();

  constructor(room: Room, ctx: RoomContext, jid: JID, nick: string, options: JoinOptions, emit: RoomCore["emit"]) {
    this.room = room;
    this.emit = emit;
    this.ctx = ctx;
    this.jid = jid;
    this.requestedNick = nick;
    this.password = options.password;
    this.#history = options.history;
    this.autorejoin = options.autorejoin ?? true;
    this.joinPresence = options.presence;
    this.trackers = new TrackerRegistry(ctx.log);
  }

  /** Whether we are in the room: the self-presence arrived and we have not left (also while suspended). */
  get joined(): boolean {
    return this.active || this.state === "suspended" || this.state === "rejoining";
  }

  /** Whether we are in the room and in sync with it (joined and not suspended, or leaving a room we had entered). */
  get active(): boolean {
    return this.state === "joined" || (this.state === "leaving" && this.#leftInSync);
  }

  /** Our nick (the requested one until the room confirms or assigns one). */
  get nick(): string {
    return this.me?.nick ?? this.requestedNick;
  }

  /** The occupant with this nick, if present. */
  getOccupant(nick: string): Occupant | undefined {
    if (this.me && this.me.nick === nick) return this.me;
    return this.others.get(nick);
  }

  // ---------------------------------------------------------------------------
  // Called by the service

  /** The join presence to send (first join and rejoins). */
  joinStanza(rejoin: boolean): Element {
    // A rejoin asks for what it missed since it last had everything, no more than it can tell from what it had;
    // before the first join's history was over, for that history again.
    const seconds = rejoin ? this.sync.historySeconds() : undefined;
    const history: MucHistory | undefined = seconds !== undefined ? { seconds, maxStanzas: REJOIN_HISTORY_MAX } : this.#history;
    const stanza = this.presence(occupantJid(this.jid, this.requestedNick));
    const id = makeId("join");
    stanza.attrs.id = id;
    this.joinAnswers.sent(id);
    stanza.cnode(mucJoin.encode({ history, password: this.password }));
    return stanza;
  }

  /** Start waiting for the self-presence of the first join. */
  awaitJoin(timeout: number, signal: AbortSignal | undefined): Promise<Room> {
    return new Promise<Room>((resolve, reject) => {
      const timer = startTimeout(() => this.#abandon(new TimeoutError(`no answer to the join of ${this.jid.toString()} within ${timeout} ms`, timeout)), timeout);
      const onAbort = (): void => this.#abandon(new AbortError("join aborted", { cause: signal?.reason }));
      // However the join ends, stop listening to the signal (a long-lived signal must not collect listeners).
      const done = (): void => signal?.removeEventListener("abort", onAbort);
      this.join = {
        resolve: (room) => (done(), resolve(room)),
        reject: (error) => (done(), reject(error)),
        timer,
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Sending the join failed. */
  joinSendFailed(error: unknown): void {
    this.failJoin(error);
    this.close();
  }

  /**
   * A new session started: the join presence to write on it (a
   * join under way is sent again, a room we were in is rejoined), or
   * `undefined` when the room ends with the old stream.
   */
  streamReplaced(): Element | undefined {
    if (this.state === "left") return undefined;
    this.rejoins.newSession();
    if (this.state === "joining") return this.joinStanza(false);
    if (!this.autorejoin || this.state === "leaving") {
      this.exit({ mode: "disconnected" });
      return undefined;
    }
    // A rejoin the dead stream did not finish is sent again, and starts over.
    if (this.state === "rejoining") return this.restartRejoin();
    return this.suspendAndRejoin();
  }

  /** The join presence went out on the stream (a leave now needs the room's confirmation). */
  joinWritten(): void {
    this.#joinWasWritten = true;
    this.rejoins.awaitAnswer();
  }

  /** Whether the first join is under way. */
  get joining(): boolean {
    return this.state === "joining";
  }

  /** Whether a rejoin is under way (after a new stream, a 333 removal or a failed self-ping). */
  get rejoining(): boolean {
    return this.state === "rejoining";
  }

  /**
   * Whether stanzas to the room wait: it is rejoining, or its
   * rejoin's history is not over yet (so what a dead stream lost goes out
   * first, and after what the history shows).
   */
  get holdsSends(): boolean {
    return this.sync.holdsSends && this.state !== "leaving" && this.state !== "left";
  }

  /** The client stopped. */
  connectionClosed(): void {
    if (this.state === "joining") this.failJoin(new AbortError("the connection closed before the join completed"));
    if (this.state !== "left") this.exit({ mode: "disconnected" });
  }

  /** A sent stanza was acknowledged by the server (XEP-0198). */
  acked(stanza: Element): void {
    this.trackers.onAck(stanza);
  }

  /** A sent stanza was not acknowledged before the stream was lost (XEP-0198). */
  unacknowledged(stanza: Element): void {
    // One of our groupchat messages the server may never have seen: resend
    // it once the room is rejoined and its history is in, unless the history
    // shows it.
    if (stanza.name !== "message" || stanza.attrs.type !== "groupchat" || stanza.attrs.to !== this.jid.toString()) return;
    if (stanza.getChild("body") === undefined) return;
    const tracked = this.trackers.onFail(stanza);
    if (this.state === "left" || this.state === "leaving") return;
    this.sync.lost(stanza, tracked);
  }

  /** One of our stanzas to the room was written on a stream without stream management (XEP-0198). */
  writtenUnacknowledged(stanza: Element): void {
    if (stanza.name === "message" && stanza.attrs.type === "groupchat" && stanza.getChild("body") !== undefined) this.sync.writtenUnconfirmed(stanza);
  }

  /**
   * The stream died. Without stream management on it, nothing says which of
   * our messages it lost: those the room has neither shown nor refused are
   * taken as unacknowledged (sent again after the rejoin's history, unless
   * that shows them), except a tracked one whose tracker has settled.
   */
  streamDied(): void {
    for (const stanza of this.sync.takeUnconfirmed()) {
      if (this.trackers.everTracked(stanza) && !this.trackers.isOpen(stanza)) continue;
      this.unacknowledged(stanza);
    }
  }

  /** We had `nick` before our current one (the last {@link FORMER_NICKS_LIMIT} are kept). */
  addFormerNick(nick: string): void {
    this.formerNicks.delete(nick);
    this.formerNicks.add(nick);
    if (this.formerNicks.size > FORMER_NICKS_LIMIT) this.formerNicks.delete(this.formerNicks.values().next().value as string);
  }

  /** Another occupant left: out of the room (role none), and `leave` fires. */
  left(occupant: Occupant, stanza: Element | undefined, mode: LeaveMode = "normal", actor?: MucUserItem["actor"], reason?: string): void {
    this.others.delete(occupant.nick);
    updateOccupant(occupant, { role: "none" });
    this.emit("leave", { room: this.room, occupant, mode, actor, reason, stanza });
  }

  /** Settle the `setNick()` under way, if any: resolved, or rejected with `error`. */
  endNickChange(error?: unknown): void {
    const pending = this.nickChange;
    if (!pending) return;
    this.nickChange = undefined;
    clearTimeout(pending.timer);
    if (error === undefined) pending.resolve();
    else pending.reject(error);
  }

  entered(stanza: Element, codes: readonly number[]): void {
    this.requestedNick = this.nick;
    this.state = "joined";
    this.#recordCodes(codes, true);
    const join = this.join;
    this.join = undefined;
    if (join) clearTimeout(join.timer);
    this.sync.awaitHistoryEnd();
    this.#startSelfPing();
    this.emit("enter", {
      room: this.room,
      occupant: this.me as Occupant,
      statusCodes: codes,
      // 201: a new room; 210: the service assigned or modified our nick.
      created: codes.includes(201),
      nickAssigned: codes.includes(210),
      stanza,
    });
    // `enter` first: a `configChange` (say, 170 "this room is logged") is about a room we are in.
    this.#announceConfig(codes, stanza);
    join?.resolve(this.room);
  }

  resumed(stanza: Element, codes: readonly number[]): void {
    this.rejoins.rejoined();
    this.state = "joined";
    this.requestedNick = this.nick;
    this.#recordCodes(codes, true);
    const stale = this.stale;
    this.stale = undefined;
    if (stale) {
      for (const occupant of stale) {
        if (this.others.get(occupant.nick) === occupant) this.left(occupant, undefined);
      }
    }
    this.sync.awaitHistoryEnd();
    this.pinger?.start();
    this.emit("resume", { room: this.room, created: codes.includes(201), stanza });
    this.#announceConfig(codes, stanza);
  }

  /** Remember the room features that status codes announce (see {@link Room.features}); `replace`: a (re)join's self-presence, which states them afresh. */
  #recordCodes(codes: readonly number[], replace = false): void {
    if (replace) this.statusCodes = new Set();
    recordStatusCodes(this.statusCodes, codes);
  }

  /** Fire `configChange` when the codes announce a configuration change. */
  #announceConfig(codes: readonly number[], stanza: Element): void {
    if (announcesConfigChange(codes)) this.emit("configChange", { room: this.room, statusCodes: codes, stanza });
  }

  /** Status codes of a later self-presence or of a message from the room. */
  onStatusCodes(codes: readonly number[], stanza: Element): void {
    this.#recordCodes(codes);
    this.#announceConfig(codes, stanza);
  }

  // ---------------------------------------------------------------------------
  // Life cycle

  #startSelfPing(): void {
    const settings = this.ctx.selfPing;
    if (settings === false || this.pinger) return;
    this.pinger = new SelfPinger({
      iq: this.ctx.iq,
      occupantJid: () => (this.state === "joined" && !this.nickChange ? parseJid(occupantJid(this.jid, this.nick)) : undefined),
      interval: settings.interval,
      timeout: settings.timeout,
      log: this.ctx.log,
      onResult: (result) => {
        if (result !== "not-joined" || this.state !== "joined") return;
        this.debug(`self-ping says we are no longer in the room`);
        if (this.autorejoin) void this.sendRejoin(this.suspendAndRejoin());
        else this.exit({ mode: "error" });
      },
    });
    this.pinger.start();
  }

  /**
   * The room ended our occupancy (no removal code) while an answer to an
   * earlier join of ours may still come: ejabberd answers a join from a full
   * JID already in the room so, with the self-presence, history and subject
   * of that join next. The room is rejoining without our sending anything
   * (another join would be answered the same way, and so on), for a while
   * (see {@link RejoinSchedule.awaitRoomAnswer}; `giveUp` ends the room).
   */
  awaitRoomRejoin(giveUp: () => void): void {
    this.#suspend();
    this.rejoins.awaitRoomAnswer(giveUp);
  }

  suspendAndRejoin(): Element {
    this.#suspend();
    return this.joinStanza(true);
  }

  /** Out of step with the room until a self-presence comes: occupants are stale, messages history again, sends wait. */
  #suspend(): void {
    // A self-ping under way asked about the occupancy that ends here: its answer says nothing of the rejoin's.
    this.pinger?.stop();
    this.state = "suspended";
    this.emit("suspend", { room: this.room });
    this.stale = new Set(this.others.values());
    this.subjectSeen = false;
    this.sync.rejoinStarted();
    this.state = "rejoining";
  }

  /**
   * The rejoin presence again, for a rejoin a dead stream cut off: the room
   * lists everyone again and sends its history and subject again, so the
   * rejoin starts over — sends wait again until the new history is over,
   * and what this stream lost goes out first then. (The room may have sent
   * its subject, ending the old history, before our self-presence.)
   */
  restartRejoin(): Element {
    this.stale = new Set(this.others.values());
    this.subjectSeen = false;
    this.sync.rejoinStarted();
    return this.joinStanza(true);
  }

  async sendRejoin(stanza: Element): Promise<void> {
    try {
      // Bound to this stream: a new one sends its own rejoin, a resumed one the rejoin not written.
      if (!(await this.ctx.sendJoin(this.room, stanza))) this.debug(`rejoin not written now: the stream is down`);
    } catch (e) {
      this.debug(`rejoin not sent`, e);
    }
  }

  #abandon(error: unknown): void {
    if (this.state !== "joining") return;
    this.failJoin(error);
    // If the room confirms the join later, leave again (see MucService).
    this.close(true);
  }

  failJoin(error: unknown): void {
    const join = this.join;
    this.join = undefined;
    if (!join) return;
    clearTimeout(join.timer);
    join.reject(error);
  }

  /** We are out of the room (`abandoned`: a late confirmation of our join is answered by leaving). */
  exit(info: { mode: LeaveMode; actor?: MucUserItem["actor"]; reason?: string | undefined; stanza?: Element; alternateVenue?: JID | undefined; error?: XMPPError; abandoned?: boolean }): void {
    if (this.state === "left") return;
    // What came for the room before its end is the app's.
    this.sync.ending();
    this.#stopTracking();
    if (this.nickChange) this.endNickChange(new MucStateError("left the room before the nick change completed"));
    this.others.clear();
    this.stale = undefined;
    this.heldUnderOurNick = undefined;
    this.formerNicks.clear();
    this.ctx.closed(this.room, info.abandoned === true);
    this.emit("exit", {
      room: this.room,
      mode: info.mode,
      actor: info.actor,
      reason: info.reason,
      alternateVenue: info.alternateVenue,
      error: info.error,
      stanza: info.stanza,
    });
    const leave = this.#pendingLeave;
    this.#pendingLeave = undefined;
    if (leave) {
      clearTimeout(leave.timer);
      leave.resolve();
    }
  }

  close(abandoned = false): void {
    this.#stopTracking();
    this.ctx.closed(this.room, abandoned);
  }

  /**
   * The service was closed: the room ends without a word to anyone (no
   * event), every wait settles (a join under way rejects, a leave resolves)
   * and no timer is left.
   */
  serviceClosed(): void {
    if (this.state === "left") return;
    const error = new NotConnectedError("the MUC service was closed");
    this.failJoin(error);
    if (this.nickChange) this.endNickChange(error);
    this.#stopTracking();
    const leave = this.#pendingLeave;
    this.#pendingLeave = undefined;
    if (leave) {
      clearTimeout(leave.timer);
      leave.resolve();
    }
  }

  /** Enter the final state: settle trackers, forget messages to resend, stop pinging. */
  #stopTracking(): void {
    this.sync.stop();
    this.joinAnswers.clear();
    this.rejoins.stop();
    this.state = "left";
    this.trackers.abortAll();
    this.pinger?.stop();
    this.pinger = undefined;
  }

  /** `Room.leave`: send our unavailable presence and wait for the room to confirm our exit. */
  async leave(options: { status?: string; timeout?: number }): Promise<void> {
    if (this.state === "left") return;
    if (this.#leaving) return this.#leaving;
    const wasJoining = this.state === "joining";
    const wasRejoining = this.state === "rejoining" || this.state === "suspended";
    this.#leftInSync = this.state === "joined";
    this.state = "leaving";
    if (wasRejoining) {
      // What waited for the rejoin (and what the dead stream lost) is not sent: the room would get it out of order.
      this.trackers.abortAll();
      this.ctx.dropQueued(this.room, new MucStateError(`left room ${this.jid.toString()} before this was sent`));
      this.sync.dropLost();
    }
    if (wasJoining) this.failJoin(new AbortError("left before the join completed"));
    if (wasJoining && !this.#joinWasWritten) {
      // The room never heard of us: nothing to tell it.
      this.exit({ mode: "normal" });
      return;
    }
    const timeout = checkTimeout("leave timeout", options.timeout ?? 10_000);
    const stanza = xml("presence", { type: "unavailable", to: occupantJid(this.jid, this.nick) });
    if (options.status !== undefined) stanza.cnode(xml("status", {}, options.status));
    return (this.#leaving = new Promise<void>((resolve, reject) => {
      const timer = startTimeout(() => {
        // Take the pending leave first: exit() would resolve it.
        const pending = this.#pendingLeave;
        this.#pendingLeave = undefined;
        this.exit({ mode: "normal" });
        pending?.reject(new TimeoutError("no exit confirmation within the timeout; left locally", timeout));
      }, timeout);
      this.#pendingLeave = { resolve, reject, timer };
      // Under the room's key: dropped with the room if the stream ends first (a new stream ends the room anyway).
      this.ctx.send(stanza, { room: this.jid.toString() }).catch((e: unknown) => {
        this.debug(`could not send unavailable presence`, e);
        this.exit({ mode: "normal" });
      });
    }));
  }

  // ---------------------------------------------------------------------------
  // Helpers

  /** `leave()` was called while joining: we never entered, and what the room still sends is moot. */
  leftWhileJoining(): boolean {
    return this.state === "leaving" && this.me === undefined;
  }

  /** A debug log line about this room. */
  debug(message: string, detail?: unknown): void {
    this.ctx.log.debug(`room ${this.jid.toString()}: ${message}`, ...(detail === undefined ? [] : [detail]));
  }

  requireJoined(): void {
    if (!this.joined) throw new MucStateError(`not in room ${this.jid.toString()}`);
  }

  /** Send a stanza to the room: it waits while the room catches up after a rejoin. */
  send(stanza: Element, options: { queue?: boolean } = {}): Promise<unknown> {
    return this.ctx.send(stanza, { room: this.jid.toString(), queue: options.queue });
  }

  groupchat(body: string, options: { lang?: string; payloads?: Element[] }): Element {
    this.requireJoined();
    const id = makeId("m");
    const stanza = xml("message", { type: "groupchat", to: this.jid.toString(), id }, xml("body", options.lang ? { "xml:lang": options.lang } : {}, body));
    stanza.cnode(originIdCodec.encode({ id }));
    for (const p of options.payloads ?? []) stanza.cnode(p);
    this.sync.wrote(id, stanza);
    return stanza;
  }

  presence(to: string): Element {
    const stanza = xml("presence", { to });
    const p = this.joinPresence;
    if (p?.show) stanza.cnode(xml("show", {}, p.show));
    if (p?.status !== undefined) stanza.cnode(xml("status", {}, p.status));
    return stanza;
  }
}
