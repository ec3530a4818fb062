/**
 * Tests for the typed XEP-0045 forms (`roomConfigSchema`, `roomInfoSchema`,
 * `roomRegisterSchema`, `voiceRequestSchema`). The stanzas are the XEP-0045
 * (version 1.35.5) examples, verbatim; the number in each test name is the
 * example number in that version.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import type { JID } from "@xmpp/jid";
import { dataForm, type DataForm, type DataFormField } from "../../../src/xso/data-form.js";
import { DecodeError, isDecodeError } from "../../../src/xso/errors.js";
import {
  roomConfigSchema,
  roomInfoSchema,
  roomRegisterSchema,
  voiceRequestSchema,
  type RoomConfig,
  type RoomInfo,
  type RoomRegistration,
  type VoiceRequest,
} from "../../../src/xso/muc-forms.js";
import { NS } from "../../../src/xso/ns.js";
import { parseJid } from "../../../src/xso/values.js";
import {
  XEP0045_EXAMPLE_10,
  XEP0045_EXAMPLE_70,
  XEP0045_EXAMPLE_108,
  XEP0045_EXAMPLE_151,
  XEP0045_EXAMPLE_155,
  XEP0045_EXAMPLE_157,
  XEP0045_EXAMPLE_159,
  XEP0045_EXAMPLE_165,
} from "../../fixtures/xep-examples.js";
import { checkFixture } from "../../helpers/fixture.js";
import { canonical, parseXml } from "../../helpers/xml.js";

const jid = parseJid;

/** A decoded field: the given parts, with the defaults of absent lists and flags. */
function field(parts: Partial<DataFormField>): DataFormField {
  return { required: false, values: [], options: [], ...parts };
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

/** The canonical XML of the first data form of an example. */
function formXmlOf(xml: string): string {
  const queue = [parseXml(xml)];
  for (let el = queue.shift(); el !== undefined; el = queue.shift()) {
    if (dataForm.matches(el)) return canonical(el);
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

const submitted = (fields: DataFormField[]): DataForm => ({ type: "submit", instructions: [], fields, items: [] });

describe("roomConfigSchema (muc#roomconfig)", () => {
  it("has the typed record the brief describes", () => {
    expectTypeOf<RoomConfig["whois"]>().toEqualTypeOf<"moderators" | "anyone" | undefined>();
    expectTypeOf<RoomConfig["allowPm"]>().toEqualTypeOf<"anyone" | "participants" | "moderators" | "none" | undefined>();
    expectTypeOf<RoomConfig["maxUsers"]>().toEqualTypeOf<number | "none" | undefined>();
    expectTypeOf<RoomConfig["persistent"]>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<RoomConfig["roomAdmins"]>().toEqualTypeOf<JID[] | undefined>();
    expectTypeOf<RoomConfig["presenceBroadcast"]>().toEqualTypeOf<("moderator" | "participant" | "visitor")[] | undefined>();
    expectTypeOf<RoomConfig["getMemberList"]>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<RoomConfig["roomName"]>().toEqualTypeOf<string | undefined>();
    expect(roomConfigSchema.formType).toBe(NS.MUC_ROOMCONFIG);
  });

  it("Example 157: parses the initial configuration form", () => {
    const config = roomConfigSchema.parse(formOf(XEP0045_EXAMPLE_157));
    expect(config).toEqual({
      enableLogging: false,
      changeSubject: false,
      allowInvites: false,
      allowPm: "anyone",
      maxUsers: 20,
      presenceBroadcast: ["moderator", "participant", "visitor"],
      getMemberList: ["moderator", "participant", "visitor"],
      public: true,
      persistent: false,
      moderated: false,
      membersOnly: false,
      passwordProtected: false,
      maxHistoryFetch: 50,
      roomAdmins: [],
      roomOwners: [],
    } satisfies RoomConfig);
  });

  it("Example 165: parses the subsequent configuration form", () => {
    const config = roomConfigSchema.parse(formOf(XEP0045_EXAMPLE_165));
    expect(config).toEqual({
      roomName: "A Dark Cave",
      description: "The place for all good witches!",
      enableLogging: false,
      changeSubject: false,
      allowInvites: false,
      allowPm: "anyone",
      maxUsers: 10,
      presenceBroadcast: ["moderator", "participant", "visitor"],
      getMemberList: ["moderator", "participant", "visitor"],
      public: false,
      persistent: false,
      moderated: false,
      membersOnly: false,
      passwordProtected: true,
      password: "cauldronburn",
      whois: "moderators",
      maxHistoryFetch: 50,
      roomAdmins: [jid("wiccarocks@shakespeare.lit"), jid("hecate@shakespeare.lit")],
      roomOwners: [],
    } satisfies RoomConfig);
  });

  const submission: RoomConfig = {
    roomName: "A Dark Cave",
    description: "The place for all good witches!",
    enableLogging: false,
    changeSubject: true,
    allowInvites: false,
    allowPm: "anyone",
    maxUsers: 10,
    public: false,
    persistent: false,
    moderated: false,
    membersOnly: false,
    passwordProtected: true,
    password: "cauldronburn",
    whois: "moderators",
    maxHistoryFetch: 50,
    roomAdmins: [jid("wiccarocks@shakespeare.lit"), jid("hecate@shakespeare.lit")],
  };

  it("Example 159: parses the configuration submission (untyped FORM_TYPE field)", () => {
    expect(roomConfigSchema.parse(formOf(XEP0045_EXAMPLE_159))).toEqual(submission);
  });

  it("Example 159: toSubmit writes the example's XML (with the FORM_TYPE field marked hidden)", () => {
    const el = dataForm.encode(roomConfigSchema.toSubmit(submission));
    const expected = XEP0045_EXAMPLE_159.replace("<field var='FORM_TYPE'>", "<field var='FORM_TYPE' type='hidden'>");
    expect(expected).not.toBe(XEP0045_EXAMPLE_159);
    expect(canonical(el)).toBe(formXmlOf(expected));
  });

  it("Example 155: an empty record is not the instant-room form (that has no FORM_TYPE)", () => {
    expect(roomConfigSchema.toSubmit({}).fields.map((f) => f.var)).toEqual(["FORM_TYPE"]);
    expect(roomConfigSchema.parse(formOf(XEP0045_EXAMPLE_155))).toEqual({});
  });

  it("reads maxusers 'none' as no limit and writes it back", () => {
    const form = submitted([field({ var: "muc#roomconfig_maxusers", values: ["none"] })]);
    expect(roomConfigSchema.parse(form)).toEqual({ maxUsers: "none" });
    expect(roomConfigSchema.toSubmit({ maxUsers: "none" }).fields[1]).toEqual(field({ var: "muc#roomconfig_maxusers", values: ["none"] }));
  });

  it("an invalid boolean is a DecodeError naming the field var", () => {
    const e = decodeError(() => roomConfigSchema.parse(submitted([field({ var: "muc#roomconfig_persistentroom", values: ["yes"] })])));
    expect(e.field).toBe("muc#roomconfig_persistentroom");
    expect(e.message).toContain("muc#roomconfig_persistentroom");
  });

  it("an invalid integer is a DecodeError naming the field var", () => {
    const e = decodeError(() => roomConfigSchema.parse(submitted([field({ var: "muc#maxhistoryfetch", values: ["fifty"] })])));
    expect(e.field).toBe("muc#maxhistoryfetch");
    expect(e.message).toContain("muc#maxhistoryfetch");
    expect(() => roomConfigSchema.parse(submitted([field({ var: "muc#roomconfig_maxusers", values: ["lots"] })]))).toThrow(
      /muc#roomconfig_maxusers/,
    );
  });

  it("a value outside a closed list, or an invalid JID, is a DecodeError naming the field var", () => {
    // 'none' is the deprecated fully-anonymous whois value (§10.1.3).
    expect(() => roomConfigSchema.parse(submitted([field({ var: "muc#roomconfig_whois", values: ["none"] })]))).toThrow(
      /muc#roomconfig_whois/,
    );
    expect(() => roomConfigSchema.parse(submitted([field({ var: "muc#roomconfig_roomowners", values: ["a@b@c"] })]))).toThrow(
      DecodeError,
    );
  });

  it("invalid: 'ignore' keeps the valid fields", () => {
    const form = submitted([
      field({ var: "muc#roomconfig_whois", values: ["none"] }),
      field({ var: "muc#roomconfig_membersonly", values: ["true"] }),
    ]);
    expect(roomConfigSchema.parse(form, { invalid: "ignore" })).toEqual({ membersOnly: true });
  });

  it("rejects a form of another FORM_TYPE", () => {
    const e = decodeError(() => roomConfigSchema.parse(formOf(XEP0045_EXAMPLE_10)));
    expect(e.field).toBe("FORM_TYPE");
  });

  it("toForm writes a configuration form with types, labels and options", () => {
    const form = roomConfigSchema.toForm({ whois: "anyone", maxUsers: 20 }, { title: "Configuration", keys: ["roomName", "whois", "maxUsers"] });
    // Fields come in declaration order, whatever the order of `keys`.
    expect(form.type).toBe("form");
    expect(form.fields).toEqual([
      field({ var: "FORM_TYPE", type: "hidden", values: [NS.MUC_ROOMCONFIG] }),
      field({ var: "muc#roomconfig_roomname", type: "text-single", label: "Natural-Language Room Name" }),
      field({ var: "muc#roomconfig_maxusers", type: "list-single", label: "Maximum Number of Room Occupants", values: ["20"] }),
      field({
        var: "muc#roomconfig_whois",
        type: "list-single",
        label: "Affiliations that May Discover Real JIDs of Occupants",
        values: ["anyone"],
        options: [
          { label: "Moderators Only", value: "moderators" },
          { label: "Anyone", value: "anyone" },
        ],
      }),
    ]);
    // What toForm writes, parse reads back.
    expect(roomConfigSchema.parse(dataForm.decode(parseXml(dataForm.encode(form).toString())))).toEqual({ whois: "anyone", maxUsers: 20 });
  });
});

describe("roomInfoSchema (muc#roominfo)", () => {

  it("Example 10: the extended disco#info form decodes (untyped fields)", () => {
    const labelled = (v: string, label: string, value: string) => field({ var: v, label, values: [value] });
    checkFixture(dataForm, XEP0045_EXAMPLE_10, {
      type: "result",
      instructions: [],
      fields: [
        field({ var: "FORM_TYPE", type: "hidden", values: [NS.MUC_ROOMINFO] }),
        labelled("muc#roominfo_description", "Description", "The place for all good witches!"),
        labelled("muc#roominfo_contactjid", "Contact Addresses", "crone1@shakespeare.lit"),
        labelled("muc#roominfo_subject", "Current Discussion Topic", "Spells"),
        labelled("muc#roomconfig_changesubject", "Subject can be modified", "true"),
        labelled("muc#roominfo_occupants", "Number of occupants", "3"),
        labelled("muc#roominfo_ldapgroup", "Associated LDAP Group", "cn=witches,dc=shakespeare,dc=lit"),
        labelled("muc#roominfo_lang", "Language of discussion", "en"),
        labelled("muc#roominfo_logs", "URL for discussion logs", "http://www.shakespeare.lit/chatlogs/coven/"),
        labelled("muc#maxhistoryfetch", "Maximum Number of History Messages Returned by Room", "50"),
        labelled("muc#roomconfig_pubsub", "Associated pubsub node", "xmpp:pubsub.shakespeare.lit?;node=the-coven-node"),
      ],
      items: [],
    });
  });

  it("Example 10: parses the room information", () => {
    expect(roomInfoSchema.parse(formOf(XEP0045_EXAMPLE_10))).toEqual({
      description: "The place for all good witches!",
      contactJids: [jid("crone1@shakespeare.lit")],
      subject: "Spells",
      changeSubject: true,
      occupants: 3,
      ldapGroup: "cn=witches,dc=shakespeare,dc=lit",
      lang: "en",
      logs: "http://www.shakespeare.lit/chatlogs/coven/",
      maxHistoryFetch: 50,
      pubsub: "xmpp:pubsub.shakespeare.lit?;node=the-coven-node",
    } satisfies RoomInfo);
  });

  it("toResult writes a result form that parses back", () => {
    const info: RoomInfo = { description: "The place for all good witches!", occupants: 3, subjectMod: false, contactJids: [jid("crone1@shakespeare.lit")] };
    const form = roomInfoSchema.toResult(info);
    expect(form.type).toBe("result");
    expect(form.fields.find((f) => f.var === "muc#roominfo_occupants")).toEqual(
      field({ var: "muc#roominfo_occupants", type: "text-single", label: "Current Number of Occupants in Room", values: ["3"] }),
    );
    expect(roomInfoSchema.parse(dataForm.decode(parseXml(dataForm.encode(form).toString())))).toEqual(info);
  });

  it("an invalid occupant count is a DecodeError naming the field var", () => {
    const e = decodeError(() => roomInfoSchema.parse(submitted([field({ var: "muc#roominfo_occupants", values: ["-3"] })])));
    expect(e.field).toBe("muc#roominfo_occupants");
  });
});

describe("roomRegisterSchema (muc#register)", () => {

  const EXAMPLE_71 = `<iq from='hag66@shakespeare.lit/pda'
    id='nv71va54'
    to='coven@chat.shakespeare.lit'
    type='set'>
  <query xmlns='jabber:iq:register'>
    <x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE'>
        <value>http://jabber.org/protocol/muc#register</value>
      </field>
      <field var='muc#register_first'>
        <value>Brunhilde</value>
      </field>
      <field var='muc#register_last'>
        <value>Entwhistle-Throckmorton</value>
      </field>
      <field var='muc#register_roomnick'>
        <value>thirdwitch</value>
      </field>
      <field var='muc#register_url'>
        <value>http://witchesonline/~hag66/</value>
      </field>
      <field var='muc#register_email'>
        <value>hag66@witchesonline</value>
      </field>
      <field var='muc#register_faqentry'>
        <value>Just another witch.</value>
      </field>
    </x>
  </query>
</iq>`;

  it("Example 70: the registration form decodes, and has no values yet", () => {
    const required = (v: string, label: string) => field({ label, type: "text-single", var: v, required: true });
    checkFixture(dataForm, XEP0045_EXAMPLE_70, {
      type: "form",
      title: "Dark Cave Registration",
      instructions: ["\n        Please provide the following information\n        to register with this room.\n      "],
      fields: [
        field({ type: "hidden", var: "FORM_TYPE", values: [NS.MUC_REGISTER] }),
        required("muc#register_first", "Given Name"),
        required("muc#register_last", "Family Name"),
        required("muc#register_roomnick", "Desired Nickname"),
        field({ label: "Your URL", type: "text-single", var: "muc#register_url" }),
        field({ label: "Email Address", type: "text-single", var: "muc#register_email" }),
        field({ label: "FAQ Entry", type: "text-multi", var: "muc#register_faqentry" }),
      ],
      items: [],
    });
    expect(roomRegisterSchema.parse(formOf(XEP0045_EXAMPLE_70))).toEqual({});
  });

  const registration: RoomRegistration = {
    first: "Brunhilde",
    last: "Entwhistle-Throckmorton",
    roomNick: "thirdwitch",
    url: "http://witchesonline/~hag66/",
    email: "hag66@witchesonline",
    faqEntry: "Just another witch.",
  };

  it("Example 71: parses the registration submission", () => {
    expect(roomRegisterSchema.parse(formOf(EXAMPLE_71))).toEqual(registration);
  });

  it("Example 71: toSubmit writes the example's XML (with the FORM_TYPE field marked hidden)", () => {
    const expected = EXAMPLE_71.replace("<field var='FORM_TYPE'>", "<field var='FORM_TYPE' type='hidden'>");
    expect(canonical(dataForm.encode(roomRegisterSchema.toSubmit(registration)))).toBe(formXmlOf(expected));
  });

  it("Example 151: parses the registration approval form", () => {
    expect(roomRegisterSchema.parse(formOf(XEP0045_EXAMPLE_151))).toEqual({ ...registration, allow: false });
  });
});

describe("voiceRequestSchema (muc#request)", () => {
  const EXAMPLE_79 = `<message from='hag66@shakespeare.lit/pda'
         id='yd53c486'
         to='coven@chat.shakespeare.lit'>
  <x xmlns='jabber:x:data' type='submit'>
    <field var='FORM_TYPE'>
      <value>http://jabber.org/protocol/muc#request</value>
    </field>
    <field var='muc#role'
           type='list-single'
           label='Requested role'>
      <value>participant</value>
    </field>
  </x>
</message>`;

  it("has the typed record", () => {
    expectTypeOf<VoiceRequest>().toEqualTypeOf<{
      role?: "moderator" | "participant" | "visitor" | "none";
      jid?: JID;
      roomNick?: string;
      allow?: boolean;
    }>();
  });

  it("Example 79: the voice request decodes and parses", () => {
    checkFixture(dataForm, EXAMPLE_79, {
      type: "submit",
      instructions: [],
      fields: [
        field({ var: "FORM_TYPE", values: [NS.MUC_REQUEST] }),
        field({ var: "muc#role", type: "list-single", label: "Requested role", values: ["participant"] }),
      ],
      items: [],
    });
    expect(voiceRequestSchema.parse(formOf(EXAMPLE_79))).toEqual({ role: "participant" });
  });

  it("Example 108: parses the voice request approval form", () => {
    expect(voiceRequestSchema.parse(formOf(XEP0045_EXAMPLE_108))).toEqual({
      role: "participant",
      jid: jid("hag66@shakespeare.lit/pda"),
      roomNick: "thirdwitch",
      allow: false,
    });
  });

  it("Example 109: parses the approval submission; toSubmit writes the boolean as 1", () => {
    const approval = voiceRequestSchema.parse(formOf(`<message from='crone1@shakespeare.lit/pda'
         id='approve'
         to='coven@chat.shakespeare.lit'>
  <x xmlns='jabber:x:data' type='submit'>
    <field var='FORM_TYPE' type='hidden'>
        <value>http://jabber.org/protocol/muc#request</value>
    </field>
    <field var='muc#role'>
      <value>participant</value>
    </field>
    <field var='muc#jid'>
      <value>hag66@shakespeare.lit/pda</value>
    </field>
    <field var='muc#roomnick'>
      <value>thirdwitch</value>
    </field>
    <field var='muc#request_allow'>
      <value>true</value>
    </field>
  </x>
</message>`));
    expect(approval).toEqual({ role: "participant", jid: jid("hag66@shakespeare.lit/pda"), roomNick: "thirdwitch", allow: true });
    const fields = voiceRequestSchema.toSubmit(approval).fields;
    expect(fields.map((f) => [f.var, f.values])).toEqual([
      ["FORM_TYPE", [NS.MUC_REQUEST]],
      ["muc#role", ["participant"]],
      ["muc#jid", ["hag66@shakespeare.lit/pda"]],
      ["muc#roomnick", ["thirdwitch"]],
      ["muc#request_allow", ["1"]],
    ]);
  });

  it("an unknown role is a DecodeError naming the field var", () => {
    const e = decodeError(() => voiceRequestSchema.parse(submitted([field({ var: "muc#role", values: ["king"] })])));
    expect(e.field).toBe("muc#role");
  });
});
