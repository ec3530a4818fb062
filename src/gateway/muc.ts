/**
 * One legacy group served as a MUC room to one user: the gateway is the MUC
 * service, every legacy member a puppet occupant, the user (with one or more
 * XMPP resources) the only real occupant.
 *
 * This file holds the {@link LegacyMUC} facade: the hooks a legacy module
 * overrides and the API it calls. The room's state and the rest of its work
 * live under `muc/`: `core.ts` (the state its parts share),
 * `user-presence.ts`, `user-messages.ts` and `user-iqs.ts` (what the user
 * sends), `participant-events.ts` (what participants do), `stanzas.ts` (the
 * stanzas it builds) and `store.ts` (its records and archive).
 *
 * @module
 */
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { parseJid } from "../xso/values.js";
import { StatusCode, type Affiliation, type Role } from "../xso/muc-user.js";
import { XMPPError } from "../xso/stanza-error.js";
import { MucType } from "./muc-type.js";
import type { LegacyParticipant } from "./participant.js";
import { safeNick } from "./names.js";
import type { ArchiveEntry, ParticipantRecord, RoomAvatar, RoomRecord } from "./store/store.js";
import type { BaseSession } from "./session.js";
import { MucCore, backfillContext } from "./muc/core.js";
import { participantChanged, participantOutbox } from "./muc/participant-events.js";
import { cloneWithTo, configChangeNotice, roomDiscoInfo } from "./muc/stanzas.js";
import { forgetParticipant, saveParticipant, saveRoom } from "./muc/store.js";
import { onUserIq } from "./muc/user-iqs.js";
import { onUserMessage } from "./muc/user-messages.js";
import { catchUpAfterRestart, fillOnce, onUserPresence, updateInfoOnce, userUnregistered } from "./muc/user-presence.js";
import { addRoomToBookmarks, type AddToBookmarksOptions, type BookmarkOutcome } from "./pep-bookmarks.js";
import type { LegacyContact } from "./contacts/contact.js";

/**
 * What the room is made from (by `LegacyBookmarks`).
 *
 * @category Rooms
 */
export interface MucInit {
  /** The session of the user who sees the room. */
  readonly session: BaseSession;
  /** The group's legacy id. */
  readonly legacyId: string;
  /** The room JID's localpart. */
  readonly local: string;
  /** What the store remembers of the room, when it does. */
  readonly record: RoomRecord | undefined;
}

/**
 * Options of {@link LegacyMUC.getParticipant}.
 *
 * @category Rooms
 */
export interface GetParticipantOptions {
  /** The participant's legacy id: who they are (their name may change). */
  readonly legacyId?: string;
  /** Their affiliation (default: `member` in GROUP rooms, `none` in channels). */
  readonly affiliation?: Affiliation;
  /** Their role (default `participant`). */
  readonly role?: Role;
  /** Their real JID, shown in non-anonymous rooms. */
  readonly realJid?: string;
  /** Throw `item-not-found` rather than create a participant who is not there (slidge's `raise_if_not_found`). */
  readonly raiseIfNotFound?: boolean;
  /** Run {@link LegacyMUC.fillParticipants} first, if it has not run (slidge's `fill_first`). */
  readonly fillFirst?: boolean;
}

/**
 * Options of {@link LegacyMUC.removeParticipant}.
 *
 * @category Rooms
 */
export interface RemoveOptions {
  /** Removed by a kick (status 307). */
  readonly kick?: boolean;
  /** Removed by a ban (status 301, affiliation outcast). */
  readonly ban?: boolean;
  /** The reason given. */
  readonly reason?: string;
}

