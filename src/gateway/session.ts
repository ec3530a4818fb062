/**
 * One registered user's session with the legacy network.
 *
 * @module
 */
import { vcardTemp } from "../xso/vcard.js";
import { NS_VCARD } from "../xso/ns.js";
import { UserResources, type ResourcePresence } from "./user-presence.js";
import type { LegacyRoster } from "./contacts/roster.js";
import type { LegacyContact } from "./contacts/contact.js";
import type { SearchResult } from "./commands/search.js";
import type { LinkPreview } from "./messages/message-extras.js";
import type { Sticker } from "./messages/stickers.js";
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { createHash, randomUUID } from "node:crypto";
import type { PresenceShow } from "../xso/presence.js";
import { XMPPError } from "../xso/stanza-error.js";
import { parseJid } from "../xso/values.js";
import type { BaseGateway } from "./gateway.js";
import type { LegacyBookmarks } from "./bookmarks.js";
import type { LegacyMUC } from "./muc.js";
import type { LegacyParticipant } from "./participant.js";
import type { InviteOptions } from "./invitations.js";
import type { Attachment } from "../xso/file-sharing.js";
import type { JsonValue, UserRecord } from "./store/store.js";

/**
 * Options of {@link BaseSession.onText} and {@link BaseSession.onCorrect}.
 *
 * @category Gateway & sessions
 */
export interface TextOptions {
  /** The XMPP id of the user's message. */
  readonly xmppId: string;
  /**
   * The legacy id of the message it replies to (XEP-0461), when it is a reply
   * to a message the gateway knows the legacy id of. The quote a client adds
   * for clients without replies (its XEP-0428 fallback) is not in `text`.
   */
  readonly replyTo?: string;
  /** The nicks of the room's other occupants the text mentions (as whole words), in room order. */
  readonly mentions: readonly string[];
  /** The message's thread (`<thread/>`, RFC 6121 §5.2.5), when it has one. */
  readonly thread?: string;
  /** In a room, who wrote the message it replies to (slidge's `reply_to`), when still known. */
  readonly replyToAuthor?: LegacyParticipant;
  /** The quote the user's client added for clients without replies (slidge's `reply_to_fallback_text`). */
  readonly replyToFallbackText?: string;
  /** The previews of the URLs it links to that the user's client attached (XEP-0511; slidge's `link_previews`). */
  readonly linkPreviews?: readonly LinkPreview[];
}

/**
 * Options of the chat state and marker hooks ({@link BaseSession.onComposing}, {@link BaseSession.onDisplayed}…).
 *
 * @category Gateway & sessions
 */
export interface AttentionOptions {
  /** The thread it concerns, when the user's client said. */
  readonly thread?: string;
}

/**
 * Options of {@link BaseSession.onRetract} and {@link BaseSession.onReact}.
 *
 * @category Gateway & sessions
 */
export interface MessageActionOptions {
  /** The XMPP id of the user's message (the retraction, the reactions). */
  readonly xmppId: string;
  /** The message's thread (`<thread/>`), when it has one. */
  readonly thread?: string;
}

/**
 * Someone the user invites into a group (see {@link BaseSession.onInvitation}).
 *
 * @category Gateway & sessions
 */
export interface InvitedContact {
  /** The invitee's JID. */
  readonly jid: JID;
  /** The legacy id of a contact of the gateway (`legacy-id@gateway`, XEP-0106 escaped); `undefined` for any other JID. */
  readonly legacyId: string | undefined;
}

/**
 * What a session is made from.
 *
 * @category Gateway & sessions
 */
export interface SessionInit {
  /** The gateway. */
  readonly gateway: BaseGateway;
  /** The registered user. */
  readonly user: UserRecord;
}

/**
 * Where the user writes: a group (a room) or a contact (a direct chat).
 *
 * @category Gateway & sessions
 */
export type Chat = LegacyMUC | LegacyContact;

/**
 * One registered user's session with the legacy network. Subclass it (the
 * module's `Session`): `login()` connects to the legacy network with
 * {@link BaseSession.legacyData}; `onText()` sends the user's messages.
 * Whatever a method throws becomes a stanza error for the user: an
 * `XMPPError` keeps its condition, anything else is `internal-server-error`.
 *
 * @example
 * ```ts
 * class Session extends BaseSession {
 *   client?: LegacyClient;
 *   override async login() { this.client = await LegacyClient.connect(this.legacyData); return `Logged in as ${this.client.name}`; }
 *   override async onText(chat: LegacyMUC, text: string) { return this.client!.send(chat.legacyId, text); }
 * }
 * ```
 *
 * @category Gateway & sessions
 */
