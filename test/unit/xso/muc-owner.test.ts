/**
 * Fixture tests for the XEP-0045 muc#owner codecs (`mucOwnerQuery`,
 * `mucOwnerDestroy`). The stanzas are the XEP-0045 (version 1.35.5) examples,
 * verbatim; the number in each test name is the example number in that version.
 */
import { describe, expect, it } from "vitest";
import type { DataFormField } from "../../../src/xso/data-form.js";
import { DecodeError } from "../../../src/xso/errors.js";
import { mucOwnerDestroy, mucOwnerQuery } from "../../../src/xso/muc-owner.js";
import { parseJid } from "../../../src/xso/values.js";
import {
  XEP0045_EXAMPLE_155,
  XEP0045_EXAMPLE_156,
  XEP0045_EXAMPLE_157,
  XEP0045_EXAMPLE_158,
  XEP0045_EXAMPLE_159,
  XEP0045_EXAMPLE_162,
  XEP0045_EXAMPLE_165,
  XEP0045_EXAMPLE_201,
  XEP0045_EXAMPLE_204,
} from "../../fixtures/xep-examples.js";
import { checkFixture } from "../../helpers/fixture.js";
import { parseXml } from "../../helpers/xml.js";

/** A decoded field: the given parts, with the defaults of absent lists and flags. */
function field(parts: Partial<DataFormField>): DataFormField {
  return { required: false, values: [], options: [], ...parts };
}

/** A submitted field: var and values only. */
const submitted = (name: string, ...values: string[]) => field({ var: name, values });

const FORM_TYPE = field({ type: "hidden", var: "FORM_TYPE", values: ["http://jabber.org/protocol/muc#roomconfig"] });
const ALLOW_PM_OPTIONS = [
  { label: "Anyone", value: "anyone" },
  { label: "Anyone with Voice", value: "participants" },
  { label: "Moderators Only", value: "moderators" },
  { label: "Nobody", value: "none" },
];
const MAX_USERS_OPTIONS = [
  { label: "10", value: "10" },
  { label: "20", value: "20" },
  { label: "30", value: "30" },
  { label: "50", value: "50" },
  { label: "100", value: "100" },
  { label: "None", value: "none" },
];
const ROLE_OPTIONS = [
  { label: "Moderator", value: "moderator" },
  { label: "Participant", value: "participant" },
  { label: "Visitor", value: "visitor" },
];
const WHOIS_OPTIONS = [
  { label: "Moderators Only", value: "moderators" },
  { label: "Anyone", value: "anyone" },
];
const ALL_ROLES = ["moderator", "participant", "visitor"];
const PASSWORD_NOTE = "\n          If a password is required to enter this room,\n          you must specify the password below.\n        ";
const ADMINS_NOTE =
  "\n          You may specify additional people who have\n          admin status in the room. Please\n          provide one Jabber ID per line.\n        ";
const OWNERS_NOTE = "\n          You may specify additional owners for this\n          room. Please provide one Jabber ID per line.\n        ";

const boolField = (label: string, name: string, value: string) => field({ label, type: "boolean", var: `muc#roomconfig_${name}`, values: [value] });

