/**
 * Fixture tests for the XEP-0313 codecs (`mamQuery`, `mamResult`,
 * `mamForwarded`, `mamFin`) and the filter form helpers. The stanzas are
 * XEP-0313 (version 1.1.3) examples, verbatim; the number in each test name is
 * the example number in that version.
 */
import { describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { dataForm, type DataForm } from "../../../src/xso/data-form.js";
import { DecodeError, isDecodeError } from "../../../src/xso/errors.js";
import {
  mamFilterSchema,
  mamFin,
  mamForwarded,
  mamMetadata,
  mamQuery,
  mamQueryForm,
  mamResult,
  parseMamQueryForm,
  type MamQueryFilter,
  type MamResult,
} from "../../../src/xso/mam.js";
import { NS } from "../../../src/xso/ns.js";
import { parseJid } from "../../../src/xso/values.js";
import { checkFixture } from "../../helpers/fixture.js";
import { normalize } from "../../helpers/normalize.js";
import { canonical, parseXml } from "../../helpers/xml.js";

const jid = (s: string): JID => parseJid(s);

/** A decoded `mamQuery`: `value` with no `<flip-page/>`. */
const q = <T extends object>(value: T): T & { flipPage: boolean } => ({ flipPage: false, ...value });

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

/** The decoded value of a submitted MAM filter form with these `[var, values]` fields after FORM_TYPE. */
function submitted(...fields: [string, string[]][]): DataForm {
  return {
    type: "submit",
    instructions: [],
    fields: [
      { var: "FORM_TYPE", type: "hidden", required: false, values: [NS.MAM], options: [] },
      ...fields.map(([name, values]) => ({ var: name, required: false, values, options: [] })),
    ],
    items: [],
  };
}

/** The first `<x xmlns='jabber:x:data'>` of a fixture. */
function formElementOf(xml: string): Element {
  const query = parseXml(xml).getChild("query", NS.MAM);
  const x = query?.getChild("x", NS.DATA_FORMS);
  if (x === undefined) throw new Error("fixture has no form");
  return x;
}

/**
 * Check a `<result/>` fixture: the forwarded message is compared as XML, the
 * rest as values, and the re-encoded result must equal the original.
 */
function checkResultFixture(xml: string, expected: Omit<MamResult, "forwarded"> & { forwarded: Omit<MamResult["forwarded"], "message"> }, message: string): MamResult {
  const root = parseXml(xml);
  const el = root.getChild("result", NS.MAM);
  if (el === undefined) throw new Error("fixture has no <result/>");
  const value = mamResult.decode(el);
  const { message: decodedMessage, ...forwarded } = value.forwarded;
  expect(normalize({ ...value, forwarded })).toEqual(normalize(expected));
  expect(canonical(decodedMessage)).toEqual(canonical(parseXml(message)));
  expect(canonical(mamResult.encode(value))).toEqual(canonical(el));
  return value;
}

describe("mamQuery (XEP-0313 §4)", () => {
  it("Example 2: a query with only a queryid", () => {
    checkFixture(
      mamQuery,
      `<iq type='set' id='juliet1'>
  <query xmlns='urn:xmpp:mam:2' queryid='f27' />
</iq>`,
      q({ queryId: "f27" }),
    );
  });

  it("Example 5: a query to another archive", () => {
    checkFixture(
      mamQuery,
      `<iq to='pubsub.shakespeare.lit' type='set' id='juliet1'>
  <query xmlns='urn:xmpp:mam:2' queryid='f28' />
</iq>`,
      q({ queryId: "f28" }),
    );
  });

  it("Example 14: an empty query asking for the form", () => {
    checkFixture(
      mamQuery,
      `<iq type='get' id='form1'>
  <query xmlns='urn:xmpp:mam:2'/>
</iq>`,
      q({}),
    );
  });

  it("a query with a node (XEP-0313 §4, pubsub archives)", () => {
    checkFixture(mamQuery, `<query xmlns='urn:xmpp:mam:2' queryid='f28' node='fdp/submitted/capulet.lit/sonnets'/>`, q({
      queryId: "f28",
      node: "fdp/submitted/capulet.lit/sonnets",
    }));
  });

  const example6 = `<iq type='set' id='juliet1'>
  <query xmlns='urn:xmpp:mam:2'>
    <x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE' type='hidden'>
        <value>urn:xmpp:mam:2</value>
      </field>
      <field var='with'>
        <value>juliet@capulet.lit</value>
      </field>
    </x>
  </query>
</iq>`;

  it("Example 6: filter by JID", () => {
    const value = checkFixture(mamQuery, example6, q({
      form: {
        type: "submit",
        instructions: [],
        fields: [
          { var: "FORM_TYPE", type: "hidden", required: false, values: ["urn:xmpp:mam:2"], options: [] },
          { var: "with", required: false, values: ["juliet@capulet.lit"], options: [] },
        ],
        items: [],
      },
    }));
    expect(normalize(parseMamQueryForm(value.form!))).toEqual(normalize({ with: jid("juliet@capulet.lit") }));
  });

  const filterExamples: [string, string, MamQueryFilter, [string, string[]][]][] = [
    [
      "Example 6: filter by JID",
      example6,
      { with: jid("juliet@capulet.lit") },
      [["with", ["juliet@capulet.lit"]]],
    ],
    [
      "Example 7: filter by a timespan",
      `<iq type='set' id='juliet1'>
  <query xmlns='urn:xmpp:mam:2'>
    <x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE' type='hidden'>
        <value>urn:xmpp:mam:2</value>
      </field>
      <field var='start'>
        <value>2010-06-07T00:00:00Z</value>
      </field>
      <field var='end'>
        <value>2010-07-07T13:23:54Z</value>
      </field>
    </x>
  </query>
</iq>`,
      { start: new Date("2010-06-07T00:00:00Z"), end: new Date("2010-07-07T13:23:54Z") },
      [
        ["start", ["2010-06-07T00:00:00Z"]],
        ["end", ["2010-07-07T13:23:54Z"]],
      ],
    ],
    [
      "Example 8: messages after a certain time",
      `<iq type='set' id='juliet1'>
  <query xmlns='urn:xmpp:mam:2'>
    <x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE' type='hidden'>
        <value>urn:xmpp:mam:2</value>
      </field>
      <field var='start'>
        <value>2010-08-07T00:00:00Z</value>
      </field>
    </x>
  </query>
</iq>`,
      { start: new Date("2010-08-07T00:00:00Z") },
      [["start", ["2010-08-07T00:00:00Z"]]],
    ],
    [
      "Example 9: messages after a certain message",
      `<iq type='set' id='juliet1'>
  <query xmlns='urn:xmpp:mam:2'>
    <x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE' type='hidden'>
        <value>urn:xmpp:mam:2</value>
      </field>
      <field var='after-id'>
        <value>09af3-cc343-b409f</value>
      </field>
    </x>
  </query>
</iq>`,
      { afterId: "09af3-cc343-b409f" },
      [["after-id", ["09af3-cc343-b409f"]]],
    ],
    [
      "Example 10: messages between two known messages",
      `<iq type='set' id='juliet1'>
  <query xmlns='urn:xmpp:mam:2'>
    <x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE' type='hidden'>
        <value>urn:xmpp:mam:2</value>
      </field>
      <field var='after-id'>
        <value>28482-98726-73623</value>
      </field>
      <field var='before-id'>
        <value>09af3-cc343-b409f</value>
      </field>
    </x>
  </query>
</iq>`,
      { afterId: "28482-98726-73623", beforeId: "09af3-cc343-b409f" },
      [
        ["after-id", ["28482-98726-73623"]],
        ["before-id", ["09af3-cc343-b409f"]],
      ],
    ],
    [
      "Example 11: a specific message",
      `<iq type='set' id='juliet1'>
  <query xmlns='urn:xmpp:mam:2'>
    <x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE' type='hidden'>
        <value>urn:xmpp:mam:2</value>
      </field>
      <field var='ids'>
        <value>28482-98726-73623</value>
      </field>
    </x>
  </query>
</iq>`,
      { ids: ["28482-98726-73623"] },
      [["ids", ["28482-98726-73623"]]],
    ],
  ];

  describe.each(filterExamples)("%s", (_name, xml, filter, fields) => {
    it("decodes and re-encodes", () => {
      checkFixture(mamQuery, xml, q({ form: submitted(...fields) }));
    });

    it("parseMamQueryForm reads the filter", () => {
      const form = mamQuery.findIn(parseXml(xml))!.form!;
      expect(normalize(parseMamQueryForm(form))).toEqual(normalize(filter));
    });

    it("mamQueryForm builds the same form, FORM_TYPE first", () => {
      const built = mamQueryForm(filter);
      expect(built.type).toBe("submit");
      expect(built.fields[0]).toMatchObject({ var: "FORM_TYPE", type: "hidden", values: [NS.MAM] });
      expect(canonical(dataForm.encode(built))).toEqual(canonical(formElementOf(xml)));
    });
  });

  it("Examples 12 and 13: include-groupchat is read by the data form and left out of the filter", () => {
    for (const value of ["true", "false"]) {
      const xml = `<iq type='set' id='juliet1'>
  <query xmlns='urn:xmpp:mam:2'>
    <x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE' type='hidden'>
        <value>urn:xmpp:mam:2</value>
      </field>
      <field var='include-groupchat'>
        <value>${value}</value>
      </field>
      ...
    </x>
  </query>
</iq>`;
      const query = mamQuery.findIn(parseXml(xml))!;
      expect(query.form?.fields.map((f) => f.var)).toEqual(["FORM_TYPE", "include-groupchat"]);
      expect(parseMamQueryForm(query.form!)).toEqual({});
    }
  });

  it("Example 15: the form of supported fields (unknown <validate/> ignored)", () => {
    const query = mamQuery.findIn(
      parseXml(`<iq type='result' id='form1'>
  <query xmlns='urn:xmpp:mam:2'>
    <x xmlns='jabber:x:data' type='form'>
      <field type='hidden' var='FORM_TYPE'>
        <value>urn:xmpp:mam:2</value>
      </field>
      <field type='jid-single' var='with'/>
      <field type='text-single' var='start'/>
      <field type='text-single' var='end'/>
      <field type='text-single' var='before-id'/>
      <field type='text-single' var='after-id'/>
      <field type='list-multi' var='ids'>
        <validate xmlns="http://jabber.org/protocol/xdata-validate" datatype="xs:string">
          <open/>
        </validate>
      </field>
      <field type='boolean' var='include-groupchat'/>
      <field type='text-single' var='{http://example.com/}free-text-search'/>
      <field type='text-single' var='{http://example.com/}stanza-content'/>
    </x>
  </query>
</iq>`),
    )!;
    expect(query.form?.type).toBe("form");
    expect(query.form?.fields.map((f) => [f.var, f.type])).toEqual([
      ["FORM_TYPE", "hidden"],
      ["with", "jid-single"],
      ["start", "text-single"],
      ["end", "text-single"],
      ["before-id", "text-single"],
      ["after-id", "text-single"],
      ["ids", "list-multi"],
      ["include-groupchat", "boolean"],
      ["{http://example.com/}free-text-search", "text-single"],
      ["{http://example.com/}stanza-content", "text-single"],
    ]);
    expect(parseMamQueryForm(query.form!)).toEqual({});
    // The schema's own form offers the six XEP-defined fields with the same types.
    const offered = mamFilterSchema.toForm({}, { keys: ["with", "start", "end", "beforeId", "afterId", "ids"] });
    expect(offered.fields.map((f) => [f.var, f.type])).toEqual([
      ["FORM_TYPE", "hidden"],
      ["with", "jid-single"],
      ["start", "text-single"],
      ["end", "text-single"],
      ["after-id", "text-single"],
      ["before-id", "text-single"],
      ["ids", "list-multi"],
    ]);
  });

  it("Example 16: server-specific fields round-trip and are not part of the filter", () => {
    const value = checkFixture(
      mamQuery,
      `<iq type='set' id='query4'>
  <query xmlns='urn:xmpp:mam:2'>
    <x xmlns='jabber:x:data' type='submit'>
      <field type='hidden' var='FORM_TYPE'>
        <value>urn:xmpp:mam:2</value>
      </field>
      <field type='text-single' var='{http://example.com/}free-text-search'>
        <value>Where arth thou, my Juliet?</value>
      </field>
      <field type='text-single' var='{http://example.com/}stanza-content'>
        <value>{http://jabber.org/protocol/mood}mood/lonely</value>
      </field>
    </x>
  </query>
</iq>`,
      q({
        form: {
          type: "submit",
          instructions: [],
          fields: [
            { var: "FORM_TYPE", type: "hidden", required: false, values: ["urn:xmpp:mam:2"], options: [] },
            { var: "{http://example.com/}free-text-search", type: "text-single", required: false, values: ["Where arth thou, my Juliet?"], options: [] },
            { var: "{http://example.com/}stanza-content", type: "text-single", required: false, values: ["{http://jabber.org/protocol/mood}mood/lonely"], options: [] },
          ],
          items: [],
        },
      }),
    );
    expect(parseMamQueryForm(value.form!)).toEqual({});
  });

  it("Example 18: filter form and RSM limit", () => {
    checkFixture(
      mamQuery,
      `<iq type='set' id='q29302'>
  <query xmlns='urn:xmpp:mam:2'>
    <x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE' type='hidden'>
        <value>urn:xmpp:mam:2</value>
      </field>
      <field var='start'>
        <value>2010-08-07T00:00:00Z</value>
      </field>
    </x>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <max>10</max>
    </set>
  </query>
</iq>`,
      q({ form: mamQueryForm({ start: new Date("2010-08-07T00:00:00Z") }), rsm: { max: 10 } }),
    );
  });

  it("Example 20: filter form and the next page", () => {
    checkFixture(
      mamQuery,
      `<iq type='set' id='q29303'>
  <query xmlns='urn:xmpp:mam:2'>
    <x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>
      <field var='start'><value>2010-08-07T00:00:00Z</value></field>
    </x>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <max>10</max>
      <after>09af3-cc343-b409f</after>
    </set>
  </query>
</iq>`,
      q({ form: submitted(["start", ["2010-08-07T00:00:00Z"]]), rsm: { max: 10, after: "09af3-cc343-b409f" } }),
    );
  });

  it("Example 23: the last page (empty <before/> kept)", () => {
    const value = checkFixture(
      mamQuery,
      `<iq type='set' id='q29303'>
  <query xmlns='urn:xmpp:mam:2'>
    <x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>
      <field var='start'><value>2010-08-07T00:00:00Z</value></field>
    </x>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <max>10</max>
      <before/>
    </set>
  </query>
</iq>`,
      q({ form: submitted(["start", ["2010-08-07T00:00:00Z"]]), rsm: { max: 10, before: "" } }),
    );
    expect(value.rsm?.before).toBe("");
  });

  it("Example 24: <flip-page/> (#extended)", () => {
    const query = mamQuery.findIn(
      parseXml(`<iq type='set' id='q29309'>
  <query xmlns='urn:xmpp:mam:2'>
    <x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>
      <field var='start'><value>2010-08-07T00:00:00Z</value></field>
    </x>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <max>10</max>
      <after>09af3-cc343-b409f</after>
    </set>
    <flip-page/>
  </query>
</iq>`),
    );
    expect(normalize(query)).toEqual(normalize({ form: submitted(["start", ["2010-08-07T00:00:00Z"]]), rsm: { max: 10, after: "09af3-cc343-b409f" }, flipPage: true }));
    expect(mamQuery.encode(query!).getChild("flip-page", NS.MAM)).toBeDefined();
  });
});

describe("mamQueryForm / parseMamQueryForm", () => {
  it("builds every filter field, FORM_TYPE first", () => {
    const filter: MamQueryFilter = {
      with: jid("juliet@capulet.lit/balcony"),
      start: new Date("2010-06-07T00:00:00Z"),
      end: new Date("2010-07-07T13:23:54.250Z"),
      beforeId: "09af3-cc343-b409f",
      afterId: "28482-98726-73623",
      ids: ["a", "b"],
    };
    const form = mamQueryForm(filter);
    expect(form).toEqual(
      submitted(
        ["with", ["juliet@capulet.lit/balcony"]],
        ["start", ["2010-06-07T00:00:00Z"]],
        ["end", ["2010-07-07T13:23:54.250Z"]],
        ["after-id", ["28482-98726-73623"]],
        ["before-id", ["09af3-cc343-b409f"]],
        ["ids", ["a", "b"]],
      ),
    );
    const back = parseMamQueryForm(dataForm.decode(parseXml(dataForm.encode(form).toString())));
    expect(normalize(back)).toEqual(normalize(filter));
  });

  it("an empty filter is the FORM_TYPE field alone; an empty ids list is left out", () => {
    expect(mamQueryForm({})).toEqual(submitted());
    expect(mamQueryForm({ ids: [] })).toEqual(submitted());
    expect(parseMamQueryForm(submitted())).toEqual({});
  });

  it("accepts a field list without FORM_TYPE", () => {
    expect(parseMamQueryForm({ fields: [{ var: "after-id", required: false, values: ["x"], options: [] }] })).toEqual({ afterId: "x" });
  });

  it.each([
    ["with", "@capulet.lit"],
    ["start", "yesterday"],
    ["end", "2010-07-07"],
  ])("an invalid %s value → DecodeError naming the field", (name, text) => {
    const e = decodeError(() => parseMamQueryForm(submitted([name, [text]])));
    expect(e.field).toBe(name);
  });

  it("another FORM_TYPE → DecodeError", () => {
    const form = submitted(["with", ["juliet@capulet.lit"]]);
    form.fields[0]!.values = ["urn:xmpp:mam:1"];
    expect(decodeError(() => parseMamQueryForm(form)).field).toBe("FORM_TYPE");
  });
});

describe("mamResult (XEP-0313 §4.2)", () => {
  it("Example 3: one archived message with its delay", () => {
    const value = checkResultFixture(
      `<message id='aeb213' to='juliet@capulet.lit/chamber'>
  <result xmlns='urn:xmpp:mam:2' queryid='f27' id='28482-98726-73623'>
    <forwarded xmlns='urn:xmpp:forward:0'>
      <delay xmlns='urn:xmpp:delay' stamp='2010-07-10T23:08:25Z'/>
      <message xmlns='jabber:client' from="witch@shakespeare.lit" to="macbeth@shakespeare.lit">
        <body>Hail to thee</body>
      </message>
    </forwarded>
  </result>
</message>`,
      { queryId: "f27", id: "28482-98726-73623", forwarded: { delay: { stamp: new Date("2010-07-10T23:08:25Z") } } },
      `<message xmlns='jabber:client' from="witch@shakespeare.lit" to="macbeth@shakespeare.lit"><body>Hail to thee</body></message>`,
    );
    expect(value.forwarded.message.name).toBe("message");
    expect(value.forwarded.message.getChildText("body")).toBe("Hail to thee");
  });

  it("Example 17: two archived chat messages", () => {
    checkResultFixture(
      `<message id='aeb213' to='juliet@capulet.lit/chamber'>
  <result xmlns='urn:xmpp:mam:2' queryid='f27' id='28482-98726-73623'>
    <forwarded xmlns='urn:xmpp:forward:0'>
      <delay xmlns='urn:xmpp:delay' stamp='2010-07-10T23:08:25Z'/>
      <message xmlns='jabber:client'
               to='juliet@capulet.lit/balcony'
               from='romeo@montague.lit/orchard'
               type='chat'>
        <body>Call me but love, and I'll be new baptized; Henceforth I never will be Romeo.</body>
      </message>
    </forwarded>
  </result>
</message>`,
      { queryId: "f27", id: "28482-98726-73623", forwarded: { delay: { stamp: new Date("2010-07-10T23:08:25Z") } } },
      `<message xmlns='jabber:client' to='juliet@capulet.lit/balcony' from='romeo@montague.lit/orchard' type='chat'><body>Call me but love, and I'll be new baptized; Henceforth I never will be Romeo.</body></message>`,
    );
    checkResultFixture(
      `<message id='aeb214' to='juliet@capulet.lit/chamber'>
  <result xmlns='urn:xmpp:mam:2' queryid='f27' id='5d398-28273-f7382'>
    <forwarded xmlns='urn:xmpp:forward:0'>
      <delay xmlns='urn:xmpp:delay' stamp='2010-07-10T23:09:32Z'/>
      <message xmlns='jabber:client'
               to='romeo@montague.lit/orchard'
               from='juliet@capulet.lit/balcony'
               type='chat' id='8a54s'>
        <body>What man art thou that thus bescreen'd in night so stumblest on my counsel?</body>
      </message>
    </forwarded>
  </result>
</message>`,
      { queryId: "f27", id: "5d398-28273-f7382", forwarded: { delay: { stamp: new Date("2010-07-10T23:09:32Z") } } },
      `<message xmlns='jabber:client' to='romeo@montague.lit/orchard' from='juliet@capulet.lit/balcony' type='chat' id='8a54s'><body>What man art thou that thus bescreen'd in night so stumblest on my counsel?</body></message>`,
    );
  });

  it("Example 27: MUC archive results, with the muc#user payload kept inside the raw message", () => {
    checkResultFixture(
      `<message id='iasd207' from='coven@chat.shakespeare.lit' to='hag66@shakespeare.lit/pda'>
  <result xmlns='urn:xmpp:mam:2' queryid='g27' id='78527-06716-51603'>
    <forwarded xmlns='urn:xmpp:forward:0'>
      <delay xmlns='urn:xmpp:delay' stamp='2002-10-13T23:58:37Z'/>
      <message xmlns="jabber:client"
               from='coven@chat.shakespeare.lit/firstwitch'
               id='162BEBB1-F6DB-4D9A-9BD8-CFDCC801A0B2'
               type='groupchat'>
        <body>Thrice the brinded cat hath mew'd.</body>
        <x xmlns='http://jabber.org/protocol/muc#user'>
          <item affiliation='owner'
                jid='crone1@shakespeare.lit'
                role='participant' />
        </x>
      </message>
    </forwarded>
  </result>
</message>`,
      { queryId: "g27", id: "78527-06716-51603", forwarded: { delay: { stamp: new Date("2002-10-13T23:58:37Z") } } },
      `<message xmlns="jabber:client" from='coven@chat.shakespeare.lit/firstwitch' id='162BEBB1-F6DB-4D9A-9BD8-CFDCC801A0B2' type='groupchat'><body>Thrice the brinded cat hath mew'd.</body><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='crone1@shakespeare.lit' role='participant' /></x></message>`,
    );
    checkResultFixture(
      `<message id='iasd207' from='coven@chat.shakespeare.lit' to='hag66@shakespeare.lit/pda'>
  <result xmlns='urn:xmpp:mam:2' queryid='g27' id='34482-21985-73620'>
    <forwarded xmlns='urn:xmpp:forward:0'>
      <delay xmlns='urn:xmpp:delay' stamp='2002-10-13T23:58:43Z'/>
      <message xmlns="jabber:client"
               from='coven@chat.shakespeare.lit/secondwitch'
               id='90057840-30FD-4141-AA44-103EEDF218FC'
               type='groupchat'>
        <body>Thrice and once the hedge-pig whined.</body>
        <x xmlns='http://jabber.org/protocol/muc#user'>
          <item affiliation='admin'
                jid='wiccarocks@shakespeare.lit'
                role='participant' />
        </x>
      </message>
    </forwarded>
  </result>
</message>`,
      { queryId: "g27", id: "34482-21985-73620", forwarded: { delay: { stamp: new Date("2002-10-13T23:58:43Z") } } },
      `<message xmlns="jabber:client" from='coven@chat.shakespeare.lit/secondwitch' id='90057840-30FD-4141-AA44-103EEDF218FC' type='groupchat'><body>Thrice and once the hedge-pig whined.</body><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' jid='wiccarocks@shakespeare.lit' role='participant' /></x></message>`,
    );
  });

  it("a forwarded message without a delay is accepted (XEP-0297: SHOULD)", () => {
    const value = mamResult.decode(
      parseXml(`<result xmlns='urn:xmpp:mam:2' id='x'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client'/></forwarded></result>`),
    );
    expect(value.forwarded.delay).toBeUndefined();
    expect(value.queryId).toBeUndefined();
  });

  it("ignores unknown attributes and children", () => {
    const value = mamResult.decode(
      parseXml(
        `<result xmlns='urn:xmpp:mam:2' id='x' extra='1'><junk/><forwarded xmlns='urn:xmpp:forward:0' foo='bar'><iq xmlns='jabber:client'/><delay xmlns='urn:xmpp:delay' stamp='2010-07-10T23:08:25Z'/><message xmlns='jabber:client' id='m'/></forwarded></result>`,
      ),
    );
    expect(value.id).toBe("x");
    expect(value.forwarded.message.attrs.id).toBe("m");
  });

  it("mamForwarded alone", () => {
    const el = parseXml(
      `<forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2010-07-10T23:08:25Z' from='capulet.lit'>Offline</delay><message xmlns='jabber:client' type='chat'><body>hi</body></message></forwarded>`,
    );
    const value = mamForwarded.decode(el);
    expect(normalize(value.delay)).toEqual(normalize({ stamp: new Date("2010-07-10T23:08:25Z"), from: jid("capulet.lit"), reason: "Offline" }));
    expect(canonical(value.message)).toBe(canonical(parseXml(`<message xmlns='jabber:client' type='chat'><body>hi</body></message>`)));
    expect(canonical(mamForwarded.encode(value))).toBe(canonical(el));
  });

  it("encodes the forwarded message with its jabber:client namespace", () => {
    const message = parseXml(`<message xmlns='jabber:client' type='chat'><body>hi</body></message>`);
    const el = mamResult.encode({ id: "a", forwarded: { delay: { stamp: new Date("2010-07-10T23:08:25Z") }, message } });
    const back = parseXml(el.toString());
    expect(back.getChild("forwarded", NS.FORWARD)?.getChild("message", NS.CLIENT)?.getChildText("body")).toBe("hi");
  });

  describe("errors", () => {
    it.each([
      ["no id", `<result xmlns='urn:xmpp:mam:2'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client'/></forwarded></result>`, "id"],
      ["no forwarded", `<result xmlns='urn:xmpp:mam:2' id='x'/>`, "forwarded"],
      ["a forwarded without a message", `<result xmlns='urn:xmpp:mam:2' id='x'><forwarded xmlns='urn:xmpp:forward:0'/></result>`, "forwarded.message"],
      [
        "a forwarded message that lost its jabber:client namespace",
        `<result xmlns='urn:xmpp:mam:2' id='x'><forwarded xmlns='urn:xmpp:forward:0'><message><body>hi</body></message></forwarded></result>`,
        "forwarded.message",
      ],
      [
        "a delay with a bad stamp",
        `<result xmlns='urn:xmpp:mam:2' id='x'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='yesterday'/><message xmlns='jabber:client'/></forwarded></result>`,
        "forwarded.delay.stamp",
      ],
    ])("%s → DecodeError naming %s", (_what, xml, field) => {
      const e = decodeError(() => mamResult.decode(parseXml(xml)));
      expect(e.field).toBe(field);
      expect(e.element).toBe("result");
      expect(e.ns).toBe(NS.MAM);
    });
  });
});

describe("mamFin (XEP-0313 §4.3)", () => {
  it("Example 4: end of results, first and last (complete false, stable true by default)", () => {
    const value = checkFixture(
      mamFin,
      `<iq type='result' id='juliet1'>
  <fin xmlns='urn:xmpp:mam:2'>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <first index='0'>28482-98726-73623</first>
      <last>09af3-cc343-b409f</last>
    </set>
  </fin>
</iq>`,
      { complete: false, stable: true, rsm: { first: { index: 0, id: "28482-98726-73623" }, last: "09af3-cc343-b409f" } },
    );
    expect(value.complete).toBe(false);
    expect(value.stable).toBe(true);
  });

  it("Example 19: limited results with a count", () => {
    checkFixture(
      mamFin,
      `<!-- result messages -->
<iq type='result' id='q29302'>
  <fin xmlns='urn:xmpp:mam:2'>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <first index='0'>28482-98726-73623</first>
      <last>09af3-cc343-b409f</last>
      <count>20</count>
    </set>
  </fin>
</iq>`,
      { complete: false, stable: true, rsm: { first: { index: 0, id: "28482-98726-73623" }, last: "09af3-cc343-b409f", count: 20 } },
    );
  });

  it("Example 22: the last page (complete='true')", () => {
    checkFixture(
      mamFin,
      `<!-- result messages -->
<iq type='result' id='u29303'>
  <fin xmlns='urn:xmpp:mam:2' complete='true'>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <first index='0'>23452-4534-1</first>
      <last>390-2342-22</last>
      <count>16</count>
    </set>
  </fin>
</iq>`,
      { complete: true, stable: true, rsm: { first: { index: 0, id: "23452-4534-1" }, last: "390-2342-22", count: 16 } },
    );
  });

  it("unstable results (stable='false', built from §4.3 text)", () => {
    checkFixture(
      mamFin,
      `<fin xmlns='urn:xmpp:mam:2' complete='true' stable='false'><set xmlns='http://jabber.org/protocol/rsm'><count>0</count></set></fin>`,
      { complete: true, stable: false, rsm: { count: 0 } },
    );
  });

  it("explicit default values decode as such; complete='1' is an xs:boolean too", () => {
    expect(normalize(mamFin.decode(parseXml(`<fin xmlns='urn:xmpp:mam:2' complete='false' stable='true'/>`)))).toEqual({ complete: false, stable: true });
    expect(mamFin.decode(parseXml(`<fin xmlns='urn:xmpp:mam:2' complete='1'/>`)).complete).toBe(true);
  });

  it("a fin without an RSM set is tolerated", () => {
    expect(mamFin.decode(parseXml(`<fin xmlns='urn:xmpp:mam:2' complete='true'/>`)).rsm).toBeUndefined();
  });

  it.each([
    [`<fin xmlns='urn:xmpp:mam:2' complete='maybe'/>`, "complete"],
    [`<fin xmlns='urn:xmpp:mam:2' stable='yes'/>`, "stable"],
    [`<fin xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><count>many</count></set></fin>`, "rsm.count"],
    [`<fin xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><first index='x'>a</first></set></fin>`, "rsm.first.index"],
  ])("%s → DecodeError naming %s", (xml, field) => {
    const e = decodeError(() => mamFin.decode(parseXml(xml)));
    expect(e.field).toBe(field);
    expect(e.element).toBe("fin");
  });

  it("is not confused with a fin of an older MAM namespace", () => {
    expect(mamFin.findIn(parseXml(`<iq type='result'><fin xmlns='urn:xmpp:mam:1' complete='true'/></iq>`))).toBeUndefined();
  });
});

describe("mamMetadata (XEP-0313 §5, #extended)", () => {
  it("the server's answer: the first and last archived messages", () => {
    checkFixture(
      mamMetadata,
      `<iq type='result' id='jui8921rr9'>
  <metadata xmlns='urn:xmpp:mam:2'>
    <start id='YWxwaGEg' timestamp='2008-08-22T21:09:04Z' />
    <end id='b21lZ2Eg' timestamp='2020-04-20T14:34:21Z' />
  </metadata>
</iq>`,
      {
        start: { id: "YWxwaGEg", timestamp: new Date("2008-08-22T21:09:04Z") },
        end: { id: "b21lZ2Eg", timestamp: new Date("2020-04-20T14:34:21Z") },
      },
    );
  });

  it("the request, and an empty archive's answer: no bounds", () => {
    checkFixture(mamMetadata, `<iq type='get' id='jui8921rr9'><metadata xmlns='urn:xmpp:mam:2'/></iq>`, {});
  });

  it("a bound without its id or with a bad timestamp is a DecodeError", () => {
    for (const bad of [`<start timestamp='2008-08-22T21:09:04Z'/>`, `<end id='x' timestamp='yesterday'/>`]) {
      const e = decodeError(() => mamMetadata.decode(parseXml(`<metadata xmlns='urn:xmpp:mam:2'>${bad}</metadata>`)));
      expect(e.element).toBe("metadata");
    }
  });
});
