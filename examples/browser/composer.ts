/// <reference lib="dom" />
/**
 * The room's composer: writing a message, a reply or a correction of ours,
 * sending it (shown at once, with its delivery state from the
 * `MessageTracker`, pending while the room is out of sync), and what it says
 * while the room is out of sync.
 *
 * @module
 */
import { MessageState, type MessageTracker, composeReply, sendCorrection } from "../../src/index.js";
import { h, replaceChildren } from "./dom.js";
import { notDeliveredText, showError } from "./errors.js";
import { paperclipIcon, pastedImages } from "./files.js";
import { attachMentions } from "./mentions.js";
import { composerForm } from "./conversation.js";
import { type MessageRecord, type RoomView, isCurrent, sentItems, session } from "./state.js";
import { isLive, isSuspended, openSends } from "./connection-view.js";
import { STATE_UI, appendToLog, markJoined, messageItem } from "./message-log.js";
import { renderUploads, sendFiles } from "./uploads.js";
import { activeState, onComposerInput, sendChatState } from "./reading.js";

/** Reply to a message, or correct one of ours, with the composer. */
export function startComposing(view: RoomView, kind: "reply" | "edit", record: MessageRecord): void {
  const input = composerInput(view);
  if (input && view.composing?.kind === "edit") input.value = "";
  view.composing = { kind, record };
  if (input && kind === "edit") input.value = record.text;
  renderComposerContext(view);
  input?.focus();
}

/** Back to writing a new message; the text of an edit goes with it. */
export function stopComposing(view: RoomView): void {
  const input = composerInput(view);
  if (input && view.composing?.kind === "edit") input.value = "";
  view.composing = undefined;
  renderComposerContext(view);
}

/** The composer's input, when `view` is the room on screen. */
export function composerInput(view: RoomView): HTMLTextAreaElement | null {
  return isCurrent(view) ? document.querySelector<HTMLTextAreaElement>("[data-testid=composer-input]") : null;
}

/** The "Replying to …" / "Editing message" bar above the composer. */
function renderComposerContext(view: RoomView): void {
  const bar = document.querySelector<HTMLElement>("[data-testid=composer-context]");
  if (!bar || !isCurrent(view)) return;
  const c = view.composing;
  bar.hidden = c === undefined;
  if (!c) {
    bar.replaceChildren();
    return;
  }
  replaceChildren(
    bar,
    h("span", { class: "composer__context-text" }, c.kind === "reply" ? `Replying to ${c.record.nick}: ` : "Editing your message", c.kind === "reply" ? h("span", { class: "composer__context-quote" }, c.record.text) : null),
    h("button", { class: "btn btn--small btn--ghost", type: "button", testid: "composer-context-cancel", onclick: () => stopComposing(view) }, "Cancel"),
  );
}

/** Send what the composer holds: a new message, a reply, or a correction. */
function submitComposer(view: RoomView, text: string): void {
  const c = view.composing;
  view.composing = undefined;
  renderComposerContext(view);
  const muc = session.muc;
  const room = view.room;
  if (c?.kind === "edit" && muc && room) {
    if (c.record.id !== undefined && text !== c.record.text) {
      // A correction replaces the whole message (XEP-0308): an edited reply stays a reply.
      const target = c.record.replyTo === undefined ? undefined : view.byStanzaId.get(c.record.replyTo);
      const reply = target ? composeReply(room.jid, { ...target.original, text: target.text }, text) : undefined;
      sendCorrection(muc, room.jid, c.record.id, reply?.body ?? text, { payloads: [...(reply?.payloads ?? []), activeState(view)] }).catch((e: unknown) => showError("Could not edit the message", e));
    } else if (view.chatState.state === "composing") {
      // Nothing changed, nothing sent: we are no longer typing, though.
      sendChatState(view, "active");
    }
    return;
  }
  send(view, text, c?.kind === "reply" ? c.record : undefined);
}

