/** XEP-0421 occupant identifiers: `<occupant-id xmlns='urn:xmpp:occupant-id:0'/>`. */
import { describe, expect, it } from "vitest";
import { occupantId } from "../../../src/xso/occupant-id.js";
import { XEP0421_EXAMPLE_4 } from "../../fixtures/xep-examples.js";
import { checkFixture } from "../../helpers/fixture.js";
import { parseXml } from "../../helpers/xml.js";

describe("occupantId", () => {
  it("XEP-0421 §3.1: the service sends the new occupant's presence", () => {
    const xml = XEP0421_EXAMPLE_4;
    checkFixture(occupantId, xml, { id: "dd72603deec90a38ba552f7c68cbcc61bca202cd" });
  });

  it("XEP-0421 §3.2: the service reflects a message to all occupants", () => {
    const xml = `<message
    from='coven@chat.shakespeare.lit/thirdwitch'
    id='hysf1v37'
    to='crone1@shakespeare.lit/desktop'
    type='groupchat'>
  <body>Harpier cries: 'tis time, 'tis time.</body>
  <occupant-id xmlns="urn:xmpp:occupant-id:0" id="dd72603deec90a38ba552f7c68cbcc61bca202cd" />
</message>`;
    checkFixture(occupantId, xml, { id: "dd72603deec90a38ba552f7c68cbcc61bca202cd" });
  });

  it("is found in a stanza with findIn, and absent when the room does not support it", () => {
    const withId = parseXml(
      "<presence xmlns='jabber:client'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='abc'/></presence>",
    );
    expect(occupantId.findIn(withId)).toEqual({ id: "abc" });
    expect(occupantId.findIn(parseXml("<presence xmlns='jabber:client'/>"))).toBeUndefined();
  });

  it("requires an id", () => {
    expect(occupantId.tryDecode(parseXml("<occupant-id xmlns='urn:xmpp:occupant-id:0'/>")).ok).toBe(false);
  });
});
