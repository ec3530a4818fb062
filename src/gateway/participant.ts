/**
 * A participant of a legacy group: a puppet occupant of its MUC room.
 *
 * @module
 */
import type { LinkPreview, MessageHint } from "./messages/message-extras.js";
import { checkSharedUrl } from "./messages/message-refs.js";
import type { LegacyContact } from "./contacts/contact.js";
import { createHash } from "node:crypto";
import type { Affiliation, Role } from "../xso/muc-user.js";
import { sameHats, type Hat, type HatInput } from "../xso/hats.js";
import type { ChatMarker, ChatState } from "../xso/chat-states.js";
import type { Attachment } from "../xso/file-sharing.js";
import type { UploadFile } from "../common/http-upload.js";
import type { RoomAvatar } from "./store/store.js";
import type { LegacyMUC, RemoveOptions } from "./muc.js";

/**
 * A participant's availability: `online` (plainly available), `chat`,
 * `away`, `dnd`, `xa`, or `offline` — in a GROUP room a member who is not
 * around (still listed, shown as `xa`); in a channel, no longer listed.
 *
 * @category Rooms
 */
export type ParticipantShow = "online" | "chat" | "away" | "dnd" | "xa" | "offline";

/**
 * What {@link LegacyParticipant.setPresence} takes.
 *
 * @category Rooms
 */
export interface ParticipantPresence {
  /** Availability. @default "online" */
  readonly show?: ParticipantShow;
  /** A status text, shown next to the nick. */
  readonly status?: string;
}

/**
 * The thread an action belongs to (`<thread/>`, RFC 6121 §5.2.5), when the network has threads.
 *
 * @category Rooms
 */
export interface ThreadOption {
  /** The thread id. */
  readonly thread?: string;
}

/**
 * Options of {@link LegacyParticipant.sendText}.
 *
 * @category Rooms
 */
export interface SendTextOptions {
  /** When it was sent on the legacy network; a time in the past adds `<delay>`. @default now */
  readonly when?: Date;
  /**
   * The legacy id of the message it replies to: the user's clients see an
   * XEP-0461 reply to it, when the gateway archived that message.
   */
  readonly replyTo?: string;
  /** Archive it without delivering it (backfill). */
  readonly archiveOnly?: boolean;
  /** The conversation thread (`<thread/>`) it belongs to. */
  readonly thread?: string;
  /** XEP-0334 processing hints (`no-store`, `store`, `no-copy`, `no-permanent-store`). */
  readonly hints?: readonly MessageHint[];
  /** Previews of the URLs it links to (XEP-0511). */
  readonly linkPreviews?: readonly LinkPreview[];
}

/**
 * What a participant tells its room: everything it does goes through this,
 * which the room gives it (see `muc/participant-events.ts`). Not part of the
 * package's API (no entry point exports it).
 */
export interface ParticipantOutbox {
  /** A message (see {@link LegacyParticipant.sendText}); its XMPP id. */
  message(p: LegacyParticipant, body: string, legacyMsgId: string | undefined, options: SendTextOptions): Promise<string>;
  /** A private message to the user (see {@link LegacyParticipant.sendPrivateText}); its XMPP id. */
  privateMessage(p: LegacyParticipant, body: string, options: Pick<SendTextOptions, "when">): Promise<string>;
  /** A shared file (see {@link LegacyParticipant.sendFile}); its XMPP id. */
  file(p: LegacyParticipant, file: Attachment, legacyMsgId: string | undefined, options: SendTextOptions): Promise<string>;
  /** A chat state (see {@link LegacyParticipant.composing}). */
  chatState(p: LegacyParticipant, state: ChatState): Promise<void>;
  /** A chat marker (see {@link LegacyParticipant.displayed}); false when the message is unknown. */
  marker(p: LegacyParticipant, marker: ChatMarker, legacyMsgId: string): Promise<boolean>;
  /** A correction (see {@link LegacyParticipant.correct}). */
  correct(p: LegacyParticipant, legacyMsgId: string, body: string, options: SendTextOptions): Promise<boolean>;
  /** A retraction (see {@link LegacyParticipant.retract}). */
  retract(p: LegacyParticipant, legacyMsgId: string, options: ThreadOption): Promise<boolean>;
  /** Reactions (see {@link LegacyParticipant.react}). */
  react(p: LegacyParticipant, legacyMsgId: string, emojis: readonly string[], options: ThreadOption): Promise<boolean>;
  /** A moderator's removal (see {@link LegacyParticipant.moderate}). */
  moderate(p: LegacyParticipant, legacyMsgId: string, reason: string | undefined): Promise<boolean>;
  /** Leaving, kicked or banned. */
  remove(p: LegacyParticipant, options?: RemoveOptions): Promise<void>;
  /** A new display name. */
  rename(p: LegacyParticipant, name: string): Promise<void>;
  /** A new role or affiliation. */
  changed(p: LegacyParticipant): Promise<void>;
}