function send(view: RoomView, text: string, replyTo?: MessageRecord): void {
  const room = view.room;
  if (!room || !room.joined) return;
  let tracker: MessageTracker;
  try {
    const reply = replyTo ? composeReply(room.jid, { ...replyTo.original, text: replyTo.text }, text) : undefined;
    tracker = room.sendTrackedMessage(reply?.body ?? text, { payloads: [...(reply?.payloads ?? []), activeState(view)] });
  } catch (e) {
    showError("Could not send", e);
    return;
  }
  markJoined(view);
  const quote = replyTo?.stanzaId !== undefined ? { nick: replyTo.nick, text: replyTo.text, target: replyTo.stanzaId } : undefined;
  const item = messageItem(view, { nick: room.nick, body: text, at: new Date(), own: true, history: false, state: tracker.state, ...(quote ? { quote } : {}) });
  sentItems.set(tracker, item);
  appendToLog(view, item);
  view.log.parentElement?.scrollTo({ top: view.log.parentElement.scrollHeight });
  const icon = item.querySelector<HTMLElement>("[data-testid=message-state]")!;
  const note = item.querySelector<HTMLElement>(".msg__error")!;
  let error: unknown;
  // Shown as pending while it waits for the connection (or for the room's rejoin): it goes out by itself then.
  const update = (): void => {
    const state = tracker.state;
    const pending = state === MessageState.IN_TRANSIT && isSuspended(view);
    item.dataset.state = state;
    item.dataset.pending = String(pending);
    item.classList.toggle("msg--pending", pending);
    icon.dataset.state = state;
    icon.dataset.pending = String(pending);
    if (pending) {
      icon.replaceChildren(clockIcon());
      icon.title = "Sending when back online";
    } else {
      icon.textContent = STATE_UI[state]?.icon ?? "";
      icon.title = STATE_UI[state]?.label ?? "";
    }
    note.classList.toggle("msg__error--pending", pending);
    if (pending) note.textContent = "Sending when back online";
    else if (state === MessageState.ERROR) note.textContent = notDeliveredText(error);
    else if (state === MessageState.TIMED_OUT) note.textContent = "Not confirmed by the room: it may not have arrived.";
    else if (state === MessageState.ABORTED) note.textContent = "Not sent: you left the room.";
    else note.textContent = "";
  };
  openSends.add(update);
  tracker.on("stateChange", ({ state, error: e }) => {
    error = e;
    if (e !== undefined) console.warn(`message ${tracker.id}: ${state}`, e);
    if (state !== MessageState.IN_TRANSIT && state !== MessageState.DELIVERED_TO_SERVER) openSends.delete(update);
    update();
  });
  update();
}

/** A small clock: "waiting to be sent". */
function clockIcon(): SVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  for (const [k, v] of Object.entries({ width: "13", height: "13", viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", "stroke-width": "2.4", "stroke-linecap": "round", "aria-hidden": "true" })) svg.setAttribute(k, v);
  const circle = document.createElementNS(ns, "circle");
  circle.setAttribute("cx", "12");
  circle.setAttribute("cy", "12");
  circle.setAttribute("r", "9");
  const hands = document.createElementNS(ns, "path");
  hands.setAttribute("d", "M12 7v5l3 2");
  svg.append(circle, hands);
  return svg;
}

/** The composer in a room's footer (`foot`), with the attach button, the uploads and the @-mentions. */
export function showComposer(view: RoomView, foot: Element): void {
  const fileInput = h("input", { type: "file", multiple: true, hidden: true, tabindex: -1, testid: "composer-file", "aria-label": "Files to send" });
  fileInput.addEventListener("change", () => {
    const files = Array.from(fileInput.files ?? []);
    // Cleared, so that the same file can be picked again.
    fileInput.value = "";
    if (files.length > 0) sendFiles(view, files);
  });
  const { form, input } = composerForm({
    placeholder: `Message ${view.name ?? view.jid}`,
    extras: [
      h("ul", { class: "uploads", testid: "uploads", "aria-label": "Files being sent", hidden: true }),
      fileInput,
      h("button", { class: "icon-btn composer__attach", type: "button", testid: "composer-attach", title: "Attach a file", "aria-label": "Attach a file", onclick: () => fileInput.click() }, paperclipIcon()),
    ],
    listen: (input) => {
      // @-mentions: Tab completes a nick, "@" lists the occupants (before our own keydown handler: Enter picks one there).
      attachMentions(input, () => (view.room?.occupants ?? []).filter((o) => !o.isSelf).map((o) => o.nick));
      input.addEventListener("paste", (ev) => {
        const images = pastedImages(ev);
        if (images.length === 0) return;
        ev.preventDefault();
        sendFiles(view, images);
      });
    },
    send: (text) => submitComposer(view, text),
    escape: (input) => {
      if (view.composing) {
        if (view.composing.kind === "edit") input.value = "";
        stopComposing(view);
        onComposerInput(view, input.value);
      }
    },
    typed: (text) => onComposerInput(view, text),
  });
  replaceChildren(foot, form);
  // Back in a room where an edit was under way: its text again.
  if (view.composing?.kind === "edit") input.value = view.composing.record.text;
  renderComposerContext(view);
  renderUploads(view);
}

/** While the room is out of sync, the composer stays usable and says what happens to what is sent. */
export function renderComposerOffline(view: RoomView, foot: Element): void {
  const composer = foot.querySelector<HTMLElement>("[data-testid=composer]");
  if (!composer) return;
  const offline = isSuspended(view);
  composer.classList.toggle("composer--offline", offline);
  composer.dataset.offline = String(offline);
  const input = composer.querySelector<HTMLTextAreaElement>("[data-testid=composer-input]");
  if (input) input.placeholder = offline ? "Offline — messages go out when the connection is back" : `Message ${view.name ?? view.jid}`;
  let hint = composer.querySelector<HTMLElement>("[data-testid=composer-offline]");
  if (!offline) {
    hint?.remove();
    return;
  }
  if (!hint) {
    hint = h("div", { class: "composer__offline", testid: "composer-offline", role: "status" });
    composer.prepend(hint);
  }
  hint.textContent = isLive() ? "Rejoining the room — what you send goes out once it is back." : "You are offline — what you send goes out when the connection is back.";
}
