/**
 * The MUC client service: joins rooms, routes the rooms' stanzas to them
 * (the only listener on the connection), and offers the administration
 * request aioxmpp's service has. What rooms do as the stream comes and goes
 * is in stream-sessions.ts.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { directInvite } from "../xso/direct-invite.js";
import { mucUserX } from "../xso/muc-user.js";
import { NS_CLIENT, NS_MUC_USER } from "../xso/ns.js";
import { isValidResourcepart, parseJid } from "../xso/values.js";
import { isDecodeError } from "../xso/errors.js";
import type { XmppConnection } from "./connection.js";
import { Emitter } from "../common/emitter.js";
import { MucStateError, NotConnectedError, TimeoutError } from "../common/errors.js";
import { asJid, bareOf, occupantJid, roomJid } from "./addresses.js";
import { setAffiliation as requestAffiliation, type SetAffiliationOptions } from "./moderation.js";
import type { Affiliation } from "../xso/muc-user.js";
import { IqClient, makeId } from "./iq.js";
import { silentLogger, type Logger } from "../common/logger.js";
import { Room, roomCore, type JoinOptions, type RoomContext, type SelfPingSettings } from "./room.js";
import { handlePresence } from "./room-presence.js";
import { handleMessage, heldBack } from "./room-messages.js";
import { OutboundQueue, type OutboundOptions } from "./outbound.js";
import { guardStream, type StreamGuardOptions } from "./stream-guard.js";
import { StreamSessions } from "./stream-sessions.js";

/**
 * Options of {@link MucService}.
 *
 * @category Getting started
 */
export interface MucServiceOptions {
  /** Where ignored input and failing listeners are reported. @default silent */
  readonly logger?: Logger;
  /** Default timeout of tracked messages (ms). @default 120000 */
  readonly trackerTimeout?: number;
  /** Default join timeout (ms). @default 30000 */
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
  /** Rooms whose join timed out or was aborted: answer a late confirmation by leaving. */
  readonly #abandoned = new Map<string, { nick: string; timer: ReturnType<typeof setTimeout> }>();
  readonly #joinTimeout: number;
  /** The stream's sessions and what the rooms do at each change. */
  readonly #sessions: StreamSessions;
  /** Whether held-back room messages are being handled (see {@link MucService.#redeliver}): not held again. */
  #redelivering = false;
  readonly #ctx: RoomContext;
  readonly #listeners: [string, (...args: never[]) => void][] = [];
  readonly #smListeners: [string, (stanza?: Element) => void][] = [];
  readonly #unguard: () => void;
  /** Who hears the stanzas after the rooms: the IQ client, `onMessageChange`, approvals, archive queries. */
  readonly #stanzaListeners = new Set<(stanza: Element) => void>();

