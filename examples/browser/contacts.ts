/// <reference lib="dom" />
/**
 * People and direct chats: the user's contacts on the gateway (their XMPP
 * roster entries on the gateway's domain, RFC 6121), each with their
 * presence, and a one-to-one chat with each (`type='chat'` messages to the
 * contact's bare JID): text, replies shown as quotes, corrections and
 * retractions (XEP-0308, XEP-0424; ours too, from the message's actions),
 * reactions (XEP-0444), typing both ways (XEP-0085), read markers
 * (XEP-0333) and receipts (XEP-0184). The gateway's subscription requests
 * (its contacts asking to be in the roster) are accepted by themselves, and
 * the contact subscribed to back; anyone else's wait for Accept or
 * Decline. A search box runs the gateway's `search` command (XEP-0050) and
 * opens a chat with a result. Messages and the composer are drawn as in the
 * rooms (conversation.ts). Errors in plain words (errors.ts); nothing a
 * peer sends is ever parsed as HTML (dom.ts, styling.ts).
 *
 * `data-testid`s: `contact-list` (the sidebar section), `contact-item`
 * (`data-jid`, `data-show`: online, away, dnd, xa, chat, offline;
 * `data-active`) with `contact-unread`; `open-people-search`;
 * `subscription-request` (`data-jid`) with `subscription-accept` and
 * `subscription-decline`. The search pane: `people-search`,
 * `people-search-input`, `people-search-submit`, `people-search-error`,
 * `people-search-empty`, `people-search-result` (`data-jid`) with
 * `people-search-open`. The chat: `chat-view` (`data-jid`), `chat-name`,
 * `chat-presence` (`data-show`), `chat-status`, `messages` with `message`
 * items (`data-own`, `data-state`: in-transit, delivered-to-server,
 * delivered-to-recipient, error, received; `data-edited`, `data-retracted`,
 * `data-id`), `message-body`, `message-quote`, `message-edited`,
 * `message-reactions` (`reaction` chips), `message-note` (why ours was not
 * delivered), `message-seen`, `action-edit` and `action-delete` on ours;
 * `typing-indicator`; `composer`, `composer-input`, `composer-send`,
 * `composer-context` with `composer-context-cancel` while editing.
 *
 * @module
 */
import { xml, type Client } from "@xmpp/client";
import type { Element as XmlElement } from "@xmpp/xml";
import { XMPPError, executeCommand, getAvatar, messageRefs, type MucService } from "../../src/index.js";
import { chatMarkerOf, chatMarkerPayloads, chatStateOf, chatStatePayloads, retractionPayloads, type ChatState } from "../../src/xso/index.js";
import { h, replaceChildren, type Child } from "./dom.js";
import { composerForm, messageElement } from "./conversation.js";
import { styledText } from "./styling.js";
import { chatNotDeliveredText, searchErrorText, showError } from "./errors.js";

const NS_ROSTER = "jabber:iq:roster";
const NS_NICK = "http://jabber.org/protocol/nick";
const NS_MUC_USER = "http://jabber.org/protocol/muc#user";
const NS_RECEIPTS = "urn:xmpp:receipts";
const NS_CORRECT = "urn:xmpp:message-correct:0";
const NS_VCARD_UPDATE = "vcard-temp:x:update";
const COMPOSING_EVERY = 5_000;
const PAUSED_AFTER = 5_000;
const TYPING_TIMEOUT = 30_000;

/** What the people list and the chats need of the page. */
export interface ContactsContext {
  readonly xmpp: Client;
  readonly muc: MucService;
  /** The gateway's domain: its contacts' subscription requests are accepted by themselves. */
  readonly gatewayDomain: string | undefined;
  /** Whether a bare JID is a room we know (its messages are the rooms' business). */
  readonly isRoom: (bareJid: string) => boolean;
  /** Whether the chat with this bare JID is on screen. */
  readonly isOpen: (bareJid: string) => boolean;
  /** Whether the search pane is on screen. */
  readonly searchOpen: () => boolean;
  /** Put the chat with this bare JID on screen. */
  readonly open: (bareJid: string) => void;
  /** Put the search pane on screen. */
  readonly openSearch: () => void;
  /** Draw the sidebar and the main pane again. */
  readonly rerender: () => void;
  /** The header of a pane (with the phone's menu button). */
  readonly topBar: (title: string, sub: string, ...actions: Child[]) => HTMLElement;
}

