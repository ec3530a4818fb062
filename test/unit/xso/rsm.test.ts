/**
 * Fixture tests for the XEP-0059 `<set/>` codec. The stanzas are XEP-0059
 * examples, verbatim; the number in each test name is the example number.
 */
import { describe, expect, it } from "vitest";
import { DecodeError, isDecodeError } from "../../../src/xso/errors.js";
import { rsmFirst, rsmSet } from "../../../src/xso/rsm.js";
import { XEP0059_EXAMPLE_19 } from "../../fixtures/xep-examples.js";
import { checkFixture } from "../../helpers/fixture.js";
import { parseXml } from "../../helpers/xml.js";

const RSM = "http://jabber.org/protocol/rsm";

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

describe("rsmSet requests (XEP-0059 §2)", () => {
  it("Example 1: limit to the result set", () => {
    checkFixture(
      rsmSet,
      `<iq type='set' from='stpeter@jabber.org/roundabout' to='users.jabber.org' id='limit1'>
  <query xmlns='jabber:iq:search'>
    <nick>Pete</nick>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <max>10</max>
    </set>
  </query>
</iq>`,
      { max: 10 },
    );
  });

  it("Example 5: the second page (max and after)", () => {
    checkFixture(
      rsmSet,
      `<iq type='set' from='stpeter@jabber.org/roundabout' to='users.jabber.org' id='page2'>
  <query xmlns='jabber:iq:search'>
    <nick>Pete</nick>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <max>10</max>
      <after>peterpan@neverland.lit</after>
    </set>
  </query>
</iq>`,
      { max: 10, after: "peterpan@neverland.lit" },
    );
  });

  it("Example 8: the previous page (max and before)", () => {
    checkFixture(
      rsmSet,
      `<iq type='set' from='stpeter@jabber.org/roundabout' to='users.jabber.org' id='back1'>
  <query xmlns='jabber:iq:search'>
    <nick>Pete</nick>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <max>10</max>
      <before>peter@pixyland.org</before>
    </set>
  </query>
</iq>`,
      { max: 10, before: "peter@pixyland.org" },
    );
  });

  it("Example 11: the last page — an empty <before/> is kept as \"\"", () => {
    const value = checkFixture(
      rsmSet,
      `<iq type='set' from='stpeter@jabber.org/roundabout' to='users.jabber.org' id='page1'>
  <query xmlns='jabber:iq:search'>
    <nick>Pete</nick>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <max>10</max>
      <before/>
    </set>
  </query>
</iq>`,
      { max: 10, before: "" },
    );
    expect(value.before).toBe("");
    expect(rsmSet.encode(value).getChild("before")?.toString()).toBe("<before/>");
  });

  it("no <before/> at all stays undefined", () => {
    const value = rsmSet.decode(parseXml(`<set xmlns='${RSM}'><max>10</max></set>`));
    expect(value.before).toBeUndefined();
    expect(rsmSet.encode(value).getChild("before")).toBeUndefined();
  });

  it("Example 12: a page by index", () => {
    checkFixture(
      rsmSet,
      `<iq type='set' from='stpeter@jabber.org/roundabout' to='users.jabber.org' id='index10'>
  <query xmlns='jabber:iq:search'>
    <nick>Pete</nick>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <max>10</max>
      <index>371</index>
    </set>
  </query>
</iq>`,
      { max: 10, index: 371 },
    );
  });

  it("Example 15: the item count only (max 0 is kept)", () => {
    const value = checkFixture(
      rsmSet,
      `<iq type='set' from='stpeter@jabber.org/roundabout' to='users.jabber.org' id='count1'>
  <query xmlns='jabber:iq:search'>
    <nick>Pete</nick>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <max>0</max>
    </set>
  </query>
</iq>`,
      { max: 0 },
    );
    expect(value.max).toBe(0);
  });

  it("Example 19: a disco#items page after the last item received", () => {
    checkFixture(rsmSet, XEP0059_EXAMPLE_19, { max: 20, after: "4da91d4b330112f683dddaebf93180b1bd25e95f" });
  });
});

