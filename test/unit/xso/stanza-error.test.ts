/**
 * RFC 6120 §8.3 stanza errors: the `stanzaError` codec and `XMPPError`.
 *
 * Fixtures are the specifications' examples. Their stanzas carry no `xmlns`
 * (the stream supplies `jabber:client`), so `client()` adds it to the root.
 */
import { describe, expect, it } from "vitest";
import * as vm from "node:vm";
import fc from "fast-check";
import { Element } from "@xmpp/xml";
import { DecodeError, isDecodeError } from "../../../src/xso/errors.js";
import { NS } from "../../../src/xso/ns.js";
import { parseJid } from "../../../src/xso/values.js";
import {
  DEFAULT_ERROR_TYPES,
  STANZA_ERROR_CONDITIONS,
  STANZA_ERROR_TYPES,
  XMPPError,
  isXMPPError,
  stanzaError,
  type StanzaErrorCondition,
} from "../../../src/xso/stanza-error.js";
import { XEP0045_EXAMPLE_25, XEP0045_EXAMPLE_29 } from "../../fixtures/xep-examples.js";
import { checkFixture } from "../../helpers/fixture.js";
import { normalize } from "../../helpers/normalize.js";
import { canonical, parseXml } from "../../helpers/xml.js";
import { jidArb, xmlString } from "../../helpers/arbitrary.js";

/** The example with the stream's default namespace declared on its root. */
function client(xml: string): string {
  return xml.replace(/^\s*<([a-z]+)/, "<$1 xmlns='jabber:client'");
}

/** The first `<error/>` child of a parsed stanza. */
function errorChild(stanza: Element): Element {
  const el = stanza.getChild("error");
  if (!el) throw new Error("no <error/>");
  return el;
}

const jid = parseJid;

// XEP-0045 examples (version 1.35.5).

/** §7.2.5 Password-Protected Rooms: "Service Denies Access Because No Password Provided". */
const NOT_AUTHORIZED = XEP0045_EXAMPLE_25;

/** §7.2.6 Members-Only Rooms: "Service Denies Access Because User Is Not on Member List". */
const REGISTRATION_REQUIRED = `<presence
    from='coven@chat.shakespeare.lit/thirdwitch'
    id='n13mt3l'
    to='hag66@shakespeare.lit/pda'
    type='error'>
  <x xmlns='http://jabber.org/protocol/muc'/>
  <error by='coven@chat.shakespeare.lit' type='auth'>
    <registration-required xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
  </error>
</presence>`;

/** §7.2.7 Banned Users: "Service Denies Access Because User is Banned". */
const FORBIDDEN = `<presence
    from='coven@chat.shakespeare.lit/thirdwitch'
    id='n13mt3l'
    to='hag66@shakespeare.lit/pda'
    type='error'>
  <x xmlns='http://jabber.org/protocol/muc'/>
  <error by='coven@chat.shakespeare.lit' type='auth'>
    <forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
  </error>
</presence>`;

/** §7.2.8 Nickname Conflict: "Service Denies Access Because of Nick Conflict". */
const CONFLICT = XEP0045_EXAMPLE_29;

/** §7.2.9 Max Users: "Service Informs User that Room Occupant Limit Has Been Reached". */
const SERVICE_UNAVAILABLE = `<presence
    from='coven@chat.shakespeare.lit/thirdwitch'
    id='n13mt3l'
    to='hag66@shakespeare.lit/pda'
    type='error'>
  <x xmlns='http://jabber.org/protocol/muc'/>
  <error by='coven@chat.shakespeare.lit' type='wait'>
    <service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
  </error>
</presence>`;

/** §7.2.10 Locked Room: "Service Denies Access Because Room Does Not (Yet) Exist". */
const ITEM_NOT_FOUND = `<presence
    from='coven@chat.shakespeare.lit/thirdwitch'
    id='n13mt3l'
    to='hag66@shakespeare.lit/pda'
    type='error'>
  <x xmlns='http://jabber.org/protocol/muc'/>
  <error by='coven@chat.shakespeare.lit' type='cancel'>
    <item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
  </error>
</presence>`;

/** §7.6 Changing Nickname: "Service Denies Nickname Change Because Roomnicks Are Locked Down". */
const NOT_ACCEPTABLE = `<presence
    from='coven@chat.shakespeare.lit/thirdwitch'
    id='ifd1c35'
    to='hag66@shakespeare.lit/pda'
    type='error'>
  <x xmlns='http://jabber.org/protocol/muc'/>
  <error by='coven@chat.shakespeare.lit' type='cancel'>
    <not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
  </error>
</presence>`;