export class BaseSession {
  /** The gateway. */
  readonly gateway: BaseGateway;
  /** The user's bare JID. */
  readonly userJid: JID;
  /** The user's rooms (set by the gateway after construction). */
  bookmarks!: LegacyBookmarks;
  /** The user's contacts (set by the gateway after construction). */
  contacts!: LegacyRoster;
  /** Whether `login()` succeeded and `logout()` was not called. */
  loggedIn = false;
  /**
   * Whether the network's message ids are also its thread ids (slidge's
   * `MESSAGE_IDS_ARE_THREAD_IDS`): networks where a thread is made by
   * replying to a message, so every message may start one (Mattermost,
   * Slack). When set, a `<thread/>` the user's client gives is read as the
   * XMPP id of the thread's first message, and the `thread` hooks receive
   * that message's legacy id; a thread the user starts in XMPP becomes the
   * thread of its first message's legacy id. The other way, the `thread`
   * of `sendText` and the like is a legacy message id, sent as that
   * message's XMPP id. When unset (the default), thread ids pass unchanged
   * both ways.
   */
  messageIdsAreThreadIds = false;
  /**
   * A prefix of XMPP message ids that are not mapped to legacy ids (slidge's
   * `SPECIAL_MSG_ID_PREFIX`): the user's reactions to a message whose XMPP
   * id starts with it reach {@link BaseSession.onReact} with that XMPP id as
   * it is, unknown to the store. A module gives such ids to messages it
   * makes up itself, such as the options of a poll (one message each, voted
   * on with a reaction). `undefined` (the default): none.
   *
   * @example
   * ```ts
   * class Session extends BaseSession {
   *   override specialMsgIdPrefix = "poll-";
   *   override async onReact(chat: Chat, legacyMsgId: string, emojis: readonly string[]) {
   *     if (legacyMsgId.startsWith("poll-")) await this.vote(legacyMsgId, emojis.length > 0);
   *   }
   * }
   * ```
   */
  specialMsgIdPrefix: string | undefined = undefined;
  #user: UserRecord;
  readonly #resources = new UserResources();
  /** The hash of the user's avatar last announced (`""`: none), whose handling is done or under way. */
  #avatarHash: string | undefined;
  /** The handling of the user's avatar announcements, one after the other. */
  #avatarWork: Promise<void> = Promise.resolve();

  /** @param init - made by the gateway. */
  constructor(init: SessionInit) {
    this.gateway = init.gateway;
    this.#user = init.user;
    this.userJid = parseJid(init.user.jid);
  }

  /** What `BaseGateway.validate` returned at registration: credentials and settings. */
  get legacyData(): { readonly [key: string]: JsonValue } {
    return this.#user.legacyData;
  }

  /**
   * Connect to the legacy network. The text returned becomes the gateway's
   * status for the user.
   */
  async login(): Promise<string | void> {}

  /** Disconnect from the legacy network (at shutdown or unregistration). */
  async logout(): Promise<void> {}

  /**
   * The user sent a groupchat message.
   *
   * @param chat - the room, or the contact of a direct chat.
   * @param text - the body.
   * @param options - its XMPP id, reply and mentions.
   * @returns the legacy id of the sent message (mapped to the XMPP id), when it has one.
   */
  async onText(chat: Chat, text: string, options: TextOptions): Promise<string | void> {
    void chat;
    void text;
    void options;
    throw new Error("onText is not implemented by this legacy module");
  }

  /**
   * The user shared a file in a room (slidge's `on_file`): a message whose
   * body is the file's URL, with XEP-0447 or XEP-0066 describing it. Send it
   * on the legacy network (fetch it from `file.url`) and return the legacy
   * message id. By default it goes to {@link BaseSession.onText} as its URL.
   *
   * @param chat - the room, or the contact of a direct chat.
   * @param file - the file: its URL and, when the user's client said, name, media type, size, description.
   * @param options - the XMPP id, reply, mentions, thread, as for `onText`.
   * @returns the legacy id of the message, if the network gives one.
   */
  async onFile(chat: Chat, file: Attachment, options: TextOptions): Promise<string | void> {
    return this.onText(chat, file.url, options);
  }

