/**
 * The state of one room that its parts share: the subject, the roster of
 * participants, the user's joined resources, the avatar, the once-per-room
 * steps (info, fill, backfill) and the queue of live legacy events held while
 * the room's joined resources catch up on a backfill; and the few helpers
 * every part uses (making and adding participants, the user's resources,
 * sending). The {@link LegacyMUC} facade owns one; `user-presence.ts`,
 * `user-messages.ts`, `user-iqs.ts`, `participant-events.ts` and `store.ts`
 * are functions over it. Not part of the package's API.
 *
 * @module
 */
import { ReadHorizon } from "../messages/read-horizon.js";
import { AsyncLocalStorage } from "node:async_hooks";
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import type { Affiliation, Role } from "../../xso/muc-user.js";
import { MucType } from "../muc-type.js";
import { nickWithSuffix, occupantIdFor } from "../names.js";
import type { LegacyMUC } from "../muc.js";
import type { LegacyParticipant, ParticipantOutbox } from "../participant.js";
import type { BaseSession } from "../session.js";
import type { GatewayStore, RoomAvatar, RoomRecord } from "../store/store.js";
import { occupantPresence, subjectMessage, type OccupantPresenceOptions } from "./stanzas.js";

/** The room whose `backfill()` runs in this async context: what it calls does not wait for the backfill (see {@link MucCore.afterCatchUp}). */
export const backfillContext = new AsyncLocalStorage<MucCore>();

/** What the user's occupant-id is derived from (no legacy id or nick can be it). */
const USER_OCCUPANT_KEY = "\u0000user";

/** What a participant is made from, as the room knows it. */
export interface NewParticipant {
  readonly nick: string;
  readonly legacyId: string | undefined;
  readonly isUser: boolean;
  readonly isSystem: boolean;
  readonly affiliation: Affiliation;
  readonly role: Role;
  readonly realJid: string | undefined;
  /** Known already (restored); derived from the room and the legacy id (or nick) when absent. */
  readonly occupantId?: string;
}

/**
 * A room's state, behind its {@link LegacyMUC} facade. Not part of the
 * package's API (no entry point exports it), but left in the built
 * declarations, which the other `muc/` modules' declarations name.
 */
export class MucCore {
  /** The facade: its hooks and module API are called through it, so that a subclass's overrides are honoured. */
  readonly room: LegacyMUC;
  /** What the room's participants call (see `participant-events.ts`). */
  readonly outbox: ParticipantOutbox;

  subject = "";
  subjectSetter: string | undefined;
  subjectDate: Date | undefined;
  /** The participants present, by nick. */
  readonly participants = new Map<string, LegacyParticipant>();
  /** The participants present, by legacy id. */
  readonly byLegacyId = new Map<string, LegacyParticipant>();
  /** Joined resources of the user → whether the join flow completed for it. */
  readonly joined = new Map<string, boolean>();
  filled: boolean;
  filling: Promise<void> | undefined;
  avatar: RoomAvatar | undefined;
  /**
   * The stanza-id of the newest archived message up to which the room's
   * history is known complete (kept in the room's record): the next backfill
   * asks from there. Moved forward only when a backfill completes, so that a
   * gap whose backfill failed, or whose process died, is asked for again.
   */
  backfilledTo: string | undefined;
  /**
   * The stanza-id of the first message this process archived live (not by a
   * backfill): where the gap ends. Before it, messages archived by an earlier
   * process (live, or by a backfill cut short) may have gaps between them.
   */
  firstLive: string | undefined;
  backfilling: Promise<void> | undefined;
  /** While a backfill for joined resources runs (after a restart, or asked for again at a join), then while the live legacy events that waited for it run: the end of their queue. */
  held: Promise<void> | undefined;
  /** While a backfill for joined resources runs: the stanza-ids of the messages it archived. */
  catchingUp: string[] | undefined;
  /** The legacy ids of the messages a backfill for joined resources delivered, while live events wait for it: those are not delivered again. */
  caughtUp: ReadonlySet<string> | undefined;
  infoUpdated = false;
  infoUpdating: Promise<void> | undefined;
  /** The others' messages the user has not marked displayed, for `markAllMessages`. */
  readonly unread = new ReadHorizon();
  user: LegacyParticipant | undefined;
  system: LegacyParticipant | undefined;
  restored = false;
  /** The user created the group by joining it: the next join's self-presence says so (201). */
  createdByJoin = false;
  /** Per base nick, the suffix number to try first (see {@link MucCore.uniqueNick}). */
  readonly #nextSuffix = new Map<string, number>();