/** A message in a chat's log, with what later messages may change of it. */
interface ChatRecord {
  readonly item: HTMLLIElement;
  readonly id: string;
  readonly own: boolean;
  text: string;
  retracted: boolean;
  /** Each side's reactions ("me", "them"). */
  readonly reactions: Map<"me" | "them", readonly string[]>;
}

/** A contact, and our chat with them. */
interface Contact {
  readonly jid: string;
  name: string | undefined;
  /** In the roster (`subscription`), or only a chat (`undefined`). */
  subscription: string | undefined;
  ask: boolean;
  show: string;
  status: string | undefined;
  photo: string | undefined;
  typing: ReturnType<typeof setTimeout> | undefined;
  unread: number;
  readonly log: HTMLOListElement;
  readonly records: Map<string, ChatRecord>;
  /** The newest message of theirs we marked displayed. */
  displayed: string | undefined;
  /** Our message being corrected. */
  editing: ChatRecord | undefined;
  readonly chatState: { state: ChatState | undefined; at: number; pause: ReturnType<typeof setTimeout> | undefined };
}

const state: {
  contacts: Map<string, Contact>;
  /** Subscription requests from others than the gateway's contacts: bare JID → the name they gave. */
  requests: Map<string, string | undefined>;
  search: { query: string; busy: boolean; error: string | undefined; results: { jid: string; name: string }[] | undefined };
  avatars: Map<string, string | null>;
} = { contacts: new Map(), requests: new Map(), search: { query: "", busy: false, error: undefined, results: undefined }, avatars: new Map() };

let ctx: ContactsContext | undefined;
/** The search pane, kept while its state is the same (`searchVersion`). */
let searchCard: { readonly version: number; readonly el: HTMLElement } | undefined;
let searchVersion = 0;

/** Forget everything, and listen for the roster, presences and chat messages on this connection (before its initial presence: pending subscription requests come with it). */
export function startContacts(context: ContactsContext): void {
  ctx = context;
  state.contacts = new Map();
  state.requests = new Map();
  state.search = { query: "", busy: false, error: undefined, results: undefined };
  searchVersion++;
  context.xmpp.on("stanza", (el: XmlElement) => {
    if (ctx !== context) return;
    try {
      if (el.is("presence")) onPresence(el);
      else if (el.is("message")) onMessage(el);
    } catch (e) {
      console.warn("contacts: could not handle a stanza", e);
    }
  });
  // Roster pushes (RFC 6121 §2.1.6): from our own account only.
  context.xmpp.iqCallee.set(NS_ROSTER, "query", (c: { stanza: XmlElement; element: XmlElement }) => {
    const from = c.stanza.attrs.from as string | undefined;
    if (from && from.split("/")[0] !== context.xmpp.jid?.bare().toString()) return undefined;
    for (const item of c.element.getChildren("item")) rosterItem(item);
    context.rerender();
    return true;
  });
}

/** Ask the server for the roster (once online). */
export async function loadRoster(): Promise<void> {
  const c = ctx;
  if (!c) return;
  try {
    const result = await c.xmpp.iqCaller.request(xml("iq", { type: "get" }, xml("query", { xmlns: NS_ROSTER })), 15_000);
    for (const item of result.getChild("query", NS_ROSTER)?.getChildren("item") ?? []) rosterItem(item);
    c.rerender();
  } catch (e) {
    console.warn("could not load the roster", e);
  }
}

function bareOf(jid: string): string {
  return jid.split("/")[0] ?? jid;
}

function onGateway(bare: string): boolean {
  const domain = ctx?.gatewayDomain;
  return domain !== undefined && bare.includes("@") && bare.slice(bare.indexOf("@") + 1) === domain;
}

function contactFor(jid: string): Contact {
  let c = state.contacts.get(jid);
  if (!c) {
    c = {
      jid,
      name: undefined,
      subscription: undefined,
      ask: false,
      show: "offline",
      status: undefined,
      photo: undefined,
      typing: undefined,
      unread: 0,
      log: h("ol", { class: "log", testid: "messages", "aria-live": "polite" }),
      records: new Map(),
      displayed: undefined,
      editing: undefined,
      chatState: { state: undefined, at: 0, pause: undefined },
    };
    state.contacts.set(jid, c);
  }
  return c;
}

function rosterItem(item: XmlElement): void {
  const jid = bareOf(String(item.attrs.jid ?? ""));
  if (!jid) return;
  if (item.attrs.subscription === "remove") {
    const c = state.contacts.get(jid);
    if (c && c.records.size === 0) state.contacts.delete(jid);
    else if (c) c.subscription = undefined;
    return;
  }
  const c = contactFor(jid);
  c.name = (item.attrs.name as string | undefined) || c.name;
  c.subscription = String(item.attrs.subscription ?? "none");
  c.ask = item.attrs.ask === "subscribe";
}

