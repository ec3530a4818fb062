/**
 * Fixture tests for the codecs of messages that refer to earlier ones:
 * XEP-0308 (version 1.2.1) `<replace/>`, XEP-0424 (version 0.4) `<retract/>`,
 * XEP-0461 (version 0.2) `<reply/>`, XEP-0444 `<reactions/>`, XEP-0425 and XEP-0428
 * `<fallback/>`, with the examples of those XEPs; and `stripFallback`.
 */
import { describe, expect, it } from "vitest";
import {
  messageCorrection,
  messageModerate,
  messageReactions,
  messageFallback,
  messageFallbackV0,
  messageReply,
  messageRetracted,
  messageRetraction,
  NS_FALLBACK_V0,
  stripFallback,
} from "../../../src/xso/message-refs.js";
import { NS } from "../../../src/xso/ns.js";
import { parseJid } from "../../../src/xso/values.js";
import { checkFixture } from "../../helpers/fixture.js";
import { XEP0461_EXAMPLE_4 } from "../../fixtures/xep-examples.js";
import { parseXml } from "../../helpers/xml.js";

describe("messageCorrection (XEP-0308)", () => {
  it("Example 2: the corrected message names the original's id", () => {
    checkFixture(
      messageCorrection,
      `<message to='juliet@capulet.net/balcony' id='good1'>
  <body>But soft, what light through yonder window breaks?</body>
  <replace id='bad1' xmlns='urn:xmpp:message-correct:0'/>
</message>`,
      { id: "bad1" },
    );
  });

  it("an id is required", () => {
    expect(messageCorrection.tryDecode(parseXml(`<replace xmlns='urn:xmpp:message-correct:0'/>`)).ok).toBe(false);
  });
});

describe("messageRetraction (XEP-0424)", () => {
  const example = `<message type='chat' to='lord@capulet.example' id='retract-message-1'>
  <retract id="wrong-recipient-1" xmlns='urn:xmpp:message-retract:1'/>
  <fallback xmlns="urn:xmpp:fallback:0" for='urn:xmpp:message-retract:1'/>
  <body>/me retracted a previous message, but it's unsupported by your client.</body>
  <store xmlns="urn:xmpp:hints"/>
</message>`;

  it("Example 3: the retraction, with its fallback for the whole body", () => {
    checkFixture(messageRetraction, example, { id: "wrong-recipient-1" });
    checkFixture(messageFallback, example, { for: NS.RETRACT, bodies: [], subjects: [] });
  });

  it("the retraction's body is all fallback", () => {
    const el = parseXml(example);
    const fallbacks = messageFallback.findAllIn(el);
    expect(stripFallback(el.getChildText("body")!, fallbacks, NS.RETRACT)).toBe("");
  });
});

describe("messageReply (XEP-0461)", () => {
  it("Example 3: a reply names the author and the message", () => {
    checkFixture(
      messageReply,
      `<message to='anna@example.com' id='message-id2' type='chat'>
  <body>Great idea!</body>
  <reply to='anna@example.com/tablet' id='message-id1' xmlns='urn:xmpp:reply:0' />
</message>`,
      { to: parseJid("anna@example.com/tablet"), id: "message-id1" },
    );
  });

  it("Example 4 (version 0.2.1): a reply with a quote as fallback; without the quote, the reply", () => {
    const el = parseXml(XEP0461_EXAMPLE_4);
    const fallback = messageFallback.findIn(el)!;
    expect(fallback).toEqual({ for: NS.REPLY, bodies: [{ start: 0, end: 38 }], subjects: [] });
    expect(stripFallback(el.getChildText("body")!, [fallback], NS.REPLY)).toBe("Great idea!");
  });

  it("the same in the namespace of XEP-0428 before 0.2 (urn:xmpp:feature-fallback:0), which older clients send", () => {
    const el = parseXml(`<message><body>&gt; hi
yes</body><fallback xmlns='urn:xmpp:feature-fallback:0' for='urn:xmpp:reply:0'><body start="0" end="5"/></fallback></message>`);
    expect(messageFallbackV0.ns).toBe(NS_FALLBACK_V0);
    const fallback = messageFallbackV0.findIn(el)!;
    expect(stripFallback(el.getChildText("body")!, [fallback], NS.REPLY)).toBe("yes");
    expect(messageFallback.findIn(el)).toBeUndefined();
  });
});

describe("stripFallback", () => {
  it("counts code points, not UTF-16 units", () => {
    // "> 🎂\n" is 4 code points (5 UTF-16 units).
    expect(stripFallback("> 🎂\nyes", [{ for: NS.REPLY, bodies: [{ start: 0, end: 4 }] }], NS.REPLY)).toBe("yes");
  });

  it("cuts several ranges, ignores other features' fallbacks, clips ranges to the body", () => {
    const fallbacks = [
      { for: NS.REPLY, bodies: [{ start: 0, end: 2 }, { start: 5, end: 99 }] },
      { for: "urn:example:other", bodies: [] },
    ];
    expect(stripFallback("ab123cd", fallbacks, NS.REPLY)).toBe("123");
    expect(stripFallback("ab123cd", fallbacks, "urn:example:absent")).toBe("ab123cd");
    expect(stripFallback("ab123cd", [{ for: NS.REPLY, bodies: [{ start: 3 }] }], NS.REPLY)).toBe("ab1");
  });

  it("a fallback with subject ranges only leaves the body alone (XEP-0428 §3)", () => {
    const el = parseXml(`<message><subject>Re: cake</subject><body>yes</body><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><subject start='0' end='4'/></fallback></message>`);
    const fallback = messageFallback.findIn(el)!;
    expect(fallback).toEqual({ for: NS.REPLY, bodies: [], subjects: [{ start: 0, end: 4 }] });
    expect(stripFallback("yes", [fallback], NS.REPLY)).toBe("yes");
    // No ranges at all: the whole body.
    expect(stripFallback("yes", [{ ...fallback, subjects: [] }], NS.REPLY)).toBe("");
  });

  it("with several features, every range counts in the original body", () => {
    const fallbacks = [
      { for: NS.REPLY, bodies: [{ start: 0, end: 2 }] },
      { for: NS.REACTIONS, bodies: [{ start: 5, end: 7 }] },
    ];
    expect(stripFallback("ab123cd", fallbacks, [NS.REPLY, NS.REACTIONS])).toBe("123");
    expect(stripFallback("ab123cd", fallbacks, [NS.REACTIONS])).toBe("ab123");
    expect(stripFallback("ab123cd", [...fallbacks, { for: NS.RETRACT, bodies: [] }], [NS.REPLY, NS.RETRACT])).toBe("");
  });
});