describe("rsmSet responses (XEP-0059 §2)", () => {
  it("Example 4: the first page (first with index, last, count)", () => {
    checkFixture(
      rsmSet,
      `<iq type='result' from='users.jabber.org' to='stpeter@jabber.org/roundabout' id='page1'>
  <query xmlns='jabber:iq:search'>
    <item jid='stpeter@jabber.org'>
      <first>Peter</first>
      <last>Saint-Andre</last>
      <nick>Pete</nick>
    </item>
    .
    [8 more items]
    .
    <item jid='peterpan@neverland.lit'>
      <first>Peter</first>
      <last>Pan</last>
      <nick>Pete</nick>
    </item>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <first index='0'>stpeter@jabber.org</first>
      <last>peterpan@neverland.lit</last>
      <count>800</count>
    </set>
  </query>
</iq>`,
      { first: { index: 0, id: "stpeter@jabber.org" }, last: "peterpan@neverland.lit", count: 800 },
    );
  });

  it("Example 6: the second page", () => {
    checkFixture(
      rsmSet,
      `<iq type='result' from='users.jabber.org' to='stpeter@jabber.org/roundabout' id='page2'>
  <query xmlns='jabber:iq:search'>
    <item jid='peter@pixyland.org'>
      <first>Peter</first>
      <last>Pan</last>
      <nick>Pete</nick>
    </item>
    .
    [8 more items]
    .
    <item jid='peter@rabbit.lit'>
      <first>Peter</first>
      <last>Rabbit</last>
      <nick>Pete</nick>
    </item>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <first index='10'>peter@pixyland.org</first>
      <last>peter@rabbit.lit</last>
      <count>800</count>
    </set>
  </query>
</iq>`,
      { first: { index: 10, id: "peter@pixyland.org" }, last: "peter@rabbit.lit", count: 800 },
    );
  });

  it("Example 7: an empty page (count only)", () => {
    checkFixture(
      rsmSet,
      `<iq type='result' from='users.jabber.org' to='stpeter@jabber.org/roundabout' id='page80'>
  <query xmlns='jabber:iq:search'>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <count>790</count>
    </set>
  </query>
</iq>`,
      { count: 790 },
    );
  });

  it("Example 13: a page at an index", () => {
    checkFixture(
      rsmSet,
      `<iq type='result' from='users.jabber.org' to='stpeter@jabber.org/roundabout' id='index10'>
  <query xmlns='jabber:iq:search'>
    <item jid='peter@pixyland.org'>
      <first>Peter</first>
      <last>Pan</last>
      <nick>Pete</nick>
    </item>
    .
    [8 more items]
    .
    <item jid='peter@rabbit.lit'>
      <first>Peter</first>
      <last>Rabbit</last>
      <nick>Pete</nick>
    </item>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <first index='371'>peter@pixyland.org</first>
      <last>peter@rabbit.lit</last>
      <count>800</count>
    </set>
  </query>
</iq>`,
      { first: { index: 371, id: "peter@pixyland.org" }, last: "peter@rabbit.lit", count: 800 },
    );
  });

  it("Example 16: the item count", () => {
    checkFixture(
      rsmSet,
      `<iq type='result' from='users.jabber.org' to='stpeter@jabber.org/roundabout' id='count1'>
  <query xmlns='jabber:iq:search'>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <count>800</count>
    </set>
  </query>
</iq>`,
      { count: 800 },
    );
  });

  it("Example 18: a disco#items page", () => {
    checkFixture(
      rsmSet,
      `<iq type='result' from='conference.jabber.org' to='stpeter@jabber.org/roundabout' id='ex2'>
  <query xmlns='http://jabber.org/protocol/disco#items'>
    <item jid='12@conference.jabber.org'/>
    <item jid='adium@conference.jabber.org'/>
    <item jid='airhitch@conference.jabber.org'/>
    <item jid='alphaville@conference.jabber.org'/>
    <item jid='apache@conference.jabber.org'/>
    <item jid='argia@conference.jabber.org'/>
    <item jid='armagetron@conference.jabber.org'/>
    <item jid='atticroom123@conference.jabber.org'/>
    <item jid='banquise@conference.jabber.org'/>
    <item jid='bar_paradise@conference.jabber.org'/>
    <item jid='beer@conference.jabber.org'/>
    <item jid='blondie@conference.jabber.org'/>
    <item jid='bpnops@conference.jabber.org'/>
    <item jid='brasileiros@conference.jabber.org'/>
    <item jid='bulgaria@conference.jabber.org'/>
    <item jid='cantinalivre@conference.jabber.org'/>
    <item jid='casablanca@conference.jabber.org'/>
    <item jid='chinortpcrew@conference.jabber.org'/>
    <item jid='coffeetalk@conference.jabber.org'/>
    <item jid='council@conference.jabber.org'/>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <first index='0'>acc3594e844c77696f7a7ba9367ae324b6b958ad</first>
      <last>4da91d4b330112f683dddaebf93180b1bd25e95f</last>
      <count>150</count>
    </set>
  </query>
</iq>`,
      { first: { index: 0, id: "acc3594e844c77696f7a7ba9367ae324b6b958ad" }, last: "4da91d4b330112f683dddaebf93180b1bd25e95f", count: 150 },
    );
  });
});

describe("rsmFirst", () => {
  it("with and without the index attribute", () => {
    checkFixture(rsmFirst, `<first xmlns='${RSM}' index='0'>28482-98726-73623</first>`, { index: 0, id: "28482-98726-73623" });
    checkFixture(rsmFirst, `<first xmlns='${RSM}'>28482-98726-73623</first>`, { id: "28482-98726-73623" });
  });

  it("an empty <first/> decodes as an empty UID", () => {
    expect(rsmFirst.decode(parseXml(`<first xmlns='${RSM}'/>`))).toEqual({ index: undefined, id: "" });
  });
});

describe("rsmSet: general behaviour and errors", () => {
  it("every field at once", () => {
    checkFixture(
      rsmSet,
      `<set xmlns='${RSM}'><max>5</max><after>a</after><before>b</before><index>3</index><first index='3'>f</first><last>l</last><count>9</count></set>`,
      { max: 5, after: "a", before: "b", index: 3, first: { index: 3, id: "f" }, last: "l", count: 9 },
    );
  });

  it("ignores unknown attributes and children, and children of other namespaces", () => {
    const el = parseXml(`<set xmlns='${RSM}' foo='1'><max extra='x'>10</max><flip-page/><count xmlns='urn:example'>abc</count><first xmlns='urn:example'>no</first></set>`);
    expect(rsmSet.decode(el)).toEqual({ max: 10 });
  });

  it.each([
    ["<max>-1</max>", "max"],
    ["<max>ten</max>", "max"],
    ["<index>1.5</index>", "index"],
    ["<count>2147483648</count>", "count"],
    ["<count/>", "count"],
    ["<first index='x'>a</first>", "first.index"],
    ["<first index='-1'>a</first>", "first.index"],
  ])("%s → DecodeError naming %s", (inner, field) => {
    const e = decodeError(() => rsmSet.decode(parseXml(`<set xmlns='${RSM}'>${inner}</set>`)));
    expect(e.field).toBe(field);
    expect(e.element).toBe("set");
    expect(e.ns).toBe(RSM);
  });
});
