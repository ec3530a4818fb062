/**
 * A joined (or joining) MUC room: the state machine that turns the room's
 * presences and messages into occupant state and events.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { delay as delayCodec } from "../xso/delay.js";
import { mucJoin, type MucHistory } from "../xso/muc.js";
import { mucUserX, StatusCode, type MucUserItem, type MucUserX } from "../xso/muc-user.js";
import { occupantId as occupantIdCodec } from "../xso/occupant-id.js";
import { presenceState, type PresenceShow } from "../xso/presence.js";
import { messageContent } from "../xso/message.js";
import { originId as originIdCodec, stanzaId as stanzaIdCodec } from "../xso/stanza-id.js";
import { hats as hatsCodec } from "../xso/hats.js";
import { directInvite } from "../xso/direct-invite.js";
import { XMPPError } from "../xso/stanza-error.js";
import { NS_CLIENT, NS_MUC_USER } from "../xso/ns.js";
import { parseJid } from "../xso/values.js";
import { isDecodeError } from "../xso/errors.js";
import { Emitter } from "./emitter.js";
import { LeaveMode } from "./enums.js";
import { AbortError, MucStateError, NotConnectedError, TimeoutError } from "./errors.js";
import { makeId, type IqClient } from "./iq.js";
import type { Logger } from "./logger.js";
import { Occupant, updateOccupant } from "./occupant.js";
import type { RoomEvents } from "./room-events.js";
import { TrackerRegistry, type MessageTracker } from "./tracker.js";
import { asJid, isValidNick, occupantJid } from "./addresses.js";
import { SelfPinger, SelfPingResult } from "./self-ping.js";
import type { OutboundOptions } from "./outbound.js";
import { setAffiliation as requestAffiliation, setRole as requestRole, type SetAffiliationOptions, type SetRoleOptions } from "./moderation.js";
import type { Affiliation, Role } from "../xso/muc-user.js";

/** History to request when joining (XEP-0045 §7.2.15). */
export interface HistoryOptions {
  /** At most this many characters of history. */
  readonly maxChars?: number;
  /** At most this many messages. */
  readonly maxStanzas?: number;
  /** Only messages from the last this many seconds. */
  readonly seconds?: number;
  /** Only messages since this time. */
  readonly since?: Date;
}

/** Options of the room's message sends. */
export interface SendOptions {
  /** The `xml:lang` of the body. */
  readonly lang?: string;
  /** Extra elements to include. */
  readonly payloads?: Element[];
  /**
   * Wait while disconnected (`true`), or fail at once with a
   * {@link NotConnectedError} (`false`). The service's `queueWhileOffline`
   * decides when absent.
   */
  readonly queue?: boolean;
}

/** Options of `MucService.join`. */
export interface JoinOptions {
  /** The room password. */
  readonly password?: string;
  /** How much history to ask for; by default the room's default. */
  readonly history?: HistoryOptions;
  /** Rejoin after a new stream replaced ours, or after a 333 removal. @default true */
  readonly autorejoin?: boolean;
  /** Milliseconds to wait for the self-presence. @default 30000 */
  readonly timeout?: number;
  /** Abort the join; if the room later confirms it, we leave again. */
  readonly signal?: AbortSignal;
  /** Status text and availability to join with. */
  readonly presence?: PresenceOptions;
}

/** Our availability and status text in a room. */
export interface PresenceOptions {
  /** `away`, `chat`, `dnd` or `xa`; absent for plainly available. */
  readonly show?: PresenceShow;
  /** The status text. */
  readonly status?: string;
}

/** Room features learned from status codes (`undefined`: the room did not say). */
export interface RoomFeatures {
  /** Whether every occupant sees real JIDs (100, 172; cleared by 173, 174). */
  readonly nonAnonymous: boolean | undefined;
  /** Whether the room is logged publicly (170; cleared by 171). */
  readonly logged: boolean | undefined;
}

/** XEP-0410 self-ping timing. */
export interface SelfPingSettings {
  /** Milliseconds of silence from the room before a ping. @default 900000 (15 minutes) */
  readonly interval?: number;
  /** Milliseconds to wait for the answer. @default 30000 */
  readonly timeout?: number;
}

/** What the room needs from its service. */
export interface RoomContext {
  /** Send a stanza through the service's queue (written once the stream is ready). */
  send(stanza: Element, options?: OutboundOptions): Promise<unknown>;
  /** Put stanzas a dead stream lost back in front of the room's waiting ones. */
  requeue(room: Room, stanzas: readonly Element[]): void;
  /** The room caught up after a rejoin: its waiting stanzas may go. */
  release(): void;
  /** IQs. */
  readonly iq: IqClient;
  /** Diagnostics. */
  readonly log: Logger;
  /** Our full JID, once online. */
  ownJid(): JID | undefined;
  /** Whether the stream is ready (stanzas are written now). */
  connected(): boolean;
  /** Whether sends wait while disconnected, when they do not say. */
  readonly queueWhileOffline: boolean;
  /** Default tracker timeout (ms). */
  readonly trackerTimeout: number | undefined;
  /** XEP-0410 self-ping settings, or `false` for none. */
  readonly selfPing: SelfPingSettings | false;
  /**
   * The room is gone (left, destroyed, failed to join). `abandoned`: the join
   * timed out or was aborted, so a late confirmation must be answered by
   * leaving.
   */
  closed(room: Room, abandoned: boolean): void;
}

type State = "joining" | "joined" | "suspended" | "rejoining" | "leaving" | "left";

interface Pending<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: ReturnType<typeof setTimeout> | undefined;
}

/** Remembered stanza-ids for de-duplicating history after a rejoin. */
const SEEN_LIMIT = 2_000;

/** How long after a (re)join's self-presence the history counts as over when no subject comes (ms). */
const HISTORY_END_TIMEOUT = 10_000;

/** A typical clock skew margin when asking for history since the last message. */
const SINCE_MARGIN_MS = 60_000;

/**
 * A MUC room we are in (or joining). Created by `MucService.join`, which
 * returns it at once with a `joined` promise, so handlers attached right away
 * see every event.
 *
 * State: {@link Room.joined} (our self-presence arrived and we have not
 * left), {@link Room.active} (joined and not suspended), {@link Room.me},
 * {@link Room.occupants} (us first), {@link Room.subject}.
 *
 * @example
 * ```ts
 * const { room, joined } = muc.join("coven@chat.shakespeare.lit", "thirdwitch");
 * room.on("message", ({ nick, body }) => console.log(nick, body));
 * await joined;
 * await room.sendMessage("Thrice the brinded cat hath mew'd.");
 * ```
 */
export class Room extends Emitter<RoomEvents> {
  /** The room's bare JID. */
  readonly jid: JID;

