/**
 * Errors the client API throws or rejects with, besides {@link XMPPError}.
 *
 * @module
 */
import { causeOption, hasErrorName } from "../xso/errors.js";

/**
 * Options of the client errors.
 *
 * @category Errors
 */
export interface ClientErrorOptions {
  /** The underlying cause. */
  readonly cause?: unknown;
}

/**
 * An operation did not complete in time (a join, an IQ, a leave).
 *
 * @example
 * ```ts
 * await joined.catch((e) => { if (isTimeoutError(e)) retryLater(); });
 * ```
 *
 * @category Errors
 */
export class TimeoutError extends Error {
  /** Always `"TimeoutError"`. */
  override readonly name = "TimeoutError" as const;
  // Set by the constructor: `declare` spares a class field that would define it as undefined first.
  /** How long was waited, in milliseconds. */
  declare readonly timeout: number;

  /**
   * @param message - what timed out.
   * @param timeout - how long was waited, in milliseconds.
   * @param options - the cause.
   */
  constructor(message: string, timeout: number, options: ClientErrorOptions = {}) {
    super(message, causeOption(options.cause));
    this.timeout = timeout;
  }
}

/**
 * Whether `e` is a {@link TimeoutError}, also across realms.
 *
 * @category Errors
 */
export function isTimeoutError(e: unknown): e is TimeoutError {
  return e instanceof TimeoutError || hasErrorName(e, "TimeoutError");
}

/**
 * An operation was aborted through its `AbortSignal`.
 * Its `name` is `"AbortError"`, like the DOM's.
 *
 * @category Errors
 */
export class AbortError extends Error {
  /** Always `"AbortError"`. */
  override readonly name = "AbortError" as const;

  /**
   * @param message - what was aborted.
   * @param options - the cause (the signal's reason).
   */
  constructor(message: string, options: ClientErrorOptions = {}) {
    super(message, causeOption(options.cause));
  }
}

/**
 * Whether `e` is an {@link AbortError} (ours or the DOM's), also across realms.
 *
 * @category Errors
 */
export function isAbortError(e: unknown): e is AbortError {
  return e instanceof AbortError || hasErrorName(e, "AbortError");
}

/**
 * A call that cannot be made in the current state: joining a room already
 * joined, a JID that is not bare, acting in a room that was left.
 *
 * @category Errors
 */
export class MucStateError extends Error {
  /** Always `"MucStateError"`. */
  override readonly name = "MucStateError" as const;

  /**
   * @param message - what is wrong.
   * @param options - the cause.
   */
  constructor(message: string, options: ClientErrorOptions = {}) {
    super(message, causeOption(options.cause));
  }
}

/**
 * Whether `e` is a {@link MucStateError}, also across realms.
 *
 * @category Errors
 */
export function isMucStateError(e: unknown): e is MucStateError {
  return e instanceof MucStateError || hasErrorName(e, "MucStateError");
}

/**
 * A stanza could not be sent because the stream is down, and the caller
 * asked not to queue it (`queue: false`), or the service was closed.
 *
 * @example
 * ```ts
 * await room.sendMessage("now or never", { queue: false }).catch((e) => { if (isNotConnectedError(e)) showOffline(); });
 * ```
 *
 * @category Errors
 */
export class NotConnectedError extends Error {
  /** Always `"NotConnectedError"`. */
  override readonly name = "NotConnectedError" as const;

  /**
   * @param message - what could not be sent, and why.
   * @param options - the cause.
   */
  constructor(message: string, options: ClientErrorOptions = {}) {
    super(message, causeOption(options.cause));
  }
}

/**
 * Whether `e` is a {@link NotConnectedError}, also across realms.
 *
 * @category Errors
 */
export function isNotConnectedError(e: unknown): e is NotConnectedError {
  return e instanceof NotConnectedError || hasErrorName(e, "NotConnectedError");
}
