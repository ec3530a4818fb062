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
import { client, xml, type Client } from "@xmpp/client";
import type { Element as XmlElement } from "@xmpp/xml";
// In your project: import { … } from "xmpp-muc-sdk"; and "xmpp-muc-sdk/xso".
import {
  MucService,
  MessageState,
  LeaveMode,
  isMucStateError,
  isNotConnectedError,
  destroyRoom,
  createInstantRoom,
  StatusCode,
  getRoomInfo,
  listRooms,
  requestVoice,
  setAffiliation,
  setRole,
  canConfigureRoom,
  canSendToAll,
  canSetAffiliation,
  canSetRole,
  canSetSubject,
  onVoiceRequest,
  queryRoomArchive,
  messageRefs,
  onMessageChange,
  getAvatar,
  composeReply,
  sendCorrection,
  sendReactions,
  sendRetraction,
  moderateMessage,
  type MessageChangeEvent,
  type MessageChangeBase,
  type MessageRefs,
  type MessageReply,
  type ReplyOriginal,
  type ArchivedMessage,
  type VoiceRequestEvent,
  type Affiliation,
  type MessageEvent,
  type MessageTracker,
  type Occupant,
  type Role,
  type Room,
  type RoomInfoResult,
  type ChatState,
  type Attachment,
  registerWithGateway,
  type CommandValues,
  type GatewayRegistrationStep,
} from "../../src/index.js";
import { attachmentsOf, dataForm, type DataFormField } from "../../src/xso/index.js";
// What /config.json holds (a type only: nothing of the server goes into the page).
import type { WebConfig } from "./serve.js";
import { h, byId, replaceChildren, type Child } from "./dom.js";
import { openAdminPanel } from "./admin-panel.js";
import { styledText } from "./styling.js";
import { UPLOAD_FAILED, uploadErrorText, putWithProgress, pastedImages, onlyUrlsOf, formatSize, attachmentView, fileIcon, paperclipIcon } from "./files.js";
import { attachMentions, mentions } from "./mentions.js";
import { saveLogin, savedLogin, saveRoomList, savedRooms, saveCurrentRoom, savedCurrentRoom, forgetAll } from "./persist.js";
import { commandsPane, resetCommands } from "./commands.js";
import { startContacts, loadRoster, contactsSection, chatPane, searchPane, chatSeen } from "./contacts.js";
import { formFieldsView, notesView, safeImageUrl, type FormFieldsView } from "./forms.js";
import { UserError, CONDITION_TEXTS, LOGIN_REFUSED, describeError, notDeliveredText, showError, clearError, conditionOf, joinErrorText, loginErrorText, adminErrorText, registerErrorText, type JoinFailure } from "./errors.js";

// ---------------------------------------------------------------------------
// Configuration and state

type Source = "muc" | "gateway" | "other";

interface RoomView {
  readonly jid: string;
  name: string | undefined;
  source: Source;
  /** Listed by its service (disco#items) at the last refresh. */
  listed: boolean;
  room: Room | undefined;
  state: "idle" | "joining" | "joined" | "left";
  /** The message list, kept across renders. */
  readonly log: HTMLOListElement;
  unread: number;
  info: RoomInfoResult | undefined;
  infoError: string | undefined;
  /** The last nick and time a message came from (to group consecutive messages). */
  last: { nick: string; at: number } | undefined;
  /** Whether the "earlier messages" divider and the "you joined" marker are in the log. */
  historyShown: boolean;
  joinMarked: boolean;
  editingSubject: boolean;
  /** The occupant whose details and moderation actions are open. */
  selectedNick: string | undefined;
  /** Why we are out of the room, when we were removed. */
  exitText: string | undefined;
  /** A pending invitation to this room. */
  invite: string | undefined;
  /** The nick typed into the join form (kept across renders and after a failed join). */
  draftNick: string | undefined;
  /** Why the last join failed, shown in the join form next to its cause. */
  joinError: JoinFailure | undefined;
  /** Administration requests the room answered `feature-not-implemented` to: their controls are hidden. */
  readonly unsupported: Set<AdminAction>;
  /** We asked for voice (the button says so until our role changes). */
  voiceRequested: boolean;
  /** What a moderation action on an occupant could not do, shown in their details. */
  occupantError: { nick: string; text: string } | undefined;
  /** We were banned: no Rejoin. */
  banned: boolean;
  /** The day of the last message appended to the log (a date line comes before a message of another day). */
  lastDay: string | undefined;
  /** Whether the log is scrolled to its end (then it stays there as it grows). */
  stick: boolean;
  /** Whether the room was destroyed while we were in it. */
  destroyed: boolean;
  /** The archive id (stanza-id) of the oldest message in the log, to page back from (XEP-0313). */
  oldestId: string | undefined;
  /** The "Load earlier messages" item at the top of the log, while there may be more. */
  earlier: HTMLLIElement | undefined;
  /** The messages in the log that others can refer to, by the stanza-id the room gave them (replies, reactions, retractions). */
  byStanzaId: Map<string, MessageRecord>;
  /** The same, by author and `id` attribute (corrections name the id, and only the author's count): see {@link authorIdKey}. */
  byId: Map<string, MessageRecord>;
  /** Changes read from the archive to messages older than those in the log, applied once a page brings them. */
  pendingChanges: Change[];
  /** What the composer is doing besides writing a new message: replying to or correcting one. */
  composing: { kind: "reply" | "edit"; record: MessageRecord } | undefined;
  /** Who else is typing (their last chat state was `composing`), each with the timer that forgets them. */
  readonly typing: Map<string, ReturnType<typeof setTimeout>>;
  /** Our own chat state as last sent, when, and the timer that sends `paused` when the typing stops. */
  readonly chatState: { state: ChatState | undefined; at: number; pause: ReturnType<typeof setTimeout> | undefined };
  /** How far each other occupant has read: the stanza-id their newest `displayed` marker names, by nick. */
  readonly seen: Map<string, string>;
  /** The stanza-id we (from this page or another device) last marked displayed. */
  lastDisplayed: string | undefined;
  /** The pending "mark the newest message read" (a burst of messages makes one marker). */
  markTimer: ReturnType<typeof setTimeout> | undefined;
  /** Files being sent, or that could not be (until retried or dismissed), shown above the composer. */
  readonly uploads: PendingUpload[];
}

/** A file being sent to a room: uploaded (XEP-0363), then shared in a message. */
interface PendingUpload {
  readonly file: File;
  /** Its item in the composer's list of uploads, kept across renders. */
  readonly el: HTMLLIElement;
  state: "uploading" | "failed";
  /** Cancels the upload under way. */
  controller: AbortController | undefined;
}

/** A message in the log, with what later messages may change of it. */
interface MessageRecord {
  readonly item: HTMLLIElement;
  readonly nick: string;
  readonly occupantId: string | undefined;
  readonly id: string | undefined;
  readonly stanzaId: string | undefined;
  readonly own: boolean;
  /** The message as the room gave it, to reply to. */
  readonly original: ReplyOriginal;
  /** The stanza-id of the message it replies to, if it is a reply (an edit keeps it one). */
  readonly replyTo: string | undefined;
  /** Its text now (after corrections). */
  text: string;
  /** Each sender's reactions (by occupant id, else nick). */
  readonly reactions: Map<string, readonly string[]>;
  retracted: boolean;
}

interface GatewayState {
  state: "checking" | "registered" | "unregistered" | "unavailable";
  name: string | undefined;
  instructions: string | undefined;
  fields: DataFormField[];
  error: string | undefined;
}

type Pane = { kind: "empty" } | { kind: "room"; jid: string } | { kind: "join" } | { kind: "register" } | { kind: "commands" } | { kind: "chat"; jid: string } | { kind: "people" };

/** A registration with the gateway under way (`registerWithGateway`), step by step. */
interface Registration {
  /** The step on screen (`undefined` while the gateway is asked for the first). */
  step: GatewayRegistrationStep | undefined;
  /** What the step is: a form to fill in, a QR code to scan (submitted at once: the gateway answers once it was scanned), or text to read. */
  kind: "form" | "qr" | "info";
  /** The QR code's text (a QR step). */
  qrText: string | undefined;
  /** Answers the step (`undefined`: cancel), while it waits for the user. */
  answer: ((values: CommandValues | undefined) => void) | undefined;
  /** A request is under way. */
  busy: boolean;
  /** Why the last try failed, in plain words. */
  error: string | undefined;
  /** What was typed in the first step (kept after a failure, and given again when a later step failed). */
  typed: Record<string, string>;
  /** The step's form on the page, kept across renders (with what is typed in it), and its parts that change. */
  card: { readonly step: GatewayRegistrationStep | undefined; readonly el: HTMLElement; readonly sync: () => void } | undefined;
}

/** The registration under way, if any. */
let registration: Registration | undefined;
/** The QR images the gateway sent us (XEP-0066 out-of-band messages), by the QR code's text. */
const gatewayQrImages = new Map<string, string>();
/** Someone waiting for a QR image of one of these texts. */
let qrWaiter: { readonly texts: readonly string[]; readonly done: (text: string) => void } | undefined;

const session: {
  config: WebConfig;
  xmpp: Client | undefined;
  muc: MucService | undefined;
  username: string;
  bareJid: string;
  rooms: Map<string, RoomView>;
  pane: Pane;
  gateway: GatewayState | undefined;
  loadingRooms: Set<Source>;
  stopping: boolean;
  showPeople: boolean;
  showNav: boolean;
  /** Messages that came to the room on screen while the window was elsewhere. */
  awayUnread: number;
} = {
  config: { domain: "localhost" },
  xmpp: undefined,
  muc: undefined,
  username: "",
  bareJid: "",
  rooms: new Map(),
  pane: { kind: "empty" },
  gateway: undefined,
  loadingRooms: new Set(),
  stopping: false,
  showPeople: false,
  showNav: false,
  awayUnread: 0,
};

/** What was last typed into the join-by-address form, and why joining failed. */
let joinDraft: { jid: string; nick: string; error: JoinFailure | undefined } = { jid: "", nick: "", error: undefined };

/** The trackers of the messages we sent, with their list item. */
const sentItems = new WeakMap<MessageTracker, HTMLLIElement>();

const NS_REGISTER = "jabber:iq:register";
const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info";
const NS_MESSAGE_MODERATE = "urn:xmpp:message-moderate:1";
const NS_MUC_OWNER = "http://jabber.org/protocol/muc#owner";

/** Kinds of administration request a room may not implement (a gateway's rooms answer some with feature-not-implemented). */
type AdminAction = "kick" | "voice" | "affiliation" | "config" | "destroy" | "subject";
const HISTORY = { maxStanzas: 50 };

// ---------------------------------------------------------------------------
// DOM helpers

