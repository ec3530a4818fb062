/// <reference lib="dom" />
/**
 * What may change a message once it is in the log, and its actions: each
 * message kept by the ids others refer to it by, replies, reactions
 * (XEP-0444), corrections (XEP-0308), retractions (XEP-0424) and a
 * moderator's removal (XEP-0425), live or read from the archive.
 *
 * @module
 */
import { type MessageEvent, type MessageRefs, moderateMessage, sendReactions, sendRetraction } from "../../src/index.js";
import { h, replaceChildren } from "./dom.js";
import { showError } from "./errors.js";
import { styledText } from "./styling.js";
import { onlyUrlsOf } from "./files.js";
import { type Change, type MessageRecord, type RoomView, session } from "./state.js";
import { ask } from "./dialog.js";
import { startComposing, stopComposing } from "./composer.js";

const NS_MESSAGE_MODERATE = "urn:xmpp:message-moderate:1";

/** Keep a message that later ones may change, and give it its actions. */
export function remember(view: RoomView, item: HTMLLIElement, e: MessageEvent, refs: MessageRefs): void {
  if (e.nick === undefined) return;
  keep(view, item, { nick: e.nick, occupantId: e.occupantId, id: e.id, stanzaId: e.stanzaId, own: e.own, original: e, text: refs.text ?? e.body, replyTo: refs.reply?.id });
}

export function keep(view: RoomView, item: HTMLLIElement, fields: Omit<MessageRecord, "item" | "reactions" | "retracted">): MessageRecord {
  const record: MessageRecord = { ...fields, item, reactions: new Map(), retracted: false };
  if (record.stanzaId !== undefined) {
    view.byStanzaId.set(record.stanzaId, record);
    item.dataset.stanzaId = record.stanzaId;
  }
  if (record.id !== undefined) view.byId.set(authorIdKey(record.occupantId, record.nick, record.id), record);
  item.querySelector(".msg__actions")?.remove();
  item.querySelector(".msg__content")?.append(messageActions(view, record));
  return record;
}

const QUICK_REACTIONS = ["👍", "❤️", "😂", "🎉", "😮"];

/** Reply, react, and for our own messages edit and delete: on hover. */
function messageActions(view: RoomView, record: MessageRecord): HTMLElement {
  const picker = h(
    "div",
    { class: "msg__picker", testid: "reaction-picker", hidden: true },
    ...QUICK_REACTIONS.map((emoji) =>
      h(
        "button",
        {
          class: "msg__picker-option",
          type: "button",
          testid: "reaction-option",
          "data-emoji": emoji,
          onclick: () => {
            picker.hidden = true;
            toggleReaction(view, record, emoji);
          },
        },
        emoji,
      ),
    ),
  );
  const button = (testid: string, label: string, onclick: () => void): HTMLButtonElement => h("button", { class: "msg__action", type: "button", testid, title: label, "aria-label": label, onclick }, label);
  const canRefer = record.stanzaId !== undefined;
  return h(
    "div",
    { class: "msg__actions", testid: "message-actions" },
    canRefer ? button("action-reply", "Reply", () => startComposing(view, "reply", record)) : null,
    canRefer
      ? button("action-react", "React", () => {
          picker.hidden = !picker.hidden;
        })
      : null,
    record.own && record.id !== undefined ? button("action-edit", "Edit", () => startComposing(view, "edit", record)) : null,
    record.own && canRefer ? button("action-delete", "Delete", () => void retract(view, record)) : null,
    // Shown (by the log's data-can-moderate) to moderators of rooms with XEP-0425.
    !record.own && canRefer ? button("action-remove", "Remove", () => void removeMessage(view, record)) : null,
    picker,
  );
}

/** The key of a sender's reactions: their occupant id, else their nick. */
function reactorKey(occupantId: string | undefined, nick: string | undefined): string {
  return occupantId !== undefined ? `id:${occupantId}` : `nick:${nick ?? ""}`;
}

/** Add or take back one of our reactions: we send all of ours each time (XEP-0444). */
function toggleReaction(view: RoomView, record: MessageRecord, emoji: string): void {
  const muc = session.muc;
  const room = view.room;
  if (!muc || !room?.joined || record.stanzaId === undefined) return;
  const mine = record.reactions.get(reactorKey(room.me?.occupantId, room.nick)) ?? [];
  const next = mine.includes(emoji) ? mine.filter((r) => r !== emoji) : [...mine, emoji];
  sendReactions(muc, room.jid, record.stanzaId, next).catch((e: unknown) => showError("Could not react", e));
}

function renderReactions(view: RoomView, record: MessageRecord): void {
  const box = record.item.querySelector<HTMLElement>("[data-testid=message-reactions]");
  if (!box) return;
  const counts = new Map<string, number>();
  for (const reactions of record.reactions.values()) for (const r of new Set(reactions)) counts.set(r, (counts.get(r) ?? 0) + 1);
  const mine = new Set(record.reactions.get(reactorKey(view.room?.me?.occupantId, view.room?.nick)) ?? []);
  replaceChildren(
    box,
    ...[...counts].map(([emoji, count]) =>
      h(
        "button",
        { class: `reaction${mine.has(emoji) ? " reaction--mine" : ""}`, type: "button", testid: "reaction", "data-emoji": emoji, "data-count": count, "data-mine": String(mine.has(emoji)), onclick: () => toggleReaction(view, record, emoji) },
        emoji,
        h("span", { class: "reaction__count" }, count),
      ),
    ),
  );
}

