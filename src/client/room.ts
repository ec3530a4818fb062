/**
 * A joined (or joining) MUC room, as the app sees it: its state and its
 * actions. The state machine behind it is `room-core.ts` (life cycle),
 * `room-presence.ts` (presences) and `room-messages.ts` (messages).
 *
 * @module
 */
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { mucUserX } from "../xso/muc-user.js";
import type { PresenceShow } from "../xso/presence.js";
import { originId as originIdCodec } from "../xso/stanza-id.js";
import { directInvite } from "../xso/direct-invite.js";
import { XMPPError } from "../xso/stanza-error.js";
import { NS_MUC_USER } from "../xso/ns.js";
import { CHAT_STATES, chatMarkerPayloads, chatStatePayloads, type ChatState } from "../xso/chat-states.js";
import { attachmentPayloads, type Attachment } from "../xso/file-sharing.js";
import { uploadWith, type UploadFile, type UploadOptions } from "../common/http-upload.js";
import { Emitter } from "../common/emitter.js";
import { AbortError, MucStateError, NotConnectedError, TimeoutError } from "../common/errors.js";
import { makeId } from "./iq.js";
import type { Occupant } from "./occupant.js";
import type { RoomEvents } from "./room-events.js";
import type { MessageTracker } from "./tracker.js";
import { asJid, occupantJid } from "./addresses.js";
import { setAffiliation as requestAffiliation, setRole as requestRole, type SetAffiliationOptions, type SetRoleOptions } from "./moderation.js";
import type { Affiliation, Role } from "../xso/muc-user.js";
import { RoomCore } from "./room-core.js";
import { checkTimeout, startTimeout } from "../common/timers.js";
import type { RoomContext } from "./room-context.js";

/**
 * History to request when joining (XEP-0045 §7.2.15).
 *
 * @category Getting started
 */
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

/**
 * Options of the room's message sends.
 *
 * @category Messages
 */
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

/**
 * Options of `MucService.join`.
 *
 * @category Getting started
 */
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

/**
 * Our availability and status text in a room.
 *
 * @category Joining & presence
 */
export interface PresenceOptions {
  /** `away`, `chat`, `dnd` or `xa`; absent for plainly available. */
  readonly show?: PresenceShow;
  /** The status text. */
  readonly status?: string;
}

/**
 * Room features learned from status codes (`undefined`: the room did not say).
 *
 * @category Discovery
 */
export interface RoomFeatures {
  /** Whether every occupant sees real JIDs (100, 172; cleared by 173, 174). */
  readonly nonAnonymous: boolean | undefined;
  /** Whether the room is logged publicly (170; cleared by 171). */
  readonly logged: boolean | undefined;
}

/**
 * XEP-0410 self-ping timing.
 *
 * @category Joining & presence
 */
export interface SelfPingSettings {
  /** Milliseconds of silence from the room before a ping. @default 900000 (15 minutes) */
  readonly interval?: number;
  /** Milliseconds to wait for the answer. @default 30000 */
  readonly timeout?: number;
}

/**
 * What {@link Room.sendFile} gives back.
 *
 * @category Files
 */
export interface SentFile {
  /** The file as shared: its URL, name, type and size. */
  readonly attachment: Attachment;
  /** The message that shared it. */
  readonly stanza: Element;
}




/** Each room's state, for the service (`roomCore`). */
const cores = new WeakMap<Room, RoomCore>();

/**
 * The state and life cycle behind a {@link Room}: what the service drives.
 * Not part of the package's API.
 *
 * @internal
 */
export function roomCore(room: Room): RoomCore {
  return cores.get(room) as RoomCore;
}

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
 *
 * @category Getting started
 */
export class Room extends Emitter<RoomEvents> {
  // Set by the constructor: `declare` spares a class field that would define it as undefined first.
  /** The room's bare JID. */
  declare readonly jid: JID;

  readonly #core: RoomCore;