/** A stable color per nick (FNV-1a of the lowercased nick into a palette of distinct hues). */
const NICK_COLORS = ["#e67700", "#0c8599", "#1971c2", "#5c940d", "#2b8a3e", "#c2255c", "#364fc7", "#ae3ec9", "#5f3dc4", "#d9480f"];
function nickColor(nick: string): string {
  let hash = 0x811c9dc5;
  for (const ch of nick.toLowerCase()) hash = Math.imul(hash ^ (ch.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return NICK_COLORS[hash % NICK_COLORS.length] as string;
}

function avatar(nick: string, size: "sm" | "md" = "md", occupant?: Occupant): HTMLElement {
  const image = occupant?.avatarHash ? avatarImage(occupant) : undefined;
  if (image) return h("img", { class: `avatar avatar--${size} avatar--image`, src: image, alt: "", testid: "avatar-image" });
  const initial = [...nick.trim()][0]?.toUpperCase() ?? "?";
  return h("span", { class: `avatar avatar--${size}`, style: `--avatar: ${nickColor(nick)}`, "aria-hidden": "true" }, initial);
}

/** Avatar images by XEP-0153 hash: an object URL, or null while fetching or when there is none to show. */
const avatarImages = new Map<string, string | null>();

/** The image of an occupant's advertised avatar, fetched once per hash (the initial is shown meanwhile). */
function avatarImage(occupant: Occupant): string | undefined {
  const hash = occupant.avatarHash as string;
  const known = avatarImages.get(hash);
  if (known !== undefined) return known ?? undefined;
  const muc = session.muc;
  if (!muc) return undefined;
  avatarImages.set(hash, null);
  getAvatar(muc, occupant)
    .then((found) => {
      if (found?.kind === "inline" && found.type?.startsWith("image/")) {
        avatarImages.set(hash, URL.createObjectURL(new Blob([found.data as BlobPart], { type: found.type })));
        renderPeople();
      }
    })
    .catch((e: unknown) => console.debug("no avatar for", occupant.nick, e));
  return undefined;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayTimeFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

function formatTime(date: Date): string {
  return new Date().toDateString() === date.toDateString() ? timeFormat.format(date) : dayTimeFormat.format(date);
}

// ---------------------------------------------------------------------------
// Modal dialog

interface AskOptions {
  title: string;
  message?: string;
  /** The message says what was wrong with the last try (shown as an error, next to the field). */
  messageError?: boolean;
  confirm: string;
  danger?: boolean;
  /** Ask for a text (a reason, a subject); without, a plain confirmation. */
  input?: { label: string; value?: string; placeholder?: string };
}

/** Resolves with the text typed (`""` without an input) or `null` when cancelled. */
function ask(options: AskOptions): Promise<string | null> {
  const dialog = byId("dialog");
  const form = byId<HTMLFormElement>("dialog-form");
  const input = byId<HTMLInputElement>("dialog-input");
  byId("dialog-title").textContent = options.title;
  byId("dialog-message").textContent = options.message ?? "";
  byId("dialog-message").hidden = !options.message;
  byId("dialog-message").classList.toggle("form-error", options.messageError === true);
  byId("dialog-message").dataset.error = String(options.messageError === true);
  byId("dialog-field").hidden = !options.input;
  byId("dialog-label").textContent = options.input?.label ?? "";
  input.value = options.input?.value ?? "";
  input.placeholder = options.input?.placeholder ?? "";
  const confirm = byId<HTMLButtonElement>("dialog-confirm");
  confirm.textContent = options.confirm;
  confirm.classList.toggle("btn--danger", options.danger === true);
  confirm.classList.toggle("btn--primary", options.danger !== true);
  dialog.hidden = false;
  (options.input ? input : confirm).focus();
  return new Promise((resolve) => {
    const done = (value: string | null): void => {
      dialog.hidden = true;
      form.removeEventListener("submit", onSubmit);
      byId("dialog-cancel").removeEventListener("click", onCancel);
      dialog.removeEventListener("keydown", onKey);
      dialog.removeEventListener("click", onBackdrop);
      resolve(value);
    };
    const onSubmit = (ev: Event): void => {
      ev.preventDefault();
      done(options.input ? input.value.trim() : "");
    };
    const onCancel = (): void => done(null);
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key === "Escape") done(null);
    };
    const onBackdrop = (ev: Event): void => {
      if (ev.target === dialog) done(null);
    };
    form.addEventListener("submit", onSubmit);
    byId("dialog-cancel").addEventListener("click", onCancel);
    dialog.addEventListener("keydown", onKey);
    dialog.addEventListener("click", onBackdrop);
  });
}

// ---------------------------------------------------------------------------
// Login

async function boot(): Promise<void> {
  byId("error-dismiss").addEventListener("click", clearError);
  const form = byId<HTMLFormElement>("login-form");
  const field = (name: string): HTMLInputElement => form.elements.namedItem(name) as HTMLInputElement;
  try {
    const res = await fetch("/config.json", { cache: "no-store" });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    session.config = (await res.json()) as WebConfig;
  } catch (e) {
    console.warn("/config.json", e);
    showError("Could not load the configuration; reload the page to try again");
  }
  const config = session.config;
  if (config.title) document.title = config.title;
  baseTitle = document.title;
  // A tap outside any message hides the actions a tap on one showed.
  document.addEventListener("click", (ev) => {
    if (!(ev.target as Element | null)?.closest?.(".msg")) unselectMessages();
  });
  renderNotificationButton();
  byId("enable-notifications").addEventListener("click", () => {
    void Notification.requestPermission().then(renderNotificationButton, renderNotificationButton);
  });
  const defaultWs = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/xmpp-websocket`;
  field("service").value = config.websocketUrl ?? defaultWs;
  field("domain").value = config.domain;
  field("username").value = localStorage.getItem("muc-demo:username") ?? "";

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

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const submit = form.querySelector<HTMLButtonElement>("[data-testid=login-submit]")!;
    submit.disabled = true;
    submit.textContent = "Connecting…";
    void login(field("service").value.trim(), field("domain").value.trim(), field("username").value.trim(), field("password").value).finally(() => {
      submit.disabled = false;
      submit.textContent = "Log in";
    });
  });
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
  // A file dropped anywhere but on a room (which takes it, see acceptDrops) must not replace the page.
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
  const muc = new MucService(xmpp, { logger: { debug() {}, warn: (message, ...details) => console.warn(message, ...details) } });
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
  registration = undefined;
  gatewayQrImages.clear();
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

// ---------------------------------------------------------------------------
// The connection, as the page shows it
//
// One state, read from the real connection: the @xmpp/client entity's events
// (status, online, offline, disconnect, error; stream management's resumed)
// and `muc.connected` (stanzas are written now), plus whether every room we
// are in is in sync (between a room's `suspend` and `resume` it is not).
// The status line, the connection banner, the rooms' "suspended" marks and
// the pending marks of our messages all follow it.

type LinkState = "connecting" | "online" | "rejoining" | "reconnecting" | "error" | "offline";

const link: {
  /** What was last shown (state, text, suspended rooms), to render only on a change. */
  key: string;
  /** Why the server refuses us for good (a login refused on reconnect), in plain words; cleared when back online. */
  hardError: string | undefined;
  /** A new session came up: send our initial presence again once stanzas may go out. */
  presenceDue: boolean;
  /** Whether stanzas went out at least once since the login (before that, we are connecting, not reconnecting). */
  everLive: boolean;
} = { key: "", hardError: undefined, presenceDue: false, everLive: false };

/** Refreshers of our messages still on their way (their pending mark follows the connection). */
const openSends = new Set<() => void>();

/** SASL and stream conditions after which retrying cannot help. */
const HARD_CONDITIONS = new Set(["not-authorized", "account-disabled", "credentials-expired", "invalid-authzid", "invalid-mechanism", "mechanism-too-weak", "encryption-required", "host-unknown", "policy-violation", "conflict"]);

function watchConnection(xmpp: Client): void {
  const mine = (): boolean => session.xmpp === xmpp && !session.stopping;
  xmpp.on("error", (e: unknown) => {
    // The details are for the console; the page says it in words (the banner).
    console.warn("XMPP connection:", e);
    if (!mine()) return;
    const condition = (e as { condition?: unknown } | null)?.condition;
    const name = (e as { name?: unknown } | null)?.name;
    if (typeof condition === "string" && (name === "SASLError" || name === "StreamError") && HARD_CONDITIONS.has(condition)) {
      link.hardError =
        name === "SASLError"
          ? `${LOGIN_REFUSED.has(condition) ? "The server no longer accepts your password." : (CONDITION_TEXTS[condition] ?? "The server refused the login.")} Log in again.`
          : condition === "conflict"
            ? "This account was connected from somewhere else with the same device name. Log in again."
            : `The server closed the connection. ${describeError(e)}`;
    }
    refreshConnection();
  });
  xmpp.on("status", () => {
    if (mine()) refreshConnection();
  });
  xmpp.on("online", () => {
    if (!mine()) return; // the first one is the login's
    // A new session (not a resumed one): the server forgot our presence.
    link.hardError = undefined;
    link.presenceDue = true;
    refreshConnection();
  });
  for (const event of ["offline", "disconnect"] as const) {
    xmpp.on(event, () => {
      if (mine()) refreshConnection();
    });
  }
  // A resumed stream (XEP-0198) emits no `online`; the service writes again just after.
  (xmpp.streamManagement as unknown as { on?(event: "resumed", fn: () => void): void }).on?.("resumed", () => {
    if (!mine()) return;
    link.hardError = undefined;
    setTimeout(refreshConnection, 0);
  });
}

/** Whether what we send is written now (else it waits for the connection). */
function isLive(): boolean {
  return session.muc?.connected === true;
}

/**
 * Whether a room we are in is out of sync: the connection is down, or the
 * room was suspended (a new stream replaced ours) and is not resumed yet.
 * Its occupant list may be out of date meanwhile.
 */
function isSuspended(view: RoomView): boolean {
  return view.state === "joined" && view.room !== undefined && (!isLive() || !view.room.active);
}

function connectionState(): { state: LinkState; text: string } {
  const xmpp = session.xmpp;
  if (!xmpp || !session.muc) return { state: "connecting", text: "" };
  if (xmpp.status === "offline") return { state: "offline", text: "Disconnected from the server. Log in again to continue." };
  if (isLive()) {
    link.everLive = true;
    const rejoining = [...session.rooms.values()].some(isSuspended);
    return rejoining ? { state: "rejoining", text: "Back online — rejoining your rooms…" } : { state: "online", text: "" };
  }
  if (link.hardError) return { state: "error", text: link.hardError };
  if (!link.everLive) return { state: "connecting", text: "" };
  return { state: "reconnecting", text: "Connection lost — reconnecting… Messages you send now go out when it is back." };
}

const STATUS_LABELS: Record<LinkState, string> = {
  connecting: "connecting…",
  online: "online",
  rejoining: "rejoining rooms…",
  reconnecting: "reconnecting…",
  error: "not connected",
  offline: "offline",
};

/** Bring the status line, the banner, the rooms and the pending messages in line with the connection. */
function refreshConnection(): void {
  const { xmpp, muc } = session;
  if (!xmpp || !muc || session.stopping) return;
  if (link.presenceDue && isLive()) {
    link.presenceDue = false;
    // Available again, so that invitations (addressed to our bare JID) reach this client.
    xmpp.send(xml("presence")).catch((e: unknown) => console.warn("initial presence", e));
  }
  const { state, text } = connectionState();
  const suspended = [...session.rooms.values()].filter(isSuspended).map((v) => v.jid);
  const key = `${state}\u0000${text}\u0000${suspended.join(" ")}`;
  if (key === link.key) return;
  link.key = key;

  const status = byId("connection-status");
  status.textContent = STATUS_LABELS[state];
  status.dataset.state = state;
  const banner = byId("connection-banner");
  banner.hidden = state === "online" || state === "connecting";
  banner.dataset.state = state;
  byId("connection-text").textContent = text;
  byId("connection-action").hidden = state !== "error" && state !== "offline";
  for (const refresh of openSends) refresh();
  render();
}

function hideConnection(): void {
  link.key = "";
  byId("connection-banner").hidden = true;
  openSends.clear();
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

// ---------------------------------------------------------------------------
// Rooms and the gateway

function sourceOf(jid: string): Source {
  const domain = jid.slice(jid.indexOf("@") + 1);
  if (domain === session.config.mucDomain) return "muc";
  if (domain === session.config.gatewayDomain) return "gateway";
  return "other";
}

function viewFor(jid: string, name?: string): RoomView {
  let view = session.rooms.get(jid);
  if (!view) {
    view = {
      jid,
      name,
      source: sourceOf(jid),
      listed: false,
      room: undefined,
      state: "idle",
      log: h("ol", { class: "log", testid: "messages", "aria-live": "polite" }),
      unread: 0,
      info: undefined,
      infoError: undefined,
      last: undefined,
      historyShown: false,
      joinMarked: false,
      oldestId: undefined,
      earlier: undefined,
      byStanzaId: new Map(),
      byId: new Map(),
      pendingChanges: [],
      composing: undefined,
      typing: new Map(),
      chatState: { state: undefined, at: 0, pause: undefined },
      seen: new Map(),
      lastDisplayed: undefined,
      markTimer: undefined,
      uploads: [],
      editingSubject: false,
      selectedNick: undefined,
      exitText: undefined,
      invite: undefined,
      draftNick: undefined,
      joinError: undefined,
      unsupported: new Set(),
      voiceRequested: false,
      occupantError: undefined,
      banned: false,
      lastDay: undefined,
      stick: true,
      destroyed: false,
    };
    session.rooms.set(jid, view);
  } else if (name) view.name = name;
  return view;
}

async function listInto(source: Source, service: string): Promise<void> {
  const muc = session.muc;
  if (!muc) return;
  session.loadingRooms.add(source);
  renderNav();
  try {
    const items = await listRooms(muc, service, { timeout: 10_000 });
    for (const v of session.rooms.values()) if (v.source === source) v.listed = false;
    for (const item of items) viewFor(item.jid.toString(), item.name).listed = true;
  } catch (e) {
    showError(`Could not list the rooms of ${service}`, e);
  } finally {
    session.loadingRooms.delete(source);
    render();
  }
}

async function refreshMucRooms(): Promise<void> {
  if (session.config.mucDomain) await listInto("muc", session.config.mucDomain);
}

/** Ask the gateway whether we are registered (XEP-0077), then list its rooms. */
async function refreshGateway(): Promise<void> {
  const gw = session.config.gatewayDomain;
  const xmpp = session.xmpp;
  if (!gw || !xmpp) return;
  session.gateway = { state: "checking", name: session.gateway?.name, instructions: undefined, fields: [], error: undefined };
  renderNav();
  try {
    const info = await xmpp.iqCaller.get(xml("query", { xmlns: NS_DISCO_INFO }), gw, 10_000).catch(() => undefined);
    const identity = info?.getChildren("identity").find((i: XmlElement) => i.attrs.category === "gateway") ?? info?.getChild("identity");
    session.gateway.name = typeof identity?.attrs.name === "string" ? identity.attrs.name : undefined;
    const query = await xmpp.iqCaller.get(xml("query", { xmlns: NS_REGISTER }), gw, 10_000);
    const registered = query?.getChild("registered") !== undefined;
    const formEl = query?.getChild("x", "jabber:x:data");
    const form = formEl ? dataForm.decode(formEl, "jabber:client") : undefined;
    session.gateway.instructions = form?.instructions[0] ?? query?.getChildText("instructions") ?? undefined;
    session.gateway.fields = (form?.fields ?? []).filter((f) => f.var && f.var !== "FORM_TYPE" && f.type !== "hidden" && f.type !== "fixed");
    session.gateway.state = registered ? "registered" : "unregistered";
  } catch (e) {
    session.gateway.state = "unavailable";
    session.gateway.error = describeError(e);
  }
  render();
  if (session.gateway.state === "registered") await listInto("gateway", gw);
}

/**
 * Register with the gateway, step by step (`registerWithGateway`: its
 * register command when it has one, else XEP-0077): each step's form is
 * shown (registerPane) and answered when the user submits it; a QR step is
 * answered at once (the gateway answers once the network's app scanned the
 * code). A failure starts over, keeping what was typed and saying why; when
 * a code was refused, the details go again by themselves and the code is
 * asked for again.
 */
function startRegistration(again?: { readonly error: string; readonly typed: Record<string, string>; readonly auto: boolean }): void {
  const gw = session.config.gatewayDomain;
  const muc = session.muc;
  if (!gw || !muc) return;
  const reg: Registration = { step: undefined, kind: "form", qrText: undefined, answer: undefined, busy: true, error: again?.error, typed: { ...(again?.typed ?? {}) }, card: undefined };
  registration = reg;
  const fill = async (step: GatewayRegistrationStep): Promise<CommandValues | undefined> => {
    if (registration !== reg) return undefined;
    reg.step = step;
    reg.card = undefined;
    reg.qrText = undefined;
    if (step.step === 1 && again?.auto) {
      render();
      return { ...again.typed };
    }
    const fillable = step.form.fields.filter((f) => f.var !== undefined && f.var !== "FORM_TYPE" && f.type !== "fixed" && f.type !== "hidden");
    reg.kind = "form";
    if (fillable.length === 0 && step.step > 1) {
      // Nothing to fill in: a QR code (the gateway sent its image in a message) or text to read.
      const texts = step.form.fields.filter((f) => f.type === "fixed").map((f) => f.values.join("\n")).filter((t) => t !== "");
      const qr = await qrImageFor(texts, 3_000);
      if (registration !== reg) return undefined;
      if (qr !== undefined) {
        reg.kind = "qr";
        reg.qrText = qr;
        render();
        return {};
      }
      reg.kind = "info";
    }
    reg.busy = false;
    render();
    return new Promise((resolve) => {
      reg.answer = (values) => {
        reg.answer = undefined;
        if (values !== undefined) {
          reg.busy = true;
          reg.error = undefined;
        }
        reg.card?.sync();
        resolve(values);
      };
    });
  };
  // A QR step waits for the scan: the requests may take a while.
  registerWithGateway(muc, gw, fill, { timeout: 120_000 }).then(
    () => {
      if (registration === reg) {
        registration = undefined;
        if (session.pane.kind === "register") session.pane = { kind: "empty" };
      }
      void registered(gw);
    },
    (e: unknown) => {
      if (registration !== reg) return; // cancelled, or started over
      console.warn(`could not register with ${gw}`, e);
      const failed = reg.step?.step ?? 1;
      const kind = failed > 1 ? (reg.kind === "qr" ? "qr" : "code") : "form";
      startRegistration({ error: registerErrorText(e, kind), typed: reg.typed, auto: kind === "code" });
      render();
    },
  );
}

/** Leave the registration (its step waiting for us is cancelled at the gateway). */
function cancelRegistration(): void {
  const reg = registration;
  registration = undefined;
  reg?.answer?.(undefined);
  session.pane = { kind: "empty" };
  render();
}

/** The text of a QR code the gateway sent an image of, among `texts`; waits up to `ms` for its message. */
function qrImageFor(texts: readonly string[], ms: number): Promise<string | undefined> {
  const known = texts.find((t) => gatewayQrImages.has(t));
  if (known !== undefined || texts.length === 0) return Promise.resolve(known);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      qrWaiter = undefined;
      resolve(undefined);
    }, ms);
    qrWaiter = {
      texts,
      done: (text) => {
        clearTimeout(timer);
        qrWaiter = undefined;
        resolve(text);
      },
    };
  });
}

/** A message from the gateway with an out-of-band image (XEP-0066): a QR code to scan, its text in the body. */
function onGatewayMessage(el: XmlElement): void {
  const gw = session.config.gatewayDomain;
  if (!gw || el.name !== "message" || el.attrs.type === "error") return;
  const from = typeof el.attrs.from === "string" ? el.attrs.from.split("/")[0] : undefined;
  const url = el.getChild("x", "jabber:x:oob")?.getChildText("url");
  if (from !== gw || !url) return;
  const text = el.getChildText("body") ?? "";
  if (gatewayQrImages.size > 20) gatewayQrImages.clear();
  gatewayQrImages.set(text, url.trim());
  if (qrWaiter?.texts.includes(text)) qrWaiter.done(text);
  if (registration?.qrText === text) {
    registration.card = undefined;
    render();
  }
}

/** We are registered: the gateway's rooms, and its commands for registered users. */
async function registered(gw: string): Promise<void> {
  session.gateway = { ...(session.gateway ?? { name: undefined, instructions: undefined, fields: [], error: undefined }), state: "registered" };
  resetCommands();
  render();
  // The gateway answers the registration before its session has logged in
  // and listed the groups: poll disco#items for a moment.
  for (let i = 0; i < 10; i++) {
    await listInto("gateway", gw);
    if ([...session.rooms.values()].some((v) => v.source === "gateway" && v.listed)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function loadInfo(view: RoomView): Promise<void> {
  const muc = session.muc;
  if (!muc) return;
  try {
    view.info = await getRoomInfo(muc, view.jid, { timeout: 10_000 });
    view.infoError = undefined;
    // The room's own name (it may have been renamed since the list was read).
    if (view.info.name) view.name = view.info.name;
  } catch (e) {
    view.infoError = describeError(e);
  }
  render();
}

// ---------------------------------------------------------------------------
// Joining and room events

/**
 * Join a room. What went wrong is said next to what caused it: the join
 * form's nick, password or address field, or the form itself (kept with
 * what was typed in it).
 *
 * @returns why it failed, or `undefined` once joined.
 */
async function join(jid: string, nick: string, password: string | undefined, options: { focus?: boolean } = {}): Promise<JoinFailure | undefined> {
  const muc = session.muc;
  if (!muc) return undefined;
  clearError();
  let view: RoomView;
  let room: Room;
  let joined: Promise<Room>;
  const previousPane = session.pane;
  const known = session.rooms.has(jid);
  try {
    if (!/^[^@\s]+@[^@\s/]+$/.test(jid)) throw new UserError("That is not a room address: it looks like room@service.");
    view = viewFor(jid);
    ({ room, joined } = muc.join(jid, nick, { history: HISTORY, ...(password ? { password } : {}) }));
  } catch (e) {
    if (!known) session.rooms.delete(jid);
    console.warn(`could not join ${jid}`, e);
    const failure = joinErrorText(e, { gateway: sourceOf(jid) === "gateway", passwordGiven: password !== undefined });
    const existing = session.rooms.get(jid);
    if (existing) existing.joinError = failure;
    else joinDraft.error = failure;
    render();
    return failure;
  }
  if (view.state === "left") resetLog(view);
  view.room = room;
  view.state = "joining";
  view.invite = undefined;
  view.destroyed = false;
  view.banned = false;
  view.voiceRequested = false;
  view.exitText = undefined;
  view.joinError = undefined;
  session.pane = { kind: "room", jid };
  wireRoom(view, room);
  render();
  try {
    await joined;
    view.state = "joined";
    view.draftNick = undefined;
    if (!known || previousPane.kind === "join") joinDraft = { jid: "", nick: "", error: undefined };
    saveRooms();
    render();
    scheduleMarkRead(view);
    void loadInfo(view);
    // Ready to talk: the composer has the focus (unless we were restoring rooms in the background).
    if (options.focus !== false && isCurrent(view)) composerInput(view)?.focus();
    return undefined;
  } catch (e) {
    console.warn(`could not join ${jid}`, e);
    const failure = joinErrorText(e, { gateway: view.source === "gateway", passwordGiven: password !== undefined });
    if (view.room === room) {
      view.room = undefined;
      view.state = "idle";
      view.draftNick = nick;
      view.joinError = failure;
      // A room typed in by address that we could not join: forget it, back to the form (with what was typed).
      if (!known && !view.listed) {
        session.rooms.delete(jid);
        joinDraft = { jid, nick, error: failure };
        if (isCurrent(view)) session.pane = previousPane.kind === "room" && previousPane.jid === jid ? { kind: "join" } : previousPane;
      }
    }
    saveRooms();
    render();
    return failure;
  }
}

function resetLog(view: RoomView): void {
  view.log.replaceChildren();
  view.last = undefined;
  view.historyShown = false;
  view.joinMarked = false;
  view.oldestId = undefined;
  view.earlier = undefined;
  view.byStanzaId.clear();
  view.byId.clear();
  view.pendingChanges = [];
  view.seen.clear();
  view.lastDay = undefined;
  clearTyping(view);
  stopComposing(view);
}

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

function wireRoom(view: RoomView, room: Room): void {
  const current = (): boolean => view.room === room;
  const refresh = (): void => {
    if (current() && isCurrent(view)) renderRoomParts(view);
  };
  room.on("message", (e) => {
    if (!current()) return;
    // Their message is what they were typing: no need to wait for a chat state.
    if (!e.history && !e.own && e.nick !== undefined) setTyping(view, e.nick, false);
    addMessage(view, e);
  });
  room.on("chatState", ({ nick, state, own }) => {
    if (!current() || own) return;
    setTyping(view, nick, state === "composing");
  });
  room.on("displayed", ({ nick, id, own }) => {
    if (!current()) return;
    if (own) readElsewhere(view, id);
    else noteSeen(view, nick, id);
  });
  room.on("subjectChange", ({ subject, setterNick, initial }) => {
    if (!current()) return;
    if (initial) {
      markJoined(view);
      // The join's history is all there.
      scheduleMarkRead(view);
    } else addNotice(view, "subject", subject ? `${setterNick ?? "The room"} changed the subject to “${subject}”` : `${setterNick ?? "The room"} cleared the subject`);
    refresh();
  });
  room.on("enter", () => {
    refreshConnection();
    refresh();
  });
  room.on("join", ({ occupant, initial }) => {
    if (!current()) return;
    if (!initial && !occupant.isSelf) addNotice(view, "join", `${occupant.nick} joined`);
    refresh();
  });
  room.on("leave", ({ occupant, mode, actor, reason }) => {
    if (!current()) return;
    if (view.selectedNick === occupant.nick) view.selectedNick = undefined;
    setTyping(view, occupant.nick, false);
    const by = actor?.nick ? ` by ${actor.nick}` : "";
    const why = reason ? `: ${reason}` : "";
    if (mode === LeaveMode.KICKED) addNotice(view, "kick", `${occupant.nick} was kicked${by}${why}`);
    else if (mode === LeaveMode.BANNED) addNotice(view, "ban", `${occupant.nick} was banned${by}${why}`);
    else if (mode === LeaveMode.AFFILIATION_CHANGE || mode === LeaveMode.MODERATION_CHANGE) addNotice(view, "leave", `${occupant.nick} was removed (membership changed)${why}`);
    else addNotice(view, "leave", `${occupant.nick} left${why}`);
    refresh();
  });
  room.on("nickChange", ({ oldNick, newNick, occupant }) => {
    if (!current()) return;
    addNotice(view, "nick", occupant.isSelf ? `You are now known as ${newNick}` : `${oldNick} is now known as ${newNick}`);
    renameReader(view, oldNick, newNick);
    refresh();
  });
  room.on("roleChange", ({ occupant, oldRole, newRole, actor, reason }) => {
    if (!current() || newRole === "none" || !room.joined) return;
    if (occupant.isSelf) view.voiceRequested = false;
    const who = occupant.isSelf ? "You" : occupant.nick;
    const by = actor?.nick ? ` (by ${actor.nick}${reason ? `: ${reason}` : ""})` : "";
    let text: string;
    if (newRole === "moderator") text = `${who} ${occupant.isSelf ? "are" : "is"} now a moderator`;
    else if (newRole === "visitor") text = `${who} can no longer speak`;
    else if (oldRole === "visitor") text = `${who} can speak now`;
    else text = `${who} ${occupant.isSelf ? "are" : "is"} no longer a moderator`;
    addNotice(view, "role", text + by);
    refresh();
  });
  room.on("affiliationChange", ({ occupant, newAffiliation, actor }) => {
    if (!current() || !room.joined || newAffiliation === "outcast") return;
    const who = occupant.isSelf ? "You" : occupant.nick;
    const verb = occupant.isSelf ? "are" : "is";
    const text = newAffiliation === "none" ? `${who} ${verb} no longer affiliated with the room` : `${who} ${verb} now ${newAffiliation === "admin" ? "an admin" : `a${newAffiliation === "owner" ? "n" : ""} ${newAffiliation}`}`;
    addNotice(view, "affiliation", text + (actor?.nick ? ` (by ${actor.nick})` : ""));
    refresh();
  });
  room.on("statusChange", () => refresh());
  room.on("hatsChange", () => refresh());
  room.on("avatarChange", () => refresh());
  room.on("configChange", () => {
    if (!current()) return;
    addNotice(view, "config", "The room configuration changed");
    void loadInfo(view);
  });
  room.on("suspend", () => {
    if (!current()) return;
    addNotice(view, "suspend", "Connection lost — rejoining…");
    // Out of sync: who was typing is not known any more (their `paused` may be lost).
    clearTyping(view);
    refreshConnection();
    refresh();
  });
  room.on("resume", ({ stanza }) => {
    if (!current()) return;
    addNotice(view, "resume", "Back in the room");
    scheduleMarkRead(view);
    // The room had closed while everyone was away (say, the server restarted) and our rejoin
    // opened it anew (status 201): locked until its owner, us, configures it. Open it with the
    // default settings, so that the others can come back.
    if (createdByRejoin(stanza) && session.muc) {
      createInstantRoom(session.muc, room.jid)
        .then(() => {
          if (current()) addNotice(view, "config", "The room had closed while everyone was away; it was opened again with the default settings");
        })
        .catch((e: unknown) => console.warn(`could not reopen ${room.jid.toString()}`, e));
    }
    refreshConnection();
    refresh();
  });
  room.on("exit", ({ mode, actor, reason, alternateVenue, error }) => {
    if (!current()) return;
    const by = actor?.nick ? ` by ${actor.nick}` : "";
    const why = reason ? `: ${reason}` : "";
    const texts: Record<string, string> = {
      [LeaveMode.NORMAL]: "You left the room",
      [LeaveMode.KICKED]: `You were kicked${by}${why}`,
      [LeaveMode.BANNED]: `You were banned${by}${why}`,
      [LeaveMode.AFFILIATION_CHANGE]: `You were removed: your affiliation changed${why}`,
      [LeaveMode.MODERATION_CHANGE]: `You were removed: the room is now members-only${why}`,
      [LeaveMode.SYSTEM_SHUTDOWN]: "The room service shut down",
      [LeaveMode.DESTROYED]: `The room was destroyed${why}${alternateVenue ? ` — the discussion moved to ${alternateVenue.toString()}` : ""}`,
      [LeaveMode.DISCONNECTED]: "Disconnected",
      [LeaveMode.ERROR]:
        (error as { condition?: unknown } | undefined)?.condition === "item-not-found"
          ? "Could not get back into the room: it has closed, or is not open again yet. Try Rejoin in a moment."
          : `Removed from the room${error ? `: ${describeError(error)}` : ""}`,
    };
    const text = texts[mode] ?? `You left the room (${mode})`;
    view.state = "left";
    view.exitText = mode === LeaveMode.NORMAL ? undefined : text;
    view.destroyed = mode === LeaveMode.DESTROYED;
    view.banned = mode === LeaveMode.BANNED;
    view.editingSubject = false;
    clearTyping(view);
    stopTyping(view);
    addNotice(view, "exit", text);
    saveRooms();
    refreshConnection();
    if (mode === LeaveMode.DESTROYED) {
      view.listed = false;
      void (view.source === "gateway" ? listInto("gateway", session.config.gatewayDomain ?? "") : refreshMucRooms());
    }
    render();
  });
}

/** Whether a rejoin's self-presence says the room was created by it (status 201: it was gone). */
function createdByRejoin(stanza: XmlElement): boolean {
  const x = stanza.getChild("x", "http://jabber.org/protocol/muc#user");
  return x?.getChildren("status").some((status: XmlElement) => status.attrs.code === String(StatusCode.ROOM_CREATED)) === true;
}

function isCurrent(view: RoomView): boolean {
  return session.pane.kind === "room" && session.pane.jid === view.jid;
}

// ---------------------------------------------------------------------------
// The message log

function atBottom(log: HTMLElement): boolean {
  const scroller = log.parentElement;
  return !scroller || scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
}

function appendToLog(view: RoomView, item: HTMLElement): void {
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
function refreshDayDividers(view: RoomView): void {
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

function unselectMessages(except?: Element | null): void {
  for (const el of Array.from(document.querySelectorAll(".msg--selected"))) if (el !== except) el.classList.remove("msg--selected");
}

function markJoined(view: RoomView): void {
  if (view.joinMarked) return;
  view.joinMarked = true;
  const nick = view.room?.nick ?? "";
  if (view.historyShown) appendToLog(view, h("li", { class: "divider divider--now", testid: "notice", "data-kind": "enter" }, h("span", {}, `You joined as ${nick} · ${timeFormat.format(new Date())}`)));
  else addNotice(view, "enter", `You joined as ${nick}`);
  view.last = undefined;
}

/** A voice request (XEP-0045 §8.6) in the room's log, until a moderator answers it. */
function addVoiceRequest(view: RoomView, request: VoiceRequestEvent): void {
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

function addNotice(view: RoomView, kind: string, text: string): void {
  appendToLog(view, h("li", { class: `notice notice--${kind}`, testid: "notice", "data-kind": kind }, h("span", { class: "notice__text" }, text), h("time", {}, timeFormat.format(new Date()))));
  view.last = undefined;
}

const STATE_UI: Record<string, { icon: string; label: string }> = {
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

function messageItem(view: RoomView, opts: { nick: string; body: string; at: Date; own: boolean; history: boolean; state: string; quote?: Quote; attachments?: readonly Attachment[] }): HTMLLIElement {
  const attachments = opts.attachments ?? [];
  const files = attachments.length > 0 ? h("div", { class: "msg__files", testid: "message-attachments" }, ...attachments.map(attachmentView)) : null;
  const urlsOnly = onlyUrlsOf(opts.body, attachments);
  const continued =
    !opts.history && !opts.quote && view.last !== undefined && view.last.nick === opts.nick && opts.at.getTime() - view.last.at < 5 * 60_000 && dayKey(new Date(view.last.at)) === dayKey(opts.at);
  view.last = opts.history ? view.last : { nick: opts.nick, at: opts.at.getTime() };
  const ui = STATE_UI[opts.state];
  // Someone else's message naming us (our nick as a word): highlighted, and a notification when we are elsewhere.
  const mentioned = !opts.own && mentions(opts.body, view.room?.nick ?? "");
  return h(
    "li",
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
    h(
      "div",
      { class: "msg__content" },
      continued ? null : h("div", { class: "msg__meta" }, h("span", { class: "msg__nick", style: `color: ${nickColor(opts.nick)}` }, opts.nick), h("time", { datetime: opts.at.toISOString() }, formatTime(opts.at))),
      opts.quote
        ? h(
            "div",
            { class: "msg__quote", testid: "message-quote", "data-reply-to": opts.quote.target },
            h("span", { class: "msg__quote-nick", style: `color: ${nickColor(opts.quote.nick)}` }, opts.quote.nick),
            " ",
            h("span", { class: "msg__quote-text", testid: "message-quote-text" }, opts.quote.text),
          )
        : null,
      // A body that is just the files' URLs is not shown: the files come first, our delivery state under them.
      urlsOnly ? files : null,
      h(
        "div",
        { class: "msg__line" },
        h("span", { class: "msg__body", testid: "message-body", hidden: urlsOnly }, styledText(opts.body)),
        opts.own && !opts.history ? h("span", { class: "msg__state", testid: "message-state", "data-state": opts.state, title: ui?.label ?? "" }, ui?.icon ?? "") : null,
      ),
      urlsOnly ? null : files,
      h("div", { class: "msg__reactions", testid: "message-reactions" }),
      h("div", { class: "msg__error", testid: "message-note" }),
      h("div", { class: "msg__seen", testid: "message-seen" }),
    ),
  );
}

/** The quote of the message a reply answers: from the log when it is there, else just its author. */
function quoteOf(view: RoomView, reply: MessageReply | undefined): Quote | undefined {
  if (!reply) return undefined;
  const original = view.byStanzaId.get(reply.id);
  if (original) return { nick: original.nick, text: original.retracted ? "(deleted)" : original.text, target: reply.id };
  return { nick: reply.to?.resource || "someone", text: "", target: reply.id };
}

function addMessage(view: RoomView, e: MessageEvent): void {
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
    renderNav();
  } else if (!e.history && !e.own && !pageActive()) {
    // The room on screen, but the window is elsewhere: counted in the tab's title until we are back.
    session.awayUnread++;
    updateTitle();
  }
  if (!e.history && !e.own && item.dataset.mention === "true") notifyMention(view, nick, text);
}

/** Whether the page is being looked at (visible, with the focus). */
function pageActive(): boolean {
  return document.visibilityState === "visible" && document.hasFocus();
}

/** The page's title without the unread count. */
let baseTitle = document.title;

/** "(3) Rooms": how many messages came that we have not seen, in the tab's title. */
function updateTitle(): void {
  const unread = [...session.rooms.values()].reduce((n, v) => n + v.unread, 0) + session.awayUnread;
  const title = unread > 0 ? `(${unread > 99 ? "99+" : unread}) ${baseTitle}` : baseTitle;
  if (document.title !== title) document.title = title;
}

/** A desktop notification for a message that mentions us, when we are not looking at its room (and the user allowed them). */
function notifyMention(view: RoomView, nick: string, text: string): void {
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
function renderNotificationButton(): void {
  const button = byId<HTMLButtonElement>("enable-notifications");
  button.hidden = typeof Notification === "undefined" || Notification.permission !== "default";
}

/** Keep a message that later ones may change, and give it its actions. */
function remember(view: RoomView, item: HTMLLIElement, e: MessageEvent, refs: MessageRefs): void {
  if (e.nick === undefined) return;
  keep(view, item, { nick: e.nick, occupantId: e.occupantId, id: e.id, stanzaId: e.stanzaId, own: e.own, original: e, text: refs.text ?? e.body, replyTo: refs.reply?.id });
}

function keep(view: RoomView, item: HTMLLIElement, fields: Omit<MessageRecord, "item" | "reactions" | "retracted">): MessageRecord {
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

/** A change to a message in the log: live ({@link MessageChangeEvent}) or read from the archive. */
type Change = DistributiveOmit<MessageChangeEvent, Exclude<keyof MessageChangeBase, "nick" | "occupantId">>;

/** `Omit` applied to each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The key of a message in {@link RoomView.byId}: its author (occupant id, else nick) and its id. */
function authorIdKey(occupantId: string | undefined, nick: string | undefined, id: string): string {
  return `${reactorKey(occupantId, nick)}\u0000${id}`;
}

/** Hold a change whose message is not in the log yet (at most 500, the newest). */
function holdChange(view: RoomView, change: Change): void {
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
function applyChange(view: RoomView, change: Change): boolean {
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
function canModerateMessages(view: RoomView): boolean {
  return view.room?.me?.role === "moderator" && view.info?.features.has(NS_MESSAGE_MODERATE) === true;
}

/** Reply to a message, or correct one of ours, with the composer. */
function startComposing(view: RoomView, kind: "reply" | "edit", record: MessageRecord): void {
  const input = composerInput(view);
  if (input && view.composing?.kind === "edit") input.value = "";
  view.composing = { kind, record };
  if (input && kind === "edit") input.value = record.text;
  renderComposerContext(view);
  input?.focus();
}

/** Back to writing a new message; the text of an edit goes with it. */
function stopComposing(view: RoomView): void {
  const input = composerInput(view);
  if (input && view.composing?.kind === "edit") input.value = "";
  view.composing = undefined;
  renderComposerContext(view);
}

/** The composer's input, when `view` is the room on screen. */
function composerInput(view: RoomView): HTMLTextAreaElement | null {
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

// ---------------------------------------------------------------------------
// Files
//
// Sending: the attach button, a file dropped on the room or an image pasted
// into the composer hands the file to `room.sendFile`, which uploads it
// through our server's XEP-0363 service and shares it in a message. Until
// then it is listed above the composer with its progress; if it fails, the
// reason in plain words, with Retry and Dismiss (never the error banner).
//
// Showing: a message's attachments (XEP-0447, XEP-0066; http(s) only) are
// images inline (a thumbnail linking to the full image) or a card with the
// name, size and a download link; a body that is only their URLs is hidden.

/** Send files to the room, each listed above the composer until it is shared. */
function sendFiles(view: RoomView, files: Iterable<File>): void {
  for (const file of files) {
    const upload: PendingUpload = { file, el: h("li", { class: "upload", testid: "upload", "data-name": file.name }), state: "uploading", controller: undefined };
    view.uploads.push(upload);
    void runUpload(view, upload);
  }
}

/** Upload one file and share it (again, for a retry). */
async function runUpload(view: RoomView, upload: PendingUpload): Promise<void> {
  const controller = new AbortController();
  upload.controller = controller;
  upload.state = "uploading";
  paintUpload(view, upload, undefined);
  renderUploads(view);
  const { file } = upload;
  try {
    const room = view.room;
    if (!room) throw new UserError("You are not in the room any more");
    await room.sendFile({ data: file, name: file.name || "file", ...(file.type ? { type: file.type } : {}) }, { signal: controller.signal, fetch: putWithProgress((done) => showProgress(upload, done)) });
    // The room's reflection of the message shows the file in the log.
    removeUpload(view, upload);
  } catch (e) {
    if (controller.signal.aborted) {
      removeUpload(view, upload);
      return;
    }
    console.warn(`could not send the file ${file.name}`, e);
    upload.state = "failed";
    upload.controller = undefined;
    paintUpload(view, upload, e instanceof UserError ? e.message : uploadErrorText(e));
  }
}

function removeUpload(view: RoomView, upload: PendingUpload): void {
  const i = view.uploads.indexOf(upload);
  if (i >= 0) view.uploads.splice(i, 1);
  upload.el.remove();
  renderUploads(view);
}

/** Draw an upload's item: its name and progress, or why it failed with Retry and Dismiss. */
function paintUpload(view: RoomView, upload: PendingUpload, error: string | undefined): void {
  const { el, file } = upload;
  el.dataset.state = upload.state;
  el.className = `upload upload--${upload.state}`;
  const name = h("span", { class: "upload__name", testid: "upload-name", title: file.name }, file.name || "file");
  const button = (testid: string, label: string, onclick: () => void, primary = false): HTMLButtonElement =>
    h("button", { class: `btn btn--small ${primary ? "btn--primary" : "btn--ghost"}`, type: "button", testid, onclick }, label);
  if (upload.state === "uploading") {
    replaceChildren(
      el,
      h("span", { class: "upload__icon", "aria-hidden": "true" }, fileIcon()),
      name,
      h("progress", { class: "upload__progress", testid: "upload-progress", max: 1, "aria-label": `Uploading ${file.name}` }),
      h("span", { class: "upload__status", testid: "upload-status", role: "status" }, `Uploading… ${formatSize(file.size)}`),
      button("upload-cancel", "Cancel", () => upload.controller?.abort()),
    );
  } else {
    replaceChildren(
      el,
      h("span", { class: "upload__icon upload__icon--failed", "aria-hidden": "true" }, "!"),
      name,
      h("span", { class: "upload__error", testid: "upload-error", role: "alert" }, error ?? UPLOAD_FAILED),
      button("upload-retry", "Retry", () => void runUpload(view, upload), true),
      button("upload-dismiss", "Dismiss", () => removeUpload(view, upload)),
    );
  }
}

/** The share of an upload's bytes sent so far, on its item. */
function showProgress(upload: PendingUpload, done: number): void {
  const bar = upload.el.querySelector<HTMLProgressElement>("[data-testid=upload-progress]");
  const status = upload.el.querySelector<HTMLElement>("[data-testid=upload-status]");
  if (!bar || !status) return;
  bar.value = done;
  status.textContent = done >= 1 ? "Sharing…" : `Uploading… ${Math.floor(done * 100)}%`;
}

/** The uploads above the composer, when `view` is the room on screen. */
function renderUploads(view: RoomView): void {
  if (!isCurrent(view)) return;
  const list = document.querySelector<HTMLElement>("[data-testid=uploads]");
  if (!list) return;
  list.hidden = view.uploads.length === 0;
  list.replaceChildren(...view.uploads.map((u) => u.el));
}

/** Take files dragged onto a room's view (the message list and the composer). */
function acceptDrops(view: RoomView, target: HTMLElement): void {
  const hasFiles = (ev: DragEvent): boolean => ev.dataTransfer?.types.includes("Files") === true;
  const canSend = (): boolean => view.state === "joined" && view.room?.joined === true && permissions(view).speak;
  const done = (): void => {
    delete target.dataset.drop;
  };
  target.addEventListener("dragover", (ev) => {
    if (!hasFiles(ev)) return;
    // Handled here (see the page's own handler in boot): the browser must not open the file.
    ev.preventDefault();
    const ok = canSend();
    if (ev.dataTransfer) ev.dataTransfer.dropEffect = ok ? "copy" : "none";
    if (ok) target.dataset.drop = "true";
  });
  target.addEventListener("dragleave", (ev) => {
    if (!(ev.relatedTarget instanceof Node && target.contains(ev.relatedTarget))) done();
  });
  target.addEventListener("drop", (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    done();
    const files = Array.from(ev.dataTransfer?.files ?? []);
    if (files.length > 0 && canSend()) sendFiles(view, files);
  });
}

// ---------------------------------------------------------------------------
// Typing (XEP-0085 chat states) and reading (XEP-0333 `displayed` markers)
//
// Ours: `composing` while the composer is being typed in (again every few
// seconds while it goes on), `paused` a few seconds after the typing stops or
// when the composer is emptied, `active` with each message sent. A chat state
// is never queued (stale by the time the connection is back): one that cannot
// go now is dropped without a word on the page. Theirs: the line between the
// log and the composer; a `composing` with no news for half a minute is
// forgotten, as their `paused` may never come.
//
// Read markers: while a room is on screen and the window has focus, the
// newest message from someone else is marked displayed (once each, a second
// after it came); others' markers show as "Seen by" under the newest message
// each one has read; ours from other devices bring our unread count down.

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
function sendChatState(view: RoomView, state: ChatState): void {
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
function onComposerInput(view: RoomView, text: string): void {
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
function activeState(view: RoomView): XmlElement {
  const own = view.chatState;
  clearTimeout(own.pause);
  own.pause = undefined;
  own.state = "active";
  own.at = Date.now();
  return xml("active", { xmlns: NS_CHAT_STATES });
}

/** We are out of the room: nothing of our typing to send any more. */
function stopTyping(view: RoomView): void {
  clearTimeout(view.chatState.pause);
  view.chatState.pause = undefined;
  view.chatState.state = undefined;
}

/** Someone else started (`true`) or stopped (`false`) typing. */
function setTyping(view: RoomView, nick: string, typing: boolean): void {
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
function clearTyping(view: RoomView): void {
  if (view.typing.size === 0) return;
  for (const timer of view.typing.values()) clearTimeout(timer);
  view.typing.clear();
  renderTyping(view);
}

/** An occupant changed nick: their typing and their read position follow them. */
function renameReader(view: RoomView, oldNick: string, newNick: string): void {
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
function renderTyping(view: RoomView): void {
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
function noteSeen(view: RoomView, nick: string, id: string): void {
  const before = view.seen.get(nick);
  if (before === id || (before !== undefined && laterInLog(view, before, id))) return;
  view.seen.set(nick, id);
  renderSeen(view);
}

/** At most this many names under a message; the others are counted. */
const SEEN_NAMES = 4;

/** The "Seen by …" lines: each reader under the newest message they marked. */
function renderSeen(view: RoomView): void {
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
function scheduleMarkRead(view: RoomView): void {
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
function readElsewhere(view: RoomView, id: string): void {
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
    renderNav();
  }
}

// ---------------------------------------------------------------------------
// Permissions (XEP-0045 §5)

/** Affiliations by rank, to sort the occupant list. */
const AFFILIATION_RANK: Record<Affiliation, number> = { outcast: -1, none: 0, member: 1, admin: 2, owner: 3 };

interface Permissions {
  kick(target: Occupant): boolean;
  voice(target: Occupant): boolean;
  ban(target: Occupant): boolean;
  /** The affiliations we may give `target` (not the one they have). */
  affiliations(target: Occupant): Affiliation[];
  subject: boolean;
  destroy: boolean;
  configure: boolean;
  /** See and change the affiliation lists (admins and owners). */
  manage: boolean;
  speak: boolean;
}

/**
 * Whether the room can do an administration request at all, whoever asks.
 * A gateway's rooms take kicks, the subject and (when they announce
 * muc#owner) their configuration, but not voice or affiliation changes: the
 * gateway framework answers those feature-not-implemented unless its module
 * implements them, and announces nothing either way; an answer of
 * feature-not-implemented from any room hides the control from then on.
 */
function supports(view: RoomView, action: AdminAction): boolean {
  if (view.unsupported.has(action)) return false;
  const gateway = view.source === "gateway";
  switch (action) {
    case "voice":
    case "affiliation":
      return !gateway;
    case "config":
    case "destroy":
      return !gateway || view.info?.features.has(NS_MUC_OWNER) === true;
    default:
      return true;
  }
}

/** The room answered feature-not-implemented: that control goes. */
function learnUnsupported(view: RoomView, action: AdminAction, e: unknown): boolean {
  if (conditionOf(e) !== "feature-not-implemented") return false;
  view.unsupported.add(action);
  if (isCurrent(view)) renderRoomParts(view);
  return true;
}

function permissions(view: RoomView): Permissions {
  const me = view.room?.joined ? view.room.me : undefined;
  const standing = { role: me?.role ?? ("none" as Role), affiliation: me?.affiliation ?? ("none" as Affiliation) };
  const info = view.info?.info;
  const occupantsMayChangeSubject = info?.changeSubject === true || info?.subjectMod === true;
  return {
    kick: (t) => !t.isSelf && supports(view, "kick") && canSetRole(standing, t, "none"),
    voice: (t) => !t.isSelf && supports(view, "voice") && t.role !== "moderator" && canSetRole(standing, t, t.role === "visitor" ? "participant" : "visitor"),
    ban: (t) => !t.isSelf && supports(view, "affiliation") && canSetAffiliation(standing, t, "outcast"),
    affiliations: (t) =>
      t.isSelf || !t.jid || !supports(view, "affiliation") ? [] : (["owner", "admin", "member", "none"] as const).filter((a) => a !== t.affiliation && canSetAffiliation(standing, t, a)),
    subject: supports(view, "subject") && canSetSubject(standing, { occupantsMayChangeSubject }),
    destroy: supports(view, "destroy") && canConfigureRoom(standing),
    configure: supports(view, "config") && canConfigureRoom(standing),
    manage: standing.affiliation === "owner" || standing.affiliation === "admin",
    speak: canSendToAll(standing),
  };
}

type Moderation = "kick" | "ban" | "grant-voice" | "revoke-voice" | { affiliation: Affiliation };

const AFFILIATION_WORDS: Record<Affiliation, string> = { owner: "an owner", admin: "an admin", member: "a member", none: "not affiliated", outcast: "banned" };

/** Kick, ban, voice or an affiliation change from an occupant's details; what fails is said there, under the actions. */
async function moderate(view: RoomView, what: Moderation, target: Occupant): Promise<void> {
  const room = view.room;
  const muc = session.muc;
  if (!room || !muc) return;
  const nick = target.nick;
  clearError();
  view.occupantError = undefined;
  const action: AdminAction = what === "kick" ? "kick" : what === "ban" || typeof what === "object" ? "affiliation" : "voice";
  try {
    if (what === "kick") {
      const reason = await ask({ title: `Kick ${nick}?`, message: "They can come back unless they are banned.", confirm: "Kick", danger: true, input: { label: "Reason (optional)" } });
      if (reason === null) return;
      await setRole(muc, room.jid, nick, "none", reason ? { reason } : {});
    } else if (what === "ban" || typeof what === "object") {
      if (!target.jid) throw new UserError(`The room does not show ${nick}'s address, so this cannot be done from here.`);
      const jid = target.jid.bare().toString();
      if (what === "ban") {
        const reason = await ask({ title: `Ban ${nick}?`, message: `${jid} will be removed and cannot come back.`, confirm: "Ban", danger: true, input: { label: "Reason (optional)" } });
        if (reason === null) return;
        await setAffiliation(muc, room.jid, jid, "outcast", reason ? { reason } : {});
      } else {
        if (target.affiliation === "owner" || (what.affiliation === "none" && target.affiliation !== "none")) {
          const ok = await ask({ title: `Make ${nick} ${AFFILIATION_WORDS[what.affiliation]}?`, message: `${jid} is ${AFFILIATION_WORDS[target.affiliation]} now.`, confirm: "Change", danger: true });
          if (ok === null) return;
        }
        await setAffiliation(muc, room.jid, jid, what.affiliation);
      }
    } else {
      await setRole(muc, room.jid, nick, what === "grant-voice" ? "participant" : "visitor");
    }
  } catch (e) {
    console.warn(`moderation in ${view.jid}`, e);
    learnUnsupported(view, action, e);
    view.occupantError = { nick, text: e instanceof UserError ? e.message : adminErrorText(e) };
    renderPeople();
  }
}