  readonly #ctx: RoomContext;
  readonly #trackers: TrackerRegistry;
  #state: State = "joining";
  #nick: string;
  #password: string | undefined;
  #history: HistoryOptions | undefined;
  #autorejoin: boolean;
  #joinPresence: JoinOptions["presence"];
  #me: Occupant | undefined;
  readonly #others = new Map<string, Occupant>();
  #stale: Set<Occupant> | undefined;
  #subject = "";
  #subjects: Record<string, string> = {};
  #subjectSetter: string | undefined;
  #subjectSeen = false;
  /** Time (ms) of the last message seen, for the rejoin's history. */
  #lastSeen: number | undefined;
  readonly #seen = new Set<string>();
  readonly #duplicates = new WeakSet<Element>();
  readonly #seenRing: (string | undefined)[] = [];
  #seenNext = 0;
  #statusCodes = new Set<number>();
  #join: Pending<Room> | undefined;
  #leave: Pending<void> | undefined;
  /** The `leave()` under way: later calls share its outcome. */
  #leaving: Promise<void> | undefined;
  /** A `setNick()` under way: the nick asked for, and the one we had. */
  #nickChange: (Pending<void> & { readonly nick: string; readonly from: string }) | undefined;
  #renamedTo = new Map<string, Occupant>();
  #pinger: SelfPinger | undefined;
  /** Our groupchat messages lost with a stream, to resend after the rejoin. */
  #resend: { readonly stanza: Element; readonly tracked: boolean }[] = [];
  /**
   * Whether the (re)join's history is over (its subject came). Until then,
   * messages are history, and what we send to the room waits.
   */
  #caughtUp = false;
  /** Whether what we send to the room waits: from a rejoin until its history is over. */
  #holdForRejoin = false;
  /** Whether a join presence of ours was ever written (else leaving while joining is local). */
  #joinWritten = false;
  /** Releases a rejoin whose subject never comes. */
  #catchUpTimer: ReturnType<typeof setTimeout> | undefined;

  /** @internal Rooms are made by `MucService.join`. */
  constructor(ctx: RoomContext, jid: JID, nick: string, options: JoinOptions) {
    super((event, error) => ctx.log.warn(`room ${jid.toString()}: a '${event}' listener failed`, error));
    this.#ctx = ctx;
    this.jid = jid;
    this.#nick = nick;
    this.#password = options.password;
    this.#history = options.history;
    this.#autorejoin = options.autorejoin ?? true;
    this.#joinPresence = options.presence;
    this.#trackers = new TrackerRegistry(ctx.log);
  }

  // ---------------------------------------------------------------------------
  // State

  /** Whether we are in the room: the self-presence arrived and we have not left (also while suspended). */
  get joined(): boolean {
    return this.#state === "joined" || this.#state === "suspended" || this.#state === "rejoining" || this.#enteredAndLeaving();
  }

  /** Whether we are in the room and in sync with it (joined and not suspended). */
  get active(): boolean {
    return this.#state === "joined" || this.#enteredAndLeaving();
  }

  /** Us, once the self-presence arrived. */
  get me(): Occupant | undefined {
    return this.#me;
  }

  /** Our nick (the requested one until the room confirms or assigns one). */
  get nick(): string {
    return this.#me?.nick ?? this.#nick;
  }

  /** Every occupant, us first. A new array each call. */
  get occupants(): Occupant[] {
    const out: Occupant[] = [];
    if (this.#me) out.push(this.#me);
    for (const o of this.#others.values()) out.push(o);
    return out;
  }

  /** How many occupants (including us) the room has. */
  get occupantCount(): number {
    return this.#others.size + (this.#me ? 1 : 0);
  }

  /** The occupant with this nick, if present. */
  getOccupant(nick: string): Occupant | undefined {
    if (this.#me && this.#me.nick === nick) return this.#me;
    return this.#others.get(nick);
  }

  /** The subject in the default language (`""` when none). */
  get subject(): string {
    return this.#subject;
  }

  /** The subject by `xml:lang` (`""` for the one without). */
  get subjects(): Readonly<Record<string, string>> {
    return this.#subjects;
  }

  /** The nick of who set the subject, when the room says. */
  get subjectSetter(): string | undefined {
    return this.#subjectSetter;
  }

  /** Whether the room is rejoined automatically (see {@link JoinOptions.autorejoin}). */
  get autorejoin(): boolean {
    return this.#autorejoin;
  }

  /** Turn automatic rejoining on or off. */
  set autorejoin(value: boolean) {
    this.#autorejoin = value;
  }

  /** The password used to join (and rejoin). */
  get password(): string | undefined {
    return this.#password;
  }

  /**
   * Room features learned from status codes: `nonAnonymous` (100, 172; 173
   * and 174 clear it), `logged` (170; 171 clears it). `undefined` when the
   * room did not say.
   */
  get features(): RoomFeatures {
    const c = this.#statusCodes;
    const nonAnonymous = c.has(StatusCode.NON_ANONYMOUS) || c.has(StatusCode.NOW_NON_ANONYMOUS) ? true : c.has(173) || c.has(174) ? false : undefined;
    const logged = c.has(StatusCode.LOGGING_ENABLED) ? true : c.has(StatusCode.LOGGING_DISABLED) ? false : undefined;
    return { nonAnonymous, logged };
  }

  // ---------------------------------------------------------------------------
  // Actions

  /**
   * Send a groupchat message (with an XEP-0359 origin-id). While the stream
   * is down or the room is rejoining, the message waits in order (see
   * {@link MucService.connected}).
   *
   * @param body - the text.
   * @param options - `lang` of the body, extra `payloads` (elements) to
   *   include, `queue: false` to fail rather than wait while disconnected.
   * @returns the sent stanza, once written.
   * @throws {@link MucStateError} when not in the room; {@link NotConnectedError}
   *   when disconnected and not queued.
   */
  async sendMessage(body: string, options: SendOptions = {}): Promise<Element> {
    const stanza = this.#groupchat(body, options);
    await this.#ctx.send(stanza, this.#scope(options));
    return stanza;
  }

  /**
   * Send a groupchat message and track it: in transit → delivered to the
   * server (XEP-0198 ack) → delivered to the room (its reflection), or error,
   * or timed out.
   *
   * While the stream is down or the room is rejoining, the message waits in
   * order and its tracker stays {@link MessageState.IN_TRANSIT}.
   *
   * @param body - the text.
   * @param options - `timeout` (ms, default 120 000), `lang`, `payloads`,
   *   `queue: false` to fail rather than wait while disconnected.
   * @returns the tracker, at once.
   * @throws {@link MucStateError} when not in the room; {@link NotConnectedError}
   *   when disconnected and `queue` is `false`.
   */
  sendTrackedMessage(body: string, options: SendOptions & { timeout?: number } = {}): MessageTracker {
    const stanza = this.#groupchat(body, options);
    if ((options.queue ?? this.#ctx.queueWhileOffline) === false && !this.#ctx.connected()) throw new NotConnectedError(`not connected; message to ${this.jid.toString()} not queued as asked`);
    const timeout = options.timeout ?? this.#ctx.trackerTimeout;
    const tracker = this.#trackers.track(stanza, timeout === undefined ? {} : { timeout });
    this.#ctx.send(stanza, this.#scope(options)).catch((e: unknown) => {
      this.#debug(`tracked message not sent`, e);
      this.#trackers.onSendError(stanza, e);
    });
    return tracker;
  }

  /**
   * Send a private message to an occupant (XEP-0045 §7.5).
   *
   * @param nick - the occupant's nick.
   * @param body - the text.
   * @returns the sent stanza.
   */
  async sendPrivateMessage(nick: string, body: string): Promise<Element> {
    this.#requireJoined();
    const to = occupantJid(this.jid, nick);
    const stanza = xml(
      "message",
      { type: "chat", to, id: makeId("pm") },
      xml("body", {}, body),
      xml("x", { xmlns: NS_MUC_USER }),
      originIdCodec.encode({ id: makeId("o") }),
    );
    await this.#ctx.send(stanza, this.#scope());
    return stanza;
  }

  /**
   * Change the subject (XEP-0045 §8.1). Resolves when the room reflects it
   * (at once, sending nothing, when it is already the subject).
   *
   * @param subject - the new subject (`""` clears it).
   * @param options - `timeout` (ms, default 30 000).
   * @throws {@link XMPPError} (e.g. `forbidden`) or {@link TimeoutError}.
   */
  async setSubject(subject: string, options: { timeout?: number } = {}): Promise<void> {
    this.#requireJoined();
    // Servers do not broadcast an unchanged subject, so there would be nothing to wait for.
    if (subject === this.#subject && this.#subjectSeen) return;
    const id = makeId("subj");
    const stanza = xml("message", { type: "groupchat", to: this.jid.toString(), id }, xml("subject", {}, subject));
    const timeout = options.timeout ?? 30_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new TimeoutError("no subject change within the timeout", timeout)), timeout);
      const onSubject = (e: RoomEvents["subjectChange"]): void => {
        if (e.stanza.attrs.id === id || (e.setterNick === this.nick && e.subject === subject)) finish();
      };
      const onError = (e: { stanza: Element }): void => {
        if (e.stanza.attrs.id === id) finish(XMPPError.fromStanza(e.stanza));
      };
      const finish = (err?: unknown): void => {
        clearTimeout(timer);
        this.off("subjectChange", onSubject);
        this.#messageErrorListeners.delete(onError);
        if (err === undefined) resolve();
        else reject(err);
      };
      this.on("subjectChange", onSubject);
      this.#messageErrorListeners.add(onError);
      this.#ctx.send(stanza, this.#scope()).catch(finish);
    });
  }

