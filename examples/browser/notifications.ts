/// <reference lib="dom" />
/**
 * Telling the user of what came while they were not looking: the unread
 * count in the tab's title, and a desktop notification when a message
 * mentions them (once they allowed it).
 *
 * @module
 */
import { byId } from "./dom.js";
import { type RoomView, isCurrent, session } from "./state.js";
import { select } from "./room-list.js";

/** Whether the page is being looked at (visible, with the focus). */
export function pageActive(): boolean {
  return document.visibilityState === "visible" && document.hasFocus();
}

/** The page's title without the unread count. */
let baseTitle = document.title;

/** The page's title changed (the configuration names the site): the unread count goes before this one. */
export function setBaseTitle(title: string): void {
  baseTitle = title;
}

/** "(3) Rooms": how many messages came that we have not seen, in the tab's title. */
export function updateTitle(): void {
  const unread = [...session.rooms.values()].reduce((n, v) => n + v.unread, 0) + session.awayUnread;
  const title = unread > 0 ? `(${unread > 99 ? "99+" : unread}) ${baseTitle}` : baseTitle;
  if (document.title !== title) document.title = title;
}

/** A desktop notification for a message that mentions us, when we are not looking at its room (and the user allowed them). */
export function notifyMention(view: RoomView, nick: string, text: string): void {
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
  if (isCurrent(view) && pageActive()) return;
  try {
    const note = new Notification(`${nick} mentioned you in ${view.name ?? view.jid.split("@")[0]}`, { body: text.length > 200 ? `${text.slice(0, 199)}…` : text, tag: `mention:${view.jid}` });
    note.onclick = () => {
      window.focus();
      select(view);
      note.close();
    };
  } catch (e) {
    // Some browsers only notify from a service worker: the highlight in the log stays.
    console.debug("notification", e);
  }
}

/** The "Notify me when mentioned" button: there while the browser has not been asked yet. */
export function renderNotificationButton(): void {
  const button = byId<HTMLButtonElement>("enable-notifications");
  button.hidden = typeof Notification === "undefined" || Notification.permission !== "default";
}
