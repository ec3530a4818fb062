/**
 * Where the room's history is known complete (`RoomRecord.backfilledTo`):
 * the next backfill asks from there, not from the newest archived message,
 * so a gap whose backfill failed, was cut short by a kill, or was followed
 * by live messages is asked for again; the mark moves only when a backfill
 * completes.
 */
import { describe, expect, it, vi } from "vitest";
import Database from "better-sqlite3";
import type { Element } from "@xmpp/xml";
import { MucType, openSqliteStore, SQLITE_SCHEMA_VERSION } from "../../../src/gateway/index.js";
import { GW, join, NS_DELAY, NS_MUC, NS_SID, RES, room, settle, TestNetwork, USER, type Harness } from "./helpers.js";
import { bodies, legacyHistory, minute, useStoreFile } from "./store-file.js";

const { path, open, boot, shutdown, kill } = useStoreFile("gateway-backfill-marker-");

/** The user's resource leaves the room, so that the next process backfills on the next join, not at once. */
async function leave(h: Harness): Promise<void> {
  h.component.receive(`<presence from='${USER}/${RES}' to='coffee@${GW}/romeo' type='unavailable'/>`);
  await h.component.nextSent((s) => s.is("presence") && s.attrs.type === "unavailable" && s.attrs.to === `${USER}/${RES}`);
}

/** Run 1: the room joined, "old 0" and "old 1" archived and complete; the user leaves; the gateway stops. */
async function firstRun(net: TestNetwork): Promise<void> {
  net.history.coffee = legacyHistory(2);
  const h1 = await boot(net);
  await join(h1, "coffee");
  await leave(h1);
  await shutdown(h1);
}

