/**
 * Messages that change earlier ones, over the mock connection: reading them
 * (`messageRefs`, `onMessageChange`) and sending them (`sendCorrection`,
 * `sendReply`, `sendRetraction`, `sendReactions`, `moderateMessage`). The
 * stanzas are the groupchat examples of XEP-0425 (version 0.3.0) and the
 * examples of XEP-0308 (1.2.1), XEP-0424 (0.4.2), XEP-0444 (0.2.1) and
 * XEP-0461 (0.2.1), moved into the coven.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  composeReply,
  messageRefs,
  moderateMessage,
  onMessageChange,
  sendCorrection,
  sendReactions,
  sendReply,
  sendRetraction,
  XMPPError,
  MucStateError,
  type MessageChangeEvent,
  type MessageEvent,
} from "../../../src/index.js";
import { parseXml } from "../../helpers/xml.js";
import { XEP0461_EXAMPLE_4 } from "../../fixtures/xep-examples.js";
import { CAST, enterAs, ROOM, setup, type Harness } from "./room-presence-helpers.js";

const ME = CAST.firstwitch.jid;
const STANZA_ID = (id: string): string => `<stanza-id xmlns='urn:xmpp:sid:0' id='${id}' by='${ROOM}'/>`;

/** XEP-0425 "The user's client sends a message and the MUC adds a stanza id.", in the coven. */
const INAPPROPRIATE = `<message type="groupchat" from="${ROOM}/thirdwitch" to='${ME}' id='inappropriate-1'>
  <body>DM me for free magic potions!</body>
  <stanza-id xmlns='urn:xmpp:sid:0' id='stanza-id-1' by='${ROOM}'/>
</message>`;

/** XEP-0425 "The MUC sends a moderation message to all participants", in the coven. */
const MODERATION = `<message type="groupchat" id='retraction-id-1' from='${ROOM}' to="${ME}">
  <retract id="stanza-id-1" xmlns='urn:xmpp:message-retract:1'>
    <moderated by='${ROOM}/firstwitch' xmlns='urn:xmpp:message-moderate:1'>
      <occupant-id xmlns="urn:xmpp:occupant-id:0" id="dd72603deec90a38ba552f7c68cbcc61bca202cd" />
    </moderated>
    <reason>This message contains inappropriate content for this forum</reason>
  </retract>
</message>`;

/** XEP-0424 "The client sends out a retraction", as the room reflects it from the thirdwitch. */
const RETRACTION = `<message type='groupchat' from='${ROOM}/thirdwitch' to='${ME}' id='retract-message-1'>
  <retract id="stanza-id-1" xmlns='urn:xmpp:message-retract:1'/>
  <fallback xmlns="urn:xmpp:fallback:0" for='urn:xmpp:message-retract:1'/>
  <body>/me retracted a previous message, but it's unsupported by your client.</body>
  <store xmlns="urn:xmpp:hints"/>
  <occupant-id xmlns="urn:xmpp:occupant-id:0" id="hag"/>
  ${STANZA_ID("stanza-id-2")}
</message>`;

/** XEP-0444 "Juliet adds a 🐢 reaction to the message", as the secondwitch's groupchat reaction. */
const REACTIONS = `<message type='groupchat' from='${ROOM}/secondwitch' to='${ME}' id='96d73204-a57a-11e9-88b8-4889e7820c76'>
  <reactions id='stanza-id-1' xmlns='urn:xmpp:reactions:0'>
    <reaction>👋</reaction>
    <reaction>🐢</reaction>
  </reactions>
  <store xmlns="urn:xmpp:hints"/>
</message>`;

/** XEP-0308 "User corrects the message and sends", as the thirdwitch's groupchat correction. */
const CORRECTION = `<message type='groupchat' from='${ROOM}/thirdwitch' to='${ME}' id='good1'>
  <body>But soft, what light through yonder window breaks?</body>
  <replace id='bad1' xmlns='urn:xmpp:message-correct:0'/>
</message>`;

/** XEP-0461 Example 4, as the secondwitch's groupchat reply to the thirdwitch. */
const REPLY = XEP0461_EXAMPLE_4.replace("to='anna@example.com' id='message-id3' type='chat'", `type='groupchat' from='${ROOM}/secondwitch' to='${ME}' id='message-id3'`).replace(
  "to='anna@example.com/laptop'",
  `to='${ROOM}/thirdwitch'`,
);

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

