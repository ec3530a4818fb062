/**
 * One legacy group served as a MUC room to one user: the gateway is the MUC
 * service, every legacy member a puppet occupant, the user (with one or more
 * XMPP resources) the only real occupant.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash, randomUUID } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { NS_CLIENT, NS_COMPONENT, NS_CORRECT, NS_DELAY, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_FALLBACK, NS_HINTS, NS_REACTIONS, NS_MAM, NS_MUC, NS_MODERATE, NS_MUC_ADMIN, NS_MUC_SELF_PING, NS_MUC_USER, NS_OCCUPANT_ID, NS_REPLY, NS_RETRACT, NS_SID, NS_VCARD } from "../xso/ns.js";
import { cloneElement, viewInNamespace } from "../xso/codec.js";
import { parseElement } from "../xso/parse.js";
import { parseJid, tryParseJid } from "../xso/values.js";
import { mucJoin, type MucHistory } from "../xso/muc.js";
import { mucUserX, StatusCode, type Affiliation, type Role } from "../xso/muc-user.js";
import { mucAdminQuery, type MucAdminItem } from "../xso/muc-admin.js";
import { messageContent } from "../xso/message.js";
import { originId as originIdCodec, stanzaId as stanzaIdCodec } from "../xso/stanza-id.js";
import { occupantId as occupantIdCodec } from "../xso/occupant-id.js";
import { delay as delayCodec } from "../xso/delay.js";
import { discoInfoQuery } from "../xso/disco.js";
import { vcardTemp } from "../xso/vcard.js";
import { roomInfoSchema } from "../xso/muc-forms.js";
import { MAM_EXTENDED_FEATURE } from "../xso/mam.js";
import { XMPPError } from "../xso/stanza-error.js";
import { isDecodeError } from "../xso/errors.js";
import { isNonAnonymous, MucType, mucTypeFeatures } from "./muc-type.js";
import { LegacyParticipant, type SendTextOptions } from "./participant.js";
import { mentionedNicks, nickWithSuffix, occupantIdFor, safeNick } from "./names.js";
import type { ArchiveEntry, ParticipantRecord, RoomAvatar, RoomRecord } from "./store/store.js";
import type { BaseSession, TextOptions } from "./session.js";
import { errorFor, resultFor } from "./replies.js";
import { answerMamQuery, mamFormQuery, mamMetadataOf, type RoomArchive } from "./room-archive.js";
import { readUserRefs, replyTo, tombstone, type ModerationInfo } from "./message-refs.js";
import {
  messageCorrection,
  messageModerate,
  messageRetraction,
  NS_FALLBACK_V0,
  reactionsPayloads,
  retractionPayloads,
  RETRACT_TOMBSTONE_FEATURE,
  RETRACTION_FALLBACK,
} from "../xso/message-refs.js";

/** Default number of history messages sent on join when the user asks for no limit. */
const DEFAULT_HISTORY = 20;
/** Messages older than this (ms) carry `<delay>` when delivered live. */
const DELAY_THRESHOLD_MS = 10_000;

/** The room whose `backfill()` runs in this async context: what it calls does not wait for the backfill (see `LegacyMUC#afterCatchUp`). */
const backfillContext = new AsyncLocalStorage<LegacyMUC>();

/** The namespaces of the elements of a user's message the room reflects as they are: references to other messages, fallbacks, hints. */
const REFLECTED_PAYLOADS: ReadonlySet<string> = new Set([NS_CORRECT, NS_RETRACT, NS_REPLY, NS_REACTIONS, NS_FALLBACK, NS_FALLBACK_V0, NS_HINTS]);

/** What the room is made from (by `LegacyBookmarks`). */
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

