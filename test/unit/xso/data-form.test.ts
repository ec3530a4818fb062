/**
 * Fixture and behaviour tests for the XEP-0004 data form codecs and the typed
 * form mechanism (`formSchema`). The stanzas are the XEP-0004 (version 2.13.2)
 * and XEP-0045 (version 1.35.5) examples, verbatim; the number in each test
 * name is the example number in that version.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import type { JID } from "@xmpp/jid";
import {
  dataForm,
  dataFormField,
  dataFormOption,
  effectiveFieldType,
  fieldSpec,
  formFieldKinds,
  formSchema,
  formType,
  getField,
  getFieldValues,
  integerKind,
  listMultiOf,
  listSingleOf,
  type DataForm,
  type DataFormField,
  type InferFormRecord,
} from "../../../src/xso/data-form.js";
import { DecodeError, isDecodeError } from "../../../src/xso/errors.js";
import { parseJid } from "../../../src/xso/values.js";
import { XEP0045_EXAMPLE_155, XEP0045_EXAMPLE_162 } from "../../fixtures/xep-examples.js";
import { checkFixture } from "../../helpers/fixture.js";
import { canonical, parseXml } from "../../helpers/xml.js";

/** A decoded field: the given parts, with the defaults of absent lists and flags. */
function field(parts: Partial<DataFormField>): DataFormField {
  return { required: false, values: [], options: [], ...parts };
}

/** The options of a list field, value = label unless given as [label, value]. */
function opts(...list: (string | [string, string])[]): DataFormField["options"] {
  return list.map((o) => (typeof o === "string" ? { label: o, value: o } : { label: o[0], value: o[1] }));
}

/** The first `<x xmlns='jabber:x:data'>` of an example, decoded. */
function formOf(xml: string): DataForm {
  const queue = [parseXml(xml)];
  for (let el = queue.shift(); el !== undefined; el = queue.shift()) {
    if (dataForm.matches(el)) return dataForm.decode(el);
    for (const c of el.children) if (typeof c !== "string") queue.push(c);
  }
  throw new Error("the example has no data form");
}

/** Run `f`, returning the DecodeError it throws (failing when it does not throw). */
function decodeError(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    expect(isDecodeError(e)).toBe(true);
    return e as DecodeError;
  }
  throw new Error("expected a DecodeError");
}

const EXAMPLE_2 = `<iq from='joogle@botster.shakespeare.lit'
    to='romeo@montague.net/home'
    type='result'
    xml:lang='en'
    id='create1'>
  <command xmlns='http://jabber.org/protocol/commands'
           node='create'
           sessionid='create:20040408T0128Z'
           status='executing'>
    <x xmlns='jabber:x:data' type='form'>
      <title>Bot Configuration</title>
      <instructions>Fill out this form to configure your new bot!</instructions>
      <field type='hidden'
             var='FORM_TYPE'>
        <value>jabber:bot</value>
      </field>
      <field type='fixed'><value>Section 1: Bot Info</value></field>
      <field type='text-single'
             label='The name of your bot'
             var='botname'/>
      <field type='text-multi'
             label='Helpful description of your bot'
             var='description'/>
      <field type='boolean'
             label='Public bot?'
             var='public'>
        <required/>
      </field>
      <field type='text-private'
             label='Password for special access'
             var='password'/>
      <field type='fixed'><value>Section 2: Features</value></field>
      <field type='list-multi'
             label='What features will the bot support?'
             var='features'>
        <option label='Contests'><value>contests</value></option>
        <option label='News'><value>news</value></option>
        <option label='Polls'><value>polls</value></option>
        <option label='Reminders'><value>reminders</value></option>
        <option label='Search'><value>search</value></option>
        <value>news</value>
        <value>search</value>
      </field>
      <field type='fixed'><value>Section 3: Subscriber List</value></field>
      <field type='list-single'
             label='Maximum number of subscribers'
             var='maxsubs'>
        <value>20</value>
        <option label='10'><value>10</value></option>
        <option label='20'><value>20</value></option>
        <option label='30'><value>30</value></option>
        <option label='50'><value>50</value></option>
        <option label='100'><value>100</value></option>
        <option label='None'><value>none</value></option>
      </field>
      <field type='fixed'><value>Section 4: Invitations</value></field>
      <field type='jid-multi'
             label='People to invite'
             var='invitelist'>
        <desc>Tell all your friends about your new bot!</desc>
      </field>
    </x>
  </command>
</iq>`;
const EXAMPLE_3 = `<iq from='romeo@montague.net/home'
    to='joogle@botster.shakespeare.lit'
    type='set'
    xml:lang='en'
    id='create2'>
  <command xmlns='http://jabber.org/protocol/commands'
           node='create'
           sessionid='create:20040408T0128Z'>
    <x xmlns='jabber:x:data' type='submit'>
      <field type='hidden' var='FORM_TYPE'>
        <value>jabber:bot</value>
      </field>
      <field type='text-single' var='botname'>
        <value>The Jabber Google Bot</value>
      </field>
      <field type='text-multi' var='description'>
        <value>This bot enables you to send requests to</value>
        <value>Google and receive the search results right</value>
        <value>in your Jabber client. It&apos; really cool!</value>
        <value>It even supports Google News!</value>
      </field>
      <field type='boolean' var='public'>
        <value>0</value>
      </field>
      <field type='text-private' var='password'>
        <value>v3r0na</value>
      </field>
      <field type='list-multi' var='features'>
        <value>news</value>
        <value>search</value>
      </field>
      <field type='list-single' var='maxsubs'>
        <value>50</value>
      </field>
      <field type='jid-multi' var='invitelist'>
        <value>juliet@capulet.com</value>
        <value>benvolio@montague.net</value>
      </field>
    </x>
  </command>
</iq>`;