async function inCoven(): Promise<{ h: Harness; changes: MessageChangeEvent[]; messages: MessageEvent[] }> {
  const h = setup(ME);
  const { room } = await enterAs(h, "firstwitch");
  const changes: MessageChangeEvent[] = [];
  const messages: MessageEvent[] = [];
  room.on("message", (m) => messages.push(m));
  stops.push(onMessageChange(h.muc, (c) => changes.push(c)));
  h.conn.takeSent();
  return { h, changes, messages };
}

describe("messageRefs", () => {
  it("a reply: the message replied to, and the text without the quote (XEP-0461 Example 4)", async () => {
    const { h, messages } = await inCoven();
    h.conn.receive(REPLY);
    const refs = messageRefs(messages[0]!);
    expect(refs.reply?.id).toBe("message-id1");
    expect(refs.reply?.to?.toString()).toBe(`${ROOM}/thirdwitch`);
    expect(refs.text).toBe("Great idea!");
    expect(refs.corrects).toBeUndefined();
    expect(messages[0]!.body).toContain("> Anna wrote:");
  });

  it("a correction and a retraction come as messages too, and say so", async () => {
    const { h, messages } = await inCoven();
    h.conn.receive(CORRECTION);
    h.conn.receive(RETRACTION);
    expect(messages.map((m) => messageRefs(m).corrects)).toEqual(["bad1", undefined]);
    expect(messageRefs(messages[1]!).retraction?.id).toBe("stanza-id-1");
    expect(messageRefs(messages[1]!).text).toBe(""); // the notice is all fallback
  });

  it("a plain message refers to nothing; its text is its body", () => {
    expect(messageRefs(parseXml(INAPPROPRIATE))).toEqual({ text: "DM me for free magic potions!" });
  });

  it("a malformed reference counts as absent, the others are still read, and a malformed fallback keeps its text", () => {
    expect(messageRefs(parseXml(`<message><body>hi</body><replace xmlns='urn:xmpp:message-correct:0'/></message>`))).toEqual({ text: "hi" });
    expect(
      messageRefs(parseXml(`<message><body>&gt; a\nb</body><replace xmlns='urn:xmpp:message-correct:0'/><reply xmlns='urn:xmpp:reply:0' id='x'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='4'/></fallback></message>`)),
    ).toEqual({ reply: { id: "x" }, text: "b" });
    const refs = messageRefs(
      parseXml(`<message><body>&gt; a
b</body><reply xmlns='urn:xmpp:reply:0' id='x'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='zero' end='4'/></fallback></message>`),
    );
    expect(refs.reply?.id).toBe("x");
    expect(refs.text).toBe("> a\nb");
  });
});

