/**
 * A contact of the user on the legacy network, as an XMPP entity of the
 * gateway (slidge's `LegacyContact`): `escaped-legacy-id@gateway`, with a
 * name, an avatar, a presence, and the direct chat with the user — what the
 * contact writes, edits, deletes, reacts, types and reads.
 *
 * @module
 */
import { xmppThreadOf } from "../messages/threads.js";
import { checkSharedUrl } from "../messages/message-refs.js";
import { ReadHorizon } from "../messages/read-horizon.js";
import { hintPayloads, linkPreviewPayloads, type LinkPreview, type MessageHint } from "../messages/message-extras.js";
import { createHash, randomUUID } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { chatMarkerPayloads, chatStatePayloads, type ChatState } from "../../xso/chat-states.js";
import { delay } from "../../xso/delay.js";
import { messageCorrection, messageReply, reactionsPayloads, retractionPayloads, RETRACTION_FALLBACK } from "../../xso/message-refs.js";
import { vcardTemp, vcardUpdate } from "../../xso/vcard.js";
import { attachmentPayloads, type Attachment } from "../../xso/file-sharing.js";
import type { UploadFile } from "../../common/http-upload.js";
import { parseJid } from "../../xso/values.js";
import type { BaseSession } from "../session.js";
import type { ParticipantShow } from "../participant.js";
import type { ContactRecord, RoomAvatar } from "../store/store.js";

/**
 * What the gateway makes a contact from (see `LegacyRoster.byLegacyId`).
 *
 * @category Contacts
 */
export interface ContactInit {
  /** The user's session. */
  readonly session: BaseSession;
  /** The contact's id on the legacy network. */
  readonly legacyId: string;
  /** The contact's JID on the gateway. */
  readonly jid: JID;
}

/**
 * Options of the messages a contact sends.
 *
 * @category Contacts
 */
export interface ContactMessageOptions {
  /** When it was sent on the legacy network; a time in the past adds `<delay>`. */
  readonly when?: Date;
  /** The legacy id of the message it replies to (XEP-0461). */
  readonly replyTo?: string;
  /** Send it as written by the user from the legacy network's own client (a carbon: from the user to the contact), when the server grants the message privilege (XEP-0356). */
  readonly carbon?: boolean;
  /** XEP-0334 processing hints. */
  readonly hints?: readonly MessageHint[];
  /** Previews of the URLs it links to (XEP-0511). */
  readonly linkPreviews?: readonly LinkPreview[];
  /** The network's thread it belongs to (a `<thread/>`; see `BaseSession.messageIdsAreThreadIds`). */
  readonly thread?: string;
}

/** XEP-0084 avatar nodes, and PubSub events. */
export const NS_AVATAR_METADATA = "urn:xmpp:avatar:metadata";
export const NS_AVATAR_DATA = "urn:xmpp:avatar:data";
const NS_PUBSUB_EVENT = "http://jabber.org/protocol/pubsub#event";

/** The key under which the store maps a direct message's legacy id. */
export function directMessageKey(contactLegacyId: string, legacyMsgId: string): string {
  return `contact:${contactLegacyId.length}:${contactLegacyId}:${legacyMsgId}`;
}

/** The legacy message id back from a {@link directMessageKey}, if it is one of this contact's. */
export function legacyIdFromKey(contactLegacyId: string, key: string): string | undefined {
  const prefix = `contact:${contactLegacyId.length}:${contactLegacyId}:`;
  return key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
}

/**
 * A contact of the user on the legacy network (slidge's `LegacyContact`).
 * The roster makes one per legacy id; override {@link LegacyContact.updateInfo}
 * to fill in its name and avatar, and call its methods when the contact acts.
 *
 * @example
 * ```ts
 * class Contact extends LegacyContact {
 *   override async updateInfo() {
 *     const profile = await api.user(this.legacyId);
 *     this.name = profile.displayName;
 *     await this.setAvatar(profile.avatar && { data: profile.avatar, type: "image/png" });
 *   }
 * }
 * // later, when the network says so:
 * await contact.sendText("hi!", "msg-17");
 * await contact.setPresence({ show: "away", status: "Lunch" });
 * ```
 *
 * @category Contacts
 */
export class LegacyContact {
  /** The user's session. */
  readonly session: BaseSession;
  /** The contact's id on the legacy network. */
  readonly legacyId: string;
  /** The contact's JID: its escaped legacy id at the gateway. */
  readonly jid: JID;
  /** Its display name. */
  name: string | undefined;
  #isFriend = false;
  /** What it uses, for disco#info (`phone`, `pc`, `web`, `bot`…). @default "pc" */
  clientType = "pc";
  #show: ParticipantShow = "offline";
  #status: string | undefined;
  #avatar: RoomAvatar | undefined;
  #avatarHash: string | undefined;
  readonly #unread = new ReadHorizon();

