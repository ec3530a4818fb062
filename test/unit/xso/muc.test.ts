/**
 * Fixture tests for the XEP-0045 join request codecs (`mucJoin`, `mucHistory`).
 * The stanzas are the XEP-0045 (version 1.35.5) examples, verbatim; the number
 * in each test name is the example number in that version.
 */
import { describe, expect, it } from "vitest";
import { DecodeError, isDecodeError } from "../../../src/xso/errors.js";
import { mucHistory, mucJoin } from "../../../src/xso/muc.js";
import { XEP0045_EXAMPLE_25 } from "../../fixtures/xep-examples.js";
import { checkFixture } from "../../helpers/fixture.js";
import { parseXml } from "../../helpers/xml.js";

/** Decode with `decode`, returning the DecodeError it throws (failing when it does not throw). */
function decodeError(decode: () => unknown): DecodeError {
  try {
    decode();
  } catch (e) {
    expect(isDecodeError(e)).toBe(true);
    return e as DecodeError;
  }
  throw new Error("expected a DecodeError");
}

describe("mucJoin (XEP-0045 §7.2)", () => {
  it("Example 18: plain join request", () => {
    checkFixture(
      mucJoin,
      `<presence
    from='hag66@shakespeare.lit/pda'
    id='n13mt3l'
    to='coven@chat.shakespeare.lit/thirdwitch'>
  <x xmlns='http://jabber.org/protocol/muc'/>
</presence>`,
      {},
    );
  });

  it("Example 26: join with a password", () => {
    checkFixture(
      mucJoin,
      `<presence
    from='hag66@shakespeare.lit/pda'
    id='djn4714'
    to='coven@chat.shakespeare.lit/thirdwitch'>
  <x xmlns='http://jabber.org/protocol/muc'>
    <password>cauldronburn</password>
  </x>
</presence>`,
      { password: "cauldronburn" },
    );
  });

  it("Example 211: join action with password (URI query type)", () => {
    checkFixture(
      mucJoin,
      `<presence to='coven@chat.shakespeare.lit/thirdwitch'>
  <x xmlns='http://jabber.org/protocol/muc'>
    <password>cauldronburn</password>
  </x>
</presence>`,
      { password: "cauldronburn" },
    );
  });

  it("Example 25: the join element echoed in an error presence", () => {
    checkFixture(mucJoin, XEP0045_EXAMPLE_25, {});
  });

  it("Example 35: history limited by characters", () => {
    checkFixture(
      mucJoin,
      `<presence
    from='hag66@shakespeare.lit/pda'
    id='n13mt3l'
    to='coven@chat.shakespeare.lit/thirdwitch'>
  <x xmlns='http://jabber.org/protocol/muc'>
    <history maxchars='65000'/>
  </x>
</presence>`,
      { history: { maxChars: 65000 } },
    );
  });

  it("Example 36: history limited by number of messages", () => {
    checkFixture(
      mucJoin,
      `<presence
    from='hag66@shakespeare.lit/pda'
    id='n13mt3l'
    to='coven@chat.shakespeare.lit/thirdwitch'>
  <x xmlns='http://jabber.org/protocol/muc'>
    <history maxstanzas='20'/>
  </x>
</presence>`,
      { history: { maxStanzas: 20 } },
    );
  });

  it("Example 37: history of the last 3 minutes", () => {
    checkFixture(
      mucJoin,
      `<presence
    from='hag66@shakespeare.lit/pda'
    id='n13mt3l'
    to='coven@chat.shakespeare.lit/thirdwitch'>
  <x xmlns='http://jabber.org/protocol/muc'>
    <history seconds='180'/>
  </x>
</presence>`,
      { history: { seconds: 180 } },
    );
  });

  it("Example 38: all history since the beginning of the Unix era", () => {
    checkFixture(
      mucJoin,
      `<presence
    from='hag66@shakespeare.lit/pda'
    id='n13mt3l'
    to='coven@chat.shakespeare.lit/thirdwitch'>
  <x xmlns='http://jabber.org/protocol/muc'>
    <history since='1970-01-01T00:00:00Z'/>
  </x>
</presence>`,
      { history: { since: new Date(0) } },
    );
  });

  it("Example 39: no history (maxchars='0' is kept, not dropped as falsy)", () => {
    const value = checkFixture(
      mucJoin,
      `<presence
    from='hag66@shakespeare.lit/pda'
    id='n13mt3l'
    to='coven@chat.shakespeare.lit/thirdwitch'>
  <x xmlns='http://jabber.org/protocol/muc'>
    <history maxchars='0'/>
  </x>
</presence>`,
      { history: { maxChars: 0 } },
    );
    expect(value.history?.maxChars).toBe(0);
  });

  it("mucHistory alone, with every limit at once", () => {
    checkFixture(mucHistory, `<history xmlns='http://jabber.org/protocol/muc' maxchars='65000' maxstanzas='20' seconds='180' since='1970-01-01T00:00:00Z'/>`, {
      maxChars: 65000,
      maxStanzas: 20,
      seconds: 180,
      since: new Date(0),
    });
  });

  it("an empty <password/> stays distinguishable from no password", () => {
    const value = checkFixture(mucJoin, `<x xmlns='http://jabber.org/protocol/muc'><password/></x>`, { password: "" });
    expect(value.password).toBe("");
    expect(mucJoin.decode(parseXml(`<x xmlns='http://jabber.org/protocol/muc'/>`)).password).toBeUndefined();
  });

  it("ignores unknown attributes and children", () => {
    const el = parseXml(
      `<x xmlns='http://jabber.org/protocol/muc' foo='bar'><history maxstanzas='5' extra='1'><junk/></history><unknown xmlns='urn:example'/><password>p</password></x>`,
    );
    expect(mucJoin.decode(el)).toEqual({ history: { maxStanzas: 5 }, password: "p" });
  });

  it("does not read a <history/> from another namespace", () => {
    const el = parseXml(`<x xmlns='http://jabber.org/protocol/muc'><history xmlns='urn:example' maxstanzas='x'/></x>`);
    expect(mucJoin.decode(el).history).toBeUndefined();
  });

  describe("errors", () => {
    it.each([
      ["maxchars", "-1", "history.maxChars"],
      ["maxstanzas", "twenty", "history.maxStanzas"],
      ["seconds", "1.5", "history.seconds"],
      ["since", "yesterday", "history.since"],
      ["since", "1970-01-01", "history.since"],
    ])("%s='%s' → DecodeError at %s", (attrName, value, field) => {
      const el = parseXml(`<x xmlns='http://jabber.org/protocol/muc'><history ${attrName}='${value}'/></x>`);
      const e = decodeError(() => mucJoin.decode(el));
      expect(e.field).toBe(field);
      expect(e.element).toBe("x");
      expect(e.ns).toBe("http://jabber.org/protocol/muc");
      expect(mucJoin.tryDecode(el).ok).toBe(false);
    });

    it("rejects an element of another namespace", () => {
      const e = decodeError(() => mucJoin.decode(parseXml(`<x xmlns='http://jabber.org/protocol/muc#user'/>`)));
      expect(e.field).toBeUndefined();
    });
  });
});