/**
 * A legacy group as a MUC room. Subclass it (the module's `MUC`): set
 * {@link LegacyMUC.type}, implement {@link LegacyMUC.updateInfo},
 * {@link LegacyMUC.fillParticipants} and, as the network allows,
 * {@link LegacyMUC.backfill}, {@link LegacyMUC.onSetSubject},
 * {@link LegacyMUC.onKick}, {@link LegacyMUC.onSetAffiliation},
 * {@link LegacyMUC.onSetConfig}, {@link LegacyMUC.onDestroyRequest}.
 *
 * @example
 * ```ts
 * class Room extends LegacyMUC {
 *   override type = MucType.GROUP;
 *   override async updateInfo() { const g = await api.group(this.legacyId); this.name = g.name; }
 *   override async *fillParticipants() {
 *     for (const m of await api.members(this.legacyId)) yield await this.getParticipant(m.name, { legacyId: m.id });
 *   }
 * }
 * ```
 *
 * @category Rooms
 */
export class LegacyMUC {
  /** The kind of group (features, anonymity). */
  type: MucType = MucType.GROUP;
  /** The room name. */
  name: string | undefined;
  /** The room description. */
  description: string | undefined;
  /** The group's legacy id. */
  readonly legacyId: string;
  /** The room's JID. */
  readonly jid: JID;
  /** The session of the user who sees this room. */
  readonly session: BaseSession;
  /** The user's nick in the room, as the legacy network names them; `undefined`: the nick they join with. */
  userNick: string | undefined;

  /**
   * Whether the room's archive stays the same across restarts, every
   * message under the same stanza-id (slidge's `STABLE_ARCHIVE`). When
   * `false` (the default), MAM answers say `stable='false'` (XEP-0313
   * §4.4), so clients do not take an archive id for a permanent one.
   */
  stableArchive = false;
  /**
   * Whether the authors of backfilled messages who are not among the
   * members {@link LegacyMUC.fillParticipants} yields become participants
   * (slidge's `KEEP_BACKFILLED_PARTICIPANTS`): for networks whose member
   * lists are too large to fill, so that recent speakers still show as
   * occupants. When `false` (the default), they are names in the history only.
   */
  keepBackfilledParticipants = false;
  /**
   * Whether the legacy network lets a group have a description (slidge's
   * `HAS_DESCRIPTION`): when `false`, the configuration form has no
   * description field and {@link LegacyMUC.onSetConfig} gets `undefined` for it.
   */
  hasDescription = true;
  /**
   * Whether the legacy network lets a group have a subject (slidge's
   * `HAS_SUBJECT`). When `false`, the room shows its description (or its
   * name) as the subject, from the room itself, and refuses the user's
   * subject changes with `forbidden`.
   */
  hasSubject = true;

  /** The room's state, which its parts (under `muc/`) share. */
  readonly #core: MucCore;

  /** @param init - made by `LegacyBookmarks`. */
  constructor(init: MucInit) {
    this.session = init.session;
    this.legacyId = init.legacyId;
    this.jid = parseJid(`${init.local}@${init.session.gateway.jid.toString()}`);
    const r = init.record;
    this.#core = new MucCore(this, r, participantOutbox);
    if (r) {
      this.type = r.type;
      this.name = r.name;
      this.description = r.description;
      this.userNick = r.userNick;
    }
  }

  // ---------------------------------------------------------------------------
  // Hooks for legacy modules

  /** Fetch the group's name, description, subject… (awaited on first use). */
  async updateInfo(): Promise<void> {}

  /**
   * Yield the group's members, each from {@link LegacyMUC.getParticipant}.
   * Runs once per room (the "filled" flag is persisted), lazily, on the first
   * join; presences are not broadcast while it runs.
   */
  async *fillParticipants(): AsyncIterable<LegacyParticipant> {}

