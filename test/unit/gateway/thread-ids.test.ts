/**
 * Ids the gateway does not map the usual way (transcripts on the mock
 * component): threads of a network whose message ids are thread ids
 * (`messageIdsAreThreadIds`, slidge's `MESSAGE_IDS_ARE_THREAD_IDS`), in rooms
 * and direct chats, both ways and kept in the store; and reactions to
 * message ids of the module's own making (`specialMsgIdPrefix`, slidge's
 * `SPECIAL_MSG_ID_PREFIX`).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { BaseSession, openSqliteStore, type Chat, type MessageActionOptions, type TextOptions } from "../../../src/gateway/index.js";
import { GW, RES, USER, TestNetwork, closeStores, errorCondition, join, room, settle, startDirectChats, startGateway } from "./helpers.js";

const FULL = `${USER}/${RES}`;
const NS_SID = "urn:xmpp:sid:0";

afterEach(() => closeStores());

/** A test network whose session has message ids as thread ids (or not), and may use a special id prefix. */
function network(options: { threadIds: boolean; prefix?: string }): TestNetwork {
  const net = new TestNetwork();
  net.edits = true;
  const module = net.module();
  const Base = module.Session as typeof BaseSession;
  class Session extends Base {
    override messageIdsAreThreadIds = options.threadIds;
    override specialMsgIdPrefix = options.prefix;
  }
  net.module = () => ({ ...module, Session });
  return net;
}

/** The stanza-id of the message with this body that reached the user's resource. */
function stanzaIdOf(sent: readonly Element[], body: string): string {
  const m = sent.find((s) => s.is("message") && s.getChildText("body") === body && s.attrs.to === FULL);
  const id = m?.getChild("stanza-id", NS_SID)?.attrs.id;
  if (typeof id !== "string") throw new Error(`no stanza-id for ${body}`);
  return id;
}

describe("messageIdsAreThreadIds in a room", () => {
  it("the user's thread naming a message is that message's legacy id; a thread the user starts is the thread of its first message", async () => {
    const net = network({ threadIds: true });
    const h = await startGateway({ net });
    await join(h, "coffee");
    const muc = await room(h, "coffee");
    const bob = muc.getParticipantByNick("Bob");
    if (!bob) throw new Error("no Bob");
    await bob.sendText("Who wants a latte?", "L-root");
    const root = stanzaIdOf(h.component.sent, "Who wants a latte?");
    // A client replying in the thread of Bob's message names it by its stanza-id.
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='u1'><body>Me!</body><thread>${root}</thread></message>`);
    // A thread the network does not know: it starts with this message, whose legacy id becomes the thread's.
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='u2'><body>New topic</body><thread>t-fresh</thread></message>`);
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='u3'><body>More on it</body><thread>t-fresh</thread></message>`);
    await settle(h);
    expect(net.calls.onText.map((c) => [c.text, c.thread])).toEqual([
      ["Me!", "L-root"],
      ["New topic", undefined],
      ["More on it", "legacy-2"],
    ]);
    // The user's reactions in the thread: the thread mapped too.
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='u4'><reactions xmlns='urn:xmpp:reactions:0' id='${root}'><reaction>👍</reaction></reactions><thread>t-fresh</thread></message>`);
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='u5'><body>/me retracted</body><retract xmlns='urn:xmpp:message-retract:1' id='${stanzaIdOf(h.component.sent, "More on it")}'/><thread>t-fresh</thread></message>`);
    await settle(h);
    expect(net.calls.onRetract.map((c) => [c.legacyId, c.thread])).toEqual([["legacy-3", "legacy-2"]]);

    // The other way: a participant's thread is a legacy message id, sent as the thread the user knows it by.
    h.component.takeSent();
    await bob.sendText("Two lattes then", "L-2", { thread: "L-root" });
    await bob.sendText("Good topic", "L-3", { thread: "legacy-2" });
    await bob.sendText("Unmapped", "L-4", { thread: "L-unknown" });
    const threads = h.component.takeSent().filter((s) => s.attrs.to === FULL).map((s) => [s.getChildText("body"), s.getChildText("thread")]);
    expect(threads).toEqual([
      ["Two lattes then", root],
      ["Good topic", "t-fresh"],
      ["Unmapped", "L-unknown"],
    ]);
  });

  it("the thread map is kept in the store: after a restart, the user's thread is still the network's", async () => {
    const store = openSqliteStore(":memory:");
    const net = network({ threadIds: true });
    const h = await startGateway({ net, store });
    await join(h, "coffee");
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='u1'><body>Start</body><thread>t-kept</thread></message>`);
    await settle(h);
    await h.gateway.stop();
    const net2 = network({ threadIds: true });
    const h2 = await startGateway({ net: net2, store });
    await join(h2, "coffee");
    h2.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='u2'><body>Again</body><thread>t-kept</thread></message>`);
    await settle(h2);
    expect(net2.calls.onText.map((c) => c.thread)).toEqual(["legacy-1"]);
    expect(store.threads.toXmpp(USER, "legacy-1")).toBe("t-kept");
  });

  it("without it, threads pass unchanged both ways and nothing is stored", async () => {
    const net = network({ threadIds: false });
    const h = await startGateway({ net });
    await join(h, "coffee");
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='u1'><body>Plain</body><thread>t-1</thread></message>`);
    await settle(h);
    expect(net.calls.onText.map((c) => c.thread)).toEqual(["t-1"]);
    expect(h.store.threads.toLegacy(USER, "t-1")).toBeUndefined();
    const bob = (await room(h, "coffee")).getParticipantByNick("Bob");
    await bob?.sendText("Also plain", "L-9", { thread: "legacy-1" });
    expect(h.component.sent.find((s) => s.getChildText("body") === "Also plain")?.getChildText("thread")).toBe("legacy-1");
  });
});

