/**
 * The demo network's friends and one-to-one chats, and the demo module's
 * contacts and direct chats (transcripts on the mock component): the
 * roster filled with the user's friends at login (subscription requests
 * with their names, then their presence), friends' presence and pictures
 * kept up to date, the user's direct messages (text, replies, edits,
 * deletions, reactions, typing, read markers) reaching the network as
 * one-to-one chats, the other person's side coming back through the
 * contact, the user's own messages from another device as carbons, the
 * search (XEP-0055, XEP-0100, the search command), and bob's automatic
 * answers (`startDemoReplies`).
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { openSqliteStore, type BaseGateway, type GatewayStore } from "../../../src/gateway/index.js";
import { MockComponent } from "../../../src/testing/index.js";
import { createDemoModule } from "../../../examples/demo-network/module.js";
import {
  DEMO_FRIENDSHIPS,
  DemoNetwork,
  demoAvatar,
  isDemoNetworkError,
  seedDemo,
  startDemoReplies,
  type DemoAvatar,
  type DemoChatMessage,
  type DemoClientEvents,
  type DemoNetworkErrorCode,
} from "../../../examples/demo-network/index.js";
import { GW, errorCondition } from "./helpers.js";

const USER = "alice@example.com"; // registered with the gateway as the network's alice
const TO = `${USER}/laptop`;
const BOB = `bob@${GW}`;
const CAROL = `carol@${GW}`;
const NS_VCARD_UPDATE = "vcard-temp:x:update";
const NS_NICK = "http://jabber.org/protocol/nick";
const NS_SEARCH = "jabber:iq:search";
const NS_IQ_GATEWAY = "jabber:iq:gateway";
const sha1 = (a: DemoAvatar): string => createHash("sha1").update(a.data).digest("hex");

/** alice, bob (away "Lunch", a picture) and carol are friends; dave (busy) and erin are no one's friends. */
function world(): DemoNetwork {
  const network = new DemoNetwork({ messageIdPrefix: "msg-" });
  network.addUser({ id: "alice", name: "Alice", password: "a", avatar: demoAvatar("alice") });
  network.addUser({ id: "bob", name: "Bob", password: "b", presence: { show: "away", status: "Lunch" }, avatar: demoAvatar("bob") });
  network.addUser({ id: "carol", name: "Carol Singer", password: "c" });
  network.addUser({ id: "dave", name: "Dave", password: "d", presence: { show: "dnd" } });
  network.addUser({ id: "erin", name: "Érin", password: "e" });
  network.addFriendship("alice", "bob");
  network.addFriendship("alice", "carol");
  return network;
}

const opened: { gateway: BaseGateway; store: GatewayStore }[] = [];
const stops: (() => void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  for (const { gateway, store } of opened.splice(0)) {
    await gateway.stop();
    store.close();
  }
});

/** A gateway serving `network` for alice, on a mock component. */
async function startGateway(network: DemoNetwork) {
  const store = openSqliteStore(":memory:");
  store.users.save({ jid: USER, legacyData: { username: "alice", password: "a" }, registeredAt: Date.now() });
  const component = new MockComponent({ jid: GW });
  const module = createDemoModule(network);
  const warnings: string[] = [];
  const gateway = new module.Gateway({ component, store, module, logger: { debug() {}, warn: (message) => warnings.push(message) } });
  opened.push({ gateway, store });
  await gateway.start();
  return { component, gateway, warnings };
}

type H = Awaited<ReturnType<typeof startGateway>>;

/** Send `text` to the gateway and wait for the answer to it. */
function request(h: H, text: string): Promise<Element> {
  const el = h.component.receive(text);
  return h.component.nextSent((s) => s.attrs.id === el.attrs.id && s.attrs.to === el.attrs.from && s.name === el.name);
}

/** The next stanza from `from` to the user that `pick` accepts. */
function nextFrom(h: H, from: string, pick: (s: Element) => boolean = () => true): Promise<Element> {
  return h.component.nextSent((s) => s.attrs.from === from && String(s.attrs.to).startsWith(USER) && pick(s));
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 20));
}

/** The next network event `name` that `pick` accepts. */
function nextEvent<K extends keyof DemoClientEvents>(network: DemoNetwork, name: K, pick: (e: Parameters<DemoClientEvents[K]>[0]) => boolean = () => true): Promise<Parameters<DemoClientEvents[K]>[0]> {
  return new Promise((resolve) => {
    const listener = (e: Parameters<DemoClientEvents[K]>[0]): void => {
      if (!pick(e)) return;
      network.off(name, listener as never);
      resolve(e);
    };
    network.on(name, listener as never);
  });
}

