/**
 * The SQLite implementation of {@link GatewayStore}, over `better-sqlite3`.
 *
 * - The schema is versioned with `PRAGMA user_version`: at open, every
 *   migration newer than the file's version runs in one transaction; a file
 *   written by a newer version of this code is refused.
 * - Files use WAL journaling (`synchronous = NORMAL`); foreign keys are on, so
 *   deleting a user removes their rooms, participants, message ids and archive.
 *   Deleting a room removes its participants and archive (by trigger: they
 *   reference the user, not the room, so they may be written before the room).
 * - Every statement is prepared once (the archive's, once per query shape).
 *
 * @module
 */
import Database from "better-sqlite3";
import { MIGRATIONS, type Migration } from "./migrations.js";
import type { MucType } from "../muc-type.js";
import type {
  ArchiveEntry,
  ArchiveQuery,
  GatewayStore,
  JsonValue,
  ParticipantRecord,
  RoomRecord,
  UserRecord,
  ContactRecord,
} from "./store.js";

/**
 * Why a {@link StoreError} was thrown.
 *
 * @category Errors
 */
export type StoreErrorReason =
  /** The file could not be opened (missing directory, permissions, a directory, …). */
  | "unopenable"
  /** The file is not an SQLite database, or is damaged. */
  | "corrupt"
  /** The file was written by a newer version of this code (its `user_version` is unknown). */
  | "schema-too-new"
  /** A migration failed; the file was left at its previous version. */
  | "migration-failed"
  /** A write broke a constraint: its user is not registered, or an archive stanza-id is a duplicate. */
  | "constraint"
  /** The store was used after `close()`. */
  | "closed"
  /** Any other database failure. */
  | "failed";

/**
 * An error from the SQLite store. It names the database file and keeps the
 * underlying error (usually a `better-sqlite3` `SqliteError`) as `cause`.
 *
 * @example
 * ```ts
 * try {
 *   store = openSqliteStore("./gateway.sqlite");
 * } catch (e) {
 *   if (e instanceof StoreError && e.reason === "schema-too-new") console.error("upgrade the gateway");
 *   throw e;
 * }
 * ```
 *
 * @category Errors
 */
export class StoreError extends Error {
  /** Always `"StoreError"`. */
  override readonly name = "StoreError";
  /** The database path given to {@link openSqliteStore}. */
  readonly path: string;
  /** What went wrong, as a category. */
  readonly reason: StoreErrorReason;
  /** SQLite's extended result code (e.g. `"SQLITE_NOTADB"`), when SQLite raised the error. */
  readonly code: string | undefined;

  /**
   * @param message - what failed.
   * @param path - the database path.
   * @param reason - the category.
   * @param cause - the underlying error, if any.
   */
  constructor(message: string, path: string, reason: StoreErrorReason, cause?: unknown) {
    super(`${message} (database: ${path})`, cause === undefined ? undefined : { cause });
    this.path = path;
    this.reason = reason;
    this.code = sqliteCode(cause);
  }
}

/**
 * Options of {@link openSqliteStore}. None yet; read-only opening is not supported.
 *
 * @category Store
 */
export interface SqliteStoreOptions {
  /** Not supported: the store always opens read-write (migrations may need to write). */
  readonly readonly?: never;
}

/**
 * The schema version this code writes: the number of migrations.
 *
 * @category Store
 */
export const SQLITE_SCHEMA_VERSION: number = MIGRATIONS.length;

interface UserRow {
  jid: string;
  legacy_data: string;
  registered_at: number;
  preferences: string;
}

interface ContactRow {
  user_jid: string;
  legacy_id: string;
  name: string | null;
  is_friend: number;
  avatar_type: string | null;
  avatar: Buffer | null;
}

function toContact(row: ContactRow): ContactRecord {
  return {
    userJid: row.user_jid,
    legacyId: row.legacy_id,
    ...(row.name !== null ? { name: row.name } : {}),
    isFriend: row.is_friend === 1,
    ...(row.avatar !== null ? { avatar: { data: new Uint8Array(row.avatar), type: row.avatar_type ?? "image/png" } } : {}),
  };
}

interface RoomRow {
  user_jid: string;
  legacy_id: string;
  local: string;
  type: string;
  name: string | null;
  description: string | null;
  subject: string | null;
  subject_setter: string | null;
  subject_date: number | null;
  user_nick: string | null;
  joined_resources: string;
  participants_filled: number;
  avatar_type: string | null;
  avatar: Uint8Array | null;
  backfilled_to: string | null;
}