  /**
   * The user sent a sticker (slidge's `on_sticker`): an XEP-0449 sticker of
   * a pack, or an image named by a `cid:` URL (XEP-0231, as Movim sends
   * them). The gateway fetched the image and checked it against the hashes
   * the message states. Send it on the legacy network and return the legacy
   * message id. Only called when a module overrides it: otherwise an
   * XEP-0449 sticker goes to {@link BaseSession.onFile} as the file it is,
   * and a `cid:` one to {@link BaseSession.onText} as its text (refused
   * with `feature-not-implemented` when it has none).
   *
   * @param chat - the room, or the contact of a direct chat.
   * @param sticker - the image, its media type, hashes, pack and textual fallback.
   * @param options - the XMPP id, reply, thread, as for `onText`.
   * @returns the legacy id of the message, if the network gives one.
   */
  async onSticker(chat: Chat, sticker: Sticker, options: TextOptions): Promise<string | void> {
    if (sticker.url !== undefined) return this.onFile(chat, { url: sticker.url, type: sticker.type, description: sticker.description }, options);
    throw new XMPPError("feature-not-implemented", { text: "This network takes no stickers" });
  }

  /** Whether the legacy module takes stickers (overrides {@link BaseSession.onSticker}). */
  get supportsStickers(): boolean {
    return this.onSticker !== BaseSession.prototype.onSticker;
  }

  /**
   * The user corrected one of their messages (XEP-0308). Throw (an
   * `XMPPError` keeps its condition) to refuse; by default corrections are
   * refused with `feature-not-implemented`, and rooms announce the feature
   * only when a module overrides this.
   *
   * @param chat - the room, or the contact of a direct chat.
   * @param text - its new text.
   * @param legacyMsgId - the legacy id of the message corrected.
   * @param options - the XMPP id of the correction, its mentions.
   */
  async onCorrect(chat: Chat, text: string, legacyMsgId: string, options: TextOptions): Promise<void> {
    void chat;
    void text;
    void legacyMsgId;
    void options;
    throw new XMPPError("feature-not-implemented", { text: "This network does not support corrections" });
  }

  /**
   * The user retracted one of their messages (XEP-0424). Throw to refuse; by
   * default retractions are refused with `feature-not-implemented`, and rooms
   * announce the feature only when a module overrides this.
   *
   * @param chat - the room, or the contact of a direct chat.
   * @param legacyMsgId - the legacy id of the message retracted.
   * @param options - the XMPP id of the retraction.
   */
  async onRetract(chat: Chat, legacyMsgId: string, options: MessageActionOptions): Promise<void> {
    void chat;
    void legacyMsgId;
    void options;
    throw new XMPPError("feature-not-implemented", { text: "This network does not support retractions" });
  }

  /**
   * The user reacted to a message (XEP-0444): `emojis` are all of the user's
   * reactions to it now (none: the user took them back). Throw to refuse;
   * by default reactions are refused with `feature-not-implemented`, and
   * rooms announce the feature only when a module overrides this.
   *
   * @param chat - the room, or the contact of a direct chat.
   * @param legacyMsgId - the legacy id of the message reacted to.
   * @param emojis - the user's reactions to it.
   * @param options - the XMPP id of the reactions message.
   */
  async onReact(chat: Chat, legacyMsgId: string, emojis: readonly string[], options: MessageActionOptions): Promise<void> {
    void chat;
    void legacyMsgId;
    void emojis;
    void options;
    throw new XMPPError("feature-not-implemented", { text: "This network does not support reactions" });
  }

  /**
   * The user, a moderator of the room, retracts someone's message (XEP-0425).
   * Throw to refuse; by default moderation is refused with
   * `feature-not-implemented`, and rooms announce the feature only when a
   * module overrides this.
   *
   * @param chat - the room.
   * @param legacyMsgId - the legacy id of the message.
   * @param reason - why, if the moderator said.
   * @param options - nothing yet; for later additions.
   */
  async onModerate(chat: LegacyMUC, legacyMsgId: string, reason: string | undefined, options: Record<string, never>): Promise<void> {
    void chat;
    void legacyMsgId;
    void reason;
    void options;
    throw new XMPPError("feature-not-implemented", { text: "This network does not support moderation" });
  }