/**
 * What a participant is made from.
 *
 * @category Rooms
 */
export interface ParticipantInit {
  /** Its room. */
  readonly muc: LegacyMUC;
  /** @internal What it tells its room. */
  readonly outbox: ParticipantOutbox;
  /** Its nick (already made safe and unique in the room). */
  readonly nick: string;
  /** Its legacy id. */
  readonly legacyId: string | undefined;
  /** Whether it stands for the user. */
  readonly isUser: boolean;
  /** Whether it stands for the room itself (messages from the bare room JID). */
  readonly isSystem: boolean;
  /** Its XEP-0421 occupant id. */
  readonly occupantId: string;
  /** Affiliation. */
  readonly affiliation: Affiliation;
  /** Role. */
  readonly role: Role;
  /** Real JID, shown in non-anonymous rooms. */
  readonly realJid: string | undefined;
}

/**
 * One member of a legacy group, seen from XMPP as an occupant of the room.
 * Legacy modules get participants from `LegacyMUC.getParticipant()` and make
 * them act: `sendText`, `leave`, `kick`, `ban`, `changeNick`, `setRole`,
 * `setAffiliation`. Subclass it (the module's `Participant`) to keep legacy
 * data on it.
 *
 * @example
 * ```ts
 * const bob = await muc.getParticipant("Bob", { legacyId: "u42" });
 * await bob.sendText("hello", "msg-17");
 * await bob.kick("spam");
 * ```
 *
 * @category Rooms
 */
export class LegacyParticipant {
  /** Its room. */
  readonly muc: LegacyMUC;
  /** Its legacy id, when it has one. */
  readonly legacyId: string | undefined;
  /** Whether it stands for the user. */
  readonly isUser: boolean;
  /** Whether it stands for the room itself. */
  readonly isSystem: boolean;
  /** Its XEP-0421 occupant id, stable across nick changes and restarts. */
  readonly occupantId: string;
  /** Its nick in the room. */
  nick: string;
  /** Its affiliation. */
  affiliation: Affiliation;
  /** Its role. */
  role: Role;
  /** Its real JID, shown in non-anonymous rooms. */
  realJid: string | undefined;
  /** The user's contact this participant is, when the room knows it (`muc.getParticipantByContact`). */
  contact: LegacyContact | undefined;
  readonly #outbox: ParticipantOutbox;
  #show: ParticipantShow = "online";
  #status: string | undefined;
  #avatar: RoomAvatar | undefined;
  #avatarHash: string | undefined;
  #avatarSet = false;
  #hats: readonly Hat[] = [];
  /** Whether its presence and hats as shown are known: not for a participant restored after a restart (see {@link LegacyParticipant.markRestored}). */
  #presenceKnown = true;
  #hatsKnown = true;

  /** @param init - made by the room; use `LegacyMUC.getParticipant()`. */
  constructor(init: ParticipantInit) {
    this.muc = init.muc;
    this.#outbox = init.outbox;
    this.nick = init.nick;
    this.legacyId = init.legacyId;
    this.isUser = init.isUser;
    this.isSystem = init.isSystem;
    this.occupantId = init.occupantId;
    this.affiliation = init.affiliation;
    this.role = init.role;
    this.realJid = init.realJid;
  }