async function rejectsWith(promise: Promise<unknown>, code: DemoNetworkErrorCode): Promise<void> {
  await expect(promise).rejects.toSatisfy((e: unknown) => isDemoNetworkError(e, code));
}

describe("the demo network: friends, search and one-to-one chats", () => {
  it("friends are mutual and listed in order; a search finds users by name or id, accents aside, never oneself", async () => {
    const network = world();
    expect(network.friends("alice")).toEqual(["bob", "carol"]);
    expect(network.friends("bob")).toEqual(["alice"]);
    const alice = await network.authenticate("alice", "a");
    expect(await alice.listFriends()).toEqual([{ id: "bob", name: "Bob" }, { id: "carol", name: "Carol Singer" }]);
    expect((await alice.searchUsers("SING")).map((u) => u.id)).toEqual(["carol"]);
    expect((await alice.searchUsers("erin")).map((u) => u.id)).toEqual(["erin"]);
    expect((await alice.searchUsers("ali")).map((u) => u.id)).toEqual([]);
    await rejectsWith(alice.searchUsers(""), "invalid");
    expect(() => network.addFriendship("alice", "alice")).toThrow();
    expect(() => network.addFriendship("alice", "ghost")).toThrow();
  });

  it("a chat message reaches both people's clients; edits and deletions are the author's, reactions and read marks either's", async () => {
    const network = world();
    const alice = await network.authenticate("alice", "a");
    const seen: [string, unknown][] = [];
    for (const event of ["chatMessage", "chatMessageEdited", "chatMessageDeleted", "chatReactionsChanged", "chatTyping", "chatRead"] as const) {
      alice.on(event, (e: unknown) => seen.push([event, e]));
    }
    const bob = network.as("bob");
    const id = await bob.sendChat("alice", "lunch?");
    const answer = await alice.sendChat("bob", "yes", { replyTo: id });
    expect(network.getChatMessage(answer)).toMatchObject({ senderId: "alice", recipientId: "bob", text: "yes", replyTo: id });
    await bob.editChat(id, "lunch at noon?");
    await rejectsWith(alice.editChat(id, "mine now"), "forbidden");
    await alice.reactChat(id, ["👍"]);
    await bob.setChatTyping("alice", true);
    await alice.markChatRead(id);
    await rejectsWith(alice.markChatRead(answer), "not-found"); // alice's own message
    await bob.deleteChat(id);
    await rejectsWith(network.as("carol").reactChat(answer, ["👀"]), "not-found"); // not carol's chat
    await rejectsWith(alice.sendChat("alice", "me"), "invalid");
    await rejectsWith(alice.sendChat("ghost", "hi"), "not-found");
    // alice's client hears bob's side only (no echo of its own actions).
    expect(seen.map(([event]) => event)).toEqual(["chatMessage", "chatMessageEdited", "chatTyping", "chatMessageDeleted"]);
    expect(network.getChatMessage(id)).toBeUndefined();
  });

  it("friends hear each other's presence and picture changes, once each", async () => {
    const network = world();
    const alice = await network.authenticate("alice", "a");
    const dave = await network.authenticate("dave", "d");
    const heard: unknown[] = [];
    alice.on("friendPresenceChanged", (e) => heard.push(e));
    alice.on("friendAvatarChanged", (e) => heard.push(e.userId));
    dave.on("friendPresenceChanged", (e) => heard.push(["dave", e]));
    await network.as("bob").setPresence("online");
    await network.as("bob").setAvatar(demoAvatar("new bob"));
    await network.as("erin").setPresence("away");
    expect(heard).toEqual([{ userId: "bob", presence: { show: "online" } }, "bob"]);
  });

  it("seedDemo makes alice, bob and carol friends, and erin and frank", async () => {
    const network = new DemoNetwork();
    await seedDemo(network);
    expect(network.friends("alice")).toEqual(["bob", "carol"]);
    expect(network.friends("erin")).toEqual(["frank"]);
    expect(DEMO_FRIENDSHIPS).toContainEqual(["bob", "carol"]);
  });

  it("startDemoReplies: bob types, then answers a chat message in a reply; stopping ends it", async () => {
    const network = world();
    const stop = startDemoReplies(network, { delayMs: 5 });
    stops.push(stop);
    const typing = nextEvent(network, "chatTyping", (e) => e.userId === "bob");
    const answered = nextEvent(network, "chatMessage", (e) => e.message.senderId === "bob");
    const id = await network.as("alice").sendChat("bob", "are you there?");
    expect(await typing).toEqual({ userId: "bob", peerId: "alice", typing: true });
    const { message } = await answered;
    expect(message).toMatchObject({ recipientId: "alice", replyTo: id });
    expect(message.text).toContain("are you there?");
    stop();
    const messages: DemoChatMessage[] = [];
    network.on("chatMessage", ({ message: m }) => messages.push(m));
    await network.as("alice").sendChat("bob", "still there?");
    await new Promise((r) => setTimeout(r, 30));
    expect(messages.map((m) => m.senderId)).toEqual(["alice"]);
  });
});