  /**
   * Archive the legacy messages the archive misses (with
   * `sendText(…, { archiveOnly: true, when })`): those sent strictly between
   * `after` and `before`. Called for a room once each time the gateway runs,
   * until a call completes: on the room's first join, before the join's
   * history is read, or, for a room the user's resources stayed joined to
   * across a restart, as soon as the room is restored (the room then
   * delivers what it archived to them; its live messages wait until then;
   * so it does for the resources joined already when a later join asks
   * again for a backfill that failed):
   *
   * - `after` is the newest message up to which the room's history is known
   *   complete (kept in the store, moved only when a call completes);
   *   `undefined` for a room seen for the first time (fetch the older
   *   history);
   * - `before` is the first message this run archived live, if any.
   *
   * So the messages sent while the gateway was down fill the gap, and a call
   * that threw, or that a crash cut short, is made again for the same gap at
   * the next join or the next start (messages archived meanwhile hide
   * nothing). A message whose legacy id this room's archive holds already is
   * not archived again. What this throws is logged; the join goes on.
   *
   * @param after - the newest message before the gap, if any.
   * @param before - the oldest message archived live after the gap, if any.
   */
  async backfill(after?: ArchiveEntry, before?: ArchiveEntry): Promise<void> {
    void after;
    void before;
  }

  /**
   * The user changes the subject (slidge's `on_set_subject`). Change it on
   * the network; the module updates the room's subject itself, as slidge's
   * modules do — `await this.setSubject(subject, { setter: await this.getUserParticipant() })`
   * at once, or when the network echoes the change — so that it is sent once.
   * Throw (an `XMPPError` keeps its condition) to refuse.
   *
   * @param subject - the new subject.
   */
  async onSetSubject(subject: string): Promise<void> {
    void subject;
    throw new XMPPError("feature-not-implemented", { text: "The legacy network does not support changing the subject" });
  }

  /**
   * The user kicks a participant (role none).
   *
   * @param participant - who.
   * @param reason - why.
   */
  async onKick(participant: LegacyParticipant, reason: string | undefined): Promise<void> {
    void participant;
    void reason;
    throw new XMPPError("feature-not-implemented", { text: "The legacy network does not support kicking" });
  }

  /**
   * The user changes an affiliation (outcast bans).
   *
   * @param participant - who (when present in the room).
   * @param jid - the real JID addressed (bare; for a request that named an
   *   occupant's nick instead, that occupant's JID).
   * @param affiliation - the new affiliation.
   * @param reason - why.
   */
  async onSetAffiliation(participant: LegacyParticipant | undefined, jid: string, affiliation: Affiliation, reason: string | undefined): Promise<void> {
    void participant;
    void jid;
    void affiliation;
    void reason;
    throw new XMPPError("feature-not-implemented", { text: "The legacy network does not support changing affiliations" });
  }

  /**
   * The user submits the room's configuration form (XEP-0045 §10.2): a new
   * name and, when {@link LegacyMUC.hasDescription}, description. Change
   * them on the legacy side, then call {@link LegacyMUC.setInfo} (the room
   * tells the user's resources, status 104). Throw (an `XMPPError` keeps its
   * condition) to refuse. A module that does not override this offers no
   * configuration form (`feature-not-implemented`).
   *
   * @param name - the room name submitted (`undefined`: the field was left out).
   * @param description - the description submitted; always `undefined` when {@link LegacyMUC.hasDescription} is `false`.
   */
  async onSetConfig(name: string | undefined, description: string | undefined): Promise<void> {
    void name;
    void description;
    throw new XMPPError("feature-not-implemented", { text: "The legacy network does not support room configuration" });
  }

  /**
   * The user sets the room's avatar (XEP-0486: a vCard with a photo sent to
   * the room), or removes it (`undefined`). Throw (an `XMPPError` keeps its
   * condition, such as `forbidden`) to refuse; by default the room does not
   * take avatars (`service-unavailable`). As slidge's `on_avatar`: return
   * the legacy id of the new image when the change is done, and the room
   * shows it at once; return nothing and the module calls `setAvatar` when
   * the network confirms (a removal shows at once either way).
   *
   * @param avatar - the image, or `undefined` to remove the avatar.
   * @returns the new avatar's legacy id, when set.
   */
  async onAvatar(avatar: RoomAvatar | undefined): Promise<string | void> {
    void avatar;
    throw new XMPPError("service-unavailable", { text: "This room's avatar cannot be changed from XMPP" });
  }

