import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MucType } from "../../../src/gateway/muc-type.js";
import {
  openSqliteStore,
  SQLITE_SCHEMA_VERSION,
  StoreError,
  type ArchiveEntry,
  type GatewayStore,
  type ParticipantRecord,
  type RoomRecord,
  type UserRecord,
} from "../../../src/gateway/store/index.js";

const ROMEO = "romeo@montague.lit";
const JULIET = "juliet@capulet.lit";

function user(jid: string, extra: Partial<UserRecord> = {}): UserRecord {
  return { jid, legacyData: { token: `t-${jid}` }, registeredAt: 1_700_000_000_000, preferences: {}, ...extra };
}

function room(userJid: string, legacyId: string, extra: Partial<RoomRecord> = {}): RoomRecord {
  return { userJid, legacyId, local: `g${legacyId}`, type: MucType.GROUP, joinedResources: [], participantsFilled: false, ...extra };
}

function participant(userJid: string, roomLegacyId: string, nick: string, extra: Partial<ParticipantRecord> = {}): ParticipantRecord {
  return { userJid, roomLegacyId, nick, occupantId: `occ-${nick}`, affiliation: "member", role: "participant", isUser: false, ...extra };
}

function entry(userJid: string, roomLegacyId: string, n: number, extra: Partial<ArchiveEntry> = {}): ArchiveEntry {
  return {
    userJid,
    roomLegacyId,
    stanzaId: `s${n}`,
    when: 1_000 * n,
    nick: `nick${n % 3}`,
    body: `body ${n}`,
    xml: `<message type="groupchat"><body>body ${n}</body></message>`,
    ...extra,
  };
}

