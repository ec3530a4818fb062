/**
 * Enumerations of the client: why an occupant left, and where a tracked
 * message is.
 *
 * @module
 */

/**
 * Why an occupant (or we) left the room.
 *
 * @category Enums & constants
 */
export const LeaveMode = {
  /** Left of its own accord. */
  NORMAL: "normal",
  /** Kicked (status 307). */
  KICKED: "kicked",
  /** Banned (status 301). */
  BANNED: "banned",
  /** Removed because of an affiliation change (status 321). */
  AFFILIATION_CHANGE: "affiliation-change",
  /** Removed because the room became members-only (status 322). */
  MODERATION_CHANGE: "moderation-change",
  /** Removed because the service is shutting down (status 332). */
  SYSTEM_SHUTDOWN: "system-shutdown",
  /** The room was destroyed. */
  DESTROYED: "destroyed",
  /** Our connection went away and the room is not rejoined. */
  DISCONNECTED: "disconnected",
  /** Removed because of a technical problem (status 333), or an error presence. */
  ERROR: "error",
} as const;
/**
 * One of the {@link LeaveMode} values.
 *
 * @category Enums & constants
 */
export type LeaveMode = (typeof LeaveMode)[keyof typeof LeaveMode];

/**
 * Where a tracked message is (see `MessageTracker`).
 *
 * @category Enums & constants
 */
export const MessageState = {
  /** Sent; nothing heard yet. */
  IN_TRANSIT: "in-transit",
  /** The server acknowledged it (XEP-0198). */
  DELIVERED_TO_SERVER: "delivered-to-server",
  /** The room reflected it back. */
  DELIVERED_TO_RECIPIENT: "delivered-to-recipient",
  /** An error came back; the tracker's `error` holds it. */
  ERROR: "error",
  /** No reflection within the timeout. */
  TIMED_OUT: "timed-out",
  /** We stopped waiting (the room was left before the reflection). */
  ABORTED: "aborted",
  /** The tracker was closed by its user. */
  CLOSED: "closed",
} as const;
/**
 * One of the {@link MessageState} values.
 *
 * @category Enums & constants
 */
export type MessageState = (typeof MessageState)[keyof typeof MessageState];
