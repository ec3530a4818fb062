/**
 * Gateway framework: serve another chat network's groups as MUC rooms through
 * an XMPP component (XEP-0114). Subclass {@link BaseGateway},
 * {@link BaseSession}, {@link LegacyBookmarks}, {@link LegacyMUC} and
 * {@link LegacyParticipant}, and start it with `runGateway`.
 *
 * The reference below is grouped by task: the classes a legacy module
 * subclasses (*Gateway & sessions*, *Rooms*), starting the gateway, its
 * store, helpers and errors. `examples/demo-network/module.ts` in the
 * repository is a complete module.
 *
 * @categoryDescription Gateway & sessions
 * The gateway describes the network and checks registrations; one session per
 * registered user logs in to the network and receives what the user does in
 * its rooms (`onText`, `onCorrect`, `onReact`, …).
 *
 * ```ts
 * class Gateway extends BaseGateway {
 *   override componentName = "Chat network";
 *   override async validate(jid: JID, form: Readonly<Record<string, string>>) {
 *     // throw an XMPPError to refuse
 *     await network.checkLogin(form.username ?? "", form.password ?? "");
 *     return { username: form.username ?? "", password: form.password ?? "" };
 *   }
 * }
 * class Session extends BaseSession {
 *   override async login() {
 *     await network.connect(String(this.legacyData.username), String(this.legacyData.password));
 *     return "Connected";
 *   }
 *   override async onText(room: LegacyMUC, text: string) {
 *     return network.send(room.legacyId, text);  // the legacy message id
 *   }
 * }
 * ```
 *
 * @categoryDescription Rooms
 * A user's groups ({@link LegacyBookmarks}), each a room ({@link LegacyMUC},
 * of a {@link MucType}) whose members are puppet occupants
 * ({@link LegacyParticipant}).
 *
 * ```ts
 * class Bookmarks extends LegacyBookmarks {
 *   override async fill() {
 *     for (const group of await network.groups()) await this.byLegacyId(group.id);
 *   }
 * }
 * class Room extends LegacyMUC {
 *   override async updateInfo() {
 *     const group = await network.group(this.legacyId);
 *     this.name = group.name;
 *     this.type = group.isChannel ? MucType.CHANNEL : MucType.GROUP;
 *   }
 *   override async *fillParticipants() {
 *     for (const member of await network.members(this.legacyId)) yield await this.getParticipant(member.name, { legacyId: member.id });
 *   }
 * }
 * // when the network says someone wrote:
 * const author = await room.getParticipant("Bob", { legacyId: "u42" });
 * await author.sendText("Hello from the legacy side", "msg-1001");
 * ```
 *
 * @categoryDescription Contacts
 * The user's contacts on the legacy network and the direct chats with them
 * (slidge's `LegacyContact` and `LegacyRoster`): each contact is
 * `escaped-legacy-id@gateway`, with a name, an avatar and a presence; what
 * the user writes to it reaches the session's hooks with the contact as the
 * chat, and what it writes, edits, deletes, reacts, types and reads goes to
 * the user. `roster.fill()` lists the friends the gateway adds to the user's
 * roster.
 *
 * ```ts
 * class Roster extends LegacyRoster {
 *   override async *fill() {
 *     for (const friend of await api.friends()) yield await this.byLegacyId(friend.id);
 *   }
 * }
 * class Contact extends LegacyContact {
 *   override async updateInfo() {
 *     this.name = (await api.user(this.legacyId)).name;
 *   }
 * }
 * // a direct message from the network:
 * const bob = await session.contacts.byLegacyId("bob");
 * await bob.sendText("Lunch?", "dm-42");
 * ```
 *
 * @categoryDescription Commands
 * What users can ask the gateway itself (slidge's commands): each a
 * {@link Command} subclass answering with text, a {@link CommandForm}, a
 * {@link CommandTable} or a {@link CommandConfirmation}, listed in
 * `BaseGateway.commands`. The gateway serves them as XEP-0050 ad-hoc
 * commands on its JID, and those with a `chatCommand` as chat commands in
 * messages to it (`help` lists them). Built in: register, list my groups,
 * leave a group, create a group, search, unregister.
 *
 * ```ts
 * class Status extends Command {
 *   name = "Network status";
 *   node = "status";
 *   help = "Whether the network is up";
 *   override chatCommand = "status";
 *   async run() {
 *     return (await api.ping()) ? "The network is up" : "The network is down";
 *   }
 * }
 * class Gateway extends BaseGateway {
 *   override commands = [...BaseGateway.defaultCommands, Status];
 * }
 * ```
 *
 * @categoryDescription Running a gateway
 * Start a module with `runGateway` (or the `xmpp-muc-gateway` command); the
 * component connection underneath reconnects by itself.
 *
 * ```ts
 * const running = await runGateway(
 *   { Gateway, Session, Bookmarks, MUC: Room },
 *   { jid: "gateway.example.org", secret: "s3cret", server: "xmpp://127.0.0.1:5347", db: "./gateway.sqlite" },
 * );
 * running.component.on("status", ({ status }) => console.log("component", status));
 * process.on("SIGTERM", () => void running.stop());
 * ```
 *
 * @categoryDescription Store
 * Users, rooms, participants, message-id maps and each room's archive, kept
 * in SQLite by {@link openSqliteStore} (or any {@link GatewayStore}).
 *
 * ```ts
 * const store = openSqliteStore("./gateway.sqlite");
 * for (const user of store.users.list()) console.log(user.jid, user.registeredAt);
 * store.close();
 * ```
 *
 * @categoryDescription Names & helpers
 * Legacy names as JID localparts (XEP-0106) and as safe nicks, and stable
 * occupant ids.
 *
 * ```ts
 * const local = escapeLocalpart("Team Chat @ HQ");  // Team\20Chat\20\40\20HQ
 * const nick = safeNick("  Bob\u0007 ");                            // "Bob"
 * // the same id across restarts
 * const id = occupantIdFor("team@gateway.example.org", "u42");
 * ```
 *
 * @categoryDescription Errors
 * What the framework throws; anything a module's hook throws becomes a stanza
 * error for the user ({@link asXmppError}).
 *
 * ```ts
 * running.component.on("error", (err) => console.error("component gave up:", err.condition));
 * try {
 *   openSqliteStore("./gateway.sqlite");
 * } catch (e) {
 *   if (e instanceof StoreError && e.reason === "schema-too-new") console.error("a newer version wrote this database");
 *   else throw e;
 * }
 * ```
 *
 * @module xmpp-muc-sdk/gateway
 */