/** Open the room's administration (lists, bans, settings). */
function manage(view: RoomView, tab?: "people" | "banned" | "settings"): void {
  const muc = session.muc;
  const me = view.room?.joined ? view.room.me : undefined;
  if (!muc || !me) return;
  const perms = permissions(view);
  void openAdminPanel(
    {
      muc,
      roomJid: view.jid,
      roomName: view.name ?? view.jid,
      affiliation: me.affiliation,
      affiliations: supports(view, "affiliation"),
      configure: perms.configure,
      onUnsupported: (what) => {
        view.unsupported.add(what);
        if (isCurrent(view)) renderRoomParts(view);
      },
      confirm: async (title, message, confirm) => (await ask({ title, message, confirm, danger: true })) !== null,
    },
    tab,
  );
}

/** Invite someone by address (XEP-0045 §7.8.2: the room passes the invitation on). */
async function invite(view: RoomView): Promise<void> {
  const room = view.room;
  if (!room?.joined) return;
  let error: string | undefined;
  let typed = "";
  for (;;) {
    const jid = await ask({
      title: `Invite someone to ${view.name ?? view.jid}`,
      ...(error ? { message: error, messageError: true } : { message: "They get an invitation with a link to this room." }),
      confirm: "Invite",
      input: { label: "Their address", placeholder: "name@server", value: typed },
    });
    if (jid === null || jid === "") return;
    typed = jid;
    if (!/^[^@\s/]+@[^@\s/]+$/.test(jid)) {
      error = "That is not an address: it looks like name@server.";
      continue;
    }
    try {
      await room.invite(jid);
      addNotice(view, "invite", `You invited ${jid}`);
      return;
    } catch (e) {
      console.warn(`invitation to ${view.jid}`, e);
      error = conditionOf(e) === "forbidden" || conditionOf(e) === "not-allowed" ? "This room does not let you invite people." : describeError(e);
    }
  }
}

