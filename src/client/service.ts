/**
 * The MUC client service: joins rooms, routes the room's stanzas to them,
 * rejoins after reconnects, and offers the room administration requests.
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { directInvite } from "../xso/direct-invite.js";
import { mucUserX } from "../xso/muc-user.js";
import { NS_CLIENT, NS_MUC_USER } from "../xso/ns.js";
import { parseJid } from "../xso/values.js";
import { isDecodeError } from "../xso/errors.js";
import type { XmppConnection } from "./connection.js";
import { Emitter } from "./emitter.js";
import { MucStateError, TimeoutError } from "./errors.js";
import { occupantJid, roomJid } from "./addresses.js";
import { IqClient, makeId } from "./iq.js";
import { silentLogger, type Logger } from "./logger.js";
import { Room, type JoinOptions, type RoomContext, type SelfPingSettings } from "./room.js";

/** Options of {@link MucService}. */
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
}

/** Payload of the `invite` event. */
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

/** Payload of the `decline` event: someone declined our invitation. */
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

/** Events of {@link MucService}. */
export interface MucServiceEvents {
  /** An invitation to a room arrived (mediated or direct). */
  invite: InviteEvent;
  /** An invitation we sent was declined. */
  decline: DeclineEvent;
}

/** What {@link MucService.join} returns. */
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


/** What the standalone request functions use of a service: its rooms' context, and the connection. */
export interface ServiceContext extends RoomContext {
  /** The connection, to listen to the stanzas a request brings. */
  readonly conn: XmppConnection;
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
 */
export class MucService extends Emitter<MucServiceEvents> {
  readonly #conn: XmppConnection;
  readonly #log: Logger;
  readonly #iq: IqClient;
  readonly #rooms = new Map<string, Room>();
  /** Rooms whose join timed out or was aborted: answer a late confirmation by leaving. */
  readonly #abandoned = new Map<string, { nick: string; timer: ReturnType<typeof setTimeout> }>();
  readonly #joinTimeout: number;
  readonly #joinSent = new WeakSet<Room>();
  #gate: Promise<void> | undefined;
  readonly #ctx: RoomContext;
  #hadSession: boolean;
  readonly #listeners: [string, (...args: never[]) => void][] = [];
  readonly #smListeners: [string, (stanza?: Element) => void][] = [];