interface ParticipantRow {
  user_jid: string;
  room_legacy_id: string;
  nick: string;
  legacy_id: string | null;
  occupant_id: string;
  affiliation: string;
  role: string;
  real_jid: string | null;
  is_user: number;
}

interface ArchiveRow {
  user_jid: string;
  room_legacy_id: string;
  stanza_id: string;
  legacy_id: string | null;
  sent_at: number;
  nick: string;
  occupant_id: string | null;
  body: string;
  xml: string;
}

/** Columns of `archive` that make up an {@link ArchiveEntry}, in select order. */
const ARCHIVE_COLUMNS =
  "user_jid, room_legacy_id, stanza_id, legacy_id, sent_at, nick, occupant_id, body, xml";

/**
 * Open (creating if needed) an SQLite gateway store and bring its schema up to date.
 *
 * @param path - a file path, or `":memory:"` for a private in-memory database (for tests).
 * @param options - reserved; no options yet.
 * @returns the store; call `close()` when done.
 * @throws {@link StoreError} if the file cannot be opened (`"unopenable"`), is not a
 *   database (`"corrupt"`), has a newer schema than this code knows (`"schema-too-new"`),
 *   or a migration fails (`"migration-failed"`).
 * @example
 * ```ts
 * const store = openSqliteStore("./gateway.sqlite");
 * store.users.save({ jid: "romeo@montague.lit", legacyData: { token: "…" }, registeredAt: Date.now() });
 * ```
 *
 * @category Store
 */
export function openSqliteStore(path: string, options?: SqliteStoreOptions): GatewayStore {
  void options;
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (e) {
    throw new StoreError(`cannot open the database: ${messageOf(e)}`, path, classify(e, "unopenable"), e);
  }
  try {
    const version = prepareDatabase(db, path);
    return new SqliteStore(db, path, version);
  } catch (e) {
    db.close();
    if (e instanceof StoreError) throw e;
    throw new StoreError(`cannot open the database: ${messageOf(e)}`, path, classify(e, "unopenable"), e);
  }
}

/** Set the connection's pragmas and run pending migrations; returns the schema version. */
function prepareDatabase(db: Database.Database, path: string): number {
  // Reading the header first makes a non-database file fail here, as "corrupt".
  const found = db.pragma("user_version", { simple: true });
  if (typeof found !== "number") throw new StoreError("cannot read the schema version", path, "corrupt");
  if (found > MIGRATIONS.length) {
    throw new StoreError(
      `the database's schema version ${found} is newer than this code supports (${MIGRATIONS.length}); upgrade the gateway`,
      path,
      "schema-too-new",
    );
  }
  if (!db.memory) {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
  }
  db.pragma("foreign_keys = ON");
  if (found < MIGRATIONS.length) {
    // IMMEDIATE: take the write lock before re-reading the version, so two
    // processes opening the same old file do not both migrate it.
    const migrate = db.transaction(() => {
      const current = db.pragma("user_version", { simple: true }) as number;
      for (let v = current; v < MIGRATIONS.length; v++) {
        try {
          (MIGRATIONS[v] as Migration)(db);
        } catch (e) {
          throw new StoreError(`migration ${v} → ${v + 1} failed: ${messageOf(e)}`, path, "migration-failed", e);
        }
      }
      db.pragma(`user_version = ${MIGRATIONS.length}`);
    });
    migrate.immediate();
  }
  return MIGRATIONS.length;
}

/** Map an SQLite error to a reason. */
function classify(e: unknown, fallback: StoreErrorReason): StoreErrorReason {
  const code = sqliteCode(e);
  if (code === "SQLITE_NOTADB" || code?.startsWith("SQLITE_CORRUPT")) return "corrupt";
  if (code?.startsWith("SQLITE_CONSTRAINT")) return "constraint";
  if (code?.startsWith("SQLITE_CANTOPEN")) return "unopenable";
  if (e instanceof TypeError && /connection is not open/i.test(e.message)) return "closed";
  return fallback;
}

