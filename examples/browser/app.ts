/// <reference lib="dom" />
/**
 * A small web client for XMPP group chats, built on xmpp-muc-sdk and
 * @xmpp/client over WebSocket. Plain DOM, no framework; bundled by
 * `serve.ts` with esbuild.
 *
 * It logs in (SASL PLAIN), lists the rooms of the MUC service and of the
 * gateway (registering with the gateway on demand, step by step through its
 * register command, XEP-0050, or XEP-0077; running its other commands from
 * the Commands view, commands.ts, their forms drawn by forms.ts), joins a room
 * with a nick, and shows the occupants by role with their affiliations, the
 * subject, the messages (history marked as earlier; our own with their
 * delivery state from the `MessageTracker`), replies, corrections,
 * deletions and reactions (XEP-0461, 0308, 0424, 0444), join/leave notices,
 * the moderation actions our role and affiliation allow, who is typing
 * (XEP-0085 chat states; we send ours while typing in the composer) and who
 * has read what (XEP-0333 `displayed` markers; we mark the newest message
 * read while the room is on screen and the window has focus), and files
 * (XEP-0363 upload through our server, shared with XEP-0066/0447: sent with
 * the composer's attach button, by dropping them on the room or pasting an
 * image; images shown inline, other files as a card with a download link).
 *
 * Errors are said in plain words next to what caused them (errors.ts maps
 * every condition to a sentence): under the login form, under the join
 * form's nick or password field (keeping what was typed), in an occupant's
 * details, in the registration form and the room's administration; anything
 * else in a toast over the page, which never pushes the layout down.
 * Moderation and administration are offered only where the room takes them
 * (a gateway's rooms: no voice or affiliation changes; settings where they
 * announce muc#owner; anything answered feature-not-implemented is hidden
 * from then on) and our role and affiliation allow them: kick, voice, ban,
 * promote and demote, the affiliation lists with Unban, the room's
 * configuration form and invitations (admin-panel.ts). Message text is
 * styled (XEP-0393) and its links clickable, always as DOM nodes
 * (styling.ts); @-mentions complete in the composer and, when the user
 * allowed it, notify (mentions.ts); the unread count is in the tab's title.
 * People and direct chats (contacts.ts): the gateway's contacts in our
 * roster (its subscription requests accepted by themselves) with their
 * presence, a one-to-one chat with each, and a search of the gateway's
 * network that opens a chat with a result.
 * A reload of the tab logs in again and rejoins the rooms (persist.ts). On a
 * phone the room list comes first, and a tap on a message shows its actions.
 *
 * Under a bad network it keeps working: one connection banner follows the
 * real connection (reconnecting, rejoining, or a refusal in plain words); the
 * composer stays usable and what is sent meanwhile shows as pending until the
 * room reflects it; rooms out of sync are marked, their occupant lists greyed.
 * No exception text, socket code or bare error condition reaches the page.
 * With `?debug` in the address, the SDK's debug log goes to the console.
 * A login sent while the page still loads its configuration waits for it,
 * keeping what was typed (the form never submits itself: that would put the
 * password in the page's address).
 *
 * ## Modules
 *
 * app.ts starts the page, logs in and out, and wires the others together.
 * state.ts holds the page's state (the rooms as the page knows them, the
 * pane on screen, the session); render.ts draws the page from it, with
 * room-view.ts (a joined room's header and footer), occupants.ts,
 * join-form.ts, registration.ts (registering with the gateway) and
 * pane-header.ts. room-list.ts lists the rooms; room-events.ts joins them
 * and follows their events; incoming.ts brings their messages into the log
 * (message-log.ts), where message-changes.ts applies what changes them;
 * composer.ts writes and sends, uploads.ts sends files, reading.ts does
 * typing and read markers; room-actions.ts moderates and administers, as
 * far as permissions.ts allows; connection-view.ts shows the connection,
 * notifications.ts the unread count and mentions. avatars.ts, dialog.ts and
 * conversation.ts (what a room and a direct chat draw alike) serve them
 * all. The modules under render.ts ask for a redraw through redraw.ts, so
 * that imports go one way: from this module down to state.ts.
 *
 * ## `data-testid`s (stable, for browser tests)
 *
 * Page
 * - `error-banner` (a toast over the page, `hidden` when there is no error), `error-text`, `error-dismiss`:
 *   what an action of ours could not do when there is no better place for it, in plain words (never an
 *   exception's text)
 * - `connection-banner` (`hidden` while online; `data-state`: reconnecting, rejoining, error, offline),
 *   `connection-text`, `connection-action` ("Log in again", for error and offline)
 * - `dialog` (a modal asking for confirmation and a reason), `dialog-input`, `dialog-confirm`, `dialog-cancel`;
 *   its message (`#dialog-message`) has `data-error=true` when it says what was wrong with the last try
 *
 * Login
 * - `login-view`, `login-form`, `login-username`, `login-password`,
 *   `login-service` (WebSocket URL, prefilled from /config.json), `login-domain`, `login-submit`,
 *   `login-error` (why logging in failed, under the form)
 * - `demo-accounts` and `demo-account` (one per account; `data-username`): fill the form
 *
 * Sidebar
 * - `shell` (the logged-in layout), `me-jid`, `connection-status` (`data-state`: connecting, online,
 *   rejoining (stanzas go out, some rooms are not resumed yet), reconnecting, error (the server refuses us), offline),
 *   `logout-button`
 * - `room-list-muc`, `room-list-gateway`, `room-list-other`: the room sections
 * - `room-item` (`data-jid`, `data-source` muc|gateway|other, `data-joined` true|false, `data-active`,
 *   `data-suspended`: a room we are in but out of sync with, the connection down or the room rejoining),
 *   with `room-unread` and `room-suspended` (the "reconnecting" mark)
 * - `refresh-rooms` (in each section header; `data-source`)
 * - `gateway-status` (`data-state`: checking, registered, unregistered, unavailable), `gateway-register` (shown when not registered),
 *   `gateway-commands` (the gateway's commands, commands.ts: `commands-view`, `command-item`, `command-stage`, …)
 * - `open-join`: join a room by its address; `enable-notifications` (while the browser has not been asked)
 * - `contact-list`: People (the gateway's contacts in our roster) and their direct chats (`chat-view`), and
 *   the people search (`people-search`): contacts.ts lists their `data-testid`s
 *
 * Main pane
 * - `empty-state` (nothing selected)
 * - `register-form` (`data-step`: 1, 2, …; `data-kind`: form, qr, info), `register-field-<var>` (one input per field
 *   of the step, by its type: forms.ts), `register-fixed` (a step's text, e.g. a QR code's), `register-note`,
 *   `register-submit`, `register-cancel`, `register-waiting` (a request under way); a QR step: `register-qr` with
 *   `register-qr-image` (only a `data:` image or `https:` URL the gateway sent) and `register-qr-text`. Registering goes
 *   through the gateway's register command when it has one (`registerWithGateway`): the details, then a code
 *   or a QR code the network's app scans (the step completes by itself once the gateway says it was scanned)
 * - `room-preview` (a room we are not in; `data-jid`), `room-info` (its description and features),
 *   `room-invite` (a pending invitation to it)
 * - `join-form`, `join-room` (room address), `join-nick`, `join-password`, `join-submit`; why joining failed:
 *   `join-nick-error`, `join-password-error`, `join-room-error` under their field (which gets
 *   `aria-invalid`), else `join-error`
 * - `register-error` (in `register-form`: why registering failed)
 * - `room-view` (a joined room; `data-jid`, `data-state` joining|joined|left, `data-suspended`), `room-name`, `room-jid`,
 *   `room-subject` (the subject text), `my-role` (`data-role`, `data-affiliation`)
 * - `action-subject` (edit the subject: moderators, or anyone with voice when the room allows),
 *   `subject-input`, `subject-save`, `subject-cancel`
 * - `leave-button`, `rejoin-button` (after we left or were removed, unless the room was destroyed),
 *   `action-destroy` (owners, where the room takes it), `action-invite` (a dialog asking for an address),
 *   `action-manage` (admins and owners: the panel of admin-panel.ts), `toggle-occupants` (narrow screens)
 * - `messages` (the list); `message` items with `data-nick`, `data-own`, `data-history`,
 *   `data-state` (own messages: in-transit, delivered-to-server, delivered-to-recipient, error,
 *   timed-out, aborted; anything else: received; `data-pending` true while one of ours waits for the
 *   connection or the room's rejoin); `message-body`, `message-state` (the delivery icon of our own live
 *   messages, same `data-state` and `data-pending`: a clock, "Sending when back online"), `message-note`
 *   (under our message: "Sending when back online", or why it was not delivered, in plain words)
 * - `history-divider` (before the earlier messages), `date-divider` (`data-day`: before the first message of
 *   each day: "Today", "Yesterday", a date), `notice` (`data-kind`: join, leave, kick, ban, nick,
 *   role, affiliation, subject, enter, exit, suspend, resume, config, invite)
 * - in `message-body`: `message-link` (http/https links, new tab, rel=noopener), `styled-strong`, `styled-em`,
 *   `styled-strike`, `styled-code`, `styled-pre`, `styled-quote` (XEP-0393); a message naming us has
 *   `data-mention=true`; a tap on a message shows its actions (class `msg--selected`), a tap elsewhere hides them
 * - on each message (`data-stanza-id` once the room gave one; `data-edited`, `data-retracted` when
 *   changed): `message-quote` (the message a reply answers), `message-edited`, `message-reactions` with
 *   `reaction` chips (`data-emoji`, `data-count`, `data-mine`; a click toggles ours), and on hover
 *   `message-actions`: `action-reply`, `action-react` (opens `reaction-picker` with `reaction-option`
 *   buttons, `data-emoji`), on our own messages `action-edit` and `action-delete`, and on others'
 *   `action-remove` (moderators, where the room announces XEP-0425; the log's `data-can-moderate`)
 * - `typing-indicator` (between the log and the composer, one line always reserved; `data-count`: how many
 *   others are typing): "alice is typing…", "alice and bob are typing…", "Several people are typing…" (XEP-0085)
 * - `message-seen` (under a message: "Seen by alice, bob", each occupant under the newest message their
 *   XEP-0333 `displayed` marker names), with a `seen-nick` per occupant (`data-nick`)
 * - `composer` (`data-offline` while the room is out of sync: it stays usable, what is sent waits),
 *   `composer-offline` (the note saying so), `composer-input`, `composer-send`, `action-request-voice` (visitors); `composer-context`
 *   ("Replying to …" / "Editing your message") with `composer-context-cancel`; `mention-popup` with
 *   `mention-option`s (`data-nick`) while an `@name` is typed; `action-request-voice` is disabled once asked
 * - files: `composer-attach` (the button), `composer-file` (its hidden `<input type=file>`); the room's
 *   `room-view` takes dropped files (`data-drop` true while a file is dragged over it), the composer
 *   pasted images. Each file being sent is an `upload` in `uploads` (above the input; `data-state`
 *   uploading|failed, `data-name`), with `upload-name`, `upload-progress`, `upload-status`,
 *   `upload-cancel` while uploading, and once failed `upload-error` (in plain words: "The file is too
 *   large for the server", "The server does not accept files", "The upload failed; try again", …),
 *   `upload-retry` and `upload-dismiss`. A sent file leaves the list; the room's message shows it.
 * - on a message with files: `message-attachments`, one `attachment` each (`data-kind` image|file,
 *   `data-url`): an image is a link (new tab) around `attachment-image` (the thumbnail); a file a card
 *   with `attachment-name`, `attachment-size` and `attachment-download`; `attachment-description`
 *   when it has one. A body that is just the files' URLs is not shown (`message-body` is `hidden`).
 * - `load-earlier` (at the top of the log, once the join's history came: pages back through the room's
 *   archive, XEP-0313), replaced by `archive-start` when there is nothing earlier
 * - `voice-request` (`data-nick`: a visitor's request for voice, shown to moderators), with `voice-grant`
 *   and `voice-deny`; once answered it becomes a `notice` of kind `voice`
 *
 * Occupants
 * - `occupants` (the pane; `data-suspended` true while the room is out of sync, the list greyed),
 *   `occupants-stale` (the "Reconnecting — this list may be out of date" note), `occupant-group` (`data-role`: moderator, participant, visitor)
 * - `occupant` (`data-nick`, `data-role`, `data-affiliation`, `data-self`), `occupant-affiliation` (the badge);
 *   clicking an occupant opens `occupant-details` (its address, role, affiliation) with `occupant-actions`
 * - moderation, in `occupant-actions`: `action-kick` (moderators), `action-grant-voice` / `action-revoke-voice`
 *   (moderators), `action-ban` (admins and owners), `action-set-affiliation` (`data-affiliation`: owner, admin,
 *   member, none); only the actions the room supports and our role and affiliation allow are there;
 *   `occupant-error` (what one of them could not do)
 *
 * @module
 */
