/**
 * The stream's life cycle, as the MUC service's rooms live through it:
 * which session the stream is on and when it is ready for stanzas; at each
 * change, what the rooms do — a new session rejoins them and resends the
 * joins under way, a resumption writes the joins not written on it yet, a
 * dead stream holds the queue, the client's stop ends them — and the window
 * between a new stream's features and its rejoins, when what a room sends is
 * about the dead session's occupancy. Not part of the package's API.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import { NS_BIND, NS_SM, NS_STREAMS } from "../xso/ns.js";
import { NotConnectedError } from "../common/errors.js";
import type { XmppConnection } from "./connection.js";
import type { OutboundQueue } from "./outbound.js";
import { roomCore, type Room } from "./room.js";

/** How long a new session waits for stream management to settle before it writes anyway (ms). */
const SETTLE_TIMEOUT = 5_000;

/** The sessions of one connection, for one service's rooms. */
export class StreamSessions {
  readonly #conn: XmppConnection;
  readonly #queue: OutboundQueue;
  readonly #rooms: () => readonly Room[];
  /** The session (stream with its own binding) each room's join was written on. */
  readonly #joinSession = new WeakMap<Room, number>();
  /** Counts sessions: a new one starts with each `online` (not with a resumption). */
  #session = 0;
  /** Counts stream changes; a wait for stream management that outlives its stream is void. */
  #epoch = 0;
  /** Ends the wait for stream management to settle (when the service closes meanwhile). */
  #cancelSettle: (() => void) | undefined;
  /** Whether the last stream features offered stream management (`undefined`: not seen). */
  #smOffered: boolean | undefined;
  #betweenSessions = false;

  /**
   * @param conn - the connection.
   * @param queue - the service's outbound queue, paused and opened here.
   * @param rooms - the service's rooms now.
   */
  constructor(conn: XmppConnection, queue: OutboundQueue, rooms: () => readonly Room[]) {
    this.#conn = conn;
    this.#queue = queue;
    this.#rooms = rooms;
  }

  /**
   * A stream is negotiating (its features offered resource binding) and was
   * neither resumed nor made a new session of yet, so the rooms still hold
   * the old session's occupancy. Stanzas come on such a stream only after
   * `<resumed/>` (which ends this first) or after a new bind: what our rooms
   * send now reaches the new session, yet is about the old one's occupancy
   * (ejabberd ends it when the new session binds the same resource, and goes
   * on relaying the room's live messages to that full JID until then).
   */
  get betweenSessions(): boolean {
    return this.#betweenSessions;
  }

  /** Stream features and `<resumed/>`, as the connection reports them. */
  onNonza(el: Element): void {
    // `<resumed/>`: the old session goes on, and what the server sends next
    // (first the stanzas we had not acknowledged, in the same read) belongs
    // to it. Stream management reports the resumption only later, once our
    // own unacknowledged stanzas are written again: too late for those.
    if (el.is("resumed", NS_SM)) {
      this.#betweenSessions = false;
      return;
    }
    // `<stream:features/>`: ltx keeps the prefix in `name`.
    if (!el.is("features", NS_STREAMS)) return;
    this.#smOffered = el.getChild("sm", NS_SM) !== undefined;
    // The features after authentication: a resumption or a new session follows.
    if (el.getChild("bind", NS_BIND) !== undefined) this.#betweenSessions = true;
  }

  /** Write a room's first join on the current stream (a later stream writes its own). */
  sendJoin(room: Room): void {
    // Handed to a live stream: if that stream dies first, the next one's start sends the join again.
    roomCore(room).joinWritten();
    this.sendJoinPresence(room, roomCore(room).joinStanza(false)).catch((e: unknown) => roomCore(room).joinSendFailed(e));
  }

  /**
   * Write a join presence on the current stream only; once written, it is
   * the room's join of this session (a resumption does not send it again).
   *
   * @returns whether it was written (else the next stream, or the resumption, sends one).
   */
  async sendJoinPresence(room: Room, stanza: Element): Promise<boolean> {
    const session = this.#session;
    // This presence is the room's join now: one written before on this session no longer counts.
    this.#joinSession.delete(room);
    const written = await this.#queue.send(stanza, { thisStreamOnly: true });
    if (written) this.#joinWritten(room, session);
    return written;
  }