function displayName(c: Contact): string {
  return c.name ?? c.jid.split("@")[0] ?? c.jid;
}

// ---------------------------------------------------------------------------
// Presence and subscriptions

function onPresence(el: XmlElement): void {
  const c0 = ctx;
  const from = el.attrs.from as string | undefined;
  if (!c0 || !from || el.getChild("x", NS_MUC_USER)) return;
  const bare = bareOf(from);
  if (!bare.includes("@") || bare === c0.xmpp.jid?.bare().toString() || c0.isRoom(bare)) return;
  const type = el.attrs.type as string | undefined;
  if (type === "subscribe") {
    const nick = el.getChildText("nick", NS_NICK) ?? undefined;
    if (onGateway(bare)) void accept(bare, nick);
    else {
      state.requests.set(bare, nick);
      c0.rerender();
    }
    return;
  }
  if (type !== undefined && type !== "unavailable") return;
  const known = state.contacts.get(bare);
  if (!known && !onGateway(bare)) return;
  const c = known ?? contactFor(bare);
  c.show = type === "unavailable" ? "offline" : (el.getChildText("show") ?? "online");
  c.status = el.getChildText("status") ?? undefined;
  const photo = el.getChild("x", NS_VCARD_UPDATE)?.getChildText("photo");
  if (photo !== undefined && photo !== null) c.photo = photo || undefined;
  c0.rerender();
}

/** Accept a subscription request: in the roster under the name they gave, and subscribed to back. */
async function accept(bare: string, nick: string | undefined): Promise<void> {
  const c0 = ctx;
  if (!c0) return;
  state.requests.delete(bare);
  const c = contactFor(bare);
  if (nick && !c.name) c.name = nick;
  try {
    if (nick && c.subscription === undefined) {
      await c0.xmpp.iqCaller.request(xml("iq", { type: "set" }, xml("query", { xmlns: NS_ROSTER }, xml("item", { jid: bare, name: nick }))), 15_000);
    }
    await c0.xmpp.send(xml("presence", { to: bare, type: "subscribed" }));
    if (c.subscription !== "to" && c.subscription !== "both" && !c.ask) await c0.xmpp.send(xml("presence", { to: bare, type: "subscribe" }));
  } catch (e) {
    showError(`Could not add ${nick ?? bare} to your contacts`, e);
  }
  c0.rerender();
}

async function decline(bare: string): Promise<void> {
  const c0 = ctx;
  if (!c0) return;
  state.requests.delete(bare);
  c0.rerender();
  await c0.xmpp.send(xml("presence", { to: bare, type: "unsubscribed" })).catch((e: unknown) => showError("Could not decline the request", e));
}

// ---------------------------------------------------------------------------
// Messages

function onMessage(el: XmlElement): void {
  const c0 = ctx;
  const from = el.attrs.from as string | undefined;
  const type = (el.attrs.type as string | undefined) ?? "normal";
  if (!c0 || !from || type === "groupchat" || el.getChild("x", NS_MUC_USER)) return;
  const bare = bareOf(from);
  if (!bare.includes("@") || c0.isRoom(bare) || bare === c0.xmpp.jid?.bare().toString()) return;
  if (type === "error") {
    const id = el.attrs.id as string | undefined;
    const record = id === undefined ? undefined : state.contacts.get(bare)?.records.get(id);
    if (record?.own) setState(record, "error", chatNotDeliveredText(XMPPError.fromStanza(el)));
    return;
  }
  // A receipt (XEP-0184) may come in a message of any type.
  const receipt = el.getChild("received", NS_RECEIPTS)?.attrs.id as string | undefined;
  if (receipt !== undefined) {
    const record = state.contacts.get(bare)?.records.get(receipt);
    if (record?.own) setState(record, "delivered-to-recipient");
  }
  if (type !== "chat" && el.getChild("body") === undefined) return;
  if (type !== "chat" && !state.contacts.has(bare) && !onGateway(bare)) return;
  const c = contactFor(bare);
  const refs = messageRefs(el);
  const marker = chatMarkerOf(el);
  if (marker?.marker === "displayed") markSeen(c, marker.id);
  const chatState = chatStateOf(el);
  const body = el.getChildText("body");
  if (chatState !== undefined || body !== null) setTyping(c, chatState === "composing" && body === null);
  if (refs.retraction) {
    const record = c.records.get(refs.retraction.id);
    if (record && !record.own) retracted(record);
    return;
  }
  if (refs.reactions) {
    const record = c.records.get(refs.reactions.id);
    if (record) {
      record.reactions.set("them", refs.reactions.reactions);
      renderReactions(record);
    }
    return;
  }
  if (body === null) return;
  if (refs.corrects !== undefined) {
    const record = c.records.get(refs.corrects);
    if (record && !record.own) {
      corrected(record, refs.text ?? body);
      return;
    }
  }
  const id = (el.attrs.id as string | undefined) ?? crypto.randomUUID();
  const quoted = refs.reply ? c.records.get(refs.reply.id) : undefined;
  const record = addItem(c, { id, own: false, text: refs.text ?? body, at: delayOf(el) ?? new Date(), state: "received", quote: quoted });
  if (el.getChild("markable", "urn:xmpp:chat-markers:0")) record.item.dataset.markable = "true";
  if (c0.isOpen(c.jid)) markDisplayed(c);
  else c.unread++;
  c0.rerender();
}

