/**
 * The demo legacy network: an in-process chat service (users with a
 * presence and a picture, groups, channels, roles, badges, topics, kicks,
 * bans, history, edits, deletions, reactions and moderators' removals,
 * typing, read positions, direct messages between members, and groups
 * created, renamed, deleted, joined, left and added to) for the gateway
 * examples and tests.
 * See {@link DemoNetwork} to set one up and script its users, and
 * {@link DemoClient} for what a logged-in user (a gateway session) gets.
 *
 * @module
 */
export {
  DEMO_ACCOUNTS,
  DEMO_BADGES,
  demoAvatar,
  DemoNetwork,
  DemoNetworkError,
  isDemoNetworkError,
  seedDemo,
} from "./network.js";
export type {
  DemoAccount,
  DemoAvatar,
  DemoAvatarChangedEvent,
  DemoBadge,
  DemoBadgesChangedEvent,
  DemoClient,
  DemoClientEvents,
  DemoCreateGroupOptions,
  DemoDirectMessage,
  DemoDirectMessageEvent,
  DemoFailureOptions,
  DemoGroup,
  DemoGroupAddedEvent,
  DemoGroupChanges,
  DemoGroupDeletedEvent,
  DemoGroupKind,
  DemoGroupSpec,
  DemoGroupUpdatedEvent,
  DemoHistoryOptions,
  DemoLeaveReason,
  DemoListenerErrorEvent,
  DemoLoginOptions,
  DemoMember,
  DemoMemberJoinedEvent,
  DemoMemberLeftEvent,
  DemoMemberRenamedEvent,
  DemoMemberSpec,
  DemoMessage,
  DemoMessageDeletedEvent,
  DemoMessageEditedEvent,
  DemoMessageEvent,
  DemoNetworkErrorCode,
  DemoNetworkEvents,
  DemoNetworkOptions,
  DemoOperation,
  DemoPopulateOptions,
  DemoPresence,
  DemoPresenceChangedEvent,
  DemoReactionsChangedEvent,
  DemoReadEvent,
  DemoRole,
  DemoRoleChangedEvent,
  DemoSendOptions,
  DemoShow,
  DemoTopic,
  DemoTopicEvent,
  DemoTypingEvent,
  DemoUser,
  DemoUserAddedEvent,
  DemoUserSpec,
} from "./network.js";