describe("dataForm (XEP-0004)", () => {
  it("Example 2: bot creation form (every field type, options, default values, desc, required)", () => {
    checkFixture(dataForm, EXAMPLE_2, {
      type: "form",
      title: "Bot Configuration",
      instructions: ["Fill out this form to configure your new bot!"],
      fields: [
        field({ type: "hidden", var: "FORM_TYPE", values: ["jabber:bot"] }),
        field({ type: "fixed", values: ["Section 1: Bot Info"] }),
        field({ type: "text-single", label: "The name of your bot", var: "botname" }),
        field({ type: "text-multi", label: "Helpful description of your bot", var: "description" }),
        field({ type: "boolean", label: "Public bot?", var: "public", required: true }),
        field({ type: "text-private", label: "Password for special access", var: "password" }),
        field({ type: "fixed", values: ["Section 2: Features"] }),
        field({
          type: "list-multi",
          label: "What features will the bot support?",
          var: "features",
          options: opts(["Contests", "contests"], ["News", "news"], ["Polls", "polls"], ["Reminders", "reminders"], ["Search", "search"]),
          values: ["news", "search"],
        }),
        field({ type: "fixed", values: ["Section 3: Subscriber List"] }),
        field({
          type: "list-single",
          label: "Maximum number of subscribers",
          var: "maxsubs",
          values: ["20"],
          options: opts("10", "20", "30", "50", "100", ["None", "none"]),
        }),
        field({ type: "fixed", values: ["Section 4: Invitations"] }),
        field({ type: "jid-multi", label: "People to invite", var: "invitelist", desc: "Tell all your friends about your new bot!" }),
      ],
      items: [],
    });
  });

  it("Example 3: bot creation submission (multiple values, entity in text)", () => {
    checkFixture(dataForm, EXAMPLE_3, {
      type: "submit",
      instructions: [],
      fields: [
        field({ type: "hidden", var: "FORM_TYPE", values: ["jabber:bot"] }),
        field({ type: "text-single", var: "botname", values: ["The Jabber Google Bot"] }),
        field({
          type: "text-multi",
          var: "description",
          values: [
            "This bot enables you to send requests to",
            "Google and receive the search results right",
            "in your Jabber client. It' really cool!",
            "It even supports Google News!",
          ],
        }),
        field({ type: "boolean", var: "public", values: ["0"] }),
        field({ type: "text-private", var: "password", values: ["v3r0na"] }),
        field({ type: "list-multi", var: "features", values: ["news", "search"] }),
        field({ type: "list-single", var: "maxsubs", values: ["50"] }),
        field({ type: "jid-multi", var: "invitelist", values: ["juliet@capulet.com", "benvolio@montague.net"] }),
      ],
      items: [],
    });
  });

  it("Example 4: bot creation result", () => {
    checkFixture(
      dataForm,
      `<iq from='joogle@botster.shakespeare.lit'
    to='romeo@montague.net/home'
    type='result'
    xml:lang='en'
    id='create2'>
  <command xmlns='http://jabber.org/protocol/commands'
           node='create'
           sessionid='create:20040408T0128Z'
           status='completed'>
    <x xmlns='jabber:x:data' type='result'>
      <field type='hidden' var='FORM_TYPE'>
        <value>jabber:bot</value>
      </field>
      <field type='text-single' var='botname'>
        <value>The Jabber Google Bot</value>
      </field>
      <field type='boolean' var='public'>
        <value>0</value>
      </field>
      <field type='text-private' var='password'>
        <value>v3r0na</value>
      </field>
      <field type='list-multi' var='features'>
        <value>news</value>
        <value>search</value>
      </field>
      <field type='list-single' var='maxsubs'>
        <value>50</value>
      </field>
      <field type='jid-multi' var='invitelist'>
        <value>juliet@capulet.com</value>
        <value>benvolio@montague.net</value>
      </field>
    </x>
  </command>
</iq>`,
      {
        type: "result",
        instructions: [],
        fields: [
          field({ type: "hidden", var: "FORM_TYPE", values: ["jabber:bot"] }),
          field({ type: "text-single", var: "botname", values: ["The Jabber Google Bot"] }),
          field({ type: "boolean", var: "public", values: ["0"] }),
          field({ type: "text-private", var: "password", values: ["v3r0na"] }),
          field({ type: "list-multi", var: "features", values: ["news", "search"] }),
          field({ type: "list-single", var: "maxsubs", values: ["50"] }),
          field({ type: "jid-multi", var: "invitelist", values: ["juliet@capulet.com", "benvolio@montague.net"] }),
        ],
        items: [],
      },
    );
  });

  it("Example 6: search form with a required field", () => {
    checkFixture(
      dataForm,
      `<iq from='joogle@botster.shakespeare.lit'
    to='juliet@capulet.com/chamber'
    type='result'
    xml:lang='en'
    id='search1'>
  <command xmlns='http://jabber.org/protocol/commands'
           node='search'
           status='executing'>
    <x xmlns='jabber:x:data' type='form'>
      <title>Joogle Search</title>
      <instructions>Fill out this form to search for information!</instructions>
      <field type='text-single'
             var='search_request'>
        <required/>
      </field>
    </x>
  </command>
</iq>`,
      {
        type: "form",
        title: "Joogle Search",
        instructions: ["Fill out this form to search for information!"],
        fields: [field({ type: "text-single", var: "search_request", required: true })],
        items: [],
      },
    );
  });

  it("Example 7: search submission", () => {
    checkFixture(
      dataForm,
      `<iq from='juliet@capulet.com/chamber'
    to='joogle@botster.shakespeare.lit'
    type='get'
    xml:lang='en'
    id='search2'>
  <command xmlns='http://jabber.org/protocol/commands'
           node='search'>
    <x xmlns='jabber:x:data' type='submit'>
      <field type='text-single' var='search_request'>
        <value>verona</value>
      </field>
    </x>
  </command>
</iq>`,
      {
        type: "submit",
        instructions: [],
        fields: [field({ type: "text-single", var: "search_request", values: ["verona"] })],
        items: [],
      },
    );
  });

  it("Example 8: search results with <reported/> and <item/>s (untyped fields stay untyped)", () => {
    const row = (name: string, url: string) => [field({ var: "name", values: [name] }), field({ var: "url", values: [url] })];
    const value = checkFixture(
      dataForm,
      `<iq from='joogle@botster.shakespeare.lit'
    to='juliet@capulet.com/chamber'
    type='result'
    xml:lang='en'
    id='search2'>
  <command xmlns='http://jabber.org/protocol/commands'
           node='search'
           status='completed'>
    <x xmlns='jabber:x:data' type='result'>
      <title>Joogle Search: verona</title>
      <reported>
        <field var='name'/>
        <field var='url'/>
      </reported>
      <item>
        <field var='name'>
          <value>Comune di Verona - Benvenuti nel sito ufficiale</value>
        </field>
        <field var='url'>
          <value>http://www.comune.verona.it/</value>
        </field>
      </item>
      <item>
        <field var='name'>
          <value>benvenuto!</value>
        </field>
        <field var='url'>
          <value>http://www.hellasverona.it/</value>
        </field>
      </item>
      <item>
        <field var='name'>
          <value>Universita degli Studi di Verona - Home Page</value>
        </field>
        <field var='url'>
          <value>http://www.univr.it/</value>
        </field>
      </item>
      <item>
        <field var='name'>
          <value>Aeroporti del Garda</value>
        </field>
        <field var='url'>
          <value>http://www.aeroportoverona.it/</value>
        </field>
      </item>
      <item>
        <field var='name'>
          <value>Veronafiere - fiera di Verona</value>
        </field>
        <field var='url'>
          <value>http://www.veronafiere.it/</value>
        </field>
      </item>
    </x>
  </command>
</iq>`,
      {
        type: "result",
        title: "Joogle Search: verona",
        instructions: [],
        fields: [],
        reported: [field({ var: "name" }), field({ var: "url" })],
        items: [
          row("Comune di Verona - Benvenuti nel sito ufficiale", "http://www.comune.verona.it/"),
          row("benvenuto!", "http://www.hellasverona.it/"),
          row("Universita degli Studi di Verona - Home Page", "http://www.univr.it/"),
          row("Aeroporti del Garda", "http://www.aeroportoverona.it/"),
          row("Veronafiere - fiera di Verona", "http://www.veronafiere.it/"),
        ],
      },
    );
    expect(value.reported?.[0]?.type).toBeUndefined();
    expect(effectiveFieldType(value.reported![0]!)).toBe("text-single");
  });

  it("XEP-0045 Example 162: cancellation (empty form)", () => {
    checkFixture(dataForm, XEP0045_EXAMPLE_162, { type: "cancel", instructions: [], fields: [], items: [] });
  });

  it("XEP-0045 Example 155: empty submission (instant room)", () => {
    checkFixture(dataForm, XEP0045_EXAMPLE_155, { type: "submit", instructions: [], fields: [], items: [] });
  });

  it("keeps an unknown field type, and an empty <reported/>", () => {
    checkFixture(
      dataForm,
      `<x xmlns='jabber:x:data' type='result'><field var='when' type='x-datetime'><value>2004-01-01</value></field><reported/></x>`,
      { type: "result", instructions: [], fields: [field({ var: "when", type: "x-datetime", values: ["2004-01-01"] })], reported: [], items: [] },
    );
    expect(effectiveFieldType({ type: "x-datetime" })).toBe("x-datetime");
  });

  it("keeps empty <value/>s and several <instructions/>", () => {
    checkFixture(
      dataForm,
      `<x xmlns='jabber:x:data' type='form'><instructions>one</instructions><instructions>two</instructions><field var='a'><value/></field></x>`,
      { type: "form", instructions: ["one", "two"], fields: [field({ var: "a", values: [""] })], items: [] },
    );
  });

  it("encodes from a minimal input", () => {
    const el = dataForm.encode({ type: "submit", fields: [{ var: "FORM_TYPE", type: "hidden", values: ["urn:x"] }, { var: "a" }] });
    expect(canonical(el)).toBe(
      canonical(parseXml(`<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:x</value></field><field var='a'/></x>`)),
    );
  });
});

