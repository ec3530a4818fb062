/**
 * The errors of a {@link ComponentConnection}: why a component connection
 * failed or a send was refused ({@link ComponentError} and its conditions),
 * which of them retrying cannot fix, and how whatever ended a connection
 * attempt (a stream error, a timeout, a socket failure) becomes one.
 *
 * @module
 */
import type { StreamErrorLike } from "@xmpp/component-core";
import type { Element } from "@xmpp/xml";
import type { ComponentConnection, ComponentConnectionOptions } from "./component.js";

/**
 * Why a component connection failed or a send was refused.
 *
 * - The RFC 6120 §4.9.3 stream error conditions, when the server sent a
 *   `<stream:error/>` (Prosody: `not-authorized` for a wrong secret,
 *   `conflict` when the domain already has a component connected,
 *   `host-unknown` when no component is configured for the domain). A
 *   condition the RFC does not define is reported as `undefined-condition`.
 * - `connection-failed`: the TCP connection could not be made or was closed
 *   before the handshake completed, without a stream error.
 * - `timeout`: connecting, opening the stream and the handshake took longer
 *   than {@link ComponentConnectionOptions.connectTimeout}.
 * - `queue-full`: {@link ComponentConnection.send} while the queue already
 *   holds {@link ComponentConnectionOptions.queueLimit} stanzas.
 * - `stopped`: the connection was stopped (a pending `start()`, queued sends,
 *   sends after `stop()`).
 *
 * @category Errors
 */
export type ComponentErrorCondition =
  | "bad-format"
  | "bad-namespace-prefix"
  | "conflict"
  | "connection-timeout"
  | "host-gone"
  | "host-unknown"
  | "improper-addressing"
  | "internal-server-error"
  | "invalid-from"
  | "invalid-namespace"
  | "invalid-xml"
  | "not-authorized"
  | "not-well-formed"
  | "policy-violation"
  | "remote-connection-failed"
  | "reset"
  | "resource-constraint"
  | "restricted-xml"
  | "see-other-host"
  | "system-shutdown"
  | "undefined-condition"
  | "unsupported-encoding"
  | "unsupported-feature"
  | "unsupported-stanza-type"
  | "unsupported-version"
  | "connection-failed"
  | "timeout"
  | "queue-full"
  | "stopped";

const STREAM_CONDITIONS: ReadonlySet<string> = new Set([
  "bad-format",
  "bad-namespace-prefix",
  "conflict",
  "connection-timeout",
  "host-gone",
  "host-unknown",
  "improper-addressing",
  "internal-server-error",
  "invalid-from",
  "invalid-namespace",
  "invalid-xml",
  "not-authorized",
  "not-well-formed",
  "policy-violation",
  "remote-connection-failed",
  "reset",
  "resource-constraint",
  "restricted-xml",
  "see-other-host",
  "system-shutdown",
  "undefined-condition",
  "unsupported-encoding",
  "unsupported-feature",
  "unsupported-stanza-type",
  "unsupported-version",
]);

/**
 * Stream errors that reconnecting cannot cure: the secret or the domain is
 * wrong, or the stream we open is malformed. (`conflict` is handled apart:
 * see {@link ComponentConnection}.)
 */
export const FATAL_CONDITIONS: ReadonlySet<ComponentErrorCondition> = new Set<ComponentErrorCondition>([
  "not-authorized",
  "host-unknown",
  "improper-addressing",
  "invalid-namespace",
  "bad-namespace-prefix",
  "unsupported-version",
]);

/**
 * Options of {@link ComponentError}.
 *
 * @category Errors
 */
export interface ComponentErrorOptions {
  /** Human-readable detail (for a stream error: its `<text/>`). */
  readonly text?: string;
  /** The `<stream:error/>` the server sent, when there was one. */
  readonly element?: Element;
  /** The underlying error (a socket error, a timeout). */
  readonly cause?: unknown;
}

/**
 * A failure of a {@link ComponentConnection}: a rejected `start()`, a fatal
 * error while reconnecting (the `error` event), or a refused `send()`.
 *
 * @example
 * ```ts
 * try {
 *   await component.start();
 * } catch (err) {
 *   if (err instanceof ComponentError && err.condition === "not-authorized") console.error("wrong component secret");
 *   throw err;
 * }
 * ```
 *
 * @category Errors
 */
export class ComponentError extends Error {
  /** What went wrong; see {@link ComponentErrorCondition}. */
  readonly condition: ComponentErrorCondition;
  /** The detail text, e.g. the server's `<text/>` ("Component already connected"). */
  readonly text: string | undefined;
  /** The `<stream:error/>` element, for stream errors. */
  readonly element: Element | undefined;

  /**
   * @param condition - what went wrong.
   * @param options - text, stream error element, cause.
   */
  constructor(condition: ComponentErrorCondition, options: ComponentErrorOptions = {}) {
    super(options.text ? `${condition}: ${options.text}` : condition, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ComponentError";
    this.condition = condition;
    this.text = options.text;
    this.element = options.element;
  }
}

export function isStreamError(error: unknown): error is StreamErrorLike {
  return error instanceof Error && error.name === "StreamError" && typeof (error as { condition?: unknown }).condition === "string";
}

export function fromStreamError(error: StreamErrorLike): ComponentError {
  const condition = STREAM_CONDITIONS.has(error.condition) ? (error.condition as ComponentErrorCondition) : "undefined-condition";
  const text = error.text || (condition === error.condition ? undefined : error.condition);
  return new ComponentError(condition, {
    ...(text ? { text } : {}),
    ...(error.element ? { element: error.element } : {}),
  });
}

/** Turns whatever ended a connection attempt into a {@link ComponentError}. */
export function toComponentError(error: unknown): ComponentError {
  if (error instanceof ComponentError) return error;
  if (isStreamError(error)) return fromStreamError(error);
  if (error instanceof Error && error.name === "TimeoutError") {
    return new ComponentError("timeout", { text: "the server did not answer in time", cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ComponentError("connection-failed", { text: message, cause: error });
}
