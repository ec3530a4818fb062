/**
 * The MUC client: {@link MucService} joins rooms and returns {@link Room}s,
 * whose {@link Occupant}s and events follow the room's presences and
 * messages; {@link MessageTracker}s follow sent messages to their reflection.
 * Room creation, configuration, lists and discovery are standalone functions
 * ({@link createRoom}, {@link getRoomConfig}, {@link listRooms}, …) taking
 * the service, so that a browser bundle carries only those it uses.
 *
 * The reference below is grouped by task: start with *Getting started*, then
 * pick the section for what you are doing. The examples assume an
 * `@xmpp/client` entity `xmpp`, a service `muc` and a joined `room`.
 *
 * @categoryDescription Getting started
 * Wrap a connection in a {@link MucService}, join a room with
 * {@link MucService.join} and listen to the {@link RoomEvents} of the
 * {@link Room} it returns. {@link JoinOptions} set the password, the history
 * to ask for ({@link HistoryOptions}) and whether to rejoin after a new stream.
 *
 * ```ts
 * import { client } from "@xmpp/client";
 * import { MucService } from "xmpp-muc-sdk";
 *
 * const xmpp = client({ service: "wss://example.org/xmpp-websocket", domain: "example.org", username: "alice", password: "secret" });
 * const muc = new MucService(xmpp);
 * await xmpp.start();
 * const { room, joined } = muc.join("lobby@conference.example.org", "alice", { history: { maxStanzas: 20 } });
 * room.on("message", ({ nick, body, history }) => console.log(history ? "(earlier)" : "", nick, body));
 * await joined;
 * await room.sendMessage("Hello, lobby!");
 * ```
 *
 * @categoryDescription Joining & presence
 * Our own presence in a room: entering and leaving, suspension while a new
 * stream rejoins, invitations, our show and status, and registration with a
 * members-only room (XEP-0045 §7.10) to get a reserved nick.
 *
 * ```ts
 * room.on("suspend", () => console.log("reconnecting…"));
 * room.on("resume", ({ created }) => console.log("back", created ? "in a new room" : ""));
 * room.on("exit", ({ mode, reason }) => console.log("left:", mode, reason ?? ""));
 * muc.on("invite", ({ room: jid, from, reason }) => console.log(`${from?.toString()} invites us to ${jid.toString()}`, reason ?? ""));
 * await room.changePresence("away", "Lunch");
 * const nick = await getReservedNick(muc, "team@conference.example.org");
 * await room.leave({ status: "Bye" });
 * ```
 *
 * @categoryDescription Occupants
 * Who is in the room: {@link Occupant}s are updated in place and keep their
 * identity across nick changes; their events say what changed.
 *
 * ```ts
 * for (const o of room.occupants) console.log(o.nick, o.role, o.affiliation, o.jid?.toString() ?? "(anonymous)");
 * room.on("join", ({ occupant, initial }) => { if (!initial) console.log(occupant.nick, "joined"); });
 * room.on("nickChange", ({ oldNick, newNick }) => console.log(oldNick, "is now", newNick));
 * room.on("roleChange", ({ occupant, newRole }) => console.log(occupant.nick, "is now a", newRole));
 * const bob = room.getOccupant("bob");
 * // { kind: "inline", type, data }, { kind: "url", url } or undefined
 * if (bob?.avatarHash) console.log(await getAvatar(muc, bob));
 * ```
 *
 * @categoryDescription Messages
 * Sending (plain or tracked to the room's reflection), receiving, chat states
 * and read markers, and the messages that change earlier ones: corrections
 * (XEP-0308), retractions (XEP-0424), replies (XEP-0461) and reactions
 * (XEP-0444).
 *
 * ```ts
 * const tracker = room.sendTrackedMessage("Hi all");
 * console.log(await tracker.done);  // "delivered-to-recipient", "error", "timed-out", …
 * room.on("message", async (m) => {
 *   const refs = messageRefs(m);
 *   // handled by onMessageChange
 *   if (refs.corrects !== undefined || refs.retraction) return;
 *   if (m.stanzaId && !m.own) await sendReactions(muc, room.jid, m.stanzaId, ["👍"]);
 * });
 * onMessageChange(muc, (change) => {
 *   if (change.kind === "correction") console.log(change.nick, "edited", change.target, "to", change.body);
 * });
 * await sendCorrection(muc, room.jid, tracker.id, "Hi everyone");
 * ```
 *
 * @categoryDescription Moderation
 * Roles and affiliations of others (kick, ban, voice), removing others'
 * messages (XEP-0425), voice and registration requests, and the privilege
 * rules that tell which actions a room will accept.
 *
 * ```ts
 * const target = room.getOccupant("mallory");
 * if (room.me && target && canSetRole(room.me, target, "none")) {
 *   await setRole(muc, room.jid, target.nick, "none", { reason: "Spam" });    // kick
 * }
 * await setAffiliation(muc, room.jid, "mallory@example.org", "outcast");      // ban
 * onVoiceRequest(muc, (request) => void request.approve());
 * ```
 *
 * @categoryDescription Administration & configuration
 * Creating, configuring and destroying rooms, and the affiliation and role
 * lists; the configuration is a typed {@link RoomConfig} or raw form fields.
 *
 * ```ts
 * const team = await createRoom(muc, "team@conference.example.org", "alice", {
 *   config: { roomName: "Team", persistent: true, membersOnly: true },
 * });
 * const { config } = await getRoomConfig(muc, team.jid);
 * if (!config.moderated) await setRoomConfig(muc, team.jid, { moderated: true });
 * const members = await getAffiliations(muc, team.jid, "member");
 * await destroyRoom(muc, team.jid, { reason: "Moved elsewhere" });
 * ```
 *
 * @categoryDescription Discovery
 * Which rooms a service has and what a room is (XEP-0030, `muc#roominfo`),
 * before joining it.
 *
 * ```ts
 * for (const { jid, name } of await listRooms(muc, "conference.example.org", { max: 50 })) {
 *   const info = await getRoomInfo(muc, jid);
 *   console.log(name ?? jid.toString(), info.passwordProtected ? "(password)" : "", info.membersOnly ? "(members only)" : "");
 * }
 * ```
 *
 * @categoryDescription Archive (MAM)
 * A room's message archive (XEP-0313), one page at a time.
 *
 * ```ts
 * let page = await queryRoomArchive(muc, room.jid, { start: new Date(Date.now() - 86_400_000), max: 50 });
 * for (;;) {
 *   for (const m of page.messages) console.log(m.stamp?.toISOString(), m.nick, m.body);
 *   if (page.complete || page.last === undefined) break;
 *   page = await queryRoomArchive(muc, room.jid, { start: new Date(Date.now() - 86_400_000), max: 50, after: page.last });
 * }
 * ```
 *
 * @categoryDescription Files
 * Uploading through the server's HTTP upload service (XEP-0363) and sharing
 * the file in a room (XEP-0447, XEP-0066); received files are the
 * `attachments` of `message` events.
 *
 * ```ts
 * const { attachment } = await room.sendFile({ data: bytes, name: "notes.txt", type: "text/plain" });
 * console.log("shared at", attachment.url);
 * room.on("message", ({ nick, attachments }) => {
 *   for (const a of attachments) console.log(nick, "shared", a.name ?? a.url);
 * });
 * ```
 *
 * @categoryDescription Ad-hoc commands
 * XEP-0050 commands that an entity offers — a gateway's registration,
 * preferences or group management, a server's administration: list them
 * ({@link listCommands}) and run one stage by stage ({@link executeCommand}),
 * filling in the data form each stage asks for; register with a gateway
 * ({@link registerWithGateway}) by its register command or by XEP-0077.
 *
 * ```ts
 * let stage = await executeCommand(muc, "gateway.example.org", "preferences");
 * if (stage.status === "executing") stage = await stage.complete({ notifications: true });
 * for (const note of stage.notes) console.log(note.type, note.text);
 * ```
 *
 * @categoryDescription Errors
 * What calls reject with, each with a type guard that works across copies of
 * the package: stanza errors from the server ({@link XMPPError}), timeouts,
 * aborts, calls in the wrong state, sends while disconnected, uploads and
 * malformed answers.
 *
 * ```ts
 * try {
 *   await muc.join("lobby@conference.example.org", "alice").joined;
 * } catch (e) {
 *   if (isXMPPError(e) && e.condition === "conflict") console.log("nick taken");
 *   else if (isTimeoutError(e)) console.log("no answer");
 *   else throw e;
 * }
 * ```
 *
 * @categoryDescription Enums & constants
 * The values events and states take, as const objects usable as names or as
 * plain strings.
 *
 * ```ts
 * room.on("exit", ({ mode }) => {
 *   if (mode === LeaveMode.BANNED) console.log("banned");
 * });
 * const state = await room.sendTrackedMessage("ping").done;
 * if (state !== MessageState.DELIVERED_TO_RECIPIENT) console.log("not delivered:", state);
 * ```
 *
 * @categoryDescription Low level
 * What the client needs from a connection ({@link XmppConnection}, which
 * `@xmpp/client` and the mock connection of `xmpp-muc-sdk/testing` satisfy),
 * the logger it reports to, and the typed {@link Emitter} behind every event.
 *
 * ```ts
 * const logger: Logger = { debug: () => {}, warn: (message, ...details) => console.warn(message, ...details) };
 * const muc = new MucService(xmpp, { logger });
 *
 * class Clock extends Emitter<{ tick: { at: Date } }> {
 *   start() { setInterval(() => this.emit("tick", { at: new Date() }), 1_000); }
 * }
 * ```
 *
 * @module xmpp-muc-sdk
 */