  /**
   * The user sent a private message to a participant of a room (XEP-0045
   * §7.5). Send it on the legacy network and return its legacy id. Throw to
   * refuse; by default private messages are refused with `not-acceptable`
   * (the network has none).
   *
   * @param participant - the addressee (its room is `participant.muc`).
   * @param text - the text.
   * @param options - the XMPP id of the message.
   * @returns the legacy id of the message, if the network gives one.
   */
  async onPrivateText(participant: LegacyParticipant, text: string, options: MessageActionOptions): Promise<string | void> {
    void participant;
    void text;
    void options;
    throw new XMPPError("not-acceptable", { text: "This network has no private messages in groups" });
  }

  /**
   * The user invited someone into a group: a direct invitation (XEP-0249)
   * sent to a contact, into one of the user's groups, or a mediated one
   * (XEP-0045 §7.8.2) sent to the room. The default, as slidge's, makes the invitee
   * a member: {@link LegacyMUC.onSetAffiliation} with `member`. Override to
   * invite on the legacy network otherwise; throw to refuse.
   *
   * @param contact - the invitee: its JID and, when it is one of the gateway's contacts (`legacy-id@gateway`), its legacy id.
   * @param muc - the group.
   * @param reason - the user's message to the invitee, if any.
   */
  async onInvitation(contact: InvitedContact, muc: LegacyMUC, reason: string | undefined): Promise<void> {
    const participant = muc.participants.find((p) => p.realJid === contact.jid.toString() || (contact.legacyId !== undefined && p.legacyId === contact.legacyId));
    await muc.onSetAffiliation(participant, contact.jid.toString(), "member", reason);
  }

  /**
   * Invite the user into one of their rooms, from the gateway (slidge's
   * `send_gateway_invite`): their clients offer to join it. A direct
   * invitation (XEP-0249) unless `mode: "mediated"`.
   *
   * @param muc - the room.
   * @param options - `reason`, `password`, `mode`.
   */
  async sendGatewayInvite(muc: LegacyMUC, options: InviteOptions = {}): Promise<void> {
    await this.gateway.inviteTo(muc, this.userJid, options);
  }

  /**
   * The user leaves a group for good (slidge's `on_leave_group`): an XEP-0077
   * `<remove/>` sent to the room. Leave it on the legacy network; when this
   * returns, the room is removed (its joined resources told, its records and
   * archive deleted). Throw to refuse; by default `feature-not-implemented`.
   *
   * @param mucLegacyId - the group's legacy id.
   */
  async onLeaveGroup(mucLegacyId: string): Promise<void> {
    void mucLegacyId;
    throw new XMPPError("feature-not-implemented", { text: "This network does not support leaving groups from XMPP" });
  }

  /**
   * The user creates a group (slidge's `on_create_group`): they joined a room
   * JID of the gateway that names no group (XEP-0045 §10.1). Create it on the
   * legacy network and return its legacy id; the user's join then enters the
   * new room (status 201) under the JID they asked for. Throw to refuse; by
   * default the join is answered `item-not-found`, as for any unknown room.
   *
   * @param name - the group's name: the room JID's localpart, unescaped.
   * @param contacts - who should be members (none when created by a join).
   * @returns the new group's legacy id.
   */
  async onCreateGroup(name: string, contacts: readonly InvitedContact[]): Promise<string> {
    void name;
    void contacts;
    throw new XMPPError("item-not-found", { text: "No such group" });
  }

  /**
   * The user searches the network (slidge's `on_search`): XEP-0055 jabber
   * search on the gateway's JID, the search command, or an XEP-0100 lookup.
   * Return the matches (a `jid` column names the JID for each, when there
   * is one); by default `feature-not-implemented`, and the gateway does not
   * advertise search.
   *
   * @param formValues - the values of the gateway's `searchFields`, by var.
   */
  async onSearch(formValues: Readonly<Record<string, string>>): Promise<SearchResult | void> {
    void formValues;
    throw new XMPPError("feature-not-implemented", { text: "This network has no search" });
  }

  /** Whether the legacy module searches (overrides {@link BaseSession.onSearch}). */
  get supportsSearch(): boolean {
    return this.onSearch !== BaseSession.prototype.onSearch;
  }

