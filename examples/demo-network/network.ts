/**
 * A small chat service that lives in the same process: users with a
 * presence (online, away, busy … and a status text) and an avatar, groups
 * and channels, roles and badges, topics, kicks and bans, and a message
 * history per group whose messages can be edited, deleted, reacted to and
 * removed by the group's owners and admins; members say when they type and
 * how far they have read, and send each other direct messages; users create
 * groups, add people to them, leave them, and their owners delete them;
 * a message may carry a file (its bytes, or a link to it) with or without a
 * caption.
 *
 * It plays the "legacy network" of the gateway examples and tests. Two sides
 * use it:
 *
 * - the gateway's sessions log in with {@link DemoNetwork.authenticate} and
 *   get a {@link DemoClient}, the way a legacy SDK hands out a client: it
 *   lists the user's groups, sends messages and files, edits, deletes, reacts, moderates
 *   (kicks, bans, removes others' messages), types, marks messages read,
 *   sends direct messages, creates, configures, deletes and leaves groups
 *   and adds people to them, and emits events for the groups the user
 *   belongs to (a direct message: for its recipient only);
 * - tests and the demo script the other users with {@link DemoNetwork.as}
 *   (`network.as("bob").send("coffee", "hi")`), set the world up with the
 *   admin methods of {@link DemoNetwork}, and make calls fail on purpose with
 *   {@link DemoNetwork.failNext}.
 *
 * The rules, in one place:
 *
 * | action                       | who may                                                          |
 * | ---------------------------- | ---------------------------------------------------------------- |
 * | read history, list members   | members                                                          |
 * | send                         | members of a `"group"`; owners and admins of a `"channel"`       |
 * | send a file                  | members of a `"group"`; owners and admins of a `"channel"`       |
 * | edit or delete a message     | its author, while a member                                       |
 * | remove someone's message     | owners and admins who outrank its author (never their own)       |
 * | react to a message           | members                                                          |
 * | set the topic                | members of a `"group"`; owners and admins of a `"channel"`       |
 * | say one is typing            | members of a `"group"`; owners and admins of a `"channel"`       |
 * | mark a message read          | members (a read position only moves forward)                     |
 * | send a direct message        | members, to another member of the same group                     |
 * | join                         | anyone who is not banned                                         |
 * | leave                        | members                                                          |
 * | add someone to the group     | owners and admins, on anyone who is not banned                   |
 * | kick, ban, unban, set a role | owners and admins, on someone of a lower role (never themselves) |
 * | rename or describe the group | owners and admins                                                |
 * | create a group               | anyone, who becomes its owner                                    |
 * | delete the group             | its owners                                                       |
 * | set one's presence or avatar | the user, for themselves                                         |
 * | see a presence or an avatar  | anyone                                                           |
 * | give a member badges         | owners and admins, on themselves or someone of a lower role      |
 *
 * Everything is synchronous underneath: a client call changes the world and
 * delivers its events before its promise settles, and message ids come from a
 * counter after a prefix of the network's own (`msg-3f9c02ab-1`, …), so that
 * a network made again, by a restarted process, never hands out the ids of
 * the one before (a gateway's saved id maps would take its new messages for
 * old ones). Tests that predict ids give the prefix: with
 * `{ messageIdPrefix: "msg-" }` they are `msg-1`, `msg-2`, ….
 *
 * @example
 * ```ts
 * const network = new DemoNetwork();
 * await seedDemo(network);
 * const alice = await network.authenticate("alice", "wonderland");
 * alice.on("message", ({ message }) => console.log(message.senderId, message.text));
 * await network.as("bob").send("coffee", "Kettle's on!"); // alice sees it
 * ```
 *
 * @module
 */
import { crc32, deflateSync } from "node:zlib";
import { EventEmitter } from "eventemitter3";

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

/** A member's role in a group, from most to least powerful. */
export type DemoRole = "owner" | "admin" | "member";

/**
 * What a group is: a `"group"` where every member talks, or a `"channel"`
 * where only owners and admins post and everyone else reads.
 */
export type DemoGroupKind = "group" | "channel";

/** Why a member left a group. */
export type DemoLeaveReason = "left" | "kicked" | "banned";

/** A user of the network, as the network shows it. */
export interface DemoUser {
  /** The user's id, unique and stable. */
  readonly id: string;
  /** The display name; it may change ({@link DemoNetwork.renameUser}) and need not be unique. */
  readonly name: string;
}

/**
 * A user's availability, shown next to their name in every group they are
 * in: `"online"`, `"away"`, `"dnd"` (busy, do not disturb), `"xa"` (away
 * for a long while) or `"offline"`.
 */
export type DemoShow = "online" | "away" | "dnd" | "xa" | "offline";

/** A user's presence: their availability and, when they wrote one, a status text. */
export interface DemoPresence {
  /** The availability. */
  readonly show: DemoShow;
  /** The status text ("Out for lunch"); absent when there is none. */
  readonly status?: string;
}

/** A user's picture: an image and its media type. */
export interface DemoAvatar {
  /** The image's bytes. */
  readonly data: Uint8Array;
  /** Its media type, `image/…` (`"image/png"`). */
  readonly type: string;
}

/**
 * A badge a member wears in one group, shown next to their name there: a
 * title such as "Owner", "Admin" or "Barista". Owners and admins give them
 * ({@link DemoClient.setBadges}); they go when the member leaves the group.
 */
export interface DemoBadge {
  /** What the badge is, unique among one member's badges (`"owner"`, `"barista"`). */
  readonly id: string;
  /** What it says. */
  readonly title: string;
  /** Its colour as a hue angle, from 0 to 360; absent when it has none of its own. */
  readonly hue?: number;
}

/** A group's topic: what it says, who set it and when. */
export interface DemoTopic {
  /** The topic; `""` when it was cleared. */
  readonly text: string;
  /** The id of the user who set it; `undefined` when the group was created with it. */
  readonly setBy?: string;
  /** When it was set. */
  readonly at: Date;
}

/** A group or channel, as a snapshot taken when it was asked for. */
export interface DemoGroup {
  /** The group's id, unique and stable. */
  readonly id: string;
  /** The group's name. */
  readonly name: string;
  /** A longer description; `""` when there is none. */
  readonly description: string;
  /** Whether every member talks (`"group"`) or only owners and admins (`"channel"`). */
  readonly kind: DemoGroupKind;
  /** The current topic; `undefined` when none was ever set. */
  readonly topic?: DemoTopic;
  /** How many members the group has. */
  readonly memberCount: number;
}

/** A member of a group, as a snapshot. */
export interface DemoMember {
  /** The member's user id. */
  readonly userId: string;
  /** The member's display name (the user's name, which is also their nick in every group). */
  readonly name: string;
  /** The member's role in this group. */
  readonly role: DemoRole;
  /** The badges the member wears in this group, in the order given; absent when none. */
  readonly badges?: readonly DemoBadge[];
}

/**
 * A file a message carries ({@link DemoClient.sendFile}): its bytes, kept
 * by the network, or a link to it elsewhere, or both.
 */
export interface DemoFile {
  /** The file's name (`"plan.pdf"`); not empty. */
  readonly name: string;
  /** Its media type (`"application/pdf"`). */
  readonly type: string;
  /** Its size in bytes: the bytes' count, or the size given with a link; absent when only a link without a size was given. */
  readonly size?: number;
  /** Where it can be fetched, when it was shared as a link. */
  readonly url?: string;
  /**
   * Its bytes, when they were sent (at most 1 MiB): the network's copy,
   * shared by every snapshot of the message — read it, do not change it.
   */
  readonly data?: Uint8Array;
}

/** What {@link DemoClient.sendFile} sends: bytes (`data`), a link (`url`), or both. */
export interface DemoFileInput {
  /** The file's name; not empty. */
  readonly name: string;
  /** Its media type, `type/subtype` (`"image/png"`). */
  readonly type: string;
  /** Its bytes: not empty, at most 1 MiB (the network keeps a copy). */
  readonly data?: Uint8Array;
  /** Where it can be fetched: an absolute URL. */
  readonly url?: string;
  /** Its size in bytes, for a link without bytes (with bytes, their count is the size). */
  readonly size?: number;
}

/**
 * A message in a group's history, as a snapshot: an edit or a reaction makes
 * a new snapshot, a deletion (or a moderator's removal) takes the message out
 * of the history.
 */
export interface DemoMessage {
  /** The message id: the network's prefix and a network-wide counter (see {@link DemoNetworkOptions.messageIdPrefix}). */
  readonly id: string;
  /** The group the message was sent to. */
  readonly groupId: string;
  /** The sender's user id. */
  readonly senderId: string;
  /** The text; with a {@link DemoMessage.file}, its caption, `""` when there is none. */
  readonly text: string;
  /** When the network received it, by the network's clock. */
  readonly at: Date;
  /** The file it carries ({@link DemoClient.sendFile}); absent for a plain text message. */
  readonly file?: DemoFile;
  /** The id of the message (in the same group) this one replies to. */
  readonly replyTo?: string;
  /** When its author last edited it; `undefined` when never edited. */
  readonly editedAt?: Date;
  /**
   * The members' reactions: each reacting member's user id, with their
   * emojis in the order given. Absent when nobody reacts.
   */
  readonly reactions?: Readonly<Record<string, readonly string[]>>;
}

/**
 * A direct message: from one member of a group to another, private to the
 * two of them. It is sent through a group they share (the way a group's
 * members message each other on many networks), but is no part of its
 * history; its id comes from the same counter as group messages.
 */
export interface DemoDirectMessage {
  /** The message id (see {@link DemoMessage.id}). */
  readonly id: string;
  /** The group the two share, through which it was sent. */
  readonly groupId: string;
  /** The sender's user id. */
  readonly senderId: string;
  /** The recipient's user id. */
  readonly recipientId: string;
  /** The text. */
  readonly text: string;
  /** When the network received it, by the network's clock. */
  readonly at: Date;
}

/**
 * A message of a one-to-one chat between two users (no group needed): the
 * network keeps it, and its author edits and deletes it; both people react
 * to it. Its id comes from the same counter as group messages.
 */