  /** @internal Rooms are made by `MucService.join`. */
  constructor(ctx: RoomContext, jid: JID, nick: string, options: JoinOptions) {
    super((event, error) => ctx.log.warn(`room ${jid.toString()}: a '${event}' listener failed`, error));
    this.jid = jid;
    this.#core = new RoomCore(this, ctx, jid, nick, options, (event, payload) => void this.emit(event, payload));
    cores.set(this, this.#core);
  }

  // ---------------------------------------------------------------------------
  // State

  /** Whether we are in the room: the self-presence arrived and we have not left (also while suspended). */
  get joined(): boolean {
    return this.#core.joined;
  }

  /** Whether we are in the room and in sync with it (joined and not suspended). */
  get active(): boolean {
    return this.#core.active;
  }

  /** Us, once the self-presence arrived. */
  get me(): Occupant | undefined {
    return this.#core.me;
  }

  /** Our nick (the requested one until the room confirms or assigns one). */
  get nick(): string {
    return this.#core.nick;
  }

  /** Every occupant, us first. A new array each call. */
  get occupants(): Occupant[] {
    const core = this.#core;
    const out: Occupant[] = [];
    if (core.me) out.push(core.me);
    for (const o of core.others.values()) out.push(o);
    return out;
  }

  /** How many occupants (including us) the room has. */
  get occupantCount(): number {
    return this.#core.others.size + (this.#core.me ? 1 : 0);
  }

  /** The occupant with this nick, if present. */
  getOccupant(nick: string): Occupant | undefined {
    return this.#core.getOccupant(nick);
  }

  /** The subject in the default language (`""` when none). */
  get subject(): string {
    return this.#core.subject;
  }

  /** The subject by `xml:lang` (`""` for the one without). */
  get subjects(): Readonly<Record<string, string>> {
    return this.#core.subjects;
  }

  /** The nick of who set the subject, when the room says. */
  get subjectSetter(): string | undefined {
    return this.#core.subjectSetter;
  }

  /** Whether the room is rejoined automatically (see {@link JoinOptions.autorejoin}). */
  get autorejoin(): boolean {
    return this.#core.autorejoin;
  }

  /** Turn automatic rejoining on or off. */
  set autorejoin(value: boolean) {
    this.#core.autorejoin = value;
  }

  /** The password used to join (and rejoin). */
  get password(): string | undefined {
    return this.#core.password;
  }

  /**
   * Room features learned from status codes: `nonAnonymous` (100, 172; 173
   * and 174 clear it), `logged` (170; 171 clears it). `undefined` when the
   * room did not say.
   */
  get features(): RoomFeatures {
    const c = this.#core.statusCodes;
    const nonAnonymous = c.has(100) || c.has(172) ? true : c.has(173) || c.has(174) ? false : undefined;
    const logged = c.has(170) ? true : c.has(171) ? false : undefined;
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
    const core = this.#core;
    const stanza = core.groupchat(body, options);
    await core.send(stanza, options);
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
   * @param options - `timeout` (ms, default 120 000; `Infinity`: none), `lang`, `payloads`,
   *   `queue: false` to fail rather than wait while disconnected.
   * @returns the tracker, at once.
   * @throws {@link MucStateError} when not in the room; {@link NotConnectedError}
   *   when disconnected and `queue` is `false`; `RangeError` when the timeout
   *   is not above 0 and at most 2³¹ − 1 ms, or `Infinity`.
   */
  sendTrackedMessage(body: string, options: SendOptions & { timeout?: number } = {}): MessageTracker {
    const core = this.#core;
    // Checked before the message is made (the tracker checks it too).
    if (options.timeout !== undefined) checkTimeout("tracking timeout", options.timeout);
    const stanza = core.groupchat(body, options);
    if ((options.queue ?? core.ctx.queueWhileOffline) === false && !core.ctx.connected()) throw new NotConnectedError(`not connected; message to ${this.jid.toString()} not queued as asked`);
    const timeout = options.timeout ?? core.ctx.trackerTimeout;
    const tracker = core.trackers.track(stanza, { timeout });
    core.send(stanza, options).catch((e: unknown) => {
      core.debug(`tracked message not sent`, e);
      core.trackers.onSendError(stanza, e);
    });
    // A tracker that timed out or was closed while its message waited has told the app its fate: the message stays unsent.
    void tracker.done.then((state) => {
      if (state === "timed-out" || state === "closed") core.ctx.withdraw(stanza);
    });
    return tracker;
  }

  /**
   * Tell the room what we are doing (XEP-0085): `composing` while typing,
   * `paused` when we stop, `active` when we are back, `inactive`, `gone`.
   * Sent at once (never queued: a state is stale by the time a stream comes
   * back) in a groupchat message with no body, marked not to be archived.
   *
   * @param state - the chat state.
   * @throws {@link MucStateError} when not in the room; {@link NotConnectedError} when disconnected.
   * @example
   * ```ts
   * input.addEventListener("input", () => void room.setChatState("composing").catch(() => {}));
   * ```
   */
  async setChatState(state: ChatState): Promise<void> {
    const core = this.#core;
    core.requireJoined();
    if (!CHAT_STATES.includes(state)) throw new MucStateError(`unknown chat state '${String(state)}'`);
    const stanza = xml("message", { type: "groupchat", to: this.jid.toString(), id: makeId("cs") }, ...chatStatePayloads(state));
    await core.send(stanza, { queue: false });
  }

  /**
   * Say that we have read a message and those before it (XEP-0333
   * `displayed`), so that our other devices and the room's occupants know:
   * in a groupchat message naming the message by its stanza-id, the id the
   * room gave it. Waits like a message while disconnected.
   *
   * @param message - a `message` event's payload (its `stanzaId` is used), or a stanza-id.
   * @throws {@link MucStateError} when not in the room, or for a message without a stanza-id (a room that does not give them).
   */
  async markDisplayed(message: { readonly stanzaId: string | undefined } | string): Promise<void> {
    const core = this.#core;
    core.requireJoined();
    const id = typeof message === "string" ? message : message.stanzaId;
    if (typeof id !== "string" || id === "") throw new MucStateError("the message has no stanza-id to mark it by");
    await core.send(xml("message", { type: "groupchat", to: this.jid.toString(), id: makeId("mk") }, ...chatMarkerPayloads("displayed", id)));
  }

  /**
   * Share a file in the room: upload it through the user's server (XEP-0363),
   * then send a groupchat message whose body is its URL, with XEP-0066 and
   * XEP-0447 payloads describing it (name, type, size), so that clients show
   * it as a file (an image inline). The message waits like any other while
   * disconnected; the upload itself needs the connection.
   *
   * @param file - `{ data, name, type }` (`data`: a `Uint8Array` or a `Blob`).
   * @param options - the upload service, timeout, abort signal, `fetch`; `description`.
   * @returns the shared file and the sent message.
   * @throws {@link MucStateError} when not in the room; otherwise as `uploadFile` says
   *   (`XMPPError`, `UploadError`, `TimeoutError`, `AbortError`).
   * @example
   * ```ts
   * const input = document.querySelector("input[type=file]")!;
   * const file = input.files![0]!;
   * await room.sendFile({ data: file, name: file.name, type: file.type });
   * ```
   */
  async sendFile(file: UploadFile, options: UploadOptions & { readonly description?: string } = {}): Promise<SentFile> {
    const core = this.#core;
    core.requireJoined();
    const uploaded = await uploadWith(core.ctx, file, options);
    const attachment: Attachment = options.description === undefined ? uploaded : { ...uploaded, description: options.description };
    const stanza = core.groupchat(attachment.url, { payloads: attachmentPayloads(attachment) });
    await core.send(stanza);
    return { attachment, stanza };
  }

  /**
   * Send a private message to an occupant (XEP-0045 §7.5).
   *
   * @param nick - the occupant's nick.
   * @param body - the text.
   * @returns the sent stanza.
   */
  async sendPrivateMessage(nick: string, body: string): Promise<Element> {
    const core = this.#core;
    core.requireJoined();
    const to = occupantJid(this.jid, nick);
    const stanza = xml(
      "message",
      { type: "chat", to, id: makeId("pm") },
      xml("body", {}, body),
      xml("x", { xmlns: NS_MUC_USER }),
      originIdCodec.encode({ id: makeId("o") }),
    );
    await core.send(stanza);
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
    const core = this.#core;
    core.requireJoined();
    // Servers do not broadcast an unchanged subject, so there would be nothing to wait for.
    if (subject === core.subject && core.subjectSeen) return;
    const id = makeId("subj");
    const stanza = xml("message", { type: "groupchat", to: this.jid.toString(), id }, xml("subject", {}, subject));
    const timeout = checkTimeout("subject timeout", options.timeout ?? 30_000);
    await new Promise<void>((resolve, reject) => {
      const timer = startTimeout(() => finish(new TimeoutError("no subject change within the timeout", timeout)), timeout);
      const onSubject = (e: RoomEvents["subjectChange"]): void => {
        if (e.stanza.attrs.id === id || (e.setterNick === this.nick && e.subject === subject)) finish();
      };
      const onError = (e: { stanza: Element }): void => {
        if (e.stanza.attrs.id === id) finish(XMPPError.fromStanza(e.stanza));
      };
      const onExit = (): void => finish(new MucStateError("left the room before the subject change was confirmed"));
      const finish = (err?: unknown): void => {
        clearTimeout(timer);
        this.off("subjectChange", onSubject);
        this.off("exit", onExit);
        core.messageErrorListeners.delete(onError);
        if (err === undefined) resolve();
        else reject(err);
      };
      this.on("subjectChange", onSubject);
      this.on("exit", onExit);
      core.messageErrorListeners.add(onError);
      core.send(stanza).catch(finish);
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
    await requestRole(this.#core.ctx.iq, this.jid, nick, role, options);
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
    await requestAffiliation(this.#core.ctx.iq, this.jid, asJid(jid, "user"), affiliation, options);
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
    const core = this.#core;
    core.requireJoined();
    const to = occupantJid(this.jid, nick);
    if (core.nickChange) throw new MucStateError("a nick change is already in progress");
    if (nick === this.nick) return;
    const timeout = checkTimeout("nick change timeout", options.timeout ?? 30_000);
    await new Promise<void>((resolve, reject) => {
      const timer = startTimeout(() => {
        core.nickChange = undefined;
        reject(new TimeoutError("no nick change confirmation within the timeout", timeout));
      }, timeout);
      core.nickChange = { nick, from: this.nick, resolve, reject, timer };
      core.send(core.presence(to)).catch((e: unknown) => {
        clearTimeout(timer);
        core.nickChange = undefined;
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
    const core = this.#core;
    core.requireJoined();
    core.joinPresence = { show, status };
    await core.send(core.presence(occupantJid(this.jid, this.nick)));
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
    const direct = (options.mode ?? "mediated") === "direct";
    // Direct: to the invitee (XEP-0249). Mediated: to the room, which forwards it.
    const payload = direct
      ? directInvite.encode({ jid: this.jid, reason: options.reason, password: options.password ?? this.#core.password })
      : mucUserX.encode({ invites: [{ to, reason: options.reason }] });
    await this.#core.ctx.send(xml("message", { to: (direct ? to : this.jid).toString(), id: makeId("inv") }, payload));
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
    return this.#core.leave(options);
  }
}