import { client, xml } from "@xmpp/client";
// In your project: import { … } from "xmpp-muc-sdk"; and "xmpp-muc-sdk/xso".
import { MucService, onMessageChange, onVoiceRequest } from "../../src/index.js";
// What /config.json holds (a type only: nothing of the server goes into the page).
import type { WebConfig } from "./serve.js";
import { byId, h, replaceChildren } from "./dom.js";
import { clearError, loginErrorText, showError } from "./errors.js";
import { forgetAll, saveLogin, savedCurrentRoom, savedLogin, savedRooms } from "./persist.js";
import { resetCommands } from "./commands.js";
import { chatSeen, loadRoster, startContacts } from "./contacts.js";
import { isCurrent, session, viewFor } from "./state.js";
import { redraw } from "./redraw.js";
import { avatar } from "./avatars.js";
import { hideConnection, link, refreshConnection, watchConnection } from "./connection-view.js";
import { refreshGateway, refreshMucRooms } from "./room-list.js";
import { forgetRegistration, onGatewayMessage } from "./registration.js";
import { join } from "./room-events.js";
import { addVoiceRequest, unselectMessages } from "./message-log.js";
import { pageActive, renderNotificationButton, setBaseTitle, updateTitle } from "./notifications.js";
import { applyChange, holdChange } from "./message-changes.js";
import { composerInput } from "./composer.js";
import { scheduleMarkRead } from "./reading.js";
import { topBar } from "./pane-header.js";
import { renderPeople } from "./occupants.js";
import { renderRoomParts } from "./room-view.js";
import { openPane, render, renderMain, renderNav } from "./render.js";