describe("onMessageChange", () => {
  it("XEP-0425: the room's moderation message is a moderated retraction, with who and why", async () => {
    const { h, changes, messages } = await inCoven();
    h.conn.receive(INAPPROPRIATE);
    h.conn.receive(MODERATION);
    expect(messages).toHaveLength(1); // the moderation has no body
    expect(changes).toHaveLength(1);
    const change = changes[0]!;
    expect(change.kind).toBe("retraction");
    if (change.kind !== "retraction") return;
    expect(change.target).toBe("stanza-id-1");
    expect(change.target).toBe(messages[0]!.stanzaId);
    expect(change.nick).toBeUndefined();
    expect(change.moderated?.by?.toString()).toBe(`${ROOM}/firstwitch`);
    expect(change.moderated?.occupantId?.id).toBe("dd72603deec90a38ba552f7c68cbcc61bca202cd");
    expect(change.reason).toBe("This message contains inappropriate content for this forum");
    expect(change.room.jid.toString()).toBe(ROOM);
    expect(change.own).toBe(false);
  });

  it("XEP-0424: an occupant's own retraction, with its sender; a moderated claim from an occupant is not a moderation", async () => {
    const { h, changes } = await inCoven();
    h.conn.receive(RETRACTION);
    h.conn.receive(MODERATION.replace(`from='${ROOM}'`, `from='${ROOM}/thirdwitch'`));
    expect(changes.map((c) => [c.kind, c.nick, c.kind === "retraction" ? c.moderated : "-", c.kind === "retraction" ? c.reason : "-"])).toEqual([
      ["retraction", "thirdwitch", undefined, undefined],
      ["retraction", "thirdwitch", undefined, undefined],
    ]);
    expect(changes[0]!.occupantId).toBe("hag");
    expect(changes[0]!.stanzaId).toBe("stanza-id-2");
    expect(changes[0]!.occupant?.nick).toBe("thirdwitch");
  });

  it("XEP-0444: reactions, all of the sender's, and none to take them back", async () => {
    const { h, changes } = await inCoven();
    h.conn.receive(REACTIONS);
    h.conn.receive(REACTIONS.replace(/<reaction>.*<\/reaction>/g, ""));
    expect(changes.map((c) => (c.kind === "reactions" ? [c.nick, c.target, c.reactions] : c.kind))).toEqual([
      ["secondwitch", "stanza-id-1", ["👋", "🐢"]],
      ["secondwitch", "stanza-id-1", []],
    ]);
  });

  it("XEP-0444 §5: a duplicated reaction counts once, and a blank one not at all", async () => {
    const { h, changes } = await inCoven();
    h.conn.receive(REACTIONS.replace("<reaction>🐢</reaction>", "<reaction>🐢</reaction><reaction>👋</reaction><reaction></reaction><reaction> </reaction><reaction>🐢</reaction>"));
    expect(changes.map((c) => (c.kind === "reactions" ? c.reactions : c.kind))).toEqual([["👋", "🐢"]]);
  });

  it("a malformed reference beside reactions: the reactions still come, and the malformed one is logged", async () => {
    const { h, changes } = await inCoven();
    h.conn.receive(REACTIONS.replace("<store", "<replace xmlns='urn:xmpp:message-correct:0'/><store"));
    expect(changes.map((c) => c.kind)).toEqual(["reactions"]);
    expect(h.logger.debug.mock.calls.some(([m]) => String(m).includes("malformed reference"))).toBe(true);
  });

  it("XEP-0308: a correction, with the new text", async () => {
    const { h, changes } = await inCoven();
    h.conn.receive(CORRECTION);
    expect(changes).toHaveLength(1);
    const change = changes[0]!;
    expect(change.kind === "correction" && [change.target, change.body, change.id]).toEqual(["bad1", "But soft, what light through yonder window breaks?", "good1"]);
  });

  it("a correction that replies gives its text without the quote", async () => {
    const { h, changes } = await inCoven();
    h.conn.receive(REPLY.replace("<reply ", "<replace xmlns='urn:xmpp:message-correct:0' id='message-id2'/><reply "));
    expect(changes[0]!.kind === "correction" && changes[0]!.body).toBe("Great idea!");
  });

  it("history: a change with a delay says so; our own change says so", async () => {
    const { h, changes } = await inCoven();
    h.conn.receive(REACTIONS.replace("<store", `<delay xmlns='urn:xmpp:delay' stamp='2002-10-13T23:58:37Z' from='${ROOM}'/><store`));
    h.conn.receive(REACTIONS.replace(`${ROOM}/secondwitch`, `${ROOM}/firstwitch`));
    expect(changes.map((c) => [c.history, c.delay?.toISOString(), c.own])).toEqual([
      [true, "2002-10-13T23:58:37.000Z", false],
      [false, undefined, true],
    ]);
  });

  it("ignores plain messages, replies, rooms we are not in, other types, the room's own non-moderation, malformed changes; nothing once stopped", async () => {
    const { h, changes } = await inCoven();
    h.conn.receive(INAPPROPRIATE);
    h.conn.receive(REPLY);
    h.conn.receive(REACTIONS.replaceAll(ROOM, "other@chat.shakespeare.lit"));
    h.conn.receive(REACTIONS.replace("type='groupchat'", "type='chat'"));
    h.conn.receive(REACTIONS.replace(`${ROOM}/secondwitch`, ROOM));
    h.conn.receive(REACTIONS.replace("<reactions id='stanza-id-1'", "<reactions"));
    h.conn.receive(CORRECTION.replace("<body>But soft, what light through yonder window breaks?</body>", ""));
    expect(changes).toEqual([]);
    expect(h.logger.debug.mock.calls.some(([m]) => String(m).includes("malformed reference"))).toBe(true);
    stops.pop()!();
    h.conn.receive(REACTIONS);
    expect(changes).toEqual([]);
  });

  it("a handler that throws is logged, and the next change still comes", async () => {
    const h = setup(ME);
    await enterAs(h, "firstwitch");
    let calls = 0;
    stops.push(
      onMessageChange(h.muc, () => {
        calls++;
        throw new Error("boom");
      }),
    );
    h.conn.receive(REACTIONS);
    h.conn.receive(REACTIONS);
    expect(calls).toBe(2);
    expect(h.logger.warn).toHaveBeenCalled();
  });
});

