/**
 * What the gateway keeps across restarts, on a SQLite file: registered
 * users, rooms, participants (fillParticipants runs once per room, ever),
 * the archive and the message id maps; and a room of 50,000 members.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MucType, openSqliteStore, type GatewayStore } from "../../../src/gateway/index.js";
import {
  closeStores,
  GW,
  join,
  mucItem,
  NS_MAM,
  NS_OCCUPANT_ID,
  NS_SID,
  RES,
  request,
  room,
  startGateway,
  statusCodes,
  TestNetwork,
  USER,
  type Harness,
} from "./helpers.js";

let dir: string;
let file: string;
const stores: GatewayStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(joinPath(tmpdir(), "gateway-persistence-"));
  file = joinPath(dir, "gateway.sqlite");
});

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  closeStores();
  rmSync(dir, { recursive: true, force: true });
});

const ROOM = `coffee@${GW}`;
const TO = `${USER}/${RES}`;

/** A gateway on the SQLite file, with no user registered beforehand. */
async function boot(net: TestNetwork): Promise<Harness> {
  const store = openSqliteStore(file);
  stores.push(store);
  return startGateway({ net, store, users: [] });
}

async function shutdown(h: Harness): Promise<void> {
  await h.gateway.stop();
  await h.component.stop();
  h.store.close();
}