async function editSubject(view: RoomView, text: string, button: HTMLButtonElement | null): Promise<void> {
  // Prosody does not broadcast an unchanged subject, and setSubject waits for the reflection: skip it.
  if (text === (view.room?.subject ?? "")) {
    view.editingSubject = false;
    render();
    return;
  }
  if (button) {
    button.disabled = true;
    button.textContent = "Saving…";
  }
  try {
    await view.room?.setSubject(text, { timeout: 10_000 });
    view.editingSubject = false;
    render();
  } catch (e) {
    learnUnsupported(view, "subject", e);
    showError(`Could not change the subject: ${adminErrorText(e)}`);
    if (button) {
      button.disabled = false;
      button.textContent = "Save";
    }
  }
}

async function destroy(view: RoomView): Promise<void> {
  const muc = session.muc;
  if (!muc) return;
  const reason = await ask({
    title: `Destroy ${view.name ?? view.jid}?`,
    message: "Everyone is removed and the room is deleted. This cannot be undone.",
    confirm: "Destroy room",
    danger: true,
    input: { label: "Reason (optional)" },
  });
  if (reason === null) return;
  try {
    await destroyRoom(muc, view.jid, reason ? { reason } : {});
  } catch (e) {
    learnUnsupported(view, "destroy", e);
    showError(`Could not destroy ${view.name ?? view.jid}: ${adminErrorText(e)}`);
  }
}

