/**
 * RFC 6121 message basics: `<message/>` attributes, body, subject, thread.
 *
 * Examples come without the stream's default namespace; `client()` declares
 * `jabber:client` on the root. `checkStanza` compares the re-encoded stanza
 * with the example minus its extension children and `<error/>` (which the
 * basic codec leaves to the extension codecs and `XMPPError`).
 */
import { describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { namespaceOf } from "../../../src/xso/codec.js";
import { delay } from "../../../src/xso/delay.js";
import { message, messageThread } from "../../../src/xso/message.js";
import { NS } from "../../../src/xso/ns.js";
import { parseJid } from "../../../src/xso/values.js";
import { XEP0045_EXAMPLE_33, XEP0249_EXAMPLE_1 } from "../../fixtures/xep-examples.js";
import { checkFixture } from "../../helpers/fixture.js";
import { normalize } from "../../helpers/normalize.js";
import { canonical, parseXml } from "../../helpers/xml.js";

function client(xml: string): string {
  return xml.replace(/^\s*<([a-z]+)/, "<$1 xmlns='jabber:client'");
}

/** The children the basic codec reads; `<error/>` is left to `XMPPError.fromStanza`. */
const COVERED = new Set(["body", "subject", "thread"]);

/** Decode `xml`, compare with `expected`, and check the re-encoding against the example's jabber:client part. */
function checkStanza(xml: string, expected: unknown) {
  const el = parseXml(client(xml));
  const value = message.decode(el);
  expect(normalize(value)).toEqual(normalize(expected));
  const own = parseXml(client(xml));
  own.children = own.children.filter(
    (c) => typeof c === "string" || (namespaceOf(c as Element, NS.CLIENT) === NS.CLIENT && COVERED.has((c as Element).name)),
  );
  expect(canonical(message.encode(value))).toEqual(canonical(own));
  return value;
}

const ROOM = "coven@chat.shakespeare.lit";

describe("message", () => {
  it("XEP-0045 §7.4: the service reflects a groupchat message", () => {
    checkFixture(
      message,
      client(`<message
    from='coven@chat.shakespeare.lit/thirdwitch'
    id='hysf1v37'
    to='crone1@shakespeare.lit/desktop'
    type='groupchat'>
  <body>Harpier cries: 'tis time, 'tis time.</body>
</message>`),
      {
        type: "groupchat",
        id: "hysf1v37",
        from: parseJid(`${ROOM}/thirdwitch`),
        to: parseJid("crone1@shakespeare.lit/desktop"),
        body: { "": "Harpier cries: 'tis time, 'tis time." },
        subject: {},
      },
    );
  });

  it("XEP-0045 §7.2.13: a discussion history message with its delay", () => {
    const xml = XEP0045_EXAMPLE_33;
    checkStanza(xml, {
      type: "groupchat",
      id: "162BEBB1-F6DB-4D9A-9BD8-CFDCC801A0B2",
      from: parseJid(`${ROOM}/firstwitch`),
      to: parseJid("hecate@shakespeare.lit/broom"),
      body: { "": "Thrice the brinded cat hath mew'd." },
      subject: {},
    });
    const stamp = delay.findIn(parseXml(client(xml)))?.stamp;
    expect(stamp?.toISOString()).toBe("2002-10-13T23:58:37.000Z");
  });

  it("XEP-0045 §8.1: moderator changes subject", () => {
    checkFixture(
      message,
      client(`<message
    from='wiccarocks@shakespeare.lit/laptop'
    id='lh2bs617'
    to='coven@chat.shakespeare.lit'
    type='groupchat'>
  <subject>Fire Burn and Cauldron Bubble!</subject>
</message>`),
      {
        type: "groupchat",
        id: "lh2bs617",
        from: parseJid("wiccarocks@shakespeare.lit/laptop"),
        to: parseJid(ROOM),
        body: {},
        subject: { "": "Fire Burn and Cauldron Bubble!" },
      },
    );
  });

  it("XEP-0045 §8.1: an empty subject is kept apart from no subject", () => {
    const empty = checkFixture(
      message,
      client(`<message
    from='wiccarocks@shakespeare.lit/laptop'
    id='uj3bs61g'
    to='coven@chat.shakespeare.lit'
    type='groupchat'>
  <subject></subject>
</message>`),
      {
        type: "groupchat",
        id: "uj3bs61g",
        from: parseJid("wiccarocks@shakespeare.lit/laptop"),
        to: parseJid(ROOM),
        body: {},
        subject: { "": "" },
      },
    );
    expect("" in empty.subject).toBe(true);
    const none = message.decode(parseXml("<message xmlns='jabber:client' type='groupchat'><body>hi</body></message>"));
    expect(Object.keys(none.subject)).toEqual([]);
    expect(message.encode({ type: "groupchat", subject: { "": "" } }).getChild("subject")?.toString()).toBe("<subject/>");
  });

  it("XEP-0045 §7.2.15: no subject, on entering the room", () => {
    checkFixture(
      message,
      client(`<message
    from='coven@chat.shakespeare.lit/secondwitch'
    id='F437C672-D438-4BD3-9BFF-091050D32EE2'
    to='crone1@shakespeare.lit/desktop'
    type='groupchat'>
  <subject></subject>
</message>`),
      {
        type: "groupchat",
        id: "F437C672-D438-4BD3-9BFF-091050D32EE2",
        from: parseJid(`${ROOM}/secondwitch`),
        to: parseJid("crone1@shakespeare.lit/desktop"),
        body: {},
        subject: { "": "" },
      },
    );
  });

  it("XEP-0045 §8.1: an error message keeps its subject", () => {
    checkStanza(
      `<message
    from='coven@chat.shakespeare.lit/thirdwitch'
    id='lh2bs617'
    to='hag66@shakespeare.lit/pda'
    type='error'>
  <subject>Fire Burn and Cauldron Bubble!</subject>
  <error by='coven@chat.shakespeare.lit' type='auth'>
    <forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
  </error>
</message>`,
      {
        type: "error",
        id: "lh2bs617",
        from: parseJid(`${ROOM}/thirdwitch`),
        to: parseJid("hag66@shakespeare.lit/pda"),
        body: {},
        subject: { "": "Fire Burn and Cauldron Bubble!" },
      },
    );
  });

  it("XEP-0045 §7.9: a one-to-one chat with a thread", () => {
    checkFixture(
      message,
      client(`<message
    from='crone1@shakespeare.lit/desktop'
    id='mjs51f36'
    to='wiccarocks@shakespeare.lit/laptop'
    type='chat'>
  <thread>e0ffe42b28561960c6b12b944a092794b9683a38</thread>
  <body>Thrice the brinded cat hath mew'd.</body>
</message>`),
      {
        type: "chat",
        id: "mjs51f36",
        from: parseJid("crone1@shakespeare.lit/desktop"),
        to: parseJid("wiccarocks@shakespeare.lit/laptop"),
        body: { "": "Thrice the brinded cat hath mew'd." },
        subject: {},
        thread: { id: "e0ffe42b28561960c6b12b944a092794b9683a38" },
      },
    );
  });

  it("XEP-0249 example 1: a message without a type is normal, and stays without one", () => {
    const value = checkStanza(
      XEP0249_EXAMPLE_1,
      {
        type: "normal",
        from: parseJid("crone1@shakespeare.lit/desktop"),
        to: parseJid("hecate@shakespeare.lit"),
        body: {},
        subject: {},
      },
    );
    expect(message.encode(value).attrs.type).toBeUndefined();
  });

  it("reads an unknown type as normal (RFC 6121 §5.2.2)", () => {
    expect(message.decode(parseXml("<message xmlns='jabber:client' type='broadcast'/>")).type).toBe("normal");
    expect(message.decode(parseXml("<message xmlns='jabber:client' type='normal'/>")).type).toBe("normal");
    for (const type of ["chat", "error", "groupchat", "headline"] as const) {
      expect(message.decode(parseXml(`<message xmlns='jabber:client' type='${type}'/>`)).type).toBe(type);
      expect(message.encode({ type }).attrs.type).toBe(type);
    }
  });

  it("keeps bodies and subjects per language, and the stanza language", () => {
    checkFixture(
      message,
      `<message xmlns='jabber:client' type='chat' xml:lang='en'>
  <subject>I implore you!</subject>
  <subject xml:lang='cs'>Úpěnlivě prosím!</subject>
  <body>Wherefore art thou, Romeo?</body>
  <body xml:lang='cs'>PročeŽ jsi ty, Romeo?</body>
</message>`,
      {
        type: "chat",
        lang: "en",
        body: { "": "Wherefore art thou, Romeo?", cs: "PročeŽ jsi ty, Romeo?" },
        subject: { "": "I implore you!", cs: "Úpěnlivě prosím!" },
      },
    );
  });

  it("reads a thread with its parent", () => {
    checkFixture(
      messageThread,
      "<message xmlns='jabber:client' type='chat'><thread parent='e0ffe42b28561960c6b12b944a092794b9683a38'>7edac73ab41e45c4aafa7b2d7b749080</thread></message>",
      { id: "7edac73ab41e45c4aafa7b2d7b749080", parent: "e0ffe42b28561960c6b12b944a092794b9683a38" },
    );
  });

  it("decodes messages of a component stream given jabber:client as the inherited namespace", () => {
    const stream = parseXml("<stream xmlns='jabber:component:accept'><message type='groupchat'><body>hi</body></message></stream>");
    const el = stream.getChild("message") as Element;
    expect(message.decode(el, NS.CLIENT)).toMatchObject({ type: "groupchat", body: { "": "hi" } });
  });
});
