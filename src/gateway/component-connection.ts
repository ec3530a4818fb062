/**
 * The surface of an XMPP component connection (XEP-0114) the gateway needs.
 * `ComponentConnection` implements it over `@xmpp/component-core`; the mock of
 * `xmpp-muc-sdk/testing` implements it for unit tests.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";

/**
 * Events of a component connection.
 *
 * @category Running a gateway
 */
export type ComponentEvent = "stanza" | "online" | "offline";

/**
 * What the gateway needs from its component connection.
 *
 * @category Running a gateway
 */
export interface ComponentLike {
  /** The component's JID (its domain, e.g. `gateway.localhost`). */
  readonly jid: JID;
  /** Send a stanza; queued while the connection is down, sent in order once it is back. */
  send(stanza: Element): Promise<void>;
  /** Every incoming stanza. */
  on(event: "stanza", listener: (stanza: Element) => void): unknown;
  /** Connected and authenticated (also after a reconnect). */
  on(event: "online" | "offline", listener: () => void): unknown;
  /** Unsubscribe. */
  removeListener(event: ComponentEvent, listener: (...args: never[]) => void): unknown;
}