async function leave(view: RoomView): Promise<void> {
  try {
    await view.room?.leave({ timeout: 5_000 });
  } catch (e) {
    showError(`Could not leave ${view.name ?? view.jid} cleanly`, e);
  }
  view.state = "left";
  saveRooms();
  render();
}

/** Keep the rooms we are in (or joining) for a reload of the page. */
function saveRooms(): void {
  if (!session.muc || session.stopping) return;
  saveRoomList(
    [...session.rooms.values()]
      .filter((v) => v.room !== undefined && (v.state === "joined" || v.state === "joining"))
      .map((v) => ({ jid: v.jid, nick: v.room!.nick, ...(v.room!.password ? { password: v.room!.password } : {}) })),
  );
}

// ---------------------------------------------------------------------------
// Rendering

/** The room last kept as the one on screen (for a reload). */
let savedPane: string | undefined;

function render(): void {
  if (!session.muc) return;
  renderNav();
  renderMain();
  renderPeople();
  const current = session.pane.kind === "room" ? session.pane.jid : undefined;
  if (current !== savedPane && !session.stopping) {
    savedPane = current;
    saveCurrentRoom(current);
  }
  // Nothing open: on a phone, the room list is the screen (see style.css).
  byId("shell").classList.toggle("shell--home", session.pane.kind === "empty");
  byId("shell").classList.toggle("shell--nav-open", session.showNav);
  byId("shell").classList.toggle("shell--people-open", session.showPeople);
  byId("scrim").hidden = !(session.showNav || session.showPeople);
}