function delayOf(el: XmlElement): Date | undefined {
  const stamp = el.getChild("delay", "urn:xmpp:delay")?.attrs.stamp as string | undefined;
  const at = stamp ? new Date(stamp) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : undefined;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const STATE_ICONS: Record<string, { icon: string; label: string }> = {
  "in-transit": { icon: "◌", label: "Sending…" },
  "delivered-to-server": { icon: "✓", label: "Sent" },
  "delivered-to-recipient": { icon: "✓✓", label: "Delivered" },
  error: { icon: "!", label: "Not delivered" },
};

function addItem(c: Contact, opts: { id: string; own: boolean; text: string; at: Date; state: string; quote?: ChatRecord | undefined }): ChatRecord {
  const who = opts.own ? "You" : displayName(c);
  const ui = STATE_ICONS[opts.state];
  const item = messageElement(
    { class: `msg${opts.own ? " msg--own" : ""}`, testid: "message", "data-own": String(opts.own), "data-state": opts.state, "data-id": opts.id, "data-nick": who },
    avatarOf(opts.own ? undefined : c, who),
    {
      meta: { nick: who, at: opts.at, time: timeFormat.format(opts.at) },
      quote: opts.quote ? { nick: opts.quote.own ? "You" : displayName(c), text: opts.quote.retracted ? "(deleted)" : opts.quote.text, target: opts.quote.id } : undefined,
      body: opts.text,
      mark: opts.own ? { state: opts.state, icon: ui?.icon ?? "", label: ui?.label ?? "" } : undefined,
    },
  );
  const record: ChatRecord = { item, id: opts.id, own: opts.own, text: opts.text, retracted: false, reactions: new Map() };
  if (opts.own) item.querySelector(".msg__content")?.append(ownActions(c, record));
  c.records.set(opts.id, record);
  const scroller = c.log.parentElement;
  const stick = !scroller || scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  c.log.append(item);
  if (scroller && stick) scroller.scrollTop = scroller.scrollHeight;
  return record;
}

function avatarOf(c: Contact | undefined, name: string): HTMLElement {
  const image = c?.photo ? avatarImage(c) : undefined;
  if (image) return h("img", { class: "avatar avatar--md avatar--image", src: image, alt: "", testid: "avatar-image" });
  return h("span", { class: "avatar avatar--md", "aria-hidden": "true" }, [...name.trim()][0]?.toUpperCase() ?? "?");
}

/** The contact's vCard picture (XEP-0153), fetched once per hash. */
function avatarImage(c: Contact): string | undefined {
  const hash = c.photo as string;
  const known = state.avatars.get(hash);
  if (known !== undefined) return known ?? undefined;
  const c0 = ctx;
  if (!c0) return undefined;
  state.avatars.set(hash, null);
  getAvatar(c0.muc, c.jid)
    .then((found) => {
      if (found?.kind === "inline" && found.type?.startsWith("image/")) {
        state.avatars.set(hash, URL.createObjectURL(new Blob([found.data as BlobPart], { type: found.type })));
        c0.rerender();
      }
    })
    .catch((e: unknown) => console.debug("no avatar for", c.jid, e));
  return undefined;
}

function ownActions(c: Contact, record: ChatRecord): HTMLElement {
  return h(
    "div",
    { class: "msg__actions", testid: "message-actions" },
    h("button", { class: "act", type: "button", testid: "action-edit", title: "Edit", onclick: () => startEditing(c, record) }, "Edit"),
    h("button", { class: "act act--danger", type: "button", testid: "action-delete", title: "Delete", onclick: () => void retractOwn(c, record) }, "Delete"),
  );
}

function setState(record: ChatRecord, value: string, note?: string): void {
  // Delivered is final: a late "sent" does not undo it.
  if (record.item.dataset.state === "delivered-to-recipient" && value === "delivered-to-server") return;
  record.item.dataset.state = value;
  const mark = record.item.querySelector<HTMLElement>("[data-testid=message-state]");
  if (mark) {
    mark.dataset.state = value;
    mark.textContent = STATE_ICONS[value]?.icon ?? "";
    mark.title = STATE_ICONS[value]?.label ?? "";
  }
  const line = record.item.querySelector<HTMLElement>("[data-testid=message-note]");
  if (line) line.textContent = note ?? "";
}

function corrected(record: ChatRecord, text: string): void {
  record.text = text;
  record.item.dataset.edited = "true";
  const body = record.item.querySelector<HTMLElement>("[data-testid=message-body]");
  if (body) replaceChildren(body, styledText(text));
  const line = record.item.querySelector(".msg__line");
  if (line && !line.querySelector("[data-testid=message-edited]")) line.append(h("span", { class: "msg__edited", testid: "message-edited", title: "Edited" }, "(edited)"));
}

function retracted(record: ChatRecord): void {
  record.retracted = true;
  record.item.dataset.retracted = "true";
  const body = record.item.querySelector<HTMLElement>("[data-testid=message-body]");
  if (body) body.textContent = "This message was deleted";
  record.item.querySelector("[data-testid=message-actions]")?.remove();
  record.item.querySelector("[data-testid=message-edited]")?.remove();
}

function renderReactions(record: ChatRecord): void {
  const box = record.item.querySelector<HTMLElement>("[data-testid=message-reactions]");
  if (!box) return;
  const counts = new Map<string, { n: number; mine: boolean }>();
  for (const [who, emojis] of record.reactions) {
    for (const emoji of emojis) {
      const entry = counts.get(emoji) ?? { n: 0, mine: false };
      entry.n++;
      entry.mine ||= who === "me";
      counts.set(emoji, entry);
    }
  }
  replaceChildren(box, ...[...counts].map(([emoji, { n, mine }]) => h("span", { class: `reaction${mine ? " reaction--mine" : ""}`, testid: "reaction", "data-emoji": emoji, "data-count": n, "data-mine": String(mine) }, emoji, n > 1 ? ` ${n}` : "")));
}

/** Their displayed marker: "Seen" under our newest message they read. */
function markSeen(c: Contact, id: string): void {
  const record = c.records.get(id);
  if (!record) return;
  for (const r of c.records.values()) {
    const line = r.item.querySelector<HTMLElement>("[data-testid=message-seen]");
    if (line) line.textContent = "";
  }
  const line = record.item.querySelector<HTMLElement>("[data-testid=message-seen]");
  if (line) line.textContent = "Seen";
}

/** Mark their newest markable message displayed (XEP-0333), once. */
function markDisplayed(c: Contact): void {
  const c0 = ctx;
  if (!c0) return;
  c.unread = 0;
  const newest = [...c.records.values()].reverse().find((r) => !r.own && r.item.dataset.markable === "true");
  if (!newest || newest.id === c.displayed || document.visibilityState !== "visible") return;
  c.displayed = newest.id;
  void c0.xmpp.send(xml("message", { to: c.jid, type: "chat", id: crypto.randomUUID() }, ...chatMarkerPayloads("displayed", newest.id))).catch(() => undefined);
}

function setTyping(c: Contact, typing: boolean): void {
  clearTimeout(c.typing);
  c.typing = typing
    ? setTimeout(() => {
        c.typing = undefined;
        renderTypingLine(c);
      }, TYPING_TIMEOUT)
    : undefined;
  renderTypingLine(c);
}

function renderTypingLine(c: Contact): void {
  const line = document.querySelector<HTMLElement>(`[data-testid=chat-view][data-jid="${CSS.escape(c.jid)}"] [data-testid=typing-indicator]`);
  if (!line) return;
  line.dataset.count = c.typing ? "1" : "0";
  if (c.typing) replaceChildren(line, h("span", { class: "typing__dots", "aria-hidden": "true" }, h("span", {}), h("span", {}), h("span", {})), `${displayName(c)} is typing…`);
  else line.replaceChildren();
}

// ---------------------------------------------------------------------------
// Sending

function sendChatState(c: Contact, chatState: ChatState): void {
  const c0 = ctx;
  if (!c0) return;
  c.chatState.state = chatState;
  c.chatState.at = Date.now();
  void c0.xmpp.send(xml("message", { to: c.jid, type: "chat", id: crypto.randomUUID() }, ...chatStatePayloads(chatState))).catch(() => undefined);
}

function onComposerInput(c: Contact, text: string): void {
  clearTimeout(c.chatState.pause);
  if (text.trim() === "") {
    if (c.chatState.state === "composing") sendChatState(c, "paused");
    return;
  }
  if (c.chatState.state !== "composing" || Date.now() - c.chatState.at > COMPOSING_EVERY) sendChatState(c, "composing");
  c.chatState.pause = setTimeout(() => sendChatState(c, "paused"), PAUSED_AFTER);
}

function send(c: Contact, text: string): void {
  const c0 = ctx;
  if (!c0) return;
  clearTimeout(c.chatState.pause);
  c.chatState.state = "active";
  c.chatState.at = Date.now();
  const editing = c.editing;
  if (editing) {
    stopEditing(c);
    if (text === editing.text) return;
    corrected(editing, text);
    const stanza = xml("message", { to: c.jid, type: "chat", id: crypto.randomUUID() }, xml("body", {}, text), xml("replace", { xmlns: NS_CORRECT, id: editing.id }), ...chatStatePayloads("active"));
    void c0.xmpp.send(stanza).catch((e: unknown) => showError("Could not send the correction", e));
    return;
  }
  const id = crypto.randomUUID();
  const record = addItem(c, { id, own: true, text, at: new Date(), state: "in-transit" });
  const stanza = xml(
    "message",
    { to: c.jid, type: "chat", id },
    xml("body", {}, text),
    xml("markable", { xmlns: "urn:xmpp:chat-markers:0" }),
    xml("request", { xmlns: NS_RECEIPTS }),
    ...chatStatePayloads("active"),
  );
  c0.xmpp
    .send(stanza)
    .then(() => setState(record, "delivered-to-server"))
    .catch((e: unknown) => setState(record, "error", chatNotDeliveredText(e)));
}

async function retractOwn(c: Contact, record: ChatRecord): Promise<void> {
  const c0 = ctx;
  if (!c0 || record.retracted) return;
  try {
    await c0.xmpp.send(xml("message", { to: c.jid, type: "chat", id: crypto.randomUUID() }, xml("body", {}, "This person deleted a message."), ...retractionPayloads(record.id)));
    retracted(record);
  } catch (e) {
    showError("Could not delete the message", e);
  }
}

function startEditing(c: Contact, record: ChatRecord): void {
  c.editing = record;
  const input = composerOf(c);
  if (input) {
    input.value = record.text;
    input.focus();
  }
  renderContext(c);
}

function stopEditing(c: Contact): void {
  c.editing = undefined;
  renderContext(c);
}

function composerOf(c: Contact): HTMLTextAreaElement | null {
  return document.querySelector<HTMLTextAreaElement>(`[data-testid=chat-view][data-jid="${CSS.escape(c.jid)}"] [data-testid=composer-input]`);
}

function renderContext(c: Contact): void {
  const box = document.querySelector<HTMLElement>(`[data-testid=chat-view][data-jid="${CSS.escape(c.jid)}"] [data-testid=composer-context]`);
  if (!box) return;
  box.hidden = !c.editing;
  if (!c.editing) {
    box.replaceChildren();
    return;
  }
  replaceChildren(
    box,
    h("span", {}, "Editing your message"),
    h(
      "button",
      {
        class: "icon-btn icon-btn--small",
        type: "button",
        testid: "composer-context-cancel",
        "aria-label": "Cancel",
        onclick: () => {
          const input = composerOf(c);
          if (input) input.value = "";
          stopEditing(c);
        },
      },
      "×",
    ),
  );
}

// ---------------------------------------------------------------------------
// Search (the gateway's search command)

async function search(query: string): Promise<void> {
  const c0 = ctx;
  const gateway = c0?.gatewayDomain;
  if (!c0 || !gateway) return;
  state.search = { query, busy: true, error: undefined, results: undefined };
  searchVersion++;
  c0.rerender();
  try {
    const first = await executeCommand(c0.muc, gateway, "search", { timeout: 15_000 });
    const field = first.form?.fields.find((f) => f.type !== "fixed" && f.type !== "hidden")?.var ?? "query";
    const done = first.status === "executing" ? await first.complete({ [field]: query }, { timeout: 15_000 }) : first;
    const form = done.form;
    const results: { jid: string; name: string }[] = [];
    for (const item of form?.items ?? []) {
      const value = (name: string): string => item.find((f) => f.var === name)?.values[0] ?? "";
      const jid = value("jid");
      if (jid) results.push({ jid: bareOf(jid), name: value("name") || jid });
    }
    state.search = { query, busy: false, error: undefined, results };
  } catch (e) {
    console.warn("the search failed", e);
    state.search = { query, busy: false, error: searchErrorText(e), results: undefined };
  }
  searchVersion++;
  if (ctx === c0) c0.rerender();
}

/** Open a chat with a search result (a contact of the gateway, in the roster or not). */
function openResult(result: { jid: string; name: string }): void {
  const c = contactFor(result.jid);
  c.name ??= result.name;
  ctx?.open(result.jid);
}

/** The search pane. */
export function searchPane(): HTMLElement {
  if (searchCard?.version === searchVersion) return searchCard.el;
  const el = searchPaneNow();
  searchCard = { version: searchVersion, el };
  return el;
}

function searchPaneNow(): HTMLElement {
  const c0 = ctx;
  const s = state.search;
  const input = h("input", { class: "input", testid: "people-search-input", placeholder: "Name", "aria-label": "Name to look for", value: s.query, autocomplete: "off" });
  input.addEventListener("input", () => {
    state.search.query = input.value;
  });
  const form = h(
    "form",
    {
      class: "people-search__form",
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        const query = input.value.trim();
        if (!query) {
          state.search = { query: "", busy: false, error: "Type a name to look for.", results: undefined };
          searchVersion++;
          c0?.rerender();
          return;
        }
        void search(query);
      },
    },
    input,
    h("button", { class: "btn btn--primary", type: "submit", testid: "people-search-submit", disabled: s.busy }, s.busy ? "Searching…" : "Search"),
  );
  const results = s.results;
  return h(
    "div",
    { class: "preview-wrap" },
    c0?.topBar("Find people", c0.gatewayDomain ?? "") ?? null,
    h(
      "div",
      { class: "pane-scroll" },
      h(
        "div",
        { class: "card people-search", testid: "people-search" },
        h("h2", {}, "Find people on the gateway"),
        h("p", { class: "muted" }, "Search the network behind the gateway by name, then write to them."),
        form,
        s.error ? h("p", { class: "form-error", testid: "people-search-error", role: "alert" }, s.error) : null,
        results && results.length === 0 ? h("p", { class: "muted", testid: "people-search-empty" }, `Nobody found for “${s.query}”.`) : null,
        results && results.length > 0
          ? h(
              "ul",
              { class: "people-search__results" },
              ...results.map((r) =>
                h(
                  "li",
                  { class: "people-search__result", testid: "people-search-result", "data-jid": r.jid },
                  h("span", { class: "avatar avatar--sm", "aria-hidden": "true" }, [...r.name.trim()][0]?.toUpperCase() ?? "?"),
                  h("span", { class: "people-search__name" }, r.name, h("span", { class: "muted" }, ` ${r.jid}`)),
                  h("button", { class: "btn btn--small", type: "button", testid: "people-search-open", onclick: () => openResult(r) }, "Message"),
                ),
              ),
            )
          : null,
      ),
    ),
  );
}

