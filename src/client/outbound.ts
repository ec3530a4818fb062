/**
 * The one outbound path of a {@link MucService}: an ordered queue that writes
 * only to a live stream (online, bound, stream management settled).
 *
 * - A stanza sent while the stream is down waits, in order, until the next
 *   stream is ready; or, with `queue: false`, is refused at once with a
 *   {@link NotConnectedError}.
 * - A stanza addressed to a room that is rejoining waits until the room has
 *   caught up (its rejoin's subject), and so does everything sent to that
 *   room after it: a room's messages keep their order across any reconnect.
 * - A stanza bound to one stream (`stream: true`, a join presence) is
 *   dropped, not carried over, when that stream ends before it is written.
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { XmppConnection } from "./connection.js";
import { NotConnectedError } from "../common/errors.js";
import type { Logger } from "../common/logger.js";

/** How one stanza goes out. */
export interface OutboundOptions {
  /** Wait while the stream is down (`true`, the default) or fail at once with a {@link NotConnectedError}. */
  readonly queue?: boolean;
  /** The room (bare JID) the stanza belongs to: it waits while that room catches up after a rejoin. */
  readonly room?: string;
  /**
   * Write it on the current stream or not at all (a rejoin presence: the
   * next stream sends its own). Dropped when the stream is down or ends first.
   */
  readonly thisStreamOnly?: boolean;
}

interface Entry {
  readonly stanza: Element;
  readonly room: string | undefined;
  /** The stream it must be written on, for `thisStreamOnly`. */
  readonly stream: number | undefined;
  readonly resolve: (written: boolean) => void;
  readonly reject: (e: unknown) => void;
}

/** Writes stanzas in order, only while the stream is ready. */
export class OutboundQueue {
  readonly #conn: XmppConnection;
  readonly #log: Logger;
  readonly #held: (room: string) => boolean;
  readonly #onReady: (ready: boolean) => void;
  readonly #onWritten: (stanza: Element, room: string | undefined) => void;
  #entries: Entry[] = [];
  #ready = false;
  #flushing = false;
  #closed = false;
  /** The entry being written (still in the queue until it is). */
  #writing: Entry | undefined;
  /** Counts the streams the queue was opened on. */
  #stream = 0;

  /**
   * @param conn - the connection written to.
   * @param log - where failed writes are noted.
   * @param held - whether a room's stanzas must wait (it is rejoining).
   * @param onReady - told each time writing starts or stops.
   * @param onWritten - told of each stanza of the queue once written, with its room.
   */
  constructor(
    conn: XmppConnection,
    log: Logger,
    held: (room: string) => boolean,
    onReady: (ready: boolean) => void = () => {},
    onWritten: (stanza: Element, room: string | undefined) => void = () => {},
  ) {
    this.#conn = conn;
    this.#log = log;
    this.#held = held;
    this.#onReady = onReady;
    this.#onWritten = onWritten;
  }

  #setReady(ready: boolean): void {
    if (this.#ready === ready) return;
    this.#ready = ready;
    this.#onReady(ready);
  }

  /** Whether stanzas are written now. */
  get ready(): boolean {
    return this.#ready;
  }

  /** How many stanzas wait. */
  get size(): number {
    return this.#entries.length;
  }