  /** Whether the legacy module lets the user leave groups (overrides {@link BaseSession.onLeaveGroup}). */
  get supportsLeavingGroups(): boolean {
    return this.onLeaveGroup !== BaseSession.prototype.onLeaveGroup;
  }

  /** Whether the legacy module creates groups (overrides {@link BaseSession.onCreateGroup}). */
  get supportsGroupCreation(): boolean {
    return this.onCreateGroup !== BaseSession.prototype.onCreateGroup;
  }

  /**
   * The user is typing in a chat (XEP-0085 `composing`). By default nothing
   * happens; override to show it on the legacy network.
   *
   * @param chat - the room, or the contact of a direct chat.
   * @param options - the thread, if any.
   */
  async onComposing(chat: Chat, options: AttentionOptions): Promise<void> {
    void chat;
    void options;
  }

  /** The user stopped typing (XEP-0085 `paused`). By default nothing happens. @param chat - the room, or the contact of a direct chat. @param options - the thread, if any. */
  async onPaused(chat: Chat, options: AttentionOptions): Promise<void> {
    void chat;
    void options;
  }

  /** The user is active in the chat (XEP-0085 `active`). By default nothing happens. @param chat - the room, or the contact of a direct chat. @param options - the thread, if any. */
  async onActive(chat: Chat, options: AttentionOptions): Promise<void> {
    void chat;
    void options;
  }

  /** The user is not paying attention (XEP-0085 `inactive`). By default nothing happens. @param chat - the room, or the contact of a direct chat. @param options - the thread, if any. */
  async onInactive(chat: Chat, options: AttentionOptions): Promise<void> {
    void chat;
    void options;
  }

  /** The user left the conversation (XEP-0085 `gone`). By default nothing happens. @param chat - the room, or the contact of a direct chat. @param options - the thread, if any. */
  async onGone(chat: Chat, options: AttentionOptions): Promise<void> {
    void chat;
    void options;
  }

  /**
   * The user read a room up to a message (XEP-0333 `displayed`, naming it
   * by its stanza-id). By default nothing happens; override to mark it read
   * on the legacy network.
   *
   * @param chat - the room, or the contact of a direct chat.
   * @param legacyMsgId - the legacy id of the message read.
   * @param options - the thread, if any.
   */
  async onDisplayed(chat: Chat, legacyMsgId: string, options: AttentionOptions): Promise<void> {
    void chat;
    void legacyMsgId;
    void options;
  }

  /** Whether the legacy module takes private messages (overrides {@link BaseSession.onPrivateText}). */
  get supportsPrivateMessages(): boolean {
    return this.onPrivateText !== BaseSession.prototype.onPrivateText;
  }

  /** Whether the legacy module handles moderation (overrides {@link BaseSession.onModerate}). */
  get supportsModeration(): boolean {
    return this.onModerate !== BaseSession.prototype.onModerate;
  }

  /** Whether the legacy module handles reactions (overrides {@link BaseSession.onReact}). */
  get supportsReactions(): boolean {
    return this.onReact !== BaseSession.prototype.onReact;
  }

  /** Whether the legacy module handles corrections (overrides {@link BaseSession.onCorrect}). */
  get supportsCorrections(): boolean {
    return this.onCorrect !== BaseSession.prototype.onCorrect;
  }

  /** Whether the legacy module handles retractions (overrides {@link BaseSession.onRetract}). */
  get supportsRetractions(): boolean {
    return this.onRetract !== BaseSession.prototype.onRetract;
  }

  /**
   * Show the gateway's status to the user (a presence from the gateway JID).
   *
   * @param status - the text.
   * @param show - availability; `undefined` for available.
   */
  async sendGatewayStatus(status: string, show?: PresenceShow): Promise<void> {
    const p = xml("presence", { from: this.gateway.jid.toString(), to: this.userJid.toString() });
    if (show) p.cnode(xml("show", {}, show));
    p.cnode(xml("status", {}, status));
    await this.gateway.send(p);
  }

  /**
   * The user's presence changed (slidge's `on_presence`): one of their
   * resources sent the gateway a presence (available, away…, or left).
   * Mirror it on the network if it has a presence; by default nothing.
   *
   * @param resource - the resource whose presence changed.
   * @param presence - its presence; `undefined` when it went offline.
   * @param resources - every resource's presence now.
   * @param merged - the one presence that stands for the user (highest priority, then most available); `undefined` when no resource is online.
   */
  async onPresence(
    resource: string,
    presence: ResourcePresence | undefined,
    resources: ReadonlyMap<string, ResourcePresence>,
    merged: ResourcePresence | undefined,
  ): Promise<void> {
    void resource;
    void presence;
    void resources;
    void merged;
  }