export interface DemoChatMessage {
  /** The message id (see {@link DemoMessage.id}). */
  readonly id: string;
  /** The sender's user id. */
  readonly senderId: string;
  /** The recipient's user id. */
  readonly recipientId: string;
  /** The text (after edits). */
  readonly text: string;
  /** When the network received it, by the network's clock. */
  readonly at: Date;
  /** The id of the message of the same chat it answers. */
  readonly replyTo?: string;
  /** When its author last edited it. */
  readonly editedAt?: Date;
  /** Each reacting person's emojis, by user id; absent when nobody reacts. */
  readonly reactions?: Readonly<Record<string, readonly string[]>>;
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

/** Payload of {@link DemoClientEvents.message}. */
export interface DemoMessageEvent {
  /** The new message. */
  readonly message: DemoMessage;
}

/** Payload of {@link DemoClientEvents.messageEdited}. */
export interface DemoMessageEditedEvent {
  /** The message after the edit: the new text, and `editedAt`. */
  readonly message: DemoMessage;
  /** The text before. */
  readonly oldText: string;
}

/** Payload of {@link DemoClientEvents.messageDeleted}. */
export interface DemoMessageDeletedEvent {
  /** The message as it was just before it was deleted or removed. */
  readonly message: DemoMessage;
  /**
   * The owner or admin who removed it ({@link DemoClient.remove});
   * `undefined` when its author deleted it.
   */
  readonly by?: string;
  /** The remover's explanation, when one was given; never set for the author's own deletion. */
  readonly reason?: string;
}

/** Payload of {@link DemoClientEvents.reactionsChanged}. */
export interface DemoReactionsChangedEvent {
  /** The group of the message. */
  readonly groupId: string;
  /** The message reacted to. */
  readonly messageId: string;
  /** The member who reacted. */
  readonly userId: string;
  /** All of that member's reactions to the message now; empty when they took them back. */
  readonly emojis: readonly string[];
}

/** Payload of {@link DemoClientEvents.topic}. */
export interface DemoTopicEvent {
  /** The group whose topic changed. */
  readonly groupId: string;
  /** The new topic. */
  readonly topic: DemoTopic;
}

/** Payload of {@link DemoClientEvents.memberJoined}. */
export interface DemoMemberJoinedEvent {
  /** The group joined. */
  readonly groupId: string;
  /** The new member. */
  readonly member: DemoMember;
}

/** Payload of {@link DemoClientEvents.memberLeft}. */
export interface DemoMemberLeftEvent {
  /** The group left. */
  readonly groupId: string;
  /** The member as they were just before leaving. */
  readonly member: DemoMember;
  /** Whether they left, were kicked or were banned. */
  readonly reason: DemoLeaveReason;
  /** Who kicked or banned them; `undefined` when they left. */
  readonly by?: string;
  /** The moderator's explanation, when one was given. */
  readonly comment?: string;
}

/** Payload of {@link DemoClientEvents.memberRenamed}. */
export interface DemoMemberRenamedEvent {
  /** A group the renamed user belongs to (one event per such group). */
  readonly groupId: string;
  /** The renamed user. */
  readonly userId: string;
  /** The name before. */
  readonly oldName: string;
  /** The name now. */
  readonly newName: string;
}

/** Payload of {@link DemoClientEvents.roleChanged}. */
export interface DemoRoleChangedEvent {
  /** The group. */
  readonly groupId: string;
  /** The member whose role changed. */
  readonly userId: string;
  /** The role before. */
  readonly oldRole: DemoRole;
  /** The role now. */
  readonly newRole: DemoRole;
  /** Who changed it. */
  readonly by: string;
}

/** Payload of {@link DemoClientEvents.presenceChanged}. */
export interface DemoPresenceChangedEvent {
  /** A group the user belongs to (one event per such group). */
  readonly groupId: string;
  /** The user whose presence changed. */
  readonly userId: string;
  /** Their presence now. */
  readonly presence: DemoPresence;
}

/** Payload of {@link DemoClientEvents.avatarChanged}. */
export interface DemoAvatarChangedEvent {
  /** A group the user belongs to (one event per such group). */
  readonly groupId: string;
  /** The user whose picture changed. */
  readonly userId: string;
  /** Their picture now; absent when they removed it. */
  readonly avatar?: DemoAvatar;
}

/** Payload of {@link DemoClientEvents.badgesChanged}. */
export interface DemoBadgesChangedEvent {
  /** The group. */
  readonly groupId: string;
  /** The member whose badges changed. */
  readonly userId: string;
  /** All the badges the member wears in the group now; empty when they were all taken off. */
  readonly badges: readonly DemoBadge[];
  /** Who changed them; `undefined` for an admin change ({@link DemoNetwork.setBadges}). */
  readonly by?: string;
}

/** Payload of {@link DemoClientEvents.groupUpdated}. */
export interface DemoGroupUpdatedEvent {
  /** The group after the change. */
  readonly group: DemoGroup;
  /** Which fields changed. */
  readonly changed: readonly ("name" | "description")[];
  /** Who changed them; `undefined` for an admin change ({@link DemoNetwork.updateGroup}). */
  readonly by?: string;
}

/** Payload of {@link DemoClientEvents.groupAdded}. */
export interface DemoGroupAddedEvent {
  /** The new group. */
  readonly group: DemoGroup;
}

/** Payload of {@link DemoClientEvents.groupDeleted}. */
export interface DemoGroupDeletedEvent {
  /** The group as it was just before it was deleted, its members counted. */
  readonly group: DemoGroup;
  /** The owner who deleted it; `undefined` for an admin deletion ({@link DemoNetwork.deleteGroup}). */
  readonly by?: string;
  /** Why, when the one who deleted it said. */
  readonly reason?: string;
}

/** Payload of {@link DemoClientEvents.typing}. */
export interface DemoTypingEvent {
  /** The group. */
  readonly groupId: string;
  /** The member who started or stopped typing. */
  readonly userId: string;
  /** Whether they are typing now. */
  readonly typing: boolean;
}

/** Payload of {@link DemoClientEvents.read}. */
export interface DemoReadEvent {
  /** The group. */
  readonly groupId: string;
  /** The member who read. */
  readonly userId: string;
  /** The newest message they have read (and, with it, every message before it). */
  readonly messageId: string;
}

/** Payload of {@link DemoClientEvents.directMessage}. */
export interface DemoDirectMessageEvent {
  /** The new direct message. */
  readonly message: DemoDirectMessage;
}

/** Payload of {@link DemoClientEvents.chatMessage}, {@link DemoClientEvents.chatMessageEdited} and {@link DemoClientEvents.chatMessageDeleted}. */
export interface DemoChatMessageEvent {
  /** The message (as it is now; as it was, for a deletion). */
  readonly message: DemoChatMessage;
}

/** Payload of {@link DemoClientEvents.chatReactionsChanged}. */
export interface DemoChatReactionsEvent {
  /** The message. */
  readonly message: DemoChatMessage;
  /** Who reacted. */
  readonly userId: string;
  /** All their reactions to it now; empty when they took them back. */
  readonly emojis: readonly string[];
}

/** Payload of {@link DemoClientEvents.chatTyping}. */
export interface DemoChatTypingEvent {
  /** Who started or stopped typing. */
  readonly userId: string;
  /** To whom (the other person of the chat). */
  readonly peerId: string;
  /** Whether they are typing now. */
  readonly typing: boolean;
}

/** Payload of {@link DemoClientEvents.chatRead}. */
export interface DemoChatReadEvent {
  /** Who read. */
  readonly userId: string;
  /** The other person of the chat. */
  readonly peerId: string;
  /** The newest message of the chat they have read. */
  readonly messageId: string;
}

/** Payload of {@link DemoClientEvents.friendPresenceChanged}. */
export interface DemoFriendPresenceEvent {
  /** The friend whose presence changed. */
  readonly userId: string;
  /** Their presence now. */
  readonly presence: DemoPresence;
}

/** Payload of {@link DemoClientEvents.friendAvatarChanged}. */
export interface DemoFriendAvatarEvent {
  /** The friend whose picture changed. */
  readonly userId: string;
  /** Their picture now; absent when they removed it. */
  readonly avatar?: DemoAvatar;
}

/**
 * The events of a {@link DemoClient}. A client hears about a group only while
 * its user is a member (and, for {@link DemoClientEvents.memberLeft}, at the
 * moment its own user leaves; for {@link DemoClientEvents.groupDeleted}, as
 * the group goes), and of a direct message only when it is for its user.
 * Listeners run synchronously, after the world
 * has changed, in the order the changes happened; a listener that throws does
 * not stop the others (see {@link DemoNetworkEvents.listenerError}).
 *
 * A client does not hear about what it did itself — the settled promise is
 * its confirmation — unless it logged in with `{ echo: true }`. Other clients
 * of the same user (another "device", or {@link DemoNetwork.as}) do.
 */
export interface DemoClientEvents {
  /** A message was sent to one of the user's groups. */
  message: (event: DemoMessageEvent) => void;
  /** A message of one of the user's groups was edited by its author. */
  messageEdited: (event: DemoMessageEditedEvent) => void;
  /** A message of one of the user's groups was deleted by its author, or removed by an owner or admin (`by`). */
  messageDeleted: (event: DemoMessageDeletedEvent) => void;
  /** A member's reactions to a message of one of the user's groups changed. */
  reactionsChanged: (event: DemoReactionsChangedEvent) => void;
  /** A group's topic was set. */
  topic: (event: DemoTopicEvent) => void;
  /** Someone joined one of the user's groups, or was added to it (the user included). */
  memberJoined: (event: DemoMemberJoinedEvent) => void;
  /** Someone left, was kicked or was banned from one of the user's groups (the user included). */
  memberLeft: (event: DemoMemberLeftEvent) => void;
  /** A member of one of the user's groups changed their name (the user included). */
  memberRenamed: (event: DemoMemberRenamedEvent) => void;
  /** A member's role changed in one of the user's groups. */
  roleChanged: (event: DemoRoleChangedEvent) => void;
  /** A member of one of the user's groups changed their presence (one event per shared group; the user included). */
  presenceChanged: (event: DemoPresenceChangedEvent) => void;
  /** A member of one of the user's groups changed or removed their picture (one event per shared group; the user included). */
  avatarChanged: (event: DemoAvatarChangedEvent) => void;
  /** A member's badges changed in one of the user's groups (the user included). */
  badgesChanged: (event: DemoBadgesChangedEvent) => void;
  /** One of the user's groups got a new name or description. */
  groupUpdated: (event: DemoGroupUpdatedEvent) => void;
  /** A group was created with the user among its members. */
  groupAdded: (event: DemoGroupAddedEvent) => void;
  /** One of the user's groups was deleted (its members are told, the user included); it is gone, with its history. */
  groupDeleted: (event: DemoGroupDeletedEvent) => void;
  /**
   * A member of one of the user's groups started or stopped typing there.
   * A typing member who sends a message stops typing without this event
   * (the `message` says so), and one who leaves the group too.
   */
  typing: (event: DemoTypingEvent) => void;
  /** A member of one of the user's groups read it up to a message (their read position moved forward). */
  read: (event: DemoReadEvent) => void;
  /**
   * Someone sent the user a direct message. Only the recipient's clients
   * hear it (and the sender's own client when it asked for echoes), besides
   * the network's listeners.
   */
  directMessage: (event: DemoDirectMessageEvent) => void;
  /** A message of a one-to-one chat: the two people's clients hear it (the sender's own with echoes). */
  chatMessage: (event: DemoChatMessageEvent) => void;
  /** A message of a one-to-one chat was edited by its author. */
  chatMessageEdited: (event: DemoChatMessageEvent) => void;
  /** A message of a one-to-one chat was deleted by its author. */
  chatMessageDeleted: (event: DemoChatMessageEvent) => void;
  /** One of the two people's reactions to a message of their chat changed. */
  chatReactionsChanged: (event: DemoChatReactionsEvent) => void;
  /** One of the two people of a chat started or stopped typing in it. */
  chatTyping: (event: DemoChatTypingEvent) => void;
  /** One of the two people of a chat read it up to a message. */
  chatRead: (event: DemoChatReadEvent) => void;
  /** A friend of the user changed their presence (once, whatever groups they share). */
  friendPresenceChanged: (event: DemoFriendPresenceEvent) => void;
  /** A friend of the user changed or removed their picture. */
  friendAvatarChanged: (event: DemoFriendAvatarEvent) => void;
}

/** Payload of {@link DemoNetworkEvents.userAdded}. */
export interface DemoUserAddedEvent {
  /** The new user. */
  readonly user: DemoUser;
}

/** Payload of {@link DemoNetworkEvents.listenerError}. */
export interface DemoListenerErrorEvent {
  /** What the listener threw. */
  readonly error: unknown;
  /** The event it was listening to. */
  readonly event: string;
  /** The client whose listener threw; `undefined` for a listener on the network itself. */
  readonly client?: DemoClient;
}

/**
 * The events of a {@link DemoNetwork}: every group event, for every group,
 * whoever caused it — the view of someone watching the whole network — plus
 * users added and listener failures.
 */
export interface DemoNetworkEvents extends DemoClientEvents {
  /** A user was added ({@link DemoNetwork.addUser} or {@link DemoNetwork.populate}). */
  userAdded: (event: DemoUserAddedEvent) => void;
  /**
   * A listener threw. The network carries on; without a listener for this
   * event the error is written to `console.error`.
   */
  listenerError: (event: DemoListenerErrorEvent) => void;
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * What went wrong, with the stanza error a gateway would typically answer
 * with:
 *
 * | code              | meaning                                             | stanza error              |
 * | ----------------- | --------------------------------------------------- | ------------------------- |
 * | `bad-credentials` | wrong password, or an account without one           | `not-authorized`          |
 * | `not-found`       | no such user, group, message or ban                 | `item-not-found`          |
 * | `forbidden`       | not allowed by the role or rank, or not the author  | `forbidden`               |
 * | `not-member`      | the actor (or the target) is not in the group       | `not-acceptable`          |
 * | `banned`          | the user is banned from the group                   | `forbidden`               |
 * | `conflict`        | the id is taken                                     | `conflict`                |
 * | `invalid`         | a malformed argument (empty text, no image …)       | `bad-request`             |
 * | `closed`          | the client was closed                               | `service-unavailable`     |
 * | `unavailable`     | the default error of {@link DemoNetwork.failNext}   | `service-unavailable`     |
 */
export type DemoNetworkErrorCode =
  | "bad-credentials"
  | "not-found"
  | "forbidden"
  | "not-member"
  | "banned"
  | "conflict"
  | "invalid"
  | "closed"
  | "unavailable";

/**
 * A call to the demo network failed; {@link DemoNetworkError.code} says why.
 *
 * @example
 * ```ts
 * try { await client.kick("coffee", "alice"); }
 * catch (e) { if (isDemoNetworkError(e, "forbidden")) console.log("not allowed"); }
 * ```
 */
export class DemoNetworkError extends Error {
  /** Always `"DemoNetworkError"`; with `code`, what {@link isDemoNetworkError} checks across realms. */
  override readonly name = "DemoNetworkError" as const;
  /** Why the call failed. */
  readonly code: DemoNetworkErrorCode;