export { MucService, type MucServiceOptions, type MucServiceEvents, type InviteEvent, type DeclineEvent, type JoinResult, type ConnectionChangeEvent } from "./client/service.js";
export { Room, type JoinOptions, type HistoryOptions, type PresenceOptions, type RoomFeatures, type SelfPingSettings, type SendOptions } from "./client/room.js";
export type { StreamGuardOptions } from "./client/stream-guard.js";
export type { LivenessSettings } from "./client/stream-liveness.js";
export type {
  RoomEvents,
  RoomEventBase,
  EnterEvent,
  ExitEvent,
  SuspendEvent,
  ResumeEvent,
  JoinEvent,
  LeaveEvent,
  NickChangeEvent,
  RoleChangeEvent,
  AffiliationChangeEvent,
  StatusChangeEvent,
  HatsChangeEvent,
  AvatarChangeEvent,
  ChatStateEvent,
  DisplayedEvent,
  SubjectChangeEvent,
  MessageEvent,
  ConfigChangeEvent,
} from "./client/room-events.js";
export { Occupant } from "./client/occupant.js";
export {
  requestVoice,
  onVoiceRequest,
  onRegistrationRequest,
  type VoiceRequestEvent,
  type RegistrationRequestEvent,
  type RegistrationRequestOptions,
} from "./client/approvals.js";
// A doc comment on a re-export statement categorizes the names it takes from another entry point
// (xso), which typedoc lists here as references; the other names keep their own comments' categories.
/** @category Messages */
export {
  messageRefs,
  onMessageChange,
  sendCorrection,
  sendReply,
  composeReply,
  sendRetraction,
  sendReactions,
  moderateMessage,
  type MessageRefs,
  type MessageChangeEvent,
  type MessageChangeBase,
  type MessageCorrectionEvent,
  type MessageRetractionEvent,
  type MessageReactionsEvent,
  type ModerateMessageOptions,
  type ReplyOriginal,
  type ComposedMessage,
  type CorrectionOptions,
} from "./client/message-changes.js";
/** @category Messages */
export type { MessageModerated, MessageReply, MessageRetraction, MessageReactions } from "./xso/message-refs.js";
export { queryRoomArchive, type ArchiveQueryOptions, type ArchivedMessage, type ArchivePage } from "./client/archive-query.js";
export {
  getRoomRegistration,
  registerWithRoom,
  getReservedNick,
  getUniqueRoomName,
  type RoomRegistrationInfo,
} from "./client/room-registration.js";
/** @category Joining & presence */
export type { RoomRegistration } from "./xso/muc-forms.js";
export { canSetRole, canSetAffiliation, canSendToAll, canSetSubject, canConfigureRoom, type Standing } from "./client/privileges.js";
export { MessageTracker, type MessageStateChange, type MessageTrackerEvents } from "./client/tracker.js";
export { LeaveMode, MessageState } from "./client/enums.js";
export { Emitter, type Listener, type EventMap, type ListenerErrorHandler } from "./common/emitter.js";
export { TimeoutError, AbortError, MucStateError, NotConnectedError, isTimeoutError, isAbortError, isMucStateError, isNotConnectedError, type ClientErrorOptions } from "./common/errors.js";
export type { XmppConnection, StreamManagementLike, ConnectionEvent } from "./client/connection.js";
export type { Logger } from "./common/logger.js";
export { SelfPingResult } from "./client/self-ping.js";
export {
  setRole,
  setAffiliation,
  setAffiliations,
  createRoom,
  createInstantRoom,
  getRoomConfig,
  setRoomConfig,
  cancelRoomConfig,
  destroyRoom,
  getAffiliations,
  getRoleList,
  getRoomInfo,
  listRooms,
  type AffiliationChange,
  type SetRoleOptions,
  type SetAffiliationOptions,
  type CreateRoomOptions,
  type DestroyRoomOptions,
  type AdminRequestOptions,
  type AffiliationEntry,
  type RoleEntry,
  type ListedAffiliation,
  type ListedRole,
  type RoomConfigInput,
  type RoomConfigResult,
  type RoomInfoResult,
  type RoomListItem,
  type ListRoomsOptions,
} from "./client/room-admin.js";
export { getAvatar, type Avatar, type InlineAvatar, type UrlAvatar } from "./client/avatar.js";
export { uploadFile } from "./client/upload.js";
export { UploadError, isUploadError, type UploadFile, type UploadOptions } from "./common/http-upload.js";
export { listCommands, executeCommand, type CommandItem, type CommandNote, type CommandStage, type CommandValues } from "./client/commands.js";
export {
  registerWithGateway,
  type GatewayRegistrationStep,
  type GatewayRegistrationOptions,
  type GatewayRegistrationResult,
} from "./client/gateway-registration.js";
/** @category Files */
export type { Attachment } from "./xso/file-sharing.js";
export type { SentFile } from "./client/room.js";
/** @category Errors */
export { XMPPError, isXMPPError, type XMPPErrorOptions, type StanzaErrorCondition, type StanzaErrorType } from "./xso/stanza-error.js";
/** @category Errors */
export { DecodeError, isDecodeError } from "./xso/errors.js";
/** @category Enums & constants */
export { AFFILIATIONS, ROLES, StatusCode, type Affiliation, type Role, type KnownStatusCode, type MucActor } from "./xso/muc-user.js";
/** @category Joining & presence */
export type { PresenceShow } from "./xso/presence.js";
/** @category Messages */
export { CHAT_STATES, type ChatState } from "./xso/chat-states.js";
/** @category Administration & configuration */
export type { RoomConfig, RoomInfo } from "./xso/muc-forms.js";
/** @category Administration & configuration */
export type { DataForm } from "./xso/data-form.js";