  /**
   * A message from this participant: delivered to every joined resource of
   * the user (preceded by the participant's presence if they have not seen
   * it) and archived.
   *
   * @param body - the text.
   * @param legacyMsgId - the message's legacy id (mapped to the XMPP id).
   * @param options - `when`, `replyTo`, `archiveOnly`.
   * @returns the XMPP id of the message.
   */
  async sendText(body: string, legacyMsgId?: string, options: SendTextOptions = {}): Promise<string> {
    return this.#outbox.message(this, body, legacyMsgId, options);
  }

  /**
   * The participant edited one of their messages on the legacy network: the
   * user's clients get an XEP-0308 correction of the original message. A
   * message the gateway never archived, or someone else's, is ignored
   * (clients accept corrections from the author only).
   *
   * @param legacyMsgId - the legacy id of the message edited (as given to {@link LegacyParticipant.sendText}).
   * @param body - its new text.
   * @param options - `when` it was edited, `thread`, `hints`, `linkPreviews`, and `correctionEventId`: the legacy id of the edit, used as the correction's XMPP id (slidge's `correction_event_id`).
   * @returns whether the message was this participant's and the correction sent.
   */
  async correct(legacyMsgId: string, body: string, options: Pick<SendTextOptions, "when" | "thread" | "hints" | "linkPreviews"> & { readonly correctionEventId?: string } = {}): Promise<boolean> {
    return this.#outbox.correct(this, legacyMsgId, body, options);
  }

  /**
   * The participant deleted one of their messages on the legacy network: the
   * user's clients get an XEP-0424 retraction. A message the gateway never
   * archived, or someone else's (see {@link LegacyParticipant.moderate}), is
   * ignored: clients accept retractions from the author only.
   *
   * @param legacyMsgId - the legacy id of the message deleted.
   * @returns whether the message was this participant's and its retraction sent.
   */
  async retract(legacyMsgId: string, options: ThreadOption = {}): Promise<boolean> {
    return this.#outbox.retract(this, legacyMsgId, options);
  }

  /**
   * The participant's reactions to a message on the legacy network: all of
   * them (none to take them back), sent as XEP-0444 reactions. A message
   * the gateway never archived is ignored.
   *
   * @param legacyMsgId - the legacy id of the message reacted to.
   * @param emojis - the participant's reactions to it now.
   * @returns whether the message was known and the reactions sent.
   */
  async react(legacyMsgId: string, emojis: readonly string[], options: ThreadOption = {}): Promise<boolean> {
    return this.#outbox.react(this, legacyMsgId, emojis, options);
  }

  /**
   * The participant, a moderator on the legacy network, deleted someone's
   * message: the room tells the user's clients with an XEP-0425 moderated
   * retraction, by this participant. A message the gateway never archived
   * is ignored.
   *
   * @param legacyMsgId - the legacy id of the message deleted.
   * @param reason - why, if the network says.
   * @returns whether the message was known and the retraction sent.
   */
  async moderate(legacyMsgId: string, reason?: string): Promise<boolean> {
    return this.#outbox.moderate(this, legacyMsgId, reason);
  }

  /**
   * A private message from this participant to the user (XEP-0045 §7.5): a
   * `chat` message from its occupant JID to each of the user's joined
   * resources, not archived in the room.
   *
   * @param body - the text.
   * @param options - `when` it was sent (a time in the past adds `<delay>`).
   * @returns the XMPP id of the message.
   */
  async sendPrivateText(body: string, options: Pick<SendTextOptions, "when"> = {}): Promise<string> {
    return this.#outbox.privateMessage(this, body, options);
  }