  /**
   * @param code - why the call failed.
   * @param message - a sentence for people.
   * @param options - the underlying cause.
   */
  constructor(code: DemoNetworkErrorCode, message: string, options: { readonly cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/**
 * Whether `e` is a {@link DemoNetworkError}, also across realms, and when
 * `code` is given, one with that code.
 *
 * @param e - anything caught.
 * @param code - the code to expect.
 */
export function isDemoNetworkError(e: unknown, code?: DemoNetworkErrorCode): e is DemoNetworkError {
  const named =
    e instanceof DemoNetworkError ||
    (typeof e === "object" && e !== null && (e as { name?: unknown }).name === "DemoNetworkError");
  return named && (code === undefined || (e as { code?: unknown }).code === code);
}

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

/** The calls {@link DemoNetwork.failNext} can make fail: the client's methods, and logging in. */
export type DemoOperation =
  | "authenticate"
  | "listGroups"
  | "getGroup"
  | "members"
  | "bans"
  | "history"
  | "send"
  | "sendFile"
  | "edit"
  | "delete"
  | "remove"
  | "react"
  | "setTopic"
  | "joinGroup"
  | "leaveGroup"
  | "kick"
  | "ban"
  | "unban"
  | "setRole"
  | "updateGroup"
  | "getPresence"
  | "setPresence"
  | "getAvatar"
  | "setAvatar"
  | "setBadges"
  | "setTyping"
  | "markRead"
  | "sendDirect"
  | "listFriends"
  | "searchUsers"
  | "sendChat"
  | "editChat"
  | "deleteChat"
  | "reactChat"
  | "setChatTyping"
  | "markChatRead"
  | "createGroup"
  | "deleteGroup"
  | "invite";

/** Options of {@link DemoClient.send}. */
export interface DemoSendOptions {
  /** The id of a message in the same group that this one answers. */
  readonly replyTo?: string;
}

/** Options of {@link DemoClient.sendFile}. */
export interface DemoSendFileOptions extends DemoSendOptions {
  /** A caption: the message's text. @default "" */
  readonly caption?: string;
}

/** Options of {@link DemoClient.history} and {@link DemoNetwork.history}. */
export interface DemoHistoryOptions {
  /** At most this many messages. @default 50 */
  readonly limit?: number;
  /** Only messages older than the message with this id. */
  readonly before?: string;
  /** Only messages newer than the message with this id. */
  readonly after?: string;
}

/** Options of {@link DemoClient.createGroup}. */
export interface DemoCreateGroupOptions {
  /** A group where everyone talks, or a channel where owners and admins post. @default "group" */
  readonly kind?: DemoGroupKind;
  /** A description. @default "" */
  readonly description?: string;
  /** Users to make members besides the creator (the creator listed again is ignored). @default [] */
  readonly members?: readonly string[];
}

/** What a group's owners and admins may change with {@link DemoClient.updateGroup}. */
export interface DemoGroupChanges {
  /** A new name. */
  readonly name?: string;
  /** A new description. */
  readonly description?: string;
}

/**
 * One logged-in user's connection to the network, shaped like a legacy chat
 * SDK's client: what a gateway session holds.
 *
 * Every method returns a promise, and rejects with a
 * {@link DemoNetworkError} when the network refuses (see the rules in the
 * module's description), with the error given to {@link DemoNetwork.failNext}
 * when a failure was injected, and with code `"closed"` after
 * {@link DemoClient.close}.
 *
 * @example
 * ```ts
 * const client = await network.authenticate("alice", "wonderland");
 * for (const group of await client.listGroups()) console.log(group.name, group.memberCount);
 * const id = await client.send("coffee", "Who wants one?");
 * ```
 */
export interface DemoClient extends EventEmitter<DemoClientEvents> {
  /** The logged-in user's id. */
  readonly userId: string;
  /** The logged-in user as they are now. */
  readonly user: DemoUser;
  /** Whether this client hears about its own actions too. */
  readonly echo: boolean;
  /** Whether {@link DemoClient.close} was called. */
  readonly closed: boolean;

  /**
   * The groups the user belongs to, in the order they were created.
   *
   * @returns a snapshot of each group.
   */
  listGroups(): Promise<DemoGroup[]>;

  /**
   * One group, whether or not the user belongs to it (the network's groups are public).
   *
   * @param groupId - the group.
   * @returns a snapshot of the group.
   * @throws {@link DemoNetworkError} `not-found`.
   */
  getGroup(groupId: string): Promise<DemoGroup>;

  /**
   * The members of a group the user belongs to, one at a time, the way a
   * paged member list arrives. The checks run when iteration starts.
   *
   * @param groupId - the group.
   * @returns the members, in the order they joined.
   * @throws {@link DemoNetworkError} `not-found`, `not-member` (from the first `next()`).
   */
  members(groupId: string): AsyncIterableIterator<DemoMember>;

  /**
   * The user ids banned from a group; for its owners and admins.
   *
   * @param groupId - the group.
   * @throws {@link DemoNetworkError} `not-found`, `not-member`, `forbidden`.
   */
  bans(groupId: string): Promise<string[]>;

  /**
   * A page of a group's history, oldest first.
   *
   * Without `before` or `after` it is the newest `limit` messages; with
   * `before` the newest `limit` older than that message; with only `after`
   * the oldest `limit` newer than that message (so that paging forwards
   * continues where the last page ended). Messages appear as they are now
   * (edited, with their reactions); deleted ones do not, though a deleted
   * message still serves as a bound.
   *
   * @param groupId - a group the user belongs to.
   * @param options - limit and bounds.
   * @throws {@link DemoNetworkError} `not-found` (group or bound message), `not-member`, `invalid`.
   */
  history(groupId: string, options?: DemoHistoryOptions): Promise<DemoMessage[]>;

  /**
   * Send a message.
   *
   * @param groupId - the group.
   * @param text - the text; not empty.
   * @param options - the message it replies to.
   * @returns the new message's id.
   * @throws {@link DemoNetworkError} `not-found` (group or `replyTo`), `not-member`, `forbidden` (a reader of a channel), `invalid`.
   */
  send(groupId: string, text: string, options?: DemoSendOptions): Promise<string>;

  /**
   * Send a file: a message carrying it ({@link DemoMessage.file}), its text
   * the caption (`""` without one). Like {@link DemoClient.send}, it emits
   * `message` and ends the user's typing.
   *
   * @param groupId - the group.
   * @param file - a name, a media type, and the bytes (`data`, at most 1 MiB), a link (`url`), or both.
   * @param options - a caption, the message it replies to.
   * @returns the new message's id.
   * @throws {@link DemoNetworkError} `not-found` (group or `replyTo`), `not-member`, `forbidden` (a reader of a channel), `invalid` (an empty name, a malformed type, neither bytes nor link, empty bytes or more than 1 MiB, a malformed link, a caption that is not text).
   *
   * @example
   * ```ts
   * await network.as("bob").sendFile("coffee", { name: "beans.png", type: "image/png", data: bytes }, { caption: "New beans!" });
   * await network.as("bob").sendFile("coffee", { name: "menu.pdf", type: "application/pdf", url: "https://example.com/menu.pdf" });
   * ```
   */
  sendFile(groupId: string, file: DemoFileInput, options?: DemoSendFileOptions): Promise<string>;

  /**
   * Edit one of the user's messages. Emits `messageEdited`; editing to the
   * same text changes nothing.
   *
   * @param groupId - the group of the message.
   * @param messageId - the message.
   * @param text - its new text; not empty.
   * @throws {@link DemoNetworkError} `not-found` (group, or no such message in it), `not-member`, `forbidden` (someone else's message), `invalid`.
   */
  edit(groupId: string, messageId: string, text: string): Promise<void>;

  /**
   * Delete one of the user's messages: it leaves the history, and nobody
   * can reply to, edit or react to it any more. Emits `messageDeleted`.
   *
   * @param groupId - the group of the message.
   * @param messageId - the message.
   * @throws {@link DemoNetworkError} `not-found` (group, or no such message in it), `not-member`, `forbidden` (someone else's message).
   */
  delete(groupId: string, messageId: string): Promise<void>;

  /**
   * As an owner or admin, remove someone else's message: like a deletion, it
   * leaves the history, and nobody can reply to, edit or react to it any
   * more. The author must have a lower role than the user (an owner removes
   * an admin's message, an admin not an owner's), or no longer be a member;
   * the user's own messages are for {@link DemoClient.delete}. Emits
   * `messageDeleted` with `by` (and `reason`, when given).
   *
   * @param groupId - the group of the message.
   * @param messageId - the message.
   * @param reason - an explanation for the author and the others.
   * @throws {@link DemoNetworkError} `not-found` (group, or no such message in it), `not-member`, `forbidden` (not an owner or admin, an author of the same or a higher role, or the user's own message).
   */
  remove(groupId: string, messageId: string, reason?: string): Promise<void>;

  /**
   * Set the user's reactions to a message: all of them, replacing the ones
   * before (duplicates count once); none takes them back. Emits
   * `reactionsChanged` when they changed.
   *
   * @param groupId - the group of the message.
   * @param messageId - the message; anyone's.
   * @param emojis - the user's reactions now; each not empty.
   * @throws {@link DemoNetworkError} `not-found` (group, or no such message in it), `not-member`, `invalid`.
   */
  react(groupId: string, messageId: string, emojis: readonly string[]): Promise<void>;

  /**
   * Set a group's topic; `""` clears it.
   *
   * @param groupId - the group.
   * @param topic - the new topic.
   * @throws {@link DemoNetworkError} `not-found`, `not-member`, `forbidden` (a reader of a channel).
   */
  setTopic(groupId: string, topic: string): Promise<void>;

  /**
   * Join a group; nothing happens when the user already belongs to it.
   *
   * @param groupId - the group.
   * @throws {@link DemoNetworkError} `not-found`, `banned`.
   */
  joinGroup(groupId: string): Promise<void>;

  /**
   * Leave a group.
   *
   * @param groupId - the group.
   * @throws {@link DemoNetworkError} `not-found`, `not-member`.
   */
  leaveGroup(groupId: string): Promise<void>;

  /**
   * Remove a member from a group; they may join again.
   *
   * @param groupId - the group.
   * @param userId - the member to remove.
   * @param reason - an explanation for them and the others.
   * @throws {@link DemoNetworkError} `not-found`, `not-member` (the actor or the target), `forbidden`.
   */
  kick(groupId: string, userId: string, reason?: string): Promise<void>;

  /**
   * Ban a user from a group, removing them when they are a member; they
   * cannot join until {@link DemoClient.unban}. Banning someone already
   * banned changes nothing.
   *
   * @param groupId - the group.
   * @param userId - the user to ban; need not be a member.
   * @param reason - an explanation.
   * @throws {@link DemoNetworkError} `not-found`, `not-member` (the actor), `forbidden`.
   */
  ban(groupId: string, userId: string, reason?: string): Promise<void>;

  /**
   * Lift a ban.
   *
   * @param groupId - the group.
   * @param userId - the banned user.
   * @throws {@link DemoNetworkError} `not-found` (also when the user is not banned), `not-member`, `forbidden`.
   */
  unban(groupId: string, userId: string): Promise<void>;

  /**
   * Change a member's role. The actor must outrank the member and may grant
   * at most their own role; setting the role the member has changes nothing.
   *
   * @param groupId - the group.
   * @param userId - the member.
   * @param role - the new role.
   * @throws {@link DemoNetworkError} `not-found`, `not-member`, `forbidden`.
   */
  setRole(groupId: string, userId: string, role: DemoRole): Promise<void>;

  /**
   * Rename a group or change its description.
   *
   * @param groupId - the group.
   * @param changes - the new values.
   * @throws {@link DemoNetworkError} `not-found`, `not-member`, `forbidden`, `invalid` (an empty name).
   */
  updateGroup(groupId: string, changes: DemoGroupChanges): Promise<void>;

  /**
   * A user's presence; anyone's (the network shows it to everyone).
   *
   * @param userId - the user.
   * @returns their availability and status text.
   * @throws {@link DemoNetworkError} `not-found`.
   */
  getPresence(userId: string): Promise<DemoPresence>;

  /**
   * Set the user's own presence. Emits `presenceChanged` in each of their
   * groups when it changed.
   *
   * @param show - the availability.
   * @param status - a status text; without one (or with `""`) there is none.
   * @throws {@link DemoNetworkError} `invalid` (a show that is not a {@link DemoShow}).
   *
   * @example
   * ```ts
   * await network.as("bob").setPresence("away", "Lunch");
   * await network.as("bob").setPresence("online");
   * ```
   */
  setPresence(show: DemoShow, status?: string): Promise<void>;

  /**
   * A user's picture; anyone's.
   *
   * @param userId - the user.
   * @returns a copy of the image, or `undefined` when they have none.
   * @throws {@link DemoNetworkError} `not-found`.
   */
  getAvatar(userId: string): Promise<DemoAvatar | undefined>;

  /**
   * Set or remove the user's own picture. Emits `avatarChanged` in each of
   * their groups when it changed (the same bytes and type change nothing).
   *
   * @param avatar - the image (the network keeps a copy), or `undefined` to remove it.
   * @throws {@link DemoNetworkError} `invalid` (no bytes, more than 64 KiB, or a type that is not `image/…`).
   *
   * @example
   * ```ts
   * await network.as("bob").setAvatar(demoAvatar("bob, with a hat"));
   * await network.as("bob").setAvatar(undefined);
   * ```
   */
  setAvatar(avatar: DemoAvatar | undefined): Promise<void>;

  /**
   * Give a member of a group the badges they wear there: all of them,
   * replacing the ones before (none takes them all off). Owners and admins
   * do it, on themselves or on a member of a lower role. Emits
   * `badgesChanged` with `by` when they changed.
   *
   * @param groupId - the group.
   * @param userId - the member.
   * @param badges - each with a unique, non-empty `id`, a non-empty `title` and, optionally, a `hue` from 0 to 360.
   * @throws {@link DemoNetworkError} `not-found`, `not-member` (the actor or the target), `forbidden`, `invalid`.
   *
   * @example
   * ```ts
   * await network.as("alice").setBadges("coffee", "bob", [{ id: "barista", title: "Barista", hue: 25 }]);
   * ```
   */
  setBadges(groupId: string, userId: string, badges: readonly DemoBadge[]): Promise<void>;

  /**
   * Say that the user started or stopped typing in a group. Emits `typing`
   * when it changed; the user's next message there, or leaving the group,
   * stops it too (silently).
   *
   * @param groupId - the group.
   * @param typing - whether the user is typing now.
   * @throws {@link DemoNetworkError} `not-found`, `not-member`, `forbidden` (a reader of a channel), `invalid` (not a boolean).
   *
   * @example
   * ```ts
   * await network.as("bob").setTyping("coffee", true);
   * ```
   */
  setTyping(groupId: string, typing: boolean): Promise<void>;

  /**
   * Mark a group read up to a message (anyone's): the user's read position
   * there. It only moves forward: marking a message older than the position,
   * or the same one, changes nothing. Emits `read` when it moved.
   *
   * @param groupId - the group.
   * @param messageId - the newest message read.
   * @throws {@link DemoNetworkError} `not-found` (group, or no such message in it), `not-member`.
   */
  markRead(groupId: string, messageId: string): Promise<void>;

  /**
   * Send a direct message to another member of a group: only they hear it
   * (`directMessage`); it is no part of the group's history.
   *
   * @param groupId - a group the user and the recipient both belong to.
   * @param toUserId - the recipient.
   * @param text - the text; not empty.
   * @returns the new message's id.
   * @throws {@link DemoNetworkError} `not-found` (group or recipient), `not-member` (the user or the recipient), `invalid` (an empty text, or the user themselves).
   *
   * @example
   * ```ts
   * await network.as("bob").sendDirect("coffee", "alice", "Psst: the good beans are in the top drawer");
   * ```
   */
  sendDirect(groupId: string, toUserId: string, text: string): Promise<string>;

  /**
   * Create a group, with the user as its owner and, optionally, other users
   * as members. Its id comes from its name (`"Tea time"` → `tea-time`,
   * `tea-time-2` when taken; never the id of a group deleted before).
   * Emits `groupAdded` to the members' clients.
   *
   * @param name - the group's name; not empty.
   * @param options - kind, description, other members.
   * @returns the new group's id.
   * @throws {@link DemoNetworkError} `invalid` (an empty name), `not-found` (a member who is no user).
   */
  createGroup(name: string, options?: DemoCreateGroupOptions): Promise<string>;

  /**
   * As one of its owners, delete a group: its members are told
   * (`groupDeleted`), and it is gone, with its history and bans.
   *
   * @param groupId - the group.
   * @param reason - why, for its members.
   * @throws {@link DemoNetworkError} `not-found`, `not-member`, `forbidden` (not an owner).
   */
  deleteGroup(groupId: string, reason?: string): Promise<void>;

  /**
   * As an owner or admin, add a user to a group as a member. Emits
   * `memberJoined` (which the added user's clients hear too); a user who is
   * a member already changes nothing.
   *
   * @param groupId - the group.
   * @param userId - the user to add.
   * @returns the member.
   * @throws {@link DemoNetworkError} `not-found` (group or user), `not-member`, `forbidden`, `banned`.
   *
   * @example
   * ```ts
   * await network.as("alice").invite("coffee", "dave");
   * ```
   */
  invite(groupId: string, userId: string): Promise<DemoMember>;

  /**
   * The user's friends (their contacts on the network), in the order they became friends.
   *
   * @returns each friend.
   */
  listFriends(): Promise<DemoUser[]>;

  /**
   * The users whose name or id contains `query` (case and accents aside), the user themselves left out.
   *
   * @param query - what to look for; not empty.
   * @throws {@link DemoNetworkError} `invalid` (an empty query).
   */
  searchUsers(query: string): Promise<DemoUser[]>;

  /**
   * Write to someone in a one-to-one chat (anyone on the network, friend or
   * not). Both people's clients hear `chatMessage`.
   *
   * @param toUserId - the other person.
   * @param text - the text; not empty.
   * @param options - `replyTo`: a message of the same chat.
   * @returns the new message's id.
   * @throws {@link DemoNetworkError} `not-found` (user, or the message replied to), `invalid` (an empty text, or the user themselves).
   *
   * @example
   * ```ts
   * await network.as("bob").sendChat("alice", "Lunch at noon?");
   * ```
   */
  sendChat(toUserId: string, text: string, options?: DemoSendOptions): Promise<string>;

  /**
   * Edit one's own message of a one-to-one chat (`chatMessageEdited`).
   *
   * @throws {@link DemoNetworkError} `not-found`, `forbidden` (not its author), `invalid`.
   */
  editChat(messageId: string, text: string): Promise<void>;

  /**
   * Delete one's own message of a one-to-one chat (`chatMessageDeleted`).
   *
   * @throws {@link DemoNetworkError} `not-found`, `forbidden` (not its author).
   */
  deleteChat(messageId: string): Promise<void>;

  /**
   * React to a message of one of one's chats: all of one's reactions to it (`[]` takes them back).
   *
   * @throws {@link DemoNetworkError} `not-found` (no such message in the user's chats), `invalid`.
   */
  reactChat(messageId: string, emojis: readonly string[]): Promise<void>;

  /**
   * Say one is typing (or stopped) in the chat with someone (`chatTyping`).
   *
   * @throws {@link DemoNetworkError} `not-found`, `invalid` (the user themselves).
   */
  setChatTyping(toUserId: string, typing: boolean): Promise<void>;

  /**
   * Mark a chat read up to a message the other person sent (`chatRead`).
   *
   * @throws {@link DemoNetworkError} `not-found` (no such message sent to the user).
   */
  markChatRead(messageId: string): Promise<void>;

  /** Log out: no more events, and every later call rejects with code `"closed"`. Idempotent. */
  close(): void;
}

// ---------------------------------------------------------------------------
// The network
// ---------------------------------------------------------------------------

/** Options of {@link DemoNetwork}. */
export interface DemoNetworkOptions {
  /** The clock that stamps messages and topics. @default () => new Date() */
  readonly now?: () => Date;
  /**
   * What message ids start with, before a network-wide counter: the ids are
   * `<prefix>1`, `<prefix>2`, …. By default a prefix new for every network,
   * `msg-<8 random hex digits>-`, so that a network made again (a restarted
   * process) does not reuse the ids of the one before; give `"msg-"` for
   * `msg-1`, `msg-2`, … when a test predicts ids. A function is asked for
   * the prefix of each new message: a process that seeds the same history at
   * every start gives the seed fixed ids, and its live messages new ones.
   * @default `msg-<8 random hex digits>-`
   */
  readonly messageIdPrefix?: string | (() => string);
  /** How long the demo's "phone app" takes to scan a QR code of {@link DemoNetwork.requestQrLogin}, ms. @default 3000 */
  readonly qrScanDelayMs?: number;
}

/** What {@link DemoNetwork.addUser} takes. */
export interface DemoUserSpec {
  /** The id; unique. */
  readonly id: string;
  /** The display name. */
  readonly name: string;
  /** The password; without one the user can only be scripted with {@link DemoNetwork.as}. */
  readonly password?: string;
  /** The initial presence. @default { show: "online" } */
  readonly presence?: DemoPresence;
  /** The initial picture (the network keeps a copy). @default none */
  readonly avatar?: DemoAvatar;
  /** How the user confirms a login on a new device, after the password: none by default (see {@link DemoVerification}). */
  readonly verification?: DemoVerification;
}

/**
 * How an account confirms a login on a new device, after its password:
 *
 * - `"code"`: with the code the network sends them ({@link DEMO_TWO_FACTOR_CODE}
 *   in this demo), checked by {@link DemoNetwork.verifyCode};
 * - `"qr"`: by scanning, with the network's phone app, the QR code of
 *   {@link DemoNetwork.requestQrLogin} (the demo's "app" scans it by itself
 *   after {@link DemoNetworkOptions.qrScanDelayMs}, or at once with
 *   {@link DemoNetwork.scanQr}).
 *
 * Either way the device gets a token, which {@link DemoNetwork.authenticate}
 * wants (`device`) with the password from then on.
 */
export type DemoVerification = "code" | "qr";

/** A QR login under way ({@link DemoNetwork.requestQrLogin}). */
export interface DemoQrLogin {
  /** What the QR code says (what the phone app scans). */
  readonly text: string;
  /** The device token, once the phone app has scanned the code. It never settles when a newer QR code replaced this one. */
  readonly scanned: Promise<string>;
}

/** One initial member in {@link DemoGroupSpec.members}. */
export interface DemoMemberSpec {
  /** An existing user's id. */
  readonly userId: string;
  /** The role. @default "member" */
  readonly role?: DemoRole;
  /** The badges the member wears in the group. @default [] */
  readonly badges?: readonly DemoBadge[];
}

/** What {@link DemoNetwork.addGroup} takes. */
export interface DemoGroupSpec {
  /** The id; unique. */
  readonly id: string;
  /** The name. */
  readonly name: string;
  /** A description. @default "" */
  readonly description?: string;
  /** The initial topic, without an author. */
  readonly topic?: string;
  /** A group where everyone talks, or a channel where owners and admins post. */
  readonly kind: DemoGroupKind;
  /** The initial members; a user listed twice gets the last role given. @default [] */
  readonly members?: Iterable<DemoMemberSpec>;
}

/** Options of {@link DemoNetwork.authenticate}. */
export interface DemoLoginOptions {
  /** Whether the client also hears about its own actions. @default false */
  readonly echo?: boolean;
  /** The device token of an account with a {@link DemoVerification} (from {@link DemoNetwork.verifyCode} or a QR scan); required for those. */
  readonly device?: string;
}

/** Options of {@link DemoNetwork.failNext}. */
export interface DemoFailureOptions {
  /** Only a call made by (or, for `"authenticate"`, for) this user fails; by default anyone's. */
  readonly userId?: string;
}

/** Options of {@link DemoNetwork.populate}. */
export interface DemoPopulateOptions {
  /** The role of the new members. @default "member" */
  readonly role?: DemoRole;
}

/**
 * The in-process chat network: its users and groups, the admin and test API
 * that sets them up, and the door ({@link DemoNetwork.authenticate}) through
 * which clients log in. It emits every group event of every group (see
 * {@link DemoNetworkEvents}).
 *
 * Admin methods act as the network itself: they check that ids exist and are
 * unique, but no permissions. To have a user do something, with their
 * permissions, use {@link DemoNetwork.as}.
 *
 * @example
 * ```ts
 * const network = new DemoNetwork({ now: () => new Date("2024-05-01T09:00:00Z"), messageIdPrefix: "msg-" });
 * network.addUser({ id: "alice", name: "Alice", password: "wonderland" });
 * network.addUser({ id: "bob", name: "Bob" });
 * network.addGroup({ id: "coffee", name: "Coffee", kind: "group",
 *                    members: [{ userId: "alice", role: "owner" }, { userId: "bob" }] });
 * const id = await network.as("bob").send("coffee", "Morning!"); // "msg-1"
 * network.failNext("send", new Error("network down"));            // the next send rejects
 * ```
 */
export class DemoNetwork extends EventEmitter<DemoNetworkEvents> {
  readonly #world: World;
  readonly #qrScanDelayMs: number;
  /** How the accounts that have one confirm a login ({@link DemoUserSpec.verification}). */
  readonly #verification = new Map<string, DemoVerification>();
  /** The device tokens each of those accounts verified. */
  readonly #devices = new Map<string, Set<string>>();
  /** The QR logins waiting for a scan, by QR text. */
  readonly #qrLogins = new Map<string, { readonly userId: string; readonly scan: () => void; readonly timer: ReturnType<typeof setTimeout> }>();

  /**
   * @param options - the clock, the message ids' prefix.
   */
  constructor(options: DemoNetworkOptions = {}) {
    super();
    const prefix = options.messageIdPrefix ?? `msg-${globalThis.crypto.randomUUID().slice(0, 8)}-`;
    this.#world = new World(this, options.now ?? (() => new Date()), typeof prefix === "string" ? () => prefix : prefix);
    this.#qrScanDelayMs = options.qrScanDelayMs ?? 3_000;
  }

  // -- users ----------------------------------------------------------------

  /**
   * Add a user.
   *
   * @param spec - id, display name, and optional password, presence and picture.
   * @returns the new user.
   * @throws {@link DemoNetworkError} `conflict` when the id is taken, `invalid` when it is empty or the presence or picture is malformed (see {@link DemoClient.setPresence}, {@link DemoClient.setAvatar}).
   */
  addUser(spec: DemoUserSpec): DemoUser {
    const user = this.#world.addUser(spec);
    if (spec.verification !== undefined) this.#verification.set(user.id, spec.verification);
    return user;
  }

  /**
   * One user.
   *
   * @param id - the user's id.
   * @returns the user, or `undefined` when there is none with that id.
   */
  getUser(id: string): DemoUser | undefined {
    const user = this.#world.users.get(id);
    return user === undefined ? undefined : userView(user);
  }

  /** Every user, in the order they were added. */
  get users(): DemoUser[] {
    return Array.from(this.#world.users.values(), userView);
  }

  /**
   * Change a user's display name — which is also their nick in every group.
   * Emits one `memberRenamed` per group they belong to.
   *
   * @param userId - the user.
   * @param newName - the new name; not empty.
   * @throws {@link DemoNetworkError} `not-found`, `invalid`.
   */
  renameUser(userId: string, newName: string): void {
    this.#world.renameUser(userId, newName);
  }

  /**
   * A user's presence. Users change it themselves:
   * `network.as("bob").setPresence("away", "Lunch")`.
   *
   * @param userId - the user.
   * @returns their availability and status text.
   * @throws {@link DemoNetworkError} `not-found`.
   */
  presence(userId: string): DemoPresence {
    return this.#world.user(userId).presence;
  }

  /**
   * A user's picture. Users change it themselves:
   * `network.as("bob").setAvatar({ data, type: "image/png" })`.
   *
   * @param userId - the user.
   * @returns a copy of the image, or `undefined` when they have none.
   * @throws {@link DemoNetworkError} `not-found`.
   */
  avatar(userId: string): DemoAvatar | undefined {
    const avatar = this.#world.user(userId).avatar;
    return avatar === undefined ? undefined : avatarView(avatar);
  }

  /**
   * Make two users friends (each one's contact), as the network itself: no
   * events. Friends hear each other's presence and picture changes
   * (`friendPresenceChanged`, `friendAvatarChanged`). Friends already stay so.
   *
   * @throws {@link DemoNetworkError} `not-found`, `invalid` (a user and themselves).
   */
  addFriendship(userId: string, otherId: string): void {
    const a = this.#world.user(userId);
    const b = this.#world.user(otherId);
    if (a === b) fail("invalid", `${userId} cannot be their own friend`);
    a.friends.add(b.id);
    b.friends.add(a.id);
  }

  /**
   * A user's friends' ids, in the order they became friends.
   *
   * @throws {@link DemoNetworkError} `not-found`.
   */
  friends(userId: string): string[] {
    return [...this.#world.user(userId).friends];
  }

  /**
   * A message of a one-to-one chat.
   *
   * @returns the message, or `undefined` when there is none with that id (or it was deleted).
   */
  getChatMessage(id: string): DemoChatMessage | undefined {
    return this.#world.chats.get(id);
  }

  /**
   * Log a user in, as a gateway session would.
   *
   * @param userId - the user.
   * @param password - their password.
   * @param options - whether the client hears its own actions.
   * @returns a connected client.
   * @throws {@link DemoNetworkError} `not-found` (no such user), `bad-credentials` (wrong password, or a user without one), or an injected failure.
   */
  async authenticate(userId: string, password: string, options: DemoLoginOptions = {}): Promise<DemoClient> {
    this.#world.takeFailure("authenticate", userId);
    const user = this.#world.user(userId);
    if (user.password === undefined || user.password !== password) {
      throw new DemoNetworkError("bad-credentials", `wrong password for ${userId}`);
    }
    const verification = this.#verification.get(userId);
    if (verification !== undefined && (options.device === undefined || !this.#devices.get(userId)?.has(options.device))) {
      throw new DemoNetworkError("bad-credentials", `${userId} confirms new devices with ${verification === "code" ? "a code" : "a QR code"}: verify this device first`);
    }
    return new Client(this.#world, userId, options.echo ?? false);
  }

  // -- logins in steps -------------------------------------------------------

  /**
   * Check a user's password, the first step of a login: what they must do
   * next on a new device. For a `"code"` account the network "sends" them
   * the code ({@link DEMO_TWO_FACTOR_CODE}).
   *
   * @param userId - the user.
   * @param password - their password.
   * @returns the verification the account asks for, or `undefined` when the password is all it takes.
   * @throws {@link DemoNetworkError} `not-found`, `bad-credentials`, or an injected `"authenticate"` failure.
   */
  async checkPassword(userId: string, password: string): Promise<DemoVerification | undefined> {
    this.#world.takeFailure("authenticate", userId);
    const user = this.#world.user(userId);
    if (user.password === undefined || user.password !== password) {
      throw new DemoNetworkError("bad-credentials", `wrong password for ${userId}`);
    }
    return this.#verification.get(userId);
  }

  /**
   * How a user confirms a login on a new device.
   *
   * @param userId - the user.
   * @returns their {@link DemoVerification}, or `undefined` for a password alone.
   */
  verificationOf(userId: string): DemoVerification | undefined {
    return this.#verification.get(userId);
  }

  /**
   * Check the code a `"code"` account entered: a new device token.
   *
   * @param userId - the user.
   * @param code - what they entered.
   * @returns the device token for {@link DemoNetwork.authenticate}.
   * @throws {@link DemoNetworkError} `not-found`, `invalid` (the account confirms no codes), `bad-credentials` (a wrong code).
   */
  async verifyCode(userId: string, code: string): Promise<string> {
    this.#world.user(userId);
    if (this.#verification.get(userId) !== "code") throw new DemoNetworkError("invalid", `${userId} confirms no codes`);
    if (code.trim() !== DEMO_TWO_FACTOR_CODE) throw new DemoNetworkError("bad-credentials", "That code is not the one the network sent");
    return this.#newDevice(userId);
  }

  /**
   * Show a `"qr"` account a QR code to scan with the network's phone app. The
   * demo's app scans it by itself after {@link DemoNetworkOptions.qrScanDelayMs}
   * (or at once: {@link DemoNetwork.scanQr}); a newer QR code of the same user
   * replaces this one.
   *
   * @param userId - the user.
   * @returns the QR code's text, and the device token once scanned.
   * @throws {@link DemoNetworkError} `not-found`, `invalid` (the account logs in without QR codes).
   */
  requestQrLogin(userId: string): DemoQrLogin {
    this.#world.user(userId);
    if (this.#verification.get(userId) !== "qr") throw new DemoNetworkError("invalid", `${userId} logs in without QR codes`);
    for (const [text, login] of this.#qrLogins) {
      if (login.userId !== userId) continue;
      clearTimeout(login.timer);
      this.#qrLogins.delete(text);
    }
    const text = `demo-network-login:${userId}:${globalThis.crypto.randomUUID()}`;
    let resolve!: (device: string) => void;
    const scanned = new Promise<string>((r) => (resolve = r));
    const scan = (): void => {
      const login = this.#qrLogins.get(text);
      if (!login) return;
      clearTimeout(login.timer);
      this.#qrLogins.delete(text);
      resolve(this.#newDevice(userId));
    };
    const timer = setTimeout(scan, this.#qrScanDelayMs);
    (timer as { unref?: () => unknown }).unref?.();
    this.#qrLogins.set(text, { userId, scan, timer });
    return { text, scanned };
  }

  /**
   * The phone app scans a QR code of {@link DemoNetwork.requestQrLogin} now.
   *
   * @param text - what the code says.
   * @returns whether it was a QR code waiting for a scan.
   */
  scanQr(text: string): boolean {
    const login = this.#qrLogins.get(text);
    login?.scan();
    return login !== undefined;
  }

  #newDevice(userId: string): string {
    const device = `device-${globalThis.crypto.randomUUID().slice(0, 8)}`;
    let devices = this.#devices.get(userId);
    if (!devices) this.#devices.set(userId, (devices = new Set()));
    devices.add(device);
    return device;
  }

  /**
   * A client for a user that needs no password: the way tests and the demo
   * make legacy users act. The same client is returned until it is closed;
   * it has the user's permissions, gets injected failures like any other
   * client, and receives events like any other client (so it is "another
   * device" of that user).
   *
   * @param userId - the user.
   * @returns the user's scripted client.
   * @throws {@link DemoNetworkError} `not-found`.
   *
   * @example
   * ```ts
   * await network.as("carol").setTopic("coffee", "Beans from Kenya this week");
   * await network.as("alice").kick("coffee", "bob", "too much decaf");
   * ```
   */
  as(userId: string): DemoClient {
    this.#world.user(userId);
    const existing = this.#world.scripted.get(userId);
    if (existing !== undefined && !existing.closed) return existing;
    const client = new Client(this.#world, userId, false);
    this.#world.scripted.set(userId, client);
    return client;
  }

  // -- groups ---------------------------------------------------------------

  /**
   * Create a group with its initial members, in time linear in their number
   * (50,000 members is fine). Emits `groupAdded`, to the network and to the
   * members' clients, and no `memberJoined`.
   *
   * @param spec - id, name, kind, optional description, topic and members (with their roles and badges).
   * @returns the new group.
   * @throws {@link DemoNetworkError} `conflict` when the id is taken, `not-found` when a member is not a user, `invalid` for an empty id or a malformed badge.
   */
  addGroup(spec: DemoGroupSpec): DemoGroup {
    return this.#world.addGroup(spec);
  }

  /**
   * One group.
   *
   * @param id - the group's id.
   * @returns a snapshot, or `undefined` when there is none with that id.
   */
  getGroup(id: string): DemoGroup | undefined {
    const group = this.#world.groups.get(id);
    return group === undefined ? undefined : groupView(group);
  }

  /** Every group, in the order they were created. */
  get groups(): DemoGroup[] {
    return Array.from(this.#world.groups.values(), groupView);
  }

  /**
   * Rename a group or change its description, as the network's staff would.
   * Emits `groupUpdated` when something changed.
   *
   * @param groupId - the group.
   * @param changes - the new values.
   * @throws {@link DemoNetworkError} `not-found`, `invalid` (an empty name).
   */
  updateGroup(groupId: string, changes: DemoGroupChanges): void {
    this.#world.updateGroup(undefined, groupId, changes);
  }

  /**
   * Delete a group, as the network's staff would. Emits `groupDeleted`,
   * without `by`, to its members' clients.
   *
   * @param groupId - the group.
   * @param reason - why, for its members.
   * @throws {@link DemoNetworkError} `not-found`.
   */
  deleteGroup(groupId: string, reason?: string): void {
    this.#world.deleteGroup(undefined, groupId, reason);
  }

  /**
   * Who is typing in a group now (see {@link DemoClient.setTyping}).
   *
   * @param groupId - the group.
   * @returns their user ids, in the order they started.
   * @throws {@link DemoNetworkError} `not-found`.
   */
  typing(groupId: string): string[] {
    return [...this.#world.group(groupId).typing];
  }

  /**
   * How far a member has read a group (see {@link DemoClient.markRead}).
   *
   * @param groupId - the group.
   * @param userId - the member.
   * @returns the id of the newest message they read, or `undefined` when they marked none.
   * @throws {@link DemoNetworkError} `not-found` (no such group).
   */
  readPosition(groupId: string, userId: string): string | undefined {
    return this.#world.group(groupId).read.get(userId);
  }

  /**
   * Add a user to a group, bypassing permissions but not bans. Emits
   * `memberJoined`; nothing happens when they are already a member.
   *
   * @param groupId - the group.
   * @param userId - the user.
   * @param role - their role. @default "member"
   * @throws {@link DemoNetworkError} `not-found`, `banned`.
   */
  addMember(groupId: string, userId: string, role: DemoRole = "member"): void {
    this.#world.join(undefined, groupId, userId, role);
  }

  /**
   * Give a member of a group their badges, as the network's staff would
   * (no permission checks; see {@link DemoClient.setBadges} for a member
   * doing it). Emits `badgesChanged`, without `by`, when they changed.
   *
   * @param groupId - the group.
   * @param userId - the member.
   * @param badges - all the badges they wear there now; `[]` takes them off.
   * @throws {@link DemoNetworkError} `not-found`, `not-member`, `invalid`.
   */
  setBadges(groupId: string, userId: string, badges: readonly DemoBadge[]): void {
    this.#world.setBadges(undefined, groupId, userId, badges);
  }

  /**
   * Add `n` synthetic users (`user-1`, `user-2`, …, skipping ids in use;
   * plausible names that, as on real networks, repeat after 400) and make
   * them members of a group.
   *
   * @param groupId - the group.
   * @param n - how many.
   * @param options - the new members' role.
   * @returns the new users' ids.
   * @throws {@link DemoNetworkError} `not-found`, `invalid` (a negative or fractional `n`).
   */
  populate(groupId: string, n: number, options: DemoPopulateOptions = {}): string[] {
    return this.#world.populate(groupId, n, options.role ?? "member");
  }

  /**
   * A group's members, in the order they joined.
   *
   * @param groupId - the group.
   * @returns a snapshot of each member.
   * @throws {@link DemoNetworkError} `not-found`.
   */
  members(groupId: string): DemoMember[] {
    const group = this.#world.group(groupId);
    return Array.from(group.members, ([userId, role]) => this.#world.memberView(group, userId, role));
  }

  /**
   * One member of a group.
   *
   * @param groupId - the group.
   * @param userId - the user.
   * @returns the member, or `undefined` when the user is not a member.
   * @throws {@link DemoNetworkError} `not-found` when there is no such group.
   */
  member(groupId: string, userId: string): DemoMember | undefined {
    const group = this.#world.group(groupId);
    const role = group.members.get(userId);
    return role === undefined ? undefined : this.#world.memberView(group, userId, role);
  }

  /**
   * The users banned from a group, in the order they were banned.
   *
   * @param groupId - the group.
   * @throws {@link DemoNetworkError} `not-found`.
   */
  bans(groupId: string): string[] {
    return [...this.#world.group(groupId).bans];
  }

  /**
   * A page of a group's history, oldest first, with the paging rules of
   * {@link DemoClient.history} and no membership check.
   *
   * @param groupId - the group.
   * @param options - limit and bounds.
   * @throws {@link DemoNetworkError} `not-found` (group or bound message), `invalid`.
   */
  history(groupId: string, options: DemoHistoryOptions = {}): DemoMessage[] {
    return this.#world.history(groupId, options);
  }

  /**
   * One message of a group's history.
   *
   * @param id - the message id.
   * @returns the message, or `undefined` when there is none with that id (or it was deleted or removed, or its group deleted; direct messages are not kept).
   */
  getMessage(id: string): DemoMessage | undefined {
    const entry = this.#world.messages.get(id);
    return entry === undefined ? undefined : entry.group.history[entry.index];
  }

  // -- failure injection ------------------------------------------------------

  /**
   * Make the next call of `operation` fail: it rejects with `error` and
   * changes nothing. Each call of `failNext` arms one failure; several
   * armed for the same operation fire in the order they were armed.
   *
   * @param operation - the client method (or `"authenticate"`) to fail.
   * @param error - what the call rejects with. @default a {@link DemoNetworkError} with code `"unavailable"`
   * @param options - only fail a call made by this user.
   *
   * @example
   * ```ts
   * network.failNext("send", new DemoNetworkError("forbidden", "slow mode"), { userId: "alice" });
   * await expect(alice.send("coffee", "hi")).rejects.toThrow("slow mode");
   * ```
   */
  failNext(operation: DemoOperation, error?: unknown, options: DemoFailureOptions = {}): void {
    this.#world.failures.push({
      operation,
      error: error ?? new DemoNetworkError("unavailable", `${operation}: the network is unavailable (injected)`),
      userId: options.userId,
    });
  }

  /** Disarm every failure armed with {@link DemoNetwork.failNext} and not fired yet. */
  clearFailures(): void {
    this.#world.failures.length = 0;
  }
}

// ---------------------------------------------------------------------------
// Inside: the state, the rules, and the client
// ---------------------------------------------------------------------------

interface UserRecord {
  readonly id: string;
  name: string;
  readonly password: string | undefined;
  /** The groups this user belongs to, for renames. */
  readonly groups: Set<GroupRecord>;
  /** Frozen; replaced on change. */
  presence: DemoPresence;
  /** The network's own copy, never handed out. */
  avatar: DemoAvatar | undefined;
  /** The user's friends' ids. */
  readonly friends: Set<string>;
}

interface GroupRecord {
  readonly id: string;
  name: string;
  description: string;
  readonly kind: DemoGroupKind;
  topic: DemoTopic | undefined;
  /** Members by user id, in the order they joined. */
  readonly members: Map<string, DemoRole>;
  readonly bans: Set<string>;
  /** The badges of the members who wear some, frozen; dropped when they leave. */
  readonly badges: Map<string, readonly DemoBadge[]>;
  /** The messages in the order sent; `undefined` where one was deleted, so that positions never move. */
  readonly history: (DemoMessage | undefined)[];
  /** The members typing now, in the order they started. */
  readonly typing: Set<string>;
  /** Each member's read position: the id of the newest message they read. */
  readonly read: Map<string, string>;
}

interface Failure {
  readonly operation: DemoOperation;
  readonly error: unknown;
  readonly userId: string | undefined;
}

/** Who does something: a client, or the network itself (`undefined`). */
type Actor = Client | undefined;

type EventPayload<K extends keyof DemoClientEvents> = Parameters<DemoClientEvents[K]>[0];

const RANK: Readonly<Record<DemoRole, number>> = { member: 1, admin: 2, owner: 3 };
const DEFAULT_HISTORY_LIMIT = 50;
const SHOWS: ReadonlySet<string> = new Set<DemoShow>(["online", "away", "dnd", "xa", "offline"]);
const ONLINE: DemoPresence = Object.freeze({ show: "online" });
/** The largest picture the network takes. */
const MAX_AVATAR_BYTES = 64 * 1024;
/** The largest file the network keeps the bytes of. */
const MAX_FILE_BYTES = 1024 * 1024;

const FIRST_NAMES = ["Ada", "Ben", "Chloé", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Inès", "Jonas",
  "Kemi", "Lars", "Maya", "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tove"] as const;
const LAST_NAMES = ["Abara", "Berg", "Costa", "Dubois", "Eze", "Fischer", "García", "Haddad", "Ito", "Jensen",
  "Kowalski", "Lind", "Moreau", "Nakamura", "Okafor", "Petrov", "Quispe", "Rossi", "Silva", "Tanaka"] as const;

function syntheticName(k: number): string {
  const first = FIRST_NAMES[k % FIRST_NAMES.length] ?? "User";
  const last = LAST_NAMES[Math.floor(k / FIRST_NAMES.length) % LAST_NAMES.length] ?? String(k);
  return `${first} ${last}`;
}

function userView(user: UserRecord): DemoUser {
  return { id: user.id, name: user.name };
}

function groupView(group: GroupRecord): DemoGroup {
  const view = {
    id: group.id,
    name: group.name,
    description: group.description,
    kind: group.kind,
    memberCount: group.members.size,
  };
  return group.topic === undefined ? view : { ...view, topic: group.topic };
}

function fail(code: DemoNetworkErrorCode, message: string): never {
  throw new DemoNetworkError(code, message);
}

function requireText(value: string, what: string): void {
  if (typeof value !== "string" || value.length === 0) fail("invalid", `${what} must not be empty`);
}

/** The id a new group's name suggests: lower case, accents dropped, runs of anything else a `-` (`"Thé & Café"` → `the-cafe`); `group` when nothing is left. */
function groupIdOf(name: string): string {
  const id = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return id === "" ? "group" : id;
}

/** A frozen presence, checked; an empty status is none. */
function checkedPresence(show: DemoShow, status: string | undefined): DemoPresence {
  if (typeof show !== "string" || !SHOWS.has(show)) fail("invalid", `a presence is one of ${[...SHOWS].join(", ")}, not ${String(show)}`);
  if (status !== undefined && typeof status !== "string") fail("invalid", "a status must be text");
  return Object.freeze(status === undefined || status === "" ? { show } : { show, status });
}

function samePresence(a: DemoPresence, b: DemoPresence): boolean {
  return a.show === b.show && a.status === b.status;
}

/** The network's own copy of a picture, checked. */
function checkedAvatar(avatar: DemoAvatar): DemoAvatar {
  if (!(avatar.data instanceof Uint8Array) || avatar.data.length === 0) fail("invalid", "a picture needs the image's bytes");
  if (avatar.data.length > MAX_AVATAR_BYTES) fail("invalid", `a picture is at most ${MAX_AVATAR_BYTES} bytes, not ${avatar.data.length}`);
  if (typeof avatar.type !== "string" || !/^image\/[\w.+-]+$/.test(avatar.type)) fail("invalid", `a picture's media type is image/…, not ${String(avatar.type)}`);
  return { data: new Uint8Array(avatar.data), type: avatar.type };
}

/** The network's own frozen copy of a file, checked. */
function checkedFile(file: DemoFileInput): DemoFile {
  if (typeof file !== "object" || file === null) fail("invalid", "a file is an object with a name, a type, and data or a url");
  requireText(file.name, "a file's name");
  if (typeof file.type !== "string" || !/^[\w.+-]+\/[\w.+-]+/.test(file.type)) fail("invalid", `a file's media type is type/subtype, not ${String(file.type)}`);
  const { data, url, size } = file;
  if (data === undefined && url === undefined) fail("invalid", `file ${file.name} has neither data nor a url`);
  if (data !== undefined) {
    if (!(data instanceof Uint8Array) || data.length === 0) fail("invalid", `file ${file.name}: its data must be bytes, not empty`);
    if (data.length > MAX_FILE_BYTES) fail("invalid", `a file is at most ${MAX_FILE_BYTES} bytes, not ${data.length}`);
  }
  if (url !== undefined && (typeof url !== "string" || !URL.canParse(url))) fail("invalid", `file ${file.name}: ${String(url)} is no URL`);
  if (size !== undefined && !(Number.isInteger(size) && size >= 0)) fail("invalid", `a file's size is a count of bytes, not ${String(size)}`);
  const out: { -readonly [K in keyof DemoFile]: DemoFile[K] } = { name: file.name, type: file.type };
  const known = data?.length ?? size;
  if (known !== undefined) out.size = known;
  if (url !== undefined) out.url = url;
  if (data !== undefined) out.data = new Uint8Array(data);
  return Object.freeze(out);
}

/** A copy of a picture to hand out. */
function avatarView(avatar: DemoAvatar): DemoAvatar {
  return { data: new Uint8Array(avatar.data), type: avatar.type };
}

function sameAvatar(a: DemoAvatar | undefined, b: DemoAvatar | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.type === b.type && a.data.length === b.data.length && a.data.every((byte, i) => byte === b.data[i]);
}

/** Frozen copies of badges, checked. */
function checkedBadges(badges: Iterable<DemoBadge>): readonly DemoBadge[] {
  const seen = new Set<string>();
  const out: DemoBadge[] = [];
  for (const badge of badges) {
    requireText(badge.id, "a badge id");
    requireText(badge.title, "a badge title");
    if (seen.has(badge.id)) fail("invalid", `badge ${badge.id} is given twice`);
    seen.add(badge.id);
    const { hue } = badge;
    if (hue !== undefined && !(typeof hue === "number" && hue >= 0 && hue <= 360)) fail("invalid", `a badge's hue is an angle from 0 to 360, not ${String(hue)}`);
    out.push(Object.freeze(hue === undefined ? { id: badge.id, title: badge.title } : { id: badge.id, title: badge.title, hue }));
  }
  return Object.freeze(out);
}

function sameBadges(a: readonly DemoBadge[], b: readonly DemoBadge[]): boolean {
  return a.length === b.length && a.every((x, i) => x.id === b[i]?.id && x.title === b[i]?.title && x.hue === b[i]?.hue);
}

/** A new snapshot of a message with these reactions (without the field when there are none). */
function withReactions(message: DemoMessage, reactions: Readonly<Record<string, readonly string[]>>): DemoMessage {
  const copy: { -readonly [K in keyof DemoMessage]: DemoMessage[K] } = { ...message };
  delete copy.reactions;
  return Object.freeze(Object.keys(reactions).length === 0 ? copy : { ...copy, reactions: Object.freeze(reactions) });
}

/** The network's state and rules. Admin calls pass no actor; client calls pass their client. */
class World {
  readonly users = new Map<string, UserRecord>();
  readonly groups = new Map<string, GroupRecord>();
  /** Every message by id, with where it sits in its group's history. */
  readonly messages = new Map<string, { readonly group: GroupRecord; readonly index: number }>();
  /** The messages of one-to-one chats, by id (deleted ones dropped). */
  readonly chats = new Map<string, DemoChatMessage>();
  readonly clients = new Set<Client>();
  readonly scripted = new Map<string, Client>();
  readonly failures: Failure[] = [];
  /** The ids of the groups deleted so far, which {@link World.createGroup} never hands out again. */
  readonly #deletedGroupIds = new Set<string>();
  #messageCount = 0;
  #syntheticCount = 0;

  constructor(
    readonly network: DemoNetwork,
    readonly now: () => Date,
    /** The prefix of the next message id (see {@link DemoNetworkOptions.messageIdPrefix}). */
    readonly messageIdPrefix: () => string,
  ) {}

  // -- look-ups that throw --

  user(id: string): UserRecord {
    return this.users.get(id) ?? fail("not-found", `no user ${id}`);
  }

  group(id: string): GroupRecord {
    return this.groups.get(id) ?? fail("not-found", `no group ${id}`);
  }

  /** The actor's role in the group. */
  roleOf(group: GroupRecord, userId: string): DemoRole {
    return group.members.get(userId) ?? fail("not-member", `${userId} is not a member of ${group.id}`);
  }

  /** The actor's role, which must be owner or admin. */
  moderatorRole(group: GroupRecord, userId: string): DemoRole {
    const role = this.roleOf(group, userId);
    if (RANK[role] < RANK.admin) fail("forbidden", `${userId} is not an owner or admin of ${group.id}`);
    return role;
  }

  /** Check that the actor may moderate the target: outranks them, and is not them. */
  checkOutranks(group: GroupRecord, actorId: string, targetId: string): void {
    const actorRole = this.moderatorRole(group, actorId);
    if (actorId === targetId) fail("forbidden", `${actorId} cannot do that to themselves`);
    const targetRole = group.members.get(targetId);
    if (targetRole !== undefined && RANK[targetRole] >= RANK[actorRole]) {
      fail("forbidden", `${actorId} (${actorRole}) cannot act on ${targetId} (${targetRole}) in ${group.id}`);
    }
  }

  memberView(group: GroupRecord, userId: string, role: DemoRole): DemoMember {
    const view = { userId, name: this.user(userId).name, role };
    const badges = group.badges.get(userId);
    return badges === undefined ? view : { ...view, badges };
  }

  /** Fire (and disarm) the first armed failure that matches, if any. */
  takeFailure(operation: DemoOperation, userId: string): void {
    const index = this.failures.findIndex(
      (f) => f.operation === operation && (f.userId === undefined || f.userId === userId),
    );
    if (index < 0) return;
    const [failure] = this.failures.splice(index, 1);
    throw failure?.error;
  }

  // -- delivery --

  /**
   * Tell the network and the clients of the group's members (plus, for a
   * departure, the one who left) what happened. The acting client hears it
   * only when it asked for echoes.
   */
  broadcast<K extends keyof DemoClientEvents>(
    group: GroupRecord,
    event: K,
    payload: EventPayload<K>,
    actor: Actor,
    alsoUserId?: string,
  ): void {
    this.#tell(event, payload, actor, ({ userId }) => group.members.has(userId) || userId === alsoUserId);
  }

  /** Tell the network, and the clients `hears` picks (the acting client only when it asked for echoes). */
  #tell<K extends keyof DemoClientEvents>(event: K, payload: EventPayload<K>, actor: Actor, hears: (client: Client) => boolean): void {
    this.#deliver(this.network, undefined, event, payload);
    for (const client of this.clients) {
      if (client === actor && !client.echo) continue;
      if (hears(client)) this.#deliver(client, client, event, payload);
    }
  }

  /** Emit one event on one emitter, so that a throwing listener cannot break the caller or the others. */
  #deliver(target: DemoNetwork | Client, client: Client | undefined, event: keyof DemoNetworkEvents, payload: unknown): void {
    const emit = target.emit.bind(target) as unknown as (event: string, payload: unknown) => boolean;
    try {
      emit(event, payload);
    } catch (error) {
      const report: DemoListenerErrorEvent = client === undefined ? { error, event } : { error, event, client };
      if (this.network.listenerCount("listenerError") > 0) {
        try {
          this.network.emit("listenerError", report);
          return;
        } catch {
          // fall through to the console
        }
      }
      console.error(`demo-network: a "${event}" listener threw`, error);
    }
  }

  // -- users --

  addUser(spec: DemoUserSpec): DemoUser {
    requireText(spec.id, "a user id");
    if (this.users.has(spec.id)) fail("conflict", `user ${spec.id} exists`);
    const presence = spec.presence === undefined ? ONLINE : checkedPresence(spec.presence.show, spec.presence.status);
    const avatar = spec.avatar === undefined ? undefined : checkedAvatar(spec.avatar);
    const user: UserRecord = { id: spec.id, name: spec.name, password: spec.password, groups: new Set(), presence, avatar, friends: new Set() };
    this.users.set(user.id, user);
    const view = userView(user);
    this.#deliver(this.network, undefined, "userAdded", { user: view } satisfies DemoUserAddedEvent);
    return view;
  }

  renameUser(userId: string, newName: string): void {
    const user = this.user(userId);
    requireText(newName, "a name");
    const oldName = user.name;
    if (oldName === newName) return;
    user.name = newName;
    for (const group of user.groups) {
      this.broadcast(group, "memberRenamed", { groupId: group.id, userId, oldName, newName }, undefined);
    }
  }

  setPresence(actor: Client, show: DemoShow, status: string | undefined): void {
    const user = this.user(actor.userId);
    const presence = checkedPresence(show, status);
    if (samePresence(user.presence, presence)) return;
    user.presence = presence;
    for (const group of user.groups) {
      this.broadcast(group, "presenceChanged", { groupId: group.id, userId: user.id, presence }, actor);
    }
    this.#tell("friendPresenceChanged", { userId: user.id, presence }, actor, (client) => user.friends.has(client.userId));
  }

  setAvatar(actor: Client, avatar: DemoAvatar | undefined): void {
    const user = this.user(actor.userId);
    const next = avatar === undefined ? undefined : checkedAvatar(avatar);
    if (sameAvatar(user.avatar, next)) return;
    user.avatar = next;
    for (const group of user.groups) {
      const payload: DemoAvatarChangedEvent = next === undefined
        ? { groupId: group.id, userId: user.id }
        : { groupId: group.id, userId: user.id, avatar: avatarView(next) };
      this.broadcast(group, "avatarChanged", payload, actor);
    }
    const event: DemoFriendAvatarEvent = next === undefined ? { userId: user.id } : { userId: user.id, avatar: avatarView(next) };
    this.#tell("friendAvatarChanged", event, actor, (client) => user.friends.has(client.userId));
  }

  // -- groups --

  addGroup(spec: DemoGroupSpec, actor: Actor = undefined): DemoGroup {
    requireText(spec.id, "a group id");
    if (this.groups.has(spec.id)) fail("conflict", `group ${spec.id} exists`);
    const members = new Map<string, DemoRole>();
    const badges = new Map<string, readonly DemoBadge[]>();
    for (const { userId, role, badges: worn } of spec.members ?? []) {
      this.user(userId);
      members.set(userId, role ?? "member");
      const checked = checkedBadges(worn ?? []);
      if (checked.length > 0) badges.set(userId, checked);
      else badges.delete(userId);
    }
    const group: GroupRecord = {
      id: spec.id,
      name: spec.name,
      description: spec.description ?? "",
      kind: spec.kind,
      topic: spec.topic === undefined ? undefined : Object.freeze({ text: spec.topic, at: this.now() }),
      members,
      bans: new Set(),
      badges,
      history: [],
      typing: new Set(),
      read: new Map(),
    };
    this.groups.set(group.id, group);
    for (const userId of members.keys()) this.user(userId).groups.add(group);
    const view = groupView(group);
    this.broadcast(group, "groupAdded", { group: view }, actor);
    return view;
  }

  createGroup(actor: Client, name: string, options: DemoCreateGroupOptions): string {
    requireText(name, "a group name");
    const kind = options.kind ?? "group";
    if (kind !== "group" && kind !== "channel") fail("invalid", `a group is a "group" or a "channel", not ${String(kind)}`);
    const others = (options.members ?? []).filter((userId) => userId !== actor.userId);
    for (const userId of others) this.user(userId);
    const base = groupIdOf(name);
    let id = base;
    for (let n = 2; this.groups.has(id) || this.#deletedGroupIds.has(id); n++) id = `${base}-${n}`;
    const members: DemoMemberSpec[] = [{ userId: actor.userId, role: "owner" }, ...others.map((userId) => ({ userId }))];
    this.addGroup({ id, name, description: options.description ?? "", kind, members }, actor);
    return id;
  }

  deleteGroup(actor: Actor, groupId: string, reason: string | undefined): void {
    const group = this.group(groupId);
    if (actor !== undefined && this.roleOf(group, actor.userId) !== "owner") fail("forbidden", `only the owners of ${groupId} may delete it`);
    const view = groupView(group);
    this.groups.delete(groupId);
    this.#deletedGroupIds.add(groupId);
    for (const userId of group.members.keys()) this.user(userId).groups.delete(group);
    for (const [id, entry] of this.messages) if (entry.group === group) this.messages.delete(id);
    const base = actor === undefined ? { group: view } : { group: view, by: actor.userId };
    const payload: DemoGroupDeletedEvent = reason === undefined ? base : { ...base, reason };
    // The record keeps its members: they are the ones told.
    this.broadcast(group, "groupDeleted", payload, actor);
  }

  updateGroup(actor: Actor, groupId: string, changes: DemoGroupChanges): void {
    const group = this.group(groupId);
    if (actor !== undefined) this.moderatorRole(group, actor.userId);
    if (changes.name !== undefined) requireText(changes.name, "a group name");
    const changed: ("name" | "description")[] = [];
    if (changes.name !== undefined && changes.name !== group.name) {
      group.name = changes.name;
      changed.push("name");
    }
    if (changes.description !== undefined && changes.description !== group.description) {
      group.description = changes.description;
      changed.push("description");
    }
    if (changed.length === 0) return;
    const payload = actor === undefined
      ? { group: groupView(group), changed }
      : { group: groupView(group), changed, by: actor.userId };
    this.broadcast(group, "groupUpdated", payload, actor);
  }

  populate(groupId: string, n: number, role: DemoRole): string[] {
    const group = this.group(groupId);
    if (!Number.isInteger(n) || n < 0) fail("invalid", `populate needs a count of users, not ${n}`);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      let id: string;
      do id = `user-${++this.#syntheticCount}`;
      while (this.users.has(id));
      this.addUser({ id, name: syntheticName(this.#syntheticCount - 1) });
      this.join(undefined, group.id, id, role);
      ids.push(id);
    }
    return ids;
  }

  // -- membership --

  join(actor: Actor, groupId: string, userId: string, role: DemoRole): void {
    const group = this.group(groupId);
    const user = this.user(userId);
    if (group.bans.has(userId)) fail("banned", `${userId} is banned from ${groupId}`);
    if (group.members.has(userId)) return;
    group.members.set(userId, role);
    user.groups.add(group);
    this.broadcast(group, "memberJoined", { groupId, member: this.memberView(group, userId, role) }, actor);
  }

  /** Take a member out and tell everyone, the one who left included. */
  #remove(actor: Actor, group: GroupRecord, userId: string, reason: DemoLeaveReason, comment?: string): void {
    const role = group.members.get(userId);
    if (role === undefined) return;
    const member = this.memberView(group, userId, role);
    group.members.delete(userId);
    group.badges.delete(userId);
    group.typing.delete(userId);
    group.read.delete(userId);
    this.user(userId).groups.delete(group);
    const payload: DemoMemberLeftEvent =
      reason === "left" || actor === undefined
        ? { groupId: group.id, member, reason }
        : comment === undefined
          ? { groupId: group.id, member, reason, by: actor.userId }
          : { groupId: group.id, member, reason, by: actor.userId, comment };
    this.broadcast(group, "memberLeft", payload, actor, userId);
  }

  invite(actor: Client, groupId: string, userId: string): DemoMember {
    const group = this.group(groupId);
    this.moderatorRole(group, actor.userId);
    this.join(actor, groupId, userId, "member");
    return this.memberView(group, userId, group.members.get(userId) ?? "member");
  }

  leave(actor: Client, groupId: string): void {
    const group = this.group(groupId);
    this.roleOf(group, actor.userId);
    this.#remove(actor, group, actor.userId, "left");
  }

  kick(actor: Client, groupId: string, userId: string, comment?: string): void {
    const group = this.group(groupId);
    this.user(userId);
    this.roleOf(group, actor.userId);
    if (!group.members.has(userId)) fail("not-member", `${userId} is not a member of ${groupId}`);
    this.checkOutranks(group, actor.userId, userId);
    this.#remove(actor, group, userId, "kicked", comment);
  }

  ban(actor: Client, groupId: string, userId: string, comment?: string): void {
    const group = this.group(groupId);
    this.user(userId);
    this.checkOutranks(group, actor.userId, userId);
    group.bans.add(userId);
    this.#remove(actor, group, userId, "banned", comment);
  }

  unban(actor: Client, groupId: string, userId: string): void {
    const group = this.group(groupId);
    this.moderatorRole(group, actor.userId);
    if (!group.bans.delete(userId)) fail("not-found", `${userId} is not banned from ${groupId}`);
  }

  setRole(actor: Client, groupId: string, userId: string, role: DemoRole): void {
    const group = this.group(groupId);
    this.user(userId);
    const actorRole = this.roleOf(group, actor.userId);
    const oldRole = group.members.get(userId) ?? fail("not-member", `${userId} is not a member of ${groupId}`);
    this.checkOutranks(group, actor.userId, userId);
    if (RANK[role] > RANK[actorRole]) fail("forbidden", `${actor.userId} (${actorRole}) cannot make anyone ${role}`);
    if (role === oldRole) return;
    group.members.set(userId, role);
    this.broadcast(group, "roleChanged", { groupId, userId, oldRole, newRole: role, by: actor.userId }, actor);
  }

  setBadges(actor: Actor, groupId: string, userId: string, badges: readonly DemoBadge[]): void {
    const group = this.group(groupId);
    this.user(userId);
    if (actor !== undefined) this.roleOf(group, actor.userId);
    if (!group.members.has(userId)) fail("not-member", `${userId} is not a member of ${groupId}`);
    if (actor?.userId === userId) this.moderatorRole(group, userId);
    else if (actor !== undefined) this.checkOutranks(group, actor.userId, userId);
    const next = checkedBadges(badges);
    if (sameBadges(group.badges.get(userId) ?? [], next)) return;
    if (next.length > 0) group.badges.set(userId, next);
    else group.badges.delete(userId);
    const payload: DemoBadgesChangedEvent = actor === undefined
      ? { groupId, userId, badges: next }
      : { groupId, userId, badges: next, by: actor.userId };
    this.broadcast(group, "badgesChanged", payload, actor);
  }

  // -- talking --

  /** Whether the member may post and set the topic: everyone in a group, owners and admins in a channel. */
  #checkSpeaks(group: GroupRecord, userId: string, what: string): void {
    const role = this.roleOf(group, userId);
    if (group.kind === "channel" && RANK[role] < RANK.admin) {
      fail("forbidden", `only owners and admins may ${what} in channel ${group.id}`);
    }
  }

  send(actor: Client, groupId: string, text: string, replyTo: string | undefined, fileInput?: DemoFileInput): string {
    const group = this.group(groupId);
    this.#checkSpeaks(group, actor.userId, fileInput === undefined ? "send" : "send a file");
    // A file's caption may be empty; a text message's text may not.
    const file = fileInput === undefined ? undefined : checkedFile(fileInput);
    if (file === undefined) requireText(text, "a message");
    else if (typeof text !== "string") fail("invalid", "a caption must be text");
    if (replyTo !== undefined) this.#message(group, replyTo);
    const id = `${this.messageIdPrefix()}${++this.#messageCount}`;
    const base = { id, groupId, senderId: actor.userId, text, at: this.now(), ...(file === undefined ? {} : { file }) };
    const message: DemoMessage = Object.freeze(replyTo === undefined ? base : { ...base, replyTo });
    this.messages.set(id, { group, index: group.history.length });
    group.history.push(message);
    // The message ends the sender's typing; it says so itself.
    group.typing.delete(actor.userId);
    this.broadcast(group, "message", { message }, actor);
    return id;
  }

  setTyping(actor: Client, groupId: string, typing: boolean): void {
    const group = this.group(groupId);
    this.#checkSpeaks(group, actor.userId, "type");
    if (typeof typing !== "boolean") fail("invalid", `typing is true or false, not ${String(typing)}`);
    if (group.typing.has(actor.userId) === typing) return;
    if (typing) group.typing.add(actor.userId);
    else group.typing.delete(actor.userId);
    this.broadcast(group, "typing", { groupId, userId: actor.userId, typing }, actor);
  }

  markRead(actor: Client, groupId: string, messageId: string): void {
    const group = this.group(groupId);
    this.roleOf(group, actor.userId);
    const { index } = this.#message(group, messageId);
    const before = group.read.get(actor.userId);
    if (before !== undefined && (this.messages.get(before)?.index ?? -1) >= index) return;
    group.read.set(actor.userId, messageId);
    this.broadcast(group, "read", { groupId, userId: actor.userId, messageId }, actor);
  }

  sendDirect(actor: Client, groupId: string, toUserId: string, text: string): string {
    const group = this.group(groupId);
    this.roleOf(group, actor.userId);
    this.user(toUserId);
    if (!group.members.has(toUserId)) fail("not-member", `${toUserId} is not a member of ${groupId}`);
    if (toUserId === actor.userId) fail("invalid", `${actor.userId} cannot send a direct message to themselves`);
    requireText(text, "a message");
    const id = `${this.messageIdPrefix()}${++this.#messageCount}`;
    const message: DemoDirectMessage = Object.freeze({ id, groupId, senderId: actor.userId, recipientId: toUserId, text, at: this.now() });
    this.#tell("directMessage", { message }, actor, (client) => client.userId === toUserId || client === actor);
    return id;
  }

  // -- one-to-one chats --

  searchUsers(actor: Client, query: string): DemoUser[] {
    requireText(query, "a search");
    const fold = (t: string): string => t.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    const q = fold(query.trim());
    const found: DemoUser[] = [];
    for (const user of this.users.values()) {
      if (user.id !== actor.userId && (fold(user.name).includes(q) || fold(user.id).includes(q))) found.push(userView(user));
    }
    return found;
  }

  /** Tell the two people of a chat (the acting client only with echoes). */
  #tellChat<K extends keyof DemoClientEvents>(event: K, payload: EventPayload<K>, actor: Client, a: string, b: string): void {
    this.#tell(event, payload, actor, (client) => client.userId === a || client.userId === b);
  }

  /** A chat message the actor is one of the two people of. */
  #chatMessage(actor: Client, messageId: string): DemoChatMessage {
    const message = this.chats.get(messageId);
    if (message === undefined || (message.senderId !== actor.userId && message.recipientId !== actor.userId)) fail("not-found", `no message ${messageId} in ${actor.userId}'s chats`);
    return message;
  }

  /** The other person of a chat, checked. */
  #peer(actor: Client, toUserId: string): UserRecord {
    const peer = this.user(toUserId);
    if (peer.id === actor.userId) fail("invalid", `${actor.userId} cannot chat with themselves`);
    return peer;
  }

  sendChat(actor: Client, toUserId: string, text: string, replyTo: string | undefined): string {
    const peer = this.#peer(actor, toUserId);
    requireText(text, "a message");
    if (replyTo !== undefined) {
      const original = this.#chatMessage(actor, replyTo);
      if (original.senderId !== peer.id && original.recipientId !== peer.id) fail("not-found", `no message ${replyTo} in the chat with ${peer.id}`);
    }
    const id = `${this.messageIdPrefix()}${++this.#messageCount}`;
    const base = { id, senderId: actor.userId, recipientId: peer.id, text, at: this.now() };
    const message: DemoChatMessage = Object.freeze(replyTo === undefined ? base : { ...base, replyTo });
    this.chats.set(id, message);
    this.#tellChat("chatMessage", { message }, actor, actor.userId, peer.id);
    return id;
  }

  editChat(actor: Client, messageId: string, text: string): void {
    const message = this.#chatMessage(actor, messageId);
    if (message.senderId !== actor.userId) fail("forbidden", `${actor.userId} cannot edit ${messageId}: only its author, ${message.senderId}, may`);
    requireText(text, "a message");
    if (text === message.text) return;
    const edited: DemoChatMessage = Object.freeze({ ...message, text, editedAt: this.now() });
    this.chats.set(messageId, edited);
    this.#tellChat("chatMessageEdited", { message: edited }, actor, message.senderId, message.recipientId);
  }

  deleteChat(actor: Client, messageId: string): void {
    const message = this.#chatMessage(actor, messageId);
    if (message.senderId !== actor.userId) fail("forbidden", `${actor.userId} cannot delete ${messageId}: only its author, ${message.senderId}, may`);
    this.chats.delete(messageId);
    this.#tellChat("chatMessageDeleted", { message }, actor, message.senderId, message.recipientId);
  }

  reactChat(actor: Client, messageId: string, emojis: readonly string[]): void {
    const message = this.#chatMessage(actor, messageId);
    for (const emoji of emojis) requireText(emoji, "a reaction");
    const mine = Object.freeze([...new Set(emojis)]);
    const before = message.reactions?.[actor.userId] ?? [];
    if (mine.length === before.length && mine.every((emoji, i) => emoji === before[i])) return;
    const reactions: Record<string, readonly string[]> = {};
    for (const [userId, theirs] of Object.entries(message.reactions ?? {})) if (userId !== actor.userId) reactions[userId] = theirs;
    if (mine.length > 0) reactions[actor.userId] = mine;
    const copy: { -readonly [K in keyof DemoChatMessage]: DemoChatMessage[K] } = { ...message };
    delete copy.reactions;
    const updated: DemoChatMessage = Object.freeze(Object.keys(reactions).length === 0 ? copy : { ...copy, reactions: Object.freeze(reactions) });
    this.chats.set(messageId, updated);
    this.#tellChat("chatReactionsChanged", { message: updated, userId: actor.userId, emojis: mine }, actor, message.senderId, message.recipientId);
  }

  setChatTyping(actor: Client, toUserId: string, typing: boolean): void {
    const peer = this.#peer(actor, toUserId);
    if (typeof typing !== "boolean") fail("invalid", `typing is true or false, not ${String(typing)}`);
    this.#tellChat("chatTyping", { userId: actor.userId, peerId: peer.id, typing }, actor, actor.userId, peer.id);
  }

  markChatRead(actor: Client, messageId: string): void {
    const message = this.#chatMessage(actor, messageId);
    if (message.recipientId !== actor.userId) fail("not-found", `${messageId} was not sent to ${actor.userId}`);
    this.#tellChat("chatRead", { userId: actor.userId, peerId: message.senderId, messageId }, actor, message.senderId, actor.userId);
  }

  /** A message of the group, not deleted, and where it sits in the history. */
  #message(group: GroupRecord, messageId: string): { readonly message: DemoMessage; readonly index: number } {
    const entry = this.messages.get(messageId);
    const message = entry?.group === group ? group.history[entry.index] : undefined;
    if (entry === undefined || message === undefined) fail("not-found", `no message ${messageId} in ${group.id}`);
    return { message, index: entry.index };
  }

  /** A message of the group that the actor, a member, wrote. */
  #ownMessage(actor: Client, group: GroupRecord, messageId: string, what: string): { readonly message: DemoMessage; readonly index: number } {
    this.roleOf(group, actor.userId);
    const found = this.#message(group, messageId);
    if (found.message.senderId !== actor.userId) {
      fail("forbidden", `${actor.userId} cannot ${what} ${messageId}: only its author, ${found.message.senderId}, may`);
    }
    return found;
  }

  edit(actor: Client, groupId: string, messageId: string, text: string): void {
    const group = this.group(groupId);
    const { message, index } = this.#ownMessage(actor, group, messageId, "edit");
    requireText(text, "a message");
    if (text === message.text) return;
    const edited: DemoMessage = Object.freeze({ ...message, text, editedAt: this.now() });
    group.history[index] = edited;
    this.broadcast(group, "messageEdited", { message: edited, oldText: message.text }, actor);
  }

  delete(actor: Client, groupId: string, messageId: string): void {
    const group = this.group(groupId);
    const { message, index } = this.#ownMessage(actor, group, messageId, "delete");
    group.history[index] = undefined;
    this.broadcast(group, "messageDeleted", { message }, actor);
  }

  remove(actor: Client, groupId: string, messageId: string, reason: string | undefined): void {
    const group = this.group(groupId);
    this.moderatorRole(group, actor.userId);
    const { message, index } = this.#message(group, messageId);
    if (message.senderId === actor.userId) fail("forbidden", `${actor.userId} cannot remove their own message ${messageId}: delete it instead`);
    this.checkOutranks(group, actor.userId, message.senderId);
    group.history[index] = undefined;
    const payload: DemoMessageDeletedEvent = reason === undefined ? { message, by: actor.userId } : { message, by: actor.userId, reason };
    this.broadcast(group, "messageDeleted", payload, actor);
  }

  react(actor: Client, groupId: string, messageId: string, emojis: readonly string[]): void {
    const group = this.group(groupId);
    this.roleOf(group, actor.userId);
    const { message, index } = this.#message(group, messageId);
    for (const emoji of emojis) requireText(emoji, "a reaction");
    const mine = Object.freeze([...new Set(emojis)]);
    const before = message.reactions?.[actor.userId] ?? [];
    if (mine.length === before.length && mine.every((emoji, i) => emoji === before[i])) return;
    const reactions: Record<string, readonly string[]> = {};
    for (const [userId, theirs] of Object.entries(message.reactions ?? {})) if (userId !== actor.userId) reactions[userId] = theirs;
    if (mine.length > 0) reactions[actor.userId] = mine;
    group.history[index] = withReactions(message, reactions);
    this.broadcast(group, "reactionsChanged", { groupId, messageId, userId: actor.userId, emojis: mine }, actor);
  }

  setTopic(actor: Client, groupId: string, text: string): void {
    const group = this.group(groupId);
    this.#checkSpeaks(group, actor.userId, "set the topic");
    const topic: DemoTopic = Object.freeze({ text, setBy: actor.userId, at: this.now() });
    group.topic = topic;
    this.broadcast(group, "topic", { groupId, topic }, actor);
  }

  history(groupId: string, options: DemoHistoryOptions): DemoMessage[] {
    const group = this.group(groupId);
    const limit = options.limit ?? DEFAULT_HISTORY_LIMIT;
    if (!Number.isInteger(limit) || limit < 0) fail("invalid", `a history limit must be a count, not ${limit}`);
    const position = (id: string): number => {
      const entry = this.messages.get(id);
      if (entry?.group !== group) fail("not-found", `no message ${id} in ${groupId}`);
      return entry.index;
    };
    const from = options.after === undefined ? 0 : position(options.after) + 1;
    const to = options.before === undefined ? group.history.length : position(options.before);
    // Paging forwards (only `after`) takes the oldest; everything else the newest. Deleted messages are skipped.
    const page: DemoMessage[] = [];
    if (options.after !== undefined && options.before === undefined) {
      for (let i = from; i < to && page.length < limit; i++) {
        const message = group.history[i];
        if (message !== undefined) page.push(message);
      }
      return page;
    }
    for (let i = to - 1; i >= from && page.length < limit; i--) {
      const message = group.history[i];
      if (message !== undefined) page.push(message);
    }
    return page.reverse();
  }
}

/** The implementation of {@link DemoClient}: checks, then a call into the world. */
class Client extends EventEmitter<DemoClientEvents> implements DemoClient {
  readonly userId: string;
  readonly echo: boolean;
  readonly #world: World;
  #closed = false;

  constructor(world: World, userId: string, echo: boolean) {
    super();
    this.#world = world;
    this.userId = userId;
    this.echo = echo;
    world.clients.add(this);
  }

  get user(): DemoUser {
    return userView(this.#world.user(this.userId));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Every call starts here: refuse when closed, fire an injected failure. */
  #begin(operation: DemoOperation): World {
    if (this.#closed) fail("closed", `${operation}: the client of ${this.userId} is closed`);
    this.#world.takeFailure(operation, this.userId);
    return this.#world;
  }

  async listGroups(): Promise<DemoGroup[]> {
    const world = this.#begin("listGroups");
    const groups: DemoGroup[] = [];
    for (const group of world.groups.values()) if (group.members.has(this.userId)) groups.push(groupView(group));
    return groups;
  }

  async getGroup(groupId: string): Promise<DemoGroup> {
    return groupView(this.#begin("getGroup").group(groupId));
  }

  async *members(groupId: string): AsyncIterableIterator<DemoMember> {
    const world = this.#begin("members");
    const group = world.group(groupId);
    world.roleOf(group, this.userId);
    for (const [userId, role] of group.members) yield world.memberView(group, userId, role);
  }

  async bans(groupId: string): Promise<string[]> {
    const world = this.#begin("bans");
    const group = world.group(groupId);
    world.moderatorRole(group, this.userId);
    return [...group.bans];
  }

  async history(groupId: string, options: DemoHistoryOptions = {}): Promise<DemoMessage[]> {
    const world = this.#begin("history");
    world.roleOf(world.group(groupId), this.userId);
    return world.history(groupId, options);
  }

  async send(groupId: string, text: string, options: DemoSendOptions = {}): Promise<string> {
    return this.#begin("send").send(this, groupId, text, options.replyTo);
  }

  async sendFile(groupId: string, file: DemoFileInput, options: DemoSendFileOptions = {}): Promise<string> {
    return this.#begin("sendFile").send(this, groupId, options.caption ?? "", options.replyTo, file);
  }

  async edit(groupId: string, messageId: string, text: string): Promise<void> {
    this.#begin("edit").edit(this, groupId, messageId, text);
  }

  async delete(groupId: string, messageId: string): Promise<void> {
    this.#begin("delete").delete(this, groupId, messageId);
  }

  async remove(groupId: string, messageId: string, reason?: string): Promise<void> {
    this.#begin("remove").remove(this, groupId, messageId, reason);
  }

  async react(groupId: string, messageId: string, emojis: readonly string[]): Promise<void> {
    this.#begin("react").react(this, groupId, messageId, emojis);
  }

  async setTopic(groupId: string, topic: string): Promise<void> {
    this.#begin("setTopic").setTopic(this, groupId, topic);
  }

  async joinGroup(groupId: string): Promise<void> {
    this.#begin("joinGroup").join(this, groupId, this.userId, "member");
  }

  async leaveGroup(groupId: string): Promise<void> {
    this.#begin("leaveGroup").leave(this, groupId);
  }

  async kick(groupId: string, userId: string, reason?: string): Promise<void> {
    this.#begin("kick").kick(this, groupId, userId, reason);
  }

  async ban(groupId: string, userId: string, reason?: string): Promise<void> {
    this.#begin("ban").ban(this, groupId, userId, reason);
  }

  async unban(groupId: string, userId: string): Promise<void> {
    this.#begin("unban").unban(this, groupId, userId);
  }

  async setRole(groupId: string, userId: string, role: DemoRole): Promise<void> {
    this.#begin("setRole").setRole(this, groupId, userId, role);
  }

  async updateGroup(groupId: string, changes: DemoGroupChanges): Promise<void> {
    this.#begin("updateGroup").updateGroup(this, groupId, changes);
  }

  async getPresence(userId: string): Promise<DemoPresence> {
    return this.#begin("getPresence").user(userId).presence;
  }

  async setPresence(show: DemoShow, status?: string): Promise<void> {
    this.#begin("setPresence").setPresence(this, show, status);
  }

  async getAvatar(userId: string): Promise<DemoAvatar | undefined> {
    const avatar = this.#begin("getAvatar").user(userId).avatar;
    return avatar === undefined ? undefined : avatarView(avatar);
  }

  async setAvatar(avatar: DemoAvatar | undefined): Promise<void> {
    this.#begin("setAvatar").setAvatar(this, avatar);
  }

  async setBadges(groupId: string, userId: string, badges: readonly DemoBadge[]): Promise<void> {
    this.#begin("setBadges").setBadges(this, groupId, userId, badges);
  }

  async setTyping(groupId: string, typing: boolean): Promise<void> {
    this.#begin("setTyping").setTyping(this, groupId, typing);
  }

  async markRead(groupId: string, messageId: string): Promise<void> {
    this.#begin("markRead").markRead(this, groupId, messageId);
  }

  async sendDirect(groupId: string, toUserId: string, text: string): Promise<string> {
    return this.#begin("sendDirect").sendDirect(this, groupId, toUserId, text);
  }

  async createGroup(name: string, options: DemoCreateGroupOptions = {}): Promise<string> {
    return this.#begin("createGroup").createGroup(this, name, options);
  }

  async deleteGroup(groupId: string, reason?: string): Promise<void> {
    this.#begin("deleteGroup").deleteGroup(this, groupId, reason);
  }

  async invite(groupId: string, userId: string): Promise<DemoMember> {
    return this.#begin("invite").invite(this, groupId, userId);
  }

  async listFriends(): Promise<DemoUser[]> {
    const world = this.#begin("listFriends");
    return Array.from(world.user(this.userId).friends, (id) => userView(world.user(id)));
  }

  async searchUsers(query: string): Promise<DemoUser[]> {
    return this.#begin("searchUsers").searchUsers(this, query);
  }

  async sendChat(toUserId: string, text: string, options: DemoSendOptions = {}): Promise<string> {
    return this.#begin("sendChat").sendChat(this, toUserId, text, options.replyTo);
  }

  async editChat(messageId: string, text: string): Promise<void> {
    this.#begin("editChat").editChat(this, messageId, text);
  }

  async deleteChat(messageId: string): Promise<void> {
    this.#begin("deleteChat").deleteChat(this, messageId);
  }

  async reactChat(messageId: string, emojis: readonly string[]): Promise<void> {
    this.#begin("reactChat").reactChat(this, messageId, emojis);
  }

  async setChatTyping(toUserId: string, typing: boolean): Promise<void> {
    this.#begin("setChatTyping").setChatTyping(this, toUserId, typing);
  }

  async markChatRead(messageId: string): Promise<void> {
    this.#begin("markChatRead").markChatRead(this, messageId);
  }

  close(): void {
    this.#closed = true;
    this.#world.clients.delete(this);
  }
}

// ---------------------------------------------------------------------------
// A world to play in
// ---------------------------------------------------------------------------

/**
 * A small picture made from a seed: a 60×60 PNG of a 5×5 pattern, mirrored
 * left to right, in a colour of its own on a light background (an
 * "identicon"), a few hundred bytes. The same seed always gives the same
 * image, so tests can predict it; nothing is read from disk.
 *
 * @param seed - anything: a user id, say.
 * @returns the image, of type `image/png`.
 *
 * @example
 * ```ts
 * network.addUser({ id: "dave", name: "Dave", avatar: demoAvatar("dave") });
 * await network.as("bob").setAvatar(demoAvatar("bob, new haircut"));
 * ```
 */
export function demoAvatar(seed: string): DemoAvatar {
  // FNV-1a: 15 bits for the pattern, the rest for the colour.
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(seed)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  const ink = hslToRgb((hash >>> 15) % 360, 0.6, 0.5);
  const paper = [0xf2, 0xf2, 0xf2] as const;
  const CELL = 10;
  const MARGIN = 5;
  const SIZE = 5 * CELL + 2 * MARGIN;
  const filled = (col: number, row: number): boolean => ((hash >>> ((col < 3 ? col : 4 - col) * 5 + row)) & 1) === 1;
  // One filter byte (0: none) and SIZE RGB pixels per row.
  const pixels = new Uint8Array(SIZE * (1 + SIZE * 3));
  for (let y = 0; y < SIZE; y++) {
    const row = y * (1 + SIZE * 3);
    for (let x = 0; x < SIZE; x++) {
      const inside = x >= MARGIN && x < SIZE - MARGIN && y >= MARGIN && y < SIZE - MARGIN;
      const colour = inside && filled(Math.floor((x - MARGIN) / CELL), Math.floor((y - MARGIN) / CELL)) ? ink : paper;
      pixels.set(colour, row + 1 + x * 3);
    }
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, SIZE);
  view.setUint32(4, SIZE);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB, deflate, no filter method, not interlaced
  const data = concatBytes([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(pixels)),
    pngChunk("IEND", new Uint8Array(0)),
  ]);
  return { data, type: "image/png" };
}

/** One PNG chunk: length, type, data, and the CRC-32 of type and data. */
function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const typed = concatBytes([new TextEncoder().encode(type), data]);
  const chunk = new Uint8Array(8 + data.length + 4);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(typed, 4);
  view.setUint32(4 + typed.length, crc32(typed));
  return chunk;
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** An RGB colour from a hue (degrees), saturation and lightness (0–1). */
function hslToRgb(h: number, s: number, l: number): readonly [number, number, number] {
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number): number => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [channel(0), channel(8), channel(4)];
}

/** An account {@link seedDemo} creates, with the password to log in with. */
export interface DemoAccount {
  /** The user id. */
  readonly id: string;
  /** The display name. */
  readonly name: string;
  /** The password. */
  readonly password: string;
}

/** The code the demo network "sends" to the accounts that confirm logins with a code (see {@link DEMO_STEP_ACCOUNTS}). */
export const DEMO_TWO_FACTOR_CODE = "246810";

/** An account of {@link DEMO_STEP_ACCOUNTS}: its password, then a code or a QR code. */
export interface DemoStepAccount extends DemoAccount {
  /** How it confirms a login after the password. */
  readonly verification: DemoVerification;
}

/**
 * The accounts {@link seedDemo} creates that log in in two steps, in no
 * group yet: erin (a code, {@link DEMO_TWO_FACTOR_CODE}) and frank (a QR
 * code, which the demo's phone app scans by itself).
 */
export const DEMO_STEP_ACCOUNTS: readonly DemoStepAccount[] = Object.freeze([
  { id: "erin", name: "Erin", password: "enigma", verification: "code" },
  { id: "frank", name: "Frank", password: "foxtrot", verification: "qr" },
]);

/** The accounts {@link seedDemo} creates: alice, bob and carol. */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = Object.freeze([
  { id: "alice", name: "Alice", password: "wonderland" },
  { id: "bob", name: "Bob", password: "builder" },
  { id: "carol", name: "Carol", password: "christmas" },
]);

/**
 * The badges {@link seedDemo} hands out: an owner's, an admin's, and one
 * just for fun.
 */
export const DEMO_BADGES = Object.freeze({
  owner: Object.freeze({ id: "owner", title: "Owner", hue: 45 }),
  admin: Object.freeze({ id: "admin", title: "Admin", hue: 210 }),
  barista: Object.freeze({ id: "barista", title: "Barista", hue: 25 }),
} satisfies Record<string, DemoBadge>);

/** The friendships {@link seedDemo} makes: alice, bob and carol are each other's friends, and erin and frank. */
export const DEMO_FRIENDSHIPS: readonly (readonly [string, string])[] = Object.freeze([
  ["alice", "bob"],
  ["alice", "carol"],
  ["bob", "carol"],
  ["erin", "frank"],
] as const);

/** Options of {@link startDemoReplies}. */
export interface DemoRepliesOptions {
  /** The users who answer. @default ["bob"] */
  readonly users?: readonly string[];
  /** How long they take: typing starts after this, the answer comes after twice this, ms. @default 1200 */
  readonly delayMs?: number;
}

/**
 * A little life for one-to-one chats: the given users (bob, by default)
 * answer every chat message written to them, after a moment — they type,
 * then answer in a reply quoting it — so that a demo shows a direct chat
 * both ways. Group messages and their own messages get no answer.
 *
 * @param network - the network.
 * @param options - who answers, and how fast.
 * @returns a function that stops the answers (those under way too).
 *
 * @example
 * ```ts
 * const stop = startDemoReplies(network, { delayMs: 10 });
 * await network.as("alice").sendChat("bob", "Are you there?"); // bob types, then answers
 * stop();
 * ```
 */
export function startDemoReplies(network: DemoNetwork, options: DemoRepliesOptions = {}): () => void {
  const users = new Set(options.users ?? ["bob"]);
  const delayMs = options.delayMs ?? 1_200;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (ms: number, fn: () => Promise<unknown>): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn().catch(() => undefined);
    }, ms);
    timers.add(timer);
  };
  const onMessage = ({ message }: DemoChatMessageEvent): void => {
    if (!users.has(message.recipientId) || users.has(message.senderId)) return;
    const me = network.as(message.recipientId);
    const sender = network.getUser(message.senderId)?.name ?? message.senderId;
    const name = network.getUser(message.recipientId)?.name ?? message.recipientId;
    later(delayMs, () => me.setChatTyping(message.senderId, true));
    later(2 * delayMs, () => me.sendChat(message.senderId, `Hi ${sender}! ${name} here, answering “${message.text}” — I'm out for lunch 🥪, back soon.`, { replyTo: message.id }));
  };
  network.on("chatMessage", onMessage);
  return () => {
    network.off("chatMessage", onMessage);
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
}

/**
 * Fill an empty network with a small, believable world:
 *
 * - users alice, bob and carol, with the passwords of {@link DEMO_ACCOUNTS},
 *   each with a picture (`demoAvatar(id)`, see {@link demoAvatar}); bob is
 *   away, "Out for lunch 🥪", the others online;
 * - users erin and frank ({@link DEMO_STEP_ACCOUNTS}), who confirm logins
 *   with a code and a QR code, with pictures, in no group;
 * - friendships ({@link DEMO_FRIENDSHIPS}): alice, bob and carol are each
 *   other's friends, erin and frank too (alice finds them by a search);
 * - `coffee` ("Coffee corner", a group): alice owner (badge "Owner"), bob
 *   admin (badges "Admin" and "Barista"), carol member; a topic set by
 *   carol and a short conversation with a reply;
 * - `announcements` ("Announcements", a channel): alice owner (badge
 *   "Owner"), bob and carol readers, and 200 synthetic readers (no picture,
 *   online); two posts by alice;
 * - `book-club` ("Book club", a group): carol owner (badge "Owner"), alice
 *   member (bob is not in it); a topic and a few messages.
 *
 * Everything is done the way tests do it, through {@link DemoNetwork.as},
 * so the network emits the usual events and the message ids are the first
 * of a fresh network (`msg-1` on, with `{ messageIdPrefix: "msg-" }`).
 *
 * @param network - a network without the users and groups above.
 * @throws {@link DemoNetworkError} `conflict` when they exist already.
 *
 * @example
 * ```ts
 * const network = new DemoNetwork();
 * await seedDemo(network);
 * network.getGroup("announcements")?.memberCount; // 203
 * ```
 */
export async function seedDemo(network: DemoNetwork): Promise<void> {
  for (const account of DEMO_ACCOUNTS) network.addUser({ ...account, avatar: demoAvatar(account.id) });
  for (const account of DEMO_STEP_ACCOUNTS) network.addUser({ ...account, avatar: demoAvatar(account.id) });
  for (const [a, b] of DEMO_FRIENDSHIPS) network.addFriendship(a, b);
  const alice = network.as("alice");
  const bob = network.as("bob");
  const carol = network.as("carol");
  await bob.setPresence("away", "Out for lunch 🥪");

  network.addGroup({
    id: "coffee",
    name: "Coffee corner",
    description: "Where the kettle is always on.",
    kind: "group",
    members: [
      { userId: "alice", role: "owner", badges: [DEMO_BADGES.owner] },
      { userId: "bob", role: "admin", badges: [DEMO_BADGES.admin] },
      { userId: "carol" },
    ],
  });
  await alice.setBadges("coffee", "bob", [DEMO_BADGES.admin, DEMO_BADGES.barista]);
  await carol.setTopic("coffee", "This week's beans: Ethiopia Yirgacheffe");
  await bob.send("coffee", "Morning! Who's making the first pot?");
  const onIt = await alice.send("coffee", "On it ☕");
  await carol.send("coffee", "A flat white for me, please", { replyTo: onIt });

  network.addGroup({
    id: "announcements",
    name: "Announcements",
    description: "News for everyone. Only the staff posts here.",
    topic: "Read-only: questions go to #coffee",
    kind: "channel",
    members: [{ userId: "alice", role: "owner", badges: [DEMO_BADGES.owner] }, { userId: "bob" }, { userId: "carol" }],
  });
  network.populate("announcements", 200);
  await alice.send("announcements", "Welcome to the demo network!");
  await alice.send("announcements", "The office is closed on Friday for the summer party.");

  network.addGroup({
    id: "book-club",
    name: "Book club",
    description: "One book a month, no spoilers before the meeting.",
    kind: "group",
    members: [{ userId: "carol", role: "owner", badges: [DEMO_BADGES.owner] }, { userId: "alice" }],
  });
  await carol.setTopic("book-club", "May: The Left Hand of Darkness");
  await carol.send("book-club", "Halfway through. The ice crossing!");
  await alice.send("book-club", "No spoilers, I'm only on chapter 3 😅");
}