function renderNav(): void {
  const nav = byId("room-nav");
  const sections: Child[] = [];
  const { mucDomain, gatewayDomain } = session.config;
  if (mucDomain) {
    sections.push(navSection("muc", "Rooms", mucDomain, roomsOf("muc"), session.rooms.size === 0 && session.loadingRooms.has("muc") ? "Loading…" : "No public rooms yet", () => void refreshMucRooms()));
  }
  if (gatewayDomain) {
    const gw = session.gateway;
    const status = h(
      "div",
      { class: "gw-status", testid: "gateway-status", "data-state": gw?.state ?? "checking" },
      gw?.state === "registered"
        ? h("span", { class: "dot dot--ok" }, "registered")
        : gw?.state === "unregistered"
          ? h("span", { class: "dot dot--warn" }, "not registered")
          : gw?.state === "unavailable"
            ? h("span", { class: "dot dot--off", title: gw.error ?? "" }, "unavailable")
            : h("span", { class: "dot" }, "checking…"),
    );
    const register =
      gw?.state === "unregistered"
        ? h(
            "div",
            { class: "gw-register" },
            h("p", {}, `Register with ${gw.name ?? gatewayDomain} to see your groups there as rooms.`),
            h(
              "button",
              {
                class: "btn btn--primary btn--small",
                type: "button",
                testid: "gateway-register",
                onclick: () => {
                  session.pane = { kind: "register" };
                  session.showNav = false;
                  if (!registration) startRegistration();
                  render();
                },
              },
              "Register",
            ),
          )
        : null;
    const commandsButton =
      gw?.state === "registered" || gw?.state === "unregistered"
        ? h(
            "button",
            {
              class: `btn btn--ghost btn--small gw-commands${session.pane.kind === "commands" ? " is-active" : ""}`,
              type: "button",
              testid: "gateway-commands",
              title: `What ${gw.name ?? gatewayDomain} lets you do (its commands)`,
              onclick: () => {
                session.pane = { kind: "commands" };
                session.showNav = false;
                render();
              },
            },
            "Commands",
          )
        : null;
    sections.push(
      navSection(
        "gateway",
        gw?.name ?? "Gateway",
        gatewayDomain,
        gw?.state === "registered" ? roomsOf("gateway") : [],
        gw?.state === "registered" ? (session.loadingRooms.has("gateway") ? "Loading…" : "No groups") : "",
        () => void refreshGateway(),
        status,
        register,
        commandsButton,
      ),
    );
  }
  const people = contactsSection();
  if (people) sections.push(people);
  const others = roomsOf("other");
  if (others.length > 0) sections.push(navSection("other", "Other rooms", "", others, "", undefined));
  replaceChildren(nav, ...sections);
  updateTitle();
}

function roomsOf(source: Source): RoomView[] {
  return [...session.rooms.values()]
    .filter((v) => v.source === source && (v.listed || v.state !== "idle" || isCurrent(v)))
    .sort((a, b) => (a.name ?? a.jid).localeCompare(b.name ?? b.jid));
}

function navSection(source: Source, title: string, subtitle: string, views: RoomView[], empty: string, onRefresh: (() => void) | undefined, ...extra: Child[]): HTMLElement {
  return h(
    "section",
    { class: "nav-section", testid: `room-list-${source}` },
    h(
      "header",
      { class: "nav-section__head" },
      h("div", {}, h("h2", {}, title), subtitle ? h("span", { class: "nav-section__sub" }, subtitle) : null),
      onRefresh
        ? h("button", { class: `icon-btn icon-btn--small${session.loadingRooms.has(source) ? " is-spinning" : ""}`, type: "button", testid: "refresh-rooms", "data-source": source, title: "Refresh", "aria-label": `Refresh ${title}`, onclick: onRefresh }, "↻")
        : null,
    ),
    ...extra,
    views.length > 0
      ? h(
          "ul",
          { class: "room-list" },
          ...views.map((v) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: `room-item${isCurrent(v) ? " is-active" : ""}${v.state === "joined" ? " is-joined" : ""}${isSuspended(v) ? " is-suspended" : ""}`,
                  testid: "room-item",
                  "data-jid": v.jid,
                  "data-source": v.source,
                  "data-joined": String(v.state === "joined"),
                  "data-active": String(isCurrent(v)),
                  "data-suspended": String(isSuspended(v)),
                  title: isSuspended(v) ? `${v.jid} — reconnecting` : v.jid,
                  onclick: () => select(v),
                },
                h("span", { class: "room-item__icon", "aria-hidden": "true" }, v.source === "gateway" ? "◆" : "#"),
                h("span", { class: "room-item__name" }, v.name ?? v.jid.split("@")[0] ?? v.jid),
                isSuspended(v)
                  ? h("span", { class: "room-item__sync", testid: "room-suspended", title: "Reconnecting — not in sync with the room", "aria-label": "reconnecting" }, "↻")
                  : null,
                v.unread > 0 ? h("span", { class: "pill", testid: "room-unread" }, v.unread > 99 ? "99+" : v.unread) : v.state === "joined" && !isSuspended(v) ? h("span", { class: "room-item__dot", title: "joined" }) : null,
              ),
            ),
          ),
        )
      : empty
        ? h("p", { class: "nav-section__empty" }, empty)
        : null,
  );
}

function select(view: RoomView): void {
  session.pane = { kind: "room", jid: view.jid };
  session.showNav = false;
  view.unread = 0;
  clearError();
  if (view.state === "idle" && !view.info) void loadInfo(view);
  render();
  const scroller = view.log.parentElement;
  if (scroller) scroller.scrollTop = scroller.scrollHeight;
  document.querySelector<HTMLElement>("[data-testid=composer-input], [data-testid=join-nick]")?.focus();
  scheduleMarkRead(view);
}

/** Put a pane that is not a room on screen (a direct chat, the people search). */
function openPane(pane: Pane): void {
  session.pane = pane;
  session.showNav = false;
  clearError();
  render();
}

function renderMain(): void {
  const main = byId("main");
  const pane = session.pane;
  if (pane.kind === "chat") {
    chatPane(main, pane.jid);
    return;
  }
  if (pane.kind === "people") {
    // Kept across renders (what is typed in the search box stays, with the focus).
    const el = searchPane();
    if (el.parentElement !== main || main.childElementCount !== 1) replaceChildren(main, el);
    return;
  }
  if (pane.kind === "register") {
    replaceChildren(main, registerPane());
    return;
  }
  if (pane.kind === "commands") {
    const gateway = session.config.gatewayDomain ?? "";
    const pane = commandsPane({
      muc: session.muc,
      gateway,
      rerender: () => {
        if (session.pane.kind === "commands") renderMain();
      },
      onCompleted: (node) => {
        // What the command changed: the registration, or the groups.
        if (node === "unregister" || node === "register") void refreshGateway();
        else if (node === "create-group" || node === "leave-group") void listInto("gateway", gateway);
      },
    });
    replaceChildren(main, h("div", { class: "preview-wrap" }, topBar(`${session.gateway?.name ?? "Gateway"} commands`, gateway), h("div", { class: "pane-scroll" }, pane)));
    return;
  }
  if (pane.kind === "join") {
    replaceChildren(main, topBar("Join a room", ""), h("div", { class: "pane-scroll" }, h("div", { class: "card join-card" }, h("h2", {}, "Join a room by its address"), joinForm(undefined))));
    return;
  }
  const view = pane.kind === "room" ? session.rooms.get(pane.jid) : undefined;
  if (!view) {
    replaceChildren(
      main,
      topBar("", ""),
      h(
        "div",
        { class: "empty", testid: "empty-state" },
        h("div", { class: "empty__art", "aria-hidden": "true" }, "#"),
        h("h2", {}, "Pick a room"),
        h("p", { class: "muted" }, "Choose a room on the left to see who is there and join the conversation."),
      ),
    );
    return;
  }
  if (view.state === "idle") {
    replaceChildren(main, previewPane(view));
    return;
  }
  // A joined (or joining, or left) room: keep the message list element and its scroll position.
  const existing = main.querySelector<HTMLElement>("[data-testid=room-view]");
  if (existing?.dataset.jid === view.jid) {
    renderRoomParts(view);
    return;
  }
  const scroller = h("div", { class: "log-scroll" }, view.log);
  // At the end of the log, it stays at the end as the log grows (a reaction or "Seen by" on the last
  // message) or the scroller shrinks (the composer grows): nothing hides under the composer.
  scroller.addEventListener("scroll", () => {
    view.stick = atBottom(view.log);
  });
  const follow = new ResizeObserver(() => {
    if (view.stick && scroller.isConnected) scroller.scrollTop = scroller.scrollHeight;
    else if (!scroller.isConnected) follow.disconnect();
  });
  follow.observe(scroller);
  follow.observe(view.log);
  // Who is typing: one line always there (empty when nobody is), so the log does not jump.
  const typing = h("div", { class: "typing", testid: "typing-indicator", role: "status", "aria-live": "polite", "data-count": 0 });
  const section = h("section", { class: "room", testid: "room-view", "data-jid": view.jid }, h("header", { class: "room__head" }), scroller, typing, h("footer", { class: "room__foot" }));
  acceptDrops(view, section);
  replaceChildren(main, section);
  renderRoomParts(view);
  scroller.scrollTop = scroller.scrollHeight;
}

