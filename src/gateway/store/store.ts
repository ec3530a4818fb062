/**
 * What the gateway persists, behind one interface: registered users and their
 * legacy data, their rooms, participants, message-id maps, and the archive.
 * SQLite (`openSqliteStore`) is the default; an in-memory database serves tests.
 *
 * The interface is synchronous: a store is local (an embedded database),
 * and the gateway calls it on every stanza.
 *
 * @module
 */
import type { MucType } from "../muc-type.js";

/**
 * JSON-compatible data a legacy module keeps for a user.
 *
 * @category Store
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A registered user.
 *
 * @category Store
 */
export interface UserRecord {
  /** The user's bare JID. */
  readonly jid: string;
  /** What `BaseGateway.validate` returned for the registration form: the legacy credentials and settings. */
  readonly legacyData: { readonly [key: string]: JsonValue };
  /** When the user registered (ms since the epoch). */
  readonly registeredAt: number;
  /** The user's preferences (the gateway's `preferences` fields), by var. @default {} */
  readonly preferences?: { readonly [key: string]: JsonValue };
}

/**
 * One legacy group as one user sees it.
 *
 * @category Store
 */
export interface RoomRecord {
  /** The owning user's bare JID. */
  readonly userJid: string;
  /** The group's id on the legacy network. */
  readonly legacyId: string;
  /** The room JID's localpart. */
  readonly local: string;
  /** The kind of group. */
  readonly type: MucType;
  /** Room name. */
  readonly name?: string | undefined;
  /** Room description. */
  readonly description?: string | undefined;
  /** Current subject. */
  readonly subject?: string | undefined;
  /** Nick of who set the subject. */
  readonly subjectSetter?: string | undefined;
  /** When the subject was set (ms since the epoch). */
  readonly subjectDate?: number | undefined;
  /** The user's nick in the room. */
  readonly userNick?: string | undefined;
  /** The user's XMPP resources currently joined. */
  readonly joinedResources: readonly string[];
  /** Whether `fillParticipants()` has run for this room. */
  readonly participantsFilled: boolean;
  /** The room's avatar (XEP-0486), if it has one. */
  readonly avatar?: RoomAvatar | undefined;
  /**
   * The stanza-id of the newest archived message up to which the room's
   * history is known complete: where the next backfill starts. Moved only
   * when a backfill completes, so that a gap whose backfill failed or was cut
   * short is asked for again. Absent until a backfill first completes.
   */
  readonly backfilledTo?: string | undefined;
}

/**
 * An image, with its media type.
 *
 * @category Store
 */
export interface RoomAvatar {
  /** The image's bytes. */
  readonly data: Uint8Array;
  /** Its media type (`image/png`). */
  readonly type: string;
}

/**
 * One participant (puppet) of a room.
 *
 * @category Store
 */
export interface ParticipantRecord {
  /** The owning user's bare JID. */
  readonly userJid: string;
  /** The room's legacy id. */
  readonly roomLegacyId: string;
  /** The participant's nick in the room (unique in the room). */
  readonly nick: string;
  /** The participant's id on the legacy network, if it has one. */
  readonly legacyId?: string | undefined;
  /** The XEP-0421 occupant id. */
  readonly occupantId: string;
  /** Affiliation. */
  readonly affiliation: "owner" | "admin" | "member" | "outcast" | "none";
  /** Role. */
  readonly role: "moderator" | "participant" | "visitor" | "none";
  /** The participant's real JID, shown in non-anonymous rooms. */
  readonly realJid?: string | undefined;
  /** Whether this participant is the user. */
  readonly isUser: boolean;
}

/**
 * One archived groupchat message (XEP-0313).
 *
 * @category Store
 */
export interface ArchiveEntry {
  /** The owning user's bare JID. */
  readonly userJid: string;
  /** The room's legacy id. */
  readonly roomLegacyId: string;
  /** The XEP-0359 stanza-id the gateway assigned. */
  readonly stanzaId: string;
  /** The message's legacy id, if any. */
  readonly legacyId?: string | undefined;
  /** When it was sent (ms since the epoch). */
  readonly when: number;
  /** The sender's nick. */
  readonly nick: string;
  /** The sender's occupant id. */
  readonly occupantId?: string | undefined;
  /** The body (for `maxchars` accounting and search). */
  readonly body: string;
  /** The message as delivered, serialised XML without `to`. */
  readonly xml: string;
}

/**
 * A query of the archive. Entries come in chronological order: by `when`,
 * then (for equal times) in the order they were archived; "after" and
 * "before" an entry mean in that order.
 *
 * @category Store
 */
export interface ArchiveQuery {
  /** Only entries strictly after this stanza-id. */
  readonly afterStanzaId?: string;
  /** Only entries strictly before this stanza-id. */
  readonly beforeStanzaId?: string;
  /** Only entries at or after this time (ms). */
  readonly since?: number;
  /** Only entries at or before this time (ms). */
  readonly until?: number;
  /** Only the entries with these stanza-ids (none for an empty list). */
  readonly ids?: readonly string[];
  /** Only the entries sent under this nick. */
  readonly nick?: string;
  /** Only the entries sent by the occupant with this occupant-id. */
  readonly occupantId?: string;
  /** Only the entries of the legacy message with this id. */
  readonly legacyId?: string;
  /** At most this many entries. */
  readonly limit?: number;
  /** With `limit`: the newest `limit` entries (still returned oldest first). */
  readonly last?: boolean;
}

