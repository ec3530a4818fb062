/**
 * Contacts and direct chats (transcripts on the mock component): the roster
 * filled at login (subscription requests with names), contacts' presence,
 * avatar and vCard, the user's direct messages to hooks with the contact as
 * the chat (text, replies, corrections, retractions, reactions, chat states,
 * markers, receipts), the contact's messages to the user, carbons through
 * the message privilege, unknown contacts, and a participant linked to its
 * contact.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import { BaseSession, LegacyContact, LegacyRoster, type Chat, type GatewayStore, type MessageActionOptions, type TextOptions } from "../../../src/gateway/index.js";
import { GW, RES, USER, closeStores, recordingLogger, startDirectChats } from "./helpers.js";

const FULL = `${USER}/${RES}`;
const PNG = { data: new Uint8Array([137, 80, 78, 71, 1, 2, 3]), type: "image/png" };

interface Calls {
  text: { chat: string; kind: string; text: string; replyTo: string | undefined }[];
  corrections: { chat: string; text: string; legacyId: string }[];
  retractions: { chat: string; legacyId: string }[];
  reactions: { chat: string; legacyId: string; emojis: readonly string[] }[];
  states: string[];
  displayed: { chat: string; legacyId: string }[];
}

afterEach(() => closeStores());

async function start(existing?: GatewayStore) {
  const calls: Calls = { text: [], corrections: [], retractions: [], reactions: [], states: [], displayed: [] };
  const kind = (chat: Chat): string => (chat instanceof LegacyContact ? "contact" : "room");
  class Contact extends LegacyContact {
    override async updateInfo() {
      const names: Record<string, string> = { bob: "Bob Builder", "carol@home": "Carol" };
      this.name = names[this.legacyId];
      if (this.legacyId === "bob") await this.setAvatar(PNG);
    }
  }
  class Roster extends LegacyRoster {
    override async *fill() {
      yield await this.byLegacyId("bob");
      yield await this.byLegacyId("carol@home");
    }
    override async isContact(legacyId: string) {
      return ["bob", "carol@home", "dave"].includes(legacyId);
    }
  }
  let n = 0;
  class Session extends BaseSession {
    override async onText(chat: Chat, text: string, options: TextOptions) {
      calls.text.push({ chat: chat.legacyId, kind: kind(chat), text, replyTo: options.replyTo });
      return `legacy-${++n}`;
    }
    override async onCorrect(chat: Chat, text: string, legacyId: string) {
      calls.corrections.push({ chat: chat.legacyId, text, legacyId });
    }
    override async onRetract(chat: Chat, legacyId: string, _options: MessageActionOptions) {
      calls.retractions.push({ chat: chat.legacyId, legacyId });
    }
    override async onReact(chat: Chat, legacyId: string, emojis: readonly string[]) {
      calls.reactions.push({ chat: chat.legacyId, legacyId, emojis });
    }
    override async onComposing(chat: Chat) {
      calls.states.push(`composing:${chat.legacyId}`);
    }
    override async onPaused(chat: Chat) {
      calls.states.push(`paused:${chat.legacyId}`);
    }
    override async onDisplayed(chat: Chat, legacyId: string) {
      calls.displayed.push({ chat: chat.legacyId, legacyId });
    }
  }
  return { calls, ...(await startDirectChats({ Session, Roster, Contact, store: existing })) };
}

type H = Awaited<ReturnType<typeof start>>;

function request(h: H, text: string): Promise<Element> {
  const el = h.component.receive(text);
  return h.component.nextSent((s) => s.attrs.id === el.attrs.id && s.attrs.to === el.attrs.from && s.name === el.name);
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 30));
}

describe("the roster", () => {
  it("fill() at login: each friend asks the user to subscribe, with its name; its JID escapes the legacy id", async () => {
    const h = await start();
    const asks = h.component.sent.filter((s) => s.is("presence") && s.attrs.type === "subscribe");
    expect(asks.map((p) => [p.attrs.from, p.attrs.to, p.getChildText("nick", "http://jabber.org/protocol/nick")])).toEqual([
      [`bob@${GW}`, USER, "Bob Builder"],
      [`carol\\40home@${GW}`, USER, "Carol"],
    ]);
    expect(h.session.contacts.contacts.map((c) => c.jid.toString())).toEqual([`bob@${GW}`, `carol\\40home@${GW}`]);
  });

  it("a friend's presence and avatar reach the user; its vCard holds the name and the image; the user's subscription is accepted", async () => {
    const h = await start();
    const bob = await h.session.contacts.byLegacyId("bob");
    h.component.takeSent();
    await bob.away("Lunch");
    const presence = h.component.takeSent().find((s) => s.is("presence") && s.attrs.from === `bob@${GW}`);
    expect(presence?.getChildText("show")).toBe("away");
    expect(presence?.getChildText("status")).toBe("Lunch");
    expect(presence?.getChild("x", "vcard-temp:x:update")?.getChildText("photo")).toBe(bob.avatarHash);
    await bob.offline();
    expect(h.component.sent.at(-1)?.attrs.type).toBe("unavailable");

    const vcard = await request(h, `<iq type='get' id='v1' from='${FULL}' to='bob@${GW}'><vCard xmlns='vcard-temp'/></iq>`);
    expect(vcard.getChild("vCard")?.getChildText("FN")).toBe("Bob Builder");
    expect(vcard.getChild("vCard")?.getChild("PHOTO")?.getChildText("BINVAL")).toBe(Buffer.from(PNG.data).toString("base64"));

    const dave = await h.session.contacts.byLegacyId("dave");
    expect(dave.isFriend).toBe(false);
    const accepted = h.component.nextSent((s) => s.is("presence") && s.attrs.from === `dave@${GW}` && s.attrs.type === "subscribed");
    h.component.receive(`<presence type='subscribe' id='s1' from='${USER}' to='dave@${GW}'/>`);
    await accepted;
    expect(dave.isFriend).toBe(true);
  });

  it("disco#info of a contact: a client of the network, with the features the module supports", async () => {
    const h = await start();
    const info = await request(h, `<iq type='get' id='d1' from='${FULL}' to='bob@${GW}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`);
    expect(info.getChild("query")?.getChild("identity")?.attrs).toMatchObject({ category: "client", type: "pc", name: "Bob Builder" });
    const features = info.getChild("query")?.getChildren("feature").map((f) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining(["urn:xmpp:message-correct:0", "urn:xmpp:message-retract:1", "urn:xmpp:reactions:0", "urn:xmpp:receipts"]));
  });
});

describe("direct chats", () => {
  it("the user's text, reply, correction, retraction and reactions reach the hooks with the contact as the chat", async () => {
    const h = await start();
    const receipt = h.component.nextSent((s) => s.is("message") && s.getChild("received", "urn:xmpp:receipts") !== undefined);
    h.component.receive(`<message type='chat' id='u1' from='${FULL}' to='bob@${GW}'><body>hello bob</body><request xmlns='urn:xmpp:receipts'/></message>`);
    // A receipt once the network took it, from the contact.
    expect((await receipt).attrs).toMatchObject({ from: `bob@${GW}`, to: FULL });
    expect((await receipt).getChild("received", "urn:xmpp:receipts")?.attrs.id).toBe("u1");
    h.component.receive(
      `<message type='chat' id='u2' from='${FULL}' to='bob@${GW}'><body>&gt; hello bob\nindeed</body><reply xmlns='urn:xmpp:reply:0' id='u1' to='${USER}'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='12'/></fallback></message>`,
    );
    h.component.receive(`<message type='chat' id='u3' from='${FULL}' to='bob@${GW}'><body>hello, bob</body><replace xmlns='urn:xmpp:message-correct:0' id='u1'/></message>`);
    h.component.receive(`<message type='chat' id='u4' from='${FULL}' to='bob@${GW}'><reactions xmlns='urn:xmpp:reactions:0' id='u2'><reaction>👍</reaction></reactions></message>`);
    h.component.receive(`<message type='chat' id='u5' from='${FULL}' to='bob@${GW}'><body>/me retracted</body><retract xmlns='urn:xmpp:message-retract:1' id='u2'/></message>`);
    h.component.receive(`<message type='chat' id='u6' from='${FULL}' to='bob@${GW}'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`);
    await settle();
    expect(h.calls.text).toEqual([
      { chat: "bob", kind: "contact", text: "hello bob", replyTo: undefined },
      { chat: "bob", kind: "contact", text: "indeed", replyTo: "legacy-1" },
    ]);
    expect(h.calls.corrections).toEqual([{ chat: "bob", text: "hello, bob", legacyId: "legacy-1" }]);
    expect(h.calls.reactions).toEqual([{ chat: "bob", legacyId: "legacy-2", emojis: ["👍"] }]);
    expect(h.calls.retractions).toEqual([{ chat: "bob", legacyId: "legacy-2" }]);
    expect(h.calls.states).toEqual(["composing:bob"]);
  });

  it("the contact writes, replies, edits, deletes, reacts, types and reads; ids map both ways", async () => {
    const h = await start();
    const bob = await h.session.contacts.byLegacyId("bob");
    h.component.receive(`<message type='chat' id='u1' from='${FULL}' to='bob@${GW}'><body>lunch?</body></message>`);
    await settle();
    h.component.takeSent();
    const id = await bob.sendText("yes!", "b-1", { replyTo: "legacy-1" });
    await bob.correct("b-1", "yes, at noon");
    await bob.react("legacy-1", ["❤️"]);
    await bob.composing();
    await bob.displayed("legacy-1");
    await bob.retract("b-1");
    const sent = h.component.takeSent();
    expect(sent.every((s) => s.attrs.from === `bob@${GW}` && s.attrs.to === USER && s.attrs.type === "chat")).toBe(true);
    const [text, correction, reaction, typing, read, retraction] = sent as [Element, Element, Element, Element, Element, Element];
    expect(text.attrs.id).toBe(id);
    expect(text.getChildText("body")).toBe("yes!");
    expect(text.getChild("reply", "urn:xmpp:reply:0")?.attrs.id).toBe("u1");
    expect(correction.getChild("replace", "urn:xmpp:message-correct:0")?.attrs.id).toBe(id);
    expect(reaction.getChild("reactions", "urn:xmpp:reactions:0")?.attrs.id).toBe("u1");
    expect(typing.getChild("composing", "http://jabber.org/protocol/chatstates")).toBeDefined();
    expect(read.getChild("displayed", "urn:xmpp:chat-markers:0")?.attrs.id).toBe("u1");
    expect(retraction.getChild("retract", "urn:xmpp:message-retract:1")?.attrs.id).toBe(id);
    // The user's displayed marker on the contact's message names its legacy id.
    h.component.receive(`<message type='chat' id='u9' from='${FULL}' to='bob@${GW}'><displayed xmlns='urn:xmpp:chat-markers:0' id='${id}'/></message>`);
    await settle();
    expect(h.calls.displayed).toEqual([{ chat: "bob", legacyId: "b-1" }]);
  });

  it("a carbon of the user's own message goes through the message privilege, and is dropped without it", async () => {
    const h = await start();
    const bob = await h.session.contacts.byLegacyId("bob");
    h.component.takeSent();
    await bob.sendText("sent from my phone", "own-1", { carbon: true });
    expect(h.component.takeSent()).toEqual([]);
    h.component.receive(`<message from='montague.lit' to='${GW}' id='p1'><privilege xmlns='urn:xmpp:privilege:2'><perm access='message' type='outgoing'/></privilege></message>`);
    await settle();
    await bob.sendText("sent from my phone", "own-2", { carbon: true });
    const [wrapped] = h.component.takeSent();
    expect(wrapped?.attrs).toMatchObject({ from: GW, to: "montague.lit" });
    const inner = wrapped?.getChild("privilege", "urn:xmpp:privilege:2")?.getChild("forwarded", "urn:xmpp:forward:0")?.getChild("message");
    expect(inner?.attrs).toMatchObject({ from: USER, to: `bob@${GW}`, type: "chat" });
    expect(inner?.getChildText("body")).toBe("sent from my phone");
  });

  it("unknown contacts are item-not-found; a groupchat message to a contact is not-acceptable; unknown references are item-not-found", async () => {
    const h = await start();
    const unknown = await request(h, `<message type='chat' id='x1' from='${FULL}' to='zed@${GW}'><body>hi</body></message>`);
    expect(unknown.getChild("error")?.getChild("item-not-found", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
    const group = await request(h, `<message type='groupchat' id='x2' from='${FULL}' to='bob@${GW}'><body>hi</body></message>`);
    expect(group.getChild("error")?.getChild("not-acceptable", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
    const stale = await request(h, `<message type='chat' id='x3' from='${FULL}' to='bob@${GW}'><body>fix</body><replace xmlns='urn:xmpp:message-correct:0' id='never'/></message>`);
    expect(stale.getChild("error")?.getChild("item-not-found", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
    expect(h.calls.corrections).toEqual([]);
  });
});

describe("a participant that is a contact", () => {
  it("muc.getParticipantByContact: the contact's name, real JID and avatar, linked back", async () => {
    const h = await start();
    const muc = await h.session.bookmarks.created("g1", "group");
    const bob = await h.session.contacts.byLegacyId("bob");
    const participant = await muc.getParticipantByContact(bob);
    expect(participant.nick).toBe("Bob Builder");
    expect(participant.realJid).toBe(`bob@${GW}`);
    expect(participant.legacyId).toBe("bob");
    expect(participant.avatarHash).toBe(bob.avatarHash);
    expect(participant.contact).toBe(bob);
    expect(await muc.getParticipantByContact(bob)).toBe(participant);
  });
});

describe("the roster privilege (XEP-0356)", () => {
  it("where the server grants roster writes, a friend is pushed into the user's roster with its name and the roster group; else a subscription request", async () => {
    const h = await start();
    h.gateway.rosterGroup = "Demo network";
    h.component.receive(`<message from='montague.lit' to='${GW}' id='p1'><privilege xmlns='urn:xmpp:privilege:2'><perm access='roster' type='both'/></privilege></message>`);
    await settle();
    h.component.takeSent();
    const dave = await h.session.contacts.byLegacyId("dave");
    const added = dave.addToRoster();
    const push = await h.component.nextSent((s) => s.is("iq") && s.attrs.to === USER);
    const item = push.getChild("query", "jabber:iq:roster")?.getChild("item");
    expect(item?.attrs).toMatchObject({ jid: `dave@${GW}`, subscription: "both" });
    expect(item?.getChildText("group")).toBe("Demo network");
    h.component.receive(`<iq type='result' id='${push.attrs.id}' from='${USER}' to='${GW}'/>`);
    await added;
    const after = h.component.takeSent();
    expect(after.some((s) => s.is("presence") && s.attrs.type === "subscribe")).toBe(false);
    expect(after.some((s) => s.is("presence") && s.attrs.from === `dave@${GW}` && s.attrs.type === "unavailable")).toBe(true);
  });

  it("a refused roster push falls back to the subscription request", async () => {
    const h = await start();
    h.component.receive(`<message from='montague.lit' to='${GW}' id='p1'><privilege xmlns='urn:xmpp:privilege:2'><perm access='roster' type='set'/></privilege></message>`);
    await settle();
    const dave = await h.session.contacts.byLegacyId("dave");
    const added = dave.addToRoster();
    const push = await h.component.nextSent((s) => s.is("iq") && s.attrs.to === USER);
    h.component.receive(`<iq type='error' id='${push.attrs.id}' from='${USER}' to='${GW}'><error type='cancel'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`);
    await added;
    const ask = h.component.sent.find((s) => s.is("presence") && s.attrs.from === `dave@${GW}` && s.attrs.type === "subscribe");
    expect(ask).toBeDefined();
  });
});

describe("a contact's avatar by XEP-0084", () => {
  it("a metadata notification from the contact; its data and metadata nodes served at its JID; an empty metadata once removed", async () => {
    const h = await start();
    const carol = await h.session.contacts.byLegacyId("carol@home");
    h.component.takeSent();
    await carol.setAvatar(PNG);
    const sent = h.component.takeSent();
    const note = sent.find((s) => s.is("message") && s.attrs.type === "headline");
    const info = note?.getChild("event", "http://jabber.org/protocol/pubsub#event")?.getChild("items")?.getChild("item")?.getChild("metadata", "urn:xmpp:avatar:metadata")?.getChild("info");
    expect(info?.attrs).toMatchObject({ id: carol.avatarHash, bytes: String(PNG.data.length), type: "image/png" });
    const data = await request(
      h,
      `<iq type='get' id='a1' from='${FULL}' to='${carol.jid.toString()}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:data'><item id='${carol.avatarHash}'/></items></pubsub></iq>`,
    );
    expect(data.getChild("pubsub")?.getChild("items")?.getChild("item")?.getChildText("data", "urn:xmpp:avatar:data")).toBe(Buffer.from(PNG.data).toString("base64"));
    const stale = await request(h, `<iq type='get' id='a2' from='${FULL}' to='${carol.jid.toString()}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:data'><item id='old'/></items></pubsub></iq>`);
    expect(stale.getChild("pubsub")?.getChild("items")?.getChildren("item")).toEqual([]);
    await carol.setAvatar(undefined);
    const removed = h.component.takeSent().find((s) => s.is("message") && s.attrs.type === "headline");
    const metadata = removed?.getChild("event")?.getChild("items")?.getChild("item")?.getChild("metadata", "urn:xmpp:avatar:metadata");
    expect(metadata?.children).toEqual([]);
  });
});

describe("markAllMessages in a direct chat", () => {
  it("a displayed marker marks each of the contact's unread messages up to it", async () => {
    const h = await start();
    h.gateway.markAllMessages = true;
    const bob = await h.session.contacts.byLegacyId("bob");
    const ids: string[] = [];
    for (const id of ["b-1", "b-2", "b-3"]) ids.push(await bob.sendText(id, id));
    h.component.receive(`<message type='chat' id='r1' from='${FULL}' to='bob@${GW}'><displayed xmlns='urn:xmpp:chat-markers:0' id='${ids[1]}'/></message>`);
    await settle();
    expect(h.calls.displayed).toEqual([
      { chat: "bob", legacyId: "b-1" },
      { chat: "bob", legacyId: "b-2" },
    ]);
  });
});

describe("a contact's file", () => {
  it("goes as a message whose body is the URL, with XEP-0066 and XEP-0447", async () => {
    const h = await start();
    const bob = await h.session.contacts.byLegacyId("bob");
    h.component.takeSent();
    const id = await bob.sendFile({ url: "https://files.example/cat.jpg", name: "cat.jpg", type: "image/jpeg", size: 1234 }, "f-1");
    const [msg] = h.component.takeSent();
    expect(msg?.attrs).toMatchObject({ from: `bob@${GW}`, to: USER, type: "chat", id });
    expect(msg?.getChildText("body")).toBe("https://files.example/cat.jpg");
    expect(msg?.getChild("x", "jabber:x:oob")?.getChildText("url")).toBe("https://files.example/cat.jpg");
    expect(msg?.getChild("file-sharing", "urn:xmpp:sfs:0")?.getChild("file")?.getChildText("name")).toBe("cat.jpg");
    expect(bob.xmppIdOf("f-1")).toBe(id);
  });

  it("with a URL that is not absolute http(s), from a contact or the gateway (mto), rejects with TypeError: nothing sent, no id mapped", async () => {
    const h = await start();
    const bob = await h.session.contacts.byLegacyId("bob");
    h.component.takeSent();
    for (const url of ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi", "/relative/cat.png", ""]) {
      await expect(bob.sendFile({ url, name: "cat.png" }, `bad-${url}`), url).rejects.toThrow(TypeError);
      await expect(h.gateway.sendFile({ url, name: "cat.png" }, `bad-${url}`, { mto: USER }), url).rejects.toThrow(TypeError);
      expect(bob.xmppIdOf(`bad-${url}`), url).toBeUndefined();
      expect(h.gateway.as(USER).xmppIdOf(`bad-${url}`), url).toBeUndefined();
    }
    await settle();
    expect(h.component.takeSent().filter((s) => s.is("message"))).toEqual([]);
    // An http(s) URL still goes.
    await h.gateway.sendFile({ url: "http://files.example/dog.png" }, "ok", { mto: USER });
    expect(h.component.takeSent().map((s) => s.getChildText("body"))).toEqual(["http://files.example/dog.png"]);
  });
});

describe("the user accepting a contact's subscription request", () => {
  it("makes the contact a friend whose presence follows at once", async () => {
    const h = await start();
    const dave = await h.session.contacts.byLegacyId("dave");
    await dave.online("here");
    const presence = h.component.nextSent((s) => s.is("presence") && s.attrs.from === `dave@${GW}` && s.attrs.type === undefined);
    h.component.receive(`<presence type='subscribed' id='s1' from='${USER}' to='dave@${GW}'/>`);
    expect((await presence).getChildText("status")).toBe("here");
    expect(dave.isFriend).toBe(true);
  });
});

describe("contacts across a restart", () => {
  it("friends, names and avatars are kept: no second subscription request, the avatar served again, the contact known", async () => {
    const first = await start();
    const subscribes = (h: H) => h.component.sent.filter((s) => s.is("presence") && s.attrs.type === "subscribe").map((s) => s.attrs.from);
    expect(subscribes(first)).toEqual([`bob@${GW}`, `carol\\40home@${GW}`]);
    const dave = await first.session.contacts.byLegacyId("dave");
    await dave.addToRoster();
    await first.gateway.stop();

    const again = await start(first.store);
    expect(subscribes(again)).toEqual([]);
    const bob = await again.session.contacts.byLegacyId("bob");
    expect(bob.isFriend).toBe(true);
    expect(bob.avatarHash).toBe((await first.session.contacts.byLegacyId("bob")).avatarHash);
    // dave, added before the restart, is a friend and a contact without fill listing him.
    expect(await again.session.contacts.isContact("dave")).toBe(true);
    expect((await again.session.contacts.byLegacyId("dave")).isFriend).toBe(true);
  });
});

describe("friendship from the user's side", () => {
  it("subscribe → onFriendRequest (a refusal answers unsubscribed); subscribed → onFriendAccept; unsubscribe → onFriendDelete", async () => {
    const h = await start();
    const seen: string[] = [];
    const dave = await h.session.contacts.byLegacyId("dave");
    let refuse = true;
    dave.onFriendRequest = async () => {
      seen.push("request");
      if (refuse) throw new Error("dave does not accept strangers");
    };
    dave.onFriendAccept = async () => void seen.push("accept");
    dave.onFriendDelete = async () => void seen.push("delete");
    const answer = (type: string) => h.component.nextSent((s) => s.is("presence") && s.attrs.from === `dave@${GW}` && s.attrs.type === type);
    let refused = answer("unsubscribed");
    h.component.receive(`<presence type='subscribe' id='f1' from='${USER}' to='dave@${GW}'/>`);
    await refused;
    expect(dave.isFriend).toBe(false);
    refuse = false;
    const accepted = answer("subscribed");
    h.component.receive(`<presence type='subscribe' id='f2' from='${USER}' to='dave@${GW}'/>`);
    await accepted;
    expect(dave.isFriend).toBe(true);
    refused = answer("unsubscribed");
    h.component.receive(`<presence type='unsubscribe' id='f3' from='${USER}' to='dave@${GW}'/>`);
    await refused;
    expect(dave.isFriend).toBe(false);
    h.component.receive(`<presence type='subscribed' id='f4' from='${USER}' to='dave@${GW}'/>`);
    await answer("unavailable");
    expect(seen).toEqual(["request", "request", "delete", "accept"]);
    expect(h.store.contacts.get(USER, "dave")?.isFriend).toBe(true);
  });
});

describe("a failing onFriendAccept or onFriendDelete", () => {
  it("is logged (the presence gets no error back); the friendship stays as it was", async () => {
    const { logger, lines } = recordingLogger();
    const h = await startDirectChats({ Session: BaseSession, logger });
    const bob = await h.session.contacts.byLegacyId("bob");
    bob.onFriendAccept = async () => {
      throw new Error("accept API down");
    };
    bob.onFriendDelete = async () => {
      throw new Error("delete API down");
    };
    const warning = (text: string) => lines.find((l) => l.level === "warn" && String(l.details[0]).includes(text));
    h.component.receive(`<presence type='subscribed' id='a1' from='${USER}' to='bob@${GW}'/>`);
    await vi.waitFor(() => expect(warning("accept API down")?.message).toContain("onFriendAccept"));
    expect(bob.isFriend).toBe(false);
    bob.isFriend = true;
    h.component.receive(`<presence type='unsubscribe' id='d1' from='${USER}' to='bob@${GW}'/>`);
    await vi.waitFor(() => expect(warning("delete API down")?.message).toContain("onFriendDelete"));
    expect(bob.isFriend).toBe(true);
    await settle();
    expect(h.component.sent.filter((s) => s.attrs.type === "error")).toEqual([]);
  });
});

describe("properReceipts (slidge's PROPER_RECEIPTS)", () => {
  it("the gateway sends no receipt of its own; the module's contact.received() does", async () => {
    const h = await start();
    h.gateway.properReceipts = true;
    const bob = await h.session.contacts.byLegacyId("bob");
    h.component.takeSent();
    h.component.receive(`<message type='chat' id='pr1' from='${FULL}' to='bob@${GW}'><body>hi</body><request xmlns='urn:xmpp:receipts'/></message>`);
    await settle();
    expect(h.component.takeSent().some((s) => s.getChild("received", "urn:xmpp:receipts"))).toBe(false);
    await bob.received("legacy-1");
    const [receipt] = h.component.takeSent();
    expect(receipt?.getChild("received", "urn:xmpp:receipts")?.attrs.id).toBe("pr1");
  });
});

describe("the gateway itself as a messaging entity (gateway.as(user))", () => {
  it("writes, edits, reacts and types from the gateway's JID", async () => {
    const h = await start();
    h.component.takeSent();
    const me = h.gateway.as(USER);
    const id = await me.sendText("Your session expired", "g-1");
    await me.correct("g-1", "Your session expired; send relogin");
    await me.composing();
    const [text, fix, typing] = h.component.takeSent();
    expect(text?.attrs).toMatchObject({ from: GW, to: USER, type: "chat", id });
    expect(fix?.getChild("replace", "urn:xmpp:message-correct:0")?.attrs.id).toBe(id);
    expect(typing?.getChild("composing", "http://jabber.org/protocol/chatstates")).toBeDefined();
    expect(h.gateway.as(`${USER}/other`)).toBe(me);
    // The same as BaseGateway's own methods with mto (slidge's mixin).
    const viaMixin = await h.gateway.sendText("Welcome back", "g-2", { mto: USER });
    await h.gateway.react("g-2", ["👋"], { mto: USER });
    await h.gateway.paused({ mto: USER });
    const [welcome, wave, pause] = h.component.takeSent();
    expect(welcome?.attrs).toMatchObject({ from: GW, id: viaMixin });
    expect(wave?.getChild("reactions", "urn:xmpp:reactions:0")?.attrs.id).toBe(viaMixin);
    expect(pause?.getChild("paused", "http://jabber.org/protocol/chatstates")).toBeDefined();
    expect(() => h.gateway.as("stranger@example.org")).toThrow(/not registered/);
  });
});