describe("messageReactions (XEP-0444)", () => {
  it("'Juliet adds a 🐢 reaction to the message': all the sender's reactions", () => {
    checkFixture(
      messageReactions,
      `<message to='romeo@capulet.net/orchard' id='96d73204-a57a-11e9-88b8-4889e7820c76' type='chat'>
  <reactions id='744f6e18-a57a-11e9-a656-4889e7820c76' xmlns='urn:xmpp:reactions:0'>
    <reaction>👋</reaction>
    <reaction>🐢</reaction>
  </reactions>
  <store xmlns="urn:xmpp:hints"/>
</message>`,
      { id: "744f6e18-a57a-11e9-a656-4889e7820c76", reactions: ["👋", "🐢"] },
    );
  });

  it("'Juliet removes all reactions from the message': none", () => {
    checkFixture(
      messageReactions,
      `<message to='romeo@capulet.net/orchard' id='973c9d2e-a57a-11e9-af82-4889e7820c76' type='chat'>
  <reactions id='744f6e18-a57a-11e9-a656-4889e7820c76' xmlns='urn:xmpp:reactions:0'/>
  <store xmlns="urn:xmpp:hints"/>
</message>`,
      { id: "744f6e18-a57a-11e9-a656-4889e7820c76", reactions: [] },
    );
  });
});

describe("moderation (XEP-0425 version 0.3.0)", () => {
  it("'The moderator's client sends an IQ stanza to the MUC service'", () => {
    checkFixture(
      messageModerate,
      `<iq type='set' to='room@muc.example.com' id='retract-request-1'>
  <moderate id="stanza-id-1" xmlns='urn:xmpp:message-moderate:1'>
    <retract xmlns='urn:xmpp:message-retract:1'/>
    <reason>This message contains inappropriate content for this forum</reason>
  </moderate>
</iq>`,
      { id: "stanza-id-1", retract: true, reason: "This message contains inappropriate content for this forum" },
    );
  });

  it("'The MUC sends a moderation message to all participants': a retraction with <moderated/>", () => {
    checkFixture(
      messageRetraction,
      `<message type="groupchat" id='retraction-id-1' from='room@muc.example.com' to="room@muc.example.com/macbeth">
  <retract id="stanza-id-1" xmlns='urn:xmpp:message-retract:1'>
    <moderated by='room@muc.example.com/macbeth' xmlns='urn:xmpp:message-moderate:1'>
      <occupant-id xmlns="urn:xmpp:occupant-id:0" id="dd72603deec90a38ba552f7c68cbcc61bca202cd" />
    </moderated>
    <reason>This message contains inappropriate content for this forum</reason>
  </retract>
</message>`,
      {
        id: "stanza-id-1",
        moderated: { by: parseJid("room@muc.example.com/macbeth"), occupantId: { id: "dd72603deec90a38ba552f7c68cbcc61bca202cd" } },
        reason: "This message contains inappropriate content for this forum",
      },
    );
  });
});

describe("messageRetracted: tombstones", () => {
  it("XEP-0424 'Retracted message tombstone in a MAM result'", () => {
    checkFixture(
      messageRetracted,
      `<message type='groupchat' from='romeo@montague.example' to='lord@capulet.example' id='wrong-recipient-1'>
        <retracted stamp='2019-09-20T23:09:32Z' xmlns='urn:xmpp:message-retract:1' id='retract-message-1'/>
      </message>`,
      { id: "retract-message-1", stamp: new Date("2019-09-20T23:09:32Z") },
    );
  });

  it("XEP-0425 'Retracted groupchat message tombstone in a MAM result'", () => {
    checkFixture(
      messageRetracted,
      `<message type="groupchat" from="room@muc.example.com/oldhag" to="room@muc.example.com/macbeth" id="message-id-1">
        <occupant-id xmlns="urn:xmpp:occupant-id:0" id="ef73b09de9c90a38ba552f7c68cbeef1dca24429" />
        <retracted stamp='2019-09-20T23:19:12Z' xmlns='urn:xmpp:message-retract:1'>
          <moderated by="witch@shakespeare.example" xmlns="urn:xmpp:message-moderate:1">
            <occupant-id xmlns="urn:xmpp:occupant-id:0" id="dd72603deec90a38ba552f7c68cbcc61bca202cd" />
          </moderated>
          <reason>This message contains inappropriate content for this forum</reason>
        </retracted>
      </message>`,
      {
        stamp: new Date("2019-09-20T23:19:12Z"),
        moderated: { by: parseJid("witch@shakespeare.example"), occupantId: { id: "dd72603deec90a38ba552f7c68cbcc61bca202cd" } },
        reason: "This message contains inappropriate content for this forum",
      },
    );
  });
});