/** Options of {@link LegacyMUC.removeParticipant}. */
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

  #subject = "";
  #subjectSetter: string | undefined;
  #subjectDate: Date | undefined;
  readonly #participants = new Map<string, LegacyParticipant>();
  readonly #byLegacyId = new Map<string, LegacyParticipant>();
  /** Joined resources of the user → whether the join flow completed for it. */
  readonly #joined = new Map<string, boolean>();
  #filled: boolean;
  #filling: Promise<void> | undefined;
  #avatar: RoomAvatar | undefined;
  /** The newest archived message when this process took the room up: where its gap starts. */
  readonly #newestAtStart: ArchiveEntry | undefined;
  #backfilling: Promise<void> | undefined;
  /** While the backfill after a restart runs, then while the live legacy events that waited for it run: the end of their queue. */
  #held: Promise<void> | undefined;
  /** While the backfill after a restart runs: the stanza-ids of the messages it archived. */
  #catchingUp: string[] | undefined;
  /** The legacy ids of the messages the backfill after a restart delivered, while live events wait for it: those are not delivered again. */
  #caughtUp: ReadonlySet<string> | undefined;
  #infoUpdated = false;
  #infoUpdating: Promise<void> | undefined;
  #user: LegacyParticipant | undefined;
  #system: LegacyParticipant | undefined;
  #restored = false;

  /** @param init - made by `LegacyBookmarks`. */
  constructor(init: MucInit) {
    this.session = init.session;
    this.legacyId = init.legacyId;
    this.jid = parseJid(`${init.local}@${init.session.gateway.jid.toString()}`);
    const r = init.record;
    this.#filled = r?.participantsFilled ?? false;
    this.#newestAtStart = init.session.gateway.store.archive.query(init.session.userJid.toString(), init.legacyId, { limit: 1, last: true })[0];
    if (r) {
      this.#avatar = r.avatar;
      this.type = r.type;
      this.name = r.name;
      this.description = r.description;
      this.#subject = r.subject ?? "";
      this.#subjectSetter = r.subjectSetter;
      this.#subjectDate = r.subjectDate === undefined ? undefined : new Date(r.subjectDate);
      this.userNick = r.userNick;
      // Resources joined before a restart stay joined: the user's clients did
      // not leave, and their next join request replays the whole join.
      for (const resource of r.joinedResources) this.#joined.set(resource, true);
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
   * `after` and `before`. Called once per room each time the gateway runs:
   * on the room's first join, before the join's history is read, or, for a
   * room the user's resources stayed joined to across a restart, as soon as
   * the room is restored (the room then delivers what it archived to them;
   * its live messages wait until then):
   *
   * - for a room seen for the first time, `after` is `undefined` (fetch the
   *   older history) and `before` the first message archived live, if any;
   * - after a restart, `after` is the newest message archived before it and
   *   `before` the first one archived since, so the messages sent while the
   *   gateway was down fill the gap.
   *
   * A message whose legacy id this room's archive holds already is not archived again.
   * What this throws is logged; the join goes on.
   *
   * @param after - the newest archived message before the gap, if any.
   * @param before - the oldest archived message after the gap, if any.
   */
  async backfill(after?: ArchiveEntry, before?: ArchiveEntry): Promise<void> {
    void after;
    void before;
  }

  /**
   * The user changes the subject. Throw (an `XMPPError` keeps its condition) to refuse.
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
   * @param jid - the real JID addressed.
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
   * The user submits a room configuration.
   *
   * @param fields - the submitted values by field var.
   */
  async onSetConfig(fields: Record<string, string[]>): Promise<void> {
    void fields;
    throw new XMPPError("feature-not-implemented", { text: "The legacy network does not support room configuration" });
  }

  /**
   * The user sets the room's avatar (XEP-0486: a vCard with a photo sent to
   * the room), or removes it (`undefined`). Throw (an `XMPPError` keeps its
   * condition, such as `forbidden`) to refuse; by default the room does not
   * take avatars (`service-unavailable`). When this returns, the room shows
   * the new avatar.
   *
   * @param avatar - the image, or `undefined` to remove the avatar.
   */
  async onAvatar(avatar: RoomAvatar | undefined): Promise<void> {
    void avatar;
    throw new XMPPError("service-unavailable", { text: "This room's avatar cannot be changed from XMPP" });
  }

  /** The room's avatar, if it has one. */
  get avatar(): RoomAvatar | undefined {
    return this.#avatar;
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
    const same = avatar === undefined ? this.#avatar === undefined : this.#avatar !== undefined && avatar.type === this.#avatar.type && Buffer.from(avatar.data).equals(this.#avatar.data);
    if (same) return;
    this.#avatar = avatar === undefined ? undefined : { data: new Uint8Array(avatar.data), type: avatar.type };
    this.#persist();
    await this.#announceConfigChange();
  }

  /** The user asks to destroy the room. */
  async onDestroyRequest(): Promise<void> {
    throw new XMPPError("feature-not-implemented", { text: "The legacy network does not support destroying groups" });
  }

  // ---------------------------------------------------------------------------
  // API for legacy modules

  /** The subject (`""` when none). */
  get subject(): string {
    return this.#subject;
  }

  /** Who set the subject. */
  get subjectSetter(): string | undefined {
    return this.#subjectSetter;
  }

  /** The user's XMPP resources joined to the room. */
  get joinedResources(): string[] {
    return [...this.#joined.keys()];
  }

  /** Every participant, the user included. */
  get participants(): LegacyParticipant[] {
    return [...this.#participants.values()];
  }

  /**
   * The participant with this legacy id, or named `name`: created (and
   * announced to joined resources) when new. Names are made safe for XMPP;
   * a name another participant already has gets a deterministic suffix
   * (`Bob (2)`).
   *
   * @param name - the legacy display name.
   * @param options - `legacyId`, `affiliation`, `role`, `realJid`.
   */
  async getParticipant(
    name: string,
    options: { legacyId?: string; affiliation?: Affiliation; role?: Role; realJid?: string } = {},
  ): Promise<LegacyParticipant> {
    const known = options.legacyId !== undefined ? this.#byLegacyId.get(options.legacyId) : this.#participants.get(safeNick(name));
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
      if (changed && !this.#filling) await this.participantChanged(known);
      return known;
    }
    const nick = this.#uniqueNick(safeNick(name));
    const p = this.#makeParticipant({
      nick,
      legacyId: options.legacyId,
      isUser: false,
      isSystem: false,
      affiliation: options.affiliation ?? this.#defaultAffiliation(),
      role: options.role ?? "participant",
      realJid: options.realJid,
    });
    this.#add(p);
    if (!this.#filling) {
      this.#persistParticipant(p);
      await this.#broadcastPresence(p);
    }
    return p;
  }

  /** The participant with this legacy id, if known. */
  getParticipantByLegacyId(legacyId: string): LegacyParticipant | undefined {
    return this.#byLegacyId.get(legacyId);
  }

  /** The participant with this nick, if present. */
  getParticipantByNick(nick: string): LegacyParticipant | undefined {
    return this.#participants.get(nick);
  }

  /** The participant standing for the user (their messages from the legacy side come from it). */
  async getUserParticipant(): Promise<LegacyParticipant> {
    if (this.#user) return this.#user;
    const nick = this.#uniqueNick(safeNick(this.userNick ?? this.session.userJid.local ?? "me"));
    this.#user = this.#makeParticipant({
      nick,
      legacyId: undefined,
      isUser: true,
      isSystem: false,
      affiliation: this.type === MucType.GROUP ? "member" : "none",
      role: "participant",
      realJid: this.session.userJid.toString(),
    });
    this.#add(this.#user);
    // Persisted like any participant, so that its nick, role and affiliation survive a restart.
    this.#persistParticipant(this.#user);
    return this.#user;
  }

  /** The participant standing for the room itself: its messages come from the bare room JID. */
  getSystemParticipant(): LegacyParticipant {
    if (!this.#system) {
      this.#system = this.#makeParticipant({
        nick: "",
        legacyId: undefined,
        isUser: false,
        isSystem: true,
        affiliation: "none",
        role: "none",
        realJid: undefined,
      });
    }
    return this.#system;
  }

  /**
   * Remove a participant: a normal leave, a kick (307) or a ban (301).
   *
   * @param participant - who.
   * @param options - `kick`, `ban`, `reason`.
   */
  async removeParticipant(participant: LegacyParticipant, options: RemoveOptions = {}): Promise<void> {
    if (this.#participants.get(participant.nick) !== participant) return;
    this.#participants.delete(participant.nick);
    if (participant.legacyId !== undefined) this.#byLegacyId.delete(participant.legacyId);
    if (options.ban) participant.affiliation = "outcast";
    participant.role = "none";
    this.session.gateway.store.participants.delete(this.session.userJid.toString(), this.legacyId, participant.nick);
    const codes: number[] = [];
    if (options.ban) codes.push(StatusCode.BANNED);
    else if (options.kick) codes.push(StatusCode.KICKED);
    if (participant.isUser) codes.push(StatusCode.SELF_PRESENCE);
    for (const resource of this.#readyResources()) {
      await this.#send(this.#occupantPresence(participant, resource, { unavailable: true, codes, reason: options.reason }));
    }
    if (participant.isUser) {
      this.#joined.clear();
      this.#persist();
    }
  }

  /** @internal A participant's display name changed. */
  async renameParticipant(participant: LegacyParticipant, name: string): Promise<void> {
    if (this.#participants.get(participant.nick) !== participant) return;
    const newNick = this.#uniqueNick(safeNick(name), participant);
    if (newNick === participant.nick) return;
    const oldNick = participant.nick;
    const store = this.session.gateway.store.participants;
    store.delete(this.session.userJid.toString(), this.legacyId, oldNick);
    for (const resource of this.#readyResources()) {
      const unavailable = this.#occupantPresence(participant, resource, { unavailable: true, codes: [StatusCode.NEW_NICK] });
      const x = unavailable.getChild("x", NS_MUC_USER);
      x?.getChild("item")?.attrs && ((x.getChild("item") as Element).attrs.nick = newNick);
      await this.#send(unavailable);
    }
    this.#participants.delete(oldNick);
    participant.nick = newNick;
    this.#participants.set(newNick, participant);
    this.#persistParticipant(participant);
    if (participant.isUser) {
      this.userNick = newNick;
      this.#persist();
    }
    for (const resource of this.#readyResources()) await this.#send(this.#occupantPresence(participant, resource));
  }

  /** @internal A participant's role or affiliation changed. */
  async participantChanged(participant: LegacyParticipant): Promise<void> {
    this.#persistParticipant(participant);
    await this.#broadcastPresence(participant);
  }

  /**
   * Set the subject from the legacy side and broadcast it.
   *
   * @param subject - the new subject (`""` clears it).
   * @param options - `setter` (a participant; default the room), `when`.
   */
  async setSubject(subject: string, options: { setter?: LegacyParticipant; when?: Date } = {}): Promise<void> {
    this.#subject = subject;
    this.#subjectSetter = options.setter?.nick;
    this.#subjectDate = options.when ?? new Date();
    this.#persist();
    for (const resource of this.#readyResources()) await this.#send(this.#subjectMessage(resource, false));
  }

  /**
   * The name or description changed on the legacy side: stored and
   * announced with status 104.
   */
  async setInfo(info: { name?: string; description?: string }): Promise<void> {
    if (info.name !== undefined) this.name = info.name;
    if (info.description !== undefined) this.description = info.description;
    this.#persist();
    await this.#announceConfigChange();
  }

  /** Tell the joined resources that the room's configuration changed (status 104, XEP-0045 §10.2.1). */
  async #announceConfigChange(): Promise<void> {
    const notice = xml("message", { from: this.jid.toString(), type: "groupchat", id: randomUUID() }, mucUserX.encode({ statusCodes: [StatusCode.CONFIG_CHANGED] }));
    for (const r of this.#readyResources()) await this.#send(cloneWithTo(notice, this.#userResource(r)));
  }

  // ---------------------------------------------------------------------------
  // Called by the gateway

  /** @internal Route a stanza from the user to this room. */
  async handleStanza(stanza: Element, from: JID, to: JID): Promise<void> {
    if (stanza.name === "presence") await this.#onPresence(stanza, from, to);
    else if (stanza.name === "message") await this.#onMessage(stanza, from, to);
    else if (stanza.name === "iq") await this.#onIq(stanza, from, to);
  }

  /** @internal The disco#info answer of the room. */
  discoInfo(): Element {
    const features = [
      NS_MUC,
      ...mucTypeFeatures(this.type),
      "muc_persistent",
      "http://jabber.org/protocol/muc#stable_id",
      NS_OCCUPANT_ID,
      NS_SID,
      NS_MAM,
      MAM_EXTENDED_FEATURE,
      RETRACT_TOMBSTONE_FEATURE,
      NS_REPLY,
      ...(this.session.supportsCorrections ? [NS_CORRECT] : []),
      ...(this.session.supportsRetractions ? [NS_RETRACT] : []),
      ...(this.session.supportsReactions ? [NS_REACTIONS] : []),
      ...(this.session.supportsModeration ? [NS_MODERATE] : []),
      NS_VCARD,
      NS_DISCO_INFO,
    ];
    const uniqueFeatures = [...new Set(features)];
    const info = roomInfoSchema.toResult({
      ...(this.description !== undefined ? { description: this.description } : {}),
      subject: this.#subject,
      occupants: this.#participants.size,
      ...(this.#avatar ? { avatarHashes: [createHash("sha1").update(this.#avatar.data).digest("hex")] } : {}),
    });
    return discoInfoQuery.encode({
      identities: [{ category: "conference", type: "text", ...(this.name !== undefined ? { name: this.name } : {}) }],
      features: uniqueFeatures,
      forms: [info],
    });
  }

  /** @internal Restore participants from the store (after a restart). */
  restore(records: readonly ParticipantRecord[]): void {
    if (this.#restored) return;
    this.#restored = true;
    for (const r of records) {
      const p = this.#makeParticipant({
        nick: r.nick,
        legacyId: r.legacyId,
        isUser: r.isUser,
        isSystem: false,
        affiliation: r.affiliation,
        role: r.role,
        realJid: r.realJid,
        occupantId: r.occupantId,
      });
      if (r.isUser) this.#user = p;
      this.#add(p);
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
    if (this.#joined.size === 0 || this.#backfilling !== undefined || this.#held !== undefined) return;
    const log = this.session.gateway.log;
    const run = (async () => {
      const archived: string[] = [];
      try {
        await this.ensureInfo();
        await this.#fill();
        this.#catchingUp = archived;
        await this.#backfillOnce();
      } finally {
        this.#catchingUp = undefined;
      }
      if (archived.length === 0) return;
      const entries = this.session.gateway.store.archive.query(this.session.userJid.toString(), this.legacyId, { ids: archived });
      this.#caughtUp = new Set(entries.flatMap((e) => (e.legacyId === undefined ? [] : [e.legacyId])));
      // The resources joined now; one joining meanwhile reads these in its history.
      const resources = [...this.#readyResources()];
      for (const entry of entries) {
        for (const r of resources) if (this.#joined.get(r) === true) await this.#send(this.#historyMessage(entry, r));
      }
    })().catch((e: unknown) => log.warn(`room ${this.jid.toString()}: catching up after the restart failed`, e));
    this.#hold(run);
  }

  /**
   * Run a live legacy event of the room: at once, or, while the backfill
   * after a restart runs (see {@link LegacyMUC.catchUp}), after it and after
   * the events that came before, in order. What `backfill()` itself calls
   * does not wait.
   */
  async #afterCatchUp<T>(event: () => Promise<T>): Promise<T> {
    const held = this.#held;
    if (held === undefined || backfillContext.getStore() === this) return event();
    const turn = held.then(event);
    this.#hold(turn);
    return turn;
  }

  /** Make `work` the end of the queue of held events; the queue is gone once it has run out. */
  #hold(work: Promise<unknown>): void {
    const tail = work.then(
      () => undefined,
      () => undefined,
    );
    this.#held = tail;
    void tail.then(() => {
      if (this.#held !== tail) return;
      this.#held = undefined;
      this.#caughtUp = undefined;
    });
  }

  /** @internal Make sure `updateInfo()` ran once. */
  async ensureInfo(): Promise<void> {
    if (this.#infoUpdated) return;
    this.#infoUpdating ??= (async () => {
      await this.updateInfo();
      this.#infoUpdated = true;
      this.#persist();
    })().finally(() => {
      this.#infoUpdating = undefined;
    });
    await this.#infoUpdating;
  }

  /** @internal A message from a participant (see `LegacyParticipant.sendText`). */
  async participantMessage(participant: LegacyParticipant, body: string, legacyMsgId: string | undefined, options: SendTextOptions): Promise<string> {
    if (options.archiveOnly) return this.#participantMessage(participant, body, legacyMsgId, options);
    return this.#afterCatchUp(async () => {
      // The backfill after the restart, which this message waited for, delivered it already.
      if (legacyMsgId !== undefined && this.#caughtUp?.has(legacyMsgId)) {
        return this.session.gateway.store.messageIds.legacyToXmpp(this.session.userJid.toString(), legacyMsgId) ?? legacyMsgId;
      }
      return this.#participantMessage(participant, body, legacyMsgId, options);
    });
  }

  async #participantMessage(participant: LegacyParticipant, body: string, legacyMsgId: string | undefined, options: SendTextOptions): Promise<string> {
    const userJid = this.session.userJid.toString();
    const ids = this.session.gateway.store.messageIds;
    let known = legacyMsgId === undefined ? undefined : ids.legacyToXmpp(userJid, legacyMsgId);
    const archived = legacyMsgId === undefined ? undefined : this.#archivedByLegacyId(legacyMsgId);
    // A backfilled message this room's archive holds already (the legacy network sent it live, or an earlier backfill did).
    if (options.archiveOnly && legacyMsgId !== undefined && archived) return known ?? legacyMsgId;
    let xmppId = known ?? legacyMsgId ?? randomUUID();
    if (archived && !isSameMessage(archived, participant)) {
      // The legacy module reused the id of someone else's message of this room (say, a network whose
      // counter started again): the new message must not take the old one's XMPP id.
      known = undefined;
      xmppId = randomUUID();
      this.session.gateway.log.debug(`room ${this.jid.toString()}: legacy message id ${String(legacyMsgId)} names an earlier message already; the new one gets the XMPP id ${xmppId}`);
    }
    if (legacyMsgId !== undefined && known === undefined) ids.map(userJid, legacyMsgId, xmppId);
    const payloads: Element[] = [];
    const original = options.replyTo === undefined ? undefined : this.#archivedByLegacyId(options.replyTo);
    if (original) payloads.push(replyTo(this.jid, original));
    await this.#relay(participant, body, xmppId, legacyMsgId, payloads, options);
    return xmppId;
  }

  /** @internal A participant corrected one of their messages (see `LegacyParticipant.correct`); false when the archive has no such message of theirs. */
  async participantCorrection(participant: LegacyParticipant, legacyMsgId: string, body: string, options: SendTextOptions): Promise<boolean> {
    return this.#afterCatchUp(() => this.#participantCorrection(participant, legacyMsgId, body, options));
  }

  async #participantCorrection(participant: LegacyParticipant, legacyMsgId: string, body: string, options: SendTextOptions): Promise<boolean> {
    const archived = this.#archivedByLegacyId(legacyMsgId);
    if (!archived || archived.occupantId !== participant.occupantId) return false;
    const original = this.session.gateway.store.messageIds.legacyToXmpp(this.session.userJid.toString(), legacyMsgId) ?? legacyMsgId;
    await this.#relay(participant, body, randomUUID(), undefined, [messageCorrection.encode({ id: original })], options);
    return true;
  }

  /** @internal A participant retracted one of their messages (see `LegacyParticipant.retract`); false when the archive has no such message of theirs. */
  async participantRetraction(participant: LegacyParticipant, legacyMsgId: string, options: SendTextOptions): Promise<boolean> {
    return this.#afterCatchUp(() => this.#participantRetraction(participant, legacyMsgId, options));
  }

  async #participantRetraction(participant: LegacyParticipant, legacyMsgId: string, options: SendTextOptions): Promise<boolean> {
    const original = this.#archivedByLegacyId(legacyMsgId);
    if (!original || original.occupantId !== participant.occupantId) return false;
    const id = randomUUID();
    await this.#relay(participant, RETRACTION_FALLBACK, id, undefined, retractionPayloads(original.stanzaId), options);
    this.#bury(original, id);
    return true;
  }

  /** @internal A participant's reactions to a message (see `LegacyParticipant.react`); false when the archive does not know it. */
  async participantReactions(participant: LegacyParticipant, legacyMsgId: string, emojis: readonly string[]): Promise<boolean> {
    return this.#afterCatchUp(() => this.#participantReactions(participant, legacyMsgId, emojis));
  }

  async #participantReactions(participant: LegacyParticipant, legacyMsgId: string, emojis: readonly string[]): Promise<boolean> {
    const original = this.#archivedByLegacyId(legacyMsgId);
    if (!original) return false;
    await this.#relay(participant, undefined, randomUUID(), undefined, reactionsPayloads(original.stanzaId, emojis), {});
    return true;
  }

  /** The newest archived message of this legacy id. */
  #archivedByLegacyId(legacyMsgId: string): ArchiveEntry | undefined {
    return this.session.gateway.store.archive.query(this.session.userJid.toString(), this.legacyId, { legacyId: legacyMsgId, limit: 1, last: true })[0];
  }

  /** Archive a participant's groupchat message and deliver it (its presence first, when the user has not seen it). */
  async #relay(participant: LegacyParticipant, body: string | undefined, xmppId: string, legacyMsgId: string | undefined, payloads: readonly Element[], options: SendTextOptions): Promise<void> {
    const when = options.when ?? new Date();
    const stanzaId = randomUUID();
    const from = participant.isSystem ? this.jid.toString() : `${this.jid.toString()}/${participant.nick}`;
    const template = xml("message", { from, type: "groupchat", id: xmppId });
    if (body !== undefined) template.cnode(xml("body", {}, body));
    for (const p of payloads) template.cnode(p);
    template.cnode(stanzaIdCodec.encode({ id: stanzaId, by: this.jid }));
    if (!participant.isSystem) template.cnode(occupantIdCodec.encode({ id: participant.occupantId }));
    if (Date.now() - when.getTime() > DELAY_THRESHOLD_MS) template.cnode(delayCodec.encode({ stamp: when, from: this.jid }));
    this.#archive({ stanzaId, legacyId: legacyMsgId, when: when.getTime(), nick: participant.nick, occupantId: participant.occupantId, body: body ?? "", xml: template.toString() });
    if (options.archiveOnly) this.#catchingUp?.push(stanzaId);
    if (!options.archiveOnly) {
      if (!participant.isSystem && !participant.isUser && this.#participants.get(participant.nick) !== participant) {
        // First message of someone not announced yet (or no longer present,
        // after leave/kick/ban): presence first. A removed participant had
        // role none (and outcast after a ban), which no present occupant has.
        if (participant.role === "none") participant.role = "participant";
        if (participant.affiliation === "outcast") participant.affiliation = this.#defaultAffiliation();
        this.#add(participant);
        this.#persistParticipant(participant);
        await this.#broadcastPresence(participant);
      }
      for (const resource of this.#readyResources()) {
        const m = cloneWithTo(template, this.#userResource(resource));
        await this.#send(m);
      }
    }
  }

  // ---------------------------------------------------------------------------
  // Presence from the user

  async #onPresence(stanza: Element, from: JID, to: JID): Promise<void> {
    const resource = from.resource;
    if (!resource) return;
    const type = stanza.attrs.type;
    if (type === "unavailable") {
      if (!this.#joined.has(resource)) return;
      this.#joined.delete(resource);
      this.#persist();
      const me = await this.getUserParticipant();
      await this.#send(this.#occupantPresence(me, resource, { unavailable: true, codes: [StatusCode.SELF_PRESENCE] }));
      return;
    }
    if (type !== undefined && type !== "available") return;
    if (!to.resource) {
      await this.#send(errorFor(stanza, new XMPPError("jid-malformed", { text: "A nick is required to join" })));
      return;
    }
    const isJoinRequest = stanza.getChild("x", NS_MUC) !== undefined;
    if (this.#joined.get(resource) === true && !isJoinRequest) {
      const me = await this.getUserParticipant();
      if (to.resource !== me.nick) {
        // Policy: nicks come from the legacy network; they cannot be changed here.
        await this.#send(errorFor(stanza, new XMPPError("not-acceptable", { text: "Nick changes are not supported by this gateway" })));
        return;
      }
      return; // a status update; nothing to relay
    }
    // A join request from a resource we count as joined (it rejoins, say
    // after a reconnect or after our restart): the full join flow again.
    await this.#join(stanza, resource, to.resource);
  }

  async #join(stanza: Element, resource: string, requestedNick: string): Promise<void> {
    let history: MucHistory | undefined;
    try {
      history = mucJoin.findIn(stanza, NS_COMPONENT)?.history;
    } catch (e) {
      this.session.gateway.log.debug("ignoring a malformed join request's history", isDecodeError(e) ? e.message : e);
    }
    this.#joined.set(resource, false);
    let me: LegacyParticipant;
    try {
      await this.ensureInfo();
      await this.#fill();
      await this.#backfillOnce();
      if (this.userNick === undefined) this.userNick = requestedNick;
      me = await this.getUserParticipant();
    } catch (e) {
      // No half-joined resource is left behind; the gateway answers with the error.
      this.#joined.delete(resource);
      throw e;
    }
    if (me.affiliation === "outcast") {
      // XEP-0045 §7.2.8: a banned user cannot enter.
      this.#joined.delete(resource);
      await this.#send(errorFor(stanza, new XMPPError("forbidden", { text: "You are banned from this group" })));
      return;
    }
    if (this.#participants.get(me.nick) !== me) {
      // The user was removed (a kick, or leaving on the legacy side) and comes back.
      me.nick = this.#uniqueNick(me.nick, me);
      if (me.role === "none") me.role = "participant";
      this.#add(me);
      this.#persistParticipant(me);
    }
    const nonAnonymous = isNonAnonymous(this.type);
    // 1. The other occupants.
    for (const p of this.#participants.values()) {
      if (p === me) continue;
      await this.#send(this.#occupantPresence(p, resource));
    }
    // 2. Our self-presence: 110, 100 in non-anonymous rooms, 210 when the nick was rewritten; the join's id echoed.
    const codes: number[] = [];
    if (nonAnonymous) codes.push(StatusCode.NON_ANONYMOUS);
    codes.push(StatusCode.SELF_PRESENCE);
    if (me.nick !== requestedNick) codes.push(StatusCode.NICK_ASSIGNED);
    const self = this.#occupantPresence(me, resource, { codes });
    if (typeof stanza.attrs.id === "string") self.attrs.id = stanza.attrs.id;
    await this.#send(self);
    this.#joined.set(resource, true);
    this.#persist();
    // 3. History from the archive.
    for (const message of this.#history(history, resource)) await this.#send(message);
    // 4. The subject, always.
    await this.#send(this.#subjectMessage(resource, true));
  }

  async #fill(): Promise<void> {
    if (this.#filled) return;
    this.#filling ??= (async () => {
      try {
        for await (const p of this.fillParticipants()) this.#add(p);
      } finally {
        this.#filling = undefined;
      }
      this.#filled = true;
      const userJid = this.session.userJid.toString();
      this.session.gateway.store.participants.saveMany([...this.#participants.values()].map((p) => participantRecord(userJid, this.legacyId, p)));
      this.#persist();
    })();
    await this.#filling;
  }

  /** Call {@link LegacyMUC.backfill} for the gap, once per process (see there). */
  async #backfillOnce(): Promise<void> {
    this.#backfilling ??= (async () => {
      const archive = this.session.gateway.store.archive;
      const userJid = this.session.userJid.toString();
      const after = this.#newestAtStart;
      try {
        const before = archive.query(userJid, this.legacyId, { ...(after ? { afterStanzaId: after.stanzaId } : {}), limit: 1 })[0];
        await backfillContext.run(this, () => this.backfill(after, before));
      } catch (e) {
        this.session.gateway.log.warn(`room ${this.jid.toString()}: backfill failed`, e);
      }
    })();
    await this.#backfilling;
  }

  /** The history messages for a join of `resource`, as they will be sent. */
  #history(h: MucHistory | undefined, resource: string): Element[] {
    if (h?.maxStanzas === 0 || h?.maxChars === 0) return [];
    const since = Math.max(h?.since?.getTime() ?? 0, h?.seconds !== undefined ? Date.now() - h.seconds * 1000 : 0);
    const entries = this.session.gateway.store.archive.query(this.session.userJid.toString(), this.legacyId, {
      ...(since > 0 ? { since } : {}),
      limit: h?.maxStanzas ?? DEFAULT_HISTORY,
      last: true,
    });
    const messages = entries.map((entry) => this.#historyMessage(entry, resource));
    if (h?.maxChars === undefined) return messages;
    // XEP-0045 §7.2.15: maxchars counts the complete XML stanzas, as delivered.
    let chars = 0;
    let start = messages.length;
    while (start > 0) {
      const size = (messages[start - 1] as Element).toString().length;
      if (chars + size > h.maxChars) break;
      chars += size;
      start--;
    }
    return messages.slice(start);
  }

  // ---------------------------------------------------------------------------
  // Messages from the user

  async #onMessage(stanza: Element, from: JID, to: JID): Promise<void> {
    const resource = from.resource ?? "";
    if (stanza.attrs.type === "error") return;
    if (to.resource) {
      await this.#send(errorFor(stanza, new XMPPError("feature-not-implemented", { text: "Private messages are not supported in this room" })));
      return;
    }
    if (stanza.attrs.type !== "groupchat") return; // invitations, voice requests: not supported
    if (this.#joined.get(resource) !== true) {
      await this.#send(errorFor(stanza, new XMPPError("not-acceptable", { text: "Join the room before sending messages" })));
      return;
    }
    let msg;
    try {
      msg = messageContent.decode(viewInNamespace(stanza, NS_CLIENT));
    } catch (e) {
      await this.#send(errorFor(stanza, new XMPPError("bad-request", { text: isDecodeError(e) ? e.message : "malformed message" })));
      return;
    }
    const body = msg.body[""] ?? Object.values(msg.body)[0];
    const xmppId = typeof stanza.attrs.id === "string" ? stanza.attrs.id : randomUUID();
    try {
      const refs = readUserRefs(stanza, body);
      if (refs.retraction !== undefined) {
        await this.#userRetraction(stanza, xmppId, body ?? RETRACTION_FALLBACK, refs.retraction.id);
        return;
      }
      if (refs.reactions !== undefined) {
        await this.#userReactions(stanza, xmppId, body, refs.reactions);
        return;
      }
      if (body === undefined) {
        const subject = msg.subject[""] ?? Object.values(msg.subject)[0];
        if (subject === undefined) return;
        await this.onSetSubject(subject);
        await this.setSubject(subject, { setter: await this.getUserParticipant() });
        return;
      }
      const me = await this.getUserParticipant();
      const others = [...this.#participants.values()].filter((p) => !p.isUser && !p.isSystem).map((p) => p.nick);
      const archive = this.session.gateway.store.archive;
      const userJid = this.session.userJid.toString();
      const replied = refs.reply === undefined ? undefined : archive.get(userJid, this.legacyId, refs.reply.id)?.legacyId;
      // The quote a client adds for clients without replies goes only when the legacy side gets the reference instead (XEP-0461 §3.1).
      const text = replied !== undefined ? (refs.text ?? body) : body;
      const options: TextOptions = { xmppId, mentions: mentionedNicks(text, others), ...(replied !== undefined ? { replyTo: replied } : {}) };
      if (refs.corrects !== undefined) {
        const legacyId = this.#ownLegacyId(me, this.session.gateway.store.messageIds.xmppToLegacy(userJid, refs.corrects));
        await this.session.onCorrect(this, legacyId, text, options);
        await this.#reflect(stanza, me, xmppId, body, undefined);
        return;
      }
      const legacyId = await this.session.onText(this, text, options);
      if (legacyId) this.session.gateway.store.messageIds.map(userJid, legacyId, xmppId);
      await this.#reflect(stanza, me, xmppId, body, legacyId || undefined);
    } catch (e) {
      await this.#send(errorFor(stanza, asXmppError(e)));
    }
  }

  /** The user retracts one of their messages, named by its stanza-id. */
  async #userRetraction(stanza: Element, xmppId: string, body: string, stanzaId: string): Promise<void> {
    const me = await this.getUserParticipant();
    const original = this.session.gateway.store.archive.get(this.session.userJid.toString(), this.legacyId, stanzaId);
    if (!original) throw new XMPPError("item-not-found", { text: `No message with stanza-id ${stanzaId} in this room` });
    const legacyId = this.#ownLegacyId(me, original.legacyId, original);
    await this.session.onRetract(this, legacyId, { xmppId });
    await this.#reflect(stanza, me, xmppId, body, undefined);
    this.#bury(original, xmppId);
  }

  /** Replace a retracted message in the archive with its tombstone, so that history and MAM no longer serve it (XEP-0424 §5). */
  #bury(original: ArchiveEntry, retractionId: string, moderation?: ModerationInfo): void {
    this.session.gateway.store.archive.replace(this.session.userJid.toString(), this.legacyId, original.stanzaId, tombstone(original, retractionId, new Date(), moderation));
  }

  /** The room's vCard: its name and, when it has one, its avatar (XEP-0486). */
  #vcard(): Element {
    const avatar = this.#avatar;
    return vcardTemp.encode({
      ...(this.name !== undefined ? { fullName: this.name } : {}),
      ...(avatar ? { photo: { type: avatar.type, binval: Buffer.from(avatar.data).toString("base64") } } : {}),
    });
  }

  /** The user publishes a vCard to the room: its photo becomes the room's avatar, or none (XEP-0486). */
  async #userAvatar(payload: Element): Promise<void> {
    let vcard;
    try {
      vcard = vcardTemp.decode(viewInNamespace(payload, NS_VCARD));
    } catch (e) {
      throw new XMPPError("bad-request", { text: isDecodeError(e) ? e.message : "malformed vCard" });
    }
    const photo = vcard.photo;
    let avatar: RoomAvatar | undefined;
    if (photo?.binval !== undefined) {
      const data = Buffer.from(photo.binval.replace(/\s+/g, ""), "base64");
      if (data.length === 0) throw new XMPPError("bad-request", { text: "The photo has no image data" });
      avatar = { data: new Uint8Array(data), type: photo.type ?? "image/png" };
    } else if (photo?.extval !== undefined) {
      throw new XMPPError("not-acceptable", { text: "Only inline photos (BINVAL) are supported" });
    }
    await this.onAvatar(avatar);
    await this.setAvatar(avatar);
  }

  /** The user, a moderator, retracts someone's message (XEP-0425). */
  async #userModeration(payload: Element): Promise<void> {
    let request;
    try {
      request = messageModerate.decode(viewInNamespace(payload, NS_MODERATE));
    } catch (e) {
      throw new XMPPError("bad-request", { text: isDecodeError(e) ? e.message : "malformed moderation request" });
    }
    if (!request.retract) throw new XMPPError("feature-not-implemented", { text: "Only retractions are supported" });
    const me = await this.getUserParticipant();
    if (me.role !== "moderator") throw new XMPPError("forbidden", { text: "Only moderators may moderate messages" });
    const original = this.session.gateway.store.archive.get(this.session.userJid.toString(), this.legacyId, request.id);
    if (original?.legacyId === undefined) throw new XMPPError("item-not-found", { text: `No message with stanza-id ${request.id} known to the legacy network` });
    await this.session.onModerate(this, original.legacyId, request.reason, {});
    await this.#broadcastModeration(me, original, request.reason);
  }

  /** @internal A legacy moderator deleted someone's message (see `LegacyParticipant.moderate`); false when the archive does not know it. */
  async participantModeration(moderator: LegacyParticipant, legacyMsgId: string, reason: string | undefined): Promise<boolean> {
    return this.#afterCatchUp(() => this.#participantModeration(moderator, legacyMsgId, reason));
  }

  async #participantModeration(moderator: LegacyParticipant, legacyMsgId: string, reason: string | undefined): Promise<boolean> {
    const original = this.#archivedByLegacyId(legacyMsgId);
    if (!original) return false;
    await this.#broadcastModeration(moderator, original, reason);
    return true;
  }

  /** Tell every joined resource, from the room itself, that a moderator retracted a message (XEP-0425 §4.1), and archive it. */
  async #broadcastModeration(moderator: LegacyParticipant, original: ArchiveEntry, reason: string | undefined): Promise<void> {
    const system = await this.getSystemParticipant();
    const by = tryParseJid(`${this.jid.toString()}/${moderator.nick}`);
    const moderation: ModerationInfo = { ...(by ? { by } : {}), occupantId: moderator.occupantId, ...(reason !== undefined ? { reason } : {}) };
    const retract = messageRetraction.encode({
      id: original.stanzaId,
      moderated: { ...(by ? { by } : {}), occupantId: { id: moderator.occupantId } },
      ...(reason !== undefined ? { reason } : {}),
    });
    const id = randomUUID();
    await this.#relay(system, undefined, id, undefined, [retract, xml("store", { xmlns: NS_HINTS })], {});
    this.#bury(original, id, moderation);
  }

  /** The user reacts to a message (anyone's), named by its stanza-id. */
  async #userReactions(stanza: Element, xmppId: string, body: string | undefined, reactions: { readonly id: string; readonly reactions: readonly string[] }): Promise<void> {
    const me = await this.getUserParticipant();
    const original = this.session.gateway.store.archive.get(this.session.userJid.toString(), this.legacyId, reactions.id);
    if (original?.legacyId === undefined) throw new XMPPError("item-not-found", { text: `No message with stanza-id ${reactions.id} known to the legacy network` });
    await this.session.onReact(this, original.legacyId, reactions.reactions, { xmppId });
    await this.#reflect(stanza, me, xmppId, body, undefined);
  }

  /**
   * The legacy id of one of the user's messages, checked: `item-not-found`
   * when the network never had it, `forbidden` when someone else wrote it.
   */
  #ownLegacyId(me: LegacyParticipant, legacyId: string | undefined, entry = legacyId === undefined ? undefined : this.#archivedByLegacyId(legacyId)): string {
    if (legacyId === undefined || entry === undefined) throw new XMPPError("item-not-found", { text: "This message is unknown to the legacy network" });
    if (entry.occupantId !== me.occupantId) throw new XMPPError("forbidden", { text: "Only your own messages can be corrected or retracted" });
    return legacyId;
  }

  /** Reflect the user's message to each of their joined resources, with a stanza-id, and archive it. */
  async #reflect(stanza: Element, me: LegacyParticipant, xmppId: string, body: string | undefined, legacyId: string | undefined): Promise<void> {
    const stanzaId = randomUUID();
    const template = xml("message", { from: `${this.jid.toString()}/${me.nick}`, type: "groupchat", id: xmppId });
    if (body !== undefined) template.cnode(xml("body", {}, body));
    const origin = originIdCodec.tryFindIn(stanza, NS_COMPONENT);
    if (origin) template.cnode(originIdCodec.encode({ id: origin.id }));
    // What the message refers to, as the user's client wrote it.
    for (const c of stanza.children) {
      if (typeof c !== "string" && REFLECTED_PAYLOADS.has(String(c.attrs.xmlns))) template.cnode(cloneElement(c));
    }
    template.cnode(stanzaIdCodec.encode({ id: stanzaId, by: this.jid }));
    template.cnode(occupantIdCodec.encode({ id: me.occupantId }));
    this.#archive({ stanzaId, legacyId, when: Date.now(), nick: me.nick, occupantId: me.occupantId, body: body ?? "", xml: template.toString() });
    for (const r of this.#readyResources()) await this.#send(cloneWithTo(template, this.#userResource(r)));
  }

  // ---------------------------------------------------------------------------
  // IQs from the user

  async #onIq(stanza: Element, from: JID, to: JID): Promise<void> {
    const type = stanza.attrs.type;
    // The gateway answered any other type already (see `BaseGateway#handle`).
    if (type !== "get" && type !== "set") return;
    const payload = stanza.children.find((c): c is Element => typeof c !== "string");
    const ns = payload?.attrs.xmlns;
    try {
      if (!to.resource && type === "get" && payload?.name === "query" && ns === NS_DISCO_INFO) {
        await this.#send(resultFor(stanza, this.discoInfo()));
      } else if (!to.resource && type === "get" && payload?.name === "query" && ns === NS_DISCO_ITEMS) {
        await this.#send(resultFor(stanza, xml("query", { xmlns: NS_DISCO_ITEMS })));
      } else if (!to.resource && type === "set" && payload?.name === "query" && ns === NS_MAM) {
        const fin = await answerMamQuery(this.#roomArchive(), payload, from, (m) => this.#send(m));
        await this.#send(resultFor(stanza, fin));
      } else if (!to.resource && type === "get" && payload?.name === "query" && ns === NS_MAM) {
        await this.#send(resultFor(stanza, mamFormQuery()));
      } else if (!to.resource && type === "get" && payload?.name === "metadata" && ns === NS_MAM) {
        await this.#send(resultFor(stanza, mamMetadataOf(this.#roomArchive())));
      } else if (!to.resource && type === "get" && payload?.name === "vCard" && ns === NS_VCARD) {
        await this.#send(resultFor(stanza, this.#vcard()));
      } else if (!to.resource && type === "set" && payload?.name === "vCard" && ns === NS_VCARD) {
        await this.#userAvatar(payload);
        await this.#send(resultFor(stanza));
      } else if (!to.resource && type === "set" && payload?.name === "moderate" && ns === NS_MODERATE) {
        await this.#userModeration(payload);
        await this.#send(resultFor(stanza));
      } else if (!to.resource && type === "set" && payload?.name === "query" && ns === NS_MUC_ADMIN) {
        await this.#admin(payload);
        await this.#send(resultFor(stanza));
      } else if (to.resource && type === "get" && payload?.name === "ping" && ns === NS_MUC_SELF_PING) {
        // XEP-0410: answer for a joined resource pinging itself, else not-acceptable.
        const me = await this.getUserParticipant();
        if (to.resource === me.nick && this.#joined.get(from.resource ?? "") === true) await this.#send(resultFor(stanza));
        else throw new XMPPError("not-acceptable", { text: "Not in the room" });
      } else {
        throw new XMPPError("feature-not-implemented");
      }
    } catch (e) {
      await this.#send(errorFor(stanza, asXmppError(e)));
    }
  }

  /**
   * The user's muc#admin set (XEP-0045 §8.2, §9.1): kicks (role `none` by
   * nick) and affiliation changes (by JID). Every item is checked before any
   * hook runs: an unknown role or affiliation, a malformed JID, an item with
   * neither role nor affiliation, or without the nick or JID it needs, is
   * `bad-request`; an unknown nick is `item-not-found`.
   */
  async #admin(query: Element): Promise<void> {
    let items: readonly MucAdminItem[];
    try {
      items = mucAdminQuery.decode(query).items;
    } catch (e) {
      throw new XMPPError("bad-request", { text: isDecodeError(e) ? e.message : "malformed muc#admin request" });
    }
    if (items.length === 0) throw new XMPPError("bad-request", { text: "No item to change" });
    const changes: (() => Promise<void>)[] = [];
    for (const item of items) {
      const reason = item.reason;
      if (item.role === undefined && item.affiliation === undefined) {
        throw new XMPPError("bad-request", { text: "An item needs a role or an affiliation" });
      } else if (item.role === "none" && item.nick !== undefined) {
        const p = this.#participants.get(item.nick);
        if (!p) throw new XMPPError("item-not-found", { text: "No such occupant" });
        changes.push(() => this.onKick(p, reason));
      } else if (item.affiliation !== undefined && item.jid !== undefined) {
        const jid = item.jid.toString();
        const affiliation = item.affiliation;
        const p = [...this.#participants.values()].find((x) => x.realJid === jid);
        changes.push(() => this.onSetAffiliation(p, jid, affiliation, reason));
      } else if (item.affiliation !== undefined || item.nick === undefined) {
        throw new XMPPError("bad-request", { text: item.affiliation !== undefined ? "An affiliation change needs a jid" : "A role change needs a nick" });
      } else {
        throw new XMPPError("feature-not-implemented");
      }
    }
    for (const change of changes) await change();
  }

  /** This room's archive, as the user's queries see it. */
  #roomArchive(): RoomArchive {
    return {
      store: this.session.gateway.store.archive,
      userJid: this.session.userJid.toString(),
      roomLegacyId: this.legacyId,
      roomJid: this.jid,
      // Without creating the user's occupant (which would fix their nick before they join).
      userOccupantId: async () => this.#user?.occupantId ?? occupantIdFor(this.jid.toString(), "\u0000user"),
    };
  }

  // ---------------------------------------------------------------------------
  // Helpers

  #makeParticipant(init: {
    nick: string;
    legacyId: string | undefined;
    isUser: boolean;
    isSystem: boolean;
    affiliation: Affiliation;
    role: Role;
    realJid: string | undefined;
    occupantId?: string;
  }): LegacyParticipant {
    const Participant = this.session.gateway.participantClass;
    return new Participant({
      muc: this,
      ...init,
      occupantId: init.occupantId ?? occupantIdFor(this.jid.toString(), init.isUser ? "\u0000user" : (init.legacyId ?? init.nick)),
    });
  }

  #add(p: LegacyParticipant): void {
    this.#participants.set(p.nick, p);
    if (p.legacyId !== undefined) this.#byLegacyId.set(p.legacyId, p);
    if (p.isUser) this.#user = p;
  }

  /** The affiliation of a participant nobody said anything about: member of a group, none in a channel. */
  #defaultAffiliation(): Affiliation {
    return this.type === MucType.GROUP ? "member" : "none";
  }

  #uniqueNick(nick: string, self?: LegacyParticipant): string {
    const taken = (n: string): boolean => {
      const p = this.#participants.get(n);
      return p !== undefined && p !== self;
    };
    if (!taken(nick)) return nick;
    // Start from the suffix after the last one given for this name, so a
    // name shared by thousands of members costs O(1) per member, not O(n).
    for (let i = this.#nextSuffix.get(nick) ?? 2; ; i++) {
      const candidate = nickWithSuffix(nick, ` (${i})`);
      if (!taken(candidate)) {
        this.#nextSuffix.set(nick, i + 1);
        return candidate;
      }
    }
  }

  /** Per base nick, the suffix number to try first (see `#uniqueNick`). */
  readonly #nextSuffix = new Map<string, number>();

  *#readyResources(): Iterable<string> {
    for (const [resource, ready] of this.#joined) if (ready) yield resource;
  }

  #userResource(resource: string): string {
    return `${this.session.userJid.toString()}/${resource}`;
  }

  async #broadcastPresence(p: LegacyParticipant): Promise<void> {
    for (const resource of this.#readyResources()) await this.#send(this.#occupantPresence(p, resource));
  }

  #occupantPresence(p: LegacyParticipant, resource: string, options: { unavailable?: boolean; codes?: number[]; reason?: string | undefined } = {}): Element {
    const presence = xml("presence", { from: `${this.jid.toString()}/${p.nick}`, to: this.#userResource(resource) });
    if (options.unavailable) presence.attrs.type = "unavailable";
    const showJid = isNonAnonymous(this.type) && p.realJid !== undefined;
    // Every presence of the user's own occupant tells the user it is theirs (XEP-0045 §7.6, §9.6).
    const codes = [...(options.codes ?? [])];
    if (p.isUser && !codes.includes(StatusCode.SELF_PRESENCE)) codes.push(StatusCode.SELF_PRESENCE);
    presence.cnode(
      mucUserX.encode({
        items: [
          {
            affiliation: p.affiliation,
            role: options.unavailable ? "none" : p.role,
            ...(showJid ? { jid: parseJid(p.realJid as string) } : {}),
            ...(options.reason !== undefined ? { reason: options.reason } : {}),
          },
        ],
        statusCodes: codes,
      }),
    );
    presence.cnode(occupantIdCodec.encode({ id: p.occupantId }));
    return presence;
  }

  #subjectMessage(resource: string, initial: boolean): Element {
    const from = this.#subjectSetter ? `${this.jid.toString()}/${this.#subjectSetter}` : this.jid.toString();
    const m = xml("message", { from, to: this.#userResource(resource), type: "groupchat", id: randomUUID() });
    // XEP-0045 §7.2.15: when the group has no subject, show its description or name.
    const text = this.#subject !== "" || !initial ? this.#subject : (this.description ?? this.name ?? "");
    m.cnode(xml("subject", {}, text));
    if (this.#subjectDate) m.cnode(delayCodec.encode({ stamp: this.#subjectDate, from: this.jid }));
    return m;
  }

  #historyMessage(entry: ArchiveEntry, resource: string): Element {
    const m = parseElement(entry.xml);
    m.attrs.to = this.#userResource(resource);
    if (!m.getChild("delay", NS_DELAY)) m.cnode(delayCodec.encode({ stamp: new Date(entry.when), from: this.jid }));
    return m;
  }

  #archive(entry: Omit<ArchiveEntry, "userJid" | "roomLegacyId">): void {
    this.session.gateway.store.archive.append({ userJid: this.session.userJid.toString(), roomLegacyId: this.legacyId, ...entry });
  }

  #persistParticipant(p: LegacyParticipant): void {
    if (p.isSystem) return;
    this.session.gateway.store.participants.save(participantRecord(this.session.userJid.toString(), this.legacyId, p));
  }

  /** @internal Save the room's record. */
  persistRecord(): void {
    this.#persist();
  }

  #persist(): void {
    this.session.gateway.store.rooms.save({
      userJid: this.session.userJid.toString(),
      legacyId: this.legacyId,
      local: this.jid.local,
      type: this.type,
      name: this.name,
      description: this.description,
      subject: this.#subject,
      subjectSetter: this.#subjectSetter,
      subjectDate: this.#subjectDate?.getTime(),
      userNick: this.userNick,
      joinedResources: [...this.#joined.keys()],
      participantsFilled: this.#filled,
      avatar: this.#avatar,
    });
  }

  async #send(stanza: Element): Promise<void> {
    await this.session.gateway.send(stanza);
  }

}

function participantRecord(userJid: string, roomLegacyId: string, p: LegacyParticipant): ParticipantRecord {
  return {
    userJid,
    roomLegacyId,
    nick: p.nick,
    legacyId: p.legacyId,
    occupantId: p.occupantId,
    affiliation: p.affiliation,
    role: p.role,
    realJid: p.realJid,
    isUser: p.isUser,
  };
}

/**
 * Whether a message reported with the legacy id of an archived entry may be
 * that message again (a resend, an edit): only when it has the same sender.
 * From someone else, it is another message reusing the id.
 */
function isSameMessage(archived: ArchiveEntry, participant: LegacyParticipant): boolean {
  return archived.occupantId === participant.occupantId;
}

/** A copy of `template` addressed to `to`. */
function cloneWithTo(template: Element, to: string): Element {
  const m = xml(template.name, { ...template.attrs, to });
  for (const c of template.children) m.children.push(c);
  return m;
}

/** What a legacy module threw, as a stanza error: an XMPPError keeps its condition, anything else is internal-server-error. */
export function asXmppError(e: unknown): XMPPError {
  if (e instanceof XMPPError) return e;
  return new XMPPError("internal-server-error", { text: e instanceof Error ? e.message : "The legacy network failed", cause: e });
}