  /** @param init - made by the roster. */
  constructor(init: ContactInit) {
    this.session = init.session;
    this.legacyId = init.legacyId;
    this.jid = init.jid;
  }

  /** Whether it is in the user's roster (a friend on the network): its presence is sent. Kept in the store. */
  get isFriend(): boolean {
    return this.#isFriend;
  }

  /** Mark it a friend or not (kept in the store); `addToRoster()` also puts it in the user's roster. */
  set isFriend(friend: boolean) {
    if (friend === this.#isFriend) return;
    this.#isFriend = friend;
    this.save();
  }

  /** @internal What the store remembers of it (from before a restart): taken before `updateInfo` runs. */
  restore(record: ContactRecord): void {
    this.#isFriend = record.isFriend;
    if (record.name !== undefined) this.name = record.name;
    if (record.avatar) {
      this.#avatar = { data: new Uint8Array(record.avatar.data), type: record.avatar.type };
      this.#avatarHash = createHash("sha1").update(record.avatar.data).digest("hex");
    }
  }

  /** @internal Remember it in the store (name, friendship, avatar). */
  save(): void {
    this.session.gateway.store.contacts.save({
      userJid: this.session.userJid.toString(),
      legacyId: this.legacyId,
      ...(this.name !== undefined ? { name: this.name } : {}),
      isFriend: this.#isFriend,
      ...(this.#avatar ? { avatar: this.#avatar } : {}),
    });
  }

  /** Fill in the contact's name and avatar from the network; called once, when the roster makes it. */
  async updateInfo(): Promise<void> {}

  /**
   * The user asked to add the contact to their roster (a subscription
   * request to its JID; slidge's `on_friend_request`): send a friend request
   * on the network, or throw to refuse (the user gets `unsubscribed`). By
   * default accepted.
   */
  async onFriendRequest(): Promise<void> {}

  /** The user accepted the contact's own request (slidge's `on_friend_accept`). By default nothing. */
  async onFriendAccept(): Promise<void> {}

  /**
   * The user removed the contact from their roster (slidge's
   * `on_friend_delete`): unfriend it on the network if it has friends. By
   * default nothing.
   */
  async onFriendDelete(): Promise<void> {}

  /** Its presence: `offline`, or online with a show. */
  get show(): ParticipantShow {
    return this.#show;
  }

  /** Its status text. */
  get status(): string | undefined {
    return this.#status;
  }

  /** Its avatar's SHA-1 hash (hex), as XEP-0153 carries it. */
  get avatarHash(): string | undefined {
    return this.#avatarHash;
  }

  /** Its avatar image. */
  get avatar(): RoomAvatar | undefined {
    return this.#avatar;
  }

  /**
   * Its presence on the network (`offline` for gone), sent to the user
   * when the contact is a friend.
   *
   * @param presence - `show` (`online`, `away`, `xa`, `dnd`, `chat` or `offline`) and a `status` text.
   */
  async setPresence(presence: { readonly show?: ParticipantShow; readonly status?: string }): Promise<void> {
    this.#show = presence.show ?? "online";
    this.#status = presence.status;
    if (this.isFriend) await this.session.gateway.send(this.presenceTo(this.session.userJid.toString()));
  }

  /** Online (slidge's `online`). @param status - a status text. */
  online(status?: string): Promise<void> {
    return this.setPresence({ show: "online", ...(status !== undefined ? { status } : {}) });
  }

  /** Away (slidge's `away`). @param status - a status text. */
  away(status?: string): Promise<void> {
    return this.setPresence({ show: "away", ...(status !== undefined ? { status } : {}) });
  }

  /** Busy (slidge's `busy`, XMPP's `dnd`). @param status - a status text. */
  busy(status?: string): Promise<void> {
    return this.setPresence({ show: "dnd", ...(status !== undefined ? { status } : {}) });
  }

  /** Offline (slidge's `offline`). @param status - a last status text. */
  offline(status?: string): Promise<void> {
    return this.setPresence({ show: "offline", ...(status !== undefined ? { status } : {}) });
  }

  /**
   * Its avatar (`undefined` removes it), as both avatar protocols carry it:
   * XEP-0153 (the hash in its presence, the image in its vCard) and XEP-0084
   * (a metadata notification from the contact's JID, the image served from
   * its `urn:xmpp:avatar:data` node).
   *
   * @param avatar - the image bytes and type.
   */
  async setAvatar(avatar: RoomAvatar | undefined): Promise<void> {
    const hash = avatar === undefined ? undefined : createHash("sha1").update(avatar.data).digest("hex");
    if (hash === this.#avatarHash) return;
    this.#avatar = avatar === undefined ? undefined : { data: new Uint8Array(avatar.data), type: avatar.type };
    this.#avatarHash = hash;
    this.save();
    if (!this.isFriend) return;
    const user = this.session.userJid.toString();
    await this.session.gateway.send(this.presenceTo(user));
    await this.session.gateway.send(
      xml("message", { from: this.jid.toString(), to: user, type: "headline", id: randomUUID() }, xml("event", { xmlns: NS_PUBSUB_EVENT }, this.#avatarItems(NS_AVATAR_METADATA))),
    );
  }

  /**
   * @internal The contact's XEP-0084 node `node` (metadata or data) as
   * `<items/>`: its one item, named by the avatar's hash (`id`, when asked
   * for one: none when it differs).
   */
  avatarItems(node: string, id?: string): Element | undefined {
    if (node !== NS_AVATAR_METADATA && node !== NS_AVATAR_DATA) return undefined;
    if (id !== undefined && id !== this.#avatarHash) return xml("items", { node });
    return this.#avatarItems(node);
  }

  #avatarItems(node: string): Element {
    const avatar = this.#avatar;
    const hash = this.#avatarHash;
    if (!avatar || !hash) return xml("items", { node }, ...(node === NS_AVATAR_METADATA ? [xml("item", { id: "current" }, xml("metadata", { xmlns: NS_AVATAR_METADATA }))] : []));
    const payload =
      node === NS_AVATAR_METADATA
        ? xml("metadata", { xmlns: NS_AVATAR_METADATA }, xml("info", { id: hash, bytes: String(avatar.data.length), type: avatar.type }))
        : xml("data", { xmlns: NS_AVATAR_DATA }, Buffer.from(avatar.data).toString("base64"));
    return xml("items", { node }, xml("item", { id: hash }, payload));
  }

  /**
   * Add the contact to the user's XMPP roster (a friend). Where the user's
   * server grants the gateway roster writes (XEP-0356), the contact is put
   * there directly, with its name and the gateway's `rosterGroup`, and its
   * presence follows; otherwise the contact asks the user to subscribe, with
   * its name (XEP-0172), and its presence follows once the user accepts.
   */
  async addToRoster(): Promise<void> {
    this.isFriend = true;
    const gateway = this.session.gateway;
    const user = this.session.userJid;
    try {
      if (await gateway.pushRosterItem(user, { jid: this.jid, name: this.name })) {
        await gateway.send(this.presenceTo(user.toString()));
        return;
      }
    } catch (e) {
      gateway.log.debug(`the roster push of ${this.jid.toString()} failed; asking the user to subscribe instead`, e);
    }
    await gateway.send(
      xml("presence", { from: this.jid.toString(), to: user.toString(), type: "subscribe", id: randomUUID() }, ...(this.name ? [xml("nick", { xmlns: "http://jabber.org/protocol/nick" }, this.name)] : [])),
    );
  }

  /** @internal The contact's presence, to `to`. */
  presenceTo(to: string): Element {
    const attrs: Record<string, string> = { from: this.jid.toString(), to };
    const children: Element[] = [];
    if (this.#show === "offline") attrs.type = "unavailable";
    else if (this.#show !== "online") children.push(xml("show", {}, this.#show));
    if (this.#status) children.push(xml("status", {}, this.#status));
    if (this.#show !== "offline") children.push(vcardUpdate.encode({ photo: this.#avatarHash ?? "" }));
    return xml("presence", attrs, ...children);
  }

  /** @internal The contact's vCard (XEP-0054): its name and avatar. */
  vcard(): Element {
    const avatar = this.#avatar;
    return vcardTemp.encode({
      ...(this.name ? { fullName: this.name } : {}),
      ...(avatar ? { photo: { type: avatar.type, binval: Buffer.from(avatar.data).toString("base64") } } : {}),
    });
  }

  /**
   * The contact writes to the user.
   *
   * @param body - the text.
   * @param legacyMsgId - its legacy id, mapped to the XMPP id (for corrections, replies, reactions).
   * @param options - `when`, `replyTo`, `carbon`, `thread`, `hints`, `linkPreviews`.
   * @returns the XMPP id.
   */
  async sendText(body: string, legacyMsgId?: string, options: ContactMessageOptions = {}): Promise<string> {
    const id = this.#xmppIdFor(legacyMsgId);
    if (legacyMsgId !== undefined && !options.carbon) this.#unread.received(legacyMsgId);
    const replied = options.replyTo === undefined ? undefined : this.xmppIdOf(options.replyTo);
    await this.#send(
      id,
      [
        xml("body", {}, body),
        ...this.#replyPayloads(replied, options),
        xml("markable", { xmlns: "urn:xmpp:chat-markers:0" }),
        ...this.#threadPayloads(options.thread),
        ...hintPayloads(options.hints),
        ...linkPreviewPayloads(options.linkPreviews),
        ...this.#delayPayloads(options),
      ],
      options.carbon === true,
    );
    return id;
  }

  /**
   * The contact corrected a message (XEP-0308).
   *
   * @param legacyMsgId - the message's legacy id.
   * @param text - its new text.
   * @param options - `carbon` for the user's own message, `thread`, `hints`, `linkPreviews`, and `correctionEventId`: the legacy id of the edit, used as the correction's XMPP id.
   */
  async correct(
    legacyMsgId: string,
    text: string,
    options: Pick<ContactMessageOptions, "carbon" | "thread" | "hints" | "linkPreviews"> & { readonly correctionEventId?: string } = {},
  ): Promise<void> {
    const target = this.xmppIdOf(legacyMsgId);
    if (target === undefined) return;
    const payloads = [xml("body", {}, text), messageCorrection.encode({ id: target }), ...this.#threadPayloads(options.thread), ...hintPayloads(options.hints), ...linkPreviewPayloads(options.linkPreviews)];
    await this.#send(options.correctionEventId ?? randomUUID(), payloads, options.carbon === true);
  }

  /**
   * The contact deleted a message (XEP-0424).
   *
   * @param legacyMsgId - the message's legacy id.
   * @param options - `carbon` for the user's own message, `thread`.
   */
  async retract(legacyMsgId: string, options: Pick<ContactMessageOptions, "carbon" | "thread"> = {}): Promise<void> {
    const target = this.xmppIdOf(legacyMsgId);
    if (target === undefined) return;
    await this.#send(randomUUID(), [xml("body", {}, RETRACTION_FALLBACK), ...retractionPayloads(target), ...this.#threadPayloads(options.thread)], options.carbon === true);
  }

  /**
   * The contact's reactions to a message (XEP-0444; `[]` takes them back).
   *
   * @param legacyMsgId - the message's legacy id.
   * @param emojis - all of the contact's reactions to it.
   * @param options - `carbon` for the user's own reactions, `thread`.
   */
  async react(legacyMsgId: string, emojis: readonly string[], options: Pick<ContactMessageOptions, "carbon" | "thread"> = {}): Promise<void> {
    const target = this.xmppIdOf(legacyMsgId);
    if (target === undefined) return;
    await this.#send(randomUUID(), [...reactionsPayloads(target, emojis), ...this.#threadPayloads(options.thread)], options.carbon === true);
  }

  /**
   * The contact sends a file: its bytes (uploaded through the server's
   * XEP-0363 service first, as the gateway) or its URL — an absolute
   * `http:` or `https:` one only, the URLs clients fetch; the message
   * carries the URL as its body with XEP-0066 and XEP-0447 describing it.
   *
   * @param file - `{ data, name, type }` or `{ url, name?, type?, size? }`.
   * @param legacyMsgId - its legacy id.
   * @param options - `when`, `replyTo`, `carbon`, `thread`, `hints`, `linkPreviews`.
   * @returns the XMPP id.
   * @throws as `gateway.uploadFile` when the upload fails (nothing is sent).
   * @throws TypeError when `url` is not an absolute http(s) URL (nothing is sent, no id is mapped).
   */
  async sendFile(file: Attachment | UploadFile, legacyMsgId?: string, options: ContactMessageOptions = {}): Promise<string> {
    // Before anything of the message is recorded (its ids, the unread count).
    if (!("data" in file)) checkSharedUrl(file.url);
    const attachment = "data" in file ? await this.session.gateway.uploadFile(file) : file;
    const id = this.#xmppIdFor(legacyMsgId);
    if (legacyMsgId !== undefined && !options.carbon) this.#unread.received(legacyMsgId);
    const replied = options.replyTo === undefined ? undefined : this.xmppIdOf(options.replyTo);
    await this.#send(
      id,
      [
        xml("body", {}, attachment.url),
        ...attachmentPayloads(attachment),
        ...this.#replyPayloads(replied, options),
        ...this.#threadPayloads(options.thread),
        ...this.#delayPayloads(options),
      ],
      options.carbon === true,
    );
    return id;
  }

  /** The contact is typing (XEP-0085). */
  composing(): Promise<void> {
    return this.#chatState("composing");
  }

  /** The contact stopped typing. */
  paused(): Promise<void> {
    return this.#chatState("paused");
  }

  /** The contact is looking at the chat. */
  active(): Promise<void> {
    return this.#chatState("active");
  }

  /** The contact is away from the chat. */
  inactive(): Promise<void> {
    return this.#chatState("inactive");
  }

  /** The contact left the conversation (XEP-0085 `gone`). */
  gone(): Promise<void> {
    return this.#chatState("gone");
  }

  /**
   * The contact read the user's messages up to this one (XEP-0333 `displayed`).
   *
   * @param legacyMsgId - the message's legacy id.
   */
  async displayed(legacyMsgId: string): Promise<void> {
    const target = this.xmppIdOf(legacyMsgId);
    if (target === undefined) return;
    await this.#send(randomUUID(), chatMarkerPayloads("displayed", target), false);
  }

  /**
   * The contact's device got the user's message (XEP-0184 receipt and
   * XEP-0333 `received`), for networks that say so (`PROPER_RECEIPTS`).
   *
   * @param legacyMsgId - the message's legacy id.
   */
  async received(legacyMsgId: string): Promise<void> {
    const target = this.xmppIdOf(legacyMsgId);
    if (target === undefined) return;
    await this.#send(randomUUID(), [xml("received", { xmlns: "urn:xmpp:receipts", id: target }), ...chatMarkerPayloads("received", target)], false);
  }

  /** @internal The user read up to `legacyMsgId`: the messages to mark read (see `BaseGateway.markAllMessages`). */
  readUpTo(legacyMsgId: string): string[] {
    return this.#unread.read(legacyMsgId, this.session.gateway.markAllMessages);
  }

  /** The XMPP id of one of this chat's messages, by its legacy id. */
  xmppIdOf(legacyMsgId: string): string | undefined {
    const { store } = this.session.gateway;
    return store.messageIds.legacyToXmpp(this.session.userJid.toString(), directMessageKey(this.legacyId, legacyMsgId));
  }

  /** The legacy id of one of this chat's messages, by its XMPP id. */
  legacyIdOf(xmppId: string): string | undefined {
    const key = this.session.gateway.store.messageIds.xmppToLegacy(this.session.userJid.toString(), xmppId);
    return key === undefined ? undefined : legacyIdFromKey(this.legacyId, key);
  }

  /** @internal Map a legacy id of this chat to an XMPP id. */
  mapIds(legacyMsgId: string, xmppId: string): void {
    this.session.gateway.store.messageIds.map(this.session.userJid.toString(), directMessageKey(this.legacyId, legacyMsgId), xmppId);
  }

  #xmppIdFor(legacyMsgId: string | undefined): string {
    if (legacyMsgId === undefined) return randomUUID();
    const known = this.xmppIdOf(legacyMsgId);
    if (known !== undefined) return known;
    const id = randomUUID();
    this.mapIds(legacyMsgId, id);
    return id;
  }

  /** The `<reply/>` to the message with the XMPP id `replied`, when there is one (to whoever wrote it in this chat). */
  #replyPayloads(replied: string | undefined, options: ContactMessageOptions): Element[] {
    return replied === undefined ? [] : [messageReply.encode({ to: options.carbon ? this.jid : this.session.userJid, id: replied })];
  }

  /** The `<thread/>` of one of the network's threads, if any. */
  #threadPayloads(legacyThread: string | undefined): Element[] {
    const thread = xmppThreadOf(this.session, legacyThread, this);
    return thread === undefined ? [] : [xml("thread", {}, thread)];
  }

  /** A `<delay/>` for a message sent in the past on the network. */
  #delayPayloads(options: ContactMessageOptions): Element[] {
    return options.when && options.when.getTime() < Date.now() - 1000 ? [delay.encode({ stamp: options.when, from: this.session.gateway.jid })] : [];
  }

  async #chatState(state: ChatState): Promise<void> {
    await this.#send(randomUUID(), chatStatePayloads(state), false);
  }

  /** A chat message from the contact to the user, or (a carbon) from the user to the contact. */
  async #send(id: string, children: Element[], carbon: boolean): Promise<void> {
    const gateway = this.session.gateway;
    const user = this.session.userJid.toString();
    if (!carbon) {
      await gateway.send(xml("message", { from: this.jid.toString(), to: user, type: "chat", id }, ...children));
      return;
    }
    await gateway.sendCarbon(parseJid(user), xml("message", { from: user, to: this.jid.toString(), type: "chat", id }, ...children));
  }
}