  /** @internal A presence from one of the user's resources to the gateway. */
  async userPresence(resource: string, el: Element): Promise<void> {
    const change = this.#resources.update(resource, el);
    const photo = el.attrs.type === undefined ? el.getChild("x", "vcard-temp:x:update")?.getChildText("photo") : undefined;
    // Not awaited: fetching the vCard may take long, and the user's next stanzas need not wait for it.
    if (typeof photo === "string" && photo !== this.#avatarHash) this.#avatarAnnounced(photo);
    if (change) await this.onPresence(change.resource, change.presence, this.#resources.all, this.#resources.merged);
  }

  /**
   * The user's own avatar changed (slidge's `on_avatar`), as their presence
   * announces it (XEP-0153): the gateway fetched the image from their vCard.
   * Set it as the user's picture on the network; by default nothing. It runs
   * beside the user's stanzas (they do not wait for the vCard), one
   * announcement after the other; an image a later announcement replaced
   * while it was fetched is not handed over. What it throws is logged.
   *
   * @param bytes - the image; `undefined` when the user removed their avatar.
   * @param hash - its SHA-1 (hex), as announced.
   * @param type - its media type.
   * @param width - its width in pixels, when known.
   * @param height - its height in pixels, when known.
   */
  async onAvatar(bytes: Uint8Array | undefined, hash: string | undefined, type: string | undefined, width: number | undefined, height: number | undefined): Promise<void> {
    void bytes;
    void hash;
    void type;
    void width;
    void height;
  }

  /** A presence announced the user's avatar by its hash (`""`: none): handled after the announcements before it. */
  #avatarAnnounced(hash: string): void {
    this.#avatarHash = hash;
    this.#avatarWork = this.#avatarWork.then(() => this.#userAvatar(hash));
  }

  /**
   * The user's avatar with this hash (`""`: none): fetched from their vCard,
   * checked, handed to `onAvatar` — unless a later announcement made it
   * stale meanwhile. Never rejects: a failure is logged, and forgotten so
   * that the next announcement of the hash tries again.
   */
  async #userAvatar(hash: string): Promise<void> {
    if (hash !== this.#avatarHash) return;
    let avatar: { readonly bytes: Uint8Array; readonly type: string } | undefined;
    if (hash !== "") {
      try {
        avatar = await this.#fetchAvatar(hash);
      } catch (e) {
        this.#forgetAvatar(hash);
        this.gateway.log.debug(`fetching ${this.userJid.toString()}'s avatar failed`, e);
        return;
      }
      if (avatar === undefined) return;
    }
    // Another hash announced while the vCard was on its way: this image is no longer the user's.
    if (hash !== this.#avatarHash) return;
    try {
      await (avatar ? this.onAvatar(avatar.bytes, hash, avatar.type, undefined, undefined) : this.onAvatar(undefined, undefined, undefined, undefined, undefined));
    } catch (e) {
      this.#forgetAvatar(hash);
      this.gateway.log.warn(`onAvatar of ${this.userJid.toString()} failed`, e);
    }
  }

  /** The image with this hash in the user's vCard; `undefined` when it has none, or another one. */
  async #fetchAvatar(hash: string): Promise<{ readonly bytes: Uint8Array; readonly type: string } | undefined> {
    const result = await this.gateway.requestIq(this.userJid, "get", vcardTemp.encode({}));
    const card = result.getChild("vCard", NS_VCARD);
    const photo = card ? vcardTemp.decode(card).photo : undefined;
    if (photo?.binval === undefined) return undefined;
    const bytes = new Uint8Array(Buffer.from(photo.binval.replace(/\s+/g, ""), "base64"));
    if (createHash("sha1").update(bytes).digest("hex") !== hash) {
      this.gateway.log.debug(`the avatar in ${this.userJid.toString()}'s vCard is not the one their presence announced`);
      return undefined;
    }
    return { bytes, type: photo.type ?? "image/png" };
  }

  /** The handling of `hash` failed: its next announcement tries again (unless another hash came since). */
  #forgetAvatar(hash: string): void {
    if (this.#avatarHash === hash) this.#avatarHash = undefined;
  }

  /**
   * Tell the gateway the legacy connection dropped (the network logged the
   * user out, the socket closed): the user sees "Disconnected" in the
   * gateway's presence, and the gateway calls `login()` again after its
   * `reloginDelaysMs`, waiting longer after each failure.
   *
   * @param reason - what happened, shown to the user.
   */
  async connectionLost(reason?: string): Promise<void> {
    await this.gateway.connectionLost(this, reason);
  }

  /** Log in again now (`logout()`, then `login()`), as the re-login command does. @returns whether it succeeded. */
  relogin(): Promise<boolean> {
    return this.gateway.relogin(this);
  }

  /** The user's preferences (the gateway's `preferences` fields), by var; defaults for those never set. */
  get preferences(): { readonly [key: string]: JsonValue } {
    const saved = this.gateway.store.users.get(this.userJid.toString())?.preferences ?? {};
    const defaults: Record<string, JsonValue> = {};
    for (const f of this.gateway.preferences) if (f.value !== undefined) defaults[f.var] = f.value;
    return { ...defaults, ...saved };
  }

  /**
   * The user changed their preferences (slidge's `on_preferences`), by the
   * preferences command. Throw an `XMPPError` to refuse them; by default
   * nothing.
   *
   * @param previous - the preferences before.
   * @param next - the new ones, saved once this returns.
   */
  async onPreferences(previous: { readonly [key: string]: JsonValue }, next: { readonly [key: string]: JsonValue }): Promise<void> {
    void previous;
    void next;
  }

  /**
   * Ask the user a question by chat message from the gateway and wait for
   * their answer (slidge's `BaseSession.input`): a confirmation, a code, a
   * choice the network needs in the middle of something.
   *
   * @param text - the question.
   * @param options - `timeoutMs` (default 5 minutes).
   * @returns the answer's text.
   * @throws `TimeoutError` when no answer comes in time; `AbortError` when another question replaces it.
   * @example
   * ```ts
   * const answer = await this.input("Delete this group for everyone? (yes/no)");
   * if (answer.trim().toLowerCase() !== "yes") return;
   * ```
   */
  async input(text: string, options: { readonly timeoutMs?: number } = {}): Promise<string> {
    return this.gateway.input(this.userJid, text, options);
  }

  /**
   * Send the user a QR code from the gateway (slidge's `BaseSession.send_qr`):
   * its text and its image, as {@link BaseGateway.sendQr} does.
   *
   * @param text - what the code says.
   */
  async sendQr(text: string): Promise<void> {
    await this.gateway.sendQr(text, this.userJid);
  }

  /**
   * Send the user a chat message from the gateway itself.
   *
   * @param text - the message.
   */
  async sendGatewayMessage(text: string): Promise<void> {
    await this.gateway.send(xml("message", { from: this.gateway.jid.toString(), to: this.userJid.toString(), type: "chat", id: randomUUID() }, xml("body", {}, text)));
  }

  /**
   * The XMPP id of a legacy message (slidge's `legacy_to_xmpp_msg_id`). By
   * default the id the gateway gave the message when it relayed it, kept in
   * the store; `undefined` when unknown (the gateway then makes one up for a
   * new message). Rooms look their ids up in their own map first (legacy ids
   * need be unique only within a group) and ignore this default's answer,
   * which may be another room's. Override it when XMPP ids can be derived
   * from legacy ids: the gateway asks it for every legacy id its store does
   * not map (a new message gets the id it returns).
   *
   * @param legacyId - the legacy message id.
   */
  legacyToXmppMsgId(legacyId: string): string | undefined {
    return this.gateway.store.messageIds.legacyToXmpp(this.userJid.toString(), legacyId);
  }

  /**
   * The legacy id of an XMPP message (slidge's `xmpp_to_legacy_msg_id`): by
   * default from the store, `undefined` when unknown. Override it together
   * with {@link BaseSession.legacyToXmppMsgId}: the gateway asks it for the
   * ids the user's corrections refer to that its store does not map.
   *
   * @param xmppId - the XMPP message id.
   */
  xmppToLegacyMsgId(xmppId: string): string | undefined {
    return this.gateway.store.messageIds.xmppToLegacy(this.userJid.toString(), xmppId);
  }
}
