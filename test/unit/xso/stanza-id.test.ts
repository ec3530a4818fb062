/** XEP-0359 unique and stable stanza IDs: `<stanza-id/>` and `<origin-id/>`. */
import { describe, expect, it } from "vitest";
import { originId, stanzaId } from "../../../src/xso/stanza-id.js";
import { parseJid } from "../../../src/xso/values.js";
import { checkFixture } from "../../helpers/fixture.js";
import { parseXml } from "../../helpers/xml.js";

describe("stanzaId", () => {
  it("XEP-0359 example 1: the stanza ID extension", () => {
    const xml = `<stanza-id xmlns='urn:xmpp:sid:0'
           id='de305d54-75b4-431b-adb2-eb6b9e546013'
           by='room@muc.example.com'/>`;
    checkFixture(stanzaId, xml, { id: "de305d54-75b4-431b-adb2-eb6b9e546013", by: parseJid("room@muc.example.com") });
  });

  it("XEP-0359 example 3: a message with stanza ID and origin ID", () => {
    const xml = `<message xmlns='jabber:client'
         to='room@muc.example.com'
         type='groupchat'>
  <body>Typical body text</body>
  <stanza-id xmlns='urn:xmpp:sid:0'
             id='5f3dbc5e-e1d3-4077-a492-693f3769c7ad'
             by='room@muc.example.com'/>
  <origin-id xmlns='urn:xmpp:sid:0' id='de305d54-75b4-431b-adb2-eb6b9e546013'/>
</message>`;
    checkFixture(stanzaId, xml, { id: "5f3dbc5e-e1d3-4077-a492-693f3769c7ad", by: parseJid("room@muc.example.com") });
    checkFixture(originId, xml, { id: "de305d54-75b4-431b-adb2-eb6b9e546013" });
  });

  it("requires both id and by", () => {
    expect(stanzaId.tryDecode(parseXml("<stanza-id xmlns='urn:xmpp:sid:0' id='x'/>")).ok).toBe(false);
    expect(stanzaId.tryDecode(parseXml("<stanza-id xmlns='urn:xmpp:sid:0' by='room@muc.example.com'/>")).ok).toBe(false);
    expect(stanzaId.tryDecode(parseXml("<stanza-id xmlns='urn:xmpp:sid:0' id='x' by='@muc.example.com'/>")).ok).toBe(false);
  });

  it("finds every stanza-id of a message, one per assigning entity", () => {
    const msg = parseXml(`<message xmlns='jabber:client' type='groupchat'>
      <stanza-id xmlns='urn:xmpp:sid:0' id='a' by='room@muc.example.com'/>
      <stanza-id xmlns='urn:xmpp:sid:0' id='b' by='juliet@example.com'/>
    </message>`);
    expect(stanzaId.findAllIn(msg).map((s) => `${s.by.toString()}:${s.id}`)).toEqual(["room@muc.example.com:a", "juliet@example.com:b"]);
  });
});

describe("originId", () => {
  it("XEP-0359 example 2: a message with the origin ID extension", () => {
    const xml = `<message xmlns='jabber:client'
         to='room@muc.example.com'
         type='groupchat'>
  <body>Typical body text</body>
  <origin-id xmlns='urn:xmpp:sid:0' id='de305d54-75b4-431b-adb2-eb6b9e546013'/>
</message>`;
    checkFixture(originId, xml, { id: "de305d54-75b4-431b-adb2-eb6b9e546013" });
  });

  it("requires an id", () => {
    expect(originId.tryDecode(parseXml("<origin-id xmlns='urn:xmpp:sid:0'/>")).ok).toBe(false);
  });
});
