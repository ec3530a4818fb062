/**
 * The demo legacy network: an in-process chat service (users with a
 * presence and a picture, groups, channels, roles, badges, topics, kicks,
 * bans, history, edits, deletions, reactions and moderators' removals) for
 * the gateway examples and tests.
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
  DemoFailureOptions,
  DemoGroup,
  DemoGroupAddedEvent,
  DemoGroupChanges,
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
  DemoRole,
  DemoRoleChangedEvent,
  DemoSendOptions,
  DemoShow,
  DemoTopic,
  DemoTopicEvent,
  DemoUser,
  DemoUserAddedEvent,
  DemoUserSpec,
} from "./network.js";