  /**
   * A file from this participant (slidge's `send_file`): a message whose
   * body is the file's URL, with XEP-0066 and XEP-0447 payloads (name, type,
   * size), archived like text. Given bytes (`data`), the gateway first
   * uploads them through its server's XEP-0363 service
   * (`gateway.uploadFile`); given a `url`, it is shared as it is — an
   * absolute `http:` or `https:` one only, the URLs clients fetch.
   *
   * @param file - `{ url, name?, type?, size?, description? }`, or `{ data, name, type? }`.
   * @param legacyMsgId - the legacy id of the message.
   * @param options - `when`, `replyTo`, `archiveOnly`, `thread`, as for `sendText`.
   * @returns the XMPP id of the message.
   * @throws as `gateway.uploadFile` when the upload fails (nothing is sent).
   * @throws TypeError when `url` is not an absolute http(s) URL (nothing is sent or archived).
   * @example
   * ```ts
   * await bob.sendFile({ data: bytes, name: "plan.pdf", type: "application/pdf" }, "msg-42");
   * ```
   */
  async sendFile(file: Attachment | UploadFile, legacyMsgId?: string, options: SendTextOptions = {}): Promise<string> {
    if (!("data" in file)) checkSharedUrl(file.url);
    const attachment = "data" in file ? await this.muc.session.gateway.uploadFile(file) : file;
    return this.#outbox.file(this, attachment, legacyMsgId, options);
  }

  /** The participant is typing (XEP-0085 `composing`), shown to the user's joined resources. */
  async composing(): Promise<void> {
    await this.#outbox.chatState(this, "composing");
  }

  /** The participant stopped typing (XEP-0085 `paused`). */
  async paused(): Promise<void> {
    await this.#outbox.chatState(this, "paused");
  }

  /** The participant is active in the conversation (XEP-0085 `active`). */
  async active(): Promise<void> {
    await this.#outbox.chatState(this, "active");
  }

  /** The participant is not paying attention (XEP-0085 `inactive`). */
  async inactive(): Promise<void> {
    await this.#outbox.chatState(this, "inactive");
  }

  /** The participant left the conversation (XEP-0085 `gone`). */
  async gone(): Promise<void> {
    await this.#outbox.chatState(this, "gone");
  }

  /**
   * The participant read the room up to this message (an XEP-0333
   * `displayed` marker naming it by its stanza-id).
   *
   * @param legacyMsgId - the legacy id of the message.
   * @returns false when the room's archive does not know the message (nothing is sent).
   */
  async displayed(legacyMsgId: string): Promise<boolean> {
    return this.#outbox.marker(this, "displayed", legacyMsgId);
  }

  /** The participant's client received this message (an XEP-0333 `received` marker). @param legacyMsgId - the message. @returns false when unknown. */
  async received(legacyMsgId: string): Promise<boolean> {
    return this.#outbox.marker(this, "received", legacyMsgId);
  }

  /** The participant acknowledged this message (an XEP-0333 `acknowledged` marker). @param legacyMsgId - the message. @returns false when unknown. */
  async ack(legacyMsgId: string): Promise<boolean> {
    return this.#outbox.marker(this, "acknowledged", legacyMsgId);
  }

  /** The participant left the group. */
  async leave(): Promise<void> {
    await this.#outbox.remove(this);
  }

  /** The participant was kicked (status 307). */
  async kick(reason?: string): Promise<void> {
    await this.#outbox.remove(this, { kick: true, ...(reason !== undefined ? { reason } : {}) });
  }

  /** The participant was banned (status 301, affiliation outcast). */
  async ban(reason?: string): Promise<void> {
    await this.#outbox.remove(this, { ban: true, ...(reason !== undefined ? { reason } : {}) });
  }

  /** The participant's display name changed on the legacy network (status 303, then the new presence). */
  async changeNick(name: string): Promise<void> {
    await this.#outbox.rename(this, name);
  }

  /** The participant's role changed. */
  async setRole(role: Role): Promise<void> {
    this.role = role;
    await this.#outbox.changed(this);
  }

  /** The participant's affiliation changed. */
  async setAffiliation(affiliation: Affiliation): Promise<void> {
    this.affiliation = affiliation;
    await this.#outbox.changed(this);
  }

  /** Its availability (see {@link LegacyParticipant.setPresence}). */
  get show(): ParticipantShow {
    return this.#show;
  }

  /** Its status text, if any. */
  get status(): string | undefined {
    return this.#status;
  }