/** The header with the mobile menu button. */
function topBar(title: string, sub: string, ...actions: Child[]): HTMLElement {
  return h(
    "header",
    { class: "room__head" },
    menuButton(),
    h("div", { class: "room__title" }, title ? h("h1", {}, title) : null, sub ? h("span", { class: "room__jid" }, sub) : null),
    h("div", { class: "room__actions" }, ...actions),
  );
}

function menuButton(): HTMLElement {
  return h(
    "button",
    {
      class: "icon-btn menu-btn",
      type: "button",
      "aria-label": "Rooms",
      onclick: () => {
        session.showNav = !session.showNav;
        render();
      },
    },
    "☰",
  );
}

function renderRoomParts(view: RoomView): void {
  const section = byId("main").querySelector<HTMLElement>("[data-testid=room-view]");
  if (!section || section.dataset.jid !== view.jid) return;
  section.dataset.state = view.state;
  section.dataset.suspended = String(isSuspended(view));
  view.log.dataset.canModerate = String(canModerateMessages(view));
  const head = section.querySelector(".room__head")!;
  const foot = section.querySelector(".room__foot")!;
  const room = view.room;
  const perms = permissions(view);
  const me = room?.joined ? room.me : undefined;
  const subject = room?.subject ?? view.info?.info.subject ?? "";

  const subjectLine = view.editingSubject
    ? h(
        "form",
        {
          class: "subject-edit",
          onsubmit: (ev: Event) => {
            ev.preventDefault();
            const form = ev.currentTarget as HTMLFormElement;
            void editSubject(view, form.querySelector("input")!.value.trim(), form.querySelector<HTMLButtonElement>("[data-testid=subject-save]"));
          },
        },
        h("input", { value: subject, testid: "subject-input", "aria-label": "Subject", placeholder: "What is this room about?" }),
        h("button", { class: "btn btn--primary btn--small", type: "submit", testid: "subject-save" }, "Save"),
        h(
          "button",
          {
            class: "btn btn--ghost btn--small",
            type: "button",
            testid: "subject-cancel",
            onclick: () => {
              view.editingSubject = false;
              renderRoomParts(view);
            },
          },
          "Cancel",
        ),
      )
    : h(
        "div",
        { class: "subject" },
        h("span", { class: `subject__text${subject ? "" : " muted"}`, testid: "room-subject", title: room?.subjectSetter ? `set by ${room.subjectSetter}` : "" }, subject || "No subject"),
        perms.subject && view.state === "joined"
          ? h(
              "button",
              {
                class: "link-btn",
                type: "button",
                testid: "action-subject",
                onclick: () => {
                  view.editingSubject = true;
                  renderRoomParts(view);
                  section.querySelector<HTMLInputElement>("[data-testid=subject-input]")?.focus();
                },
              },
              "Edit",
            )
          : null,
      );

  replaceChildren(
    head,
    menuButton(),
    h(
      "div",
      { class: "room__title" },
      h("h1", { testid: "room-name" }, view.name ?? view.jid.split("@")[0] ?? view.jid),
      h("span", { class: "room__jid", testid: "room-jid" }, view.jid),
      me ? h("span", { class: `role-chip role-chip--${me.role}`, testid: "my-role", "data-role": me.role, "data-affiliation": me.affiliation }, `${me.nick} · ${me.affiliation !== "none" ? `${me.affiliation}, ` : ""}${me.role}`) : null,
      subjectLine,
    ),
    h(
      "div",
      { class: "room__actions" },
      view.state === "joined"
        ? h(
            "button",
            {
              class: "btn btn--ghost btn--small people-toggle",
              type: "button",
              testid: "toggle-occupants",
              onclick: () => {
                session.showPeople = !session.showPeople;
                render();
              },
            },
            `People ${room?.occupantCount ?? ""}`,
          )
        : null,
      view.state === "joined" ? h("button", { class: "btn btn--ghost btn--small", type: "button", testid: "action-invite", onclick: () => void invite(view) }, "Invite") : null,
      perms.manage && view.state === "joined" ? h("button", { class: "btn btn--ghost btn--small", type: "button", testid: "action-manage", onclick: () => manage(view) }, "Manage") : null,
      perms.destroy && view.state === "joined" ? h("button", { class: "btn btn--danger-ghost btn--small", type: "button", testid: "action-destroy", onclick: () => void destroy(view) }, "Destroy") : null,
      view.state === "joined" ? h("button", { class: "btn btn--ghost btn--small", type: "button", testid: "leave-button", onclick: () => void leave(view) }, "Leave") : null,
    ),
  );

  if (view.state === "joining") {
    replaceChildren(foot, h("div", { class: "composer composer--disabled" }, h("span", { class: "spinner" }), "Joining…"));
  } else if (view.state === "left") {
    replaceChildren(
      foot,
      h(
        "div",
        { class: "composer composer--disabled" },
        h("span", {}, view.exitText ?? "You are not in this room."),
        view.destroyed || view.banned ? null : h("button", { class: "btn btn--primary btn--small", type: "button", testid: "rejoin-button", onclick: () => void join(view.jid, room?.nick ?? session.username, room?.password) }, "Rejoin"),
      ),
    );
  } else if (!perms.speak) {
    replaceChildren(
      foot,
      h(
        "div",
        { class: "composer composer--disabled" },
        h("span", { testid: "visitor-note" }, view.voiceRequested ? "You asked the moderators for voice; you can speak once one of them gives it." : "You are a visitor here: only people with voice can speak."),
        h(
          "button",
          {
            class: "btn btn--ghost btn--small",
            type: "button",
            testid: "action-request-voice",
            disabled: view.voiceRequested,
            onclick: (ev: Event) => {
              const muc = session.muc;
              if (!room || !muc || view.voiceRequested) return;
              const button = ev.currentTarget as HTMLButtonElement;
              button.disabled = true;
              view.voiceRequested = true;
              void requestVoice(muc, room.jid)
                .then(() => {
                  addNotice(view, "role", "Voice requested from the moderators");
                  renderRoomParts(view);
                })
                .catch((e: unknown) => {
                  view.voiceRequested = false;
                  renderRoomParts(view);
                  showError("Could not request voice", e);
                });
            },
          },
          view.voiceRequested ? "Voice requested" : "Request voice",
        ),
      ),
    );
  } else if (!foot.querySelector("[data-testid=composer]")) {
    const input = h("textarea", { class: "composer__input", testid: "composer-input", rows: 1, placeholder: `Message ${view.name ?? view.jid}`, "aria-label": "Message" });
    const fileInput = h("input", { type: "file", multiple: true, hidden: true, tabindex: -1, testid: "composer-file", "aria-label": "Files to send" });
    fileInput.addEventListener("change", () => {
      const files = Array.from(fileInput.files ?? []);
      // Cleared, so that the same file can be picked again.
      fileInput.value = "";
      if (files.length > 0) sendFiles(view, files);
    });
    const form = h(
      "form",
      {
        class: "composer",
        testid: "composer",
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          const text = input.value.trim();
          if (!text) return;
          input.value = "";
          input.style.height = "";
          submitComposer(view, text);
        },
      },
      h("div", { class: "composer__context", testid: "composer-context", hidden: true }),
      h("ul", { class: "uploads", testid: "uploads", "aria-label": "Files being sent", hidden: true }),
      fileInput,
      h("button", { class: "icon-btn composer__attach", type: "button", testid: "composer-attach", title: "Attach a file", "aria-label": "Attach a file", onclick: () => fileInput.click() }, paperclipIcon()),
      input,
      h("button", { class: "btn btn--primary composer__send", type: "submit", testid: "composer-send", "aria-label": "Send" }, "Send"),
    );
    // @-mentions: Tab completes a nick, "@" lists the occupants (before our own keydown handler: Enter picks one there).
    attachMentions(input, () => (view.room?.occupants ?? []).filter((o) => !o.isSelf).map((o) => o.nick));
    input.addEventListener("paste", (ev) => {
      const images = pastedImages(ev);
      if (images.length === 0) return;
      ev.preventDefault();
      sendFiles(view, images);
    });
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && view.composing) {
        if (view.composing.kind === "edit") input.value = "";
        stopComposing(view);
        onComposerInput(view, input.value);
      }
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        form.requestSubmit();
      }
    });
    input.addEventListener("input", () => {
      input.style.height = "";
      input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
      onComposerInput(view, input.value);
    });
    replaceChildren(foot, form);
    // Back in a room where an edit was under way: its text again.
    if (view.composing?.kind === "edit") input.value = view.composing.record.text;
    renderComposerContext(view);
    renderUploads(view);
  }
  renderComposerOffline(view, foot);
  renderTyping(view);
  renderPeople();
}

/** While the room is out of sync, the composer stays usable and says what happens to what is sent. */
function renderComposerOffline(view: RoomView, foot: Element): void {
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

function previewPane(view: RoomView): HTMLElement {
  const info = view.info;
  const features: string[] = [];
  if (info) {
    if (info.passwordProtected) features.push("password");
    if (info.membersOnly) features.push("members only");
    if (info.moderated) features.push("moderated");
    if (info.nonAnonymous) features.push("addresses visible");
    if (info.persistent) features.push("persistent");
    if (info.public) features.push("public");
  }
  const count = info?.info.occupants;
  return h(
    "div",
    { class: "preview-wrap" },
    topBar(view.name ?? view.jid, view.jid),
    h(
      "div",
      { class: "pane-scroll" },
      h(
        "div",
        { class: "card preview", testid: "room-preview", "data-jid": view.jid },
        h("div", { class: "preview__art", "aria-hidden": "true" }, view.source === "gateway" ? "◆" : "#"),
        h("h2", {}, view.name ?? view.jid),
        h(
          "div",
          { class: "preview__info", testid: "room-info" },
          view.invite ? h("p", { class: "invite", testid: "room-invite" }, view.invite) : null,
          info?.info.description ? h("p", {}, info.info.description) : null,
          info?.info.subject ? h("p", { class: "preview__subject" }, `“${info.info.subject}”`) : null,
          h(
            "p",
            { class: "muted" },
            view.infoError ? `No details: ${view.infoError}` : !info ? "Loading details…" : count !== undefined ? `${count} ${count === 1 ? "person" : "people"} here` : view.source === "gateway" ? `A group on ${session.gateway?.name ?? "the gateway"}` : "",
          ),
          features.length ? h("div", { class: "chips" }, ...features.map((f) => h("span", { class: "chip chip--static" }, f))) : null,
        ),
        joinForm(view),
      ),
    ),
  );
}

function joinForm(view: RoomView | undefined): HTMLFormElement {
  const error = view ? view.joinError : joinDraft.error;
  const needsPassword = view?.info?.passwordProtected === true || error?.field === "password";
  const nickValue = view ? (view.draftNick ?? view.room?.nick ?? session.username) : joinDraft.nick || session.username;
  /** The error line under a field, when the error is that field's. */
  const fieldError = (field: JoinFailure["field"]): HTMLElement | null =>
    error && error.field === field ? h("small", { class: "field-error", testid: `join-${field ?? "form"}-error`, role: "alert" }, error.text) : null;
  /** Typing again in the field the error was about: the error goes (what was typed stays). */
  const edited = (field: JoinFailure["field"], keep: (value: string) => void) => (ev: Event) => {
    const input = ev.currentTarget as HTMLInputElement;
    keep(input.value);
    if (error?.field !== field) return;
    if (view) view.joinError = undefined;
    else joinDraft.error = undefined;
    input.removeAttribute("aria-invalid");
    input.closest(".field")?.querySelector(".field-error")?.remove();
  };
  const form = h(
    "form",
    {
      class: "join-form",
      testid: "join-form",
      novalidate: true,
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        const data = new FormData(ev.currentTarget as HTMLFormElement);
        const jid = String(data.get("room") ?? "").trim();
        const nick = String(data.get("nick") ?? "").trim();
        const password = String(data.get("password") ?? "");
        if (!jid || !nick) {
          const failure: JoinFailure = !jid ? { field: "room", text: "Enter the room's address (room@service)." } : { field: "nick", text: "Enter a nickname." };
          if (view) view.joinError = failure;
          else joinDraft = { jid, nick, error: failure };
          render();
          return;
        }
        if (view) view.draftNick = nick;
        else joinDraft = { jid, nick, error: undefined };
        const button = (ev.currentTarget as HTMLFormElement).querySelector<HTMLButtonElement>("[data-testid=join-submit]")!;
        button.disabled = true;
        button.textContent = "Joining…";
        void join(jid, nick, password || undefined).finally(() => {
          button.disabled = false;
          button.textContent = "Join room";
        });
      },
    },
    h(
      "label",
      { class: "field", hidden: view !== undefined },
      h("span", {}, "Room address"),
      h("input", {
        name: "room",
        testid: "join-room",
        value: view?.jid ?? joinDraft.jid,
        placeholder: `room@${session.config.mucDomain ?? "conference.example.org"}`,
        spellcheck: "false",
        required: true,
        "aria-invalid": error?.field === "room" ? "true" : undefined,
        oninput: edited("room", (v) => {
          if (!view) joinDraft.jid = v;
        }),
      }),
      fieldError("room"),
    ),
    h(
      "div",
      { class: "join-form__row" },
      h(
        "label",
        { class: "field" },
        h("span", {}, "Your nickname"),
        h("input", {
          name: "nick",
          testid: "join-nick",
          value: nickValue,
          required: true,
          autocomplete: "nickname",
          "aria-invalid": error?.field === "nick" ? "true" : undefined,
          oninput: edited("nick", (v) => {
            if (view) view.draftNick = v;
            else joinDraft.nick = v;
          }),
        }),
        fieldError("nick"),
      ),
      h(
        "label",
        { class: "field", hidden: !needsPassword && view !== undefined },
        h("span", {}, needsPassword ? "Room password" : "Password (if any)"),
        h("input", { name: "password", type: "password", testid: "join-password", autocomplete: "off", "aria-invalid": error?.field === "password" ? "true" : undefined, oninput: edited("password", () => {}) }),
        fieldError("password"),
      ),
    ),
    view?.source === "gateway" ? h("p", { class: "hint" }, "The gateway uses your nick from its network.") : null,
    error && (error.field === undefined || (view !== undefined && error.field === "room")) ? h("p", { class: "form-error", testid: "join-error", role: "alert" }, error.text) : null,
    h("button", { class: "btn btn--primary", type: "submit", testid: "join-submit" }, "Join room"),
  );
  return form;
}