  /** The room's avatar, if it has one. */
  get avatar(): RoomAvatar | undefined {
    return this.#core.avatar;
  }

  /**
   * Set or remove the room's avatar, as the legacy network shows it
   * (XEP-0486): it is kept, served in the room's vCard, its hash announced in
   * the room's disco#info, and the user's joined resources told of the change
   * (status 104).
   *
   * @param avatar - the image, or `undefined` for none.
   */
  async setAvatar(avatar: RoomAvatar | undefined): Promise<void> {
    const core = this.#core;
    const same = avatar === undefined ? core.avatar === undefined : core.avatar !== undefined && avatar.type === core.avatar.type && Buffer.from(avatar.data).equals(core.avatar.data);
    if (same) return;
    core.avatar = avatar === undefined ? undefined : { data: new Uint8Array(avatar.data), type: avatar.type };
    saveRoom(core);
    await this.#announceConfigChange();
  }

  /**
   * The user, an owner, asks to destroy the room (XEP-0045 §10.9). Delete
   * the group on the legacy side; when this returns, the room is removed
   * from the user's rooms and the store, then tells each of the user's
   * joined resources that it is destroyed (with `reason`, and the alternate
   * venue and its password when the request gave them). A request whose
   * alternate venue is no room's bare JID is refused (`bad-request`) before
   * this runs. Throw (an `XMPPError` keeps its condition) to refuse. A
   * module that does not override this answers destruction requests with
   * `feature-not-implemented`.
   *
   * @param reason - why, if the user said.
   */
  async onDestroyRequest(reason: string | undefined): Promise<void> {
    void reason;
    throw new XMPPError("feature-not-implemented", { text: "The legacy network does not support destroying groups" });
  }

  /** Whether the legacy module takes the user's room configuration (overrides {@link LegacyMUC.onSetConfig}). */
  get supportsConfig(): boolean {
    return this.onSetConfig !== LegacyMUC.prototype.onSetConfig;
  }

  /** Whether the legacy module takes the user's destruction requests (overrides {@link LegacyMUC.onDestroyRequest}). */
  get supportsDestroy(): boolean {
    return this.onDestroyRequest !== LegacyMUC.prototype.onDestroyRequest;
  }

  // ---------------------------------------------------------------------------
  // API for legacy modules

  /** The subject (`""` when none). */
  get subject(): string {
    return this.#core.subject;
  }

  /** Who set the subject. */
  get subjectSetter(): string | undefined {
    return this.#core.subjectSetter;
  }

