/**
 * What the user has not read yet in one chat: the legacy ids of the messages
 * others sent, in order, so that a displayed marker (XEP-0333, which names
 * the last message read) can become a read mark for each of them, for
 * networks that want one per message (`BaseGateway.markAllMessages`,
 * slidge's `MARK_ALL_MESSAGES`).
 *
 * @module
 */

/** At most this many unread messages are remembered per chat (the oldest are dropped). */
const LIMIT = 1_000;

/** The unread messages of one chat. */
export class ReadHorizon {
  #unread: string[] = [];

  /** Another's message arrived. */
  received(legacyId: string): void {
    this.#unread.push(legacyId);
    if (this.#unread.length > LIMIT) this.#unread.splice(0, this.#unread.length - LIMIT);
  }

  /**
   * The user read up to `legacyId`: the messages to mark read — each one up
   * to it with `all`, else it alone — and they are no longer unread.
   */
  read(legacyId: string, all: boolean): string[] {
    const index = this.#unread.lastIndexOf(legacyId);
    if (index < 0) return [legacyId];
    const upTo = this.#unread.splice(0, index + 1);
    return all ? upTo : [legacyId];
  }
}
