/// <reference lib="dom" />
/**
 * The web client's state: the rooms as the page knows them (a `RoomView` per
 * address, with its log and what the page keeps of it), the messages in the
 * logs that later ones may change, the pane on screen, the gateway as the
 * sidebar shows it, and the session (our connection, the MucService, the
 * account). The other modules read and change it here.
 *
 * @module
 */
import type { Client } from "@xmpp/client";
import { type ChatState, type MessageChangeBase, type MessageChangeEvent, type MessageTracker, type MucService, type ReplyOriginal, type Room, type RoomInfoResult } from "../../src/index.js";
import type { DataFormField } from "../../src/xso/index.js";
// What /config.json holds (a type only: nothing of the server goes into the page).
import type { WebConfig } from "./serve.js";
import { h } from "./dom.js";
import type { JoinFailure } from "./errors.js";

export type Source = "muc" | "gateway" | "other";

export interface RoomView {
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
  /** The same, by author and `id` attribute (corrections name the id, and only the author's count): see `authorIdKey` (message-changes.ts). */
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
export interface PendingUpload {
  readonly file: File;
  /** Its item in the composer's list of uploads, kept across renders. */
  readonly el: HTMLLIElement;
  state: "uploading" | "failed";
  /** Cancels the upload under way. */
  controller: AbortController | undefined;
}

/** A message in the log, with what later messages may change of it. */
export interface MessageRecord {
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

export type Pane = { kind: "empty" } | { kind: "room"; jid: string } | { kind: "join" } | { kind: "register" } | { kind: "commands" } | { kind: "chat"; jid: string } | { kind: "people" };

export const session: {
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
export const joinDraft: { jid: string; nick: string; error: JoinFailure | undefined } = { jid: "", nick: "", error: undefined };

/** The trackers of the messages we sent, with their list item. */
export const sentItems = new WeakMap<MessageTracker, HTMLLIElement>();

/** Kinds of administration request a room may not implement (a gateway's rooms answer some with feature-not-implemented). */
export type AdminAction = "kick" | "voice" | "affiliation" | "config" | "destroy" | "subject";

/** A change to a message in the log: live ({@link MessageChangeEvent}) or read from the archive. */
export type Change = DistributiveOmit<MessageChangeEvent, Exclude<keyof MessageChangeBase, "nick" | "occupantId">>;

/** `Omit` applied to each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export function sourceOf(jid: string): Source {
  const domain = jid.slice(jid.indexOf("@") + 1);
  if (domain === session.config.mucDomain) return "muc";
  if (domain === session.config.gatewayDomain) return "gateway";
  return "other";
}

export function viewFor(jid: string, name?: string): RoomView {
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

export function isCurrent(view: RoomView): boolean {
  return session.pane.kind === "room" && session.pane.jid === view.jid;
}