/** §7.2.1 Basic MUC Protocol: "No Nickname Specified". */
const JID_MALFORMED = `<presence
    from='coven@chat.shakespeare.lit'
    id='273hs51g'
    to='hag66@shakespeare.lit/pda'
    type='error'>
  <error by='coven@chat.shakespeare.lit' type='modify'>
    <jid-malformed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
  </error>
</presence>`;

const XEP0045_ERRORS: [string, string, StanzaErrorCondition, string][] = [
  ["not-authorized (password)", NOT_AUTHORIZED, "not-authorized", "auth"],
  ["registration-required (members-only)", REGISTRATION_REQUIRED, "registration-required", "auth"],
  ["forbidden (banned)", FORBIDDEN, "forbidden", "auth"],
  ["conflict (nick in use)", CONFLICT, "conflict", "cancel"],
  ["service-unavailable (max users)", SERVICE_UNAVAILABLE, "service-unavailable", "wait"],
  ["item-not-found (locked room)", ITEM_NOT_FOUND, "item-not-found", "cancel"],
  ["not-acceptable (nicks locked down)", NOT_ACCEPTABLE, "not-acceptable", "cancel"],
  ["jid-malformed (no nickname)", JID_MALFORMED, "jid-malformed", "modify"],
];

// RFC 6120 examples.

/**
 * §8.3.2: an application-specific condition with descriptive text. The
 * `<error/>` element is the RFC's; the stanza's addresses are left out.
 */
const RFC6120_APPLICATION = `<message type='error' id='7h3baci9'>
  <error type='modify'>
    <undefined-condition
          xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
    <text xml:lang='en'
          xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>[ ... application-specific information ... ]</text>
    <too-many-parameters xmlns='http://example.org/ns'/>
  </error>
</message>`;

/** §8.3.3.5 gone, with the entity's new address. */
const RFC6120_GONE = `<message from='romeo@example.net'
         id='sj2b371v'
         to='juliet@im.example.com/churchyard'
         type='error'>
  <error by='example.net'
         type='cancel'>
    <gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>
      xmpp:romeo@afterlife.example.net
    </gone>
  </error>
</message>`;

/** §8.3.3.14 redirect, with an alternate address. */
const RFC6120_REDIRECT = `<presence
       from='characters@muc.example.com/JulieC'
       id='y2bs71v4'
       to='juliet@im.example.com/balcony'
       type='error'>
     <error type='modify'>
       <redirect xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:characters@conference.example.org</redirect>
     </error>
   </presence>`;

/** §8.3.3.4 feature-not-implemented, with a pubsub application condition. */
const RFC6120_FEATURE_NOT_IMPLEMENTED = `<iq from='pubsub.example.com'
       id='9u2bax16'
       to='juliet@im.example.com/balcony'
       type='error'>
     <error type='cancel'>
       <feature-not-implemented
           xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
       <unsupported
           xmlns='http://jabber.org/protocol/pubsub#errors'
           feature='retrieve-subscriptions'/>
     </error>
   </iq>`;

