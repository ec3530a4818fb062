/// <reference lib="dom" />
/**
 * Typing (XEP-0085 chat states) and reading (XEP-0333 `displayed` markers).
 *
 * Ours: `composing` while the composer is being typed in (again every few
 * seconds while it goes on), `paused` a few seconds after the typing stops or
 * when the composer is emptied, `active` with each message sent. A chat state
 * is never queued (stale by the time the connection is back): one that cannot
 * go now is dropped without a word on the page. Theirs: the line between the
 * log and the composer; a `composing` with no news for half a minute is
 * forgotten, as their `paused` may never come.
 *
 * Read markers: while a room is on screen and the window has focus, the
 * newest message from someone else is marked displayed (once each, a second
 * after it came); others' markers show as "Seen by" under the newest message
 * each one has read; ours from other devices bring our unread count down.
 *
 * @module
 */
import { xml } from "@xmpp/client";
import type { Element as XmlElement } from "@xmpp/xml";
import { type ChatState, isMucStateError, isNotConnectedError } from "../../src/index.js";
import { byId, h, replaceChildren } from "./dom.js";
import { type MessageRecord, type RoomView, isCurrent } from "./state.js";
import { redraw } from "./redraw.js";
import { isSuspended } from "./connection-view.js";

/** Send `composing` again at most this often while the typing goes on (ms). */
const COMPOSING_EVERY = 5_000;
/** After this long without typing, we have paused (ms). */
const PAUSED_AFTER = 5_000;
/** Forget someone's `composing` after this long without news of them (ms). */
const TYPING_TIMEOUT = 30_000;
/** Mark the newest message read this long after it came (a burst makes one marker) (ms). */
const MARK_DELAY = 1_000;
const NS_CHAT_STATES = "http://jabber.org/protocol/chatstates";

/** Tell the room our chat state. Never an error on the page: a state not sent now is worth nothing later. */
export function sendChatState(view: RoomView, state: ChatState): void {
  const own = view.chatState;
  clearTimeout(own.pause);
  own.pause = undefined;
  const room = view.room;
  if (!room?.joined || view.state !== "joined" || isSuspended(view)) {
    own.state = undefined;
    return;
  }
  own.state = state;
  own.at = Date.now();
  room.setChatState(state).catch((e: unknown) => {
    if (own.state === state) own.state = undefined;
    // Offline (chat states are never queued), or out of the room meanwhile.
    if (isNotConnectedError(e) || isMucStateError(e)) console.debug(`chat state '${state}' not sent to ${view.jid}`, e);
    else console.warn(`chat state '${state}' not sent to ${view.jid}`, e);
  });
}

/** The composer's text changed: we are typing, or we emptied it. */
export function onComposerInput(view: RoomView, text: string): void {
  const own = view.chatState;
  if (text.trim() === "") {
    if (own.state === "composing") sendChatState(view, "paused");
    return;
  }
  if (own.state !== "composing" || Date.now() - own.at >= COMPOSING_EVERY) sendChatState(view, "composing");
  if (own.state !== "composing") return;
  clearTimeout(own.pause);
  own.pause = setTimeout(() => {
    own.pause = undefined;
    if (own.state === "composing") sendChatState(view, "paused");
  }, PAUSED_AFTER);
}

/** The `<active/>` a message we send carries (XEP-0085 §5.5): sending it ends our typing. */
export function activeState(view: RoomView): XmlElement {
  const own = view.chatState;
  clearTimeout(own.pause);
  own.pause = undefined;
  own.state = "active";
  own.at = Date.now();
  return xml("active", { xmlns: NS_CHAT_STATES });
}

/** We are out of the room: nothing of our typing to send any more. */
export function stopTyping(view: RoomView): void {
  clearTimeout(view.chatState.pause);
  view.chatState.pause = undefined;
  view.chatState.state = undefined;
}

/** Someone else started (`true`) or stopped (`false`) typing. */
export function setTyping(view: RoomView, nick: string, typing: boolean): void {
  const timer = view.typing.get(nick);
  if (timer !== undefined) clearTimeout(timer);
  if (typing) {
    view.typing.set(nick, setTimeout(() => setTyping(view, nick, false), TYPING_TIMEOUT));
  } else if (!view.typing.delete(nick)) {
    return;
  }
  renderTyping(view);
}

/** Nobody is typing any more, as far as we know. */
export function clearTyping(view: RoomView): void {
  if (view.typing.size === 0) return;
  for (const timer of view.typing.values()) clearTimeout(timer);
  view.typing.clear();
  renderTyping(view);
}

/** An occupant changed nick: their typing and their read position follow them. */
export function renameReader(view: RoomView, oldNick: string, newNick: string): void {
  if (view.typing.has(oldNick)) {
    setTyping(view, oldNick, false);
    setTyping(view, newNick, true);
  }
  const seen = view.seen.get(oldNick);
  if (seen !== undefined) {
    view.seen.delete(oldNick);
    view.seen.set(newNick, seen);
    renderSeen(view);
  }
}

function typingText(nicks: readonly string[]): string {
  if (nicks.length === 0) return "";
  if (nicks.length === 1) return `${nicks[0]} is typing…`;
  if (nicks.length === 2) return `${nicks[0]} and ${nicks[1]} are typing…`;
  return "Several people are typing…";
}

