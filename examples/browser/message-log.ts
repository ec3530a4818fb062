/// <reference lib="dom" />
/**
 * The items of a room's log: messages (drawn by conversation.ts), notices,
 * voice requests, the "earlier messages" and date lines, appended with the
 * log kept at its end when it was there; a tap on a message shows its
 * actions.
 *
 * @module
 */
import { type Attachment, type MessageReply, MessageState, type VoiceRequestEvent } from "../../src/index.js";
import { h, replaceChildren } from "./dom.js";
import { showError } from "./errors.js";
import { mentions } from "./mentions.js";
import { messageElement } from "./conversation.js";
import type { RoomView } from "./state.js";
import { avatar, nickColor } from "./avatars.js";

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayTimeFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

function formatTime(date: Date): string {
  return new Date().toDateString() === date.toDateString() ? timeFormat.format(date) : dayTimeFormat.format(date);
}

export function atBottom(log: HTMLElement): boolean {
  const scroller = log.parentElement;
  return !scroller || scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
}

export function appendToLog(view: RoomView, item: HTMLElement): void {
  const stick = atBottom(view.log);
  // A message of another day than the last one: a date line first.
  const day = item.dataset.testid === "message" ? item.dataset.day : undefined;
  if (day !== undefined && day !== view.lastDay) {
    view.lastDay = day;
    // "Today" of the earlier lines may be yesterday by now.
    for (const line of Array.from(view.log.querySelectorAll<HTMLElement>("[data-testid=date-divider]"))) {
      const label = dayLabel(line.dataset.day ?? "");
      if (line.textContent !== label) replaceChildren(line, h("span", {}, label));
    }
    view.log.append(dayDivider(day));
  }
  view.log.append(item);
  if (stick && view.log.parentElement) view.log.parentElement.scrollTop = view.log.parentElement.scrollHeight;
}

