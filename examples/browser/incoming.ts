/// <reference lib="dom" />
/**
 * The room's messages into its log: live ones and the join's history as
 * they come (counted unread, or notified when they mention us), and earlier
 * pages of the room's archive (XEP-0313) on demand.
 *
 * @module
 */
import { type ArchivedMessage, type MessageEvent, MessageState, messageRefs, queryRoomArchive } from "../../src/index.js";
import { attachmentsOf } from "../../src/xso/index.js";
import { h } from "./dom.js";
import { showError } from "./errors.js";
import { type Change, type RoomView, isCurrent, sentItems, session } from "./state.js";
import { redraw } from "./redraw.js";
import { addNotice, appendToLog, markJoined, messageItem, quoteOf, refreshDayDividers } from "./message-log.js";
import { notifyMention, pageActive, updateTitle } from "./notifications.js";
import { applyChange, authorIdKey, keep, remember } from "./message-changes.js";
import { renderSeen, scheduleMarkRead } from "./reading.js";

/** The "Load earlier messages" item at the top of the log (once the join's history gave us an archive id to start from). */
function offerEarlier(view: RoomView): void {
  if (view.earlier || view.oldestId === undefined) return;
  const button = h("button", { class: "btn btn--small btn--ghost", type: "button", testid: "load-earlier", onclick: () => void loadEarlier(view) }, "Load earlier messages");
  view.earlier = h("li", { class: "divider divider--earlier" }, button) as HTMLLIElement;
  view.log.prepend(view.earlier);
}

/** Page back through the room's archive (XEP-0313) from the oldest message shown. */
async function loadEarlier(view: RoomView): Promise<void> {
  const muc = session.muc;
  const item = view.earlier;
  if (!muc || !item || view.oldestId === undefined) return;
  item.querySelector("button")?.setAttribute("disabled", "");
  try {
    const page = await queryRoomArchive(muc, view.jid, { before: view.oldestId, max: 20 });
    // The log was cleared (a rejoin) while the page came: it belongs to the old log.
    if (view.earlier !== item) return;
    const saved = view.last;
    const items: HTMLLIElement[] = [];
    const changes: Change[] = [];
    for (const m of page.messages) {
      // Changes first: a moderation comes from the room itself, without a nick.
      const change = archivedChange(m);
      if (change) changes.push(change);
      else if (m.nick !== undefined && m.body !== undefined) items.push(archivedItem(view, m, m.nick, m.body));
    }
    view.last = saved;
    item.after(...items);
    refreshDayDividers(view);
    if (view.seen.size > 0) renderSeen(view);
    // The page's changes, then those waiting for an older message, apply in archive order;
    // those whose message is older still wait for the next page.
    view.pendingChanges = [...changes, ...view.pendingChanges].filter((change) => !applyChange(view, change));
    if (page.first !== undefined) view.oldestId = page.first;
    if (page.complete || page.messages.length === 0) {
      item.replaceWith(h("li", { class: "divider", testid: "archive-start" }, h("span", {}, "Start of the archive")));
      view.earlier = undefined;
    } else {
      item.querySelector("button")?.removeAttribute("disabled");
    }
  } catch (e) {
    if (view.earlier !== item) return;
    item.remove();
    view.earlier = undefined;
    showError("Could not load earlier messages", e);
  }
}

/** The change an archived message makes, if it is one. */
function archivedChange(m: ArchivedMessage): Change | undefined {
  const refs = messageRefs(m.message);
  const who = { nick: m.nick, occupantId: m.occupantId };
  if (refs.retraction) return { kind: "retraction", target: refs.retraction.id, moderated: m.nick === undefined ? refs.retraction.moderated : undefined, reason: refs.retraction.reason, ...who };
  if (refs.reactions) return { kind: "reactions", target: refs.reactions.id, reactions: refs.reactions.reactions, ...who };
  if (refs.corrects !== undefined && m.body !== undefined) return { kind: "correction", target: refs.corrects, body: refs.text ?? m.body, ...who };
  return undefined;
}

/** An archived message in the log, kept like a live one (so it can be replied to and changed). */
function archivedItem(view: RoomView, m: ArchivedMessage, nick: string, body: string): HTMLLIElement {
  const refs = messageRefs(m.message);
  const text = refs.text ?? body;
  const quote = quoteOf(view, refs.reply);
  const own = nick === view.room?.nick;
  const item = messageItem(view, { nick, body: text, at: m.stamp ?? new Date(), own, history: true, state: "received", attachments: attachmentsOf(m.message), ...(quote ? { quote } : {}) });
  keep(view, item, { nick, occupantId: m.occupantId, id: m.messageId, stanzaId: m.id, own, original: { nick, stanzaId: m.id, body, stanza: m.message }, text, replyTo: refs.reply?.id });
  return item;
}

export function addMessage(view: RoomView, e: MessageEvent): void {
  const refs = messageRefs(e);
  // Retractions, and corrections of messages in the log or older than the join's history, are applied by applyChange.
  if (refs.retraction || (refs.corrects !== undefined && (e.history || view.byId.has(authorIdKey(e.occupantId, e.nick, refs.corrects))))) return;
  // Our own tracked messages are on screen already; their tracker updates them.
  const sentItem = e.own && e.tracker ? sentItems.get(e.tracker) : undefined;
  if (sentItem) {
    remember(view, sentItem, e, refs);
    return;
  }
  if (e.history && !view.historyShown) {
    view.historyShown = true;
    appendToLog(view, h("li", { class: "divider", testid: "history-divider" }, h("span", {}, "Earlier messages")));
  }
  if (!e.history) markJoined(view);
  const nick = e.nick ?? view.name ?? "room";
  if (e.nick === undefined) {
    addNotice(view, "config", e.body);
    return;
  }
  const text = refs.text ?? e.body;
  const state = e.own && !e.history ? MessageState.DELIVERED_TO_RECIPIENT : "received";
  const item = messageItem(view, { nick, body: text, at: e.delay ?? new Date(), own: e.own, history: e.history, state, quote: quoteOf(view, refs.reply), attachments: e.attachments });
  appendToLog(view, item);
  remember(view, item, e, refs);
  // Someone's marker named it before it came (say, while the log was reloading).
  if (e.stanzaId !== undefined && [...view.seen.values()].includes(e.stanzaId)) renderSeen(view);
  if (!e.own) scheduleMarkRead(view);
  if (e.history && view.oldestId === undefined && e.stanzaId !== undefined) {
    view.oldestId = e.stanzaId;
    offerEarlier(view);
  }
  if (!e.history && !e.own && !isCurrent(view)) {
    view.unread++;
    redraw.nav();
  } else if (!e.history && !e.own && !pageActive()) {
    // The room on screen, but the window is elsewhere: counted in the tab's title until we are back.
    session.awayUnread++;
    updateTitle();
  }
  if (!e.history && !e.own && item.dataset.mention === "true") notifyMention(view, nick, text);
}