  /** The user's XMPP resources joined to the room. */
  get joinedResources(): string[] {
    return [...this.#core.joined.keys()];
  }

  /** Every participant, the user included. */
  get participants(): LegacyParticipant[] {
    return [...this.#core.participants.values()];
  }

  /**
   * The participant a contact of the user is in this group (slidge's
   * `get_participant_by_contact`): found or made by the contact's legacy id,
   * under the contact's name, with the contact's JID as its real JID (shown
   * in non-anonymous rooms) and the contact's avatar; `participant.contact`
   * links back.
   *
   * @param contact - the contact.
   * @param options - as for {@link LegacyMUC.getParticipant} (`legacyId` and `realJid` come from the contact).
   */
  async getParticipantByContact(contact: LegacyContact, options: Omit<GetParticipantOptions, "legacyId" | "realJid"> = {}): Promise<LegacyParticipant> {
    const participant = await this.getParticipant(contact.name ?? contact.legacyId, { ...options, legacyId: contact.legacyId, realJid: contact.jid.toString() });
    participant.contact = contact;
    if (contact.avatar && participant.avatarHash !== contact.avatarHash) await participant.setAvatar(contact.avatar);
    return participant;
  }

  /**
   * The participant with this legacy id, or named `name`: created (and
   * announced to joined resources) when new. Names are made safe for XMPP;
   * a name another participant already has gets a deterministic suffix
   * (`Bob (2)`).
   *
   * @param name - the legacy display name.
   * @param options - `legacyId`, `affiliation`, `role`, `realJid`;
   *   `fillFirst`: run {@link LegacyMUC.fillParticipants} first, if it has
   *   not run yet; `raiseIfNotFound`: throw an `XMPPError`
   *   (`item-not-found`) instead of creating a participant who is not there.
   */
  async getParticipant(name: string, options: GetParticipantOptions = {}): Promise<LegacyParticipant> {
    const core = this.#core;
    if (options.fillFirst) await fillOnce(core);
    const known = options.legacyId !== undefined ? core.byLegacyId.get(options.legacyId) : core.participants.get(safeNick(name));
    if (!known && options.raiseIfNotFound) throw new XMPPError("item-not-found", { text: `No participant ${name} in this group` });
    if (known && !known.isUser && !known.isSystem) {
      // What the caller says now wins over what was known.
      let changed = false;
      if (options.affiliation !== undefined && options.affiliation !== known.affiliation) {
        known.affiliation = options.affiliation;
        changed = true;
      }
      if (options.role !== undefined && options.role !== known.role) {
        known.role = options.role;
        changed = true;
      }
      if (options.realJid !== undefined && options.realJid !== known.realJid) {
        known.realJid = options.realJid;
        changed = true;
      }
      if (changed && !core.filling) await participantChanged(core, known);
      return known;
    }
    const nick = core.uniqueNick(safeNick(name));
    const p = core.makeParticipant({
      nick,
      legacyId: options.legacyId,
      isUser: false,
      isSystem: false,
      affiliation: options.affiliation ?? core.defaultAffiliation(),
      role: options.role ?? "participant",
      realJid: options.realJid,
    });
    // The author of a backfilled message, who is no member (yet): a name in the history only, unless the module keeps them.
    if (backfillContext.getStore() === core && !core.filling && !this.keepBackfilledParticipants) return p;
    core.add(p);
    if (!core.filling) {
      saveParticipant(core, p);
      await core.broadcastPresence(p);
    }
    return p;
  }

  /** The participant with this legacy id, if known. */
  getParticipantByLegacyId(legacyId: string): LegacyParticipant | undefined {
    return this.#core.byLegacyId.get(legacyId);
  }

  /** The participant with this nick, if present. */
  getParticipantByNick(nick: string): LegacyParticipant | undefined {
    return this.#core.participants.get(nick);
  }

  /** The participant standing for the user (their messages from the legacy side come from it). */
  async getUserParticipant(): Promise<LegacyParticipant> {
    const core = this.#core;
    if (core.user) return core.user;
    const nick = core.uniqueNick(safeNick(this.userNick ?? this.session.userJid.local ?? "me"));
    const user = core.makeParticipant({
      nick,
      legacyId: undefined,
      isUser: true,
      isSystem: false,
      affiliation: core.defaultAffiliation(),
      role: "participant",
      realJid: this.session.userJid.toString(),
    });
    core.add(user);
    // Persisted like any participant, so that its nick, role and affiliation survive a restart.
    saveParticipant(core, user);
    return user;
  }

  /** The participant standing for the room itself: its messages come from the bare room JID. */
  getSystemParticipant(): LegacyParticipant {
    const core = this.#core;
    core.system ??= core.makeParticipant({
      nick: "",
      legacyId: undefined,
      isUser: false,
      isSystem: true,
      affiliation: "none",
      role: "none",
      realJid: undefined,
    });
    return core.system;
  }

  /**
   * Remove a participant: a normal leave, a kick (307) or a ban (301).
   *
   * @param participant - who.
   * @param options - `kick`, `ban`, `reason`.
   */
  async removeParticipant(participant: LegacyParticipant, options: RemoveOptions = {}): Promise<void> {
    const core = this.#core;
    if (core.participants.get(participant.nick) !== participant) return;
    core.participants.delete(participant.nick);
    if (participant.legacyId !== undefined) core.byLegacyId.delete(participant.legacyId);
    if (options.ban) participant.affiliation = "outcast";
    participant.role = "none";
    forgetParticipant(core, participant.nick);
    const codes: number[] = [];
    if (options.ban) codes.push(StatusCode.BANNED);
    else if (options.kick) codes.push(StatusCode.KICKED);
    if (participant.isUser) codes.push(StatusCode.SELF_PRESENCE);
    const resources = [...core.readyResources()];
    if (participant.isUser) {
      // Stored before anything is sent: sends wait while the server is away, and a gateway killed meanwhile must not restore the user as joined.
      core.joined.clear();
      saveRoom(core);
    }
    for (const resource of resources) {
      await core.send(core.presenceTo(participant, resource, { unavailable: true, codes, reason: options.reason }));
    }
  }

  /**
   * Set the subject from the legacy side and broadcast it.
   *
   * @param subject - the new subject (`""` clears it).
   * @param options - `setter` (a participant; default the room), `when`.
   */
  async setSubject(subject: string, options: { setter?: LegacyParticipant; when?: Date } = {}): Promise<void> {
    const core = this.#core;
    core.subject = subject;
    core.subjectSetter = options.setter?.nick;
    core.subjectDate = options.when ?? new Date();
    saveRoom(core);
    for (const resource of core.readyResources()) await core.send(core.subjectTo(resource));
  }

  /**
   * The name or description changed on the legacy side: stored and
   * announced with status 104.
   */
  async setInfo(info: { name?: string; description?: string }): Promise<void> {
    if (info.name !== undefined) this.name = info.name;
    if (info.description !== undefined) this.description = info.description;
    saveRoom(this.#core);
    await this.#announceConfigChange();
  }

  /**
   * Add the room to the user's XMPP bookmarks (XEP-0402; slidge's
   * `add_to_bookmarks`), so that their clients list it and, with
   * `autoJoin`, join it (clients online now get the bookmark pushed).
   *
   * The gateway writes the bookmark on the user's behalf, as a privileged
   * entity (XEP-0356): the user's server must grant it IQ `get` and `set`
   * in `http://jabber.org/protocol/pubsub` (with Prosody, mod_privilege; see
   * the README). It first reads the existing bookmark: with `preserve`, the
   * user's autojoin, name, nick and password stay; its extensions the
   * gateway does not own always stay; pinning (XEP-0469) and the
   * notification setting (XEP-0492) change only when `pin` / `notify` say.
   * When nothing would change, nothing is written.
   *
   * When the server grants no such privilege, refuses or does not answer,
   * the user gets a direct invitation (XEP-0249) from the gateway instead,
   * and the reason is logged at debug level: this never throws for a
   * missing privilege.
   *
   * @param options - `autoJoin` (default `true`), `invite` (also send a
   *   direct invitation; default `false`), `preserve` (default `true`),
   *   `pin`, `notify`.
   * @returns what was done: `published`, `unchanged` or `fallback` (invited instead).
   * @example
   * ```ts
   * class Bookmarks extends LegacyBookmarks {
   *   override async fill() {
   *     for (const g of await api.groups()) {
   *       const muc = await this.byLegacyId(g.id);
   *       await muc.addToBookmarks({ pin: g.favourite, notify: g.muted ? "never" : undefined });
   *     }
   *   }
   * }
   * ```
   */
  async addToBookmarks(options: AddToBookmarksOptions = {}): Promise<BookmarkOutcome> {
    return addRoomToBookmarks(this, options);
  }

  /** Tell the joined resources that the room's configuration changed (status 104, XEP-0045 §10.2.1). */
  async #announceConfigChange(): Promise<void> {
    const core = this.#core;
    const notice = configChangeNotice(this.jid);
    for (const r of core.readyResources()) await core.send(cloneWithTo(notice, core.userResource(r)));
  }

  // ---------------------------------------------------------------------------
  // Called by the gateway

  /** @internal Route a stanza from the user to this room. */
  async handleStanza(stanza: Element, from: JID, to: JID): Promise<void> {
    if (stanza.name === "presence") await onUserPresence(this.#core, stanza, from, to);
    else if (stanza.name === "message") await onUserMessage(this.#core, stanza, from, to);
    else if (stanza.name === "iq") await onUserIq(this.#core, stanza, from, to);
  }

  /** @internal The disco#info answer of the room. */
  discoInfo(): Element {
    const core = this.#core;
    return roomDiscoInfo({
      type: this.type,
      name: this.name,
      description: this.description,
      subject: core.subject,
      occupants: core.participants.size,
      avatar: core.avatar,
      corrections: this.session.supportsCorrections,
      retractions: this.session.supportsRetractions,
      reactions: this.session.supportsReactions,
      moderation: this.session.supportsModeration,
      owner: this.supportsConfig || this.supportsDestroy,
    });
  }

  /** @internal Restore participants from the store (after a restart). */
  restore(records: readonly ParticipantRecord[]): void {
    const core = this.#core;
    if (core.restored) return;
    core.restored = true;
    for (const r of records) {
      const p = core.makeParticipant({
        nick: r.nick,
        legacyId: r.legacyId,
        isUser: r.isUser,
        isSystem: false,
        affiliation: r.affiliation,
        role: r.role,
        realJid: r.realJid,
        occupantId: r.occupantId,
      });
      p.markRestored();
      core.add(p);
    }
  }

  /**
   * @internal After a restart, for a room the user's resources stayed joined
   * to (they never left, so no join will come): backfill the gap at once
   * (see {@link LegacyMUC.backfill}) and deliver the messages it archived to
   * those resources, as live messages are delivered. The room's live legacy
   * messages, corrections, retractions, reactions and moderations that
   * arrive meanwhile wait, and follow in the order they came; a message the
   * backfill delivered already is not delivered again. Failures are logged.
   */
  catchUp(): void {
    catchUpAfterRestart(this.#core);
  }

  /** @internal Make sure `updateInfo()` ran once. */
  async ensureInfo(): Promise<void> {
    await updateInfoOnce(this.#core);
  }

  /** @internal The user just created this group by joining it: their next join is told so (status 201). */
  markCreated(): void {
    this.#core.createdByJoin = true;
  }

  /**
   * Kick one of the user's XMPP resources out of the room (slidge's
   * `kick_resource`): it gets our unavailable self-presence with status 307
   * and is no longer joined; the user's other resources stay.
   *
   * @param resource - the resource.
   * @param reason - why, if any.
   */
  async kickResource(resource: string, reason?: string): Promise<void> {
    const core = this.#core;
    if (!core.joined.has(resource)) return;
    const ready = core.joined.get(resource) === true;
    core.joined.delete(resource);
    saveRoom(core);
    if (!ready) return;
    const me = await this.getUserParticipant();
    await core.send(core.presenceTo(me, resource, { unavailable: true, codes: [StatusCode.KICKED], ...(reason !== undefined ? { reason } : {}) }));
  }

  /**
   * @internal The user unregistered: the resources joined to the room are
   * out of it, told so with an unavailable self-presence (110, 321,
   * affiliation none); nothing is stored.
   */
  async userUnregistered(): Promise<void> {
    await userUnregistered(this.#core);
  }

  /** @internal Save the room's record. */
  persistRecord(): void {
    saveRoom(this.#core);
  }
}