function ids(entries: readonly ArchiveEntry[]): string[] {
  return entries.map((e) => e.stanzaId);
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gateway-store-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  { kind: "in-memory", path: (): string => ":memory:" },
  { kind: "file", path: (): string => join(dir, "gateway.sqlite") },
])("SQLite store ($kind)", ({ path }) => {
  let store: GatewayStore;
  beforeEach(() => {
    store = openSqliteStore(path());
  });
  afterEach(() => {
    store.close();
  });

  it("reports the current schema version", () => {
    expect(store.schemaVersion).toBe(SQLITE_SCHEMA_VERSION);
    expect(store.schemaVersion).toBeGreaterThanOrEqual(1);
  });

  describe("users", () => {
    it("saves, gets, lists, replaces and deletes", () => {
      expect(store.users.get(ROMEO)).toBeUndefined();
      expect(store.users.list()).toEqual([]);
      const romeo = user(ROMEO, { legacyData: { token: "abc", n: 3, ok: true, none: null, list: [1, "two", { deep: [false] }] } });
      store.users.save(romeo);
      store.users.save(user(JULIET));
      expect(store.users.get(ROMEO)).toStrictEqual(romeo);
      expect(store.users.list().map((u) => u.jid)).toEqual([ROMEO, JULIET]);

      const replaced = user(ROMEO, { legacyData: { token: "new" }, registeredAt: 42 });
      store.users.save(replaced);
      expect(store.users.get(ROMEO)).toStrictEqual(replaced);
      expect(store.users.list().map((u) => u.jid)).toEqual([ROMEO, JULIET]);

      store.users.delete(ROMEO);
      expect(store.users.get(ROMEO)).toBeUndefined();
      expect(store.users.list()).toStrictEqual([user(JULIET)]);
      store.users.delete("nobody@example.com"); // no-op
    });

    it("keeps a user's data when the user is saved again", () => {
      store.users.save(user(ROMEO));
      store.rooms.save(room(ROMEO, "1"));
      store.participants.save(participant(ROMEO, "1", "Mercutio"));
      store.messageIds.map(ROMEO, "L1", "X1");
      store.archive.append(entry(ROMEO, "1", 1));
      store.users.save(user(ROMEO, { legacyData: { token: "rotated" } }));
      expect(store.rooms.list(ROMEO)).toHaveLength(1);
      expect(store.participants.list(ROMEO, "1")).toHaveLength(1);
      expect(store.messageIds.legacyToXmpp(ROMEO, "L1")).toBe("X1");
      expect(store.archive.query(ROMEO, "1")).toHaveLength(1);
    });
  });

  describe("rooms", () => {
    beforeEach(() => {
      store.users.save(user(ROMEO));
      store.users.save(user(JULIET));
    });

    it("round-trips every field, and leaves absent optional fields absent", () => {
      const full = room(ROMEO, "1", {
        type: MucType.CHANNEL_NON_ANONYMOUS,
        name: "The Square",
        description: "",
        subject: "Brawl at noon",
        subjectSetter: "Tybalt",
        subjectDate: 1_700_000_123_456,
        userNick: "Romeo",
        joinedResources: ["phone", "laptop"],
        participantsFilled: true,
      });
      const bare = room(ROMEO, "2", { type: MucType.CHANNEL });
      store.rooms.save(full);
      store.rooms.save(bare);
      expect(store.rooms.get(ROMEO, "1")).toStrictEqual(full);
      expect(store.rooms.get(ROMEO, "2")).toStrictEqual(bare);
      const got = store.rooms.get(ROMEO, "2");
      expect(got?.name).toBeUndefined();
      expect(got !== undefined && "name" in got).toBe(false);
      // Explicit `undefined` comes back as absent, i.e. still undefined.
      store.rooms.save({ ...full, name: undefined, subjectDate: undefined });
      expect(store.rooms.get(ROMEO, "1")?.name).toBeUndefined();
      expect(store.rooms.get(ROMEO, "1")?.subjectDate).toBeUndefined();
      expect(store.rooms.get(ROMEO, "1")?.description).toBe("");
    });

    it("lists a user's rooms in the order first saved, and replaces by legacy id", () => {
      store.rooms.save(room(ROMEO, "b"));
      store.rooms.save(room(ROMEO, "a"));
      store.rooms.save(room(JULIET, "c"));
      store.rooms.save(room(ROMEO, "b", { name: "renamed" }));
      expect(store.rooms.list(ROMEO).map((r) => [r.legacyId, r.name])).toEqual([
        ["b", "renamed"],
        ["a", undefined],
      ]);
      expect(store.rooms.list(JULIET).map((r) => r.legacyId)).toEqual(["c"]);
      expect(store.rooms.list("nobody@example.com")).toEqual([]);
      expect(store.rooms.get(JULIET, "b")).toBeUndefined();
    });

    it("deletes a room with its participants and archive, and nothing else", () => {
      store.rooms.save(room(ROMEO, "1"));
      store.rooms.save(room(ROMEO, "2"));
      for (const r of ["1", "2"]) {
        store.participants.save(participant(ROMEO, r, "Benvolio"));
        store.archive.append(entry(ROMEO, r, 1));
      }
      store.messageIds.map(ROMEO, "L", "X");
      store.rooms.delete(ROMEO, "1");
      expect(store.rooms.get(ROMEO, "1")).toBeUndefined();
      expect(store.participants.list(ROMEO, "1")).toEqual([]);
      expect(store.archive.query(ROMEO, "1")).toEqual([]);
      expect(store.rooms.get(ROMEO, "2")).toBeDefined();
      expect(store.participants.list(ROMEO, "2")).toHaveLength(1);
      expect(store.archive.query(ROMEO, "2")).toHaveLength(1);
      expect(store.messageIds.legacyToXmpp(ROMEO, "L")).toBe("X");
      store.rooms.delete(ROMEO, "nope"); // no-op
    });

    it("refuses a room of an unregistered user with a StoreError", () => {
      let error: unknown;
      try {
        store.rooms.save(room("ghost@example.com", "1"));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).reason).toBe("constraint");
      expect((error as StoreError).code).toBe("SQLITE_CONSTRAINT_FOREIGNKEY");
      expect((error as StoreError).message).toContain("ghost@example.com");
    });
  });

  describe("participants", () => {
    beforeEach(() => {
      store.users.save(user(ROMEO));
      store.users.save(user(JULIET));
      store.rooms.save(room(ROMEO, "1"));
      store.rooms.save(room(ROMEO, "2"));
    });

    it("round-trips every field", () => {
      const full = participant(ROMEO, "1", "Romeo", {
        legacyId: "u42",
        affiliation: "owner",
        role: "moderator",
        realJid: "romeo@montague.lit/phone",
        isUser: true,
      });
      const bare = participant(ROMEO, "1", "Tybalt", { affiliation: "none", role: "visitor" });
      store.participants.save(full);
      store.participants.save(bare);
      expect(store.participants.list(ROMEO, "1")).toStrictEqual([full, bare]);
    });

    it("keeps insertion order; a replaced participant keeps its place", () => {
      for (const nick of ["c", "a", "b"]) store.participants.save(participant(ROMEO, "1", nick));
      store.participants.save(participant(ROMEO, "1", "a", { role: "moderator", legacyId: "id-a" }));
      const list = store.participants.list(ROMEO, "1");
      expect(list.map((p) => p.nick)).toEqual(["c", "a", "b"]);
      expect(list[1]).toStrictEqual(participant(ROMEO, "1", "a", { role: "moderator", legacyId: "id-a" }));
      // Removing an optional field on replace.
      store.participants.save(participant(ROMEO, "1", "a"));
      expect(store.participants.list(ROMEO, "1")[1]).toStrictEqual(participant(ROMEO, "1", "a"));
    });

    it("deletes one participant; a re-added nick goes last", () => {
      for (const nick of ["a", "b", "c"]) store.participants.save(participant(ROMEO, "1", nick));
      store.participants.delete(ROMEO, "1", "a");
      expect(store.participants.list(ROMEO, "1").map((p) => p.nick)).toEqual(["b", "c"]);
      store.participants.save(participant(ROMEO, "1", "a"));
      expect(store.participants.list(ROMEO, "1").map((p) => p.nick)).toEqual(["b", "c", "a"]);
      store.participants.delete(ROMEO, "1", "zzz"); // no-op
    });

    it("keeps rooms apart, and the same nick in two rooms", () => {
      store.participants.save(participant(ROMEO, "1", "Nurse"));
      store.participants.save(participant(ROMEO, "2", "Nurse", { role: "visitor" }));
      expect(store.participants.list(ROMEO, "1")).toStrictEqual([participant(ROMEO, "1", "Nurse")]);
      expect(store.participants.list(ROMEO, "2")).toStrictEqual([participant(ROMEO, "2", "Nurse", { role: "visitor" })]);
      expect(store.participants.list(ROMEO, "3")).toEqual([]);
      expect(store.participants.list(JULIET, "1")).toEqual([]);
    });

    it("saveMany inserts and replaces in one go, in order", () => {
      store.participants.save(participant(ROMEO, "1", "b"));
      store.participants.saveMany([
        participant(ROMEO, "1", "a"),
        participant(ROMEO, "1", "b", { role: "moderator" }),
        participant(ROMEO, "1", "c"),
      ]);
      expect(store.participants.list(ROMEO, "1").map((p) => [p.nick, p.role])).toEqual([
        ["b", "moderator"],
        ["a", "participant"],
        ["c", "participant"],
      ]);
      store.participants.saveMany([]);
      expect(store.participants.list(ROMEO, "1")).toHaveLength(3);
    });

    it("saveMany is all or nothing", () => {
      expect(() =>
        store.participants.saveMany([participant(ROMEO, "1", "ok"), participant("ghost@example.com", "1", "bad")]),
      ).toThrow(StoreError);
      expect(store.participants.list(ROMEO, "1")).toEqual([]);
    });

    it("saveMany stores 50,000 participants", () => {
      const many = Array.from({ length: 50_000 }, (_, i) =>
        participant(ROMEO, "1", `nick-${i}`, { legacyId: `u${i}`, ...(i % 2 ? { realJid: `u${i}@legacy.example` } : {}) }),
      );
      const t0 = performance.now();
      store.participants.saveMany(many);
      const ms = performance.now() - t0;
      console.log(`saveMany(50,000) took ${ms.toFixed(0)} ms`);
      const list = store.participants.list(ROMEO, "1");
      expect(list).toHaveLength(50_000);
      expect(list[0]?.nick).toBe("nick-0");
      expect(list[49_999]).toStrictEqual(many[49_999]);
    });
  });

  describe("message ids", () => {
    beforeEach(() => {
      store.users.save(user(ROMEO));
      store.users.save(user(JULIET));
    });

    it("maps both ways, per user", () => {
      store.messageIds.map(ROMEO, "L1", "X1");
      store.messageIds.map(ROMEO, "L2", "X2");
      store.messageIds.map(JULIET, "L1", "JX1");
      expect(store.messageIds.legacyToXmpp(ROMEO, "L1")).toBe("X1");
      expect(store.messageIds.xmppToLegacy(ROMEO, "X1")).toBe("L1");
      expect(store.messageIds.legacyToXmpp(ROMEO, "L2")).toBe("X2");
      expect(store.messageIds.xmppToLegacy(ROMEO, "X2")).toBe("L2");
      expect(store.messageIds.legacyToXmpp(JULIET, "L1")).toBe("JX1");
      expect(store.messageIds.xmppToLegacy(JULIET, "X1")).toBeUndefined();
      expect(store.messageIds.legacyToXmpp(ROMEO, "L3")).toBeUndefined();
      expect(store.messageIds.xmppToLegacy(ROMEO, "nope")).toBeUndefined();
    });

    it("answers with the newest mapping, and keeps older ones", () => {
      store.messageIds.map(ROMEO, "L", "X1");
      store.messageIds.map(ROMEO, "L", "X2"); // e.g. a correction of the same legacy message
      expect(store.messageIds.legacyToXmpp(ROMEO, "L")).toBe("X2");
      expect(store.messageIds.xmppToLegacy(ROMEO, "X1")).toBe("L");
      expect(store.messageIds.xmppToLegacy(ROMEO, "X2")).toBe("L");
      store.messageIds.map(ROMEO, "L", "X1"); // re-mapping makes it the newest again
      expect(store.messageIds.legacyToXmpp(ROMEO, "L")).toBe("X1");
    });
  });

  describe("threads", () => {
    beforeEach(() => {
      store.users.save(user(ROMEO));
      store.users.save(user(JULIET));
    });

    it("maps an XMPP thread to the network's both ways, per user; a thread mapped again takes the new one", () => {
      store.threads.map(ROMEO, "t-1", "L1");
      store.threads.map(JULIET, "t-1", "JL1");
      expect(store.threads.toLegacy(ROMEO, "t-1")).toBe("L1");
      expect(store.threads.toXmpp(ROMEO, "L1")).toBe("t-1");
      expect(store.threads.toLegacy(JULIET, "t-1")).toBe("JL1");
      expect(store.threads.toXmpp(JULIET, "L1")).toBeUndefined();
      store.threads.map(ROMEO, "t-1", "L2");
      expect(store.threads.toLegacy(ROMEO, "t-1")).toBe("L2");
      expect(store.threads.toLegacy(ROMEO, "t-2")).toBeUndefined();
      store.users.delete(ROMEO);
      expect(store.threads.toLegacy(ROMEO, "t-1")).toBeUndefined();
      expect(() => store.threads.map("nobody@example.org", "t", "L")).toThrow(/not registered/);
    });
  });

  describe("archive", () => {
    beforeEach(() => {
      store.users.save(user(ROMEO));
      store.users.save(user(JULIET));
      store.rooms.save(room(ROMEO, "1"));
      store.rooms.save(room(ROMEO, "2"));
      store.rooms.save(room(JULIET, "1"));
      // s1..s10 at t = 1000..10000 in room 1; noise elsewhere.
      for (let n = 1; n <= 10; n++) store.archive.append(entry(ROMEO, "1", n));
      store.archive.append(entry(ROMEO, "2", 5));
      store.archive.append(entry(JULIET, "1", 11));
    });

    it("round-trips entries, with and without optional fields", () => {
      const full = entry(ROMEO, "2", 99, { legacyId: "m99", occupantId: "occ-1", body: "" });
      store.archive.append(full);
      expect(store.archive.get(ROMEO, "2", "s99")).toStrictEqual(full);
      expect(store.archive.get(ROMEO, "1", "s3")).toStrictEqual(entry(ROMEO, "1", 3));
      expect(store.archive.get(ROMEO, "1", "s99")).toBeUndefined();
      expect(store.archive.get(JULIET, "1", "s3")).toBeUndefined();
    });

    it("returns a room's entries oldest first", () => {
      expect(ids(store.archive.query(ROMEO, "1"))).toEqual(["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10"]);
      expect(ids(store.archive.query(ROMEO, "2", {}))).toEqual(["s5"]);
      expect(ids(store.archive.query(JULIET, "1"))).toEqual(["s11"]);
    });

    it("pages with after and before (exclusive)", () => {
      expect(ids(store.archive.query(ROMEO, "1", { afterStanzaId: "s7" }))).toEqual(["s8", "s9", "s10"]);
      expect(ids(store.archive.query(ROMEO, "1", { beforeStanzaId: "s3" }))).toEqual(["s1", "s2"]);
      expect(ids(store.archive.query(ROMEO, "1", { afterStanzaId: "s3", beforeStanzaId: "s6" }))).toEqual(["s4", "s5"]);
      expect(ids(store.archive.query(ROMEO, "1", { afterStanzaId: "s3", limit: 2 }))).toEqual(["s4", "s5"]);
      expect(ids(store.archive.query(ROMEO, "1", { beforeStanzaId: "s8", limit: 2, last: true }))).toEqual(["s6", "s7"]);
      expect(ids(store.archive.query(ROMEO, "1", { afterStanzaId: "s10" }))).toEqual([]);
      expect(ids(store.archive.query(ROMEO, "1", { beforeStanzaId: "s1" }))).toEqual([]);
    });

    it("uses the room's own stanza-ids for after/before", () => {
      // s5 exists in room 2 too, as its first entry; in room 1 it is the fifth.
      expect(ids(store.archive.query(ROMEO, "1", { afterStanzaId: "s5" }))).toEqual(["s6", "s7", "s8", "s9", "s10"]);
      expect(ids(store.archive.query(ROMEO, "2", { afterStanzaId: "s5" }))).toEqual([]);
    });

    it("gives nothing for an unknown after/before stanza-id", () => {
      expect(store.archive.query(ROMEO, "1", { afterStanzaId: "unknown" })).toEqual([]);
      expect(store.archive.query(ROMEO, "1", { beforeStanzaId: "s11" })).toEqual([]); // Juliet's, not this room's
    });

    it("filters by stanza-ids (in archive order, this room's only), by nick and by occupant-id, with the other filters", () => {
      expect(ids(store.archive.query(ROMEO, "1", { ids: ["s9", "s2", "s5", "s11", "unknown"] }))).toEqual(["s2", "s5", "s9"]);
      expect(ids(store.archive.query(ROMEO, "1", { ids: [] }))).toEqual([]);
      expect(ids(store.archive.query(ROMEO, "1", { ids: ["s2", "s5", "s9"], afterStanzaId: "s3", limit: 1 }))).toEqual(["s5"]);
      // nick${n % 3}: nick1 wrote s1, s4, s7, s10.
      expect(ids(store.archive.query(ROMEO, "1", { nick: "nick1" }))).toEqual(["s1", "s4", "s7", "s10"]);
      expect(ids(store.archive.query(ROMEO, "1", { nick: "nick1", since: 4_000, until: 7_000 }))).toEqual(["s4", "s7"]);
      expect(ids(store.archive.query(ROMEO, "1", { nick: "nick1", limit: 2, last: true }))).toEqual(["s7", "s10"]);
      store.archive.append(entry(ROMEO, "1", 12, { occupantId: "occ-me" }));
      store.archive.append(entry(ROMEO, "1", 13, { occupantId: "occ-other" }));
      expect(ids(store.archive.query(ROMEO, "1", { occupantId: "occ-me" }))).toEqual(["s12"]);
      expect(ids(store.archive.query(ROMEO, "1", { occupantId: "nobody" }))).toEqual([]);
      store.archive.append(entry(ROMEO, "1", 14, { legacyId: "L-14" }));
      store.archive.append(entry(ROMEO, "2", 15, { legacyId: "L-14" })); // another room's
      expect(ids(store.archive.query(ROMEO, "1", { legacyId: "L-14" }))).toEqual(["s14"]);
      expect(ids(store.archive.query(ROMEO, "1", { legacyId: "L-none" }))).toEqual([]);
    });

    it("replaces an entry's body and message in place (a tombstone), and says when there is none", () => {
      expect(store.archive.replace(ROMEO, "1", "s3", { body: "", xml: "<message><retracted/></message>" })).toBe(true);
      expect(store.archive.get(ROMEO, "1", "s3")).toMatchObject({ stanzaId: "s3", when: 3_000, body: "", xml: "<message><retracted/></message>" });
      expect(ids(store.archive.query(ROMEO, "1", { afterStanzaId: "s2", limit: 2 }))).toEqual(["s3", "s4"]);
      expect(store.archive.replace(ROMEO, "1", "nope", { body: "", xml: "" })).toBe(false);
      expect(store.archive.replace(JULIET, "1", "s3", { body: "", xml: "" })).toBe(false);
    });

    it("filters by since and until (inclusive)", () => {
      expect(ids(store.archive.query(ROMEO, "1", { since: 8_000 }))).toEqual(["s8", "s9", "s10"]);
      expect(ids(store.archive.query(ROMEO, "1", { until: 2_000 }))).toEqual(["s1", "s2"]);
      expect(ids(store.archive.query(ROMEO, "1", { since: 3_500, until: 6_000 }))).toEqual(["s4", "s5", "s6"]);
      expect(ids(store.archive.query(ROMEO, "1", { since: 20_000 }))).toEqual([]);
      expect(ids(store.archive.query(ROMEO, "1", { since: 6_000, until: 5_000 }))).toEqual([]);
    });

    it("limits, from the oldest or with last from the newest", () => {
      expect(ids(store.archive.query(ROMEO, "1", { limit: 3 }))).toEqual(["s1", "s2", "s3"]);
      expect(ids(store.archive.query(ROMEO, "1", { limit: 3, last: true }))).toEqual(["s8", "s9", "s10"]);
      expect(ids(store.archive.query(ROMEO, "1", { limit: 50, last: true }))).toHaveLength(10);
      expect(ids(store.archive.query(ROMEO, "1", { limit: 0 }))).toEqual([]);
      expect(ids(store.archive.query(ROMEO, "1", { limit: 0, last: true }))).toEqual([]);
      // `last` without `limit`: everything.
      expect(ids(store.archive.query(ROMEO, "1", { last: true }))).toHaveLength(10);
      expect(() => store.archive.query(ROMEO, "1", { limit: -1 })).toThrow(RangeError);
      expect(() => store.archive.query(ROMEO, "1", { limit: 1.5 })).toThrow(RangeError);
    });

    it("combines every filter", () => {
      expect(
        ids(store.archive.query(ROMEO, "1", { afterStanzaId: "s1", beforeStanzaId: "s10", since: 3_000, until: 8_000, limit: 2, last: true })),
      ).toEqual(["s7", "s8"]);
      expect(
        ids(store.archive.query(ROMEO, "1", { afterStanzaId: "s1", beforeStanzaId: "s10", since: 3_000, until: 8_000, limit: 2 })),
      ).toEqual(["s3", "s4"]);
    });

    it("orders by time (a backfilled older message sorts first), then by arrival for equal times", () => {
      store.archive.append(entry(ROMEO, "2", 1)); // older timestamp, appended later
      store.archive.append(entry(ROMEO, "2", 7, { when: 5_000 })); // the same time as s5, appended later
      expect(ids(store.archive.query(ROMEO, "2"))).toEqual(["s1", "s5", "s7"]);
      expect(ids(store.archive.query(ROMEO, "2", { afterStanzaId: "s1" }))).toEqual(["s5", "s7"]);
      expect(ids(store.archive.query(ROMEO, "2", { afterStanzaId: "s5" }))).toEqual(["s7"]);
      expect(ids(store.archive.query(ROMEO, "2", { beforeStanzaId: "s7" }))).toEqual(["s1", "s5"]);
      expect(ids(store.archive.query(ROMEO, "2", { limit: 2, last: true }))).toEqual(["s5", "s7"]);
    });

    it("gives nothing for an empty or unknown room", () => {
      store.rooms.save(room(ROMEO, "empty"));
      expect(store.archive.query(ROMEO, "empty")).toEqual([]);
      expect(store.archive.query(ROMEO, "empty", { limit: 5, last: true })).toEqual([]);
      expect(store.archive.query(ROMEO, "nope", { since: 0 })).toEqual([]);
    });

    it("refuses a duplicate stanza-id in a room", () => {
      expect(() => store.archive.append(entry(ROMEO, "1", 3, { body: "again" }))).toThrow(StoreError);
      expect(store.archive.get(ROMEO, "1", "s3")?.body).toBe("body 3");
      expect(store.archive.query(ROMEO, "1")).toHaveLength(10);
    });
  });

  it("deleting a user removes their rooms, participants, message ids and archive — only theirs", () => {
    for (const jid of [ROMEO, JULIET]) {
      store.users.save(user(jid));
      store.rooms.save(room(jid, "1"));
      store.participants.saveMany([participant(jid, "1", "a"), participant(jid, "1", "b")]);
      store.messageIds.map(jid, "L", `X-${jid}`);
      store.archive.append(entry(jid, "1", 1));
    }
    store.users.delete(ROMEO);
    expect(store.users.get(ROMEO)).toBeUndefined();
    expect(store.rooms.list(ROMEO)).toEqual([]);
    expect(store.participants.list(ROMEO, "1")).toEqual([]);
    expect(store.messageIds.legacyToXmpp(ROMEO, "L")).toBeUndefined();
    expect(store.messageIds.xmppToLegacy(ROMEO, `X-${ROMEO}`)).toBeUndefined();
    expect(store.archive.query(ROMEO, "1")).toEqual([]);
    expect(store.archive.get(ROMEO, "1", "s1")).toBeUndefined();

    expect(store.rooms.list(JULIET)).toHaveLength(1);
    expect(store.participants.list(JULIET, "1")).toHaveLength(2);
    expect(store.messageIds.legacyToXmpp(JULIET, "L")).toBe(`X-${JULIET}`);
    expect(store.archive.query(JULIET, "1")).toHaveLength(1);

    // Re-registering starts from nothing.
    store.users.save(user(ROMEO));
    expect(store.rooms.list(ROMEO)).toEqual([]);
  });

  it("lets participants and archive entries be written before their room's record", () => {
    store.users.save(user(ROMEO));
    store.participants.save(participant(ROMEO, "later", "a"));
    store.archive.append(entry(ROMEO, "later", 1));
    store.rooms.save(room(ROMEO, "later"));
    expect(store.participants.list(ROMEO, "later")).toHaveLength(1);
    store.rooms.delete(ROMEO, "later");
    expect(store.participants.list(ROMEO, "later")).toEqual([]);
    expect(store.archive.query(ROMEO, "later")).toEqual([]);
  });

  it("refuses data of an unregistered user", () => {
    expect(() => store.participants.save(participant("ghost@example.com", "1", "a"))).toThrow(StoreError);
    expect(() => store.messageIds.map("ghost@example.com", "L", "X")).toThrow(StoreError);
    expect(() => store.archive.append(entry("ghost@example.com", "1", 1))).toThrow(StoreError);
  });

  it("throws a StoreError once closed; closing twice is fine", () => {
    store.close();
    store.close();
    let error: unknown;
    try {
      store.users.list();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).reason).toBe("closed");
  });
});