  /**
   * @param room - the facade, its session, legacy id and JID set.
   * @param record - what the store remembers of the room, when it does.
   * @param outbox - makes what the room's participants call.
   */
  constructor(room: LegacyMUC, record: RoomRecord | undefined, outbox: (core: MucCore) => ParticipantOutbox) {
    this.room = room;
    this.outbox = outbox(this);
    this.filled = record?.participantsFilled ?? false;
    if (record) {
      this.backfilledTo = record.backfilledTo;
      this.avatar = record.avatar;
      this.subject = record.subject ?? "";
      this.subjectSetter = record.subjectSetter;
      this.subjectDate = record.subjectDate === undefined ? undefined : new Date(record.subjectDate);
      // Resources joined before a restart stay joined: the user's clients did
      // not leave, and their next join request replays the whole join.
      for (const resource of record.joinedResources) this.joined.set(resource, true);
    }
  }

  /** The user's session. */
  get session(): BaseSession {
    return this.room.session;
  }

  /**
   * Whether the room's session is still its user's: not unregistered, nor
   * replaced by a new registration. The store keeps nothing for a session
   * that is not (its user's records went with the unregistration).
   */
  get registered(): boolean {
    return this.session.gateway.getSession(this.session.userJid) === this.session;
  }

  /** The gateway's store. */
  get store(): GatewayStore {
    return this.room.session.gateway.store;
  }

  /** The user's bare JID, as stored. */
  get userJid(): string {
    return this.room.session.userJid.toString();
  }

  /** The room's JID. */
  get jid(): JID {
    return this.room.jid;
  }

  /** A participant of this room, made by the module's participant class. */
  makeParticipant(init: NewParticipant): LegacyParticipant {
    const Participant = this.session.gateway.participantClass;
    return new Participant({
      muc: this.room,
      outbox: this.outbox,
      ...init,
      occupantId: init.occupantId ?? occupantIdFor(this.jid.toString(), init.isUser ? USER_OCCUPANT_KEY : (init.legacyId ?? init.nick)),
    });
  }

  /** The user's occupant-id, without creating the user's occupant (which would fix their nick before they join). */
  userOccupantId(): string {
    return this.user?.occupantId ?? occupantIdFor(this.jid.toString(), USER_OCCUPANT_KEY);
  }

  /** Count `p` present. */
  add(p: LegacyParticipant): void {
    this.participants.set(p.nick, p);
    if (p.legacyId !== undefined) this.byLegacyId.set(p.legacyId, p);
    if (p.isUser) this.user = p;
  }

  /** The affiliation of a participant nobody said anything about: member of a group, none in a channel. */
  defaultAffiliation(): Affiliation {
    return this.room.type === MucType.GROUP ? "member" : "none";
  }

  /** `nick`, or, when another participant than `self` has it, `nick (2)`, `nick (3)`… */
  uniqueNick(nick: string, self?: LegacyParticipant): string {
    const taken = (n: string): boolean => {
      const p = this.participants.get(n);
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

  /** The user's resources whose join completed. */
  *readyResources(): Iterable<string> {
    for (const [resource, ready] of this.joined) if (ready) yield resource;
  }

  /** The full JID of one of the user's resources. */
  userResource(resource: string): string {
    return `${this.userJid}/${resource}`;
  }

  /** `p`'s presence to one of the user's resources. */
  presenceTo(p: LegacyParticipant, resource: string, options?: OccupantPresenceOptions): Element {
    return occupantPresence(this.jid, this.room.type, p, this.userResource(resource), options);
  }

  /**
   * The subject message to one of the user's resources (XEP-0045 §7.2.15):
   * the subject from whoever set it (the room itself when no participant
   * did), an empty `<subject/>` when there is none. A room whose network has
   * no subjects ({@link LegacyMUC.hasSubject} `false`) shows its
   * description, or its name, from the room.
   */
  subjectTo(resource: string): Element {
    const to = this.userResource(resource);
    if (!this.room.hasSubject) return subjectMessage(this.jid, to, this.room.description ?? this.room.name ?? "", undefined, undefined);
    return subjectMessage(this.jid, to, this.subject, this.subjectSetter, this.subjectDate);
  }

  async broadcastPresence(p: LegacyParticipant): Promise<void> {
    for (const resource of this.readyResources()) await this.send(this.presenceTo(p, resource));
  }

  /** Send a stanza through the gateway. */
  async send(stanza: Element): Promise<void> {
    await this.session.gateway.send(stanza);
  }

  /**
   * Run a live legacy event of the room: at once, or, while a backfill for
   * the user's joined resources runs (after a restart, see
   * `LegacyMUC.catchUp`, or asked for again at a join), after it and after
   * the events that came before, in order. What `backfill()` itself calls
   * does not wait.
   */
  async afterCatchUp<T>(event: () => Promise<T>): Promise<T> {
    const held = this.held;
    if (held === undefined || backfillContext.getStore() === this) return event();
    const turn = held.then(event);
    this.hold(turn);
    return turn;
  }

  /** Make `work` the end of the queue of held events; the queue is gone once it has run out. */
  hold(work: Promise<unknown>): void {
    const tail = work.then(
      () => undefined,
      () => undefined,
    );
    this.held = tail;
    void tail.then(() => {
      if (this.held !== tail) return;
      this.held = undefined;
      this.caughtUp = undefined;
    });
  }
}