/** The key of a message in {@link RoomView.byId}: its author (occupant id, else nick) and its id. */
export function authorIdKey(occupantId: string | undefined, nick: string | undefined, id: string): string {
  return `${reactorKey(occupantId, nick)}\u0000${id}`;
}

/** Hold a change whose message is not in the log yet (at most 500, the newest). */
export function holdChange(view: RoomView, change: Change): void {
  view.pendingChanges.push(change);
  if (view.pendingChanges.length > 500) view.pendingChanges.splice(0, view.pendingChanges.length - 500);
}

/** Whether a change comes from the author of the message it changes (same occupant id where the room gives them, else same nick). */
function sameAuthor(record: MessageRecord, change: Change): boolean {
  if (record.occupantId !== undefined && change.occupantId !== undefined) return record.occupantId === change.occupantId;
  return record.nick === change.nick;
}

/**
 * A correction, retraction or reactions that arrived for a message in the log.
 *
 * @returns whether the message is in the log (a change from someone else than its author is dropped).
 */
export function applyChange(view: RoomView, change: Change): boolean {
  if (change.kind === "correction") {
    const record = view.byId.get(authorIdKey(change.occupantId, change.nick, change.target));
    if (!record) return false;
    if (record.retracted || !sameAuthor(record, change)) return true;
    record.text = change.body;
    const body = record.item.querySelector<HTMLElement>("[data-testid=message-body]");
    if (body) {
      replaceChildren(body, styledText(change.body));
      const urls = Array.from(record.item.querySelectorAll<HTMLElement>("[data-testid=attachment]"), (a) => ({ url: a.dataset.url ?? "" }));
      body.hidden = onlyUrlsOf(change.body, urls);
    }
    record.item.dataset.edited = "true";
    updateQuotes(view, record);
    if (!record.item.querySelector("[data-testid=message-edited]")) body?.after(h("span", { class: "msg__edited", testid: "message-edited", title: "Edited" }, "(edited)"));
  } else if (change.kind === "retraction") {
    const record = view.byStanzaId.get(change.target);
    if (!record) return false;
    if (!change.moderated && !sameAuthor(record, change)) return true;
    record.retracted = true;
    record.reactions.clear();
    record.item.dataset.retracted = "true";
    const text = change.moderated ? `Removed by a moderator${change.reason ? `: ${change.reason}` : ""}` : "This message was deleted";
    const body = record.item.querySelector<HTMLElement>("[data-testid=message-body]");
    if (body) {
      body.textContent = text;
      body.hidden = false;
    }
    record.item.querySelector("[data-testid=message-attachments]")?.remove();
    record.item.querySelector("[data-testid=message-edited]")?.remove();
    record.item.querySelector("[data-testid=message-quote]")?.remove();
    record.item.querySelector(".msg__actions")?.remove();
    updateQuotes(view, record);
    renderReactions(view, record);
    if (view.composing?.record === record) stopComposing(view);
  } else {
    const record = view.byStanzaId.get(change.target);
    if (!record) return false;
    if (record.retracted) return true;
    const key = reactorKey(change.occupantId, change.nick);
    if (change.reactions.length === 0) record.reactions.delete(key);
    else record.reactions.set(key, change.reactions);
    renderReactions(view, record);
  }
  return true;
}

/** The quotes of replies to `record` in the log follow its corrections and retraction. */
function updateQuotes(view: RoomView, record: MessageRecord): void {
  if (record.stanzaId === undefined) return;
  for (const quote of Array.from(view.log.querySelectorAll<HTMLElement>("[data-testid=message-quote]"))) {
    if (quote.dataset.replyTo !== record.stanzaId) continue;
    const text = quote.querySelector<HTMLElement>("[data-testid=message-quote-text]");
    if (text) text.textContent = record.retracted ? "(deleted)" : record.text;
  }
}

async function retract(view: RoomView, record: MessageRecord): Promise<void> {
  const muc = session.muc;
  const room = view.room;
  if (!muc || !room?.joined || record.stanzaId === undefined) return;
  const preview = record.text.length > 80 ? `${record.text.slice(0, 79)}…` : record.text;
  const ok = await ask({ title: "Delete your message?", message: `“${preview}” is deleted for everyone in the room. This cannot be undone.`, confirm: "Delete", danger: true });
  if (ok === null) return;
  try {
    await sendRetraction(muc, room.jid, record.stanzaId);
  } catch (e) {
    showError("Could not delete the message", e);
  }
}

/** As a moderator, have the room retract someone's message for everyone (XEP-0425). */
async function removeMessage(view: RoomView, record: MessageRecord): Promise<void> {
  const muc = session.muc;
  const room = view.room;
  if (!muc || !room?.joined || record.stanzaId === undefined) return;
  const reason = await ask({ title: `Remove ${record.nick}'s message?`, message: "It is removed for everyone in the room.", confirm: "Remove", danger: true, input: { label: "Reason (optional)" } });
  if (reason === null) return;
  try {
    await moderateMessage(muc, room.jid, record.stanzaId, reason ? { reason } : {});
  } catch (e) {
    showError("Could not remove the message", e);
  }
}

/** Whether we may remove others' messages: the room does XEP-0425 and we are a moderator there. */
export function canModerateMessages(view: RoomView): boolean {
  return view.room?.me?.role === "moderator" && view.info?.features.has(NS_MESSAGE_MODERATE) === true;
}