function sqliteCode(e: unknown): string | undefined {
  return e instanceof Database.SqliteError ? e.code : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `undefined` → `null`, for binding optional fields. */
function nul<T>(v: T | undefined): T | null {
  return v === undefined ? null : v;
}

function toUser(row: UserRow): UserRecord {
  return {
    jid: row.jid,
    legacyData: JSON.parse(row.legacy_data) as { readonly [key: string]: JsonValue },
    registeredAt: row.registered_at,
    preferences: JSON.parse(row.preferences) as { readonly [key: string]: JsonValue },
  };
}

function toRoom(row: RoomRow): RoomRecord {
  const room: { -readonly [K in keyof RoomRecord]: RoomRecord[K] } = {
    userJid: row.user_jid,
    legacyId: row.legacy_id,
    local: row.local,
    type: row.type as MucType,
    joinedResources: JSON.parse(row.joined_resources) as string[],
    participantsFilled: row.participants_filled !== 0,
  };
  if (row.avatar !== null && row.avatar_type !== null) room.avatar = { data: new Uint8Array(row.avatar), type: row.avatar_type };
  if (row.name !== null) room.name = row.name;
  if (row.description !== null) room.description = row.description;
  if (row.subject !== null) room.subject = row.subject;
  if (row.subject_setter !== null) room.subjectSetter = row.subject_setter;
  if (row.subject_date !== null) room.subjectDate = row.subject_date;
  if (row.user_nick !== null) room.userNick = row.user_nick;
  if (row.backfilled_to !== null) room.backfilledTo = row.backfilled_to;
  return room;
}

function toParticipant(row: ParticipantRow): ParticipantRecord {
  const p: { -readonly [K in keyof ParticipantRecord]: ParticipantRecord[K] } = {
    userJid: row.user_jid,
    roomLegacyId: row.room_legacy_id,
    nick: row.nick,
    occupantId: row.occupant_id,
    affiliation: row.affiliation as ParticipantRecord["affiliation"],
    role: row.role as ParticipantRecord["role"],
    isUser: row.is_user !== 0,
  };
  if (row.legacy_id !== null) p.legacyId = row.legacy_id;
  if (row.real_jid !== null) p.realJid = row.real_jid;
  return p;
}

function toEntry(row: ArchiveRow): ArchiveEntry {
  const e: { -readonly [K in keyof ArchiveEntry]: ArchiveEntry[K] } = {
    userJid: row.user_jid,
    roomLegacyId: row.room_legacy_id,
    stanzaId: row.stanza_id,
    when: row.sent_at,
    nick: row.nick,
    body: row.body,
    xml: row.xml,
  };
  if (row.legacy_id !== null) e.legacyId = row.legacy_id;
  if (row.occupant_id !== null) e.occupantId = row.occupant_id;
  return e;
}

function participantParams(p: ParticipantRecord): Record<string, unknown> {
  return {
    user_jid: p.userJid,
    room_legacy_id: p.roomLegacyId,
    nick: p.nick,
    legacy_id: nul(p.legacyId),
    occupant_id: p.occupantId,
    affiliation: p.affiliation,
    role: p.role,
    real_jid: nul(p.realJid),
    is_user: p.isUser ? 1 : 0,
  };
}

/** Bit flags of an archive query's shape; one prepared statement per shape. */
const AFTER = 1;
const BEFORE = 2;
const SINCE = 4;
const UNTIL = 8;
const LAST = 16;
const IDS = 32;
const NICK = 64;
const OCCUPANT = 128;
const LEGACY_ID = 256;

/** The store itself; built only by {@link openSqliteStore}. */
class SqliteStore implements GatewayStore {
  readonly users: GatewayStore["users"];
  readonly rooms: GatewayStore["rooms"];
  readonly contacts: GatewayStore["contacts"];
  readonly participants: GatewayStore["participants"];
  readonly messageIds: GatewayStore["messageIds"];
  readonly threads: GatewayStore["threads"];
  readonly archive: GatewayStore["archive"];
  readonly schemaVersion: number;

  readonly #db: Database.Database;
  readonly #path: string;
  readonly #archiveQueries = new Map<number, Database.Statement<[Record<string, unknown>], ArchiveRow>>();

  constructor(db: Database.Database, path: string, schemaVersion: number) {
    this.#db = db;
    this.#path = path;
    this.schemaVersion = schemaVersion;

    // ---- users ----
    const userGet = db.prepare<[string], UserRow>("SELECT jid, legacy_data, registered_at, preferences FROM users WHERE jid = ?");
    const userList = db.prepare<[], UserRow>("SELECT jid, legacy_data, registered_at, preferences FROM users ORDER BY rowid");
    const userSave = db.prepare<[Record<string, unknown>]>(
      `INSERT INTO users (jid, legacy_data, registered_at, preferences) VALUES (:jid, :legacy_data, :registered_at, :preferences)
       ON CONFLICT (jid) DO UPDATE SET legacy_data = excluded.legacy_data, registered_at = excluded.registered_at, preferences = excluded.preferences`,
    );
    const userDelete = db.prepare<[string]>("DELETE FROM users WHERE jid = ?");
    this.users = {
      get: (jid) => this.#run("users.get", () => {
        const row = userGet.get(jid);
        return row === undefined ? undefined : toUser(row);
      }),
      list: () => this.#run("users.list", () => userList.all().map(toUser)),
      save: (user) => this.#run("users.save", () => {
        userSave.run({ jid: user.jid, legacy_data: JSON.stringify(user.legacyData), registered_at: user.registeredAt, preferences: JSON.stringify(user.preferences ?? {}) });
      }),
      delete: (jid) => this.#run("users.delete", () => {
        userDelete.run(jid);
      }),
    };

    // ---- contacts ----
    const CONTACT_COLUMNS = "user_jid, legacy_id, name, is_friend, avatar_type, avatar";
    const contactGet = db.prepare<[string, string], ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts WHERE user_jid = ? AND legacy_id = ?`);
    const contactList = db.prepare<[string], ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts WHERE user_jid = ? ORDER BY rowid`);
    const contactSave = db.prepare<[Record<string, unknown>]>(
      `INSERT INTO contacts (${CONTACT_COLUMNS}) VALUES (:user_jid, :legacy_id, :name, :is_friend, :avatar_type, :avatar)
       ON CONFLICT (user_jid, legacy_id) DO UPDATE SET name = excluded.name, is_friend = excluded.is_friend, avatar_type = excluded.avatar_type, avatar = excluded.avatar`,
    );
    const contactDelete = db.prepare<[string, string]>("DELETE FROM contacts WHERE user_jid = ? AND legacy_id = ?");
    this.contacts = {
      get: (userJid, legacyId) => this.#run("contacts.get", () => {
        const row = contactGet.get(userJid, legacyId);
        return row === undefined ? undefined : toContact(row);
      }),
      list: (userJid) => this.#run("contacts.list", () => contactList.all(userJid).map(toContact)),
      save: (contact) => this.#run("contacts.save", () => {
        contactSave.run({
          user_jid: contact.userJid,
          legacy_id: contact.legacyId,
          name: contact.name ?? null,
          is_friend: contact.isFriend ? 1 : 0,
          avatar_type: contact.avatar?.type ?? null,
          avatar: contact.avatar ? Buffer.from(contact.avatar.data) : null,
        });
      }),
      delete: (userJid, legacyId) => this.#run("contacts.delete", () => {
        contactDelete.run(userJid, legacyId);
      }),
    };

    // ---- rooms ----
    const ROOM_COLUMNS =
      "user_jid, legacy_id, local, type, name, description, subject, subject_setter, subject_date, user_nick, joined_resources, participants_filled, avatar_type, avatar, backfilled_to";
    const roomGet = db.prepare<[string, string], RoomRow>(
      `SELECT ${ROOM_COLUMNS} FROM rooms WHERE user_jid = ? AND legacy_id = ?`,
    );
    const roomList = db.prepare<[string], RoomRow>(`SELECT ${ROOM_COLUMNS} FROM rooms WHERE user_jid = ? ORDER BY rowid`);
    const roomSave = db.prepare<[Record<string, unknown>]>(
      `INSERT INTO rooms (${ROOM_COLUMNS})
       VALUES (:user_jid, :legacy_id, :local, :type, :name, :description, :subject, :subject_setter, :subject_date,
               :user_nick, :joined_resources, :participants_filled, :avatar_type, :avatar, :backfilled_to)
       ON CONFLICT (user_jid, legacy_id) DO UPDATE SET
         local = excluded.local, type = excluded.type, name = excluded.name, description = excluded.description,
         subject = excluded.subject, subject_setter = excluded.subject_setter, subject_date = excluded.subject_date,
         user_nick = excluded.user_nick, joined_resources = excluded.joined_resources,
         participants_filled = excluded.participants_filled, avatar_type = excluded.avatar_type, avatar = excluded.avatar,
         backfilled_to = excluded.backfilled_to`,
    );
    const roomDelete = db.prepare<[string, string]>("DELETE FROM rooms WHERE user_jid = ? AND legacy_id = ?");
    this.rooms = {
      get: (userJid, legacyId) => this.#run("rooms.get", () => {
        const row = roomGet.get(userJid, legacyId);
        return row === undefined ? undefined : toRoom(row);
      }),
      list: (userJid) => this.#run("rooms.list", () => roomList.all(userJid).map(toRoom)),
      save: (room) => this.#run("rooms.save", () => {
        roomSave.run({
          user_jid: room.userJid,
          legacy_id: room.legacyId,
          local: room.local,
          type: room.type,
          name: nul(room.name),
          description: nul(room.description),
          subject: nul(room.subject),
          subject_setter: nul(room.subjectSetter),
          subject_date: nul(room.subjectDate),
          user_nick: nul(room.userNick),
          joined_resources: JSON.stringify(room.joinedResources),
          participants_filled: room.participantsFilled ? 1 : 0,
          avatar_type: room.avatar?.type ?? null,
          avatar: room.avatar ? Buffer.from(room.avatar.data) : null,
          backfilled_to: nul(room.backfilledTo),
        });
      }, `user ${room.userJid} is not registered`),
      delete: (userJid, legacyId) => this.#run("rooms.delete", () => {
        roomDelete.run(userJid, legacyId);
      }),
    };

    // ---- participants ----
    const participantList = db.prepare<[string, string], ParticipantRow>(
      `SELECT user_jid, room_legacy_id, nick, legacy_id, occupant_id, affiliation, role, real_jid, is_user
       FROM participants WHERE user_jid = ? AND room_legacy_id = ? ORDER BY seq`,
    );
    // An upsert, not INSERT OR REPLACE: a replaced participant keeps its place in the order.
    const participantSave = db.prepare<[Record<string, unknown>]>(
      `INSERT INTO participants (user_jid, room_legacy_id, nick, legacy_id, occupant_id, affiliation, role, real_jid, is_user)
       VALUES (:user_jid, :room_legacy_id, :nick, :legacy_id, :occupant_id, :affiliation, :role, :real_jid, :is_user)
       ON CONFLICT (user_jid, room_legacy_id, nick) DO UPDATE SET
         legacy_id = excluded.legacy_id, occupant_id = excluded.occupant_id, affiliation = excluded.affiliation,
         role = excluded.role, real_jid = excluded.real_jid, is_user = excluded.is_user`,
    );
    const participantSaveMany = db.transaction((list: readonly ParticipantRecord[]) => {
      for (const p of list) participantSave.run(participantParams(p));
    });
    const participantDelete = db.prepare<[string, string, string]>(
      "DELETE FROM participants WHERE user_jid = ? AND room_legacy_id = ? AND nick = ?",
    );
    const noUser = (p: ParticipantRecord): string => `user ${p.userJid} is not registered`;
    this.participants = {
      list: (userJid, roomLegacyId) =>
        this.#run("participants.list", () => participantList.all(userJid, roomLegacyId).map(toParticipant)),
      save: (p) => this.#run("participants.save", () => {
        participantSave.run(participantParams(p));
      }, noUser(p)),
      saveMany: (list) => this.#run("participants.saveMany", () => {
        participantSaveMany(list);
      }, "a participant's user is not registered"),
      delete: (userJid, roomLegacyId, nick) => this.#run("participants.delete", () => {
        participantDelete.run(userJid, roomLegacyId, nick);
      }),
    };

    // ---- message ids ----
    // Many-to-many: re-mapping a pair makes it the newest; lookups return the newest mapping.
    // A room's lookups see its own mappings and those of no room (''), never another room's.
    const idMap = db.prepare<[string, string, string, string]>(
      "INSERT OR REPLACE INTO message_ids (user_jid, room, legacy_id, xmpp_id) VALUES (?, ?, ?, ?)",
    );
    const idToXmpp = db.prepare<[string, string], string>(
      "SELECT xmpp_id FROM message_ids WHERE user_jid = ? AND legacy_id = ? ORDER BY seq DESC LIMIT 1",
    ).pluck();
    const idToXmppInRoom = db.prepare<[string, string, string], string>(
      "SELECT xmpp_id FROM message_ids WHERE user_jid = ? AND legacy_id = ? AND room IN (?, '') ORDER BY seq DESC LIMIT 1",
    ).pluck();
    const idToLegacy = db.prepare<[string, string], string>(
      "SELECT legacy_id FROM message_ids WHERE user_jid = ? AND xmpp_id = ? ORDER BY seq DESC LIMIT 1",
    ).pluck();
    const idToLegacyInRoom = db.prepare<[string, string, string], string>(
      "SELECT legacy_id FROM message_ids WHERE user_jid = ? AND xmpp_id = ? AND room IN (?, '') ORDER BY seq DESC LIMIT 1",
    ).pluck();
    this.messageIds = {
      map: (userJid, legacyId, xmppId, room) => this.#run("messageIds.map", () => {
        idMap.run(userJid, room ?? "", legacyId, xmppId);
      }, `user ${userJid} is not registered`),
      legacyToXmpp: (userJid, legacyId, room) => this.#run("messageIds.legacyToXmpp", () =>
        room === undefined ? idToXmpp.get(userJid, legacyId) : idToXmppInRoom.get(userJid, legacyId, room)),
      xmppToLegacy: (userJid, xmppId, room) => this.#run("messageIds.xmppToLegacy", () =>
        room === undefined ? idToLegacy.get(userJid, xmppId) : idToLegacyInRoom.get(userJid, xmppId, room)),
    };

    // ---- threads ----
    const threadMap = db.prepare<[string, string, string]>("INSERT OR REPLACE INTO threads (user_jid, xmpp_thread, legacy_thread) VALUES (?, ?, ?)");
    const threadToLegacy = db.prepare<[string, string], string>("SELECT legacy_thread FROM threads WHERE user_jid = ? AND xmpp_thread = ?").pluck();
    const threadToXmpp = db.prepare<[string, string], string>("SELECT xmpp_thread FROM threads WHERE user_jid = ? AND legacy_thread = ? LIMIT 1").pluck();
    this.threads = {
      map: (userJid, xmppThread, legacyThread) => this.#run("threads.map", () => {
        threadMap.run(userJid, xmppThread, legacyThread);
      }, `user ${userJid} is not registered`),
      toLegacy: (userJid, xmppThread) => this.#run("threads.toLegacy", () => threadToLegacy.get(userJid, xmppThread)),
      toXmpp: (userJid, legacyThread) => this.#run("threads.toXmpp", () => threadToXmpp.get(userJid, legacyThread)),
    };

    // ---- archive ----
    const archiveAppend = db.prepare<[Record<string, unknown>]>(
      `INSERT INTO archive (${ARCHIVE_COLUMNS})
       VALUES (:user_jid, :room_legacy_id, :stanza_id, :legacy_id, :sent_at, :nick, :occupant_id, :body, :xml)`,
    );
    const archiveReplace = db.prepare<[string, string, string, string, string]>(
      "UPDATE archive SET body = ?, xml = ? WHERE user_jid = ? AND room_legacy_id = ? AND stanza_id = ?",
    );
    const archiveGet = db.prepare<[string, string, string], ArchiveRow>(
      `SELECT ${ARCHIVE_COLUMNS} FROM archive WHERE user_jid = ? AND room_legacy_id = ? AND stanza_id = ?`,
    );
    this.archive = {
      append: (entry) => this.#run("archive.append", () => {
        archiveAppend.run({
          user_jid: entry.userJid,
          room_legacy_id: entry.roomLegacyId,
          stanza_id: entry.stanzaId,
          legacy_id: nul(entry.legacyId),
          sent_at: entry.when,
          nick: entry.nick,
          occupant_id: nul(entry.occupantId),
          body: entry.body,
          xml: entry.xml,
        });
      }, `user ${entry.userJid} is not registered, or stanza-id ${entry.stanzaId} is already archived in this room`),
      query: (userJid, roomLegacyId, query = {}) => {
        const limit = query.limit;
        if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
          throw new RangeError(`archive query limit must be a non-negative integer, not ${limit}`);
        }
        return this.#run("archive.query", () => this.#query(userJid, roomLegacyId, query));
      },
      replace: (userJid, roomLegacyId, stanzaId, replacement) =>
        this.#run("archive.replace", () => archiveReplace.run(replacement.body, replacement.xml, userJid, roomLegacyId, stanzaId).changes > 0),
      get: (userJid, roomLegacyId, stanzaId) => this.#run("archive.get", () => {
        const row = archiveGet.get(userJid, roomLegacyId, stanzaId);
        return row === undefined ? undefined : toEntry(row);
      }),
    };
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /**
   * Run an archive query. An unknown `afterStanzaId`/`beforeStanzaId` yields
   * no entries (check with `archive.get` to answer XEP-0313 item-not-found).
   * `limit` was validated by the caller.
   */
  #query(userJid: string, roomLegacyId: string, q: ArchiveQuery): ArchiveEntry[] {
    const limit = q.limit;
    if (limit === 0) return [];
    let shape = 0;
    const params: Record<string, unknown> = { user: userJid, room: roomLegacyId, limit: limit ?? -1 };
    if (q.afterStanzaId !== undefined) {
      shape |= AFTER;
      params.after = q.afterStanzaId;
    }
    if (q.beforeStanzaId !== undefined) {
      shape |= BEFORE;
      params.before = q.beforeStanzaId;
    }
    if (q.since !== undefined) {
      shape |= SINCE;
      params.since = q.since;
    }
    if (q.until !== undefined) {
      shape |= UNTIL;
      params.until = q.until;
    }
    if (q.ids !== undefined) {
      if (q.ids.length === 0) return [];
      shape |= IDS;
      params.ids = JSON.stringify(q.ids);
    }
    if (q.nick !== undefined) {
      shape |= NICK;
      params.nick = q.nick;
    }
    if (q.occupantId !== undefined) {
      shape |= OCCUPANT;
      params.occupant = q.occupantId;
    }
    if (q.legacyId !== undefined) {
      shape |= LEGACY_ID;
      params.legacy = q.legacyId;
    }
    if (q.last === true && limit !== undefined) shape |= LAST;
    let stmt = this.#archiveQueries.get(shape);
    if (stmt === undefined) {
      stmt = this.#db.prepare<[Record<string, unknown>], ArchiveRow>(archiveQuerySql(shape));
      this.#archiveQueries.set(shape, stmt);
    }
    return stmt.all(params).map(toEntry);
  }

  /** Run `fn`, turning any failure into a {@link StoreError}. */
  #run<T>(op: string, fn: () => T, constraintHint?: string): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof StoreError) throw e;
      const reason = this.#db.open ? classify(e, "failed") : "closed";
      const hint = reason === "constraint" && constraintHint !== undefined ? `: ${constraintHint}` : "";
      const what = reason === "closed" ? "the store is closed" : messageOf(e);
      throw new StoreError(`${op} failed${hint} (${what})`, this.#path, reason, e);
    }
  }
}