  /**
   * @internal Made from the store after a restart: what its presence and
   * hats were is not kept, so the first ones the module sets are announced
   * even when they equal the defaults (the resources that stayed joined may
   * still show the old ones).
   */
  markRestored(): void {
    this.#presenceKnown = false;
    this.#hatsKnown = false;
  }

  /**
   * The participant's availability and status changed on the legacy
   * network: its occupant presence says so to the user's joined resources
   * (`<show/>`, `<status/>`). `offline` keeps a GROUP room's member listed
   * (shown `xa`, "Offline" unless a status is given) and takes a channel's
   * participant off the list until it is online again. Not kept across
   * restarts: the module sets it again as the network tells it.
   *
   * @param presence - `show` (default `online`) and `status`.
   * @example
   * ```ts
   * await bob.setPresence({ show: "away", status: "Lunch" });
   * await bob.setPresence({ show: "offline" });
   * ```
   */
  async setPresence(presence: ParticipantPresence): Promise<void> {
    const show = presence.show ?? "online";
    if (this.#presenceKnown && show === this.#show && presence.status === this.#status) return;
    this.#presenceKnown = true;
    this.#show = show;
    this.#status = presence.status;
    await this.#outbox.changed(this);
  }

  /** Its avatar, if it has one. */
  get avatar(): RoomAvatar | undefined {
    return this.#avatar;
  }

  /** The SHA-1 (hex) of its avatar, as its presence advertises it (XEP-0153); `undefined` without one. */
  get avatarHash(): string | undefined {
    return this.#avatarHash;
  }

  /**
   * What its presence says of its avatar (XEP-0153 §3.2): the hash; `""`
   * (an empty `<photo/>`) once the module said it has none; `undefined` (no
   * element) while the module never said.
   */
  get advertisedAvatar(): string | undefined {
    return this.#avatarHash ?? (this.#avatarSet ? "" : undefined);
  }

  /**
   * The participant's picture on the legacy network (slidge's `set_avatar`):
   * its presence advertises the hash (XEP-0153), and its vCard, asked at its
   * occupant JID, holds the image. `undefined` removes it.
   *
   * @param avatar - the image and its media type, or `undefined`.
   */
  async setAvatar(avatar: RoomAvatar | undefined): Promise<void> {
    const hash = avatar === undefined ? undefined : createHash("sha1").update(avatar.data).digest("hex");
    if (hash === this.#avatarHash && this.#avatarSet) return;
    this.#avatarSet = true;
    this.#avatar = avatar === undefined ? undefined : { data: new Uint8Array(avatar.data), type: avatar.type };
    this.#avatarHash = hash;
    await this.#outbox.changed(this);
  }

  /** Its hats (XEP-0317). */
  get hats(): readonly Hat[] {
    return this.#hats;
  }

  /**
   * The participant's roles or badges on the legacy network as XEP-0317
   * hats, carried in its occupant presence (`[]` takes them all off).
   *
   * @param hats - each with a `uri` naming it, a `title` to show and, optionally, a `hue` (0–360).
   * @throws TypeError for a hat without a uri or title, RangeError for a hue out of range.
   * @example
   * ```ts
   * await carol.setHats([{ uri: "https://example.org/roles/admin", title: "Admin", hue: 210 }]);
   * ```
   */
  async setHats(hats: readonly HatInput[]): Promise<void> {
    for (const h of hats) {
      if (typeof h.uri !== "string" || h.uri === "" || typeof h.title !== "string" || h.title === "") throw new TypeError("a hat needs a uri and a title");
      if (h.hue !== undefined && !(h.hue >= 0 && h.hue <= 360)) throw new RangeError(`a hat's hue is an angle from 0 to 360, not ${String(h.hue)}`);
    }
    const next: Hat[] = hats.map((h) => ({ uri: h.uri, title: h.title, lang: h.lang, hue: h.hue, payloads: [] }));
    if (this.#hatsKnown && sameHats(next, this.#hats)) return;
    this.#hatsKnown = true;
    this.#hats = next;
    await this.#outbox.changed(this);
  }
}