function registerPane(): HTMLElement {
  const gw = session.gateway;
  const name = gw?.name ?? session.config.gatewayDomain ?? "the gateway";
  const reg = registration;
  const body = reg
    ? registrationCard(reg, name)
    : h(
        "div",
        { class: "card register" },
        h("h2", {}, `Register with ${name}`),
        h("button", { class: "btn btn--primary", type: "button", testid: "register-start", onclick: () => (startRegistration(), render()) }, "Start"),
      );
  return h("div", { class: "preview-wrap" }, topBar(`Register with ${name}`, session.config.gatewayDomain ?? ""), h("div", { class: "pane-scroll" }, body));
}

/** The step of the registration on screen: built once per step (what is typed stays), its error and busy state kept in sync. */
function registrationCard(reg: Registration, name: string): HTMLElement {
  if (reg.card && reg.card.step === reg.step) {
    reg.card.sync();
    return reg.card.el;
  }
  const step = reg.step;
  const form = step?.form;
  const fields: FormFieldsView | undefined = form && reg.kind !== "qr" ? formFieldsView(form, "register", step.step === 1 ? reg.typed : {}) : undefined;
  // Why the registration failed, in the form, above its buttons.
  const error = h("p", { class: "form-error", testid: "register-error", role: "alert", hidden: true });
  const waitingText = h("span", {});
  const waiting = h("p", { class: "muted register-waiting", testid: "register-waiting", role: "status", hidden: true }, h("span", { class: "spinner spinner--small", "aria-hidden": "true" }), " ", waitingText);
  const label = !step || step.step === 1 ? "Register" : "Continue";
  const submit = h("button", { class: "btn btn--primary", type: "submit", testid: "register-submit", hidden: !step || reg.kind === "qr" }, label);
  const qrUrl = reg.kind === "qr" ? safeImageUrl(gatewayQrImages.get(reg.qrText ?? "")) : undefined;
  const qr =
    reg.kind === "qr"
      ? h(
          "figure",
          { class: "register-qr", testid: "register-qr" },
          qrUrl
            ? h("img", { src: qrUrl, alt: "QR code to scan with the network's app", testid: "register-qr-image", width: 240, height: 240 })
            : h("p", { class: "muted" }, "This page cannot show the image the gateway sent; the code's text is below."),
          h("figcaption", {}, h("code", { testid: "register-qr-text" }, reg.qrText ?? "")),
        )
      : null;
  const instructions =
    reg.kind === "qr" ? ["Scan this QR code with the network's app. Registering goes on by itself once the network says it was scanned."] : (form?.instructions.length ? form.instructions : step?.step === 1 && session.gateway?.instructions ? [session.gateway.instructions] : []);
  const el = h(
    "form",
    {
      class: "card register",
      testid: "register-form",
      "data-step": String(step?.step ?? 0),
      "data-kind": reg.kind,
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        if (reg.busy || !reg.answer) return;
        if (step?.step === 1 && fields) reg.typed = fields.typed();
        clearError();
        reg.answer(fields?.values() ?? {});
      },
    },
    h("h2", {}, form?.title ?? `Register with ${name}`),
    ...instructions.map((text) => h("p", { class: "muted" }, text)),
    step ? notesView(step.notes, "register") : null,
    fields?.el ?? null,
    qr,
    waiting,
    error,
    h(
      "div",
      { class: "modal__actions" },
      h("button", { class: "btn btn--ghost", type: "button", testid: "register-cancel", onclick: cancelRegistration }, "Cancel"),
      submit,
    ),
  );
  const sync = (): void => {
    error.hidden = reg.error === undefined;
    error.textContent = reg.error ?? "";
    waiting.hidden = !reg.busy;
    waitingText.textContent = reg.kind === "qr" ? "Waiting for the scan…" : step ? "Registering…" : "Asking the gateway…";
    submit.disabled = reg.busy;
    submit.textContent = reg.busy && step ? "Registering…" : label;
  };
  sync();
  reg.card = { step, el, sync };
  return el;
}

const ROLE_GROUPS: { role: Role; title: string }[] = [
  { role: "moderator", title: "Moderators" },
  { role: "participant", title: "Participants" },
  { role: "visitor", title: "Visitors" },
];

function renderPeople(): void {
  const pane = byId("people");
  const view = session.pane.kind === "room" ? session.rooms.get(session.pane.jid) : undefined;
  const room = view?.room;
  if (!view || !room || view.state !== "joined") {
    pane.hidden = true;
    pane.replaceChildren();
    return;
  }
  pane.hidden = false;
  const perms = permissions(view);
  const occupants = room.occupants;
  // Out of sync with the room (connection down, or rejoining): who is there may have changed.
  const suspended = isSuspended(view);
  pane.dataset.suspended = String(suspended);
  pane.classList.toggle("people--stale", suspended);
  replaceChildren(
    pane,
    h(
      "header",
      { class: "people__head" },
      h("h2", {}, "People ", h("span", { class: "pill pill--muted" }, occupants.length)),
      h(
        "button",
        {
          class: "icon-btn people-close",
          type: "button",
          "aria-label": "Close",
          onclick: () => {
            session.showPeople = false;
            render();
          },
        },
        "×",
      ),
    ),
    suspended
      ? h(
          "p",
          { class: "people__stale", testid: "occupants-stale", role: "status" },
          h("span", { class: "spinner spinner--small", "aria-hidden": "true" }),
          isLive() ? "Rejoining — this list may be out of date" : "Reconnecting — this list may be out of date",
        )
      : null,
    h(
      "div",
      { class: "people__body", "aria-disabled": suspended ? "true" : undefined },
      ...ROLE_GROUPS.map(({ role, title }) => {
        const members = occupants.filter((o) => o.role === role).sort((a, b) => Number(b.isSelf) - Number(a.isSelf) || AFFILIATION_RANK[b.affiliation] - AFFILIATION_RANK[a.affiliation] || a.nick.localeCompare(b.nick));
        if (members.length === 0) return null;
        return h(
          "section",
          { class: "people__group", testid: "occupant-group", "data-role": role },
          h("h3", {}, title, h("span", { class: "muted" }, ` · ${members.length}`)),
          h("ul", {}, ...members.map((o) => occupantItem(view, o, perms))),
        );
      }),
    ),
  );
}

function occupantItem(view: RoomView, o: Occupant, perms: Permissions): HTMLElement {
  const selected = view.selectedNick === o.nick;
  const actions: Child[] = [];
  if (perms.voice(o)) {
    actions.push(
      o.role === "visitor"
        ? h("button", { class: "act", type: "button", testid: "action-grant-voice", title: `Give ${o.nick} voice`, onclick: () => void moderate(view, "grant-voice", o) }, "Give voice")
        : h("button", { class: "act", type: "button", testid: "action-revoke-voice", title: `Revoke ${o.nick}'s voice`, onclick: () => void moderate(view, "revoke-voice", o) }, "Mute"),
    );
  }
  if (perms.kick(o)) actions.push(h("button", { class: "act", type: "button", testid: "action-kick", title: `Kick ${o.nick}`, onclick: () => void moderate(view, "kick", o) }, "Kick"));
  if (perms.ban(o)) actions.push(h("button", { class: "act act--danger", type: "button", testid: "action-ban", title: o.jid ? `Ban ${o.jid.bare().toString()}` : `Ban ${o.nick}`, onclick: () => void moderate(view, "ban", o) }, "Ban"));
  const promote: Record<Affiliation, string> = { owner: "Make owner", admin: "Make admin", member: "Make member", none: "Remove membership", outcast: "" };
  for (const affiliation of perms.affiliations(o)) {
    actions.push(
      h(
        "button",
        { class: "act", type: "button", testid: "action-set-affiliation", "data-affiliation": affiliation, title: `${promote[affiliation]}: ${o.jid?.bare().toString() ?? o.nick}`, onclick: () => void moderate(view, { affiliation }, o) },
        promote[affiliation],
      ),
    );
  }
  const error = view.occupantError?.nick === o.nick ? view.occupantError.text : undefined;
  const status = o.status[""] ?? Object.values(o.status)[0];
  return h(
    "li",
    { class: `occupant${o.isSelf ? " occupant--self" : ""}${selected ? " is-selected" : ""}`, testid: "occupant", "data-nick": o.nick, "data-role": o.role, "data-affiliation": o.affiliation, "data-self": String(o.isSelf) },
    h(
      "button",
      {
        class: "occupant__row",
        type: "button",
        "aria-expanded": String(selected),
        title: actions.length ? "Show details and actions" : "Show details",
        onclick: () => {
          view.selectedNick = selected ? undefined : o.nick;
          renderPeople();
        },
      },
      h("span", { class: "occupant__avatar" }, avatar(o.nick, "sm", o), h("span", { class: `presence presence--${o.show ?? "available"}`, title: isSuspended(view) ? "unknown while reconnecting" : (o.show ?? "available") })),
      h(
        "span",
        { class: "occupant__main" },
        h("span", { class: "occupant__nick" }, o.nick, o.isSelf ? h("span", { class: "muted" }, " (you)") : null),
        o.hats.length
          ? h("span", { class: "occupant__hats" }, ...o.hats.map((hat) => h("span", { class: "hat", testid: "occupant-hat", title: hat.uri, style: hat.hue === undefined ? undefined : `--hue: ${hat.hue}` }, hat.title)))
          : null,
        status ? h("span", { class: "occupant__status" }, status) : null,
      ),
      o.affiliation !== "none" ? h("span", { class: `badge badge--${o.affiliation}`, testid: "occupant-affiliation" }, o.affiliation) : null,
    ),
    selected
      ? h(
          "div",
          { class: "occupant__details", testid: "occupant-details" },
          h("span", { class: "occupant__jid" }, o.jid ? o.jid.toString() : "address hidden by the room"),
          h("span", { class: "muted" }, `${o.role}${o.affiliation !== "none" ? ` · ${o.affiliation}` : ""}${o.show ? ` · ${o.show}` : ""}`),
          actions.length ? h("span", { class: "occupant__actions", testid: "occupant-actions" }, ...actions) : null,
          error ? h("span", { class: "form-error", testid: "occupant-error", role: "alert" }, error) : null,
        )
      : null,
  );
}

void boot();