  /**
   * @param conn - the connection; it may be online already or come online later.
   * @param options - logger, timeouts, self-ping, queueing.
   */
  constructor(conn: XmppConnection, options: MucServiceOptions = {}) {
    const log = options.logger ?? silentLogger;
    super((event, error) => log.warn(`MucService: an '${event}' listener failed`, error));
    this.#conn = conn;
    this.#log = log;
    this.#queue = new OutboundQueue(
      conn,
      log,
      (room) => this.#rooms.has(room) && roomCore(this.#rooms.get(room) as Room).holdsSends,
      (connected) => this.emit("connectionChange", { service: this, connected }),
    );
    this.#sessions = new StreamSessions(conn, this.#queue, () => [...this.#rooms.values()]);
    const queueByDefault = options.queueWhileOffline ?? true;
    const send = (stanza: Element, opts: OutboundOptions = {}): Promise<boolean> =>
      this.#queue.send(stanza, opts.queue === undefined ? { ...opts, queue: queueByDefault } : opts);
    this.#iq = new IqClient(conn, log, send, (l) => this.#addStanzaListener(l), (iq) => this.#queue.withdraw(iq));
    this.#joinTimeout = options.joinTimeout ?? 30_000;
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
      redeliver: (stanzas) => this.#redeliver(stanzas),
    };
    contexts.set(this, { ...this.#ctx, conn, listen: (l) => this.#addStanzaListener(l) });
    this.#unguard = options.guardStream === false ? () => {} : guardStream(conn, log, options.guardStream === true ? {} : (options.guardStream ?? {}));
    this.#listen("stanza", (el: Element) => this.#onStanza(el));
    this.#listen("nonza", (el: Element) => this.#sessions.onNonza(el));
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
   */
  join(mucJid: JID | string, nick: string, options: JoinOptions = {}): JoinResult {
    const jid = roomJid(mucJid);
    const key = jid.toString();
    if (this.#rooms.has(key)) throw new MucStateError(`room ${key} is already joined or being joined`);
    occupantJid(jid, nick);
    const abandoned = this.#abandoned.get(key);
    if (abandoned) {
      clearTimeout(abandoned.timer);
      this.#abandoned.delete(key);
    }
    const room = new Room(this.#ctx, jid, nick, options);
    this.#rooms.set(key, room);
    const joined = roomCore(room).awaitJoin(options.timeout ?? this.#joinTimeout, options.signal);
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
    this.#sessions.close();
    this.#queue.close(new NotConnectedError("the MUC service was closed"));
    this.#iq.close();
    contexts.delete(this);
    for (const a of this.#abandoned.values()) clearTimeout(a.timer);
    this.#abandoned.clear();
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
    if (abandoned) {
      const timer = setTimeout(() => this.#abandoned.delete(key), this.#joinTimeout);
      this.#abandoned.set(key, { nick: room.nick, timer });
    }
  }

  #onStanza(el: Element): void {
    try {
      if (el.name === "presence") this.#onPresence(el);
      // A message its room holds back is heard by no one until the room lets it go.
      else if (el.name === "message" && this.#onMessage(el) === "held") return;
    } catch (e) {
      // Nothing a peer sends may crash the process or leave a room half-updated.
      this.#log.warn("MucService: failed to handle a stanza", e, el.toString().slice(0, 500));
    }
    // The set itself, not a copy: no allocation per stanza (one removed meanwhile is skipped, one added is heard).
    for (const listener of this.#stanzaListeners) {
      try {
        listener(el);
      } catch (e) {
        this.#log.warn("MucService: a stanza listener failed", e);
      }
    }
  }

  #addStanzaListener(listener: (stanza: Element) => void): () => void {
    // A wrapper per registration: the same function registered twice is heard twice, and each stop removes its own.
    const entry = (el: Element): void => listener(el);
    this.#stanzaListeners.add(entry);
    return () => this.#stanzaListeners.delete(entry);
  }

  /**
   * The room a stanza comes from, found without parsing its `from` when it
   * names a room we are in as we know it (the common case, and the hot path
   * of a join): the room and the resource (`""` for the room itself), or
   * `undefined` (the caller parses the address). An invalid resourcepart,
   * even an empty one after the slash, takes the slow path, which drops it.
   */
  #knownRoom(from: string): Room | undefined {
    const slash = from.indexOf("/");
    const room = this.#rooms.get(slash < 0 ? from : from.slice(0, slash));
    return room !== undefined && (slash < 0 || isValidResourcepart(from.slice(slash + 1))) ? room : undefined;
  }

  #onPresence(el: Element): void {
    const raw = el.attrs.from;
    const known = typeof raw === "string" ? this.#knownRoom(raw) : undefined;
    if (known) {
      handlePresence(roomCore(known), el, resourceOf(raw as string));
      return;
    }
    const from = fromOf(el, this.#log);
    if (!from || !from.local) return;
    const key = `${from.local}@${from.domain}`;
    const room = this.#rooms.get(key);
    if (room) {
      handlePresence(roomCore(room), el, from.resource);
      return;
    }
    const abandoned = this.#abandoned.get(key);
    if (abandoned && el.attrs.type !== "unavailable" && el.attrs.type !== "error") {
      const x = mucUserX.tryFindIn(el, NS_CLIENT);
      if (x?.statusCodes.includes(110) || from.resource === abandoned.nick) {
        clearTimeout(abandoned.timer);
        this.#abandoned.delete(key);
        this.#ctx.send(xml("presence", { type: "unavailable", to: from.toString() })).catch(() => {});
        return;
      }
    }
    if (el.getChild("x", NS_MUC_USER)) this.#log.debug(`ignoring a MUC presence from ${key}, a room we are not in`);
  }

  /**
   * Live messages a room held back until its history was over (see
   * `RoomSync.holdLive`), handled now in their order: by the room, then by
   * the stanza listeners, as if they came now.
   */
  #redeliver(stanzas: readonly Element[]): void {
    this.#redelivering = true;
    try {
      for (const el of stanzas) this.#onStanza(el);
    } finally {
      this.#redelivering = false;
    }
  }

  /** A groupchat message from one of our rooms, unless the room holds it back for now. */
  #roomMessage(room: Room, el: Element, nick: string): "held" | undefined {
    const core = roomCore(room);
    if (!this.#redelivering && heldBack(core, el)) return "held";
    handleMessage(core, el, nick);
    return undefined;
  }

  #onMessage(el: Element): "held" | undefined {
    const raw = el.attrs.from;
    const known = el.attrs.type === "groupchat" && typeof raw === "string" ? this.#knownRoom(raw) : undefined;
    if (known) return this.#roomMessage(known, el, resourceOf(raw as string));
    const from = fromOf(el, this.#log);
    if (!from) return;
    const key = from.local ? `${from.local}@${from.domain}` : undefined;
    const room = key === undefined ? undefined : this.#rooms.get(key);
    if (el.attrs.type !== "groupchat" && el.attrs.type !== "error") {
      // Mediated invitations come from the room (XEP-0045 §7.8.2; the XEP's
      // example 75 sends one from the inviter's occupant JID). Checked before
      // direct ones: Prosody adds a jabber:x:conference element to them too.
      const x = mucUserX.tryFindIn(el, NS_CLIENT);
      const invite = x?.invites[0];
      if (x && invite && from.local) {
        this.#emitInvite({
          room: bareOf(from),
          from: invite.from,
          reason: invite.reason,
          password: x.password,
          continue: invite.continue !== undefined,
          thread: invite.continue?.thread,
          kind: "mediated",
          stanza: el,
        });
        return;
      }
      if (x?.decline && !from.resource) {
        this.emit("decline", { service: this, room: from, from: x.decline.from, reason: x.decline.reason, stanza: el });
        return;
      }
      // Direct invitations (XEP-0249) come from the inviter.
      const direct = directInvite.tryFindIn(el, NS_CLIENT);
      if (direct && (direct.jid.resource || !direct.jid.local)) {
        this.#log.debug(`ignoring a direct invitation to ${direct.jid.toString()}: not a room's bare JID`);
        return;
      }
      if (direct) {
        this.#emitInvite({
          room: direct.jid,
          from,
          reason: direct.reason,
          password: direct.password,
          continue: direct.continue === true,
          thread: direct.thread,
          kind: "direct",
          stanza: el,
        });
        return;
      }
    }
    if (!room) return undefined;
    if (el.attrs.type === "groupchat") return this.#roomMessage(room, el, from.resource);
    handleMessage(roomCore(room), el, from.resource);
    return undefined;
  }

  #emitInvite(info: Omit<InviteEvent, "service" | "decline">): void {
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

/** The resource of an address (`""` when it has none). */
function resourceOf(address: string): string {
  const slash = address.indexOf("/");
  return slash < 0 ? "" : address.slice(slash + 1);
}

/** The `from` of a stanza, parsed; `undefined` (and a debug log) when absent or invalid. */
function fromOf(el: Element, log: Logger): JID | undefined {
  const from = el.attrs.from;
  if (typeof from !== "string") return undefined;
  try {
    return parseJid(from);
  } catch (e) {
    log.debug(`ignoring a ${el.name} with an invalid from`, isDecodeError(e) || e instanceof Error ? e.message : e);
    return undefined;
  }
}


export { TimeoutError };
