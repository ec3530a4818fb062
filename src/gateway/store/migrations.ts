/**
 * The SQLite store's schema, as the migrations that build it: migration `i`
 * brings a database from version `i` to `i + 1` (`PRAGMA user_version`);
 * `sqlite.ts` runs those a file lacks when it opens it. Never edit a
 * released migration: append a new one.
 *
 * @module
 */
import type Database from "better-sqlite3";

/** One schema migration: it brings the database from version `index` to `index + 1`. */
export type Migration = (db: Database.Database) => void;

/**
 * The schema migrations, in order. Migration `i` upgrades version `i` to
 * `i + 1`; the current version is `MIGRATIONS.length`. Never edit a released
 * migration: append a new one.
 */
export const MIGRATIONS: readonly Migration[] = [
  // 0 → 1: the initial schema.
  (db) => {
    db.exec(`
      CREATE TABLE users (
        jid            TEXT    NOT NULL PRIMARY KEY,
        legacy_data    TEXT    NOT NULL,
        registered_at  INTEGER NOT NULL
      );

      CREATE TABLE rooms (
        user_jid            TEXT    NOT NULL REFERENCES users (jid) ON DELETE CASCADE,
        legacy_id           TEXT    NOT NULL,
        local               TEXT    NOT NULL,
        type                TEXT    NOT NULL,
        name                TEXT,
        description         TEXT,
        subject             TEXT,
        subject_setter      TEXT,
        subject_date        INTEGER,
        user_nick           TEXT,
        joined_resources    TEXT    NOT NULL,
        participants_filled INTEGER NOT NULL,
        PRIMARY KEY (user_jid, legacy_id)
      );
      CREATE INDEX rooms_by_local ON rooms (user_jid, local);

      CREATE TABLE participants (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        user_jid        TEXT    NOT NULL REFERENCES users (jid) ON DELETE CASCADE,
        room_legacy_id  TEXT    NOT NULL,
        nick            TEXT    NOT NULL,
        legacy_id       TEXT,
        occupant_id     TEXT    NOT NULL,
        affiliation     TEXT    NOT NULL,
        role            TEXT    NOT NULL,
        real_jid        TEXT,
        is_user         INTEGER NOT NULL,
        UNIQUE (user_jid, room_legacy_id, nick)
      );
      CREATE INDEX participants_in_order ON participants (user_jid, room_legacy_id, seq);

      CREATE TABLE message_ids (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        user_jid   TEXT    NOT NULL REFERENCES users (jid) ON DELETE CASCADE,
        legacy_id  TEXT    NOT NULL,
        xmpp_id    TEXT    NOT NULL,
        UNIQUE (user_jid, legacy_id, xmpp_id)
      );
      CREATE INDEX message_ids_by_xmpp ON message_ids (user_jid, xmpp_id, seq);

      CREATE TABLE archive (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        user_jid        TEXT    NOT NULL REFERENCES users (jid) ON DELETE CASCADE,
        room_legacy_id  TEXT    NOT NULL,
        stanza_id       TEXT    NOT NULL,
        legacy_id       TEXT,
        sent_at         INTEGER NOT NULL,
        nick            TEXT    NOT NULL,
        occupant_id     TEXT,
        body            TEXT    NOT NULL,
        xml             TEXT    NOT NULL,
        UNIQUE (user_jid, room_legacy_id, stanza_id)
      );
      CREATE INDEX archive_in_order ON archive (user_jid, room_legacy_id, seq);
      CREATE INDEX archive_by_time ON archive (user_jid, room_legacy_id, sent_at);

      -- Participants and archive entries reference the user, not the room, so
      -- they may be written before the room's record; deleting a room removes
      -- them here.
      CREATE TRIGGER rooms_delete_cascade AFTER DELETE ON rooms BEGIN
        DELETE FROM participants WHERE user_jid = old.user_jid AND room_legacy_id = old.legacy_id;
        DELETE FROM archive WHERE user_jid = old.user_jid AND room_legacy_id = old.legacy_id;
      END;
    `);
  },
  // 1 → 2: the archive in chronological order (a backfilled message sorts by
  // its time, not by when it was archived); ties keep the archiving order.
  (db) => {
    db.exec(`
      DROP INDEX archive_in_order;
      DROP INDEX archive_by_time;
      CREATE INDEX archive_chronological ON archive (user_jid, room_legacy_id, sent_at, seq);
    `);
  },
  // 2 → 3: find a room's archived messages by legacy id (corrections, retractions, replies).
  (db) => {
    db.exec("CREATE INDEX archive_by_legacy_id ON archive (user_jid, room_legacy_id, legacy_id)");
  },
  // 3 → 4: room avatars (XEP-0486).
  (db) => {
    db.exec("ALTER TABLE rooms ADD COLUMN avatar_type TEXT; ALTER TABLE rooms ADD COLUMN avatar BLOB;");
  },
  // 4 → 5: each user's preferences (the gateway's preferences command).
  (db) => {
    db.exec("ALTER TABLE users ADD COLUMN preferences TEXT NOT NULL DEFAULT '{}'");
  },
  // 5 → 6: the users' contacts (roster): who is a friend, with name and avatar.
  (db) => {
    db.exec(`
      CREATE TABLE contacts (
        user_jid    TEXT    NOT NULL REFERENCES users (jid) ON DELETE CASCADE,
        legacy_id   TEXT    NOT NULL,
        name        TEXT,
        is_friend   INTEGER NOT NULL DEFAULT 0,
        avatar_type TEXT,
        avatar      BLOB,
        PRIMARY KEY (user_jid, legacy_id)
      )
    `);
  },
  // 6 → 7: threads (XEP-0201 ids ↔ the network's), for sessions whose message ids are thread ids.
  (db) => {
    db.exec(`
      CREATE TABLE threads (
        user_jid      TEXT NOT NULL REFERENCES users (jid) ON DELETE CASCADE,
        xmpp_thread   TEXT NOT NULL,
        legacy_thread TEXT NOT NULL,
        PRIMARY KEY (user_jid, xmpp_thread)
      );
      CREATE INDEX threads_by_legacy ON threads (user_jid, legacy_thread);
    `);
  },
  // 7 → 8: where each room's history is known complete (the next backfill starts there). The
  // previous versions took the newest archived message for it: a room of before starts from there.
  (db) => {
    db.exec(`
      ALTER TABLE rooms ADD COLUMN backfilled_to TEXT;
      UPDATE rooms SET backfilled_to = (
        SELECT stanza_id FROM archive
        WHERE archive.user_jid = rooms.user_jid AND archive.room_legacy_id = rooms.legacy_id
        ORDER BY sent_at DESC, seq DESC LIMIT 1
      );
    `);
  },
  // 8 → 9: message ids per room (legacy ids need be unique only within a group). A mapping of
  // before goes to each room whose archive has its legacy id; one of no archived message (a direct
  // chat's, whose key names the contact; a private message's) to no room ('').
  (db) => {
    db.exec(`
      CREATE TABLE message_ids_by_room (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        user_jid   TEXT    NOT NULL REFERENCES users (jid) ON DELETE CASCADE,
        room       TEXT    NOT NULL DEFAULT '',
        legacy_id  TEXT    NOT NULL,
        xmpp_id    TEXT    NOT NULL,
        UNIQUE (user_jid, room, legacy_id, xmpp_id)
      );
      INSERT INTO message_ids_by_room (user_jid, room, legacy_id, xmpp_id)
        SELECT m.user_jid, COALESCE(a.room, ''), m.legacy_id, m.xmpp_id
        FROM message_ids m
        LEFT JOIN (SELECT DISTINCT user_jid, room_legacy_id AS room, legacy_id FROM archive WHERE legacy_id IS NOT NULL) a
          ON a.user_jid = m.user_jid AND a.legacy_id = m.legacy_id
        ORDER BY m.seq;
      DROP TABLE message_ids;
      ALTER TABLE message_ids_by_room RENAME TO message_ids;
      CREATE INDEX message_ids_by_legacy ON message_ids (user_jid, legacy_id, seq);
      CREATE INDEX message_ids_by_xmpp ON message_ids (user_jid, xmpp_id, seq);
    `);
  },
];
