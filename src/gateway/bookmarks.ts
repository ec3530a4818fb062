/**
 * A user's legacy groups, as MUC rooms.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { JID } from "@xmpp/jid";
import { escapeLocalpart, unescapeLocalpart } from "./names.js";
import type { LegacyMUC } from "./muc.js";
import { MucType } from "./muc-type.js";
import { XMPPError } from "../xso/stanza-error.js";
import { tryParseJid } from "../xso/values.js";
import type { BaseSession } from "./session.js";

/** slidge's default reason for {@link LegacyBookmarks.remove}. */
const DEFAULT_REMOVE_REASON = "You left this group from the official client.";

/**
 * Options of {@link LegacyBookmarks.remove}.
 *
 * @category Rooms
 */
export interface RemoveGroupOptions {
  /** Why, shown to the user's joined resources. @default "You left this group from the official client." */
  readonly reason?: string;
  /** Tell joined resources they were kicked (status 307); `false`: a normal exit. @default true */
  readonly kick?: boolean;
  /** Tell joined resources they were banned (status 301). @default false */
  readonly ban?: boolean;
}

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
 *
 * @category Rooms
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

  /**
   * List the user's groups (call {@link LegacyBookmarks.byLegacyId} for each); run after login.
   * Should `byLegacyId` refuse a group (`item-not-found`: no JID can be made
   * for it) and end `fill()`, the gateway logs it and the login goes on with
   * the rooms made until then.
   */
  async fill(): Promise<void> {}

  /** @internal The gateway's call of {@link LegacyBookmarks.fill} at login: a group that can have no room is logged, not a failed login. */
  async fillAtLogin(): Promise<void> {
    try {
      await this.fill();
    } catch (e) {
      if (!(e instanceof NoRoomJid)) throw e;
      this.session.gateway.log.warn(`the groups of ${this.session.userJid.toString()} were listed up to one with no room JID`, e);
    }
  }

  /** The rooms known so far. */
  get rooms(): LegacyMUC[] {
    return [...this.#byLegacyId.values()];
  }

  /**
   * The room of a legacy group, made (and its info fetched) on first use.
   *
   * @param legacyId - the group's legacy id.
   * A group whose id makes no valid JID localpart (its escaped form is over
   * 1023 bytes, say) gets a short one: the start of the id and a hash of it.
   *
   * @throws XMPPError `item-not-found` in the unlikely case that no JID can be made for it.
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
    let local = record?.local ?? this.#freeLocal(this.legacyIdToJidUsername(legacyId), legacyId);
    const domain = gateway.jid.domain;
    if (!tryParseJid(`${local}@${domain}`)) {
      // Its natural localpart is no JID's (too long, say): a short one of its own, kept in the store at once —
      // the only link from that JID back to the group (see byJid).
      const short = shortLocalsOf(legacyId).find((l) => tryParseJid(`${l}@${domain}`) !== undefined);
      if (record || short === undefined) throw new NoRoomJid(legacyId);
      local = this.#freeLocal(short, legacyId);
      gateway.store.rooms.save({ userJid, legacyId, local, type: MucType.GROUP, joinedResources: [], participantsFilled: false });
    }
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
    // A room whose JID is not its legacy id's natural one (created by a join, or renamed to avoid a clash).
    const stored = this.#storedRoomWithLocal(local);
    if (stored) return this.byLegacyId(stored);
    const legacyId = this.jidUsernameToLegacyId(local);
    if (legacyId === undefined) return undefined;
    if (!this.session.gateway.store.rooms.get(this.session.userJid.toString(), legacyId) && !(await this.isGroup(legacyId))) return undefined;
    return this.byLegacyId(legacyId);
  }

  /**
   * @internal Whether a JID localpart of the gateway names one of the user's
   * groups — as {@link LegacyBookmarks.byJid} would find it — without
   * making its room.
   */
  async isGroupLocal(local: string): Promise<boolean> {
    if (this.#byLocal.has(local) || this.#storedRoomWithLocal(local) !== undefined) return true;
    const legacyId = this.jidUsernameToLegacyId(local);
    if (legacyId === undefined) return false;
    return this.session.gateway.store.rooms.get(this.session.userJid.toString(), legacyId) !== undefined || (await this.isGroup(legacyId));
  }

  /** The legacy id of the stored room of the user with this JID localpart (compared case-insensitively), if any. */
  #storedRoomWithLocal(local: string): string | undefined {
    const wanted = local.toLowerCase();
    return this.session.gateway.store.rooms.list(this.session.userJid.toString()).find((r) => r.local.toLowerCase() === wanted)?.legacyId;
  }

  /**
   * `local`, or, when another room of the user has that JID localpart
   * already (one created by a join under the natural JID of a group the
   * user joined later), `local-2`, `local-3`…: two rooms never share a JID.
   */
  #freeLocal(local: string, legacyId: string): string {
    const taken = (candidate: string): boolean => {
      const live = [...this.#byLocal.values()].find((m) => m.jid.local.toLowerCase() === candidate.toLowerCase());
      if (live !== undefined && live.legacyId !== legacyId) return true;
      const stored = this.#storedRoomWithLocal(candidate);
      return stored !== undefined && stored !== legacyId;
    };
    if (!taken(local)) return local;
    for (let n = 2; ; n++) if (!taken(`${local}-${n}`)) return `${local}-${n}`;
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
   * Delete everything about a group: the user left it from the legacy
   * network's own client, or was removed from it (slidge's `remove`). The
   * user's joined resources are told they were kicked (status 307) unless
   * `kick` is `false` (say, when the module tells them otherwise), or that
   * they were banned (`ban`, status 301); the room leaves the user's rooms
   * and the store (participants and archive included).
   *
   * @param muc - the room.
   * @param options - `reason` (default: "You left this group from the
   *   official client."), `kick` (default `true`), `ban` (default `false`).
   */
  async remove(muc: LegacyMUC, options: RemoveGroupOptions = {}): Promise<void> {
    const reason = options.reason ?? DEFAULT_REMOVE_REASON;
    const me = await muc.getUserParticipant();
    // The store forgets the room before the user is told (removeParticipant changes its state at once, then sends):
    // sends wait while the server is away, and a gateway killed meanwhile must not restore a group the user left.
    const told = muc.removeParticipant(me, { kick: options.kick ?? true, ban: options.ban ?? false, reason });
    this.forget(muc);
    await told;
  }

  /**
   * @internal The room of a group the user just created by joining `local`
   * (see `BaseSession.onCreateGroup`): it keeps the JID the user asked for.
   */
  async created(legacyId: string, local: string): Promise<LegacyMUC> {
    const userJid = this.session.userJid.toString();
    const store = this.session.gateway.store;
    if (this.#storedRoomWithLocal(local) !== undefined || [...this.#byLocal.values()].some((m) => m.jid.local.toLowerCase() === local.toLowerCase())) {
      throw new XMPPError("conflict", { text: "Another group has this address" });
    }
    if (!this.#byLegacyId.has(legacyId) && !store.rooms.get(userJid, legacyId)) {
      store.rooms.save({ userJid, legacyId, local, type: MucType.GROUP, joinedResources: [], participantsFilled: false });
    }
    const muc = await this.byLegacyId(legacyId);
    muc.markCreated();
    return muc;
  }

  /** @internal Drop a room from the user's rooms and the store, telling no one. */
  forget(muc: LegacyMUC): void {
    this.#byLegacyId.delete(muc.legacyId);
    this.#byLocal.delete(muc.jid.local);
    this.session.gateway.store.rooms.delete(this.session.userJid.toString(), muc.legacyId);
  }
}

/** Short room JID localparts for a legacy id that makes none: the start of the id and a hash of all of it; or the hash alone. */
function shortLocalsOf(legacyId: string): string[] {
  const hash = createHash("sha256").update(legacyId).digest("hex").slice(0, 16);
  return [`${escapeLocalpart([...legacyId].slice(0, 48).join(""))}-${hash}`, `group-${hash}`];
}

/** A group whose legacy id makes no valid room JID: no room can stand for it. */
class NoRoomJid extends XMPPError {
  constructor(legacyId: string) {
    super("item-not-found", { text: `No room for the group ${legacyId.length > 64 ? `${legacyId.slice(0, 64)}…` : legacyId}: its id makes no valid JID` });
  }
}