// ---------------------------------------------------------------------------
// The sidebar section and the chat pane

const SHOW_WORDS: Record<string, string> = { online: "online", chat: "free to chat", away: "away", xa: "away for a while", dnd: "busy", offline: "offline" };

/** The people on the gateway, for the sidebar (`undefined` without a gateway). */
export function contactsSection(): HTMLElement | null {
  const c0 = ctx;
  if (!c0?.gatewayDomain) return null;
  // The chat on screen has nothing unread (its messages are marked read as they come).
  for (const c of state.contacts.values()) if (c0.isOpen(c.jid)) c.unread = 0;
  const people = [...state.contacts.values()]
    .filter((c) => (c.subscription !== undefined && onGateway(c.jid)) || c.records.size > 0 || c0.isOpen(c.jid))
    .sort((a, b) => displayName(a).localeCompare(displayName(b)));
  return h(
    "section",
    { class: "nav-section", testid: "contact-list" },
    h("header", { class: "nav-section__head" }, h("div", {}, h("h2", {}, "People"), h("span", { class: "nav-section__sub" }, "direct chats"))),
    ...[...state.requests].map(([jid, nick]) =>
      h(
        "div",
        { class: "gw-register", testid: "subscription-request", "data-jid": jid },
        h("p", {}, `${nick ?? jid} wants to add you as a contact.`),
        h("button", { class: "btn btn--primary btn--small", type: "button", testid: "subscription-accept", onclick: () => void accept(jid, nick) }, "Accept"),
        " ",
        h("button", { class: "btn btn--ghost btn--small", type: "button", testid: "subscription-decline", onclick: () => void decline(jid) }, "Decline"),
      ),
    ),
    people.length > 0
      ? h(
          "ul",
          { class: "room-list" },
          ...people.map((c) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: `room-item${c0.isOpen(c.jid) ? " is-active" : ""}${c.show !== "offline" ? " is-joined" : ""}`,
                  testid: "contact-item",
                  "data-jid": c.jid,
                  "data-show": c.show,
                  "data-active": String(c0.isOpen(c.jid)),
                  title: `${c.jid} — ${SHOW_WORDS[c.show] ?? c.show}${c.status ? `: ${c.status}` : ""}`,
                  onclick: () => c0.open(c.jid),
                },
                h("span", { class: "occupant__avatar" }, h("span", { class: "avatar avatar--sm", "aria-hidden": "true" }, [...displayName(c).trim()][0]?.toUpperCase() ?? "?"), c.show !== "offline" ? h("span", { class: `presence presence--${c.show}` }) : null),
                h("span", { class: "room-item__name" }, displayName(c)),
                c.unread > 0 ? h("span", { class: "pill", testid: "contact-unread" }, c.unread > 99 ? "99+" : c.unread) : null,
              ),
            ),
          ),
        )
      : h("p", { class: "nav-section__empty" }, "No contacts yet"),
    h(
      "button",
      { class: `btn btn--ghost btn--small gw-commands${c0.searchOpen() ? " is-active" : ""}`, type: "button", testid: "open-people-search", onclick: () => c0.openSearch() },
      "Find people",
    ),
  );
}