  /**
   * Change an occupant's role (XEP-0045 §8): `none` kicks, `visitor`
   * revokes voice, `participant` grants it, `moderator` grants moderation
   * (aioxmpp's `Room.set_role`). The standalone `setRole(muc, room.jid, …)`
   * does the same.
   *
   * @param nick - the occupant's nick.
   * @param role - the new role.
   * @param options - a `reason`, timeout and abort signal.
   * @returns a promise that resolves when the room confirms the change.
   * @throws Rejects with {@link XMPPError} (`not-allowed`, `forbidden`, `item-not-found`), {@link TimeoutError}, {@link MucStateError} for an unknown role.
   * @example
   * ```ts
   * await room.setRole("pistol", "none", { reason: "Avaunt, you cullion!" }); // kick
   * ```
   */
  async setRole(nick: string, role: Role, options: SetRoleOptions = {}): Promise<void> {
    await requestRole(this.#ctx.iq, this.jid, nick, role, options);
  }

  /**
   * Change a user's affiliation with the room, by bare JID (XEP-0045 §9,
   * §10): `outcast` bans, `member`, `admin`, `owner`, and `none` removes
   * any (aioxmpp's `Room.set_affiliation`). We need not be in the room; the
   * standalone `setAffiliation(muc, room.jid, …)` and
   * `MucService.setAffiliation` do the same.
   *
   * @param jid - the user.
   * @param affiliation - the new affiliation.
   * @param options - a `reason`, the `nick` to reserve with a membership, timeout and abort signal.
   * @returns a promise that resolves when the room confirms the change.
   * @throws Rejects with {@link MucStateError} for an invalid JID or an unknown affiliation; {@link XMPPError} (`not-allowed`, `forbidden`, `conflict`).
   * @example
   * ```ts
   * await room.setAffiliation("earlofcambridge@shakespeare.lit", "outcast", { reason: "Treason" }); // ban
   * ```
   */
  async setAffiliation(jid: JID | string, affiliation: Affiliation, options: SetAffiliationOptions = {}): Promise<void> {
    await requestAffiliation(this.#ctx.iq, this.jid, asJid(jid, "user"), affiliation, options);
  }

  /**
   * Change our nick (XEP-0045 §7.6). Resolves when the room confirms
   * (status 303 and the presence under the new nick).
   *
   * @param nick - the new nick.
   * @param options - `timeout` (ms, default 30 000).
   * @throws {@link XMPPError} `conflict` (nick taken) or `not-acceptable`, {@link TimeoutError}.
   */
  async setNick(nick: string, options: { timeout?: number } = {}): Promise<void> {
    this.#requireJoined();
    const to = occupantJid(this.jid, nick);
    if (this.#nickChange) throw new MucStateError("a nick change is already in progress");
    if (nick === this.nick) return;
    const timeout = options.timeout ?? 30_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#nickChange = undefined;
        reject(new TimeoutError("no nick change confirmation within the timeout", timeout));
      }, timeout);
      this.#nickChange = { nick, from: this.nick, resolve, reject, timer };
      this.#ctx.send(this.#presence(to), this.#scope()).catch((e: unknown) => {
        clearTimeout(timer);
        this.#nickChange = undefined;
        reject(e);
      });
    });
  }

  /**
   * Change our availability and status text in the room.
   *
   * @param show - `away`, `chat`, `dnd`, `xa`, or `undefined` for available.
   * @param status - the status text.
   */
  async changePresence(show?: PresenceShow, status?: string): Promise<void> {
    this.#requireJoined();
    this.#joinPresence = { ...(show ? { show } : {}), ...(status !== undefined ? { status } : {}) };
    await this.#ctx.send(this.#presence(occupantJid(this.jid, this.nick)), this.#scope());
  }

  /**
   * Invite someone (XEP-0045 §7.8): mediated through the room (default), or
   * directly (XEP-0249).
   *
   * @param jid - the invitee.
   * @param options - `reason`, `mode` (`"mediated"` | `"direct"`), `password` (direct only; defaults to the room password).
   */
  async invite(jid: JID | string, options: { reason?: string; mode?: "mediated" | "direct"; password?: string } = {}): Promise<void> {
    const to = asJid(jid, "invitee");
    if ((options.mode ?? "mediated") === "direct") {
      const password = options.password ?? this.#password;
      await this.#ctx.send(
        xml(
          "message",
          { to: to.toString(), id: makeId("inv") },
          directInvite.encode({ jid: this.jid, ...(options.reason !== undefined ? { reason: options.reason } : {}), ...(password !== undefined ? { password } : {}) }),
        ),
      );
      return;
    }
    await this.#ctx.send(
      xml(
        "message",
        { to: this.jid.toString(), id: makeId("inv") },
        mucUserX.encode({ invites: [{ to, ...(options.reason !== undefined ? { reason: options.reason } : {}) }] }),
      ),
    );
  }

  /**
   * Leave the room. Resolves when the room confirms our exit (`exit` fires
   * with `NORMAL`). When the confirmation does not come in time, the room is
   * left locally anyway (`exit` fires) and the promise rejects with a
   * {@link TimeoutError}.
   *
   * Leaving while the join is under way gives the join up: `joined` rejects
   * with an {@link AbortError}, the room is not {@link Room.joined} and fires
   * no `enter` nor occupant events, and the promise resolves once the room
   * confirms the exit (or refuses the join).
   *
   * @param options - `status` text, `timeout` (ms, default 10 000).
   * @throws {@link TimeoutError} when the room does not confirm in time.
   */
  async leave(options: { status?: string; timeout?: number } = {}): Promise<void> {
    if (this.#state === "left") return;
    if (this.#leaving) return this.#leaving;
    const wasJoining = this.#state === "joining";
    this.#state = "leaving";
    if (wasJoining) this.#failJoin(new AbortError("left before the join completed"));
    if (wasJoining && !this.#joinWritten) {
      // The room never heard of us: nothing to tell it.
      this.#exit({ mode: LeaveMode.NORMAL });
      return;
    }
    const timeout = options.timeout ?? 10_000;
    const stanza = xml("presence", { type: "unavailable", to: occupantJid(this.jid, this.nick) });
    if (options.status !== undefined) stanza.cnode(xml("status", {}, options.status));
    return (this.#leaving = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Take the pending leave first: #exit would resolve it.
        const pending = this.#leave;
        this.#leave = undefined;
        this.#exit({ mode: LeaveMode.NORMAL });
        pending?.reject(new TimeoutError("no exit confirmation within the timeout; left locally", timeout));
      }, timeout);
      this.#leave = { resolve, reject, timer };
      this.#ctx.send(stanza).catch((e: unknown) => {
        this.#debug(`could not send unavailable presence`, e);
        this.#exit({ mode: LeaveMode.NORMAL });
      });
    }));
  }

  // ---------------------------------------------------------------------------
  // Called by the service

  /** @internal The join presence to send (first join and rejoins). */
  joinStanza(rejoin: boolean): Element {
    let history: MucHistory | undefined = this.#history;
    if (rejoin) {
      history = this.#lastSeen !== undefined ? { since: new Date(this.#lastSeen - SINCE_MARGIN_MS) } : this.#history;
    }
    const stanza = this.#presence(occupantJid(this.jid, this.#nick));
    stanza.attrs.id = makeId("join");
    stanza.cnode(mucJoin.encode({ ...(history ? { history } : {}), ...(this.#password !== undefined ? { password: this.#password } : {}) }));
    return stanza;
  }

  /** @internal Start waiting for the self-presence of the first join. */
  awaitJoin(timeout: number, signal: AbortSignal | undefined): Promise<Room> {
    return new Promise<Room>((resolve, reject) => {
      const timer = setTimeout(() => this.#abandon(new TimeoutError(`no answer to the join of ${this.jid.toString()} within ${timeout} ms`, timeout)), timeout);
      const onAbort = (): void => this.#abandon(new AbortError("join aborted", { cause: signal?.reason }));
      // However the join ends, stop listening to the signal (a long-lived signal must not collect listeners).
      const done = (): void => signal?.removeEventListener("abort", onAbort);
      this.#join = {
        resolve: (room) => (done(), resolve(room)),
        reject: (error) => (done(), reject(error)),
        timer,
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** @internal Sending the join failed. */
  joinSendFailed(error: unknown): void {
    this.#failJoin(error);
    this.#close();
  }

  /**
   * @internal A new session started: the join presence to write on it (a
   * join under way is sent again, a room we were in is rejoined), or
   * `undefined` when the room ends with the old stream.
   */
  streamReplaced(): Element | undefined {
    if (this.#state === "left") return undefined;
    if (this.#state === "joining") return this.joinStanza(false);
    if (!this.#autorejoin || this.#state === "leaving") {
      this.#exit({ mode: LeaveMode.DISCONNECTED });
      return undefined;
    }
    // A rejoin the dead stream did not finish is simply sent again.
    if (this.#state === "rejoining") return this.joinStanza(true);
    return this.#suspendAndRejoin();
  }

  /** @internal The join presence went out on the stream (a leave now needs the room's confirmation). */
  joinWritten(): void {
    this.#joinWritten = true;
  }

  /** @internal Whether the first join is under way. */
  get joining(): boolean {
    return this.#state === "joining";
  }

  /**
   * @internal Whether stanzas to the room wait: it is rejoining, or its
   * rejoin's history is not over yet (so what a dead stream lost goes out
   * first, and after what the history shows).
   */
  get holdsSends(): boolean {
    return this.#holdForRejoin && this.#state !== "leaving" && this.#state !== "left";
  }

  /** @internal The client stopped. */
  connectionClosed(): void {
    if (this.#state === "joining") this.#failJoin(new AbortError("the connection closed before the join completed"));
    if (this.#state !== "left") this.#exit({ mode: LeaveMode.DISCONNECTED });
  }

  /** @internal A sent stanza was acknowledged by the server (XEP-0198). */
  acked(stanza: Element): void {
    this.#trackers.onAck(stanza);
  }

  /** @internal A sent stanza was not acknowledged before the stream was lost (XEP-0198). */
  unacknowledged(stanza: Element): void {
    // One of our groupchat messages the server may never have seen: resend
    // it once the room is rejoined and its history is in, unless the history
    // shows it.
    if (stanza.name !== "message" || stanza.attrs.type !== "groupchat" || stanza.attrs.to !== this.jid.toString()) return;
    if (stanza.getChild("body") === undefined) return;
    const tracked = this.#trackers.onFail(stanza);
    if (this.#state !== "left" && this.#state !== "leaving") this.#resend.push({ stanza, tracked });
  }

  /** @internal A presence from this room's JID. */
  handlePresence(stanza: Element, from: JID): void {
    this.#pinger?.activity();
    const nick = from.resource;
    if (stanza.attrs.type === "error") {
      this.#onErrorPresence(stanza, nick);
      return;
    }
    if (!nick) {
      this.#debug(`ignoring a presence from the bare room JID`);
      return;
    }
    let x: MucUserX | undefined;
    let basics;
    try {
      x = mucUserX.findIn(stanza, NS_CLIENT);
      basics = presenceState.decode(stanza);
    } catch (e) {
      this.#debug(`ignoring a malformed presence from ${nick}`, isDecodeError(e) ? e.message : e);
      return;
    }
    if (!x) {
      this.#debug(`ignoring a presence without muc#user data from ${nick}`);
      return;
    }
    const codes = x.statusCodes;
    const item: MucUserItem = x.items[0] ?? {};
    const isSelf =
      codes.includes(StatusCode.SELF_PRESENCE) ||
      ((this.#state === "joining" || this.#leftWhileJoining()) && nick === this.#nick) ||
      (this.#me !== undefined && nick === this.#me.nick && this.#state !== "joining" && this.#state !== "rejoining");

    if (basics.type === "unavailable") {
      this.#onUnavailable(stanza, nick, x, item, isSelf);
    } else if (basics.type === "available") {
      this.#onAvailable(stanza, nick, x, item, isSelf, basics.show, basics.status);
    }
  }

  /** @internal A message from this room's JID (groupchat, private, error). */
  handleMessage(stanza: Element, from: JID): void {
    this.#pinger?.activity();
    if (this.#leftWhileJoining()) return; // history and subject of a join we gave up on
    const type = stanza.attrs.type;
    if (type === "error") {
      // Errors about what we sent to the room come from the room itself; an
      // occupant cannot fail our messages, subject changes or other requests.
      if (from.resource) {
        this.#debug(`ignoring an error message from occupant ${from.resource}`);
        return;
      }
      if (this.#trackers.onError(stanza)) return;
      for (const l of [...this.#messageErrorListeners]) l({ stanza });
      return;
    }
    let msg;
    try {
      msg = messageContent.decode(stanza);
    } catch (e) {
      this.#debug(`ignoring a malformed message`, isDecodeError(e) ? e.message : e);
      return;
    }
    const nick = from.resource || undefined;
    if (msg.type === "groupchat") {
      this.#onGroupchat(stanza, nick, msg.body, msg.subject);
    } else if ((msg.type === "chat" || msg.type === "normal") && nick !== undefined) {
      const body = defaultText(msg.body);
      if (body === undefined) return;
      this.emit("privateMessage", this.#messageEvent(stanza, nick, body, msg.body, false));
    } else if (nick === undefined) {
      // A message from the room itself that is not groupchat: status codes.
      const x = mucUserX.tryFindIn(stanza, NS_CLIENT);
      if (x && x.statusCodes.length) this.#onStatusCodes(x.statusCodes, stanza);
    }
  }

  // ---------------------------------------------------------------------------
  // Presence handling

  #onErrorPresence(stanza: Element, nick: string): void {
    const error = XMPPError.fromStanza(stanza);
    if (this.#state === "joining" && (nick === "" || nick === this.#nick)) {
      this.#failJoin(error);
      this.#close();
      return;
    }
    if (this.#leftWhileJoining() && (nick === "" || nick === this.#nick)) {
      // The join we gave up on was refused: we are out, as leave() asked.
      this.#exit({ mode: LeaveMode.NORMAL, stanza });
      return;
    }
    // A refused nick change comes from the requested nick (Prosody), from our
    // current one (XEP-0045 §7.6 examples 58–59) or from the room itself.
    if (this.#nickChange && (nick === this.#nickChange.nick || nick === this.nick || nick === "")) {
      this.#endNickChange(error);
      return;
    }
    if (this.#state === "rejoining" && (nick === "" || nick === this.#nick)) {
      this.#exit({ mode: LeaveMode.ERROR, error, stanza });
      return;
    }
    this.#debug(`error presence (${error.condition}) for ${nick || "the room"}`);
  }

  #onUnavailable(stanza: Element, nick: string, x: MucUserX, item: MucUserItem, isSelf: boolean): void {
    const codes = x.statusCodes;
    const occupant = isSelf ? this.#me : this.#others.get(nick);
    if (codes.includes(StatusCode.NEW_NICK) && item.nick) {
      if (!isValidNick(this.jid, item.nick)) {
        this.#debug(`ignoring a nick change of ${nick} to an invalid nick`);
        return;
      }
      if (occupant) this.#rename(occupant, nick, detach(item.nick), stanza);
      return;
    }
    const mode = leaveMode(codes, x);
    const actor = item.actor;
    const reason = item.reason ?? x.destroy?.reason;
    if (occupant) this.#affiliationFrom(occupant, item, reason, stanza);
    if (isSelf) {
      if (this.#state === "joining") {
        // The room removed us while we were joining.
        this.#failJoin(new XMPPError("undefined-condition", { text: `removed while joining (${mode})`, stanza }));
        this.#close();
        return;
      }
      if (mode === LeaveMode.ERROR && this.#autorejoin && this.#state === "joined") {
        // Status 333: removed because of a technical problem; come back.
        void this.#sendRejoin(this.#suspendAndRejoin());
        return;
      }
      this.#exit({ mode, actor, reason, stanza, alternateVenue: x.destroy?.jid });
      return;
    }
    if (occupant) this.#left(occupant, stanza, mode, actor, reason);
  }

  #onAvailable(
    stanza: Element,
    nick: string,
    x: MucUserX,
    item: MucUserItem,
    isSelf: boolean,
    show: PresenceShow | undefined,
    status: Record<string, string>,
  ): void {
    // We left while joining: the room's answer to the join (occupants, our
    // self-presence) is moot; only our unavailable self-presence counts.
    if (this.#leftWhileJoining()) return;
    if (!isSelf && this.#me !== undefined && nick === this.#me.nick) {
      // While rejoining, a presence under our nick without 110 is our old self-presence lingering: nicks stay unique.
      this.#debug(`ignoring a presence under our own nick without status 110`);
      return;
    }
    const codes = x.statusCodes;
    const renamed = this.#renamedTo.get(nick);
    let occupant = isSelf && this.#me && this.#state !== "rejoining" ? this.#me : (renamed ?? this.#others.get(nick));
    if (renamed) this.#renamedTo.delete(nick);
    if (isSelf && this.#state === "rejoining" && this.#me) occupant = this.#me;
    if (isSelf && occupant !== undefined && occupant === this.#me && occupant.nick !== nick) {
      // We are under another nick without a 303 announcing it: the service
      // assigned one on a rejoin (status 210), or skipped the 303.
      const oldNick = occupant.nick;
      this.#evictHolder(nick, occupant, stanza);
      this.#nick = nick;
      updateOccupant(occupant, { nick });
      this.emit("nickChange", { room: this, occupant, oldNick, newNick: nick, stanza });
    }
    const occupantId = occupantIdCodec.tryFindIn(stanza, NS_CLIENT)?.id;
    const hats = hatsCodec.tryFindIn(stanza, NS_CLIENT)?.hats ?? [];

    if (occupant === undefined || (isSelf && this.#me === undefined)) {
      nick = detach(nick);
      const created = new Occupant({
        roomJid: this.jid,
        isSelf,
        nick,
        jid: detachJid(item.jid),
        role: item.role ?? "participant",
        affiliation: item.affiliation ?? "none",
        occupantId: occupantId === undefined ? undefined : detach(occupantId),
        show,
        status: detachTexts(status),
        hats,
      });
      if (isSelf) {
        // Nicks are unique, and the self-presence wins over whoever the room listed under ours.
        this.#evictHolder(nick, created, stanza);
        this.#me = created;
        this.#entered(stanza, codes);
        return;
      }
      this.#others.set(nick, created);
      this.emit("join", { room: this, occupant: created, initial: this.#state === "joining", stanza });
      return;
    }

    this.#stale?.delete(occupant);
    if (item.jid && !(occupant.jid && occupant.jid.equals(item.jid))) updateOccupant(occupant, { jid: detachJid(item.jid) });
    if (occupantId !== undefined && occupantId !== occupant.occupantId) updateOccupant(occupant, { occupantId: detach(occupantId) });
    updateOccupant(occupant, { hats });
    this.#affiliationFrom(occupant, item, item.reason, stanza);
    if (item.role && item.role !== occupant.role) {
      const oldRole = occupant.role;
      updateOccupant(occupant, { role: item.role });
      this.emit("roleChange", { room: this, occupant, oldRole, newRole: item.role, actor: item.actor, reason: item.reason, stanza });
    }
    if (show !== occupant.show || !sameTexts(status, occupant.status)) {
      updateOccupant(occupant, { show, status: detachTexts(status) });
      this.emit("statusChange", { room: this, occupant, show, status, stanza });
    }
    if (isSelf) {
      this.#evictHolder(nick, occupant, stanza);
      if (this.#state === "rejoining") {
        this.#resumed(stanza, codes);
        return;
      }
      // Our nick change is done when our presence under a new nick comes:
      // the one we asked for, or the one the service chose instead (it may
      // modify the nick, XEP-0045 §7.6 example 57, with status 210).
      if (this.#nickChange && (nick === this.#nickChange.nick || nick !== this.#nickChange.from)) this.#endNickChange();
      this.#onStatusCodes(codes, stanza);
    }
  }

  /** Take the affiliation a presence's item states; fire `affiliationChange` when it differs. */
  #affiliationFrom(occupant: Occupant, item: MucUserItem, reason: string | undefined, stanza: Element): void {
    const newAffiliation = item.affiliation;
    if (!newAffiliation || newAffiliation === occupant.affiliation) return;
    const oldAffiliation = occupant.affiliation;
    updateOccupant(occupant, { affiliation: newAffiliation });
    this.emit("affiliationChange", { room: this, occupant, oldAffiliation, newAffiliation, actor: item.actor, reason, stanza });
  }

  #rename(occupant: Occupant, oldNick: string, newNick: string, stanza: Element): void {
    // Nicks are unique: no one takes ours, and whoever else the room said held newNick is gone.
    if (!occupant.isSelf && newNick === this.#me?.nick) {
      this.#debug(`ignoring ${oldNick} taking our nick`);
      return;
    }
    this.#evictHolder(newNick, occupant, stanza);
    if (!occupant.isSelf) {
      this.#others.delete(oldNick);
      this.#others.set(newNick, occupant);
    } else {
      this.#nick = newNick;
    }
    updateOccupant(occupant, { nick: newNick });
    this.#renamedTo.set(newNick, occupant);
    this.emit("nickChange", { room: this, occupant, oldNick, newNick, stanza });
  }

  /** Another occupant the room listed under `nick`, which `occupant` now has: it left (`leave`, NORMAL). */
  #evictHolder(nick: string, occupant: Occupant, stanza: Element): void {
    const holder = this.#others.get(nick);
    if (holder !== undefined && holder !== occupant) this.#left(holder, stanza);
  }

  /** Another occupant left: out of the room (role none), and `leave` fires. */
  #left(occupant: Occupant, stanza: Element | undefined, mode: LeaveMode = LeaveMode.NORMAL, actor?: MucUserItem["actor"], reason?: string): void {
    this.#others.delete(occupant.nick);
    updateOccupant(occupant, { role: "none" });
    this.emit("leave", { room: this, occupant, mode, actor, reason, stanza });
  }

  /** Settle the `setNick()` under way, if any: resolved, or rejected with `error`. */
  #endNickChange(error?: unknown): void {
    const pending = this.#nickChange;
    if (!pending) return;
    this.#nickChange = undefined;
    clearTimeout(pending.timer);
    if (error === undefined) pending.resolve();
    else pending.reject(error);
  }

  #entered(stanza: Element, codes: readonly number[]): void {
    this.#nick = this.#me?.nick ?? this.#nick;
    this.#state = "joined";
    this.#recordCodes(codes, true);
    const join = this.#join;
    this.#join = undefined;
    if (join) clearTimeout(join.timer);
    this.#awaitHistoryEnd();
    this.#startSelfPing();
    this.emit("enter", {
      room: this,
      occupant: this.#me as Occupant,
      statusCodes: codes,
      created: codes.includes(StatusCode.ROOM_CREATED),
      nickAssigned: codes.includes(StatusCode.NICK_ASSIGNED),
      stanza,
    });
    // `enter` first: a `configChange` (say, 170 "this room is logged") is about a room we are in.
    this.#announceConfig(codes, stanza);
    join?.resolve(this);
  }

  #resumed(stanza: Element, codes: readonly number[]): void {
    this.#state = "joined";
    this.#nick = this.#me?.nick ?? this.#nick;
    this.#recordCodes(codes, true);
    const stale = this.#stale;
    this.#stale = undefined;
    if (stale) {
      for (const occupant of stale) {
        if (this.#others.get(occupant.nick) === occupant) this.#left(occupant, undefined);
      }
    }
    this.#awaitHistoryEnd();
    this.emit("resume", { room: this, stanza });
    this.#announceConfig(codes, stanza);
  }

  /** The subject ends the history (§7.2.15); a room that never sends one is caught up after 10 s all the same. */
  #awaitHistoryEnd(): void {
    if (this.#caughtUp || this.#catchUpTimer !== undefined) return;
    this.#catchUpTimer = setTimeout(() => {
      this.#catchUpTimer = undefined;
      this.#debug("no subject after the join; taking the history as over");
      this.#catchUp();
    }, HISTORY_END_TIMEOUT);
    (this.#catchUpTimer as { unref?: () => unknown }).unref?.();
  }

  /**
   * Remember the room features that status codes announce (see
   * {@link Room.features}); a code clears its opposite: 173/174 clear
   * 100/172 and back, 171 clears 170 and back. `replace`: a (re)join's
   * self-presence, which states the features afresh.
   */
  #recordCodes(codes: readonly number[], replace = false): void {
    if (replace) this.#statusCodes = new Set();
    if (codes.includes(StatusCode.NON_ANONYMOUS) || codes.includes(StatusCode.NOW_NON_ANONYMOUS)) {
      this.#statusCodes.delete(StatusCode.NOW_SEMI_ANONYMOUS);
      this.#statusCodes.delete(StatusCode.NOW_FULLY_ANONYMOUS);
    }
    if (codes.includes(StatusCode.NOW_SEMI_ANONYMOUS) || codes.includes(StatusCode.NOW_FULLY_ANONYMOUS)) {
      this.#statusCodes.delete(StatusCode.NON_ANONYMOUS);
      this.#statusCodes.delete(StatusCode.NOW_NON_ANONYMOUS);
    }
    if (codes.includes(StatusCode.LOGGING_ENABLED)) this.#statusCodes.delete(StatusCode.LOGGING_DISABLED);
    if (codes.includes(StatusCode.LOGGING_DISABLED)) this.#statusCodes.delete(StatusCode.LOGGING_ENABLED);
    for (const c of codes) this.#statusCodes.add(c);
  }

  /** Fire `configChange` when the codes announce a configuration change (104, 170–174). */
  #announceConfig(codes: readonly number[], stanza: Element): void {
    if (codes.some((c) => c === StatusCode.CONFIG_CHANGED || (c >= StatusCode.LOGGING_ENABLED && c <= StatusCode.NOW_FULLY_ANONYMOUS))) {
      this.emit("configChange", { room: this, statusCodes: codes, stanza });
    }
  }

  /** Status codes of a later self-presence or of a message from the room. */
  #onStatusCodes(codes: readonly number[], stanza: Element): void {
    this.#recordCodes(codes);
    this.#announceConfig(codes, stanza);
  }

  // ---------------------------------------------------------------------------
  // Message handling

  readonly #messageErrorListeners = new Set<(e: { stanza: Element }) => void>();

  #onGroupchat(stanza: Element, nick: string | undefined, bodies: Record<string, string>, subjects: Record<string, string>): void {
    const body = defaultText(bodies);
    if (body === undefined && Object.keys(subjects).length > 0) {
      this.#onSubject(stanza, nick, subjects);
      return;
    }
    if (nick === undefined) {
      const x = mucUserX.tryFindIn(stanza, NS_CLIENT);
      if (x && x.statusCodes.length) this.#onStatusCodes(x.statusCodes, stanza);
    }
    const delay = delayCodec.tryFindIn(stanza, NS_CLIENT);
    const history = this.isHistory(delay !== undefined);
    if (body === undefined) {
      // A change to another message (a reaction, a retraction) or a chat state: only archived ones can repeat.
      const stanzaId = roomStanzaId(stanza, this.jid);
      if (stanzaId === undefined) return;
      const keys = this.#dedupKeys({ stanzaId, originId: originIdCodec.tryFindIn(stanza, NS_CLIENT)?.id, occupantId: occupantIdCodec.tryFindIn(stanza, NS_CLIENT)?.id, nick, id: undefined, body: "" }, false);
      if (this.#isDuplicate(stanza, keys)) return;
      for (const k of keys) this.#remember(k);
      return;
    }
    const event = this.#messageEvent(stanza, nick, body, bodies, history, delay?.stamp);
    const keys = this.#dedupKeys(event, history);
    if (this.#isDuplicate(stanza, keys)) return;
    for (const k of keys) this.#remember(k);
    this.#noteSeen(delay);
    this.emit("message", event);
  }

  /** Whether a message was delivered before (then it is dropped, and {@link Room.isDuplicate} says so). */
  #isDuplicate(stanza: Element, keys: readonly string[]): boolean {
    if (!keys.some((k) => this.#seen.has(k))) return false;
    this.#debug(`dropping a message already delivered (${keys[0]?.slice(0, 200) ?? ""})`);
    this.#duplicates.add(stanza);
    return true;
  }

  /**
   * @internal Whether the room dropped this groupchat message as one it had
   * delivered before (so {@link onMessageChange} drops it too).
   */
  isDuplicate(stanza: Element): boolean {
    return this.#duplicates.has(stanza);
  }

  /**
   * The keys a message is known by, for de-duplication within a bounded
   * window: the stanza-id the room gave it, and its origin-id together with
   * its sender (occupant-id, else nick), which a resend by the sender keeps.
   * A message with neither is de-duplicated only as history, by author, id
   * and text.
   */
  #dedupKeys(
    event: { readonly stanzaId: string | undefined; readonly originId: string | undefined; readonly occupantId: string | undefined; readonly nick: string | undefined; readonly id: string | undefined; readonly body: string },
    history: boolean,
  ): string[] {
    const keys: string[] = [];
    if (event.stanzaId !== undefined) keys.push(`s\u0000${event.stanzaId}`);
    const sender = event.occupantId ?? (event.nick === undefined ? undefined : `nick\u0000${event.nick}`);
    if (event.originId !== undefined && sender !== undefined) keys.push(`o\u0000${sender}\u0000${event.originId}`);
    if (keys.length === 0 && history) keys.push(`h\u0000${event.nick ?? ""}\u0000${event.id ?? ""}\u0000${event.body}`);
    return keys;
  }

  /**
   * Whether a message arriving now is history: it comes before the subject
   * that ends a (re)join's history (XEP-0045 §7.2.15), and either the
   * self-presence is still to come or it carries a `<delay/>`. Everything
   * after the subject is live, delayed or not (a stream management resend
   * carries a delay). {@link onMessageChange} uses the same rule.
   *
   * @internal
   */
  isHistory(delayed: boolean): boolean {
    return !this.#caughtUp && (this.#state === "joining" || this.#state === "rejoining" || delayed);
  }

  #onSubject(stanza: Element, nick: string | undefined, subjects: Record<string, string>): void {
    const initial = !this.#subjectSeen;
    this.#subjectSeen = true;
    if (initial) this.#catchUp();
    this.#subjects = { ...subjects };
    this.#subject = defaultText(subjects) ?? "";
    this.#subjectSetter = nick;
    this.emit("subjectChange", {
      room: this,
      subject: this.#subject,
      subjects: this.#subjects,
      setterNick: nick,
      setter: nick === undefined ? undefined : this.getOccupant(nick),
      initial,
      delay: delayOf(stanza),
      stanza,
    });
  }

  #messageEvent(
    stanza: Element,
    nick: string | undefined,
    body: string,
    bodies: Record<string, string>,
    history: boolean,
    delay: Date | undefined = delayOf(stanza),
  ): RoomEvents["message"] {
    const originId = originIdCodec.tryFindIn(stanza, NS_CLIENT)?.id;
    const occupantId = occupantIdCodec.tryFindIn(stanza, NS_CLIENT)?.id;
    const id = typeof stanza.attrs.id === "string" ? stanza.attrs.id : undefined;
    const own = nick !== undefined && this.#me !== undefined && (nick === this.#me.nick || (occupantId !== undefined && occupantId === this.#me.occupantId));
    const stanzaId = roomStanzaId(stanza, this.jid);
    let tracker: MessageTracker | undefined;
    if (own && stanza.attrs.type === "groupchat") {
      const match = this.#trackers.match(originId, id);
      if (match && this.#trackers.onReflection(stanza, originId, id, stanzaId)) tracker = match;
    }
    return {
      room: this,
      nick,
      occupant: nick === undefined ? undefined : this.getOccupant(nick),
      body,
      bodies,
      id,
      originId,
      stanzaId,
      occupantId,
      delay,
      history,
      own,
      tracker,
      stanza,
    };
  }

  /**
   * Move the "last message seen" mark (the rejoin asks for history since it):
   * the room's own delay stamp for history, else our clock; never a stamp
   * from the future or from anyone but the room.
   */
  #noteSeen(d: { stamp: Date; from?: JID | undefined } | undefined): void {
    const now = Date.now();
    const stamp = d?.stamp.getTime();
    const when = stamp !== undefined && d?.from !== undefined && d.from.local === this.jid.local && d.from.domain === this.jid.domain && stamp <= now ? stamp : now;
    if (this.#lastSeen === undefined || when > this.#lastSeen) this.#lastSeen = when;
  }

  /**
   * The (re)join's history is over: put the messages a dead stream lost back
   * in the queue, ahead of anything newer, unless the history showed them
   * (or their tracker settled meanwhile); then let the room's sends go.
   */
  #catchUp(): void {
    if (this.#catchUpTimer !== undefined) clearTimeout(this.#catchUpTimer);
    this.#catchUpTimer = undefined;
    if (this.#caughtUp) return;
    this.#caughtUp = true;
    this.#holdForRejoin = false;
    const pending = this.#resend;
    this.#resend = [];
    const me = this.#me;
    const lost: Element[] = [];
    for (const { stanza, tracked } of pending) {
      const originId = originIdCodec.tryFindIn(stanza, NS_CLIENT)?.id;
      const id = typeof stanza.attrs.id === "string" ? stanza.attrs.id : undefined;
      // The history showed it under our identity: delivered.
      if (originId !== undefined && me !== undefined && this.#seen.has(`o\u0000${me.occupantId ?? `nick\u0000${me.nick}`}\u0000${originId}`)) continue;
      // A tracker that settled meanwhile (timed out, closed) has told the app its fate.
      if (tracked && this.#trackers.match(originId, id) === undefined) continue;
      lost.push(stanza);
    }
    if (lost.length) this.#debug(`resending ${lost.length} message(s) the stream lost`);
    this.#ctx.requeue(this, lost);
    this.#ctx.release();
  }

  #remember(key: string): void {
    if (this.#seen.has(key)) return;
    // A ring of the last SEEN_LIMIT keys; the Set answers "seen?" in O(1).
    const evicted = this.#seenRing[this.#seenNext];
    if (evicted !== undefined) this.#seen.delete(evicted);
    this.#seenRing[this.#seenNext] = key;
    this.#seenNext = (this.#seenNext + 1) % SEEN_LIMIT;
    this.#seen.add(key);
  }

  // ---------------------------------------------------------------------------
  // Life cycle

  #startSelfPing(): void {
    const settings = this.#ctx.selfPing;
    if (settings === false || this.#pinger) return;
    this.#pinger = new SelfPinger({
      iq: this.#ctx.iq,
      occupantJid: () => (this.#state === "joined" && !this.#nickChange ? parseJid(occupantJid(this.jid, this.nick)) : undefined),
      ...(settings.interval !== undefined ? { interval: settings.interval } : {}),
      ...(settings.timeout !== undefined ? { timeout: settings.timeout } : {}),
      log: this.#ctx.log,
      onResult: (result) => {
        if (result !== SelfPingResult.NOT_JOINED || this.#state !== "joined") return;
        this.#debug(`self-ping says we are no longer in the room`);
        if (this.#autorejoin) void this.#sendRejoin(this.#suspendAndRejoin());
        else this.#exit({ mode: LeaveMode.ERROR });
      },
    });
    this.#pinger.start();
  }

  #suspendAndRejoin(): Element {
    this.#state = "suspended";
    this.emit("suspend", { room: this });
    this.#stale = new Set(this.#others.values());
    this.#subjectSeen = false;
    this.#caughtUp = false;
    this.#holdForRejoin = true;
    this.#state = "rejoining";
    return this.joinStanza(true);
  }

  async #sendRejoin(stanza: Element): Promise<void> {
    try {
      // Bound to this stream: a new one sends its own rejoin.
      await this.#ctx.send(stanza, { thisStreamOnly: true });
    } catch (e) {
      this.#debug(`rejoin not sent`, e);
    }
  }

  #abandon(error: unknown): void {
    if (this.#state !== "joining") return;
    this.#failJoin(error);
    // If the room confirms the join later, leave again (see MucService).
    this.#close(true);
  }

  #failJoin(error: unknown): void {
    const join = this.#join;
    this.#join = undefined;
    if (!join) return;
    clearTimeout(join.timer);
    join.reject(error);
  }

  #exit(info: { mode: LeaveMode; actor?: MucUserItem["actor"]; reason?: string | undefined; stanza?: Element; alternateVenue?: JID | undefined; error?: XMPPError }): void {
    if (this.#state === "left") return;
    this.#stopTracking();
    if (this.#nickChange) this.#endNickChange(new MucStateError("left the room before the nick change completed"));
    this.#others.clear();
    this.#stale = undefined;
    this.#renamedTo.clear();
    this.#ctx.closed(this, false);
    this.emit("exit", {
      room: this,
      mode: info.mode,
      actor: info.actor,
      reason: info.reason,
      alternateVenue: info.alternateVenue,
      error: info.error,
      stanza: info.stanza,
    });
    const leave = this.#leave;
    this.#leave = undefined;
    if (leave) {
      clearTimeout(leave.timer);
      leave.resolve();
    }
  }

  #close(abandoned = false): void {
    this.#stopTracking();
    this.#ctx.closed(this, abandoned);
  }

  /** Enter the final state: settle trackers, forget messages to resend, stop pinging. */
  #stopTracking(): void {
    this.#holdForRejoin = false;
    if (this.#catchUpTimer !== undefined) clearTimeout(this.#catchUpTimer);
    this.#catchUpTimer = undefined;
    this.#state = "left";
    this.#trackers.abortAll();
    this.#resend = [];
    this.#pinger?.stop();
    this.#pinger = undefined;
  }

  // ---------------------------------------------------------------------------
  // Helpers

  /** Leaving a room we had entered (not a `leave()` while joining: then we were never in). */
  #enteredAndLeaving(): boolean {
    return this.#state === "leaving" && this.#me !== undefined;
  }

  /** `leave()` was called while joining: we never entered, and what the room still sends is moot. */
  #leftWhileJoining(): boolean {
    return this.#state === "leaving" && this.#me === undefined;
  }

  /** A debug log line about this room. */
  #debug(message: string, detail?: unknown): void {
    this.#ctx.log.debug(`room ${this.jid.toString()}: ${message}`, ...(detail === undefined ? [] : [detail]));
  }

  #requireJoined(): void {
    if (!this.joined) throw new MucStateError(`not in room ${this.jid.toString()}`);
  }

  /** How a stanza to this room goes out: it waits while the room catches up after a rejoin. */
  #scope(options: { queue?: boolean } = {}): OutboundOptions {
    return options.queue === undefined ? { room: this.jid.toString() } : { room: this.jid.toString(), queue: options.queue };
  }

  #groupchat(body: string, options: { lang?: string; payloads?: Element[] }): Element {
    this.#requireJoined();
    const id = makeId("m");
    const stanza = xml("message", { type: "groupchat", to: this.jid.toString(), id }, xml("body", options.lang ? { "xml:lang": options.lang } : {}, body));
    stanza.cnode(originIdCodec.encode({ id }));
    for (const p of options.payloads ?? []) stanza.cnode(p);
    return stanza;
  }

  #presence(to: string): Element {
    const stanza = xml("presence", { to });
    const p = this.#joinPresence;
    if (p?.show) stanza.cnode(xml("show", {}, p.show));
    if (p?.status !== undefined) stanza.cnode(xml("status", {}, p.status));
    return stanza;
  }
}

/**
 * A copy of `s` that does not share memory with the stanza text it was cut
 * from. Engines keep substrings as slices of their parent string, so a kept
 * nick or occupant id would otherwise keep a whole network read alive.
 */
function detach(s: string): string {
  return s.length < 13 ? s : (" " + s).slice(1);
}

function detachJid(jid: JID | undefined): JID | undefined {
  return jid === undefined ? undefined : parseJid(detach(jid.toString()));
}

function detachTexts(texts: Record<string, string>): Record<string, string> {
  for (const k in texts) texts[k] = detach(texts[k] as string);
  return texts;
}

/**
 * The LeaveMode an unavailable presence's status codes mean. 333 wins over
 * 307: some servers add 307 to a removal for a technical problem, and
 * XEP-0045 §11.1 tells clients to ignore the 307 then.
 */
function leaveMode(codes: readonly number[], x: MucUserX): LeaveMode {
  if (x.destroy) return LeaveMode.DESTROYED;
  if (codes.includes(StatusCode.BANNED)) return LeaveMode.BANNED;
  if (codes.includes(StatusCode.REMOVED_ERROR)) return LeaveMode.ERROR;
  if (codes.includes(StatusCode.KICKED)) return LeaveMode.KICKED;
  if (codes.includes(StatusCode.REMOVED_AFFILIATION_CHANGE)) return LeaveMode.AFFILIATION_CHANGE;
  if (codes.includes(StatusCode.REMOVED_MEMBERS_ONLY)) return LeaveMode.MODERATION_CHANGE;
  if (codes.includes(StatusCode.REMOVED_SYSTEM_SHUTDOWN)) return LeaveMode.SYSTEM_SHUTDOWN;
  return LeaveMode.NORMAL;
}

export function delayOf(stanza: Element): Date | undefined {
  return delayCodec.tryFindIn(stanza, NS_CLIENT)?.stamp;
}

/** The text without `xml:lang`, else the first one. */
export function defaultText(texts: Record<string, string>): string | undefined {
  const text = texts[""];
  if (text !== undefined) return text;
  for (const k in texts) return texts[k];
  return undefined;
}

function sameTexts(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

/** The XEP-0359 stanza-id the room itself assigned (others can be spoofed); malformed ones count as absent. */
export function roomStanzaId(stanza: Element, room: JID): string | undefined {
  try {
    return stanzaIdCodec.findAllIn(stanza, NS_CLIENT).find((s) => s.by.equals(room))?.id;
  } catch (e) {
    if (isDecodeError(e)) return undefined;
    throw e;
  }
}