/** A date as a key (local time): "2025-03-04". */
function dayKey(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" });
const dayYearFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric", year: "numeric" });

/** "Today", "Yesterday", "Monday, March 3" (with the year when it is not this one). */
function dayLabel(key: string): string {
  const [y, m, d] = key.split("-").map(Number) as [number, number, number];
  const date = new Date(y, m - 1, d);
  const today = new Date();
  if (key === dayKey(today)) return "Today";
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (key === dayKey(yesterday)) return "Yesterday";
  return (y === today.getFullYear() ? dayFormat : dayYearFormat).format(date);
}

function dayDivider(key: string): HTMLLIElement {
  return h("li", { class: "divider divider--day", testid: "date-divider", "data-day": key }, h("span", {}, dayLabel(key)));
}

/** The date lines again, after messages were put before the others (earlier pages of the archive). */
export function refreshDayDividers(view: RoomView): void {
  for (const old of Array.from(view.log.querySelectorAll("[data-testid=date-divider]"))) old.remove();
  let last: string | undefined;
  for (const item of Array.from(view.log.querySelectorAll<HTMLElement>("[data-testid=message][data-day]"))) {
    const day = item.dataset.day as string;
    if (day !== last) item.before(dayDivider(day));
    last = day;
  }
  view.lastDay = last;
}

/**
 * A tap (or click) on a message shows its actions; a tap elsewhere hides
 * them. Hover shows them too, on devices that hover.
 */
function tapMessage(ev: Event): void {
  const item = ev.currentTarget as HTMLElement;
  if ((ev.target as Element | null)?.closest("button, a, input, textarea, select, video, audio")) return;
  // Selecting text is not a tap.
  if (window.getSelection()?.isCollapsed === false) return;
  const was = item.classList.contains("msg--selected");
  unselectMessages();
  if (!was) item.classList.add("msg--selected");
}

export function unselectMessages(except?: Element | null): void {
  for (const el of Array.from(document.querySelectorAll(".msg--selected"))) if (el !== except) el.classList.remove("msg--selected");
}

export function markJoined(view: RoomView): void {
  if (view.joinMarked) return;
  view.joinMarked = true;
  const nick = view.room?.nick ?? "";
  if (view.historyShown) appendToLog(view, h("li", { class: "divider divider--now", testid: "notice", "data-kind": "enter" }, h("span", {}, `You joined as ${nick} · ${timeFormat.format(new Date())}`)));
  else addNotice(view, "enter", `You joined as ${nick}`);
  view.last = undefined;
}

/** A voice request (XEP-0045 §8.6) in the room's log, until a moderator answers it. */
export function addVoiceRequest(view: RoomView, request: VoiceRequestEvent): void {
  const who = request.nick ?? request.jid?.toString() ?? "Someone";
  const item: HTMLElement = h(
    "li",
    { class: "notice notice--voice", testid: "voice-request", "data-nick": request.nick ?? "" },
    h("span", { class: "notice__text" }, `${who} asks for voice`),
    h("button", { class: "btn btn--small", type: "button", testid: "voice-grant", onclick: () => void answer(true) }, "Grant"),
    h("button", { class: "btn btn--small btn--ghost", type: "button", testid: "voice-deny", onclick: () => void answer(false) }, "Deny"),
  );
  const answer = async (allow: boolean): Promise<void> => {
    try {
      await (allow ? request.approve() : request.deny());
      item.replaceWith(h("li", { class: "notice notice--voice", testid: "notice", "data-kind": "voice" }, h("span", { class: "notice__text" }, `${allow ? "Granted" : "Denied"} voice to ${who}`)));
    } catch (e) {
      showError("Could not answer the voice request", e);
    }
  };
  appendToLog(view, item);
  view.last = undefined;
}

export function addNotice(view: RoomView, kind: string, text: string): void {
  appendToLog(view, h("li", { class: `notice notice--${kind}`, testid: "notice", "data-kind": kind }, h("span", { class: "notice__text" }, text), h("time", {}, timeFormat.format(new Date()))));
  view.last = undefined;
}

export const STATE_UI: Record<string, { icon: string; label: string }> = {
  [MessageState.IN_TRANSIT]: { icon: "◌", label: "Sending…" },
  [MessageState.DELIVERED_TO_SERVER]: { icon: "✓", label: "Sent to the server" },
  [MessageState.DELIVERED_TO_RECIPIENT]: { icon: "✓✓", label: "Delivered to the room" },
  [MessageState.ERROR]: { icon: "!", label: "Not delivered" },
  [MessageState.TIMED_OUT]: { icon: "!", label: "Not confirmed by the room" },
  [MessageState.ABORTED]: { icon: "×", label: "Not sent: you left the room" },
  [MessageState.CLOSED]: { icon: "", label: "" },
};

/** A quote of the message a reply answers, above its text. */
interface Quote {
  readonly nick: string;
  readonly text: string;
  /** The stanza-id of the message quoted. */
  readonly target: string;
}

export function messageItem(view: RoomView, opts: { nick: string; body: string; at: Date; own: boolean; history: boolean; state: string; quote?: Quote; attachments?: readonly Attachment[] }): HTMLLIElement {
  const continued =
    !opts.history && !opts.quote && view.last !== undefined && view.last.nick === opts.nick && opts.at.getTime() - view.last.at < 5 * 60_000 && dayKey(new Date(view.last.at)) === dayKey(opts.at);
  view.last = opts.history ? view.last : { nick: opts.nick, at: opts.at.getTime() };
  const ui = STATE_UI[opts.state];
  // Someone else's message naming us (our nick as a word): highlighted, and a notification when we are elsewhere.
  const mentioned = !opts.own && mentions(opts.body, view.room?.nick ?? "");
  return messageElement(
    {
      class: `msg${opts.own ? " msg--own" : ""}${opts.history ? " msg--history" : ""}${continued ? " msg--cont" : ""}${mentioned ? " msg--mention" : ""}`,
      testid: "message",
      "data-mention": mentioned ? "true" : undefined,
      "data-day": dayKey(opts.at),
      onclick: tapMessage,
      "data-nick": opts.nick,
      "data-own": String(opts.own),
      "data-history": String(opts.history),
      "data-state": opts.state,
    },
    continued ? h("span", { class: "avatar avatar--md avatar--ghost", "aria-hidden": "true" }) : avatar(opts.nick),
    {
      meta: continued ? undefined : { nick: opts.nick, color: nickColor(opts.nick), at: opts.at, time: formatTime(opts.at) },
      quote: opts.quote ? { nick: opts.quote.nick, color: nickColor(opts.quote.nick), text: opts.quote.text, target: opts.quote.target } : undefined,
      body: opts.body,
      attachments: opts.attachments,
      mark: opts.own && !opts.history ? { state: opts.state, icon: ui?.icon ?? "", label: ui?.label ?? "" } : undefined,
    },
  );
}

/** The quote of the message a reply answers: from the log when it is there, else just its author. */
export function quoteOf(view: RoomView, reply: MessageReply | undefined): Quote | undefined {
  if (!reply) return undefined;
  const original = view.byStanzaId.get(reply.id);
  if (original) return { nick: original.nick, text: original.retracted ? "(deleted)" : original.text, target: reply.id };
  return { nick: reply.to?.resource || "someone", text: "", target: reply.id };
}