describe("dataForm errors", () => {
  it("rejects a form without a type", () => {
    const e = decodeError(() => dataForm.decode(parseXml(`<x xmlns='jabber:x:data'><field var='a'/></x>`)));
    expect(e.field).toBe("type");
  });

  it("rejects an unknown form type", () => {
    expect(() => dataForm.decode(parseXml(`<x xmlns='jabber:x:data' type='error'/>`))).toThrow(DecodeError);
  });

  it("rejects an option without a value, naming the path", () => {
    const e = decodeError(() =>
      dataForm.decode(parseXml(`<x xmlns='jabber:x:data' type='form'><field var='a' type='list-single'><option label='A'/></field></x>`)),
    );
    expect(e.field).toBe("fields.options.value");
    expect(() => dataFormOption.decode(parseXml(`<option xmlns='jabber:x:data' label='A'/>`))).toThrow(DecodeError);
  });

  it("rejects an element in another namespace", () => {
    expect(() => dataFormField.decode(parseXml(`<field xmlns='urn:other' var='a'/>`))).toThrow(DecodeError);
  });
});

describe("data form helpers", () => {
  const form = formOf(EXAMPLE_2);

  it("formType reads the hidden FORM_TYPE field", () => {
    expect(formType(form)).toBe("jabber:bot");
    // Submissions often leave the FORM_TYPE field untyped (XEP-0045 Example 159).
    expect(formType({ fields: [field({ var: "FORM_TYPE", values: ["urn:a"] })] })).toBe("urn:a");
    // A FORM_TYPE field that is not hidden is not a FORM_TYPE (XEP-0068).
    expect(formType({ fields: [field({ var: "FORM_TYPE", type: "text-single", values: ["urn:a"] })] })).toBeUndefined();
    expect(formType({ fields: [] })).toBeUndefined();
  });

  it("getFieldValues and getField find the first field by var", () => {
    expect(getFieldValues(form, "features")).toEqual(["news", "search"]);
    expect(getFieldValues(form, "botname")).toEqual([]);
    expect(getFieldValues(form, "nope")).toBeUndefined();
    expect(getField(form, "public")?.required).toBe(true);
  });
});