  /**
   * Send a stanza: written now when the stream is ready and nothing before it
   * waits, else queued.
   *
   * @returns a promise of `true` once the stanza is written (`false`: a
   *   `thisStreamOnly` stanza dropped because its stream ended first).
   * @throws {@link NotConnectedError} (as a rejection) when the stream is down and `queue` is `false`, or the queue is closed.
   */
  send(stanza: Element, options: OutboundOptions = {}): Promise<boolean> {
    if (this.#closed) return Promise.reject(new NotConnectedError("the MUC service is closed"));
    if (options.queue === false && !this.#ready) {
      return Promise.reject(new NotConnectedError(`not connected (status: ${this.#conn.status ?? "unknown"}); not queued as asked`));
    }
    if (options.thisStreamOnly && !this.#ready) {
      this.#log.debug("MucService: a stanza for this stream only is dropped: no stream");
      return Promise.resolve(false);
    }
    return new Promise<boolean>((resolve, reject) => {
      this.#entries.push({ stanza, room: options.room, stream: options.thisStreamOnly ? this.#stream : undefined, resolve, reject });
      this.flush();
    });
  }

  /**
   * Put stanzas of a room back in front of that room's waiting stanzas (the
   * messages a dead stream lost go out before anything newer), then flush.
   * Nobody awaits them: failures are logged.
   */
  requeue(room: string, stanzas: readonly Element[]): void {
    if (stanzas.length === 0 || this.#closed) return;
    const at = this.#entries.findIndex((e) => e.room === room);
    const noop = (): void => {};
    const entries = stanzas.map((stanza) => ({ stanza, room, stream: undefined, resolve: noop, reject: (e: unknown) => this.#log.debug("MucService: a resend failed", e) }));
    this.#entries.splice(at < 0 ? this.#entries.length : at, 0, ...entries);
    this.flush();
  }

  /**
   * Write `prelude` (the joins of a new or resumed stream) ahead of
   * everything, each one's `written` called once it is, then start writing
   * the queue. Nothing is written once the queue is closed.
   *
   * @returns whether the whole prelude was written (else the stream died
   *   again, and the next one sends the joins not written).
   */
  async open(prelude: readonly { readonly stanza: Element; readonly written: () => void }[] = []): Promise<boolean> {
    for (const { stanza, written } of prelude) {
      if (this.#closed) return false;
      try {
        await this.#conn.send(stanza);
      } catch (e) {
        this.#log.debug("MucService: a join presence could not be written", e);
        return false;
      }
      written();
    }
    if (this.#closed) return false;
    this.#stream++;
    this.#setReady(true);
    this.flush();
    return true;
  }

  /**
   * Take back a stanza that waits (its sender gave up on it: a tracker timed
   * out, an IQ was aborted): it is not written, and its send resolves with
   * `false`. Nothing happens when it was written already.
   */
  withdraw(stanza: Element): void {
    const index = this.#entries.findIndex((e) => e.stanza === stanza);
    if (index < 0 || this.#entries[index] === this.#writing) return;
    const [entry] = this.#entries.splice(index, 1) as [Entry];
    entry.resolve(false);
  }

  /** A room was left: what still waits for it is not written (it fails with `error`). */
  dropRoom(room: string, error: unknown): void {
    const kept: Entry[] = [];
    for (const e of this.#entries) {
      if (e.room === room) e.reject(error);
      else kept.push(e);
    }
    this.#entries = kept;
  }

  /** The stream is gone: stop writing; what waits stays queued. */
  pause(): void {
    this.#setReady(false);
  }

  /** Fail everything waiting with `error` and refuse later sends. */
  close(error: unknown): void {
    this.#closed = true;
    this.#ready = false;
    this.failAll(error);
  }

  /** Fail everything waiting with `error` (the client stopped). */
  failAll(error: unknown): void {
    const entries = this.#entries;
    this.#entries = [];
    for (const e of entries) e.reject(error);
  }

  /** Write what may be written now, in order. */
  flush(): void {
    if (this.#flushing || !this.#ready) return;
    this.#flushing = true;
    void this.#drain();
  }

  /** Write entries one after the other; `#flushing` is cleared synchronously with the last look at the queue. */
  async #drain(): Promise<void> {
    for (;;) {
      const index = this.#ready ? this.#nextWritable() : -1;
      if (index < 0) {
        this.#flushing = false;
        return;
      }
      const entry = this.#entries[index] as Entry;
      if (entry.stream !== undefined && entry.stream !== this.#stream) {
        this.#entries.splice(index, 1);
        entry.resolve(false); // its stream ended before it was written
        continue;
      }
      // Left in place while written: it keeps its turn if the write fails, and cannot be withdrawn meanwhile.
      this.#writing = entry;
      try {
        await this.#conn.send(entry.stanza);
      } catch (e) {
        // The socket went away under the write: the stanza was not written
        // (stream management did not count it), so it goes out on the next stream.
        this.#log.debug("MucService: a write failed; the stanza waits for the next stream", e);
        this.#writing = undefined;
        this.#setReady(false);
        this.#flushing = false;
        return;
      }
      this.#writing = undefined;
      const at = this.#entries.indexOf(entry);
      if (at >= 0) this.#entries.splice(at, 1);
      this.#onWritten(entry.stanza, entry.room);
      entry.resolve(true);
    }
  }

  /** The first entry not held back by its room (a held room holds all its later entries too). */
  #nextWritable(): number {
    let blocked: Set<string> | undefined;
    for (let i = 0; i < this.#entries.length; i++) {
      const room = (this.#entries[i] as Entry).room;
      if (room === undefined) return i;
      if (blocked?.has(room)) continue;
      if (!this.#held(room)) return i;
      (blocked ??= new Set()).add(room);
    }
    return -1;
  }
}
