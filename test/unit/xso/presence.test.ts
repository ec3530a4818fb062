/**
 * RFC 6121 presence basics: `<presence/>` attributes, show, status, priority.
 *
 * Examples come without the stream's default namespace; `client()` declares
 * `jabber:client` on the root. `checkStanza` compares the re-encoded stanza
 * with the example minus its extension children and `<error/>` (which the
 * basic codec leaves to the extension codecs and `XMPPError`).
 */
import { describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { namespaceOf } from "../../../src/xso/codec.js";
import { NS } from "../../../src/xso/ns.js";
import { presence } from "../../../src/xso/presence.js";
import { parseJid } from "../../../src/xso/values.js";
import { XEP0045_EXAMPLE_29, XEP0045_EXAMPLE_55, XEP0203_EXAMPLE_2 } from "../../fixtures/xep-examples.js";
import { normalize } from "../../helpers/normalize.js";
import { canonical, parseXml } from "../../helpers/xml.js";

function client(xml: string): string {
  return xml.replace(/^\s*<([a-z]+)/, "<$1 xmlns='jabber:client'");
}

/** The children the basic codec reads; `<error/>` is left to `XMPPError.fromStanza`. */
const COVERED = new Set(["show", "status", "priority"]);

/** Decode `xml`, compare with `expected`, and check the re-encoding against the example's jabber:client part. */
function checkStanza(xml: string, expected: unknown) {
  const el = parseXml(client(xml));
  const value = presence.decode(el);
  expect(normalize(value)).toEqual(normalize(expected));
  const own = parseXml(client(xml));
  own.children = own.children.filter(
    (c) => typeof c === "string" || (namespaceOf(c as Element, NS.CLIENT) === NS.CLIENT && COVERED.has((c as Element).name)),
  );
  expect(canonical(presence.encode(value))).toEqual(canonical(own));
  return value;
}

describe("presence", () => {
  it("XEP-0045 §7.7: occupant changes availability status", () => {
    checkStanza(
      `<presence
    from='wiccarocks@shakespeare.lit/laptop'
    id='kr7v143h'
    to='coven@chat.shakespeare.lit/oldhag'>
  <show>xa</show>
  <status>gone where the goblins go</status>
</presence>`,
      {
        type: "available",
        id: "kr7v143h",
        from: parseJid("wiccarocks@shakespeare.lit/laptop"),
        to: parseJid("coven@chat.shakespeare.lit/oldhag"),
        show: "xa",
        status: { "": "gone where the goblins go" },
      },
    );
  });

  it("XEP-0045 §7.7: the service passes the changed presence along (with muc#user)", () => {
    checkStanza(
      XEP0045_EXAMPLE_55,
      {
        type: "available",
        id: "86E11ABF-26BC-46F1-AD3B-F5E54F3C1EE5",
        from: parseJid("coven@chat.shakespeare.lit/secondwitch"),
        to: parseJid("crone1@shakespeare.lit/desktop"),
        show: "xa",
        status: { "": "gone where the goblins go" },
      },
    );
  });

  it("XEP-0045 §7.14: occupant exits a room", () => {
    checkStanza(
      `<presence
    from='hag66@shakespeare.lit/pda'
    to='coven@chat.shakespeare.lit/thirdwitch'
    type='unavailable'/>`,
      {
        type: "unavailable",
        from: parseJid("hag66@shakespeare.lit/pda"),
        to: parseJid("coven@chat.shakespeare.lit/thirdwitch"),
        status: {},
      },
    );
  });

  it("XEP-0045 §7.2.8: a presence of type error", () => {
    checkStanza(
      XEP0045_EXAMPLE_29,
      {
        type: "error",
        id: "n13mt3l",
        from: parseJid("coven@chat.shakespeare.lit/thirdwitch"),
        to: parseJid("hag66@shakespeare.lit/pda"),
        status: {},
      },
    );
  });

  it("XEP-0203 example 2: status, show and priority", () => {
    checkStanza(
      XEP0203_EXAMPLE_2,
      {
        type: "available",
        from: parseJid("juliet@capulet.com/balcony"),
        to: parseJid("romeo@montague.net"),
        show: "xa",
        status: { "": "anon!" },
        priority: 1,
      },
    );
  });

  it("keeps the stanza language and status texts per language", () => {
    const value = checkStanza(
      `<presence xml:lang='en'>
  <show>dnd</show>
  <status>Wooing Juliet</status>
  <status xml:lang='cs'>Dvořím se Julii</status>
</presence>`,
      { type: "available", lang: "en", show: "dnd", status: { "": "Wooing Juliet", cs: "Dvořím se Julii" } },
    );
    expect(value.status[value.lang ?? ""] ?? value.status[""]).toBe("Wooing Juliet");
  });

  it("decodes every type, with available as the absent attribute", () => {
    for (const type of ["unavailable", "subscribe", "subscribed", "unsubscribe", "unsubscribed", "probe", "error"] as const) {
      expect(presence.decode(parseXml(`<presence xmlns='jabber:client' type='${type}'/>`)).type).toBe(type);
      expect(presence.encode({ type }).attrs.type).toBe(type);
    }
    expect(presence.encode({ type: "available" }).attrs.type).toBeUndefined();
    expect(presence.encode({}).attrs.type).toBeUndefined();
    // Not valid XMPP, but sent by some clients: read as plain availability.
    expect(presence.decode(parseXml("<presence xmlns='jabber:client' type='available'/>")).type).toBe("available");
  });

  it("fails on an unknown type or an out-of-range priority", () => {
    expect(presence.tryDecode(parseXml("<presence xmlns='jabber:client' type='invisible'/>")).ok).toBe(false);
    expect(presence.tryDecode(parseXml("<presence xmlns='jabber:client'><priority>128</priority></presence>")).ok).toBe(false);
    expect(presence.tryDecode(parseXml("<presence xmlns='jabber:client'><priority>high</priority></presence>")).ok).toBe(false);
    expect(presence.decode(parseXml("<presence xmlns='jabber:client'><priority>-128</priority></presence>")).priority).toBe(-128);
  });

  it("reads an unknown show as absent instead of failing the stanza", () => {
    const value = presence.decode(parseXml("<presence xmlns='jabber:client'><show>online</show><status>hi</status></presence>"));
    expect(value.show).toBeUndefined();
    expect(value.status).toEqual({ "": "hi" });
    for (const show of ["away", "chat", "dnd", "xa"]) {
      expect(presence.decode(parseXml(`<presence xmlns='jabber:client'><show>${show}</show></presence>`)).show).toBe(show);
    }
  });

  it("decodes presences of a component stream given jabber:client as the inherited namespace", () => {
    const stream = parseXml("<stream xmlns='jabber:component:accept'><presence type='unavailable'/></stream>");
    const el = stream.getChild("presence") as Element;
    expect(presence.tryDecode(el).ok).toBe(false);
    expect(presence.decode(el, NS.CLIENT).type).toBe("unavailable");
  });

  it("fails on malformed addresses", () => {
    expect(presence.tryDecode(parseXml("<presence xmlns='jabber:client' from='ch@r@cters@muc.example.com/JulieC'/>")).ok).toBe(false);
  });
});
