/**
 * Our own minimal typings for the parts of `@xmpp/component-core` 0.13 that
 * {@link ComponentConnection} uses. The package is CommonJS and ships no
 * types (neither does DefinitelyTyped). Only what `component.ts` touches is
 * declared; see `node_modules/@xmpp/component-core/lib/Component.js` and
 * `@xmpp/connection` (0.13) for the behaviour described here.
 *
 * Nothing exported from this SDK mentions these types, so the emitted `.d.ts`
 * files never depend on this ambient module.
 */
declare module "@xmpp/component-core" {
  import type { Socket } from "node:net";
  import type { Element } from "@xmpp/xml";

  /** Options of {@link Component}. */
  export interface ComponentOptions {
    /** `xmpp://host[:port]`; the port defaults to 5347. */
    service: string;
    /** The component's domain, sent as `to` of the stream header. */
    domain: string;
  }

  /** Options of {@link Component.open}. */
  export interface OpenOptions {
    /** `to` of the stream header. */
    domain: string;
    /** `xml:lang` of the stream header. */
    lang?: string;
    /** How long to wait for the server's stream header, in ms (default {@link Component.timeout}). */
    timeout?: number;
  }

  /**
   * The error `@xmpp/connection` emits (as an `error` event) for a received
   * `<stream:error/>`; it is not exported, so recognise it by `name`.
   */
  export interface StreamErrorLike extends Error {
    /** `"StreamError"`. */
    readonly name: string;
    /** Local name of the defined condition element, e.g. `not-authorized`. */
    readonly condition: string;
    /** The `<text/>` of the error, or `""`. */
    readonly text: string;
    /** The `<stream:error/>` element itself. */
    readonly element?: Element;
  }

  /** Payload of the `disconnect` event. */
  export interface DisconnectInfo {
    /** Whether the socket closed without a transmission error. */
    readonly clean: boolean;
  }

  /**
   * An XEP-0114 component connection over TCP. One instance handles one
   * socket at a time; the `status` after a lost socket is `"disconnect"`, and
   * {@link Component.start} refuses to run unless it is `"offline"`.
   */
  export class Component {
    /** @param options - service and domain. */
    constructor(options: ComponentOptions);
    /** Lifecycle status: `offline`, `connecting`, `connect`, `opening`, `open`, `online`, `closing`, `close`, `disconnecting`, `disconnect`. */
    status: string;
    /** The current socket, or `null`. */
    socket: Socket | null;
    /** Timeout in ms of `open`, `close`, `disconnect` and `sendReceive` (default 2000). */
    timeout: number;
    /** Opens the socket to `service` (rejects on a socket error). */
    connect(service: string): Promise<void>;
    /** Writes the stream header; resolves with the server's header element. */
    open(options: OpenOptions): Promise<Element>;
    /**
     * Sends `<handshake>` = hex SHA-1 of stream id + secret and waits for the
     * next element; resolves (and emits `online`) when it is `<handshake/>`.
     * Rejects with the stream error the server sent instead, or "Unexpected
     * server response".
     */
    authenticate(id: string, password: string): Promise<void>;
    /**
     * Writes a top-level element. Stanzas without `from` get the component's
     * domain. Sets `element.parent` to the stream header (mutates `element`).
     */
    send(element: Element): Promise<void>;
    /** Closes the stream (`</stream:stream>`), waits for the server's, closes the socket. Never rejects. */
    stop(): Promise<Element | undefined>;

    /**
     * `open` (the server's stream header), `close` (the server's
     * `</stream:stream>`), `stanza`, `nonza`, `element` (each top-level
     * element received), `send`; `error`; `disconnect` (the socket closed);
     * `online`, `offline`, `connect`; `status` (every status change);
     * `input`, `output` (raw data).
     */
    on(event: "open" | "close" | "stanza" | "nonza" | "element" | "send", listener: (element: Element) => void): this;
    on(event: "error", listener: (error: Error) => void): this;
    on(event: "disconnect", listener: (info: DisconnectInfo) => void): this;
    on(event: "online" | "offline" | "connect", listener: () => void): this;
    on(event: "status", listener: (status: string) => void): this;
    on(event: "input" | "output", listener: (data: string) => void): this;
    /** Remove every listener of `event`, or of every event. */
    removeAllListeners(event?: string): this;
  }
}
