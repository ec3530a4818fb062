/**
 * The MUC client: {@link MucService} joins rooms and returns {@link Room}s,
 * whose {@link Occupant}s and events follow the room's presences and
 * messages; {@link MessageTracker}s follow sent messages to their reflection.
 * Room creation, configuration, lists and discovery are standalone functions
 * ({@link createRoom}, {@link getRoomConfig}, {@link listRooms}, …) taking
 * the service, so that a browser bundle carries only those it uses.
 *
 * @module xmpp-muc-sdk
 */
export { MucService, type MucServiceOptions, type MucServiceEvents, type InviteEvent, type DeclineEvent, type JoinResult, type ConnectionChangeEvent } from "./client/service.js";
export { Room, type JoinOptions, type HistoryOptions, type PresenceOptions, type RoomFeatures, type SelfPingSettings, type SendOptions } from "./client/room.js";
export type { StreamGuardOptions } from "./client/stream-guard.js";
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
export type { MessageModerated, MessageReply, MessageRetraction, MessageReactions } from "./xso/message-refs.js";
export { queryRoomArchive, type ArchiveQueryOptions, type ArchivedMessage, type ArchivePage } from "./client/archive-query.js";
export {
  getRoomRegistration,
  registerWithRoom,
  getReservedNick,
  getUniqueRoomName,
  type RoomRegistrationInfo,
} from "./client/room-registration.js";
export type { RoomRegistration } from "./xso/muc-forms.js";
export { canSetRole, canSetAffiliation, canSendToAll, canSetSubject, canConfigureRoom, type Standing } from "./client/privileges.js";
export { MessageTracker, type MessageStateChange, type MessageTrackerEvents } from "./client/tracker.js";
export { LeaveMode, MessageState } from "./client/enums.js";
export { Emitter, type Listener, type EventMap, type ListenerErrorHandler } from "./client/emitter.js";
export { TimeoutError, AbortError, MucStateError, NotConnectedError, isTimeoutError, isAbortError, isMucStateError, isNotConnectedError, type ClientErrorOptions } from "./client/errors.js";
export type { XmppConnection, StreamManagementLike, ConnectionEvent } from "./client/connection.js";
export type { Logger } from "./client/logger.js";
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
export { uploadFile, UploadError, isUploadError, type UploadFile, type UploadOptions } from "./client/upload.js";
export type { Attachment } from "./xso/file-sharing.js";
export type { SentFile } from "./client/room.js";
export { XMPPError, isXMPPError, type XMPPErrorOptions, type StanzaErrorCondition, type StanzaErrorType } from "./xso/stanza-error.js";
export { DecodeError, isDecodeError } from "./xso/errors.js";
export { AFFILIATIONS, ROLES, StatusCode, type Affiliation, type Role, type KnownStatusCode, type MucActor } from "./xso/muc-user.js";
export type { PresenceShow } from "./xso/presence.js";
export { CHAT_STATES, type ChatState } from "./xso/chat-states.js";
export type { RoomConfig, RoomInfo } from "./xso/muc-forms.js";
export type { DataForm } from "./xso/data-form.js";