describe("formSchema", () => {
  const bot = formSchema("jabber:bot", {
    botName: fieldSpec("botname", "text", { label: "The name of your bot" }),
    description: fieldSpec("description", "textMulti"),
    public: fieldSpec("public", "boolean", { label: "Public bot?", required: true }),
    password: fieldSpec("password", "textPrivate"),
    features: fieldSpec("features", listMultiOf(["contests", "news", "polls", "reminders", "search"])),
    maxSubs: fieldSpec("maxsubs", "listSingle"),
    inviteList: fieldSpec("invitelist", "jidMulti", { desc: "Tell all your friends about your new bot!" }),
  });

  it("infers the record type from the declarations", () => {
    expectTypeOf<InferFormRecord<typeof bot>>().toEqualTypeOf<{
      botName?: string;
      description?: string;
      public?: boolean;
      password?: string;
      features?: ("contests" | "news" | "polls" | "reminders" | "search")[];
      maxSubs?: string;
      inviteList?: JID[];
    }>();
    const kinds = formSchema("urn:k", {
      a: fieldSpec("a", "integer"),
      b: fieldSpec("b", "jid"),
      c: fieldSpec("c", listSingleOf(["x", "y"])),
      d: fieldSpec("d", "listMulti"),
    });
    expectTypeOf<InferFormRecord<typeof kinds>>().toEqualTypeOf<{ a?: number; b?: JID; c?: "x" | "y"; d?: string[] }>();
  });

  it("parses the Example 2 form: defaults, empty fields, fixed fields ignored", () => {
    // The boolean field "public" has no value: XEP-0004 §3.3 makes false its default.
    expect(bot.parse(formOf(EXAMPLE_2))).toEqual({ public: false, features: ["news", "search"], maxSubs: "20", inviteList: [] });
  });

  it("parses the Example 3 submission, joining text-multi lines with \\n", () => {
    const record = bot.parse(formOf(EXAMPLE_3));
    expect(record).toEqual({
      botName: "The Jabber Google Bot",
      description: [
        "This bot enables you to send requests to",
        "Google and receive the search results right",
        "in your Jabber client. It' really cool!",
        "It even supports Google News!",
      ].join("\n"),
      public: false,
      password: "v3r0na",
      features: ["news", "search"],
      maxSubs: "50",
      inviteList: [parseJid("juliet@capulet.com"), parseJid("benvolio@montague.net")],
    });
  });

  it("toSubmit writes FORM_TYPE first, then the defined properties untyped, in declaration order", () => {
    const record = bot.parse(formOf(EXAMPLE_3));
    const submit = bot.toSubmit(record);
    expect(submit.type).toBe("submit");
    expect(submit.fields[0]).toEqual(field({ var: "FORM_TYPE", type: "hidden", values: ["jabber:bot"] }));
    // Same values as Example 3, without the optional field types (and the boolean written as a digit).
    const expected = formOf(EXAMPLE_3).fields.map((f) => (f.var === "FORM_TYPE" ? f : field({ var: f.var, values: f.values })));
    expect(submit.fields).toEqual(expected);
    expect(bot.parse(dataForm.decode(parseXml(dataForm.encode(submit).toString())))).toEqual(record);
    expect(bot.toSubmit({ public: true }).fields).toEqual([
      field({ var: "FORM_TYPE", type: "hidden", values: ["jabber:bot"] }),
      field({ var: "public", values: ["1"] }),
    ]);
  });

  it("toForm writes types, labels, descriptions, required flags and options", () => {
    const form = bot.toForm({ maxSubs: "20" }, { title: "Bot Configuration", keys: ["botName", "public", "features", "maxSubs", "inviteList"] });
    expect(form).toEqual({
      type: "form",
      title: "Bot Configuration",
      instructions: [],
      fields: [
        field({ var: "FORM_TYPE", type: "hidden", values: ["jabber:bot"] }),
        field({ var: "botname", type: "text-single", label: "The name of your bot" }),
        field({ var: "public", type: "boolean", label: "Public bot?", required: true }),
        field({ var: "features", type: "list-multi", options: ["contests", "news", "polls", "reminders", "search"].map((value) => ({ value })) }),
        field({ var: "maxsubs", type: "list-single", values: ["20"] }),
        field({ var: "invitelist", type: "jid-multi", desc: "Tell all your friends about your new bot!" }),
      ],
      items: [],
    });
    // Without keys, only the properties with a value.
    expect(bot.toForm({ public: false }).fields.map((f) => f.var)).toEqual(["FORM_TYPE", "public"]);
  });

  it("toResult writes types and labels, no options or required flags", () => {
    expect(bot.toResult({ public: true }).fields).toEqual([
      field({ var: "FORM_TYPE", type: "hidden", values: ["jabber:bot"] }),
      field({ var: "public", type: "boolean", label: "Public bot?", values: ["1"] }),
    ]);
  });

  it("booleans accept 1/true/0/false and write 1/0", () => {
    const k = formFieldKinds.boolean;
    expect(["1", "true", "0", "false", " true "].map((v) => k.parse([v]))).toEqual([true, true, false, false, true]);
    expect([k.format(true), k.format(false)]).toEqual([["1"], ["0"]]);
    // No value, or an empty one: false, the default of XEP-0004 §3.3.
    expect(k.parse([])).toBe(false);
    expect(k.parse([""])).toBe(false);
  });

  it("text keeps an empty value; text-multi splits lines on any line break", () => {
    expect(formFieldKinds.text.parse([""])).toBe("");
    expect(formFieldKinds.text.parse([])).toBeUndefined();
    expect(formFieldKinds.textMulti.format("a\r\nb\rc\nd")).toEqual(["a", "b", "c", "d"]);
    expect(formFieldKinds.textMulti.parse([""])).toBe("");
    expect(formFieldKinds.textMulti.format("")).toEqual([""]);
  });

  it("jid-multi skips empty values and duplicates; integers honour their bounds", () => {
    expect(formFieldKinds.jidMulti.parse(["", "a@b.c", "A@B.c", "d@b.c"])?.map(String)).toEqual(["a@b.c", "d@b.c"]);
    expect(integerKind(0).parse(["12"])).toBe(12);
    expect(() => integerKind(0).parse(["-1"])).toThrow();
  });

  const kinds = formSchema("urn:test", {
    flag: fieldSpec("flag", "boolean"),
    count: fieldSpec("count", "integer"),
    who: fieldSpec("who", "jid"),
    pick: fieldSpec("pick", listSingleOf(["a", "b"])),
  });
  const submitted = (fields: DataFormField[]): DataForm => ({ type: "submit", instructions: [], fields, items: [] });

  it("an invalid boolean is a DecodeError naming the field var", () => {
    const e = decodeError(() => kinds.parse(submitted([field({ var: "flag", values: ["yes"] })])));
    expect(e.field).toBe("flag");
    expect(e.message).toContain("'flag'");
  });

  it("an invalid integer is a DecodeError naming the field var", () => {
    const e = decodeError(() => kinds.parse(submitted([field({ var: "count", values: ["12x"] })])));
    expect(e.field).toBe("count");
    expect(e.message).toContain("'count'");
  });

  it("an invalid JID, a value outside a list, or several values for a single field are DecodeErrors", () => {
    expect(() => kinds.parse(submitted([field({ var: "who", values: ["a@b@c"] })]))).toThrow(DecodeError);
    expect(() => kinds.parse(submitted([field({ var: "pick", values: ["c"] })]))).toThrow(/'pick'/);
    expect(() => kinds.parse(submitted([field({ var: "count", values: ["1", "2"] })]))).toThrow(DecodeError);
  });

  it("invalid: 'ignore' leaves invalid fields unset", () => {
    const form = submitted([field({ var: "flag", values: ["yes"] }), field({ var: "count", values: ["3"] })]);
    expect(kinds.parse(form, { invalid: "ignore" })).toEqual({ count: 3 });
  });

  it("ignores unknown fields, reads the first of a repeated field, and rejects another FORM_TYPE", () => {
    const form = submitted([
      field({ var: "other", values: ["x"] }),
      field({ var: "count", values: ["1"] }),
      field({ var: "count", values: ["2"] }),
    ]);
    expect(kinds.parse(form)).toEqual({ count: 1 });
    expect(kinds.parse(submitted([field({ var: "FORM_TYPE", type: "hidden", values: ["urn:test"] })]))).toEqual({});
    const e = decodeError(() => kinds.parse(submitted([field({ var: "FORM_TYPE", type: "hidden", values: ["urn:other"] })])));
    expect(e.field).toBe("FORM_TYPE");
  });
});