describe("stanzaError codec", () => {
  describe("XEP-0045 error presences", () => {
    for (const [title, xml, condition, type] of XEP0045_ERRORS) {
      it(title, () => {
        checkFixture(stanzaError, client(xml), {
          type,
          by: jid("coven@chat.shakespeare.lit"),
          condition,
          texts: {},
        });
      });
    }
  });

  it("RFC 6120 §8.3.2: application-specific condition and text", () => {
    const value = checkFixture(stanzaError, client(RFC6120_APPLICATION), {
      type: "modify",
      condition: "undefined-condition",
      texts: { en: "[ ... application-specific information ... ]" },
      application: parseXml("<too-many-parameters xmlns='http://example.org/ns'/>"),
    });
    expect(value.application?.name).toBe("too-many-parameters");
    expect(value.application?.attrs.xmlns).toBe("http://example.org/ns");
  });

  it("RFC 6120 §8.3.3.4: feature-not-implemented with a pubsub condition", () => {
    checkFixture(stanzaError, client(RFC6120_FEATURE_NOT_IMPLEMENTED), {
      type: "cancel",
      condition: "feature-not-implemented",
      texts: {},
      application: parseXml("<unsupported xmlns='http://jabber.org/protocol/pubsub#errors' feature='retrieve-subscriptions'/>"),
    });
  });

  it("RFC 6120 §8.3.3.5: gone carries the new address, whitespace trimmed", () => {
    const el = errorChild(parseXml(client(RFC6120_GONE)));
    const value = stanzaError.decode(el);
    expect(normalize(value)).toEqual(
      normalize({ type: "cancel", by: jid("example.net"), condition: "gone", alternateAddress: "xmpp:romeo@afterlife.example.net", texts: {} }),
    );
    const back = stanzaError.encode(value);
    expect(back.getChild("gone", NS.STANZAS)?.getText()).toBe("xmpp:romeo@afterlife.example.net");
    expect(stanzaError.decode(parseXml(back.toString()))).toEqual(value);
  });

  it("RFC 6120 §8.3.3.14: redirect carries the alternate address", () => {
    checkFixture(stanzaError, client(RFC6120_REDIRECT), {
      type: "modify",
      condition: "redirect",
      alternateAddress: "xmpp:characters@conference.example.org",
      texts: {},
    });
  });

  it("keeps descriptive texts per language", () => {
    const xml = `<error xmlns='jabber:client' type='cancel'>
      <not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
      <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>Rooms are read-only</text>
      <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='de'>Räume sind schreibgeschützt</text>
      <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>plain</text>
    </error>`;
    checkFixture(stanzaError, xml, {
      type: "cancel",
      condition: "not-allowed",
      texts: { en: "Rooms are read-only", de: "Räume sind schreibgeschützt", "": "plain" },
    });
  });

  it("decodes a missing condition as undefined-condition and encodes it explicitly", () => {
    const el = parseXml("<error xmlns='jabber:client' type='cancel'/>");
    const value = stanzaError.decode(el);
    expect(value.condition).toBe("undefined-condition");
    expect(stanzaError.encode(value).getChild("undefined-condition", NS.STANZAS)).toBeDefined();
  });

  it("decodes an unknown condition (RFC 3920 payment-required) as undefined-condition", () => {
    const el = parseXml(
      "<error xmlns='jabber:client' type='auth'><payment-required xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>",
    );
    const value = stanzaError.decode(el);
    expect(value.condition).toBe("undefined-condition");
    expect(value.application).toBeUndefined();
  });

  it("takes the first known condition and ignores unknown ones before it", () => {
    const el = parseXml(
      "<error xmlns='jabber:client' type='cancel'><future-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:x@y</gone></error>",
    );
    expect(stanzaError.decode(el)).toMatchObject({ condition: "gone", alternateAddress: "xmpp:x@y" });
  });

  it("does not take a child of the stanza's own namespace for an application condition", () => {
    const el = parseXml("<error xmlns='jabber:client' type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><foo/></error>");
    expect(stanzaError.decode(el).application).toBeUndefined();
  });

  it("fails on a missing or unknown type and on a malformed by", () => {
    const bad = [
      "<error xmlns='jabber:client'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>",
      "<error xmlns='jabber:client' type='fatal'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>",
      "<error xmlns='jabber:client' type='cancel' by='@example.net'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>",
    ];
    for (const xml of bad) {
      const r = stanzaError.tryDecode(parseXml(xml));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toBeInstanceOf(DecodeError);
    }
  });

  it("encodes and decodes every defined condition with every type", () => {
    for (const condition of STANZA_ERROR_CONDITIONS) {
      for (const type of STANZA_ERROR_TYPES) {
        const el = stanzaError.encode({ type, condition });
        expect(el.getChild(condition, NS.STANZAS)).toBeDefined();
        expect(stanzaError.decode(parseXml(el.toString()))).toEqual({ type, condition, texts: {} });
      }
    }
  });

  it("round-trips alternate addresses together with gone and redirect", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("gone" as const, "redirect" as const),
        fc.constantFrom(...STANZA_ERROR_TYPES),
        jidArb,
        fc.dictionary(fc.constantFrom("", "en", "fr"), xmlString(), { maxKeys: 2 }),
        (condition, type, address, texts) => {
          const value = { type, condition, alternateAddress: `xmpp:${address.bare().toString()}`, texts };
          const back = stanzaError.decode(parseXml(stanzaError.encode(value).toString()));
          expect(back).toEqual(value);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("XMPPError", () => {
  describe("fromStanza on the XEP-0045 error presences", () => {
    for (const [title, xml, condition, type] of XEP0045_ERRORS) {
      it(title, () => {
        const stanza = parseXml(client(xml));
        const err = XMPPError.fromStanza(stanza);
        expect(err).toBeInstanceOf(XMPPError);
        expect(err).toBeInstanceOf(Error);
        expect(err.name).toBe("XMPPError");
        expect(err.condition).toBe(condition);
        expect(err.type).toBe(type);
        expect(err.by?.toString()).toBe("coven@chat.shakespeare.lit");
        expect(err.text).toBeUndefined();
        expect(err.texts).toEqual({});
        expect(err.alternateAddress).toBeUndefined();
        expect(err.application).toBeUndefined();
        expect(err.stanza).toBe(stanza);
        expect(err.message).toBe(condition);
        expect(isXMPPError(err)).toBe(true);
      });
    }
  });

  it("fromStanza reads text, application condition and alternate address", () => {
    const err = XMPPError.fromStanza(parseXml(client(RFC6120_APPLICATION)));
    expect(err.condition).toBe("undefined-condition");
    expect(err.type).toBe("modify");
    expect(err.text).toBe("[ ... application-specific information ... ]");
    expect(err.texts).toEqual({ en: "[ ... application-specific information ... ]" });
    expect(err.message).toBe("undefined-condition: [ ... application-specific information ... ]");
    expect(err.application?.name).toBe("too-many-parameters");

    const gone = XMPPError.fromStanza(parseXml(client(RFC6120_GONE)));
    expect(gone.condition).toBe("gone");
    expect(gone.alternateAddress).toBe("xmpp:romeo@afterlife.example.net");
    expect(gone.by?.toString()).toBe("example.net");
  });

  it("fromStanza on a stanza without an error child gives undefined-condition", () => {
    const stanza = parseXml("<presence xmlns='jabber:client' type='error' from='coven@chat.shakespeare.lit/thirdwitch'/>");
    const err = XMPPError.fromStanza(stanza);
    expect(err.condition).toBe("undefined-condition");
    expect(err.type).toBe("cancel");
    expect(err.stanza).toBe(stanza);
    expect(err.cause).toBeUndefined();
  });

  it("fromStanza on a malformed error keeps the condition it names, with the decode error as cause", () => {
    const stanza = parseXml(
      "<iq xmlns='jabber:client' type='error' id='1'><error type='whenever'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
    );
    const err = XMPPError.fromStanza(stanza);
    expect(err.condition).toBe("conflict");
    expect(err.stanza).toBe(stanza);
    expect(isDecodeError(err.cause)).toBe(true);
  });

  it("fromStanza on a malformed error without a condition gives undefined-condition", () => {
    const stanza = parseXml("<iq xmlns='jabber:client' type='error' id='1'><error><bogus xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    const err = XMPPError.fromStanza(stanza);
    expect(err.condition).toBe("undefined-condition");
    expect(isDecodeError(err.cause)).toBe(true);
  });

  it("fromStanza never throws, whatever it is given", () => {
    for (const junk of [null, undefined, 42, "presence", {}, { name: "presence", attrs: {}, children: null }]) {
      const err = XMPPError.fromStanza(junk as unknown as Element);
      expect(err.condition).toBe("undefined-condition");
      expect(err.stanza).toBeUndefined();
    }
  });

  it("fromStanza reads stanzas of a component stream", () => {
    const inherited = parseXml(
      "<presence xmlns='jabber:component:accept' type='error'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
    );
    expect(XMPPError.fromStanza(inherited).condition).toBe("conflict");
    const own = parseXml(
      "<presence type='error'><error xmlns='jabber:component:accept' type='wait'><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><x xmlns='urn:example'/></error></presence>",
    );
    const err = XMPPError.fromStanza(own);
    expect(err.condition).toBe("resource-constraint");
    expect(err.application?.name).toBe("x");
  });

  it("fromStanza ignores an error child of a foreign namespace", () => {
    const stanza = parseXml(
      "<message xmlns='jabber:client' type='error'><error xmlns='urn:example:other' type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
    );
    expect(XMPPError.fromStanza(stanza).condition).toBe("undefined-condition");
  });

  it("picks the text in the preferred language, else the same primary language, else the first", () => {
    const stanza = parseXml(
      client(`<message type='error'><error type='cancel'><not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
        <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>read-only</text>
        <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='de'>schreibgeschützt</text>
      </error></message>`),
    );
    expect(XMPPError.fromStanza(stanza).text).toBe("read-only");
    expect(XMPPError.fromStanza(stanza, "de").text).toBe("schreibgeschützt");
    expect(XMPPError.fromStanza(stanza, "de-AT").text).toBe("schreibgeschützt");
    expect(XMPPError.fromStanza(stanza, "fr").text).toBe("read-only");
    expect(XMPPError.fromStanza(stanza, "de").message).toBe("not-allowed: schreibgeschützt");
  });

  it("toElement gives back the error elements of the examples", () => {
    for (const xml of [...XEP0045_ERRORS.map((e) => e[1]), RFC6120_APPLICATION, RFC6120_REDIRECT, RFC6120_FEATURE_NOT_IMPLEMENTED]) {
      const stanza = parseXml(client(xml));
      const out = XMPPError.fromStanza(stanza).toElement();
      expect(out.attrs.xmlns).toBeUndefined();
      expect(canonical(out, NS.CLIENT)).toEqual(canonical(errorChild(stanza), NS.CLIENT));
    }
  });

  it("toElement of a constructed error decodes to the same error", () => {
    const app = new Element("too-many-parameters", { xmlns: "http://example.org/ns" });
    const err = new XMPPError("redirect", {
      text: "Moved",
      lang: "en",
      by: "muc.example.com",
      alternateAddress: "xmpp:room@conference.example.org",
      application: app,
    });
    const stanza = new Element("presence", { xmlns: NS.CLIENT, type: "error" });
    stanza.cnode(err.toElement());
    const back = XMPPError.fromStanza(parseXml(stanza.toString()), "en");
    expect(back.condition).toBe("redirect");
    expect(back.type).toBe("modify");
    expect(back.text).toBe("Moved");
    expect(back.texts).toEqual({ en: "Moved" });
    expect(back.by?.toString()).toBe("muc.example.com");
    expect(back.alternateAddress).toBe("xmpp:room@conference.example.org");
    expect(canonical(back.application!)).toBe(canonical(app));
    expect(back.message).toBe("redirect: Moved");
  });

  it("defaults the type per RFC 6120 §8.3.3", () => {
    const expected: Record<StanzaErrorCondition, string> = {
      "bad-request": "modify",
      conflict: "cancel",
      "feature-not-implemented": "cancel",
      forbidden: "auth",
      gone: "cancel",
      "internal-server-error": "cancel",
      "item-not-found": "cancel",
      "jid-malformed": "modify",
      "not-acceptable": "modify",
      "not-allowed": "cancel",
      "not-authorized": "auth",
      "policy-violation": "modify",
      "recipient-unavailable": "wait",
      redirect: "modify",
      "registration-required": "auth",
      "remote-server-not-found": "cancel",
      "remote-server-timeout": "wait",
      "resource-constraint": "wait",
      "service-unavailable": "cancel",
      "subscription-required": "auth",
      "undefined-condition": "cancel",
      "unexpected-request": "wait",
    };
    expect(Object.keys(DEFAULT_ERROR_TYPES).sort()).toEqual([...STANZA_ERROR_CONDITIONS].sort());
    for (const condition of STANZA_ERROR_CONDITIONS) {
      expect(new XMPPError(condition).type).toBe(expected[condition]);
    }
    expect(new XMPPError("forbidden", { type: "cancel" }).type).toBe("cancel");
  });

  it("builds its message from condition and text, and keeps the cause", () => {
    const cause = new Error("boom");
    const err = new XMPPError("internal-server-error", { text: "database down", cause });
    expect(err.message).toBe("internal-server-error: database down");
    expect(err.cause).toBe(cause);
    expect(err.texts).toEqual({ "": "database down" });
    expect(new XMPPError("conflict").message).toBe("conflict");
    expect(err.stack).toContain("internal-server-error");
  });

  it("rejects a malformed by", () => {
    expect(() => new XMPPError("conflict", { by: "a@b@c" })).toThrow();
  });

  it("isXMPPError recognises errors from another realm by name and condition", () => {
    const foreign: unknown = vm.runInNewContext(
      'Object.assign(new Error("conflict"), { name: "XMPPError", condition: "conflict", type: "cancel" })',
    );
    expect(foreign instanceof Error).toBe(false);
    expect(foreign instanceof XMPPError).toBe(false);
    expect(isXMPPError(foreign)).toBe(true);
    expect(isXMPPError({ name: "XMPPError", condition: "gone" })).toBe(true);
    expect(isXMPPError({ name: "XMPPError" })).toBe(false);
    expect(isXMPPError(Object.assign(new Error("x"), { condition: "conflict" }))).toBe(false);
    expect(isXMPPError(null)).toBe(false);
    expect(isXMPPError("XMPPError")).toBe(false);
  });
});