describe("restarting the gateway on the same database", () => {
  it("keeps users, rooms, participants, the archive and the id maps; fillParticipants does not run again", async () => {
    const net = new TestNetwork();
    const h1 = await boot(net);
    // Register through XEP-0077.
    const reg = await request(
      h1,
      `<iq type='set' id='reg' from='${TO}' to='${GW}'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='username'><value>romeo</value></field><field var='password'><value>pw</value></field></x></query></iq>`,
    );
    expect(reg.attrs.type).toBe("result");
    await h1.component.nextSent((s) => s.is("message") && s.attrs.to === USER); // welcome
    await join(h1, "coffee");
    const muc1 = await room(h1, "coffee");
    const bob1 = await muc1.getParticipant("Bob", { legacyId: "u-bob" });
    const late = await muc1.getParticipant("Latecomer", { legacyId: "u-late" });
    await bob1.sendText("from bob", "lb-1");
    await late.sendText("from the latecomer", "lb-2");
    h1.component.receive(`<message from='${TO}' to='${ROOM}' type='groupchat' id='xmpp-1'><body>from romeo</body></message>`);
    await h1.component.nextSent((s) => s.attrs.id === "xmpp-1");
    const before = {
      participants: muc1.participants.map((p) => `${p.nick} ${p.legacyId} ${p.occupantId} ${p.affiliation} ${p.role}`),
      archive: h1.store.archive.query(USER, "coffee").map((e) => e.stanzaId),
    };
    expect(before.archive).toHaveLength(3);
    expect(net.calls.fill).toEqual({ coffee: 1 });
    await shutdown(h1);
    expect(net.calls.logout).toEqual([USER]);

    const h2 = await boot(net);
    expect(net.calls.login).toEqual([USER, USER]);
    const session = h2.gateway.getSession(USER)!;
    expect(session.loggedIn).toBe(true);
    expect(session.legacyData).toEqual({ username: "romeo" });
    expect(session.bookmarks.rooms.map((r) => r.legacyId)).toEqual(["coffee", "news", "forum"]);
    const muc2 = await room(h2, "coffee");
    expect(muc2.participants.map((p) => `${p.nick} ${p.legacyId} ${p.occupantId} ${p.affiliation} ${p.role}`)).toEqual(before.participants);
    expect(muc2.getParticipantByLegacyId("u-late")?.nick).toBe("Latecomer");
    // Ids map both ways: the participants' legacy ids, and the user's message.
    expect(session.legacyToXmppMsgId("lb-1")).toBe("lb-1");
    expect(session.legacyToXmppMsgId("legacy-1")).toBe("xmpp-1");
    expect(session.xmppToLegacyMsgId("xmpp-1")).toBe("legacy-1");

    // A join after the restart: the remembered occupants, the history, no second fill.
    const t = await join(h2, "coffee", { history: "<history maxstanzas='10'/>" });
    expect(net.calls.fill).toEqual({ coffee: 1 });
    const presences = t.filter((s) => s.is("presence"));
    expect(presences.map((p) => p.attrs.from)).toEqual([`${ROOM}/Bob`, `${ROOM}/Carol`, `${ROOM}/Latecomer`, `${ROOM}/romeo`]);
    expect(statusCodes(presences.at(-1)!)).toEqual([100, 110]);
    expect(presences[0]!.getChild("occupant-id", NS_OCCUPANT_ID)?.attrs.id).toBe(bob1.occupantId);
    expect(mucItem(presences[0]!)?.attrs).toMatchObject({ affiliation: "owner", role: "moderator" });
    const history = t.filter((s) => s.is("message") && s.getChild("body"));
    expect(history.map((m) => m.getChildText("body"))).toEqual(["from bob", "from the latecomer", "from romeo"]);
    expect(history.map((m) => m.getChild("stanza-id", NS_SID)?.attrs.id)).toEqual(before.archive);
    // The archive answers MAM, and new messages follow the old ones.
    const fin = await request(h2, `<iq type='set' id='mam' from='${TO}' to='${ROOM}'><query xmlns='${NS_MAM}'/></iq>`);
    expect(fin.getChild("fin", NS_MAM)?.attrs.complete).toBe("true");
    await muc2.getParticipantByLegacyId("u-bob")!.sendText("after the restart", "lb-3");
    expect(h2.store.archive.query(USER, "coffee").map((e) => e.body)).toEqual(["from bob", "from the latecomer", "from romeo", "after the restart"]);
    await shutdown(h2);
  });

  it("resources joined before a restart keep receiving the room without rejoining", async () => {
    const net = new TestNetwork();
    const h1 = await boot(net);
    const reg = await request(
      h1,
      `<iq type='set' id='reg' from='${TO}' to='${GW}'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='username'><value>romeo</value></field><field var='password'><value>pw</value></field></x></query></iq>`,
    );
    expect(reg.attrs.type).toBe("result");
    await join(h1, "coffee");
    await shutdown(h1);

    const h2 = await boot(net);
    const muc = await room(h2, "coffee");
    expect(muc.joinedResources).toEqual([RES]);
    h2.component.takeSent();
    await (await muc.getParticipant("Bob", { legacyId: "u-bob" })).sendText("still there?", "lb-9");
    const delivered = await h2.component.nextSent((s) => s.is("message") && s.getChildText("body") === "still there?");
    expect(delivered.attrs.to).toBe(TO);
    await shutdown(h2);
  });

  it("fillParticipants runs exactly once per room, ever, and only for rooms joined", async () => {
    const net = new TestNetwork();
    const h1 = await boot(net);
    h1.store.users.save({ jid: USER, legacyData: { username: "romeo" }, registeredAt: Date.now() });
    await shutdown(h1);
    const h2 = await boot(net);
    await join(h2, "coffee");
    await join(h2, "coffee", { resource: "balcony" });
    h2.component.receive(`<presence from='${TO}' to='${ROOM}/romeo' type='unavailable'/>`);
    await h2.component.nextSent((s) => s.attrs.type === "unavailable");
    await join(h2, "coffee");
    expect(net.calls.fill).toEqual({ coffee: 1 });
    expect(h2.store.rooms.get(USER, "coffee")?.participantsFilled).toBe(true);
    expect(h2.store.rooms.get(USER, "news")?.participantsFilled).toBe(false);
    await shutdown(h2);
    const h3 = await boot(net);
    await join(h3, "coffee");
    await join(h3, "news");
    expect(net.calls.fill).toEqual({ coffee: 1, news: 1 });
    await shutdown(h3);
    const h4 = await boot(net);
    await join(h4, "news");
    await join(h4, "coffee");
    expect(net.calls.fill).toEqual({ coffee: 1, news: 1 });
    await shutdown(h4);
  });

  it("fillParticipants runs once when several resources join at the same time", async () => {
    const net = new TestNetwork();
    const h = await boot(net);
    h.store.users.save({ jid: USER, legacyData: {}, registeredAt: Date.now() });
    await shutdown(h);
    const h2 = await boot(net);
    h2.component.receive(`<presence from='${USER}/a' to='${ROOM}/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    h2.component.receive(`<presence from='${USER}/b' to='${ROOM}/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    await h2.component.nextSent((s) => s.attrs.to === `${USER}/b` && s.getChild("subject") !== undefined);
    expect(net.calls.fill).toEqual({ coffee: 1 });
    await shutdown(h2);
  });
});

describe("a room of 50,000 members", () => {
  it("fills and joins: 50,001 presences, then the subject", { timeout: 180_000 }, async () => {
    const N = 50_000;
    const net = new TestNetwork();
    net.groups = {
      big: {
        type: MucType.CHANNEL,
        name: "Big",
        *members() {
          for (let i = 0; i < N; i++) yield { name: `Member ${i}`, legacyId: `m${i}` };
        },
      },
    };
    const h = await startGateway({ net });
    const start = h.component.sent.length;
    h.component.receive(`<presence from='${TO}' to='big@${GW}/romeo'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`);
    const subject = await h.component.nextSent((s) => s.getChild("subject") !== undefined, 170_000);
    const sent = h.component.sent.slice(start, h.component.sent.indexOf(subject) + 1);
    expect(sent).toHaveLength(N + 2);
    const presences = sent.slice(0, N + 1);
    expect(presences.every((p) => p.is("presence") && p.attrs.to === TO)).toBe(true);
    expect(new Set(presences.map((p) => p.attrs.from)).size).toBe(N + 1);
    expect(statusCodes(presences[N]!)).toEqual([110]);
    expect(net.calls.fill).toEqual({ big: 1 });
    expect(h.store.participants.list(USER, "big")).toHaveLength(N + 1);
  });
});