/**
 * A contact of one user on the legacy network, as the roster last knew it.
 *
 * @category Store
 */
export interface ContactRecord {
  /** The owning user's bare JID. */
  readonly userJid: string;
  /** The contact's legacy id. */
  readonly legacyId: string;
  /** Its display name. */
  readonly name?: string;
  /** Whether it is in the user's roster. */
  readonly isFriend: boolean;
  /** Its avatar. */
  readonly avatar?: RoomAvatar;
}

/**
 * The gateway's persistence.
 *
 * @category Store
 */
export interface GatewayStore {
  /** Registered users. */
  readonly users: {
    /** The user with this bare JID. */
    get(jid: string): UserRecord | undefined;
    /** Every registered user. */
    list(): UserRecord[];
    /** Insert or replace. */
    save(user: UserRecord): void;
    /** Remove the user and everything that belongs to them (rooms, participants, ids, archive). */
    delete(jid: string): void;
  };
  /** Rooms per user. */
  readonly rooms: {
    /** One room. */
    get(userJid: string, legacyId: string): RoomRecord | undefined;
    /** A user's rooms. */
    list(userJid: string): RoomRecord[];
    /** Insert or replace. */
    save(room: RoomRecord): void;
    /** Remove a room with its participants and archive. */
    delete(userJid: string, legacyId: string): void;
  };
  /** Contacts per user. */
  readonly contacts: {
    /** One contact. */
    get(userJid: string, legacyId: string): ContactRecord | undefined;
    /** A user's contacts, in insertion order. */
    list(userJid: string): ContactRecord[];
    /** Insert or replace. */
    save(contact: ContactRecord): void;
    /** Remove one. */
    delete(userJid: string, legacyId: string): void;
  };
  /** Participants per room. */
  readonly participants: {
    /** A room's participants, in insertion order. */
    list(userJid: string, roomLegacyId: string): ParticipantRecord[];
    /** Insert or replace one participant (by nick). */
    save(participant: ParticipantRecord): void;
    /** Insert or replace many participants in one transaction (fast for 50,000). */
    saveMany(participants: readonly ParticipantRecord[]): void;
    /** Remove one participant. */
    delete(userJid: string, roomLegacyId: string, nick: string): void;
  };
  /**
   * Legacy ↔ XMPP message id maps, per user, and per room for a room's
   * messages (legacy ids need be unique only within a group). A mapping made
   * without a room (direct chats, whose keys name the contact) is found by
   * every lookup; one made for a room only by that room's lookups and by
   * lookups without a room.
   */
  readonly messageIds: {
    /** Remember that `legacyId` and `xmppId` name the same message (of the room with this legacy id, if given). */
    map(userJid: string, legacyId: string, xmppId: string, room?: string): void;
    /** The XMPP id of a legacy message: the newest mapping (of this room, or of no room, when `room` is given). */
    legacyToXmpp(userJid: string, legacyId: string, room?: string): string | undefined;
    /** The legacy id of an XMPP message: the newest mapping (of this room, or of no room, when `room` is given). */
    xmppToLegacy(userJid: string, xmppId: string, room?: string): string | undefined;
  };
  /**
   * Which XMPP thread (XEP-0201 `<thread/>`) is which of the network's
   * threads, per user: for sessions whose message ids are thread ids
   * (`BaseSession.messageIdsAreThreadIds`), a thread the user starts is the
   * network's thread of its first message.
   */
  readonly threads: {
    /** Remember that `xmppThread` is the network's `legacyThread`. */
    map(userJid: string, xmppThread: string, legacyThread: string): void;
    /** The network's thread of an XMPP thread. */
    toLegacy(userJid: string, xmppThread: string): string | undefined;
    /** The XMPP thread of one of the network's threads. */
    toXmpp(userJid: string, legacyThread: string): string | undefined;
  };
  /** The message archive. */
  readonly archive: {
    /** Append a message. */
    append(entry: ArchiveEntry): void;
    /** Query a room's archive. */
    query(userJid: string, roomLegacyId: string, query?: ArchiveQuery): ArchiveEntry[];
    /** One entry by stanza-id. */
    get(userJid: string, roomLegacyId: string, stanzaId: string): ArchiveEntry | undefined;
    /**
     * Replace an entry's message and body, keeping its place, time and ids
     * (a retracted message's tombstone, XEP-0424 §5); false when there is no
     * such entry.
     */
    replace(userJid: string, roomLegacyId: string, stanzaId: string, replacement: { readonly body: string; readonly xml: string }): boolean;
  };
  /** The schema version (migrations applied). */
  readonly schemaVersion: number;
  /** Close the database. */
  close(): void;
}