describe("SQLite store files", () => {
  it("persists across close and reopen, in WAL mode", () => {
    const file = join(dir, "gateway.sqlite");
    const a = openSqliteStore(file);
    a.users.save(user(ROMEO, { legacyData: { token: "kept" } }));
    a.rooms.save(room(ROMEO, "1", { subject: "kept", joinedResources: ["r1"] }));
    a.participants.saveMany([participant(ROMEO, "1", "b"), participant(ROMEO, "1", "a")]);
    a.messageIds.map(ROMEO, "L", "X");
    for (let n = 1; n <= 5; n++) a.archive.append(entry(ROMEO, "1", n));
    a.close();

    const raw = new Database(file);
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(raw.pragma("user_version", { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    raw.close();

    const b = openSqliteStore(file);
    try {
      expect(b.schemaVersion).toBe(SQLITE_SCHEMA_VERSION);
      expect(b.users.get(ROMEO)).toStrictEqual(user(ROMEO, { legacyData: { token: "kept" } }));
      expect(b.rooms.get(ROMEO, "1")).toStrictEqual(room(ROMEO, "1", { subject: "kept", joinedResources: ["r1"] }));
      expect(b.participants.list(ROMEO, "1").map((p) => p.nick)).toEqual(["b", "a"]);
      expect(b.messageIds.xmppToLegacy(ROMEO, "X")).toBe("L");
      expect(ids(b.archive.query(ROMEO, "1", { afterStanzaId: "s2", limit: 2 }))).toEqual(["s3", "s4"]);
      // The archiving order keeps growing after reopen: of two entries of the same time, the later one sorts last.
      b.archive.append(entry(ROMEO, "1", 0, { when: 5_000 }));
      expect(ids(b.archive.query(ROMEO, "1", { since: 5_000 }))).toEqual(["s5", "s0"]);
    } finally {
      b.close();
    }
  });

  it("upgrades a database at version 0, keeping what is there", () => {
    const file = join(dir, "old.sqlite");
    const raw = new Database(file);
    raw.exec("CREATE TABLE unrelated (x TEXT); INSERT INTO unrelated VALUES ('keep me');");
    expect(raw.pragma("user_version", { simple: true })).toBe(0);
    raw.close();

    const store = openSqliteStore(file);
    try {
      expect(store.schemaVersion).toBe(SQLITE_SCHEMA_VERSION);
      store.users.save(user(ROMEO));
      store.rooms.save(room(ROMEO, "1"));
      expect(store.rooms.list(ROMEO)).toHaveLength(1);
    } finally {
      store.close();
    }
    const check = new Database(file);
    expect(check.pragma("user_version", { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    expect(check.prepare("SELECT x FROM unrelated").pluck().get()).toBe("keep me");
    const tables = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(["users", "rooms", "participants", "message_ids", "archive"]));
    check.close();
  });

  it("upgrades a version 1 database to the archive indexes of today, keeping the archive", () => {
    const file = join(dir, "v1.sqlite");
    const a = openSqliteStore(file);
    a.users.save(user(ROMEO));
    for (const n of [3, 1, 2]) a.archive.append(entry(ROMEO, "1", n));
    a.close();
    // Back to version 1's indexes.
    const raw = new Database(file);
    raw.exec(`
      DROP INDEX archive_chronological;
      DROP INDEX archive_by_legacy_id;
      ALTER TABLE rooms DROP COLUMN avatar;
      ALTER TABLE rooms DROP COLUMN backfilled_to;
      ALTER TABLE rooms DROP COLUMN avatar_type;
      ALTER TABLE users DROP COLUMN preferences;
      DROP TABLE contacts;
      DROP TABLE threads;
      CREATE INDEX archive_in_order ON archive (user_jid, room_legacy_id, seq);
      CREATE INDEX archive_by_time ON archive (user_jid, room_legacy_id, sent_at);
    `);
    raw.pragma("user_version = 1");
    raw.close();

    const b = openSqliteStore(file);
    try {
      expect(b.schemaVersion).toBe(SQLITE_SCHEMA_VERSION);
      expect(ids(b.archive.query(ROMEO, "1"))).toEqual(["s1", "s2", "s3"]);
      // Version 5's preferences: none yet for a user of before; version 6's contacts: none; version 7's threads: none, and writable.
      expect(b.users.get(ROMEO)?.preferences).toEqual({});
      expect(b.contacts.list(ROMEO)).toEqual([]);
      expect(b.threads.toLegacy(ROMEO, "t")).toBeUndefined();
      b.threads.map(ROMEO, "t", "L");
      expect(b.threads.toXmpp(ROMEO, "L")).toBe("t");
    } finally {
      b.close();
    }
    const check = new Database(file);
    const indexes = check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'archive' AND sql IS NOT NULL ORDER BY name").pluck().all();
    expect(indexes).toEqual(["archive_by_legacy_id", "archive_chronological"]);
    check.close();
  });

  it("upgrades an empty file", async () => {
    const file = join(dir, "empty.sqlite");
    await writeFile(file, "");
    const store = openSqliteStore(file);
    expect(store.schemaVersion).toBe(SQLITE_SCHEMA_VERSION);
    store.close();
  });

  it("rolls a failed migration back and says so", () => {
    const file = join(dir, "clash.sqlite");
    const raw = new Database(file);
    raw.exec("CREATE TABLE rooms (x TEXT)"); // clashes with migration 0 → 1
    raw.close();
    let error: unknown;
    try {
      openSqliteStore(file).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).reason).toBe("migration-failed");
    expect((error as StoreError).path).toBe(file);
    const check = new Database(file);
    expect(check.pragma("user_version", { simple: true })).toBe(0);
    expect(check.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'users'").pluck().get()).toBe(0);
    check.close();
  });

  it("refuses a database from a newer version, leaving it untouched", () => {
    const file = join(dir, "future.sqlite");
    const raw = new Database(file);
    raw.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    raw.close();
    let error: unknown;
    try {
      openSqliteStore(file).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toBeInstanceOf(Error);
    expect((error as StoreError).reason).toBe("schema-too-new");
    expect((error as StoreError).path).toBe(file);
    expect((error as StoreError).message).toContain(String(SQLITE_SCHEMA_VERSION + 1));
    const check = new Database(file);
    expect(check.pragma("user_version", { simple: true })).toBe(SQLITE_SCHEMA_VERSION + 1);
    check.close();
  });

  it("refuses a file that is not a database", async () => {
    const file = join(dir, "garbage.sqlite");
    await writeFile(file, "this is not an SQLite database, just some text that is long enough to have a header\n".repeat(100));
    let error: unknown;
    try {
      openSqliteStore(file).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).name).toBe("StoreError");
    expect((error as StoreError).reason).toBe("corrupt");
    expect((error as StoreError).code).toBe("SQLITE_NOTADB");
    expect((error as StoreError).path).toBe(file);
    expect((error as StoreError).cause).toBeInstanceOf(Error);
  });

  it("refuses a path it cannot open", () => {
    for (const file of [join(dir, "no", "such", "dir", "db.sqlite"), dir]) {
      let error: unknown;
      try {
        openSqliteStore(file).close();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).reason).toBe("unopenable");
      expect((error as StoreError).path).toBe(file);
      expect((error as StoreError).cause).toBeDefined();
    }
  });
});

describe("contacts", () => {
  it("saves, gets, lists and deletes a user's contacts, with the avatar; they go with the user", () => {
    const store = openSqliteStore(":memory:");
    try {
      store.users.save(user(ROMEO));
      const avatar = { data: new Uint8Array([1, 2, 3]), type: "image/png" };
      store.contacts.save({ userJid: ROMEO, legacyId: "bob", name: "Bob", isFriend: true, avatar });
      store.contacts.save({ userJid: ROMEO, legacyId: "carol", isFriend: false });
      expect(store.contacts.get(ROMEO, "bob")).toStrictEqual({ userJid: ROMEO, legacyId: "bob", name: "Bob", isFriend: true, avatar });
      store.contacts.save({ userJid: ROMEO, legacyId: "bob", name: "Bob B.", isFriend: false });
      expect(store.contacts.get(ROMEO, "bob")).toStrictEqual({ userJid: ROMEO, legacyId: "bob", name: "Bob B.", isFriend: false });
      expect(store.contacts.list(ROMEO).map((c) => c.legacyId)).toEqual(["bob", "carol"]);
      store.contacts.delete(ROMEO, "carol");
      expect(store.contacts.list(ROMEO).map((c) => c.legacyId)).toEqual(["bob"]);
      store.users.delete(ROMEO);
      expect(store.contacts.list(ROMEO)).toEqual([]);
    } finally {
      store.close();
    }
  });
});
