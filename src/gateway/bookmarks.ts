/**
 * A user's legacy groups, as MUC rooms.
 *
 * @module
 */
import type { JID } from "@xmpp/jid";
import { escapeLocalpart, unescapeLocalpart } from "./names.js";
import type { LegacyMUC } from "./muc.js";
import type { BaseSession } from "./session.js";

/**
 * The rooms of one session. Subclass it (the module's `Bookmarks`) to list
 * the user's groups in {@link LegacyBookmarks.fill}; override the id ↔ JID
 * mapping when legacy ids need another escaping than XEP-0106.
 *
 * @example
 * ```ts
 * class Bookmarks extends LegacyBookmarks {
 *   override async fill() { for (const g of await api.groups()) await this.byLegacyId(g.id); }
 * }
 * ```
 */
export class LegacyBookmarks {
  /** The session. */
  readonly session: BaseSession;
  readonly #byLegacyId = new Map<string, LegacyMUC>();
  readonly #byLocal = new Map<string, LegacyMUC>();

  /** @param session - the session whose rooms these are. */
  constructor(session: BaseSession) {
    this.session = session;
  }

  /** List the user's groups (call {@link LegacyBookmarks.byLegacyId} for each); run after login. */
  async fill(): Promise<void> {}

  /** The rooms known so far. */
  get rooms(): LegacyMUC[] {
    return [...this.#byLegacyId.values()];
  }

  /**
   * The room of a legacy group, made (and its info fetched) on first use.
   *
   * @param legacyId - the group's legacy id.
   */
  async byLegacyId(legacyId: string): Promise<LegacyMUC> {
    const known = this.#byLegacyId.get(legacyId);
    if (known) {
      await known.ensureInfo();
      return known;
    }
    const gateway = this.session.gateway;
    const userJid = this.session.userJid.toString();
    const record = gateway.store.rooms.get(userJid, legacyId);
    const local = record?.local ?? this.legacyIdToJidUsername(legacyId);
    const Muc = gateway.mucClass;
    const muc = new Muc({ session: this.session, legacyId, local, record });
    if (record) muc.restore(gateway.store.participants.list(userJid, legacyId));
    this.#byLegacyId.set(legacyId, muc);
    this.#byLocal.set(muc.jid.local, muc);
    // Resources that stayed joined across a restart get the messages of the gap now, not at a join.
    if (record) muc.catchUp();
    await muc.ensureInfo();
    return muc;
  }

  /**
   * The room with this JID, if the user has it.
   *
   * @param jid - a room JID (a resource is ignored).
   */
  async byJid(jid: JID): Promise<LegacyMUC | undefined> {
    const local = jid.local;
    if (!local) return undefined;
    const known = this.#byLocal.get(local);
    if (known) return known;
    const legacyId = this.jidUsernameToLegacyId(local);
    if (legacyId === undefined) return undefined;
    if (!this.session.gateway.store.rooms.get(this.session.userJid.toString(), legacyId) && !(await this.isGroup(legacyId))) return undefined;
    return this.byLegacyId(legacyId);
  }

  /**
   * Whether `legacyId` names a group the user may see (for rooms addressed
   * before `fill()` listed them). Default: only rooms already known.
   */
  async isGroup(legacyId: string): Promise<boolean> {
    void legacyId;
    return false;
  }

  /**
   * The room JID localpart of a legacy id: XEP-0106 escaping by default.
   * JID localparts are case-insensitive: rooms already known are found
   * whatever the case; a module whose ids differ only by case overrides this
   * pair of methods.
   */
  legacyIdToJidUsername(legacyId: string): string {
    return escapeLocalpart(legacyId);
  }

  /** The legacy id of a room JID localpart (the reverse of {@link LegacyBookmarks.legacyIdToJidUsername}). */
  jidUsernameToLegacyId(local: string): string | undefined {
    return unescapeLocalpart(local);
  }

  /**
   * Remove a room (the user left the group, or was removed from it).
   *
   * @param muc - the room.
   * @param reason - why.
   * @param kick - whether joined resources are told they were kicked (status 307; else a normal exit).
   * @param ban - whether they are told they were banned (status 301).
   */
  async remove(muc: LegacyMUC, reason?: string, kick = false, ban = false): Promise<void> {
    const me = await muc.getUserParticipant();
    await muc.removeParticipant(me, { kick, ban, ...(reason !== undefined ? { reason } : {}) });
    this.#byLegacyId.delete(muc.legacyId);
    this.#byLocal.delete(muc.jid.local);
    this.session.gateway.store.rooms.delete(this.session.userJid.toString(), muc.legacyId);
  }
}
