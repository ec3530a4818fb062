/**
 * `LegacyMUC.backfill(after, before)`: once per room each time the gateway
 * runs, on the room's first join, for the gap between what was archived
 * before and what has been archived live since; the archive stays in time
 * order, and a legacy message is never archived twice.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import { openSqliteStore, type GatewayStore } from "../../../src/gateway/index.js";
import { closeStores, errorCondition, GW, join, NS_DELAY, NS_MAM, NS_MUC, NS_SID, recordingLogger, RES, request, room, settle, startGateway, TestNetwork, USER, type Harness } from "./helpers.js";
import { bodies, legacyHistory, minute } from "./store-file.js";

const ROOM = `coffee@${GW}`;
const TO = `${USER}/${RES}`;

let dir: string;
const stores: GatewayStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(joinPath(tmpdir(), "gateway-backfill-"));
});

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  closeStores();
  rmSync(dir, { recursive: true, force: true });
});

function historyBodies(sent: readonly Element[]): (string | null)[] {
  return sent.filter((s) => s.is("message") && s.getChild("body")).map((m) => m.getChildText("body"));
}

async function boot(net: TestNetwork, file: string): Promise<Harness> {
  const store = openSqliteStore(file);
  stores.push(store);
  return startGateway({ net, store });
}

async function shutdown(h: Harness): Promise<void> {
  await h.gateway.stop();
  await h.component.stop();
  h.store.close();
  stores.splice(stores.indexOf(h.store), 1);
}

describe("backfill on a room's first join", () => {
  it("a room seen for the first time: backfill() with no bounds, and the join's history has the legacy history", async () => {
    const net = new TestNetwork();
    net.history.coffee = legacyHistory(3);
    const h = await startGateway({ net });
    const sent = await join(h, "coffee", { history: "<history maxstanzas='10'/>" });
    expect(net.calls.backfill).toEqual([{ room: "coffee", after: undefined, before: undefined }]);
    expect(historyBodies(sent)).toEqual(["old 0", "old 1", "old 2"]);
  });

  it("a live message before the first join bounds the backfill, which archives the older history before it", async () => {
    const net = new TestNetwork();
    net.history.coffee = legacyHistory(3);
    const h = await startGateway({ net });
    const muc = await room(h, "coffee");
    const carol = await muc.getParticipant("Carol", { legacyId: "u-carol" });
    await carol.sendText("live, before anyone joined", "live-1", { when: minute(10) });
    const sent = await join(h, "coffee", { history: "<history maxstanzas='10'/>" });
    expect(net.calls.backfill).toEqual([{ room: "coffee", after: undefined, before: "live, before anyone joined" }]);
    expect(bodies(h)).toEqual(["old 0", "old 1", "old 2", "live, before anyone joined"]);
    expect(historyBodies(sent)).toEqual(["old 0", "old 1", "old 2", "live, before anyone joined"]);
  });

  it("runs once per process: a second resource and a second join do not call it again", async () => {
    const net = new TestNetwork();
    const h = await startGateway({ net });
    await join(h, "coffee");
    await join(h, "coffee", { resource: "phone" });
    expect(net.calls.backfill).toHaveLength(1);
  });

  it("the same legacy message id in two rooms is archived in each (ids need only be unique in a group)", async () => {
    const net = new TestNetwork();
    net.history.coffee = [{ id: "1", from: "Bob", fromLegacyId: "u-bob", text: "in coffee", at: minute(1) }];
    net.history.news = [{ id: "1", from: "Dave", fromLegacyId: "u-dave", text: "in news", at: minute(1) }];
    const h = await startGateway({ net });
    await join(h, "coffee");
    await join(h, "news");
    expect(h.store.archive.query(USER, "coffee").map((e) => e.body)).toEqual(["in coffee"]);
    expect(h.store.archive.query(USER, "news").map((e) => e.body)).toEqual(["in news"]);
  });

  it("a store failure while looking for the gap is logged; the join completes, and the next process tries again", async () => {
    const net = new TestNetwork();
    const h = await startGateway({ net });
    await room(h, "coffee");
    const query = h.store.archive.query.bind(h.store.archive);
    let failures = 1;
    (h.store.archive as { query: typeof query }).query = (...args) => {
      if (failures-- > 0) throw new Error("SQLITE_BUSY: database is locked");
      return query(...args);
    };
    const sent = await join(h, "coffee");
    expect(sent.at(-1)?.getChild("subject")).toBeDefined();
    const again = await join(h, "coffee", { resource: "phone" });
    expect(again.at(-1)?.getChild("subject")).toBeDefined();
  });

  it("a backfill that throws is logged; the join completes", async () => {
    const net = new TestNetwork();
    net.backfillError = new Error("the legacy network has no history today");
    const h = await startGateway({ net });
    const sent = await join(h, "coffee");
    expect(sent.at(-1)?.getChild("subject")).toBeDefined();
    expect(net.calls.backfill).toHaveLength(1);
  });

  it.each([
    ["finds nothing", 0],
    ["finds messages it can no longer archive", 3],
  ])("a user who unregisters while their join waits for a slow backfill that %s: the join gets one answer, registration-required; nothing is stored, no failure logged", async (_, messages) => {
    const net = new TestNetwork();
    net.history.coffee = legacyHistory(messages);
    let open = (): void => {};
    net.backfillGate = new Promise((resolve) => (open = resolve));
    const { logger, lines } = recordingLogger();
    const h = await startGateway({ net, logger });
    h.component.receive(`<presence from='${TO}' to='${ROOM}/romeo' id='j1'><x xmlns='${NS_MUC}'/></presence>`);
    await vi.waitFor(() => expect(net.calls.backfill).toHaveLength(1));
    // As the unregister command does, which does not wait behind the join.
    await h.gateway.unregisterUser(h.gateway.getSession(USER)!);
    open();
    await settle(h);

    const fromRoom = h.component.sent.filter((s) => s.attrs.to === TO && String(s.attrs.from).startsWith(ROOM));
    expect(fromRoom.map((s) => `${s.name} ${String(s.attrs.id)} ${errorCondition(s) ?? ""}`)).toEqual(["presence j1 registration-required"]);
    expect(lines.filter((l) => l.level === "warn")).toEqual([]);
    expect(h.store.users.get(USER)).toBeUndefined();
    expect(h.store.rooms.list(USER)).toEqual([]);
    expect(h.store.participants.list(USER, "coffee")).toEqual([]);
    expect(h.store.archive.query(USER, "coffee")).toEqual([]);
  });
});

describe("backfill after a restart", () => {
  it("fills the gap between the newest message archived before and the first one archived since, in time order", async () => {
    const file = joinPath(dir, "gateway.sqlite");
    const net = new TestNetwork();
    net.history.coffee = legacyHistory(2);
    const h1 = await boot(net, file);
    await join(h1, "coffee");
    expect(bodies(h1)).toEqual(["old 0", "old 1"]);
    // The user leaves: the next process backfills on the next join (see below for resources that stay).
    h1.component.receive(`<presence from='${TO}' to='${ROOM}/romeo' type='unavailable'/>`);
    await h1.component.nextSent((s) => s.is("presence") && s.attrs.type === "unavailable" && s.attrs.to === TO);
    await shutdown(h1);

    // While the gateway was down, the legacy group went on.
    net.history.coffee = [...legacyHistory(2), ...legacyHistory(3, 2)];
    const h2 = await boot(net, file);
    const muc = await room(h2, "coffee");
    const carol = await muc.getParticipant("Carol", { legacyId: "u-carol" });
    await carol.sendText("live after the restart", "live-2", { when: minute(30) });
    await join(h2, "coffee");
    expect(net.calls.backfill.at(-1)).toEqual({ room: "coffee", after: "old 1", before: "live after the restart" });
    expect(bodies(h2)).toEqual(["old 0", "old 1", "old 2", "old 3", "old 4", "live after the restart"]);

    // MAM pages through it in the same order.
    const start = h2.component.sent.length;
    const fin = await request(h2, `<iq type='set' id='mam' from='${TO}' to='${ROOM}'><query xmlns='${NS_MAM}'/></iq>`);
    const results = h2.component.sent.slice(start, h2.component.sent.indexOf(fin)).filter((s) => s.getChild("result", NS_MAM));
    expect(results.map((r) => r.getChild("result", NS_MAM)!.getChild("forwarded", "urn:xmpp:forward:0")!.getChild("message")!.getChildText("body"))).toEqual([
      "old 0",
      "old 1",
      "old 2",
      "old 3",
      "old 4",
      "live after the restart",
    ]);
    await shutdown(h2);
  });

  it("resources still joined get the gap as soon as the room is restored, in order and once, before the live messages that came meanwhile", async () => {
    const file = joinPath(dir, "gateway.sqlite");
    const net = new TestNetwork();
    net.history.coffee = legacyHistory(2);
    const h1 = await boot(net, file);
    await join(h1, "coffee");
    expect(bodies(h1)).toEqual(["old 0", "old 1"]);
    await shutdown(h1);

    // While the gateway was down, the legacy group went on; its history will also hold "live 1", sent during the backfill.
    net.history.coffee = [...legacyHistory(5), { id: "live-1", from: "Bob", fromLegacyId: "u-bob", text: "live 1", at: minute(10) }];
    let open = (): void => {};
    net.backfillGate = new Promise((resolve) => (open = resolve));
    const h2 = await boot(net, file);
    const muc = await room(h2, "coffee");
    expect(muc.joinedResources).toEqual([RES]);
    const bob = muc.getParticipantByLegacyId("u-bob")!;
    // Live events while the backfill runs: a message it finds in the history too, a correction of a message of the gap, a message it does not find.
    const live = [
      bob.sendText("live 1", "live-1", { when: minute(10) }),
      bob.correct("old-4", "old 4, edited", { when: minute(11) }),
      bob.sendText("live 2", "live-2", { when: minute(12) }),
    ];
    await settle(h2);
    const delivered = (): Element[] => h2.component.sent.filter((s) => s.is("message") && s.attrs.to === TO && s.getChild("body") !== undefined);
    expect(delivered()).toEqual([]);
    open();
    expect(await Promise.all(live)).toEqual(["live-1", true, "live-2"]);

    expect(net.calls.backfill.at(-1)).toEqual({ room: "coffee", after: "old 1", before: undefined });
    expect(bodies(h2)).toEqual(["old 0", "old 1", "old 2", "old 3", "old 4", "live 1", "old 4, edited", "live 2"]);
    const messages = delivered();
    expect(messages.map((m) => m.getChildText("body"))).toEqual(["old 2", "old 3", "old 4", "live 1", "old 4, edited", "live 2"]);
    // As the archive has them: their stanza-ids, the legacy ids as ids; the gap's messages with their time.
    expect(messages.map((m) => m.getChild("stanza-id", NS_SID)?.attrs.id)).toEqual(h2.store.archive.query(USER, "coffee").slice(2).map((e) => e.stanzaId));
    expect(messages.slice(0, 4).map((m) => m.attrs.id)).toEqual(["old-2", "old-3", "old-4", "live-1"]);
    expect(new Date(String(messages[0]?.getChild("delay", NS_DELAY)?.attrs.stamp))).toEqual(minute(2));

    // Once per process: a join later does not backfill again.
    await join(h2, "coffee", { resource: "phone" });
    expect(net.calls.backfill).toHaveLength(2);
    await shutdown(h2);
  });

  it("rooms nobody stayed joined to wait for a join to backfill", async () => {
    const file = joinPath(dir, "gateway.sqlite");
    const net = new TestNetwork();
    const h1 = await boot(net, file);
    await join(h1, "coffee");
    await shutdown(h1);
    const h2 = await boot(net, file);
    await settle(h2);
    // Only "coffee" had a resource joined; "news" and "forum" were only listed.
    expect(net.calls.backfill.map((c) => c.room)).toEqual(["coffee", "coffee"]);
    await join(h2, "news");
    expect(net.calls.backfill.map((c) => c.room)).toEqual(["coffee", "coffee", "news"]);
    await shutdown(h2);
  });

  it("never archives a legacy message twice, whatever the module sends again", async () => {
    const file = joinPath(dir, "gateway.sqlite");
    const net = new TestNetwork();
    net.backfillEverything = true;
    net.history.coffee = legacyHistory(3);
    const h1 = await boot(net, file);
    await join(h1, "coffee");
    const muc1 = await room(h1, "coffee");
    // The legacy network also delivered "old 2" live: the same legacy id.
    await (await muc1.getParticipant("Bob", { legacyId: "u-bob" })).sendText("old 2", "old-2", { when: minute(2), archiveOnly: true });
    expect(bodies(h1)).toEqual(["old 0", "old 1", "old 2"]);
    await shutdown(h1);

    const h2 = await boot(net, file);
    await join(h2, "coffee");
    expect(net.calls.backfill).toHaveLength(2);
    expect(bodies(h2)).toEqual(["old 0", "old 1", "old 2"]);
    await shutdown(h2);
  });
});