describe("sending changes", () => {
  it("sendCorrection: the new body with <replace/> naming the original id (XEP-0308)", async () => {
    const { h } = await inCoven();
    const sent = await sendCorrection(h.muc, ROOM, "bad1", "But soft, what light through yonder window breaks?");
    expect(await h.conn.nextSent((s) => s.is("message"))).toBe(sent);
    expect(sent.attrs).toMatchObject({ type: "groupchat", to: ROOM });
    expect(sent.getChildText("body")).toBe("But soft, what light through yonder window breaks?");
    expect(sent.getChild("replace", "urn:xmpp:message-correct:0")?.attrs.id).toBe("bad1");
    expect(messageRefs(sent).corrects).toBe("bad1");
  });

  it("sendReply: a quote marked as fallback, then the reply; readers without it see the reply alone (XEP-0461, XEP-0428)", async () => {
    const { h, messages } = await inCoven();
    h.conn.receive(INAPPROPRIATE.replace("DM me for free magic potions!", "Fair is foul,\nand foul is fair 🧙"));
    const sent = await sendReply(h.muc, ROOM, messages[0]!, "Indeed.");
    expect(sent.getChildText("body")).toBe("> thirdwitch wrote:\n> Fair is foul,\n> and foul is fair 🧙\nIndeed.");
    const reply = sent.getChild("reply", "urn:xmpp:reply:0")!;
    expect(reply.attrs).toMatchObject({ to: `${ROOM}/thirdwitch`, id: "stanza-id-1" });
    const range = sent.getChild("fallback", "urn:xmpp:fallback:0")!;
    expect(range.attrs.for).toBe("urn:xmpp:reply:0");
    // Code points, not UTF-16 units: the wizard is one.
    expect(range.getChild("body")!.attrs).toMatchObject({ start: "0", end: String([..."> thirdwitch wrote:\n> Fair is foul,\n> and foul is fair 🧙\n"].length) });
    expect(messageRefs(sent).text).toBe("Indeed.");
  });

  it("sendReply quotes a reply without its own quote; a groupchat message without a stanza-id cannot be replied to (XEP-0461 §4)", async () => {
    const { h, messages } = await inCoven();
    h.conn.receive(REPLY.replace("</message>", `${STANZA_ID("stanza-id-3")}</message>`));
    const sent = await sendReply(h.muc, ROOM, messages[0]!, "Let's.");
    expect(sent.getChildText("body")).toBe("> secondwitch wrote:\n> Great idea!\nLet's.");
    expect(sent.getChild("reply", "urn:xmpp:reply:0")!.attrs.id).toBe("stanza-id-3");

    h.conn.receive(REPLY.replace("id='message-id3'", "id='message-id4'")); // no stanza-id: its id attribute must not be used
    h.conn.takeSent();
    await expect(sendReply(h.muc, ROOM, messages[1]!, "Let's.")).rejects.toBeInstanceOf(MucStateError);
    expect(h.conn.takeSent()).toEqual([]);
  });

  it("composeReply quotes `text` where given (the message as corrected since)", async () => {
    const { h, messages } = await inCoven();
    h.conn.receive(INAPPROPRIATE);
    expect(composeReply(ROOM, { ...messages[0]!, text: "DM me for free tea!" }, "No.").body).toBe("> thirdwitch wrote:\n> DM me for free tea!\nNo.");
  });

  it("sendCorrection with the message's other payloads: a corrected reply stays a reply (XEP-0308 §4)", async () => {
    const { h, messages } = await inCoven();
    h.conn.receive(INAPPROPRIATE);
    const reply = composeReply(ROOM, messages[0]!, "No!");
    const sent = await sendCorrection(h.muc, ROOM, "m-1", reply.body, { payloads: reply.payloads });
    expect(messageRefs(sent)).toMatchObject({ corrects: "m-1", reply: { id: "stanza-id-1" }, text: "No!" });
  });

  it("composeReply: the same reply, to send tracked; an original without a stanza-id is refused", async () => {
    const { h, messages } = await inCoven();
    h.conn.receive(INAPPROPRIATE);
    const reply = composeReply(ROOM, messages[0]!, "No.");
    expect(reply.body).toBe("> thirdwitch wrote:\n> DM me for free magic potions!\nNo.");
    const room = h.muc.getRoom(ROOM)!;
    const tracker = room.sendTrackedMessage(reply.body, { payloads: reply.payloads });
    const sent = await h.conn.nextSent((s) => s.is("message"));
    expect(sent.attrs.id).toBe(tracker.id);
    expect(messageRefs(sent)).toMatchObject({ reply: { id: "stanza-id-1" }, text: "No." });
    expect(() => composeReply(ROOM, { nick: "x", stanzaId: undefined, body: "hi" }, "b")).toThrow(MucStateError);
    expect(() => composeReply(`${ROOM}/nick`, messages[0]!, "b")).toThrow(MucStateError);
  });

  it("sendRetraction: XEP-0424's retraction, by stanza-id, with its notice as fallback and a store hint", async () => {
    const { h } = await inCoven();
    const sent = await sendRetraction(h.muc, ROOM, "stanza-id-1");
    expect(sent.getChild("retract", "urn:xmpp:message-retract:1")?.attrs.id).toBe("stanza-id-1");
    expect(sent.getChild("fallback", "urn:xmpp:fallback:0")?.attrs.for).toBe("urn:xmpp:message-retract:1");
    expect(sent.getChild("store", "urn:xmpp:hints")).toBeDefined();
    expect(sent.getChildText("body")).toBe("/me retracted a previous message, but it's unsupported by your client.");
  });

  it("sendReactions: a bodiless groupchat message with every reaction, and an empty one to take them back (XEP-0444)", async () => {
    const { h } = await inCoven();
    const sent = await sendReactions(h.muc, ROOM, "stanza-id-1", ["👋", "🐢"]);
    expect(await h.conn.nextSent((s) => s.is("message"))).toBe(sent);
    expect(sent.attrs).toMatchObject({ type: "groupchat", to: ROOM });
    expect(sent.getChild("body")).toBeUndefined();
    const reactions = sent.getChild("reactions", "urn:xmpp:reactions:0")!;
    expect(reactions.attrs.id).toBe("stanza-id-1");
    expect(reactions.getChildren("reaction").map((r) => r.text())).toEqual(["👋", "🐢"]);
    const none = await sendReactions(h.muc, ROOM, "stanza-id-1", []);
    expect(none.getChild("reactions", "urn:xmpp:reactions:0")!.children).toEqual([]);
  });

  it("every send needs the room joined", async () => {
    const h = setup(ME);
    await expect(sendCorrection(h.muc, ROOM, "a", "b")).rejects.toBeInstanceOf(MucStateError);
    await expect(sendRetraction(h.muc, ROOM, "a")).rejects.toBeInstanceOf(MucStateError);
    await expect(sendReactions(h.muc, ROOM, "a", ["👍"])).rejects.toBeInstanceOf(MucStateError);
    await expect(sendCorrection(h.muc, `${ROOM}/firstwitch`, "a", "b")).rejects.toBeInstanceOf(MucStateError);
    expect(h.conn.takeSent()).toEqual([]);
  });

  it("moderateMessage: XEP-0425's IQ; resolves on the result, rejects with the room's error", async () => {
    const { h } = await inCoven();
    const done = moderateMessage(h.muc, ROOM, "stanza-id-1", { reason: "This message contains inappropriate content for this forum" });
    const iq = await h.conn.nextSent((s) => s.is("iq"));
    expect(iq.attrs).toMatchObject({ type: "set", to: ROOM });
    const moderate = iq.getChild("moderate", "urn:xmpp:message-moderate:1")!;
    expect(moderate.attrs.id).toBe("stanza-id-1");
    expect(moderate.getChild("retract", "urn:xmpp:message-retract:1")).toBeDefined();
    expect(moderate.getChildText("reason")).toBe("This message contains inappropriate content for this forum");
    h.conn.replyResult(iq);
    await expect(done).resolves.toBeUndefined();

    const refused = moderateMessage(h.muc, ROOM, "stanza-id-1");
    const second = await h.conn.nextSent((s) => s.is("iq"));
    expect(second.getChild("moderate", "urn:xmpp:message-moderate:1")!.getChild("reason")).toBeUndefined();
    h.conn.replyError(second, "forbidden", { text: "Only moderators are allowed to moderate other participants' messages" });
    const error = await refused.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XMPPError);
    expect((error as XMPPError).condition).toBe("forbidden");
  });
});
