/**
 * The join presences a room was sent whose answer may still come. A join
 * written on a stream that then died may still have reached the room, and
 * the room may answer it late, to the new session that bound the same full
 * JID. ejabberd answers a join from a full JID already in the room by
 * ending that occupancy (an unavailable self-presence without a removal
 * code) and then joining it afresh: self-presence (carrying the join's
 * `id`), history, subject. Knowing which joins are outstanding tells that
 * answer from a removal. Part of a room's state; not part of the
 * package's API.
 *
 * @module
 */
import { monotonicNow } from "../common/timers.js";

/** Joins remembered at most (the oldest is forgotten first). */
const LIMIT = 16;

/** The joins of one room whose self-presence has not come yet. */
export class JoinAnswers {
  /** Join ids in the order they were made, with when. */
  #outstanding: { readonly id: string; readonly at: number }[] = [];
  /** How long a join's answer may take before the join counts as lost (ms). */
  readonly #patience: () => number;

  /** @param patience - how long an answer may take (the join timeout), read at each use. */
  constructor(patience: () => number) {
    this.#patience = patience;
  }

  /** A join presence with this `id` is about to be written. */
  sent(id: string): void {
    this.#outstanding.push({ id, at: monotonicNow() });
    if (this.#outstanding.length > LIMIT) this.#outstanding.shift();
  }

  /**
   * Our self-presence came, carrying `id` (or none). A known id answers
   * that join and every older one (a room handles one occupant's joins in
   * order); no id cannot be matched, so every join counts as answered (a
   * server that does not echo the id); an unknown id is someone else's
   * (another client of the same full JID) and answers nothing.
   */
  answered(id: string | undefined): void {
    if (id === undefined) {
      this.#outstanding = [];
      return;
    }
    const i = this.#outstanding.findIndex((j) => j.id === id);
    if (i >= 0) this.#outstanding.splice(0, i + 1);
  }

  /** Whether an answer to one of our joins may still come (joins older than the patience are given up). */
  get pending(): boolean {
    const oldest = monotonicNow() - this.#patience();
    this.#outstanding = this.#outstanding.filter((j) => j.at >= oldest);
    return this.#outstanding.length > 0;
  }

  /** The room is over: no answer is awaited. */
  clear(): void {
    this.#outstanding = [];
  }
}
