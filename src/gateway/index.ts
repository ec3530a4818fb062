/**
 * Gateway framework: serve another chat network's groups as MUC rooms through
 * an XMPP component (XEP-0114). Subclass {@link BaseGateway},
 * {@link BaseSession}, {@link LegacyBookmarks}, {@link LegacyMUC} and
 * {@link LegacyParticipant}, and start it with `runGateway`.
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
  type ParticipantClass,
} from "./gateway.js";
export { BaseSession, type SessionInit, type TextOptions, type MessageActionOptions, type InvitedContact, type AttentionOptions } from "./session.js";
export type { ChatState, ChatMarker } from "../xso/chat-states.js";
export type { InviteOptions } from "./invitations.js";
export type { Hat, HatInput } from "../xso/hats.js";
export { LegacyBookmarks, type RemoveGroupOptions } from "./bookmarks.js";
export { LegacyMUC, type MucInit, type RemoveOptions, type GetParticipantOptions } from "./muc.js";
export { asXmppError } from "./replies.js";
export type { AddToBookmarksOptions, BookmarkOutcome } from "./pep-bookmarks.js";
export type { NotificationSetting } from "../xso/bookmarks.js";
export { PrivilegeError, isPrivilegeError, allowsIq, type GrantedPrivileges, type PrivilegeErrorReason, type PrivilegeErrorOptions } from "./privilege.js";
export { LegacyParticipant, type ParticipantInit, type SendTextOptions, type ThreadOption, type ParticipantShow, type ParticipantPresence } from "./participant.js";
export { escapeLocalpart, unescapeLocalpart, safeNick, occupantIdFor } from "./names.js";
export type { ComponentLike, ComponentEvent } from "./component-connection.js";
export * from "./store/index.js";
export { runGateway, readConfig, validateConfig, GatewayConfigError, type GatewayConfig, type GatewayCliConfig, type RunningGateway } from "./run.js";
export {
  ComponentConnection,
  ComponentError,
  NS_COMPONENT,
  type ComponentConnectionOptions,
  type ComponentErrorCondition,
  type ComponentErrorOptions,
  type ComponentStatus,
  type ComponentConnectionEvents,
  type ComponentOnlineEvent,
  type ComponentOfflineEvent,
  type ComponentReconnectingEvent,
  type ComponentStatusEvent,
  type ReconnectOptions,
} from "./component.js";
