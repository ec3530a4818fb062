/**
 * The user's contacts on the legacy network (slidge's `LegacyRoster`): one
 * {@link LegacyContact} per legacy id, made on first use, under the JID
 * `escaped-legacy-id@gateway`; `fill()` lists the user's friends at login.
 *
 * @module
 */
import type { JID } from "@xmpp/jid";
import { XMPPError } from "../../xso/stanza-error.js";
import { tryParseJid } from "../../xso/values.js";
import { LegacyContact, type ContactInit } from "./contact.js";
import { escapeLocalpart, unescapeLocalpart } from "../names.js";
import type { BaseSession } from "../session.js";

/**
 * A contact class, as a module gives it.
 *
 * @category Contacts
 */
export interface ContactClass {
  /** Made by the roster for each contact. */
  new (init: ContactInit): LegacyContact;
}

/**
 * The user's contacts (slidge's `LegacyRoster`). Override
 * {@link LegacyRoster.fill} to list the user's friends (the gateway adds them
 * to the user's roster), and, when legacy ids need it,
 * {@link LegacyRoster.legacyIdToJidUsername} / {@link LegacyRoster.jidUsernameToLegacyId}.
 *
 * @example
 * ```ts
 * class Roster extends LegacyRoster {
 *   override async *fill() {
 *     for (const friend of await api.friends()) yield await this.byLegacyId(friend.id);
 *   }
 * }
 * ```
 *
 * @category Contacts
 */
export class LegacyRoster {
  /** The session. */
  readonly session: BaseSession;
  readonly #byLegacyId = new Map<string, LegacyContact>();
  readonly #making = new Map<string, Promise<LegacyContact>>();

  /** @param session - the session whose contacts these are. */
  constructor(session: BaseSession) {
    this.session = session;
  }

  /**
   * The user's friends, each as `await this.byLegacyId(id)` (slidge's
   * `fill`); run after login, each added to the user's roster.
   */
  async *fill(): AsyncIterable<LegacyContact> {}

  /** The contacts known so far. */
  get contacts(): LegacyContact[] {
    return [...this.#byLegacyId.values()];
  }

  /**
   * Whether `legacyId` names a contact the user may write to, for contacts
   * addressed before anything made them (a direct message to one that is
   * not is `item-not-found`). By default only contacts already known (listed
   * by `fill`, made by `byLegacyId`, or kept in the store from before a
   * restart); override it to look the id up on the network.
   *
   * @param legacyId - the id.
   */
  async isContact(legacyId: string): Promise<boolean> {
    return this.#byLegacyId.has(legacyId) || this.session.gateway.store.contacts.get(this.session.userJid.toString(), legacyId) !== undefined;
  }

  /**
   * The contact with this legacy id, made (and its `updateInfo` run) on first use.
   *
   * @param legacyId - its id on the network.
   */
  async byLegacyId(legacyId: string): Promise<LegacyContact> {
    const known = this.#byLegacyId.get(legacyId);
    if (known) return known;
    const making = this.#making.get(legacyId);
    if (making) return making;
    const made = (async () => {
      const jid = tryParseJid(`${this.legacyIdToJidUsername(legacyId)}@${this.session.gateway.jid.domain}`);
      if (!jid) throw new XMPPError("item-not-found", { text: `No contact ${legacyId}` });
      const Contact = this.session.gateway.contactClass;
      const contact = new Contact({ session: this.session, legacyId, jid });
      // What the store remembers (a friend already in the user's roster, its avatar) comes first; updateInfo may change it.
      const stored = this.session.gateway.store.contacts.get(this.session.userJid.toString(), legacyId);
      if (stored) contact.restore(stored);
      await contact.updateInfo();
      contact.save();
      this.#byLegacyId.set(legacyId, contact);
      return contact;
    })();
    this.#making.set(legacyId, made);
    try {
      return await made;
    } finally {
      this.#making.delete(legacyId);
    }
  }

  /**
   * The contact a JID of the gateway names, or `undefined` when the network
   * has no such contact.
   *
   * @param jid - `escaped-legacy-id@gateway`.
   */
  async byJid(jid: JID): Promise<LegacyContact | undefined> {
    if (!jid.local || jid.domain !== this.session.gateway.jid.domain) return undefined;
    const legacyId = this.jidUsernameToLegacyId(jid.local);
    if (legacyId === undefined || !(await this.isContact(legacyId))) return undefined;
    return this.byLegacyId(legacyId);
  }

  /**
   * The localpart of a contact's JID (XEP-0106 escaping by default).
   *
   * @param legacyId - the contact's legacy id.
   */
  legacyIdToJidUsername(legacyId: string): string {
    return escapeLocalpart(legacyId);
  }

  /**
   * The legacy id a JID localpart names (`undefined`: none).
   *
   * @param local - the localpart.
   */
  jidUsernameToLegacyId(local: string): string | undefined {
    return unescapeLocalpart(local);
  }

  /** @internal At login: every contact `fill` yields becomes a friend, added to the user's roster. */
  async fillAndAdd(): Promise<void> {
    for await (const contact of this.fill()) {
      if (!contact.isFriend) await contact.addToRoster();
    }
  }
}