/** The chat with a contact, for the main pane: made once per opening (the log is kept), its head and typing line updated after. */
export function chatPane(main: HTMLElement, jid: string): void {
  const c0 = ctx;
  if (!c0) return;
  const c = contactFor(jid);
  const existing = main.querySelector<HTMLElement>("[data-testid=chat-view]");
  if (existing?.dataset.jid === jid) {
    renderHead(c, existing);
    return;
  }
  const scroller = h("div", { class: "log-scroll" }, c.log);
  const typing = h("div", { class: "typing", testid: "typing-indicator", role: "status", "aria-live": "polite", "data-count": 0 });
  const { form, input } = composerForm({
    placeholder: `Message ${displayName(c)}`,
    send: (text) => send(c, text),
    escape: (input) => {
      if (c.editing) {
        input.value = "";
        stopEditing(c);
      }
    },
    typed: (text) => onComposerInput(c, text),
  });
  const section = h("section", { class: "room", testid: "chat-view", "data-jid": jid }, c0.topBar("", ""), scroller, typing, h("footer", { class: "room__foot" }, form));
  replaceChildren(main, section);
  renderHead(c, section);
  renderTypingLine(c);
  renderContext(c);
  scroller.scrollTop = scroller.scrollHeight;
  markDisplayed(c);
  input.focus();
}