/** The "… is typing" line of the room on screen. */
export function renderTyping(view: RoomView): void {
  if (!isCurrent(view)) return;
  const section = byId("main").querySelector<HTMLElement>("[data-testid=room-view]");
  const line = section?.dataset.jid === view.jid ? section.querySelector<HTMLElement>("[data-testid=typing-indicator]") : null;
  if (!line) return;
  const nicks = [...view.typing.keys()];
  line.dataset.count = String(nicks.length);
  const text = typingText(nicks);
  if (line.textContent === text) return;
  replaceChildren(line, text ? h("span", { class: "typing__dots", "aria-hidden": "true" }, h("span", {}), h("span", {}), h("span", {})) : null, text);
}

/** Whether message `a` comes after message `b` in the log (both by stanza-id; false when either is not there). */
function laterInLog(view: RoomView, a: string, b: string): boolean {
  const ra = view.byStanzaId.get(a);
  const rb = view.byStanzaId.get(b);
  if (!ra || !rb || ra === rb) return false;
  return (rb.item.compareDocumentPosition(ra.item) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
}

/** Someone else read up to message `id`: they move there, unless they were further down already. */
export function noteSeen(view: RoomView, nick: string, id: string): void {
  const before = view.seen.get(nick);
  if (before === id || (before !== undefined && laterInLog(view, before, id))) return;
  view.seen.set(nick, id);
  renderSeen(view);
}

/** At most this many names under a message; the others are counted. */
const SEEN_NAMES = 4;

/** The "Seen by …" lines: each reader under the newest message they marked. */
export function renderSeen(view: RoomView): void {
  for (const box of Array.from(view.log.querySelectorAll<HTMLElement>("[data-testid=message-seen]"))) {
    if (box.firstChild) box.replaceChildren();
    box.removeAttribute("title");
  }
  const readers = new Map<MessageRecord, string[]>();
  for (const [nick, id] of view.seen) {
    const record = view.byStanzaId.get(id);
    if (!record) continue;
    const nicks = readers.get(record) ?? [];
    nicks.push(nick);
    readers.set(record, nicks);
  }
  for (const [record, nicks] of readers) {
    const box = record.item.querySelector<HTMLElement>("[data-testid=message-seen]");
    if (!box) continue;
    nicks.sort((a, b) => a.localeCompare(b));
    const shown = nicks.length > SEEN_NAMES + 1 ? nicks.slice(0, SEEN_NAMES) : nicks;
    const more = nicks.length - shown.length;
    box.title = `Seen by ${nicks.join(", ")}`;
    replaceChildren(
      box,
      "Seen by ",
      ...shown.flatMap((nick, i) => [i === 0 ? "" : i === shown.length - 1 && more === 0 ? " and " : ", ", h("span", { class: "msg__seen-nick", testid: "seen-nick", "data-nick": nick }, nick)]),
      more > 0 ? ` and ${more} others` : "",
    );
  }
}

/** Whether what the room shows is being read: it is on screen, in a window that has the focus. */
function beingRead(view: RoomView): boolean {
  return isCurrent(view) && view.state === "joined" && view.room?.joined === true && !isSuspended(view) && document.visibilityState === "visible" && document.hasFocus();
}

/** Mark the newest message read in a moment (one marker for a burst of messages). */
export function scheduleMarkRead(view: RoomView): void {
  if (view.markTimer !== undefined || !isCurrent(view)) return;
  view.markTimer = setTimeout(() => {
    view.markTimer = undefined;
    markRead(view);
  }, MARK_DELAY);
}

/** The newest message from someone else that the room gave a stanza-id (markers name messages by it). */
function newestFromOthers(view: RoomView): MessageRecord | undefined {
  const items = view.log.querySelectorAll<HTMLElement>("[data-testid=message][data-stanza-id]:not([data-own=true])");
  const last = items[items.length - 1];
  return last?.dataset.stanzaId === undefined ? undefined : view.byStanzaId.get(last.dataset.stanzaId);
}

/** Tell the room we have read up to the newest message, when it is newer than what we marked last. */
function markRead(view: RoomView): void {
  const room = view.room;
  if (!room || !beingRead(view)) return;
  const id = newestFromOthers(view)?.stanzaId;
  if (id === undefined || id === view.lastDisplayed) return;
  if (view.lastDisplayed !== undefined && laterInLog(view, view.lastDisplayed, id)) return;
  view.lastDisplayed = id;
  room.markDisplayed(id).catch((e: unknown) => {
    // Not marked: the next message or the next focus tries again.
    if (view.lastDisplayed === id) view.lastDisplayed = undefined;
    console.debug(`could not mark ${view.jid} read`, e);
  });
}

/** We read up to message `id` on another device: what is unread here is at most what came after it. */
export function readElsewhere(view: RoomView, id: string): void {
  if (view.lastDisplayed !== undefined && view.lastDisplayed !== id && laterInLog(view, view.lastDisplayed, id)) return;
  view.lastDisplayed = id;
  const record = view.byStanzaId.get(id);
  if (!record || view.unread === 0) return;
  let after = 0;
  for (let el = record.item.nextElementSibling; el; el = el.nextElementSibling) {
    if (el instanceof HTMLElement && el.dataset.testid === "message" && el.dataset.own !== "true" && el.dataset.history !== "true") after++;
  }
  if (after < view.unread) {
    view.unread = after;
    redraw.nav();
  }
}