describe("the demo module: contacts and direct chats", () => {
  it("at login, each friend asks to be in the user's roster with their name, then says their presence and picture", async () => {
    const network = world();
    const h = await startGateway(network);
    const asks = h.component.sent.filter((s) => s.is("presence") && s.attrs.type === "subscribe");
    expect(asks.map((p) => [p.attrs.from, p.attrs.to, p.getChildText("nick", NS_NICK)])).toEqual([
      [BOB, USER, "Bob"],
      [CAROL, USER, "Carol Singer"],
    ]);
    const bobPresence = h.component.sent.find((s) => s.is("presence") && s.attrs.from === BOB && s.attrs.type === undefined);
    expect(bobPresence?.getChildText("show")).toBe("away");
    expect(bobPresence?.getChildText("status")).toBe("Lunch");
    expect(bobPresence?.getChild("x", NS_VCARD_UPDATE)?.getChildText("photo")).toBe(sha1(demoAvatar("bob")));
    // The user's client subscribes back: accepted, with the presence.
    h.component.takeSent();
    const subscribed = nextFrom(h, CAROL, (s) => s.attrs.type === "subscribed");
    const presence = nextFrom(h, CAROL, (s) => s.is("presence") && s.attrs.type === undefined);
    h.component.receive(`<presence type='subscribe' id='s1' from='${USER}' to='${CAROL}'/>`);
    await subscribed;
    expect((await presence).getChild("show")).toBeUndefined(); // online
    const vcard = await request(h, `<iq type='get' id='v1' from='${TO}' to='${BOB}'><vCard xmlns='vcard-temp'/></iq>`);
    expect(vcard.getChild("vCard")?.getChildText("FN")).toBe("Bob");
    expect(h.warnings).toEqual([]);
  });

  it("a friend's presence and picture changes on the network reach the user", async () => {
    const network = world();
    const h = await startGateway(network);
    await settle();
    h.component.takeSent();
    const online = nextFrom(h, BOB, (s) => s.is("presence"));
    await network.as("bob").setPresence("dnd", "Meeting");
    expect((await online).getChildText("show")).toBe("dnd");
    expect((await online).getChildText("status")).toBe("Meeting");
    const pictured = nextFrom(h, BOB, (s) => s.is("presence"));
    await network.as("bob").setAvatar(demoAvatar("bob again"));
    expect((await pictured).getChild("x", NS_VCARD_UPDATE)?.getChildText("photo")).toBe(sha1(demoAvatar("bob again")));
    const gone = nextFrom(h, BOB, (s) => s.is("presence"));
    await network.as("bob").setPresence("offline");
    expect((await gone).attrs.type).toBe("unavailable");
  });

  it("the user's direct messages are one-to-one chats on the network: text, reply, correction, reaction, retraction, typing, read marker", async () => {
    const network = world();
    const h = await startGateway(network);
    const sent = nextEvent(network, "chatMessage");
    h.component.receive(`<message type='chat' id='u1' from='${TO}' to='${BOB}'><body>hello bob</body></message>`);
    const { message } = await sent;
    expect(message).toMatchObject({ senderId: "alice", recipientId: "bob", text: "hello bob" });

    const fromBob = nextFrom(h, BOB, (s) => s.getChildText("body") === "hi alice");
    const bobId = await network.as("bob").sendChat("alice", "hi alice");
    const bobXmppId = String((await fromBob).attrs.id);

    const replied = nextEvent(network, "chatMessage", (e) => e.message.text === "indeed");
    h.component.receive(
      `<message type='chat' id='u2' from='${TO}' to='${BOB}'><body>&gt; hi alice\nindeed</body><reply xmlns='urn:xmpp:reply:0' id='${bobXmppId}' to='${BOB}'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='11'/></fallback></message>`,
    );
    expect((await replied).message.replyTo).toBe(bobId);

    const edited = nextEvent(network, "chatMessageEdited");
    h.component.receive(`<message type='chat' id='u3' from='${TO}' to='${BOB}'><body>hello, bob</body><replace xmlns='urn:xmpp:message-correct:0' id='u1'/></message>`);
    expect((await edited).message).toMatchObject({ id: message.id, text: "hello, bob" });

    const reacted = nextEvent(network, "chatReactionsChanged");
    h.component.receive(`<message type='chat' id='u4' from='${TO}' to='${BOB}'><reactions xmlns='urn:xmpp:reactions:0' id='${bobXmppId}'><reaction>👍</reaction></reactions></message>`);
    expect(await reacted).toMatchObject({ userId: "alice", emojis: ["👍"], message: { id: bobId } });

    const typing = nextEvent(network, "chatTyping");
    h.component.receive(`<message type='chat' id='u5' from='${TO}' to='${BOB}'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`);
    expect(await typing).toEqual({ userId: "alice", peerId: "bob", typing: true });

    const read = nextEvent(network, "chatRead");
    h.component.receive(`<message type='chat' id='u6' from='${TO}' to='${BOB}'><displayed xmlns='urn:xmpp:chat-markers:0' id='${bobXmppId}'/></message>`);
    expect(await read).toEqual({ userId: "alice", peerId: "bob", messageId: bobId });

    const deleted = nextEvent(network, "chatMessageDeleted");
    h.component.receive(`<message type='chat' id='u7' from='${TO}' to='${BOB}'><body>/me retracted</body><retract xmlns='urn:xmpp:message-retract:1' id='u1'/></message>`);
    expect((await deleted).message.id).toBe(message.id);
    expect(network.getChatMessage(message.id)).toBeUndefined();

    // Someone who is no friend may be written to; nobody is item-not-found; the network's refusal is said.
    const toErin = nextEvent(network, "chatMessage", (e) => e.message.recipientId === "erin");
    h.component.receive(`<message type='chat' id='u8' from='${TO}' to='erin@${GW}'><body>hi erin</body></message>`);
    expect((await toErin).message.text).toBe("hi erin");
    expect(errorCondition(await request(h, `<message type='chat' id='u9' from='${TO}' to='zed@${GW}'><body>hi</body></message>`))).toBe("item-not-found");
    expect(errorCondition(await request(h, `<message type='chat' id='u10' from='${TO}' to='alice@${GW}'><body>me</body></message>`))).toBe("item-not-found");
    network.failNext("sendChat");
    expect(errorCondition(await request(h, `<message type='chat' id='u11' from='${TO}' to='${BOB}'><body>down</body></message>`))).toBe("service-unavailable");
  });

  it("the other person's side comes through the contact: text, reply, correction, reaction, typing, read marker, retraction", async () => {
    const network = world();
    const h = await startGateway(network);
    const sent = nextEvent(network, "chatMessage");
    h.component.receive(`<message type='chat' id='u1' from='${TO}' to='${BOB}'><body>lunch?</body></message>`);
    const mine = (await sent).message.id;
    await settle(); // the gateway maps the message's ids once the network took it
    h.component.takeSent();
    const bob = network.as("bob");
    const text = nextFrom(h, BOB, (s) => s.getChildText("body") === "yes!");
    const id = await bob.sendChat("alice", "yes!", { replyTo: mine });
    const textEl = await text;
    expect(textEl.attrs.type).toBe("chat");
    expect(textEl.getChild("reply", "urn:xmpp:reply:0")?.attrs.id).toBe("u1");
    const xmppId = String(textEl.attrs.id);

    const correction = nextFrom(h, BOB, (s) => s.getChild("replace", "urn:xmpp:message-correct:0") !== undefined);
    await bob.editChat(id, "yes, at noon");
    expect((await correction).getChild("replace", "urn:xmpp:message-correct:0")?.attrs.id).toBe(xmppId);
    expect((await correction).getChildText("body")).toBe("yes, at noon");

    const reaction = nextFrom(h, BOB, (s) => s.getChild("reactions", "urn:xmpp:reactions:0") !== undefined);
    await bob.reactChat(mine, ["❤️"]);
    expect((await reaction).getChild("reactions", "urn:xmpp:reactions:0")?.attrs.id).toBe("u1");

    const typing = nextFrom(h, BOB, (s) => s.getChild("composing", "http://jabber.org/protocol/chatstates") !== undefined);
    await bob.setChatTyping("alice", true);
    await typing;
    const paused = nextFrom(h, BOB, (s) => s.getChild("paused", "http://jabber.org/protocol/chatstates") !== undefined);
    await bob.setChatTyping("alice", false);
    await paused;

    const read = nextFrom(h, BOB, (s) => s.getChild("displayed", "urn:xmpp:chat-markers:0") !== undefined);
    await bob.markChatRead(mine);
    expect((await read).getChild("displayed", "urn:xmpp:chat-markers:0")?.attrs.id).toBe("u1");

    const retraction = nextFrom(h, BOB, (s) => s.getChild("retract", "urn:xmpp:message-retract:1") !== undefined);
    await bob.deleteChat(id);
    expect((await retraction).getChild("retract", "urn:xmpp:message-retract:1")?.attrs.id).toBe(xmppId);

    // Someone who is no friend writes: a contact is made for them.
    const fromDave = nextFrom(h, `dave@${GW}`, (s) => s.getChildText("body") === "hello?");
    await network.as("dave").sendChat("alice", "hello?");
    await fromDave;
    expect(h.warnings).toEqual([]);
  });

  it("what the user writes from another device of theirs comes as a carbon, through the message privilege", async () => {
    const network = world();
    const h = await startGateway(network);
    h.component.receive(`<message from='example.com' to='${GW}' id='p1'><privilege xmlns='urn:xmpp:privilege:2'><perm access='message' type='outgoing'/></privilege></message>`);
    await new Promise((r) => setTimeout(r, 20));
    const wrapped = h.component.nextSent((s) => s.attrs.to === "example.com" && s.getChild("privilege", "urn:xmpp:privilege:2") !== undefined);
    await network.as("alice").sendChat("bob", "sent from my phone");
    const inner = (await wrapped).getChild("privilege", "urn:xmpp:privilege:2")?.getChild("forwarded", "urn:xmpp:forward:0")?.getChild("message");
    expect(inner?.attrs).toMatchObject({ from: USER, to: BOB, type: "chat" });
    expect(inner?.getChildText("body")).toBe("sent from my phone");
  });

  it("searches the network's users by name: XEP-0055, XEP-0100 and the search command, each with the contact's JID", async () => {
    const network = world();
    const h = await startGateway(network);
    const form = await request(h, `<iq type='get' id='s1' from='${TO}' to='${GW}'><query xmlns='${NS_SEARCH}'/></iq>`);
    const x = form.getChild("query", NS_SEARCH)?.getChild("x", "jabber:x:data");
    expect(x?.getChildText("title")).toBe("Find people on the demo network");
    expect(x?.getChildren("field").map((f) => [f.attrs.var, f.attrs.label])).toEqual([["query", "Name"]]);

    const result = await request(
      h,
      `<iq type='set' id='s2' from='${TO}' to='${GW}'><query xmlns='${NS_SEARCH}'><x xmlns='jabber:x:data' type='submit'><field var='query'><value>singer</value></field></x></query></iq>`,
    );
    const rx = result.getChild("query", NS_SEARCH)?.getChild("x", "jabber:x:data");
    expect(rx?.getChild("reported")?.getChildren("field").map((f) => f.attrs.var)).toEqual(["jid", "name"]);
    expect(rx?.getChildren("item").map((i) => i.getChildren("field").map((f) => f.getChildText("value")))).toEqual([[CAROL, "Carol Singer"]]);

    const lookup = await request(h, `<iq type='set' id='g1' from='${TO}' to='${GW}'><query xmlns='${NS_IQ_GATEWAY}'><prompt>erin</prompt></query></iq>`);
    expect(lookup.getChild("query", NS_IQ_GATEWAY)?.getChildText("jid")).toBe(`erin@${GW}`);

    h.component.receive(`<message type='chat' id='m1' from='${TO}' to='${GW}'><body>search a</body></message>`);
    const reply = await h.component.nextSent((s) => s.is("message") && s.attrs.from === GW && s.attrs.to === TO && s.getChildText("body") !== null);
    expect(reply.getChildText("body")).toBe(`2 found\n${CAROL} — Carol Singer\ndave@${GW} — Dave`);
  });

  it("with startDemoReplies, bob types and answers the user's message, as a reply to it", async () => {
    const network = world();
    stops.push(startDemoReplies(network, { delayMs: 5 }));
    const h = await startGateway(network);
    const composing = nextFrom(h, BOB, (s) => s.getChild("composing", "http://jabber.org/protocol/chatstates") !== undefined);
    const answer = nextFrom(h, BOB, (s) => s.getChildText("body")?.includes("ping from alice") === true);
    h.component.receive(`<message type='chat' id='q1' from='${TO}' to='${BOB}'><body>ping from alice</body></message>`);
    await composing;
    const el = await answer;
    expect(el.getChild("reply", "urn:xmpp:reply:0")?.attrs.id).toBe("q1");
    expect(el.getChildText("body")).toMatch(/^Hi Alice! Bob here/);
  });
});
