/**
 * What a room needs from its service ({@link MucService} gives it): the
 * outbound queue, the IQ client, the stream's state, and the room's
 * redeliveries and archive reads. Not part of the package's API.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import type { IqClient } from "./iq.js";
import type { Logger } from "../common/logger.js";
import type { OutboundOptions } from "./outbound.js";
import type { ArchivedAfter } from "./archive-fill.js";
import type { Room, SelfPingSettings } from "./room.js";

/** What the room needs from its service. */
export interface RoomContext {
  /** Send a stanza through the service's queue (written once the stream is ready). */
  send(stanza: Element, options?: OutboundOptions): Promise<unknown>;
  /** Put stanzas a dead stream lost back in front of the room's waiting ones. */
  requeue(room: Room, stanzas: readonly Element[]): void;
  /** The room caught up after a rejoin: its waiting stanzas may go. */
  release(): void;
  /** IQs. */
  readonly iq: IqClient;
  /** Diagnostics. */
  readonly log: Logger;
  /** Our full JID, once online. */
  ownJid(): JID | undefined;
  /** Whether the stream is ready (stanzas are written now). */
  connected(): boolean;
  /** Whether sends wait while disconnected, when they do not say. */
  readonly queueWhileOffline: boolean;
  /** How long a join or a rejoin waits for the room's answer (ms). */
  readonly joinTimeout: number;
  /** Default tracker timeout (ms). */
  readonly trackerTimeout: number | undefined;
  /** XEP-0410 self-ping settings, or `false` for none. */
  readonly selfPing: SelfPingSettings | false;
  /**
   * The room is gone (left, destroyed, failed to join). `abandoned`: the join
   * timed out or was aborted, so a late confirmation must be answered by
   * leaving.
   */
  closed(room: Room, abandoned: boolean): void;
  /** Write a join presence of the room on the current stream only; resolves with whether it was written. */
  sendJoin(room: Room, stanza: Element): Promise<boolean>;
  /** Take back a stanza still waiting to be written (its sender gave up on it). */
  withdraw(stanza: Element): void;
  /** Fail what waits to be sent to the room with `error`. */
  dropQueued(room: Room, error: unknown): void;
  /** Whether a new stream is negotiating its session: what the rooms send now is about the dead one's occupancy. */
  betweenSessions(): boolean;
  /** Handle messages the room held back (see `RoomSync.holdLive`), in order, as if they came now. */
  redeliver(stanzas: readonly Element[]): void;
  /** What the room's archive holds after the message with this stanza-id (see `archive-fill.ts`). */
  archivedAfter(room: Room, after: string, limit: number): Promise<ArchivedAfter>;
}