describe("mucOwnerQuery (XEP-0045 §10)", () => {
  it("Example 155: instant room (empty submission)", () => {
    checkFixture(mucOwnerQuery, XEP0045_EXAMPLE_155, { form: { type: "submit", instructions: [], fields: [], items: [] } });
  });

  it("Example 156: request for the configuration form (empty query)", () => {
    checkFixture(mucOwnerQuery, XEP0045_EXAMPLE_156, {});
  });

  it("Example 157: initial configuration form", () => {
    checkFixture(mucOwnerQuery, XEP0045_EXAMPLE_157, {
      form: {
        type: "form",
        title: 'Configuration for "coven" Room',
        instructions: [
          "\n          Your room coven@macbeth has been created!\n          The default configuration is as follows:\n" +
            "            - No logging\n            - No moderation\n            - Up to 20 occupants\n" +
            "            - No password required\n            - No invitation required\n" +
            "            - Room is not persistent\n            - Only admins may change the subject\n" +
            "            - Presence broadcasted for all users\n" +
            "          To accept the default configuration, click OK. To\n" +
            "          select a different configuration, please complete\n          this form.\n      ",
        ],
        fields: [
          FORM_TYPE,
          field({ label: "Natural-Language Room Name", type: "text-single", var: "muc#roomconfig_roomname" }),
          field({ label: "Short Description of Room", type: "text-single", var: "muc#roomconfig_roomdesc" }),
          field({ label: "Natural Language for Room Discussions", type: "text-single", var: "muc#roomconfig_lang" }),
          boolField("Enable Public Logging?", "enablelogging", "0"),
          boolField("Allow Occupants to Change Subject?", "changesubject", "0"),
          boolField("Allow Members to Invite Others?", "allowinvites", "0"),
          field({
            label: "Who Can Send Private Messages?",
            type: "list-single",
            var: "muc#roomconfig_allowpm",
            values: ["anyone"],
            options: ALLOW_PM_OPTIONS,
          }),
          field({
            label: "Maximum Number of Occupants",
            type: "list-single",
            var: "muc#roomconfig_maxusers",
            values: ["20"],
            options: MAX_USERS_OPTIONS,
          }),
          field({
            label: "Roles for which Presence is Broadcasted",
            type: "list-multi",
            var: "muc#roomconfig_presencebroadcast",
            values: ALL_ROLES,
            options: ROLE_OPTIONS,
          }),
          field({
            label: "Roles and Affiliations that May Retrieve Member List",
            type: "list-multi",
            var: "muc#roomconfig_getmemberlist",
            values: ALL_ROLES,
            options: ROLE_OPTIONS,
          }),
          boolField("Make Room Publicly Searchable?", "publicroom", "1"),
          boolField("Make Room Persistent?", "persistentroom", "0"),
          boolField("Make Room Moderated?", "moderatedroom", "0"),
          boolField("Make Room Members-Only?", "membersonly", "0"),
          boolField("Password Required to Enter?", "passwordprotectedroom", "0"),
          field({ type: "fixed", values: [PASSWORD_NOTE] }),
          field({ label: "Password", type: "text-private", var: "muc#roomconfig_roomsecret" }),
          field({ label: "Who May Discover Real JIDs?", type: "list-single", var: "muc#roomconfig_whois", options: WHOIS_OPTIONS }),
          field({
            label: "Maximum Number of History Messages Returned by Room",
            type: "text-single",
            var: "muc#maxhistoryfetch",
            values: ["50"],
          }),
          field({ type: "fixed", values: [ADMINS_NOTE] }),
          field({ label: "Room Admins", type: "jid-multi", var: "muc#roomconfig_roomadmins" }),
          field({ type: "fixed", values: [OWNERS_NOTE] }),
          field({ label: "Room Owners", type: "jid-multi", var: "muc#roomconfig_roomowners" }),
        ],
        items: [],
      },
    });
  });

  it("Example 158: no configuration possible (empty query)", () => {
    checkFixture(mucOwnerQuery, XEP0045_EXAMPLE_158, {});
  });

  it("Example 159: configuration submission", () => {
    checkFixture(mucOwnerQuery, XEP0045_EXAMPLE_159, {
      form: {
        type: "submit",
        instructions: [],
        fields: [
          submitted("FORM_TYPE", "http://jabber.org/protocol/muc#roomconfig"),
          submitted("muc#roomconfig_roomname", "A Dark Cave"),
          submitted("muc#roomconfig_roomdesc", "The place for all good witches!"),
          submitted("muc#roomconfig_enablelogging", "0"),
          submitted("muc#roomconfig_changesubject", "1"),
          submitted("muc#roomconfig_allowinvites", "0"),
          submitted("muc#roomconfig_allowpm", "anyone"),
          submitted("muc#roomconfig_maxusers", "10"),
          submitted("muc#roomconfig_publicroom", "0"),
          submitted("muc#roomconfig_persistentroom", "0"),
          submitted("muc#roomconfig_moderatedroom", "0"),
          submitted("muc#roomconfig_membersonly", "0"),
          submitted("muc#roomconfig_passwordprotectedroom", "1"),
          submitted("muc#roomconfig_roomsecret", "cauldronburn"),
          submitted("muc#roomconfig_whois", "moderators"),
          submitted("muc#maxhistoryfetch", "50"),
          submitted("muc#roomconfig_roomadmins", "wiccarocks@shakespeare.lit", "hecate@shakespeare.lit"),
        ],
        items: [],
      },
    });
  });

  it("Example 162: configuration cancelled", () => {
    checkFixture(mucOwnerQuery, XEP0045_EXAMPLE_162, { form: { type: "cancel", instructions: [], fields: [], items: [] } });
  });

  it("Example 165: subsequent configuration form", () => {
    const value = checkFixture(mucOwnerQuery, XEP0045_EXAMPLE_165, {
      form: {
        type: "form",
        title: 'Configuration for "coven" Room',
        instructions: ["\n        Complete this form to modify the\n        configuration of your room.\n      "],
        fields: [
          FORM_TYPE,
          field({ label: "Natural-Language Room Name", type: "text-single", var: "muc#roomconfig_roomname", values: ["A Dark Cave"] }),
          field({
            label: "Short Description of Room",
            type: "text-single",
            var: "muc#roomconfig_roomdesc",
            values: ["The place for all good witches!"],
          }),
          boolField("Enable Public Logging?", "enablelogging", "0"),
          boolField("Allow Occupants to Change Subject?", "changesubject", "0"),
          boolField("Allow Members to Invite Others?", "allowinvites", "0"),
          field({
            label: "Who Can Send Private Messages?",
            type: "list-single",
            var: "muc#roomconfig_allowpm",
            values: ["anyone"],
            options: ALLOW_PM_OPTIONS,
          }),
          field({
            label: "Maximum Number of Occupants",
            type: "list-single",
            var: "muc#roomconfig_maxusers",
            values: ["10"],
            options: MAX_USERS_OPTIONS,
          }),
          field({
            label: "Roles for which Presence is Broadcasted",
            type: "list-multi",
            var: "muc#roomconfig_presencebroadcast",
            values: ALL_ROLES,
            options: ROLE_OPTIONS,
          }),
          field({
            label: "Roles and Affiliations that May Retrieve Member List",
            type: "list-multi",
            var: "muc#roomconfig_getmemberlist",
            values: ALL_ROLES,
            options: ROLE_OPTIONS,
          }),
          boolField("Make Room Publicly Searchable?", "publicroom", "0"),
          boolField("Make Room Persistent?", "persistentroom", "0"),
          boolField("Make Room Moderated?", "moderatedroom", "0"),
          boolField("Make Room Members Only?", "membersonly", "0"),
          boolField("Password Required for Entry?", "passwordprotectedroom", "1"),
          field({ type: "fixed", values: [PASSWORD_NOTE] }),
          field({ label: "Password", type: "text-private", var: "muc#roomconfig_roomsecret", values: ["cauldronburn"] }),
          field({
            label: "Who May Discover Real JIDs?",
            type: "list-single",
            var: "muc#roomconfig_whois",
            values: ["moderators"],
            options: WHOIS_OPTIONS,
          }),
          field({
            label: "Maximum Number of History Messages Returned by Room",
            type: "text-single",
            var: "muc#maxhistoryfetch",
            values: ["50"],
          }),
          field({ type: "fixed", values: [ADMINS_NOTE] }),
          field({
            label: "Room Admins",
            type: "jid-multi",
            var: "muc#roomconfig_roomadmins",
            values: ["wiccarocks@shakespeare.lit", "hecate@shakespeare.lit"],
          }),
          field({ type: "fixed", values: [OWNERS_NOTE] }),
          field({ label: "Room Owners", type: "jid-multi", var: "muc#roomconfig_roomowners" }),
        ],
        items: [],
      },
    });
    expect(value.destroy).toBeUndefined();
  });

  it("Example 201: destroy request with an alternate venue and a reason", () => {
    checkFixture(mucOwnerQuery, XEP0045_EXAMPLE_201, {
      destroy: { jid: parseJid("coven@chat.shakespeare.lit"), reason: "Macbeth doth come." },
    });
  });

  it("Example 204: the destroy request echoed in an error", () => {
    checkFixture(mucOwnerQuery, XEP0045_EXAMPLE_204, {
      destroy: { jid: parseJid("coven@chat.shakespeare.lit"), reason: "Macbeth doth come." },
    });
  });

  it("destroy with a password for the alternate venue, and with nothing at all", () => {
    checkFixture(
      mucOwnerDestroy,
      `<destroy xmlns='http://jabber.org/protocol/muc#owner' jid='coven@chat.shakespeare.lit'><password>cauldronburn</password></destroy>`,
      { jid: parseJid("coven@chat.shakespeare.lit"), password: "cauldronburn" },
    );
    checkFixture(mucOwnerDestroy, `<destroy xmlns='http://jabber.org/protocol/muc#owner'/>`, {});
  });
});

describe("mucOwnerQuery errors", () => {
  it("rejects an invalid alternate venue JID", () => {
    const xml = `<query xmlns='http://jabber.org/protocol/muc#owner'><destroy jid='a@b@c'/></query>`;
    expect(() => mucOwnerQuery.decode(parseXml(xml))).toThrow(DecodeError);
  });

  it("rejects a malformed form", () => {
    const xml = `<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='maybe'/></query>`;
    expect(() => mucOwnerQuery.decode(parseXml(xml))).toThrow(DecodeError);
  });

  it("does not take a muc#user <destroy/> for a muc#owner one", () => {
    const xml = `<query xmlns='http://jabber.org/protocol/muc#owner'><destroy xmlns='http://jabber.org/protocol/muc#user' jid='a@b'/></query>`;
    expect(mucOwnerQuery.decode(parseXml(xml)).destroy).toBeUndefined();
  });
});