/** The SQL of one archive query shape (see the flag constants). */
function archiveQuerySql(shape: number): string {
  const positionOf = (param: string): string =>
    `(SELECT sent_at, seq FROM archive WHERE user_jid = :user AND room_legacy_id = :room AND stanza_id = :${param})`;
  const where = ["user_jid = :user", "room_legacy_id = :room"];
  if (shape & AFTER) where.push(`(sent_at, seq) > ${positionOf("after")}`);
  if (shape & BEFORE) where.push(`(sent_at, seq) < ${positionOf("before")}`);
  if (shape & SINCE) where.push("sent_at >= :since");
  if (shape & UNTIL) where.push("sent_at <= :until");
  if (shape & IDS) where.push("stanza_id IN (SELECT value FROM json_each(:ids))");
  if (shape & NICK) where.push("nick = :nick");
  if (shape & OCCUPANT) where.push("occupant_id = :occupant");
  if (shape & LEGACY_ID) where.push("legacy_id = :legacy");
  const inner = `SELECT seq, ${ARCHIVE_COLUMNS} FROM archive WHERE ${where.join(" AND ")}`;
  if (shape & LAST) {
    return `SELECT ${ARCHIVE_COLUMNS} FROM (${inner} ORDER BY sent_at DESC, seq DESC LIMIT :limit) ORDER BY sent_at ASC, seq ASC`;
  }
  return `SELECT ${ARCHIVE_COLUMNS} FROM (${inner} ORDER BY sent_at ASC, seq ASC LIMIT :limit)`;
}
