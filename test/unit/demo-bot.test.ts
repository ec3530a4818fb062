/** The demo bot reads messages as a client should: no fallback quotes, no answers to edits or deletions. */
import { describe, expect, it } from "vitest";
import xml, { type Element } from "@xmpp/xml";
import { composeReply } from "../../src/index.js";
import { botAnswer, type BotInput } from "../../scripts/demo-bot.js";

const ROOM = "lobby@conference.localhost";

function message(body: string, payloads: Element[] = []): BotInput {
  const stanza = xml("message", { from: `${ROOM}/alice`, type: "groupchat", id: "m2" }, xml("body", {}, body), ...payloads);
  return { nick: "alice", body, own: false, history: false, stanza };
}

describe("the demo bot", () => {
  it("answers a mention with the text the user wrote", () => {
    expect(botAnswer(message("hello bot"))).toBe("Hi alice! You said “hello bot”. I'm a bot; try kicking me if you're a moderator.");
  });

  it("quotes a reply without its fallback quote", () => {
    const reply = composeReply(ROOM, { nick: "DemoBot", stanzaId: "s1", body: "I'm DemoBot, a bot." }, "nice bot");
    expect(reply.body).toContain("> DemoBot wrote:");
    expect(botAnswer(message(reply.body, reply.payloads))).toBe("Hi alice! You said “nice bot”. I'm a bot; try kicking me if you're a moderator.");
  });

  it("ignores a reply that mentions the bot only in the quote", () => {
    const reply = composeReply(ROOM, { nick: "DemoBot", stanzaId: "s1", body: "I'm a bot." }, "thanks");
    expect(botAnswer(message(reply.body, reply.payloads))).toBeUndefined();
  });

  it("does not answer corrections or retractions", () => {
    const correction = message("hello bot, again", [xml("replace", { xmlns: "urn:xmpp:message-correct:0", id: "m1" })]);
    expect(botAnswer(correction)).toBeUndefined();
    const retraction = message("/me retracted a message about the bot", [xml("retract", { xmlns: "urn:xmpp:message-retract:1", id: "s1" })]);
    expect(botAnswer(retraction)).toBeUndefined();
  });

  it("does not answer itself, history, or the room", () => {
    expect(botAnswer({ ...message("bot"), own: true })).toBeUndefined();
    expect(botAnswer({ ...message("bot"), history: true })).toBeUndefined();
    expect(botAnswer({ ...message("bot"), nick: undefined })).toBeUndefined();
  });
});