describe("the backfilled-up-to mark", () => {
  it("a live message archived in a run that never backfilled does not hide the gap from the next run", async () => {
    const net = new TestNetwork();
    await firstRun(net);
    net.history.coffee = legacyHistory(5);
    const h2 = await boot(net);
    const carol = await (await room(h2, "coffee")).getParticipant("Carol", { legacyId: "u-carol" });
    net.history.coffee.push({ id: "live-A", from: "Carol", fromLegacyId: "u-carol", text: "live A", at: minute(30) });
    await carol.sendText("live A", "live-A", { when: minute(30) });
    kill(h2);

    const h3 = await boot(net);
    await join(h3, "coffee");
    expect(net.calls.backfill.at(-1)).toEqual({ room: "coffee", after: "old 1", before: undefined });
    expect(bodies(h3)).toEqual(["old 0", "old 1", "old 2", "old 3", "old 4", "live A"]);
    expect(h3.store.rooms.get(USER, "coffee")?.backfilledTo).toBe(h3.store.archive.query(USER, "coffee", { limit: 1, last: true })[0]?.stanzaId);
  });

  it("a failed backfill leaves the mark: the next join of the same run asks for the gap again, up to the first live message", async () => {
    const net = new TestNetwork();
    await firstRun(net);
    net.history.coffee = legacyHistory(5);
    net.backfillError = new Error("the legacy history API timed out");
    const h2 = await boot(net);
    await join(h2, "coffee");
    const markAfterFailure = h2.store.rooms.get(USER, "coffee")?.backfilledTo;
    net.backfillError = undefined;
    const bob = (await room(h2, "coffee")).getParticipantByLegacyId("u-bob")!;
    await bob.sendText("live B", "live-B", { when: minute(30) });
    expect(h2.store.rooms.get(USER, "coffee")?.backfilledTo).toBe(markAfterFailure);

    const again = await join(h2, "coffee", { resource: "phone" });
    expect(net.calls.backfill.slice(-2)).toEqual([
      { room: "coffee", after: "old 1", before: undefined },
      { room: "coffee", after: "old 1", before: "live B" },
    ]);
    expect(again.filter((s) => s.is("message") && s.attrs.to === `${USER}/phone` && s.getChild("body")).map((m) => m.getChildText("body"))).toEqual(["old 0", "old 1", "old 2", "old 3", "old 4", "live B"]);
  });

  it("a backfill asked for again at a later join reaches the resources joined already: as history, in archive order, once, before the live messages that came meanwhile", async () => {
    const net = new TestNetwork();
    await firstRun(net);
    net.history.coffee = legacyHistory(5);
    net.backfillError = new Error("the legacy history API timed out");
    const h2 = await boot(net);
    await join(h2, "coffee");
    net.backfillError = undefined;
    const bob = (await room(h2, "coffee")).getParticipantByLegacyId("u-bob")!;
    await bob.sendText("live B", "live-B", { when: minute(30) });
    const mark = h2.component.sent.length;

    let open = (): void => {};
    net.backfillGate = new Promise((resolve) => (open = resolve));
    h2.component.receive(`<presence from='${USER}/phone' to='coffee@${GW}/romeo'><x xmlns='${NS_MUC}'/></presence>`);
    await vi.waitFor(() => expect(net.calls.backfill).toHaveLength(3));
    // A live message while the backfill runs waits for it.
    const live = bob.sendText("live C", "live-C", { when: minute(31) });
    open();
    expect(await live).toBe("live-C");
    await settle(h2, `${USER}/phone`);

    expect(net.calls.backfill.at(-1)).toEqual({ room: "coffee", after: "old 1", before: "live B" });
    const to = (resource: string): Element[] => h2.component.sent.slice(mark).filter((s) => s.is("message") && s.attrs.to === `${USER}/${resource}` && s.getChild("body") !== undefined);
    const archive = h2.store.archive.query(USER, "coffee");
    expect(archive.map((e) => e.body)).toEqual(["old 0", "old 1", "old 2", "old 3", "old 4", "live B", "live C"]);
    const joined = to(RES);
    expect(joined.map((m) => m.getChildText("body"))).toEqual(["old 2", "old 3", "old 4", "live C"]);
    expect(joined.map((m) => m.getChild("stanza-id", NS_SID)?.attrs.id)).toEqual([2, 3, 4, 6].map((i) => archive[i]?.stanzaId));
    expect(joined.slice(0, 3).map((m) => new Date(String(m.getChild("delay", NS_DELAY)?.attrs.stamp)))).toEqual([minute(2), minute(3), minute(4)]);
    // The joining resource reads the gap in its history, and gets nothing twice.
    const bodies = to("phone").map((m) => m.getChildText("body"));
    expect(bodies.slice(0, 6)).toEqual(["old 0", "old 1", "old 2", "old 3", "old 4", "live B"]);
    expect(new Set(bodies).size).toBe(bodies.length);
  });

  it("a failed backfill leaves the mark: the next run asks for the gap again", async () => {
    const net = new TestNetwork();
    await firstRun(net);
    net.history.coffee = legacyHistory(5);
    net.backfillError = new Error("the legacy history API timed out");
    const h2 = await boot(net);
    await join(h2, "coffee");
    const bob = (await room(h2, "coffee")).getParticipantByLegacyId("u-bob")!;
    await bob.sendText("live B", "live-B", { when: minute(30) });
    await leave(h2);
    await shutdown(h2);
    net.backfillError = undefined;
    net.history.coffee.push({ id: "live-B", from: "Bob", fromLegacyId: "u-bob", text: "live B", at: minute(30) });

    const h3 = await boot(net);
    await join(h3, "coffee");
    expect(net.calls.backfill.at(-1)).toEqual({ room: "coffee", after: "old 1", before: undefined });
    // "live B", in the legacy history too, is not archived twice.
    expect(bodies(h3)).toEqual(["old 0", "old 1", "old 2", "old 3", "old 4", "live B"]);
  });

  it("a live message archived while a join's backfill runs does not move the mark: after a kill, the next run asks for the whole gap", async () => {
    const net = new TestNetwork();
    await firstRun(net);
    net.history.coffee = legacyHistory(5);
    net.backfillGate = new Promise(() => {}); // the legacy network never answers: the process dies first
    const h2 = await boot(net);
    const muc = await room(h2, "coffee");
    h2.component.receive(`<presence from='${USER}/${RES}' to='coffee@${GW}/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    await new Promise((resolve) => setTimeout(resolve, 30)); // the join waits in backfill()
    const carol = await muc.getParticipant("Carol", { legacyId: "u-carol" });
    await carol.sendText("live D", "live-D", { when: minute(30) });
    const mark = h2.store.archive.query(USER, "coffee", { legacyId: "old-1" })[0]?.stanzaId;
    expect(h2.store.rooms.get(USER, "coffee")?.backfilledTo).toBe(mark);
    kill(h2);
    net.backfillGate = undefined;

    const h3 = await boot(net);
    await join(h3, "coffee");
    expect(net.calls.backfill.at(-1)).toEqual({ room: "coffee", after: "old 1", before: undefined });
    expect(bodies(h3)).toEqual(["old 0", "old 1", "old 2", "old 3", "old 4", "live D"]);
  });
});

describe("schema versions 7 → 9", () => {
  it("a store of version 7 keeps its data: each room's newest archived message is where its history is complete, and message ids go to the rooms that archived them", () => {
    const a = openSqliteStore(path());
    a.users.save({ jid: USER, legacyData: {}, registeredAt: 1 });
    a.rooms.save({ userJid: USER, legacyId: "coffee", local: "coffee", type: MucType.GROUP, subject: "kept", joinedResources: [RES], participantsFilled: true });
    a.rooms.save({ userJid: USER, legacyId: "empty", local: "empty", type: MucType.GROUP, joinedResources: [], participantsFilled: false });
    for (const [n, when] of [[1, 3_000], [2, 1_000], [3, 2_000]] as const) {
      a.archive.append({ userJid: USER, roomLegacyId: "coffee", stanzaId: `s${n}`, legacyId: `L${n}`, when, nick: "bob", body: `m${n}`, xml: "<message/>" });
    }
    a.archive.append({ userJid: USER, roomLegacyId: "news", stanzaId: "n1", legacyId: "L1", when: 500, nick: "bob", body: "n1", xml: "<message/>" });
    a.close();
    // Back to version 7: no mark, and one id map for all the user's chats.
    const raw = new Database(path());
    raw.exec(`
      ALTER TABLE rooms DROP COLUMN backfilled_to;
      DROP TABLE message_ids;
      CREATE TABLE message_ids (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        user_jid   TEXT    NOT NULL REFERENCES users (jid) ON DELETE CASCADE,
        legacy_id  TEXT    NOT NULL,
        xmpp_id    TEXT    NOT NULL,
        UNIQUE (user_jid, legacy_id, xmpp_id)
      );
      CREATE INDEX message_ids_by_xmpp ON message_ids (user_jid, xmpp_id, seq);
    `);
    const map = raw.prepare("INSERT INTO message_ids (user_jid, legacy_id, xmpp_id) VALUES (?, ?, ?)");
    map.run(USER, "L2", "x-coffee-2"); // a message of coffee's archive
    map.run(USER, "L1", "x-1"); // in the archives of coffee and of news: it cannot tell which
    map.run(USER, "contact:3:bob:9", "x-direct"); // a direct chat's
    map.run(USER, "P", "x-private"); // archived nowhere (a private message)
    raw.pragma("user_version = 7");
    raw.close();

    const b = open();
    expect(b.schemaVersion).toBe(SQLITE_SCHEMA_VERSION);
    expect(b.rooms.get(USER, "coffee")).toMatchObject({ subject: "kept", joinedResources: [RES], participantsFilled: true, backfilledTo: "s1" });
    expect(b.rooms.get(USER, "empty")?.backfilledTo).toBeUndefined();
    expect(b.archive.query(USER, "coffee").map((e) => e.stanzaId)).toEqual(["s2", "s3", "s1"]);
    const ids = b.messageIds;
    expect(ids.legacyToXmpp(USER, "L2", "coffee")).toBe("x-coffee-2");
    expect(ids.legacyToXmpp(USER, "L2", "news")).toBeUndefined();
    expect(ids.legacyToXmpp(USER, "L1", "coffee")).toBe("x-1");
    expect(ids.legacyToXmpp(USER, "L1", "news")).toBe("x-1");
    expect(ids.xmppToLegacy(USER, "x-coffee-2", "coffee")).toBe("L2");
    expect(ids.legacyToXmpp(USER, "contact:3:bob:9")).toBe("x-direct");
    expect(ids.legacyToXmpp(USER, "P", "coffee")).toBe("x-private");
    // Writable as today: a room's mapping is its own.
    ids.map(USER, "L9", "x-news-9", "news");
    expect(ids.legacyToXmpp(USER, "L9", "coffee")).toBeUndefined();
    expect(ids.legacyToXmpp(USER, "L9")).toBe("x-news-9");
  });
});
