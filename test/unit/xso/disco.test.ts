/**
 * Fixture tests for the XEP-0030 service discovery codecs (`discoInfoQuery`,
 * `discoIdentity`, `discoFeature`, `discoItemsQuery`, `discoItem`). The
 * stanzas are examples of XEP-0045 (version 1.35.5), XEP-0030, XEP-0128 and
 * XEP-0059, verbatim; the number in each test name is the example number in
 * that document.
 */
import { describe, expect, it } from "vitest";
import { discoFeature, discoIdentity, discoInfoQuery, discoItem, discoItemsQuery } from "../../../src/xso/disco.js";
import type { DataFormField } from "../../../src/xso/data-form.js";
import { DecodeError, isDecodeError } from "../../../src/xso/errors.js";
import { roomInfoSchema } from "../../../src/xso/muc-forms.js";
import { parseJid } from "../../../src/xso/values.js";
import {
  XEP0045_EXAMPLE_5,
  XEP0045_EXAMPLE_6,
  XEP0045_EXAMPLE_7,
  XEP0045_EXAMPLE_10,
  XEP0059_EXAMPLE_17,
  XEP0059_EXAMPLE_19,
} from "../../fixtures/xep-examples.js";
import { checkFixture } from "../../helpers/fixture.js";
import { canonical, parseXml } from "../../helpers/xml.js";

const jid = parseJid;

