/**
 * The MUC client service: joins rooms, listens to the connection (its only
 * listener; where each stanza goes is in stanza-router.ts), and offers the
 * administration request aioxmpp's service has. What rooms do as the stream
 * comes and goes is in stream-sessions.ts.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { mucUserX } from "../xso/muc-user.js";
import type { XmppConnection } from "./connection.js";
import { Emitter } from "../common/emitter.js";
import { MucStateError, NotConnectedError, TimeoutError } from "../common/errors.js";
import { asJid, occupantJid, roomJid } from "./addresses.js";
import { setAffiliation as requestAffiliation, type SetAffiliationOptions } from "./moderation.js";
import type { Affiliation } from "../xso/muc-user.js";
import { IqClient, makeId } from "./iq.js";
import { silentLogger, type Logger } from "../common/logger.js";
import { Room, roomCore, type JoinOptions, type SelfPingSettings } from "./room.js";
import type { RoomContext } from "./room-context.js";
import { StanzaRouter, type RoutedInvite } from "./stanza-router.js";
import { OutboundQueue, type OutboundOptions } from "./outbound.js";
import { guardStream, keepListening, type StreamGuardOptions } from "./stream-guard.js";
import { watchLiveness, type LivenessSettings } from "./stream-liveness.js";
import { StreamSessions } from "./stream-sessions.js";
import { checkDelay, checkTimeout } from "../common/timers.js";
import { archivedAfter } from "./archive-fill.js";

/**
 * Options of {@link MucService}.
 *
 * @category Getting started
 */
export interface MucServiceOptions {
  /** Where ignored input and failing listeners are reported. @default silent */
  readonly logger?: Logger;
  /** Default timeout of tracked messages (ms; `Infinity`: none). @default 120000 */
  readonly trackerTimeout?: number;
  /** Default join timeout (ms; `Infinity`: none). @default 30000 */
  readonly joinTimeout?: number;
  /**
   * XEP-0410 self-ping of joined rooms after a silence of `interval` ms
   * (default 15 minutes); `false` turns it off.
   * @default true
   */
  readonly selfPing?: boolean | SelfPingSettings;
  /**
   * What a send does while the stream is down: wait in order for the next
   * stream (`true`), or fail at once with a {@link NotConnectedError}
   * (`false`). Each send may say otherwise (`queue` option).
   * @default true
   */
  readonly queueWhileOffline?: boolean;
  /**
   * Guard an `@xmpp/client` connection against its known faults under
   * connection cuts (see the README, "Behaviour worth knowing"); `false`
   * turns the guard off.
   * @default true
   */
  readonly guardStream?: boolean | StreamGuardOptions;
  /**
   * Notice an `@xmpp/client` stream that has gone silent (a connection that
   * died without a reset): ask the server for a sign of life after a silence,
   * and restart the stream when none comes (see the README, "Reconnects");
   * `false` turns it off.
   * @default true
   */
  readonly liveness?: boolean | LivenessSettings;
}

/**
 * Check the timeouts and delays of `options` before anything is set up (rooms
 * start their self-pings later, while they read a presence).
 *
 * @returns the join timeout.
 * @throws RangeError for the first one out of range.
 */
function checkOptions(options: MucServiceOptions): number {
  if (options.trackerTimeout !== undefined) checkTimeout("trackerTimeout", options.trackerTimeout);
  const { selfPing, guardStream: guard, liveness } = options;
  if (typeof selfPing === "object") {
    if (selfPing.interval !== undefined) checkDelay("selfPing.interval", selfPing.interval);
    if (selfPing.timeout !== undefined) checkDelay("selfPing.timeout", selfPing.timeout);
  }
  if (typeof guard === "object" && guard.negotiationTimeout !== undefined) checkTimeout("negotiationTimeout", guard.negotiationTimeout);
  if (typeof liveness === "object") {
    for (const key of ["idle", "afterSend", "timeout"] as const) {
      const value = liveness[key];
      if (value !== undefined) checkDelay(`liveness.${key}`, value);
    }
  }
  return checkTimeout("joinTimeout", options.joinTimeout ?? 30_000);
}