function renderHead(c: Contact, section: HTMLElement): void {
  const c0 = ctx;
  const head = section.querySelector(".room__head");
  if (!c0 || !head) return;
  const words = SHOW_WORDS[c.show] ?? c.show;
  const bar = c0.topBar("", "");
  bar.querySelector(".room__title")?.replaceWith(
    h(
      "div",
      { class: "room__title chat-head" },
      avatarOf(c, displayName(c)),
      h(
        "div",
        { class: "chat-head__text" },
        h("h1", { testid: "chat-name" }, displayName(c)),
        h(
          "span",
          { class: "room__jid" },
          h("span", { class: `presence-dot presence-dot--${c.show}`, testid: "chat-presence", "data-show": c.show }, words),
          c.status ? h("span", { testid: "chat-status" }, ` — ${c.status}`) : null,
          ` · ${c.jid}`,
        ),
      ),
    ),
  );
  head.replaceWith(bar);
}

/** The chat came on screen again (the window got the focus back): mark it read. */
export function chatSeen(jid: string): void {
  const c = state.contacts.get(jid);
  if (c) markDisplayed(c);
}

/** How many messages wait unread in chats not on screen. */
export function unreadChats(): number {
  let n = 0;
  for (const c of state.contacts.values()) n += c.unread;
  return n;
}
