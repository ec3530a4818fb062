/** XEP-0249 direct MUC invitations: `<x xmlns='jabber:x:conference'/>`. */
import { describe, expect, it } from "vitest";
import { directInvite } from "../../../src/xso/direct-invite.js";
import { parseJid } from "../../../src/xso/values.js";
import { XEP0249_EXAMPLE_1 } from "../../fixtures/xep-examples.js";
import { checkFixture } from "../../helpers/fixture.js";
import { parseXml } from "../../helpers/xml.js";

describe("directInvite", () => {
  it("XEP-0249 example 1: a direct invitation", () => {
    const xml = XEP0249_EXAMPLE_1;
    checkFixture(directInvite, xml, {
      jid: parseJid("darkcave@macbeth.shakespeare.lit"),
      password: "cauldronburn",
      reason: "Hey Hecate, this is the place for all good witches!",
    });
  });

  it("XEP-0249 example 2: a direct invitation that continues a one-to-one chat", () => {
    const xml = `<message
    from='crone1@shakespeare.lit/desktop'
    to='hecate@shakespeare.lit'>
  <x xmlns='jabber:x:conference'
     continue='true'
     jid='darkcave@macbeth.shakespeare.lit'
     password='cauldronburn'
     reason='Hey Hecate, this is the place for all good witches!'
     thread='e0ffe42b28561960c6b12b944a092794b9683a38'/>
</message>`;
    checkFixture(directInvite, xml, {
      jid: parseJid("darkcave@macbeth.shakespeare.lit"),
      password: "cauldronburn",
      reason: "Hey Hecate, this is the place for all good witches!",
      continue: true,
      thread: "e0ffe42b28561960c6b12b944a092794b9683a38",
    });
  });

  it("reads continue as an xs:boolean", () => {
    expect(directInvite.decode(parseXml("<x xmlns='jabber:x:conference' jid='room@muc.example.com' continue='1'/>")).continue).toBe(true);
    expect(directInvite.decode(parseXml("<x xmlns='jabber:x:conference' jid='room@muc.example.com' continue='false'/>")).continue).toBe(false);
    expect(directInvite.tryDecode(parseXml("<x xmlns='jabber:x:conference' jid='room@muc.example.com' continue='yes'/>")).ok).toBe(false);
  });

  it("requires a valid room JID", () => {
    expect(directInvite.tryDecode(parseXml("<x xmlns='jabber:x:conference' reason='come'/>")).ok).toBe(false);
    expect(directInvite.tryDecode(parseXml("<x xmlns='jabber:x:conference' jid='a@b@c'/>")).ok).toBe(false);
  });

  it("is not confused with a MUC user extension", () => {
    expect(directInvite.matches(parseXml("<x xmlns='http://jabber.org/protocol/muc#user'/>"))).toBe(false);
  });
});
