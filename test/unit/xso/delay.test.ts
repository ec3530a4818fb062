/** XEP-0203 delayed delivery: `<delay xmlns='urn:xmpp:delay'/>`. */
import { describe, expect, it } from "vitest";
import { delay } from "../../../src/xso/delay.js";
import { parseJid } from "../../../src/xso/values.js";
import { XEP0045_EXAMPLE_33, XEP0203_EXAMPLE_2 } from "../../fixtures/xep-examples.js";
import { checkFixture } from "../../helpers/fixture.js";
import { parseXml } from "../../helpers/xml.js";

describe("delay", () => {
  it("XEP-0203 example 1: a message stored offline, with a reason", () => {
    const xml = `<message
    from='romeo@montague.net/orchard'
    to='juliet@capulet.com'
    type='chat'>
  <body>
    O blessed, blessed night! I am afeard.
    Being in night, all this is but a dream,
    Too flattering-sweet to be substantial.
  </body>
  <delay xmlns='urn:xmpp:delay'
     from='capulet.com'
     stamp='2002-09-10T23:08:25Z'>
    Offline Storage
  </delay>
</message>`;
    checkFixture(delay, xml, {
      stamp: new Date("2002-09-10T23:08:25Z"),
      from: parseJid("capulet.com"),
      reason: "\n    Offline Storage\n  ",
    });
  });

  it("XEP-0203 example 2: the last presence update of another entity", () => {
    const xml = XEP0203_EXAMPLE_2;
    checkFixture(delay, xml, { stamp: new Date("2002-09-10T23:41:07Z"), from: parseJid("juliet@capulet.com/balcony") });
  });

  it("XEP-0203 example 3: cached messages from a conference room", () => {
    const xml = `<message
    from='coven@macbeth.shakespeare.lit/secondwitch'
    to='macbeth@shakespeare.lit/laptop'
    type='groupchat'>
  <body>
    By the pricking of my thumbs,
    Something wicked this way comes.
    Open, locks,
    Whoever knocks!
  </body>
  <delay xmlns='urn:xmpp:delay'
     from='coven@macbeth.shakespeare.lit'
     stamp='2002-09-10T23:05:37Z'/>
</message>`;
    checkFixture(delay, xml, { stamp: new Date("2002-09-10T23:05:37Z"), from: parseJid("coven@macbeth.shakespeare.lit") });
  });

  it("XEP-0045 §7.2.13: a discussion history message", () => {
    const xml = XEP0045_EXAMPLE_33;
    checkFixture(delay, xml, { stamp: new Date("2002-10-13T23:58:37Z"), from: parseJid("coven@chat.shakespeare.lit") });
  });

  it("XEP-0045 §7.2.15: the room subject, stamped", () => {
    const xml = `<message
    from='coven@chat.shakespeare.lit/secondwitch'
    id='F437C672-D438-4BD3-9BFF-091050D32EE2'
    to='crone1@shakespeare.lit/desktop'
    type='groupchat'>
  <subject>Fire Burn and Cauldron Bubble!</subject>
  <delay xmlns='urn:xmpp:delay' from='coven@chat.shakespeare.lit' stamp='1610-04-20T00:00:00Z'/>
</message>`;
    checkFixture(delay, xml, { stamp: new Date("1610-04-20T00:00:00Z"), from: parseJid("coven@chat.shakespeare.lit") });
  });

  it("reads fractions and offsets, and writes UTC", () => {
    const value = delay.decode(parseXml("<delay xmlns='urn:xmpp:delay' stamp='2002-09-10T18:08:25.250-05:00'/>"));
    expect(value.stamp.toISOString()).toBe("2002-09-10T23:08:25.250Z");
    expect(delay.encode(value).attrs.stamp).toBe("2002-09-10T23:08:25.250Z");
  });

  it("requires a valid stamp", () => {
    expect(delay.tryDecode(parseXml("<delay xmlns='urn:xmpp:delay' from='capulet.com'/>")).ok).toBe(false);
    expect(delay.tryDecode(parseXml("<delay xmlns='urn:xmpp:delay' stamp='yesterday'/>")).ok).toBe(false);
    expect(() => delay.encode({ stamp: undefined as unknown as Date })).toThrow(TypeError);
  });
});