/**
 * Payload of the `invite` event.
 *
 * @category Joining & presence
 */
export interface InviteEvent {
  /** The service. */
  readonly service: MucService;
  /** The room we are invited to. */
  readonly room: JID;
  /** Who invites us (for a mediated invitation, as the room reports it). */
  readonly from: JID | undefined;
  /** The reason given. */
  readonly reason: string | undefined;
  /** The room password, when the invitation carries it. */
  readonly password: string | undefined;
  /** Whether this continues a one-to-one chat (with its `thread`). */
  readonly continue: boolean;
  /** The thread being continued. */
  readonly thread: string | undefined;
  /** `mediated` (XEP-0045 §7.8.2, through the room) or `direct` (XEP-0249). */
  readonly kind: "mediated" | "direct";
  /** The message. */
  readonly stanza: Element;
  /**
   * Decline the invitation (XEP-0045 §7.8.2, sent through the room to the
   * inviter; also for direct invitations, which have no decline of their own).
   */
  decline(reason?: string): Promise<void>;
}

/**
 * Payload of the `decline` event: someone declined our invitation.
 *
 * @category Joining & presence
 */
export interface DeclineEvent {
  /** The service. */
  readonly service: MucService;
  /** The room. */
  readonly room: JID;
  /** Who declined. */
  readonly from: JID | undefined;
  /** The reason given. */
  readonly reason: string | undefined;
  /** The message. */
  readonly stanza: Element;
}

/**
 * Events of {@link MucService}.
 *
 * @category Getting started
 */
export interface MucServiceEvents {
  /** An invitation to a room arrived (mediated or direct). */
  invite: InviteEvent;
  /** An invitation we sent was declined. */
  decline: DeclineEvent;
  /**
   * Writing to the stream started or stopped: {@link MucService.connected}
   * changed. `false` when the stream goes down (sends wait); `true` once a
   * new or resumed stream is ready (rooms may still be rejoining).
   */
  connectionChange: ConnectionChangeEvent;
}

/**
 * Payload of the `connectionChange` event.
 *
 * @category Joining & presence
 */
export interface ConnectionChangeEvent {
  /** The service. */
  readonly service: MucService;
  /** Whether stanzas are written now. */
  readonly connected: boolean;
}

/**
 * What {@link MucService.join} returns.
 *
 * @category Getting started
 */
export interface JoinResult {
  /** The room, at once: attach handlers before awaiting `joined`. */
  readonly room: Room;
  /**
   * Resolves with the room when our self-presence arrives; rejects with an
   * `XMPPError` (conflict, not-authorized, registration-required, forbidden,
   * service-unavailable, item-not-found, not-acceptable, jid-malformed, …),
   * a `TimeoutError`, or an `AbortError`.
   */
  readonly joined: Promise<Room>;
}


/** What the standalone request functions use of a service: its rooms' context, and its stanzas. */
export interface ServiceContext extends RoomContext {
  /** The connection. */
  readonly conn: XmppConnection;
  /**
   * Hear every incoming stanza, after the service and its rooms handled it
   * (so a room's verdict, such as a duplicate, is known). The service holds
   * the only listener on the connection.
   * @returns a function that stops listening.
   */
  listen(listener: (stanza: Element) => void): () => void;
}

/** Each service's context, for the standalone request functions (`room-admin.ts`, …). */
const contexts = new WeakMap<MucService, ServiceContext>();

/**
 * The IQ client, gated send and logger of a {@link MucService}: what the
 * standalone request functions (`room-admin.ts`) send through. Not part of
 * the package's API.
 *
 * @throws {@link MucStateError} when `muc` is not a `MucService`, or is closed.
 */
