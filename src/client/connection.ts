/**
 * The small surface of an XMPP client entity the MUC client needs. An
 * `@xmpp/client` entity satisfies it, and so does the mock connection of
 * `xmpp-muc-sdk/testing`.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";

/**
 * XEP-0198 stream management as `@xmpp/client` exposes it: whether it is
 * enabled, and (on the runtime object, an event emitter) `ack` / `fail` for
 * each sent stanza and `resumed` when a stream was resumed.
 *
 * @category Low level
 */
export interface StreamManagementLike {
  /** Whether stream management is enabled on the current stream. */
  readonly enabled: boolean;
  /** Whether `<enable/>` was sent and the answer is pending. */
  readonly enableSent?: boolean;
  /** Subscribe to `ack` / `fail` (with the sent stanza) or `resumed` (no argument). */
  on?(event: "ack" | "fail" | "resumed", listener: (stanza?: Element) => void): unknown;
  /** Unsubscribe. */
  removeListener?(event: "ack" | "fail" | "resumed", listener: (stanza?: Element) => void): unknown;
}

/**
 * Events of an {@link XmppConnection} the MUC client listens to.
 *
 * @category Low level
 */
export type ConnectionEvent = "stanza" | "nonza" | "online" | "offline" | "disconnect";

/**
 * What the MUC client needs from an XMPP connection.
 *
 * - `stanza`: every incoming stanza (message, presence, iq), as an ltx element.
 * - `nonza`: other top-level elements (stream management answers).
 * - `online`: a new session is ready (not emitted when a stream is resumed).
 * - `disconnect`: the transport went away (a resumption or a new session may follow).
 * - `offline`: the client stopped.
 *
 * @category Low level
 */
export interface XmppConnection {
  /** Send a stanza. */
  send(stanza: Element): Promise<unknown>;
  /** Subscribe to an event. */
  on(event: "stanza" | "nonza", listener: (element: Element) => void): unknown;
  /** Subscribe to `online` (with the bound full JID). */
  on(event: "online", listener: (jid: JID) => void): unknown;
  /** Subscribe to `offline` or `disconnect`. */
  on(event: "offline" | "disconnect", listener: () => void): unknown;
  /** Unsubscribe. */
  removeListener(event: ConnectionEvent, listener: (...args: never[]) => void): unknown;
  /** The bound full JID, once online. */
  readonly jid?: JID | null;
  /** Connection status (`"online"` when stanzas may be sent). */
  readonly status?: string;
  /** XEP-0198 stream management, where the entity has it. */
  readonly streamManagement?: StreamManagementLike;
}
