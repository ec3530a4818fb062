/**
 * What must not be lost or doubled across a restart, with the room's message
 * ids and joins: legacy message ids are scoped to their room; a message the
 * network replays live is not archived or delivered twice; a resource whose
 * join never completed is not saved as joined.
 */
import { describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import type { LegacyParticipant } from "../../../src/gateway/index.js";
import { GW, join, RES, room, settle, TestNetwork, USER, type Harness } from "./helpers.js";
import { useStoreFile } from "./store-file.js";

const TO = `${USER}/${RES}`;

const { boot, shutdown, kill } = useStoreFile("gateway-restart-ids-");

function delivered(h: Harness, since: number): Element[] {
  return h.component.sent.slice(since).filter((s) => s.is("message") && s.attrs.to === TO && s.getChild("body") !== undefined);
}

describe("legacy message ids are scoped to their room", () => {
  it("the user's message in one room does not lend its XMPP id to another room's message of the same legacy id", async () => {
    const net = new TestNetwork();
    const h = await boot(net);
    await join(h, "coffee");
    await join(h, "news");
    const bob = (await room(h, "coffee")).getParticipantByLegacyId("u-bob")!;
    // The network's ids are per group: Bob's message in coffee and the user's next one in news are both "legacy-1".
    expect(await bob.sendText("bob's in coffee", "legacy-1")).toBe("legacy-1");
    h.component.receive(`<message from='${TO}' to='news@${GW}' type='groupchat' id='user-news-1'><body>mine in news</body></message>`);
    await h.component.nextSent((s) => s.attrs.id === "user-news-1" && s.attrs.to === TO);
    expect(net.calls.onText.at(-1)).toMatchObject({ room: "news", xmppId: "user-news-1" });

    // Bob's correction in coffee replaces Bob's message, not the user's message in news.
    const mark = h.component.sent.length;
    expect(await bob.correct("legacy-1", "bob's in coffee, edited")).toBe(true);
    expect(delivered(h, mark)[0]?.getChild("replace", "urn:xmpp:message-correct:0")?.attrs.id).toBe("legacy-1");
    // A new message of the same id in a third room gets its own id.
    await join(h, "forum");
    const carol = await (await room(h, "forum")).getParticipant("Carol", { legacyId: "u-carol" });
    expect(await carol.sendText("carol's in forum", "legacy-1")).toBe("legacy-1");
    // The session's own lookup (no room) still finds the newest mapping of the id.
    expect(h.gateway.getSession(USER)!.legacyToXmppMsgId("legacy-1")).toBe("legacy-1");
  });

  it("after a restart, the user's correction in a room names that room's legacy id", async () => {
    const net = new TestNetwork();
    const h1 = await boot(net);
    await join(h1, "coffee");
    await join(h1, "news");
    h1.component.receive(`<message from='${TO}' to='coffee@${GW}' type='groupchat' id='same-id'><body>mine in coffee</body></message>`);
    await h1.component.nextSent((s) => s.attrs.id === "same-id" && s.attrs.to === TO && s.attrs.from?.startsWith("coffee@"));
    // The user's client reuses its id in another room (ids are unique per chat only).
    h1.component.receive(`<message from='${TO}' to='news@${GW}' type='groupchat' id='same-id'><body>mine in news</body></message>`);
    await h1.component.nextSent((s) => s.attrs.id === "same-id" && s.attrs.to === TO && s.attrs.from?.startsWith("news@"));
    const [inCoffee, inNews] = net.calls.onText.slice(-2);
    expect([inCoffee?.room, inNews?.room]).toEqual(["coffee", "news"]);
    await shutdown(h1);

    const h2 = await boot(net);
    await room(h2, "coffee");
    await settle(h2);
    h2.component.receive(`<message from='${TO}' to='coffee@${GW}' type='groupchat' id='fix'><body>mine in coffee, fixed</body><replace xmlns='urn:xmpp:message-correct:0' id='same-id'/></message>`);
    await h2.component.nextSent((s) => s.attrs.id === "fix" && s.attrs.to === TO);
    expect(net.calls.onCorrect.at(-1)).toMatchObject({ room: "coffee", legacyId: "legacy-1" });
  });
});

describe("a message the network replays live", () => {
  it("after a restart, a live message already archived (same sender, same legacy id) is neither archived nor delivered again", async () => {
    const net = new TestNetwork();
    const h1 = await boot(net);
    await join(h1, "coffee");
    const bob = (await room(h1, "coffee")).getParticipantByLegacyId("u-bob")!;
    await bob.sendText("hello before the restart", "L-1");
    await shutdown(h1);

    const h2 = await boot(net);
    const muc = await room(h2, "coffee");
    await settle(h2);
    const mark = h2.component.sent.length;
    const bob2: LegacyParticipant = muc.getParticipantByLegacyId("u-bob")!;
    expect(await bob2.sendText("hello before the restart", "L-1")).toBe("L-1");
    expect(delivered(h2, mark)).toEqual([]);
    expect(h2.store.archive.query(USER, "coffee", { legacyId: "L-1" })).toHaveLength(1);
    // A correction of it (no legacy id of its own) still goes through.
    expect(await bob2.correct("L-1", "hello, edited")).toBe(true);
    expect(delivered(h2, mark).map((m) => m.getChildText("body"))).toEqual(["hello, edited"]);
  });
});

describe("only completed joins are saved", () => {
  it("a resource killed in the middle of its first join is not joined after the restart", async () => {
    const net = new TestNetwork();
    net.backfillGate = new Promise(() => {}); // the legacy network never answers: the process dies first
    const h1 = await boot(net);
    h1.component.receive(`<presence from='${TO}' to='coffee@${GW}/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    await new Promise((resolve) => setTimeout(resolve, 30)); // the join waits in backfill(), after filling the room (which saves it)
    expect(h1.store.rooms.get(USER, "coffee")?.participantsFilled).toBe(true);
    expect(h1.store.rooms.get(USER, "coffee")?.joinedResources).toEqual([]);
    kill(h1);
    net.backfillGate = undefined;

    const h2 = await boot(net);
    const muc = await room(h2, "coffee");
    expect(muc.joinedResources).toEqual([]);
  });

  it("a refused join (the user is banned) is not saved as joined", async () => {
    const net = new TestNetwork();
    const mod = net.module();
    const Base = mod.MUC!;
    class BannedRoom extends Base {
      override async *fillParticipants(): AsyncIterable<LegacyParticipant> {
        yield* super.fillParticipants();
        const me = await this.getUserParticipant();
        me.affiliation = "outcast";
        yield me;
      }
    }
    net.module = () => ({ ...mod, MUC: BannedRoom });
    const h = await boot(net);
    h.component.receive(`<presence from='${TO}' to='coffee@${GW}/romeo' id='j1'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    const answer = await h.component.nextSent((s) => s.attrs.id === "j1");
    expect(answer.attrs.type).toBe("error");
    expect(h.store.rooms.get(USER, "coffee")?.joinedResources).toEqual([]);
  });
});