/** A decoded field: the given parts, with the defaults of absent lists and flags. */
function field(parts: Partial<DataFormField>): DataFormField {
  return { required: false, values: [], options: [], ...parts };
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

const MUC_FEATURES = [
  "http://jabber.org/protocol/muc",
  "muc_passwordprotected",
  "muc_hidden",
  "muc_temporary",
  "muc_open",
  "muc_unmoderated",
  "muc_nonanonymous",
];

describe("discoInfoQuery (XEP-0045 §6)", () => {
  it("Example 3: a disco#info request (empty query)", () => {
    checkFixture(
      discoInfoQuery,
      `<iq from='hag66@shakespeare.lit/pda'
    id='lx09df27'
    to='chat.shakespeare.lit'
    type='get'>
  <query xmlns='http://jabber.org/protocol/disco#info'/>
</iq>`,
      { identities: [], features: [], forms: [] },
    );
  });

  it("Example 4: a MUC service's identity and feature", () => {
    checkFixture(
      discoInfoQuery,
      `<iq from='chat.shakespeare.lit'
    id='lx09df27'
    to='hag66@shakespeare.lit/pda'
    type='result'>
  <query xmlns='http://jabber.org/protocol/disco#info'>
    <identity
        category='conference'
        name='Shakespearean Chat Service'
        type='text'/>
    <feature var='http://jabber.org/protocol/muc'/>
  </query>
</iq>`,
      {
        identities: [{ category: "conference", type: "text", name: "Shakespearean Chat Service" }],
        features: ["http://jabber.org/protocol/muc"],
        forms: [],
      },
    );
  });

  it("Example 9: a room's features", () => {
    checkFixture(
      discoInfoQuery,
      `<iq from='coven@chat.shakespeare.lit'
    id='ik3vs715'
    to='hag66@shakespeare.lit/pda'
    type='result'>
  <query xmlns='http://jabber.org/protocol/disco#info'>
    <identity
        category='conference'
        name='A Dark Cave'
        type='text'/>
    <feature var='http://jabber.org/protocol/muc'/>
    <feature var='http://jabber.org/protocol/muc#stable_id'/>
    <feature var='muc_passwordprotected'/>
    <feature var='muc_hidden'/>
    <feature var='muc_temporary'/>
    <feature var='muc_open'/>
    <feature var='muc_unmoderated'/>
    <feature var='muc_nonanonymous'/>
  </query>
</iq>`,
      {
        identities: [{ category: "conference", type: "text", name: "A Dark Cave" }],
        features: [
          "http://jabber.org/protocol/muc",
          "http://jabber.org/protocol/muc#stable_id",
          "muc_passwordprotected",
          "muc_hidden",
          "muc_temporary",
          "muc_open",
          "muc_unmoderated",
          "muc_nonanonymous",
        ],
        forms: [],
      },
    );
  });

  it("Example 10: extended room information (muc#roominfo form)", () => {
    const value = checkFixture(
      discoInfoQuery,
      XEP0045_EXAMPLE_10,
      {
        identities: [{ category: "conference", type: "text", name: "A Dark Cave" }],
        features: MUC_FEATURES,
        forms: [
          {
            type: "result",
            instructions: [],
            items: [],
            fields: [
              field({ var: "FORM_TYPE", type: "hidden", values: ["http://jabber.org/protocol/muc#roominfo"] }),
              field({ var: "muc#roominfo_description", label: "Description", values: ["The place for all good witches!"] }),
              field({ var: "muc#roominfo_contactjid", label: "Contact Addresses", values: ["crone1@shakespeare.lit"] }),
              field({ var: "muc#roominfo_subject", label: "Current Discussion Topic", values: ["Spells"] }),
              field({ var: "muc#roomconfig_changesubject", label: "Subject can be modified", values: ["true"] }),
              field({ var: "muc#roominfo_occupants", label: "Number of occupants", values: ["3"] }),
              field({ var: "muc#roominfo_ldapgroup", label: "Associated LDAP Group", values: ["cn=witches,dc=shakespeare,dc=lit"] }),
              field({ var: "muc#roominfo_lang", label: "Language of discussion", values: ["en"] }),
              field({ var: "muc#roominfo_logs", label: "URL for discussion logs", values: ["http://www.shakespeare.lit/chatlogs/coven/"] }),
              field({ var: "muc#maxhistoryfetch", label: "Maximum Number of History Messages Returned by Room", values: ["50"] }),
              field({ var: "muc#roomconfig_pubsub", label: "Associated pubsub node", values: ["xmpp:pubsub.shakespeare.lit?;node=the-coven-node"] }),
            ],
          },
        ],
      },
    );
    // The extension form reads as typed room information.
    const info = roomInfoSchema.parse(value.forms[0]!);
    expect(info.subject).toBe("Spells");
    expect(info.occupants).toBe(3);
    expect(info.changeSubject).toBe(true);
    expect(info.contactJids?.map(String)).toEqual(["crone1@shakespeare.lit"]);
  });
});

describe("discoInfoQuery (XEP-0030 §3)", () => {
  it("Example 2: several identities and features", () => {
    checkFixture(
      discoInfoQuery,
      `<iq type='result'
    from='plays.shakespeare.lit'
    to='romeo@montague.net/orchard'
    id='info1'>
  <query xmlns='http://jabber.org/protocol/disco#info'>
    <identity
        category='conference'
        type='text'
        name='Play-Specific Chatrooms'/>
    <identity
        category='directory'
        type='chatroom'
        name='Play-Specific Chatrooms'/>
    <feature var='http://jabber.org/protocol/disco#info'/>
    <feature var='http://jabber.org/protocol/disco#items'/>
    <feature var='http://jabber.org/protocol/muc'/>
    <feature var='jabber:iq:register'/>
    <feature var='jabber:iq:search'/>
    <feature var='jabber:iq:time'/>
    <feature var='jabber:iq:version'/>
  </query>
</iq>`,
      {
        identities: [
          { category: "conference", type: "text", name: "Play-Specific Chatrooms" },
          { category: "directory", type: "chatroom", name: "Play-Specific Chatrooms" },
        ],
        features: [
          "http://jabber.org/protocol/disco#info",
          "http://jabber.org/protocol/disco#items",
          "http://jabber.org/protocol/muc",
          "jabber:iq:register",
          "jabber:iq:search",
          "jabber:iq:time",
          "jabber:iq:version",
        ],
        forms: [],
      },
    );
  });

  it("Example 6: an identity without a name", () => {
    checkFixture(
      discoInfoQuery,
      `<iq type='result'
    from='juliet@capulet.com'
    to='shakespeare.lit'
    id='info2'>
  <query xmlns='http://jabber.org/protocol/disco#info'>
    <identity category='account' type='registered'/>
    <feature var='http://jabber.org/protocol/disco#info'/>
  </query>
</iq>`,
      { identities: [{ category: "account", type: "registered" }], features: ["http://jabber.org/protocol/disco#info"], forms: [] },
    );
  });

  it("Example 9: a request for a node", () => {
    checkFixture(
      discoInfoQuery,
      `<iq type='get'
    from='romeo@montague.net/orchard'
    to='mim.shakespeare.lit'
    id='info3'>
  <query xmlns='http://jabber.org/protocol/disco#info'
         node='http://jabber.org/protocol/commands'/>
</iq>`,
      { node: "http://jabber.org/protocol/commands", identities: [], features: [], forms: [] },
    );
  });

  it("Example 10: the JID+node result", () => {
    checkFixture(
      discoInfoQuery,
      `<iq type='result'
    from='mim.shakespeare.lit'
    to='romeo@montague.net/orchard'
    id='info3'>
  <query xmlns='http://jabber.org/protocol/disco#info'
         node='http://jabber.org/protocol/commands'>
    <identity
        category='automation'
        type='command-list'/>
    <feature var='http://jabber.org/protocol/disco#info'/>
  </query>
</iq>`,
      {
        node: "http://jabber.org/protocol/commands",
        identities: [{ category: "automation", type: "command-list" }],
        features: ["http://jabber.org/protocol/disco#info"],
        forms: [],
      },
    );
  });

  it("§3.1: localized identities (xml:lang)", () => {
    // §3.1 allows several identities of one category+type that differ in xml:lang.
    checkFixture(
      discoInfoQuery,
      `<query xmlns='http://jabber.org/protocol/disco#info'>
  <identity category='conference' type='text' name='A Dark Cave' xml:lang='en'/>
  <identity category='conference' type='text' name='Une grotte sombre' xml:lang='fr'/>
  <feature var='http://jabber.org/protocol/muc'/>
</query>`,
      {
        identities: [
          { category: "conference", type: "text", name: "A Dark Cave", lang: "en" },
          { category: "conference", type: "text", name: "Une grotte sombre", lang: "fr" },
        ],
        features: ["http://jabber.org/protocol/muc"],
        forms: [],
      },
    );
  });
});

describe("discoInfoQuery (XEP-0128 extended information)", () => {
  it("Example 1: a server's extension form with a multi-valued field", () => {
    checkFixture(
      discoInfoQuery,
      `<iq type='result'
    from='shakespeare.lit'
    to='capulet.com'
    id='disco1'>
  <query xmlns='http://jabber.org/protocol/disco#info'>
    <identity
        category='server'
        type='im'
        name='shakespeare.lit jabber server'/>
    <feature var='jabber:iq:register'/>
    <x xmlns='jabber:x:data' type='result'>
      <field var='FORM_TYPE' type='hidden'>
        <value>http://jabber.org/network/serverinfo</value>
      </field>
      <field var='c2s_port'>
        <value>5222</value>
      </field>
      <field var='c2s_port_ssl'>
        <value>5223</value>
      </field>
      <field var='http_access'>
        <value>http://shakespeare.lit/jabber</value>
      </field>
      <field var='ip_version'>
        <value>ipv4</value>
        <value>ipv6</value>
      </field>
      <field var='info_url'>
        <value>http://shakespeare.lit/support.php</value>
      </field>
    </x>
  </query>
</iq>`,
      {
        identities: [{ category: "server", type: "im", name: "shakespeare.lit jabber server" }],
        features: ["jabber:iq:register"],
        forms: [
          {
            type: "result",
            instructions: [],
            items: [],
            fields: [
              field({ var: "FORM_TYPE", type: "hidden", values: ["http://jabber.org/network/serverinfo"] }),
              field({ var: "c2s_port", values: ["5222"] }),
              field({ var: "c2s_port_ssl", values: ["5223"] }),
              field({ var: "http_access", values: ["http://shakespeare.lit/jabber"] }),
              field({ var: "ip_version", values: ["ipv4", "ipv6"] }),
              field({ var: "info_url", values: ["http://shakespeare.lit/support.php"] }),
            ],
          },
        ],
      },
    );
  });

  it("several extension forms stay separate and in order", () => {
    const value = discoInfoQuery.decode(
      parseXml(`<query xmlns='http://jabber.org/protocol/disco#info'>
  <feature var='http://jabber.org/protocol/muc'/>
  <x xmlns='jabber:x:data' type='result'>
    <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roominfo</value></field>
  </x>
  <x xmlns='jabber:x:data' type='result'>
    <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>
  </x>
</query>`),
    );
    expect(value.forms.map((f) => f.fields[0]?.values[0])).toEqual(["http://jabber.org/protocol/muc#roominfo", "urn:xmpp:dataforms:softwareinfo"]);
  });
});

describe("discoIdentity and discoFeature", () => {
  it("encode writes the attributes and xml:lang", () => {
    const el = discoIdentity.encode({ category: "conference", type: "text", name: "A Dark Cave", lang: "en" });
    expect(canonical(el)).toBe(
      canonical(parseXml(`<identity xmlns='http://jabber.org/protocol/disco#info' category='conference' type='text' name='A Dark Cave' xml:lang='en'/>`)),
    );
    expect(canonical(discoFeature.encode({ var: "muc_open" }))).toBe(canonical(parseXml(`<feature xmlns='http://jabber.org/protocol/disco#info' var='muc_open'/>`)));
  });

  it("an identity without category or type is a DecodeError naming the field", () => {
    const e = decodeError(() => discoIdentity.decode(parseXml(`<identity xmlns='http://jabber.org/protocol/disco#info' type='text'/>`)));
    expect(e.field).toBe("category");
    expect(decodeError(() => discoIdentity.decode(parseXml(`<identity xmlns='http://jabber.org/protocol/disco#info' category='conference'/>`))).field).toBe("type");
  });

  it("a feature without var is a DecodeError, also inside a query", () => {
    expect(decodeError(() => discoFeature.decode(parseXml(`<feature xmlns='http://jabber.org/protocol/disco#info'/>`))).field).toBe("var");
    const e = decodeError(() =>
      discoInfoQuery.decode(parseXml(`<query xmlns='http://jabber.org/protocol/disco#info'><feature var='a'/><feature/></query>`)),
    );
    expect(e.element).toBe("query");
    expect(e.field).toBe("features.var");
  });

  it("ignores unknown children and features in other namespaces", () => {
    const value = discoInfoQuery.decode(
      parseXml(`<query xmlns='http://jabber.org/protocol/disco#info'>
  <feature var='a'/>
  <feature xmlns='urn:other' var='b'/>
  <unknown/>
  <identity xmlns='http://jabber.org/protocol/disco#items' category='x' type='y'/>
</query>`),
    );
    expect(value).toEqual({ identities: [], features: ["a"], forms: [] });
  });

  it("rejects a disco#items query", () => {
    expect(() => discoInfoQuery.decode(parseXml(`<query xmlns='http://jabber.org/protocol/disco#items'/>`))).toThrow(DecodeError);
  });
});

describe("discoItemsQuery (XEP-0045 §6)", () => {
  it("Example 2: the server lists its chat service", () => {
    checkFixture(
      discoItemsQuery,
      `<iq from='shakespeare.lit'
    id='h7ns81g'
    to='hag66@shakespeare.lit/pda'
    type='result'>
  <query xmlns='http://jabber.org/protocol/disco#items'>
    <item jid='chat.shakespeare.lit'
          name='Chatroom Service'/>
  </query>
</iq>`,
      { items: [{ jid: jid("chat.shakespeare.lit"), name: "Chatroom Service" }] },
    );
  });

  it("Example 5: a request for the rooms of a service (empty query)", () => {
    checkFixture(discoItemsQuery, XEP0045_EXAMPLE_5, { items: [] });
  });

  it("Example 6: the service lists its rooms", () => {
    checkFixture(
      discoItemsQuery,
      XEP0045_EXAMPLE_6,
      {
        items: [
          { jid: jid("heath@chat.shakespeare.lit"), name: "A Lonely Heath" },
          { jid: jid("coven@chat.shakespeare.lit"), name: "A Dark Cave" },
          { jid: jid("forres@chat.shakespeare.lit"), name: "The Palace" },
          { jid: jid("inverness@chat.shakespeare.lit"), name: "Macbeth's Castle" },
        ],
      },
    );
  });

  it("Example 7: a limited list of rooms with an RSM page", () => {
    const rooms = [
      "alls-well-that-ends-well",
      "as-you-like-it",
      "cleopatra",
      "comedy-of-errors",
      "coriolanus",
      "cymbeline",
      "hamlet",
      "henry-the-fourth-one",
      "henry-the-fourth-two",
      "henry-the-fifth",
    ];
    checkFixture(
      discoItemsQuery,
      XEP0045_EXAMPLE_7,
      {
        items: rooms.map((r) => ({ jid: jid(`${r}@chat.shakespeare.lit`) })),
        rsm: {
          first: { index: 0, id: "alls-well-that-ends-well@chat.shakespeare.lit" },
          last: "henry-the-fifth@chat.shakespeare.lit",
          count: 37,
        },
      },
    );
  });

  it("Example 12: a room's occupants (full JIDs)", () => {
    checkFixture(
      discoItemsQuery,
      `<iq from='coven@chat.shakespeare.lit'
    id='kl2fax27'
    to='hag66@shakespeare.lit/pda'
    type='result'>
  <query xmlns='http://jabber.org/protocol/disco#items'>
    <item jid='coven@chat.shakespeare.lit/firstwitch'/>
    <item jid='coven@chat.shakespeare.lit/secondwitch'/>
  </query>
</iq>`,
      { items: [{ jid: jid("coven@chat.shakespeare.lit/firstwitch") }, { jid: jid("coven@chat.shakespeare.lit/secondwitch") }] },
    );
  });

  it("Example 16: a request for the muc#rooms node", () => {
    checkFixture(
      discoItemsQuery,
      `<iq from='hag66@shakespeare.lit/pda'
    id='gp7w61v3'
    to='wiccarocks@shakespeare.lit/laptop'
    type='get'>
  <query xmlns='http://jabber.org/protocol/disco#items'
         node='http://jabber.org/protocol/muc#rooms'/>
</iq>`,
      { node: "http://jabber.org/protocol/muc#rooms", items: [] },
    );
  });

  it("Example 17: the rooms a contact is in", () => {
    checkFixture(
      discoItemsQuery,
      `<iq from='wiccarocks@shakespeare.lit/laptop'
    id='gp7w61v3'
    to='hag66@shakespeare.lit/pda'
    type='result'>
  <query xmlns='http://jabber.org/protocol/disco#items'
         node='http://jabber.org/protocol/muc#rooms'>
    <item jid='coven@chat.shakespeare.lit'/>
    <item jid='characters@conference.shakespeare.lit'/>
  </query>
</iq>`,
      {
        node: "http://jabber.org/protocol/muc#rooms",
        items: [{ jid: jid("coven@chat.shakespeare.lit") }, { jid: jid("characters@conference.shakespeare.lit") }],
      },
    );
  });
});

describe("discoItemsQuery (XEP-0030 §4, XEP-0059)", () => {
  it("XEP-0030 Example 17: items with nodes", () => {
    checkFixture(
      discoItemsQuery,
      `<iq type='result'
    from='catalog.shakespeare.lit'
    to='romeo@montague.net/orchard'
    id='items2'>
  <query xmlns='http://jabber.org/protocol/disco#items'>
    <item jid='catalog.shakespeare.lit'
          node='books'
          name='Books by and about Shakespeare'/>
    <item jid='catalog.shakespeare.lit'
          node='clothing'
          name='Wear your literary taste with pride'/>
    <item jid='catalog.shakespeare.lit'
          node='music'
          name='Music from the time of Shakespeare'/>
  </query>
</iq>`,
      {
        items: [
          { jid: jid("catalog.shakespeare.lit"), node: "books", name: "Books by and about Shakespeare" },
          { jid: jid("catalog.shakespeare.lit"), node: "clothing", name: "Wear your literary taste with pride" },
          { jid: jid("catalog.shakespeare.lit"), node: "music", name: "Music from the time of Shakespeare" },
        ],
      },
    );
  });

  it("XEP-0030 Example 23: items of a node, with and without names", () => {
    checkFixture(
      discoItemsQuery,
      `<iq from='romeo@montague.net'
    id='items4'
    to='juliet@capulet.com/chamber'
    type='result'>
  <query xmlns='http://jabber.org/protocol/disco#items'
         node='http://jabber.org/protocol/tune'>
    <item jid='pubsub.shakespeare.lit'
          name='Romeo&apos;s CD player'
          node='s623nms9s3bfh8js'/>
    <item jid='pubsub.montague.net'
          node='music/R/Romeo/iPod'/>
    <item jid='tunes.characters.lit'
          node='g8k4kds9sd89djf3'/>
  </query>
</iq>`,
      {
        node: "http://jabber.org/protocol/tune",
        items: [
          { jid: jid("pubsub.shakespeare.lit"), name: "Romeo's CD player", node: "s623nms9s3bfh8js" },
          { jid: jid("pubsub.montague.net"), node: "music/R/Romeo/iPod" },
          { jid: jid("tunes.characters.lit"), node: "g8k4kds9sd89djf3" },
        ],
      },
    );
  });

  it("XEP-0059 Example 17: a disco#items request with a page size", () => {
    checkFixture(discoItemsQuery, XEP0059_EXAMPLE_17, { items: [], rsm: { max: 20 } });
  });

  it("XEP-0059 Example 19: a request for the page after the last item received", () => {
    checkFixture(discoItemsQuery, XEP0059_EXAMPLE_19, { items: [], rsm: { max: 20, after: "4da91d4b330112f683dddaebf93180b1bd25e95f" } });
  });

  it("an item without jid, or with an invalid one, is a DecodeError", () => {
    expect(decodeError(() => discoItem.decode(parseXml(`<item xmlns='http://jabber.org/protocol/disco#items' name='x'/>`))).field).toBe("jid");
    const e = decodeError(() =>
      discoItemsQuery.decode(parseXml(`<query xmlns='http://jabber.org/protocol/disco#items'><item jid='a@b@c'/></query>`)),
    );
    expect(e.field).toBe("items.jid");
  });

  it("a malformed RSM page is a DecodeError", () => {
    const e = decodeError(() =>
      discoItemsQuery.decode(
        parseXml(`<query xmlns='http://jabber.org/protocol/disco#items'><set xmlns='http://jabber.org/protocol/rsm'><count>many</count></set></query>`),
      ),
    );
    expect(e.field).toBe("rsm.count");
  });
});