export { MucType, mucTypeFeatures, isNonAnonymous } from "./muc-type.js";
export {
  BaseGateway,
  type GatewayInit,
  type LegacyModule,
  type RegistrationField,
  type RegistrationOption,
  type ComponentAvatar,
  type GatewayClass,
  type SessionClass,
  type BookmarksClass,
  type MucClass,
  type RosterClass,
  type ParticipantClass,
} from "./gateway.js";
export { BaseSession, type Chat, type SessionInit, type TextOptions, type MessageActionOptions, type InvitedContact, type AttentionOptions } from "./session.js";
// A doc comment on a re-export statement categorizes the names it takes from another entry point
// (xso), which typedoc lists here as references; the other names keep their own comments' categories.
/** @category Gateway & sessions */
export type { ChatState, ChatMarker } from "../xso/chat-states.js";
export type { InviteOptions } from "./invitations.js";
/** @category Rooms */
export type { Hat, HatInput } from "../xso/hats.js";
export { LegacyBookmarks, type RemoveGroupOptions } from "./bookmarks.js";
export type { RegistrationType, PendingRegistration } from "./registration.js";
export type { SearchResult } from "./commands/search.js";
export type { ResourcePresence } from "./user-presence.js";
export { LegacyContact, type ContactInit, type ContactMessageOptions } from "./contacts/contact.js";
export { LegacyRoster, type ContactClass } from "./contacts/roster.js";
export type { MessageHint, LinkPreview } from "./messages/message-extras.js";
export { MAX_STICKER_BYTES, type Sticker } from "./messages/stickers.js";
export {
  Command,
  CommandAccess,
  CommandForm,
  CommandTable,
  CommandConfirmation,
  RegisterCommand,
  ListGroupsCommand,
  LeaveGroupCommand,
  CreateGroupCommand,
  SearchCommand,
  PreferencesCommand,
  ReloginCommand,
  UnregisterCommand,
  type CommandClass,
  type CommandColumn,
  type CommandContext,
  type CommandResponse,
} from "./commands/commands.js";
export { LegacyMUC, type MucInit, type RemoveOptions, type GetParticipantOptions } from "./muc.js";
export { asXmppError } from "./replies.js";
export type { AddToBookmarksOptions, BookmarkOutcome } from "./pep-bookmarks.js";
/** @category Rooms */
export type { NotificationSetting } from "../xso/bookmarks.js";
export { PrivilegeError, isPrivilegeError, allowsIq, type GrantedPrivileges, type PrivilegeErrorReason, type PrivilegeErrorOptions } from "./privilege.js";
export { LegacyParticipant, type ParticipantInit, type SendTextOptions, type ThreadOption, type ParticipantShow, type ParticipantPresence } from "./participant.js";
export { escapeLocalpart, unescapeLocalpart, safeNick, occupantIdFor } from "./names.js";
export type { ComponentLike, ComponentEvent } from "./component-connection.js";
export * from "./store/index.js";
export { runGateway, readConfig, validateConfig, GatewayConfigError, type GatewayConfig, type GatewayCliConfig, type RunningGateway } from "./run.js";
/** @category Running a gateway */
export {
  ComponentConnection,
  NS_COMPONENT,
  type ComponentConnectionOptions,
  type ComponentStatus,
  type ComponentConnectionEvents,
  type ComponentOnlineEvent,
  type ComponentOfflineEvent,
  type ComponentReconnectingEvent,
  type ComponentStatusEvent,
  type ReconnectOptions,
} from "./component.js";
/** @category Running a gateway */
export { ComponentError, type ComponentErrorCondition, type ComponentErrorOptions } from "./component-errors.js";