export function serviceContext(muc: MucService): ServiceContext {
  const ctx = contexts.get(muc);
  if (ctx === undefined) throw new MucStateError("not a MucService, or one that is closed");
  return ctx;
}

/**
 * The MUC client over an XMPP connection (an `@xmpp/client` entity or
 * anything with the same small surface, like the mock connection of
 * `xmpp-muc-sdk/testing`).
 *
 * @example
 * ```ts
 * import { client } from "@xmpp/client";
 * import { MucService } from "xmpp-muc-sdk";
 *
 * const xmpp = client({ service: "ws://localhost:5280/xmpp-websocket", domain: "localhost", username: "alice", password: "pass" });
 * const muc = new MucService(xmpp);
 * await xmpp.start();
 * const { room, joined } = muc.join("lobby@conference.localhost", "alice", { history: { maxStanzas: 20 } });
 * room.on("message", ({ nick, body }) => console.log(nick, body));
 * await joined;
 * ```
 *
 * @category Getting started
 */
export class MucService extends Emitter<MucServiceEvents> {
  readonly #conn: XmppConnection;
  readonly #log: Logger;
  readonly #iq: IqClient;
  readonly #queue: OutboundQueue;
  readonly #rooms = new Map<string, Room>();
  readonly #joinTimeout: number;
  /** The stream's sessions and what the rooms do at each change. */
  readonly #sessions: StreamSessions;
  /** Where inbound stanzas go. */
  readonly #router: StanzaRouter;
  readonly #ctx: RoomContext;
  readonly #listeners: [string, (...args: never[]) => void][] = [];
  readonly #smListeners: [string, (stanza?: Element) => void][] = [];
  readonly #unguard: () => void;
  readonly #unwatch: () => void;