  /**
   * A new session is online: once stream management is settled, rejoin the
   * rooms we were in and (re)send the joins under way, then write the queue.
   * State of the dead stream is void: joins written on it are not written
   * again, only the new session's own.
   */
  async streamUp(): Promise<void> {
    const epoch = ++this.#epoch;
    this.#queue.pause();
    const sm = this.#conn.streamManagement;
    // Settled already (no stream management, or enabled): start at once, so `suspend` fires with `online`.
    if (sm && !sm.enabled && this.#smOffered !== false) await this.#streamManagementSettled();
    if (epoch !== this.#epoch || this.#conn.status !== "online") return;
    const session = ++this.#session;
    const prelude: { stanza: Element; written: () => void }[] = [];
    for (const room of this.#rooms()) {
      const stanza = roomCore(room).streamReplaced();
      if (stanza !== undefined) prelude.push({ stanza, written: () => this.#joinWritten(room, session) });
    }
    // The rooms have dropped the dead session's state: what the rooms send from now on answers the new session's joins.
    this.#betweenSessions = false;
    // A listener of the rooms' `suspend` may have closed the service, or the stream died meanwhile.
    if (epoch !== this.#epoch) return;
    await this.#queue.open(prelude);
  }

  /** A stream was resumed (XEP-0198): rooms are as they were; write the joins asked for meanwhile, then the queue. */
  streamResumed(): void {
    const epoch = ++this.#epoch;
    // What the server sends after <resumed/> belongs to the session the rooms know (a kick while we were away counts).
    this.#betweenSessions = false;
    // @xmpp/client reports the resumption just before it marks the stream online.
    queueMicrotask(() => {
      if (epoch !== this.#epoch) return;
      // The joins and rejoins not written on this session yet: asked for while the stream was down, or cut off with it.
      const prelude: { stanza: Element; written: () => void }[] = [];
      const session = this.#session;
      for (const room of this.#rooms()) {
        const core = roomCore(room);
        if ((core.joining || core.rejoining) && this.#joinSession.get(room) !== session) {
          prelude.push({ stanza: core.joinStanza(core.rejoining), written: () => this.#joinWritten(room, session) });
        }
      }
      void this.#queue.open(prelude);
    });
  }

  /** The stream died: nothing is written until the next one is ready; without stream management on it, the rooms decide what it lost. */
  streamDown(): void {
    this.#epoch++;
    this.#queue.pause();
    for (const room of this.#rooms()) roomCore(room).streamDied();
  }

  /** The client stopped: rooms are left (DISCONNECTED) and what waits to be sent fails. */
  offline(): void {
    this.#epoch++;
    this.#betweenSessions = false;
    this.#queue.pause();
    for (const room of this.#rooms()) roomCore(room).connectionClosed();
    this.#queue.failAll(new NotConnectedError("the client stopped"));
  }

  /** The service closed: a wait under way ends, and nothing started here goes on. */
  close(): void {
    this.#epoch++;
    this.#cancelSettle?.();
  }

  #joinWritten(room: Room, session: number): void {
    this.#joinSession.set(room, session);
    roomCore(room).joinWritten();
  }

  /**
   * Resolves once stream management is settled on the new session:
   * `@xmpp/client` emits `online` before `<enable/>` is answered, and
   * stanzas sent before `<enabled/>` arrives make the acknowledgement
   * counters disagree (Prosody then closes the stream). Settled on
   * `<enabled/>`, `<failed/>`, when the session has no stream management, or
   * after 5 s.
   */
  async #streamManagementSettled(): Promise<void> {
    const sm = this.#conn.streamManagement;
    if (!sm || sm.enabled || this.#smOffered === false) return;
    if (this.#smOffered === undefined) {
      // Features not seen (the stream was up before us): <enable/> follows `online` at once if it comes.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      if (sm.enabled || !sm.enableSent) return;
    }
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#conn.removeListener("nonza", onNonza);
        this.#conn.removeListener("disconnect", done);
        if (this.#cancelSettle === done) this.#cancelSettle = undefined;
        resolve();
      };
      this.#cancelSettle = done;
      const onNonza = (el: Element): void => {
        if (el.attrs.xmlns === NS_SM && (el.name === "enabled" || el.name === "failed")) done();
      };
      const timer = setTimeout(done, SETTLE_TIMEOUT);
      this.#conn.on("nonza", onNonza);
      this.#conn.on("disconnect", done);
    });
  }
}
