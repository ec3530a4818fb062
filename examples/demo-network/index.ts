/**
 * The demo legacy network: an in-process chat service (users, groups,
 * channels, roles, topics, kicks, bans, history, edits, deletions,
 * reactions and moderators' removals) for the gateway examples and tests.
 * See {@link DemoNetwork} to set one up and script its users, and
 * {@link DemoClient} for what a logged-in user (a gateway session) gets.
 *
 * @module
 */
export {
  DEMO_ACCOUNTS,
  DemoNetwork,
  DemoNetworkError,
  isDemoNetworkError,
  seedDemo,
} from "./network.js";
export type {
  DemoAccount,
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
  DemoReactionsChangedEvent,
  DemoRole,
  DemoRoleChangedEvent,
  DemoSendOptions,
  DemoTopic,
  DemoTopicEvent,
  DemoUser,
  DemoUserAddedEvent,
  DemoUserSpec,
} from "./network.js";