  /**
   * @param conn - the connection; it may be online already or come online later.
   * @param options - logger, timeouts, self-ping, queueing.
   * @throws RangeError when a timeout or delay of `options` is out of range.
   */
  constructor(conn: XmppConnection, options: MucServiceOptions = {}) {
    const joinTimeout = checkOptions(options);
    const log = options.logger ?? silentLogger;
    super((event, error) => log.warn(`MucService: an '${event}' listener failed`, error));
    this.#conn = conn;
    this.#log = log;
    this.#queue = new OutboundQueue(
      conn,
      log,
      (room) => this.#rooms.has(room) && roomCore(this.#rooms.get(room) as Room).holdsSends,
      (connected) => this.emit("connectionChange", { service: this, connected }),
      // Without stream management, nothing will say which of our messages a dead stream lost: the room keeps them until it shows them.
      (stanza, room) => {
        const written = room === undefined || conn.streamManagement?.enabled ? undefined : this.#rooms.get(room);
        if (written) roomCore(written).writtenUnacknowledged(stanza);
      },
    );
    this.#sessions = new StreamSessions(conn, this.#queue, () => [...this.#rooms.values()]);
    const queueByDefault = options.queueWhileOffline ?? true;
    const send = (stanza: Element, opts: OutboundOptions = {}): Promise<boolean> =>
      this.#queue.send(stanza, opts.queue === undefined ? { ...opts, queue: queueByDefault } : opts);
    this.#router = new StanzaRouter({
      rooms: this.#rooms,
      log,
      send,
      invite: (invite) => this.#emitInvite(invite),
      decline: (decline) => this.emit("decline", { ...decline, service: this }),
    });
    this.#iq = new IqClient(conn, log, send, (l) => this.#router.addListener(l), (iq) => this.#queue.withdraw(iq));
    this.#joinTimeout = joinTimeout;
    const selfPing = options.selfPing ?? true;
    this.#ctx = {
      send,
      requeue: (room, stanzas) => this.#queue.requeue(room.jid.toString(), stanzas),
      release: () => this.#queue.flush(),
      connected: () => this.#queue.ready,
      queueWhileOffline: queueByDefault,
      iq: this.#iq,
      log,
      ownJid: () => conn.jid ?? undefined,
      trackerTimeout: options.trackerTimeout,
      joinTimeout: this.#joinTimeout,
      selfPing: selfPing === false ? false : selfPing === true ? {} : selfPing,
      closed: (room, abandoned) => this.#roomClosed(room, abandoned),
      sendJoin: (room, stanza) => this.#sessions.sendJoinPresence(room, stanza),
      withdraw: (stanza) => this.#queue.withdraw(stanza),
      dropQueued: (room, error) => this.#queue.dropRoom(room.jid.toString(), error),
      betweenSessions: () => this.#sessions.betweenSessions,
      redeliver: (stanzas) => this.#router.redeliver(stanzas),
      archivedAfter: (room, after, limit) => archivedAfter({ iq: this.#iq, listen: (l) => this.#router.addListener(l), timeout: this.#joinTimeout }, room.jid, after, limit),
    };
    contexts.set(this, { ...this.#ctx, conn, listen: (l) => this.#router.addListener(l) });
    this.#unwatch = options.liveness === false ? () => {} : watchLiveness(conn, log, options.liveness === true ? {} : (options.liveness ?? {}));
    this.#unguard = options.guardStream === false ? () => {} : guardStream(conn, log, options.guardStream === true ? {} : (options.guardStream ?? {}));
    this.#listen("stanza", (el: Element) => this.#router.route(el));
    // Kept by every guard, also when this service is made while a stream is negotiated.
    this.#listen("nonza", keepListening((el: Element) => this.#sessions.onNonza(el)));
    this.#listen("online", () => void this.#sessions.streamUp());
    this.#listen("disconnect", () => this.#sessions.streamDown());
    this.#listen("offline", () => this.#sessions.offline());
    const sm = conn.streamManagement;
    if (sm?.on) {
      this.#smListeners.push(
        [
          "ack",
          (stanza) => {
            if (stanza) for (const room of this.#rooms.values()) roomCore(room).acked(stanza);
          },
        ],
        [
          "fail",
          (stanza) => {
            if (stanza) for (const room of this.#rooms.values()) roomCore(room).unacknowledged(stanza);
          },
        ],
        // A resumed stream emits no `online`.
        ["resumed", () => this.#sessions.streamResumed()],
      );
      for (const [event, fn] of this.#smListeners) sm.on(event as "ack", fn);
    }
    if (conn.status === "online") void this.#sessions.streamUp();
  }

  /** The rooms joined or being joined. */
  get rooms(): Room[] {
    return [...this.#rooms.values()];
  }

  /** The room with this JID, when joined or being joined. */
  getRoom(jid: JID | string): Room | undefined {
    return this.#rooms.get(roomJid(jid).toString());
  }

  /**
   * Whether stanzas are written now: the stream is online, bound, and stream
   * management is settled. While `false`, what is sent waits in order (or is
   * refused with a {@link NotConnectedError} when sent with `queue: false`).
   */
  get connected(): boolean {
    return this.#queue.ready;
  }

  /**
   * Join a room (XEP-0045 §7.2). While the stream is down, the join waits
   * for it; a join under way when a new stream replaces ours is sent again on
   * the new stream (its timeout keeps running).
   *
   * @param mucJid - the room's bare JID.
   * @param nick - our nick in the room.
   * @param options - password, history, autorejoin, timeout, signal, presence.
   * @returns the room at once, and a promise of the join's outcome.
   * @throws {@link MucStateError} at once when the JID is not a bare room JID,
   *   the nick is empty or invalid, or the room is already joined or being joined.
   * @throws RangeError at once when the timeout is not above 0 and at most
   *   2³¹ − 1 ms, or `Infinity` (no timeout).
   */
  join(mucJid: JID | string, nick: string, options: JoinOptions = {}): JoinResult {
    const jid = roomJid(mucJid);
    const key = jid.toString();
    if (this.#rooms.has(key)) throw new MucStateError(`room ${key} is already joined or being joined`);
    const timeout = checkTimeout("join timeout", options.timeout ?? this.#joinTimeout);
    occupantJid(jid, nick);
    this.#router.unabandon(key);
    const room = new Room(this.#ctx, jid, nick, options);
    this.#rooms.set(key, room);
    const joined = roomCore(room).awaitJoin(timeout, options.signal);
    // Rejections are for whoever awaits `joined`; an ignored failed join must not crash the process.
    joined.catch(() => {});
    // Written now when the stream is up; otherwise the next stream's start writes it.
    if (this.#queue.ready && this.#rooms.get(key) === room) this.#sessions.sendJoin(room);
    return { room, joined };
  }

  /**
   * Change a user's affiliation with a room, by bare JID (XEP-0045 §9,
   * §10), without being in it (aioxmpp's `Service.set_affiliation`); the
   * same as {@link Room.setAffiliation} and the standalone `setAffiliation`.
   *
   * @param mucJid - the room's bare JID.
   * @param jid - the user.
   * @param affiliation - `outcast` (ban), `none`, `member`, `admin` or `owner`.
   * @param options - a `reason`, the `nick` to reserve with a membership, timeout and abort signal.
   * @returns a promise that resolves when the room confirms the change.
   * @throws Rejects with {@link MucStateError} for an invalid JID or an unknown affiliation; `XMPPError` as the room answers.
   * @example
   * ```ts
   * await muc.setAffiliation("coven@chat.shakespeare.lit", "hag66@shakespeare.lit", "member", { nick: "thirdwitch" });
   * ```
   */
  async setAffiliation(mucJid: JID | string, jid: JID | string, affiliation: Affiliation, options: SetAffiliationOptions = {}): Promise<void> {
    await requestAffiliation(this.#iq, roomJid(mucJid), asJid(jid, "user"), affiliation, options);
  }

  /** Stop listening to the connection; what waits to be sent fails with a {@link NotConnectedError}. Rooms are not left (the stream may go on). */
  close(): void {
    for (const [event, fn] of this.#listeners) this.#conn.removeListener(event as "stanza", fn);
    this.#listeners.length = 0;
    const sm = this.#conn.streamManagement;
    for (const [event, fn] of this.#smListeners) sm?.removeListener?.(event as "ack", fn);
    this.#smListeners.length = 0;
    this.#unguard();
    this.#unwatch();
    this.#sessions.close();
    this.#queue.close(new NotConnectedError("the MUC service was closed"));
    this.#iq.close();
    contexts.delete(this);
    this.#router.close();
    // Rooms end silently: their waits settle and their timers (self-ping, rejoin) stop.
    const rooms = [...this.#rooms.values()];
    this.#rooms.clear();
    for (const room of rooms) roomCore(room).serviceClosed();
  }

  // ---------------------------------------------------------------------------
  // Listening to the connection, routing its stanzas

  #listen(event: "stanza" | "nonza" | "online" | "offline" | "disconnect", fn: (...args: never[]) => void): void {
    this.#conn.on(event as "stanza", fn as (el: Element) => void);
    this.#listeners.push([event, fn]);
  }

  #roomClosed(room: Room, abandoned: boolean): void {
    const key = room.jid.toString();
    if (this.#rooms.get(key) === room) this.#rooms.delete(key);
    this.#queue.dropRoom(key, new MucStateError(`left room ${key} before this was sent`));
    if (abandoned) this.#router.abandon(key, room.nick, this.#joinTimeout);
  }

  #emitInvite(info: RoutedInvite): void {
    const decline = async (reason?: string): Promise<void> => {
      const stanza = xml(
        "message",
        { to: info.room.toString(), id: makeId("decl") },
        mucUserX.encode({
          decline: { ...(info.from ? { to: info.from } : {}), ...(reason !== undefined ? { reason } : {}) },
        }),
      );
      await this.#ctx.send(stanza);
    };
    this.emit("invite", { ...info, service: this, decline });
  }
}

export { TimeoutError };