describe("specialMsgIdPrefix", () => {
  it("in a room, a reaction to an id with the prefix reaches onReact as it is; another unknown id is item-not-found", async () => {
    const net = network({ threadIds: false, prefix: "poll-" });
    const h = await startGateway({ net });
    await join(h, "coffee");
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='v1'><reactions xmlns='urn:xmpp:reactions:0' id='poll-7-b'><reaction>✅</reaction></reactions></message>`);
    const refused = h.component.nextSent((s) => s.attrs.id === "v2" && s.attrs.type === "error");
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='v2'><reactions xmlns='urn:xmpp:reactions:0' id='vote-7-b'><reaction>✅</reaction></reactions></message>`);
    expect(errorCondition(await refused)).toBe("item-not-found");
    await settle(h);
    expect(net.calls.onReact.map((c) => [c.legacyId, c.emojis])).toEqual([["poll-7-b", ["✅"]]]);
    // Reflected to the user like any reaction.
    expect(h.component.sent.some((s) => s.attrs.to === FULL && s.getChild("reactions", "urn:xmpp:reactions:0")?.attrs.id === "poll-7-b")).toBe(true);
  });
});

describe("direct chats", () => {
  async function start(options: { threadIds: boolean; prefix?: string }) {
    const calls = { text: [] as [string, string | undefined][], reactions: [] as string[] };
    let n = 0;
    class Session extends BaseSession {
      override messageIdsAreThreadIds = options.threadIds;
      override specialMsgIdPrefix = options.prefix;
      override async onText(_chat: Chat, text: string, o: TextOptions) {
        calls.text.push([text, o.thread]);
        return `legacy-${++n}`;
      }
      override async onReact(_chat: Chat, legacyId: string, _emojis: readonly string[], _o: MessageActionOptions) {
        calls.reactions.push(legacyId);
      }
    }
    const { component, session } = await startDirectChats({ Session });
    return { calls, component, session };
  }

  it("messageIdsAreThreadIds: the contact's message ids are the threads, both ways", async () => {
    const h = await start({ threadIds: true });
    const bob = await h.session.contacts.byLegacyId("bob");
    const rootId = await bob.sendText("Thread root", "b-root");
    h.component.receive(`<message type='chat' id='u1' from='${FULL}' to='bob@${GW}'><body>In it</body><thread>${rootId}</thread></message>`);
    h.component.receive(`<message type='chat' id='u2' from='${FULL}' to='bob@${GW}'><body>Mine</body><thread>t-mine</thread></message>`);
    h.component.receive(`<message type='chat' id='u3' from='${FULL}' to='bob@${GW}'><body>Mine again</body><thread>t-mine</thread></message>`);
    await new Promise((r) => setTimeout(r, 30));
    expect(h.calls.text).toEqual([
      ["In it", "b-root"],
      ["Mine", undefined],
      ["Mine again", "legacy-2"],
    ]);
    h.component.takeSent();
    await bob.sendText("Answer", "b-2", { thread: "b-root" });
    await bob.react("legacy-1", ["👍"], { thread: "legacy-2" });
    await bob.correct("b-2", "Answer!", { thread: "b-root" });
    expect(h.component.takeSent().map((s) => s.getChildText("thread"))).toEqual([rootId, "t-mine", rootId]);
  });

  it("specialMsgIdPrefix: a reaction to an id with the prefix reaches onReact as it is; another unknown id is item-not-found", async () => {
    const h = await start({ threadIds: false, prefix: "poll-" });
    h.component.receive(`<message type='chat' id='v1' from='${FULL}' to='bob@${GW}'><reactions xmlns='urn:xmpp:reactions:0' id='poll-3-a'><reaction>✅</reaction></reactions></message>`);
    const refused = h.component.nextSent((s) => s.attrs.id === "v2" && s.attrs.type === "error");
    h.component.receive(`<message type='chat' id='v2' from='${FULL}' to='bob@${GW}'><reactions xmlns='urn:xmpp:reactions:0' id='other-3-a'><reaction>✅</reaction></reactions></message>`);
    expect(errorCondition(await refused)).toBe("item-not-found");
    expect(h.calls.reactions).toEqual(["poll-3-a"]);
  });
});