  /**
   * @param conn - the connection; it may be online already or come online later.
   * @param options - logger, timeouts, self-ping.
   */
  constructor(conn: XmppConnection, options: MucServiceOptions = {}) {
    const log = options.logger ?? silentLogger;
    super((event, error) => log.warn(`MucService: an '${event}' listener failed`, error));
    this.#conn = conn;
    this.#log = log;
    this.#iq = new IqClient(conn, log);
    this.#joinTimeout = options.joinTimeout ?? 30_000;
    this.#hadSession = conn.status === "online";
    const selfPing = options.selfPing ?? true;
    this.#ctx = {
      send: (stanza) => this.#send(stanza),
      iq: this.#iq,
      log,
      ownJid: () => conn.jid ?? undefined,
      trackerTimeout: options.trackerTimeout,
      selfPing: selfPing === false ? false : selfPing === true ? {} : selfPing,
      closed: (room, abandoned) => this.#roomClosed(room, abandoned),
    };
    contexts.set(this, { ...this.#ctx, conn });
    if (conn.status === "online") this.#holdUntilStreamManaged();
    this.#listen("stanza", (el: Element) => this.#onStanza(el));
    this.#listen("online", () => this.#onOnline());
    this.#listen("offline", () => this.#onOffline());
    const sm = conn.streamManagement;
    if (sm?.on) {
      this.#smListeners.push(
        [
          "ack",
          (stanza) => {
            if (stanza) for (const room of this.#rooms.values()) room.acked(stanza);
          },
        ],
        [
          "fail",
          (stanza) => {
            if (stanza) for (const room of this.#rooms.values()) room.unacknowledged(stanza);
          },
        ],
        // A resumed stream emits no `online`: send the joins asked for while it was down.
        [
          "resumed",
          () => {
            for (const room of [...this.#rooms.values()]) if (!this.#joinSent.has(room)) void this.#sendJoin(room);
          },
        ],
      );
      for (const [event, fn] of this.#smListeners) sm.on(event as "ack", fn);
    }
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
   * Join a room (XEP-0045 §7.2).
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
    const joined = room.awaitJoin(options.timeout ?? this.#joinTimeout, options.signal);
    // Rejections are for whoever awaits `joined`; an ignored failed join must not crash the process.
    joined.catch(() => {});
    void this.#sendJoin(room);
    return { room, joined };
  }

  /** Stop listening to the connection. Rooms are not left (the stream may go on). */
  close(): void {
    for (const [event, fn] of this.#listeners) this.#conn.removeListener(event as "stanza", fn);
    this.#listeners.length = 0;
    const sm = this.#conn.streamManagement;
    for (const [event, fn] of this.#smListeners) sm?.removeListener?.(event as "ack", fn);
    this.#smListeners.length = 0;
    this.#iq.close();
    contexts.delete(this);
    for (const a of this.#abandoned.values()) clearTimeout(a.timer);
    this.#abandoned.clear();
  }

  // ---------------------------------------------------------------------------

  #listen(event: "stanza" | "online" | "offline", fn: (...args: never[]) => void): void {
    this.#conn.on(event as "stanza", fn as (el: Element) => void);
    this.#listeners.push([event, fn]);
  }

  async #sendJoin(room: Room): Promise<void> {
    // A join aborted before it was sent (an already aborted signal) is not sent at all.
    if (this.#rooms.get(room.jid.toString()) !== room) return;
    if (this.#conn.status !== "online") return; // sent on `online`
    try {
      this.#joinSent.add(room);
      await this.#send(room.joinStanza(false));
    } catch (e) {
      room.joinSendFailed(e);
    }
  }

  /** Send once stream management is settled (see the notes on @xmpp/client's enable race). */
  async #send(stanza: Element): Promise<unknown> {
    // Every send awaits the same gate, so sends keep their order.
    if (this.#gate) await this.#gate;
    return this.#conn.send(stanza);
  }

  /**
   * Hold sends back while a new session negotiates stream management:
   * `@xmpp/client` emits `online` before it sends `<enable/>`, and stanzas
   * sent before `<enabled/>` arrives make the acknowledgement counters
   * disagree (Prosody then closes the stream). Opened on `online`, closed on
   * `<enabled/>`, `<failed/>`, when the session has no stream management, or
   * after 5 s.
   */
  #holdUntilStreamManaged(): void {
    const sm = this.#conn.streamManagement;
    if (!sm || sm.enabled) return;
    const gate = (async (): Promise<void> => {
      // Let the client finish binding and send <enable/> (it does so right after `online`).
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      if (sm.enabled || !sm.enableSent) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.#conn.removeListener("nonza", onNonza);
          resolve();
        };
        const onNonza = (el: Element): void => {
          if (el.attrs.xmlns === "urn:xmpp:sm:3" && (el.name === "enabled" || el.name === "failed")) done();
        };
        const timer = setTimeout(done, 5_000);
        this.#conn.on("nonza", onNonza);
      });
    })();
    this.#gate = gate;
    void gate.finally(() => {
      if (this.#gate === gate) this.#gate = undefined;
    });
  }

  #onOnline(): void {
    this.#holdUntilStreamManaged();
    const replaced = this.#hadSession;
    this.#hadSession = true;
    for (const room of [...this.#rooms.values()]) {
      if (!replaced || (!room.joined && !this.#joinSent.has(room))) {
        void this.#sendJoin(room);
        continue;
      }
      const rejoin = room.streamReplaced();
      if (rejoin) {
        this.#send(rejoin).catch((e: unknown) => this.#log.debug(`rejoin of ${room.jid.toString()} not sent`, e));
      }
    }
  }

  #onOffline(): void {
    for (const room of [...this.#rooms.values()]) room.connectionClosed();
  }

  #roomClosed(room: Room, abandoned: boolean): void {
    const key = room.jid.toString();
    if (this.#rooms.get(key) === room) this.#rooms.delete(key);
    if (abandoned) {
      const timer = setTimeout(() => this.#abandoned.delete(key), this.#joinTimeout);
      this.#abandoned.set(key, { nick: room.nick, timer });
    }
  }

  #onStanza(el: Element): void {
    try {
      if (el.name === "presence") this.#onPresence(el);
      else if (el.name === "message") this.#onMessage(el);
    } catch (e) {
      // Nothing a peer sends may crash the process or leave a room half-updated.
      this.#log.warn("MucService: failed to handle a stanza", e, el.toString().slice(0, 500));
    }
  }

  #onPresence(el: Element): void {
    const from = fromOf(el, this.#log);
    if (!from || !from.local) return;
    const key = `${from.local}@${from.domain}`;
    const room = this.#rooms.get(key);
    if (room) {
      room.handlePresence(el, from);
      return;
    }
    const abandoned = this.#abandoned.get(key);
    if (abandoned && el.attrs.type !== "unavailable" && el.attrs.type !== "error") {
      const x = mucUserX.tryFindIn(el, NS_CLIENT);
      if (x?.statusCodes.includes(110) || from.resource === abandoned.nick) {
        clearTimeout(abandoned.timer);
        this.#abandoned.delete(key);
        this.#send(xml("presence", { type: "unavailable", to: from.toString() })).catch(() => {});
        return;
      }
    }
    if (el.getChild("x", NS_MUC_USER)) this.#log.debug(`ignoring a MUC presence from ${key}, a room we are not in`);
  }

  #onMessage(el: Element): void {
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
          room: from.bare(),
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
    if (room) room.handleMessage(el, from);
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
      await this.#send(stanza);
    };
    this.emit("invite", { ...info, service: this, decline });
  }
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