/** The page's configuration (`/config.json`) into `session.config`; on failure the defaults stay and the page says so. Never rejects. */
async function loadConfig(): Promise<void> {
  try {
    const res = await fetch("/config.json", { cache: "no-store" });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    session.config = (await res.json()) as WebConfig;
  } catch (e) {
    console.warn("/config.json", e);
    showError("Could not load the configuration; reload the page to try again");
  }
}

async function boot(): Promise<void> {
  byId("error-dismiss").addEventListener("click", clearError);
  const form = byId<HTMLFormElement>("login-form");
  const field = (name: string): HTMLInputElement => form.elements.namedItem(name) as HTMLInputElement;
  // Listening before anything is awaited: a login sent while the configuration is
  // on its way waits for it. A native form submission instead would reload the
  // page with the password in its address.
  const configured = loadConfig();
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const submit = form.querySelector<HTMLButtonElement>("[data-testid=login-submit]")!;
    submit.disabled = true;
    submit.textContent = "Connecting…";
    void configured
      .then(() => login(field("service").value.trim(), field("domain").value.trim(), field("username").value.trim(), field("password").value))
      .finally(() => {
        submit.disabled = false;
        submit.textContent = "Log in";
      });
  });
  await configured;
  const config = session.config;
  if (config.title) document.title = config.title;
  setBaseTitle(document.title);
  // A tap outside any message hides the actions a tap on one showed.
  document.addEventListener("click", (ev) => {
    if (!(ev.target as Element | null)?.closest?.(".msg")) unselectMessages();
  });
  renderNotificationButton();
  byId("enable-notifications").addEventListener("click", () => {
    void Notification.requestPermission().then(renderNotificationButton, renderNotificationButton);
  });
  const defaultWs = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/xmpp-websocket`;
  // Defaults, never over what was typed while the page loaded.
  const byDefault = (name: string, value: string): void => {
    if (field(name).value === "") field(name).value = value;
  };
  byDefault("service", config.websocketUrl ?? defaultWs);
  byDefault("domain", config.domain);
  byDefault("username", localStorage.getItem("muc-demo:username") ?? "");

  const accounts = config.accounts ?? [];
  if (accounts.length > 0) {
    const box = byId("demo-accounts");
    box.hidden = false;
    replaceChildren(
      box.querySelector(".chips")!,
      ...accounts.map((a) =>
        h(
          "button",
          {
            type: "button",
            class: "chip",
            testid: "demo-account",
            "data-username": a.username,
            title: a.note ? `${a.username} — ${a.note}` : a.username,
            onclick: () => {
              field("username").value = a.username;
              field("password").value = a.password;
              byId<HTMLButtonElement>("login-form").querySelector<HTMLButtonElement>("[data-testid=login-submit]")!.focus();
            },
          },
          avatar(a.username, "sm"),
          a.username,
        ),
      ),
    );
  }

  byId("logout").addEventListener("click", () => void logout());
  byId("connection-action").addEventListener("click", () => void logout());
  byId("open-join").addEventListener("click", () => {
    session.pane = { kind: "join" };
    session.showNav = false;
    render();
  });
  byId("scrim").addEventListener("click", () => {
    session.showNav = false;
    session.showPeople = false;
    render();
  });
  // Back to the window: the room on screen is read now.
  const readCurrent = (): void => {
    if (pageActive() && session.awayUnread > 0) {
      session.awayUnread = 0;
      updateTitle();
    }
    const pane = session.pane;
    const view = pane.kind === "room" ? session.rooms.get(pane.jid) : undefined;
    if (view) scheduleMarkRead(view);
    if (pane.kind === "chat") chatSeen(pane.jid);
  };
  window.addEventListener("focus", readCurrent);
  document.addEventListener("visibilitychange", readCurrent);
  // A file dropped anywhere but on a room (which takes it, see acceptDrops in uploads.ts) must not replace the page.
  for (const type of ["dragover", "drop"] as const) {
    window.addEventListener(type, (ev) => {
      if (ev.defaultPrevented || ev.dataTransfer?.types.includes("Files") !== true) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = "none";
    });
  }
  // A reload of this tab: log in again as before and rejoin the rooms we were in.
  const saved = savedLogin();
  if (saved) {
    field("service").value = saved.service;
    field("domain").value = saved.domain;
    field("username").value = saved.user;
    const submit = form.querySelector<HTMLButtonElement>("[data-testid=login-submit]")!;
    submit.disabled = true;
    submit.textContent = "Reconnecting…";
    const ok = await login(saved.service, saved.domain, saved.user, saved.password).finally(() => {
      submit.disabled = false;
      submit.textContent = "Log in";
    });
    if (ok) await restoreRooms();
    else forgetAll();
  }
}

/** Rejoin the rooms we were in before the reload, back in the room that was on screen. */
async function restoreRooms(): Promise<void> {
  const rooms = savedRooms();
  const current = savedCurrentRoom();
  if (rooms.length === 0) return;
  const joins = rooms.map((r) => join(r.jid, r.nick, r.password, { focus: false }));
  if (current !== undefined && session.rooms.has(current)) session.pane = { kind: "room", jid: current };
  render();
  await Promise.all(joins);
  const view = session.pane.kind === "room" ? session.rooms.get(session.pane.jid) : undefined;
  if (view?.state === "joined") composerInput(view)?.focus();
}

/** Say under the login form why logging in did not work (`undefined`: clear it). */
function loginError(text: string | undefined): void {
  const line = byId("login-error");
  line.hidden = text === undefined;
  line.textContent = text ?? "";
}

/** Whether the page's address asks for the SDK's debug log on the console (`?debug`). */
const debugLog = new URLSearchParams(location.search).has("debug");

async function login(service: string, domainField: string, user: string, password: string): Promise<boolean> {
  clearError();
  loginError(undefined);
  if (!user || !password) {
    loginError("Enter a username and a password.");
    return false;
  }
  // "alice" or "alice@example.org".
  const at = user.indexOf("@");
  const username = at >= 0 ? user.slice(0, at) : user;
  const domain = at >= 0 ? user.slice(at + 1) : domainField || session.config.domain;
  const xmpp = client({
    service,
    domain,
    resource: `web-${crypto.randomUUID().slice(0, 8)}`,
    // SASL PLAIN: fine over loopback or TLS; Prosody's SCRAM with 10 000 iterations is slow in a browser.
    credentials: (authenticate) => authenticate({ username, password }, "PLAIN", xml("user-agent", { id: deviceId() })),
  });
  const muc = new MucService(xmpp, {
    logger: {
      // `?debug` in the page's address: the SDK's debug lines (what it ignored or worked around) go to the console too.
      debug: debugLog ? (message, ...details) => console.debug(message, ...details) : () => {},
      warn: (message, ...details) => console.warn(message, ...details),
    },
  });
  // As a moderator: a visitor's request for voice shows in the room, with Grant and Deny.
  onVoiceRequest(muc, (request) => {
    const view = session.rooms.get(request.room.toString());
    if (view) addVoiceRequest(view, request);
  });
  // Corrections, retractions and reactions (XEP-0308, 0424/0425, 0444), applied to the messages in the log.
  onMessageChange(muc, (change) => {
    const view = session.rooms.get(change.room.jid.toString());
    if (!view || view.room !== change.room) return;
    // A change to a message older than the log waits for "Load earlier messages" (a live
    // correction of one is shown as a message of its own instead).
    if (!applyChange(view, change) && (change.history || change.kind !== "correction")) holdChange(view, change);
  });
  // People and direct chats (contacts.ts): listening before the initial presence, which brings pending subscription requests.
  startContacts({
    xmpp,
    muc,
    gatewayDomain: session.config.gatewayDomain,
    isRoom: (jid) => session.rooms.has(jid),
    isOpen: (jid) => session.pane.kind === "chat" && session.pane.jid === jid,
    searchOpen: () => session.pane.kind === "people",
    open: (jid) => openPane({ kind: "chat", jid }),
    openSearch: () => openPane({ kind: "people" }),
    rerender: () => {
      if (session.xmpp !== xmpp) return;
      renderNav();
      if (session.pane.kind === "chat" || session.pane.kind === "people") renderMain();
    },
    topBar,
  });
  watchConnection(xmpp);
  try {
    await xmpp.start();
    // @xmpp/client reports `online` before stream management is enabled; a
    // stanza sent in between upsets XEP-0198's counters (MucService holds its
    // own stanzas back, but not ours): wait for <enabled/>.
    const sm = xmpp.streamManagement as { enabled: boolean; enableSent?: boolean };
    await new Promise((r) => setTimeout(r, 0));
    for (let i = 0; i < 100 && sm.enableSent === true && !sm.enabled; i++) await new Promise((r) => setTimeout(r, 50));
    // Initial presence: be available, so that invitations (addressed to our bare JID) reach this client.
    await xmpp.send(xml("presence"));
  } catch (e) {
    muc.close();
    await xmpp.stop().catch(() => {});
    console.warn("could not log in", e);
    loginError(loginErrorText(e));
    return false;
  }
  localStorage.setItem("muc-demo:username", user);
  // For a reload of this tab (sessionStorage): log in again and rejoin the rooms.
  saveLogin({ service, domain: domainField, user, password });
  session.xmpp = xmpp;
  session.muc = muc;
  session.username = username;
  session.bareJid = `${username}@${domain}`;
  session.stopping = false;
  session.rooms = new Map();
  session.pane = { kind: "empty" };
  session.gateway = undefined;
  resetCommands();
  forgetRegistration();
  // The gateway's QR codes (a registration step) come as messages with an image (XEP-0066).
  xmpp.on("stanza", onGatewayMessage);
  muc.on("invite", ({ room, from, reason }) => {
    const view = viewFor(room.toString());
    view.invite = `${from?.bare().toString() ?? "Someone"} invited you${reason ? `: “${reason}”` : ""}`;
    view.listed = true;
    if (!isCurrent(view)) view.unread++;
    render();
  });
  byId("login-view").hidden = true;
  byId("shell").hidden = false;
  byId("me-jid").textContent = session.bareJid;
  link.key = "";
  link.hardError = undefined;
  link.presenceDue = false;
  link.everLive = false;
  // Writing to the stream started or stopped (`muc.connected` changed).
  muc.on("connectionChange", () => refreshConnection());
  render();
  refreshConnection();
  void loadRoster();
  await Promise.all([refreshMucRooms(), refreshGateway()]);
  return true;
}

function deviceId(): string {
  let id = localStorage.getItem("muc-demo:device");
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem("muc-demo:device", id);
  }
  return id;
}

async function logout(): Promise<void> {
  const { xmpp, muc } = session;
  if (!xmpp || !muc) return;
  session.stopping = true;
  for (const view of session.rooms.values()) for (const upload of view.uploads) upload.controller?.abort();
  // Offline, there is nobody to say goodbye to: the server drops us from the rooms itself.
  if (muc.connected) await Promise.all(muc.rooms.map((room) => (room.joined ? room.leave({ timeout: 2_000 }).catch(() => {}) : Promise.resolve())));
  muc.close();
  await xmpp.stop().catch(() => {});
  hideConnection();
  session.xmpp = undefined;
  session.muc = undefined;
  session.rooms = new Map();
  byId("shell").hidden = true;
  byId("people").hidden = true;
  byId("login-view").hidden = false;
  (byId<HTMLFormElement>("login-form").elements.namedItem("password") as HTMLInputElement).value = "";
  forgetAll();
  clearError();
}

// The modules under render.ts ask for their redraws through `redraw`.
Object.assign(redraw, { page: render, nav: renderNav, people: renderPeople, room: renderRoomParts });
void boot();
