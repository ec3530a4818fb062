/**
 * Transcript tests of the XEP-0045 admin, owner and discovery requests
 * (src/client/member-lists.ts, room-config.ts, room-discovery.ts, and the
 * role and affiliation changes of moderation.ts) over the mock connection:
 * the IQ each function sends (compared canonically with the XEP-0045
 * (version 1.35.5), XEP-0030 and XEP-0059 examples, the `id` ignored), the
 * answer decoded, error answers, spoofed answers, malformed answers and
 * invalid calls.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import type { AdminRequestOptions } from "../../../src/client/admin.js";
import { getAffiliations, getRoleList } from "../../../src/client/member-lists.js";
import { setAffiliation, setAffiliations, setRole } from "../../../src/client/moderation.js";
import { cancelRoomConfig, createInstantRoom, destroyRoom, getRoomConfig, setRoomConfig, type RoomConfigInput } from "../../../src/client/room-config.js";
import { getRoomInfo, listRooms, MAX_ROOM_LIST_PAGES } from "../../../src/client/room-discovery.js";
import { AbortError, MucStateError, TimeoutError } from "../../../src/common/errors.js";
import { IqClient } from "../../../src/client/iq.js";
import { silentLogger } from "../../../src/common/logger.js";
import { MockConnection } from "../../../src/testing/mock-connection.js";
import { dataForm, type DataForm } from "../../../src/xso/data-form.js";
import { DecodeError } from "../../../src/xso/errors.js";
import type { Affiliation, Role } from "../../../src/xso/muc-user.js";
import { XMPPError } from "../../../src/xso/stanza-error.js";
import { parseJid } from "../../../src/xso/values.js";
import {
  XEP0045_EXAMPLE_5,
  XEP0045_EXAMPLE_6,
  XEP0045_EXAMPLE_7,
  XEP0045_EXAMPLE_10,
  XEP0045_EXAMPLE_89,
  XEP0045_EXAMPLE_94,
  XEP0045_EXAMPLE_99,
  XEP0045_EXAMPLE_103,
  XEP0045_EXAMPLE_104,
  XEP0045_EXAMPLE_110,
  XEP0045_EXAMPLE_111,
  XEP0045_EXAMPLE_116,
  XEP0045_EXAMPLE_117,
  XEP0045_EXAMPLE_118,
  XEP0045_EXAMPLE_129,
  XEP0045_EXAMPLE_130,
  XEP0045_EXAMPLE_131,
  XEP0045_EXAMPLE_138,
  XEP0045_EXAMPLE_155,
  XEP0045_EXAMPLE_156,
  XEP0045_EXAMPLE_157,
  XEP0045_EXAMPLE_158,
  XEP0045_EXAMPLE_159,
  XEP0045_EXAMPLE_162,
  XEP0045_EXAMPLE_182,
  XEP0045_EXAMPLE_197,
  XEP0045_EXAMPLE_198,
  XEP0045_EXAMPLE_201,
  XEP0045_EXAMPLE_204,
  XEP0059_EXAMPLE_17,
} from "../../fixtures/xep-examples.js";
import { canonical, parseXml } from "../../helpers/xml.js";

const jid = parseJid;

let conn: MockConnection;
let iq: IqClient;

beforeEach(() => {
  conn = new MockConnection({ jid: "crone1@shakespeare.lit/desktop" });
  iq = new IqClient(conn, silentLogger);
});

afterEach(() => {
  iq.close();
});

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** The next IQ sent (bounded wait). */
function nextIq(): Promise<Element> {
  return conn.nextSent((s) => s.name === "iq", 1_000);
}

/** The first element child of `el`, or `undefined`. */
function payloadOf(el: Element): Element | undefined {
  return el.children.find((c): c is Element => typeof c !== "string");
}

/** Drop whitespace-only text everywhere (the examples indent empty elements). */
function stripBlank(el: Element): Element {
  el.children = el.children.filter((c) => typeof c !== "string" || c.trim() !== "");
  for (const c of el.children) if (typeof c !== "string") stripBlank(c);
  return el;
}

/** The payload of an example stanza, parsed. */
function examplePayload(xml: string): Element | undefined {
  const p = payloadOf(parseXml(xml));
  return p === undefined ? undefined : stripBlank(p);
}

/**
 * Assert that `sent` is the request of an example: same type and addressee,
 * and a canonically equal payload (the `id`, and the `from` our server adds, ignored).
 */
function expectRequest(sent: Element, exampleXml: string): void {
  const ex = parseXml(exampleXml);
  expect(sent.attrs.type).toBe(ex.attrs.type);
  expect(sent.attrs.to).toBe(ex.attrs.to);
  const expected = examplePayload(exampleXml);
  const actual = payloadOf(sent);
  expect(actual).toBeDefined();
  expect(canonical(actual!)).toBe(canonical(expected!));
}

/** Answer `request` with the payload of an example result (or an empty result). */
function replyExample(request: Element, exampleXml: string): void {
  conn.replyResult(request, examplePayload(exampleXml));
}

/**
 * Deliver an example answer (a result or an error) to `request`, as the
 * example has it but with the request's `id` and our JID as `to`.
 */
function receiveExample(request: Element, exampleXml: string): void {
  const answer = stripBlank(parseXml(exampleXml));
  answer.attrs.id = request.attrs.id;
  answer.attrs.to = conn.jid!.toString();
  conn.receive(answer);
}

/** Assert that nothing was sent. */
function expectNothingSent(): void {
  expect(conn.sent).toEqual([]);
}

/** A canonical string of XML text. */
const xmlText = (text: string): string => canonical(stripBlank(parseXml(text)));

// ---------------------------------------------------------------------------
// §8, §9: roles
// ---------------------------------------------------------------------------

describe("setRole (XEP-0045 §8.2–8.4, §9.6)", () => {
  it("Example 89: kicks an occupant with a reason, resolving on Example 91", async () => {
    const p = setRole(iq, jid("harfleur@chat.shakespeare.lit"), "pistol", "none", { reason: "Avaunt, you cullion!" });
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_89);
    replyExample(
      sent,
      `<iq from='harfleur@chat.shakespeare.lit'
    id='kick1'
    to='fluellen@shakespeare.lit/pda'
    type='result'/>`,
    );
    await expect(p).resolves.toBeUndefined();
  });

  it("Example 94: grants voice", async () => {
    const p = setRole(iq, jid("coven@chat.shakespeare.lit"), "thirdwitch", "participant");
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_94);
    conn.replyResult(sent);
    await p;
  });

  it("Example 99: revokes voice with a reason", async () => {
    const p = setRole(iq, jid("coven@chat.shakespeare.lit"), "thirdwitch", "visitor", { reason: "Not so worthy after all!" });
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_99);
    conn.replyResult(sent);
    await p;
  });

  it("Example 138: grants moderator status with a reason", async () => {
    const p = setRole(iq, jid("coven@chat.shakespeare.lit"), "thirdwitch", "moderator", { reason: "A worthy witch indeed!" });
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_138);
    conn.replyResult(sent);
    await p;
  });

  it("Example 93: kicking a user with a higher affiliation rejects with not-allowed", async () => {
    const p = setRole(iq, jid("coven@chat.shakespeare.lit"), "crone1", "none");
    receiveExample(
      await nextIq(),
      `<iq from='coven@chat.shakespeare.lit'
    id='kicktest'
    to='wiccarocks@shakespeare.lit/laptop'
    type='error'>
  <error type='cancel'>
    <not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
  </error>
</iq>`,
    );
    await expect(p).rejects.toBeInstanceOf(XMPPError);
    await expect(p).rejects.toMatchObject({ condition: "not-allowed", type: "cancel" });
  });

  it("rejects an empty or blank nickname and an unknown role with MucStateError, sending nothing", async () => {
    const room = jid("coven@chat.shakespeare.lit");
    await expect(setRole(iq, room, "", "none")).rejects.toBeInstanceOf(MucStateError);
    await expect(setRole(iq, room, "   ", "none")).rejects.toBeInstanceOf(MucStateError);
    await expect(setRole(iq, room, "thirdwitch", "king" as Role)).rejects.toBeInstanceOf(MucStateError);
    expectNothingSent();
  });
});

describe("getRoleList (XEP-0045 §8.5, §9.8)", () => {
  it("Examples 103–104: fetches the voice list", async () => {
    const p = getRoleList(iq, jid("goodfolk@chat.shakespeare.lit"), "participant");
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_103);
    replyExample(sent, XEP0045_EXAMPLE_104);
    const list = await p;
    expect(list.map((e) => ({ ...e, jid: e.jid?.toString() }))).toEqual([
      { nick: "Polo", role: "participant", jid: "polonius@hamlet/castle", affiliation: "none" },
      { nick: "horotoro", role: "participant", jid: "horatio@hamlet/castle", affiliation: "none" },
      { nick: "Hecate", role: "participant", jid: "hecate@shakespeare.lit/broom", affiliation: "member" },
    ]);
  });

  it("Examples 146–147: fetches the moderator list", async () => {
    const p = getRoleList(iq, jid("coven@chat.shakespeare.lit"), "moderator");
    const sent = await nextIq();
    expectRequest(
      sent,
      `<iq from='crone1@shakespeare.lit/desktop'
    id='mod3'
    to='coven@chat.shakespeare.lit'
    type='get'>
  <query xmlns='http://jabber.org/protocol/muc#admin'>
    <item role='moderator'/>
  </query>
</iq>`,
    );
    replyExample(
      sent,
      `<iq from='coven@chat.shakespeare.lit'
    id='mod3'
    to='crone1@shakespeare.lit/desktop'
    type='result'>
  <query xmlns='http://jabber.org/protocol/muc#admin'>
    <item affiliation='member'
          jid='hag66@shakespeare.lit/pda'
          nick='thirdwitch'
          role='moderator'/>
  </query>
</iq>`,
    );
    const [entry, ...rest] = await p;
    expect(rest).toEqual([]);
    expect(entry?.nick).toBe("thirdwitch");
    expect(entry?.role).toBe("moderator");
    expect(entry?.affiliation).toBe("member");
    expect(entry?.jid?.toString()).toBe("hag66@shakespeare.lit/pda");
  });

  it("skips items without a nickname or that do not decode; a missing role is the one asked for", async () => {
    const p = getRoleList(iq, jid("coven@chat.shakespeare.lit"), "moderator");
    conn.replyResult(
      await nextIq(),
      `<query xmlns='http://jabber.org/protocol/muc#admin'>
        <item role='moderator' jid='hag66@shakespeare.lit'/>
        <item nick='bad' role='king'/>
        <item nick='badjid' role='moderator' jid='a@b@c'/>
        <item nick='plain'/>
      </query>`,
    );
    expect(await p).toEqual([{ nick: "plain", role: "moderator" }]);
  });

  it("a result without a muc#admin query rejects with DecodeError", async () => {
    const p = getRoleList(iq, jid("coven@chat.shakespeare.lit"), "moderator");
    conn.replyResult(await nextIq(), `<query xmlns='http://jabber.org/protocol/muc#owner'/>`);
    await expect(p).rejects.toBeInstanceOf(DecodeError);
  });

  it("rejects a role that has no list with MucStateError", async () => {
    await expect(getRoleList(iq, jid("coven@chat.shakespeare.lit"), "visitor" as "moderator")).rejects.toBeInstanceOf(MucStateError);
    expectNothingSent();
  });
});

// ---------------------------------------------------------------------------
// §9, §10: affiliations
// ---------------------------------------------------------------------------

describe("setAffiliation (XEP-0045 §9.1, §9.3, §9.4, §10.3, §10.6)", () => {
  const cases: { example: string; target: string; affiliation: Affiliation; reason?: string; nick?: string; xml: string }[] = [
    {
      example: "Example 110: bans a user",
      target: "earlofcambridge@shakespeare.lit",
      affiliation: "outcast",
      xml: XEP0045_EXAMPLE_110,
    },
    {
      example: "Example 111: bans a user with a reason",
      target: "earlofcambridge@shakespeare.lit",
      affiliation: "outcast",
      reason: "Treason",
      xml: XEP0045_EXAMPLE_111,
    },
    {
      example: "Example 121: grants membership with a nickname and a reason",
      target: "hag66@shakespeare.lit",
      affiliation: "member",
      nick: "thirdwitch",
      reason: "A worthy witch indeed!",
      xml: `<iq from='crone1@shakespeare.lit/desktop'
    id='member1'
    to='coven@chat.shakespeare.lit'
    type='set'>
  <query xmlns='http://jabber.org/protocol/muc#admin'>
    <item affiliation='member'
          jid='hag66@shakespeare.lit'
          nick='thirdwitch'>
      <reason>A worthy witch indeed!</reason>
    </item>
  </query>
</iq>`,
    },
    {
      example: "Example 124: revokes membership",
      target: "hag66@shakespeare.lit",
      affiliation: "none",
      xml: `<iq from='crone1@shakespeare.lit/desktop'
    id='member2'
    to='coven@chat.shakespeare.lit'
    type='set'>
  <query xmlns='http://jabber.org/protocol/muc#admin'>
    <item affiliation='none'
          jid='hag66@shakespeare.lit'/>
  </query>
</iq>`,
    },
    {
      example: "Example 172: grants owner status",
      target: "hecate@shakespeare.lit",
      affiliation: "owner",
      xml: `<iq from='crone1@shakespeare.lit/desktop'
    id='owner1'
    to='coven@chat.shakespeare.lit'
    type='set'>
  <query xmlns='http://jabber.org/protocol/muc#admin'>
    <item affiliation='owner'
          jid='hecate@shakespeare.lit'/>
  </query>
</iq>`,
    },
    {
      example: "Example 186: grants admin status",
      target: "wiccarocks@shakespeare.lit",
      affiliation: "admin",
      xml: `<iq from='crone1@shakespeare.lit/desktop'
    id='admin1'
    to='coven@chat.shakespeare.lit'
    type='set'>
  <query xmlns='http://jabber.org/protocol/muc#admin'>
    <item affiliation='admin'
          jid='wiccarocks@shakespeare.lit'/>
  </query>
</iq>`,
    },
  ];

  for (const c of cases) {
    it(c.example, async () => {
      const room = jid(parseXml(c.xml).attrs.to as string);
      const options = { ...(c.reason === undefined ? {} : { reason: c.reason }), ...(c.nick === undefined ? {} : { nick: c.nick }) };
      const p = setAffiliation(iq, room, jid(c.target), c.affiliation, options);
      const sent = await nextIq();
      expectRequest(sent, c.xml);
      conn.replyResult(sent);
      await expect(p).resolves.toBeUndefined();
    });
  }

  it("drops the resource of a full JID (affiliations belong to bare JIDs)", async () => {
    const p = setAffiliation(iq, jid("coven@chat.shakespeare.lit"), jid("hag66@shakespeare.lit/pda"), "member");
    const sent = await nextIq();
    expect(canonical(payloadOf(sent)!)).toBe(
      xmlText(`<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='hag66@shakespeare.lit'/></query>`),
    );
    conn.replyResult(sent);
    await p;
  });

  it("Example 115: banning a user with a higher affiliation rejects with not-allowed", async () => {
    const p = setAffiliation(iq, jid("southampton@chat.shakespeare.lit"), jid("earlofcambridge@shakespeare.lit"), "outcast");
    // The example itself has 'from' and 'to' swapped and type='set'; the error it carries is sent here.
    conn.replyError(await nextIq(), "not-allowed", { type: "cancel" });
    await expect(p).rejects.toMatchObject({ name: "XMPPError", condition: "not-allowed" });
  });

  it("rejects an unknown affiliation or an empty nickname with MucStateError, sending nothing", async () => {
    const room = jid("coven@chat.shakespeare.lit");
    await expect(setAffiliation(iq, room, jid("hag66@shakespeare.lit"), "king" as Affiliation)).rejects.toBeInstanceOf(MucStateError);
    await expect(setAffiliation(iq, room, jid("hag66@shakespeare.lit"), "member", { nick: "" })).rejects.toBeInstanceOf(MucStateError);
    expectNothingSent();
  });
});

describe("setAffiliations (XEP-0045 §9.2, §9.5, §10.8)", () => {
  it("Example 118: modifies the ban list in one request", async () => {
    const p = setAffiliations(iq, jid("southampton@chat.shakespeare.lit"), [
      { jid: jid("lordscroop@shakespeare.lit"), affiliation: "outcast", reason: "Treason" },
      { jid: jid("sirthomasgrey@shakespeare.lit"), affiliation: "outcast", reason: "Treason" },
    ]);
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_118);
    replyExample(
      sent,
      `<iq from='southampton@chat.shakespeare.lit'
    id='ban3'
    to='kinghenryv@shakespeare.lit/throne'
    type='result'/>`,
    );
    await p;
  });

  it("Example 131: modifies the member list", async () => {
    const p = setAffiliations(iq, jid("coven@chat.shakespeare.lit"), [
      { jid: jid("hag66@shakespeare.lit"), affiliation: "none" },
      { jid: jid("hecate@shakespeare.lit"), affiliation: "member" },
    ]);
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_131);
    conn.replyResult(sent);
    await p;
  });

  it("Example 198: modifies the admin list", async () => {
    const p = setAffiliations(iq, jid("coven@chat.shakespeare.lit"), [
      { jid: jid("hag66@shakespeare.lit"), affiliation: "none" },
      { jid: jid("hecate@shakespeare.lit"), affiliation: "admin" },
    ]);
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_198);
    conn.replyResult(sent);
    await p;
  });

  it("an empty list sends nothing and resolves", async () => {
    await expect(setAffiliations(iq, jid("coven@chat.shakespeare.lit"), [])).resolves.toBeUndefined();
    expectNothingSent();
  });

  it("one invalid change rejects the whole call with MucStateError, sending nothing", async () => {
    const p = setAffiliations(iq, jid("coven@chat.shakespeare.lit"), [
      { jid: jid("hag66@shakespeare.lit"), affiliation: "member" },
      { jid: jid("hecate@shakespeare.lit"), affiliation: "queen" as Affiliation },
    ]);
    await expect(p).rejects.toBeInstanceOf(MucStateError);
    expectNothingSent();
  });
});

describe("getAffiliations (XEP-0045 §9.2, §9.5, §10.5, §10.8)", () => {
  it("Examples 116–117: fetches the ban list with reasons", async () => {
    const p = getAffiliations(iq, jid("southampton@chat.shakespeare.lit"), "outcast");
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_116);
    replyExample(sent, XEP0045_EXAMPLE_117);
    const list = await p;
    expect(list.map((e) => ({ ...e, jid: e.jid.toString() }))).toEqual([{ jid: "earlofcambridge@shakespeare.lit", affiliation: "outcast", reason: "Treason" }]);
  });

  it("Examples 129–130: fetches the member list with nicknames and roles", async () => {
    const p = getAffiliations(iq, jid("coven@chat.shakespeare.lit"), "member");
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_129);
    replyExample(sent, XEP0045_EXAMPLE_130);
    const list = await p;
    expect(list.map((e) => ({ ...e, jid: e.jid.toString() }))).toEqual([
      { jid: "hag66@shakespeare.lit", affiliation: "member", nick: "thirdwitch", role: "participant" },
    ]);
  });

  it("Examples 181–182: fetches the owner list", async () => {
    const p = getAffiliations(iq, jid("coven@chat.shakespeare.lit"), "owner");
    const sent = await nextIq();
    expectRequest(
      sent,
      `<iq from='bard@shakespeare.lit/globe'
    id='owner3'
    to='coven@chat.shakespeare.lit'
    type='get'>
  <query xmlns='http://jabber.org/protocol/muc#admin'>
    <item affiliation='owner'/>
  </query>
</iq>`,
    );
    replyExample(sent, XEP0045_EXAMPLE_182);
    expect((await p).map((e) => e.jid.toString())).toEqual(["crone1@shakespeare.lit"]);
  });

  it("Examples 196–197: fetches the admin list", async () => {
    const p = getAffiliations(iq, jid("coven@chat.shakespeare.lit"), "admin");
    const sent = await nextIq();
    expectRequest(
      sent,
      `<iq from='bard@shakespeare.lit/desktop'
    id='admin3'
    to='coven@chat.shakespeare.lit'
    type='get'>
  <query xmlns='http://jabber.org/protocol/muc#admin'>
    <item affiliation='admin'/>
  </query>
</iq>`,
    );
    replyExample(sent, XEP0045_EXAMPLE_197);
    expect((await p).map((e) => ({ ...e, jid: e.jid.toString() }))).toEqual([
      { jid: "wiccarocks@shakespeare.lit", affiliation: "admin", nick: "secondwitch" },
      { jid: "hag66@shakespeare.lit", affiliation: "admin" },
    ]);
  });

  it("skips items without a jid or that do not decode; a missing affiliation is the one asked for", async () => {
    const p = getAffiliations(iq, jid("coven@chat.shakespeare.lit"), "member");
    conn.replyResult(
      await nextIq(),
      `<query xmlns='http://jabber.org/protocol/muc#admin'>
        <item affiliation='member' nick='nojid'/>
        <item affiliation='member' jid='@shakespeare.lit'/>
        <item affiliation='sovereign' jid='king@shakespeare.lit'/>
        <item jid='hecate@shakespeare.lit'/>
        <unknown xmlns='urn:example'/>
      </query>`,
    );
    expect((await p).map((e) => ({ ...e, jid: e.jid.toString() }))).toEqual([{ jid: "hecate@shakespeare.lit", affiliation: "member" }]);
  });

  it("a result without a query rejects with DecodeError", async () => {
    const p = getAffiliations(iq, jid("coven@chat.shakespeare.lit"), "member");
    conn.replyResult(await nextIq());
    await expect(p).rejects.toBeInstanceOf(DecodeError);
    await expect(p).rejects.toMatchObject({ element: "query", ns: "http://jabber.org/protocol/muc#admin" });
  });

  it("rejects the affiliation 'none' (no such list) with MucStateError", async () => {
    await expect(getAffiliations(iq, jid("coven@chat.shakespeare.lit"), "none" as "member")).rejects.toBeInstanceOf(MucStateError);
    expectNothingSent();
  });
});

// ---------------------------------------------------------------------------
// §10: owner use cases
// ---------------------------------------------------------------------------

/** The data form of an example, decoded. */
function exampleForm(xml: string): DataForm {
  const query = examplePayload(xml)!;
  return dataForm.decode(payloadOf(query)!);
}

describe("createInstantRoom (XEP-0045 §10.1.2)", () => {
  it("Example 155: submits an empty form, resolving on Example 160", async () => {
    const p = createInstantRoom(iq, jid("coven@chat.shakespeare.lit"));
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_155);
    replyExample(
      sent,
      `<iq from='coven@chat.shakespeare.lit'
    id='create2'
    to='crone1@shakespeare.lit/desktop'
    type='result'/>`,
    );
    await expect(p).resolves.toBeUndefined();
  });
});

describe("getRoomConfig (XEP-0045 §10.1.3, §10.2)", () => {
  it("Examples 156–157: requests the configuration form and types its fields", async () => {
    const p = getRoomConfig(iq, jid("coven@chat.shakespeare.lit"));
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_156);
    replyExample(sent, XEP0045_EXAMPLE_157);
    const { form, config } = await p;
    expect(form).toEqual(exampleForm(XEP0045_EXAMPLE_157));
    expect(form.type).toBe("form");
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
    });
  });

  it("Example 158: no configuration possible gives an empty form", async () => {
    const p = getRoomConfig(iq, jid("coven@chat.shakespeare.lit"));
    replyExample(await nextIq(), XEP0045_EXAMPLE_158);
    expect(await p).toEqual({ form: { type: "form", instructions: [], fields: [], items: [] }, config: {} });
  });

  it("a field value that does not parse is left out of config, the rest kept", async () => {
    const p = getRoomConfig(iq, jid("coven@chat.shakespeare.lit"));
    conn.replyResult(
      await nextIq(),
      `<query xmlns='http://jabber.org/protocol/muc#owner'>
        <x xmlns='jabber:x:data' type='form'>
          <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
          <field var='muc#roomconfig_maxusers' type='list-single'><value>lots</value></field>
          <field var='muc#roomconfig_whois' type='list-single'><value>participants</value></field>
          <field var='muc#roomconfig_persistentroom' type='boolean'><value>1</value></field>
          <field var='x-vendor#thing' type='boolean'><value>1</value></field>
        </x>
      </query>`,
    );
    const { form, config } = await p;
    expect(config).toEqual({ persistent: true });
    expect(form.fields.map((f) => f.var)).toContain("muc#roomconfig_maxusers");
  });

  it("Example 164: a non-owner is refused with forbidden", async () => {
    const p = getRoomConfig(iq, jid("coven@chat.shakespeare.lit"));
    receiveExample(
      await nextIq(),
      `<iq from='coven@chat.shakespeare.lit'
    id='configures'
    to='wiccarocks@shakespeare.lit/laptop'
    type='error'>
  <query xmlns='http://jabber.org/protocol/muc#owner'/>
  <error type='auth'>
    <forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
  </error>
</iq>`,
    );
    await expect(p).rejects.toMatchObject({ condition: "forbidden", type: "auth" });
  });

  it("a result without a muc#owner query, or with a malformed form, rejects with DecodeError", async () => {
    const p1 = getRoomConfig(iq, jid("coven@chat.shakespeare.lit"));
    conn.replyResult(await nextIq(), `<query xmlns='http://jabber.org/protocol/muc#admin'/>`);
    await expect(p1).rejects.toBeInstanceOf(DecodeError);

    const p2 = getRoomConfig(iq, jid("coven@chat.shakespeare.lit"));
    conn.replyResult(await nextIq(), `<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data'/></query>`);
    await expect(p2).rejects.toBeInstanceOf(DecodeError);
    await expect(p2).rejects.toMatchObject({ field: "form.type" });
  });

  it("a form of another FORM_TYPE rejects with DecodeError", async () => {
    const p = getRoomConfig(iq, jid("coven@chat.shakespeare.lit"));
    conn.replyResult(
      await nextIq(),
      `<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='form'>
        <field var='FORM_TYPE' type='hidden'><value>urn:example:other</value></field></x></query>`,
    );
    await expect(p).rejects.toBeInstanceOf(DecodeError);
  });
});

describe("setRoomConfig (XEP-0045 §10.1.3, §10.2)", () => {
  const room = jid("coven@chat.shakespeare.lit");

  /** Start `setRoomConfig`, answer it with a result, and return the payload it sent. */
  async function submitted(config: RoomConfigInput): Promise<Element> {
    const p = setRoomConfig(iq, room, config);
    const sent = await nextIq();
    conn.replyResult(sent);
    await expect(p).resolves.toBeUndefined();
    expect(sent.attrs.type).toBe("set");
    expect(sent.attrs.to).toBe("coven@chat.shakespeare.lit");
    return payloadOf(sent)!;
  }

  it("Example 159: a data form is submitted as it is", async () => {
    const p = setRoomConfig(iq, room, exampleForm(XEP0045_EXAMPLE_159));
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_159);
    replyExample(
      sent,
      `<iq from='coven@chat.shakespeare.lit'
    id='create2'
    to='crone1@shakespeare.lit/desktop'
    type='result'/>`,
    );
    await p;
  });

  it("Example 159: a RoomConfig record is written as the same submission (FORM_TYPE typed hidden)", async () => {
    const payload = await submitted({
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
    });
    // toSubmit marks the FORM_TYPE field hidden (XEP-0068); the example leaves it untyped.
    const expected = stripBlank(parseXml(XEP0045_EXAMPLE_159.replace("<field var='FORM_TYPE'>", "<field var='FORM_TYPE' type='hidden'>")));
    expect(canonical(payload)).toBe(canonical(payloadOf(expected)!));
  });

  it("a form of type 'form' (Example 157, filled in) is submitted with its type set to submit", async () => {
    const form = exampleForm(XEP0045_EXAMPLE_157);
    const persistent = form.fields.find((f) => f.var === "muc#roomconfig_persistentroom")!;
    persistent.values = ["1"];
    const payload = await submitted(form);
    const expected = stripBlank(parseXml(XEP0045_EXAMPLE_157));
    const x = payloadOf(payloadOf(expected)!)!;
    x.attrs.type = "submit";
    const field = x.children.find((c): c is Element => typeof c !== "string" && c.attrs.var === "muc#roomconfig_persistentroom")!;
    field.getChild("value")!.children = ["1"];
    expect(canonical(payload)).toBe(canonical(payloadOf(expected)!));
    expect(form.type).toBe("form"); // the caller's form is not modified
  });

  it("raw fields by var: booleans as 1/0, numbers as text, arrays as several values, mixed with properties", async () => {
    const payload = await submitted({
      persistent: true,
      "muc#roomconfig_allowvoicerequests": false,
      "muc#roomconfig_voicerequestmininterval": 60,
      "x-vendor_langs": ["en", "fr"],
      maxHistoryFetch: 20,
      roomName: undefined as unknown as string,
    });
    expect(canonical(payload)).toBe(
      xmlText(`<query xmlns='http://jabber.org/protocol/muc#owner'>
  <x xmlns='jabber:x:data' type='submit'>
    <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
    <field var='muc#roomconfig_persistentroom'><value>1</value></field>
    <field var='muc#maxhistoryfetch'><value>20</value></field>
    <field var='muc#roomconfig_allowvoicerequests'><value>0</value></field>
    <field var='muc#roomconfig_voicerequestmininterval'><value>60</value></field>
    <field var='x-vendor_langs'><value>en</value><value>fr</value></field>
  </x>
</query>`),
    );
  });

  it("property values given as wire text are read as their type; values not of the type are sent raw", async () => {
    const payload = await submitted({ persistent: "0", membersOnly: "true", whois: "participants", maxUsers: "none", roomAdmins: [] } as RoomConfigInput);
    expect(canonical(payload)).toBe(
      xmlText(`<query xmlns='http://jabber.org/protocol/muc#owner'>
  <x xmlns='jabber:x:data' type='submit'>
    <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
    <field var='muc#roomconfig_maxusers'><value>none</value></field>
    <field var='muc#roomconfig_persistentroom'><value>0</value></field>
    <field var='muc#roomconfig_membersonly'><value>1</value></field>
    <field var='muc#roomconfig_roomadmins'/>
    <field var='muc#roomconfig_whois'><value>participants</value></field>
  </x>
</query>`),
    );
  });

  it("when a property and the raw var of the same field are both given, the later key wins", async () => {
    const payload = await submitted({ persistent: true, "muc#roomconfig_persistentroom": "0", "muc#roomconfig_publicroom": "1", public: false });
    expect(canonical(payload)).toBe(
      xmlText(`<query xmlns='http://jabber.org/protocol/muc#owner'>
  <x xmlns='jabber:x:data' type='submit'>
    <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
    <field var='muc#roomconfig_publicroom'><value>0</value></field>
    <field var='muc#roomconfig_persistentroom'><value>0</value></field>
  </x>
</query>`),
    );
  });

  it("Example 161: options the room cannot apply reject with not-acceptable", async () => {
    const p = setRoomConfig(iq, room, { maxUsers: 10_000 });
    receiveExample(
      await nextIq(),
      `<iq from='coven@chat.shakespeare.lit'
    id='create2'
    to='crone1@shakespeare.lit/desktop'
    type='error'>
  <error type='modify'>
    <not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
  </error>
</iq>`,
    );
    await expect(p).rejects.toBeInstanceOf(XMPPError);
    await expect(p).rejects.toMatchObject({ condition: "not-acceptable", type: "modify" });
  });

  it("values that cannot be written, and forms that do not encode, reject with MucStateError, sending nothing", async () => {
    await expect(setRoomConfig(iq, room, { "x-vendor_thing": {} } as unknown as RoomConfigInput)).rejects.toBeInstanceOf(MucStateError);
    await expect(setRoomConfig(iq, room, { "x-vendor_thing": Symbol("s") } as unknown as RoomConfigInput)).rejects.toBeInstanceOf(MucStateError);
    await expect(
      setRoomConfig(iq, room, { type: "submit", fields: [{ var: "a", options: [{ label: "no value" }] }] } as unknown as RoomConfigInput),
    ).rejects.toBeInstanceOf(MucStateError);
    await expect(setRoomConfig(iq, room, null as unknown as RoomConfigInput)).rejects.toBeInstanceOf(MucStateError);
    expectNothingSent();
  });
});

describe("cancelRoomConfig (XEP-0045 §10.1.3, §10.2)", () => {
  it("Example 162: cancels the initial configuration", async () => {
    const p = cancelRoomConfig(iq, jid("coven@chat.shakespeare.lit"));
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_162);
    conn.replyResult(sent);
    await expect(p).resolves.toBeUndefined();
  });
});

describe("destroyRoom (XEP-0045 §10.9)", () => {
  it("Example 201: destroys with a reason and an alternate venue, resolving on Example 203", async () => {
    const p = destroyRoom(iq, jid("heath@chat.shakespeare.lit"), { reason: "Macbeth doth come.", alternateVenue: jid("coven@chat.shakespeare.lit") });
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_201);
    replyExample(
      sent,
      `<iq from='heath@chat.shakespeare.lit'
    id='begone'
    to='crone1@shakespeare.lit/desktop'
    type='result'/>`,
    );
    await expect(p).resolves.toBeUndefined();
  });

  it("§10.9: sends the alternate venue's password, and an empty <destroy/> without options", async () => {
    const p1 = destroyRoom(iq, jid("heath@chat.shakespeare.lit"), { alternateVenue: jid("coven@chat.shakespeare.lit"), password: "cauldronburn" });
    const s1 = await nextIq();
    expect(canonical(payloadOf(s1)!)).toBe(
      xmlText(`<query xmlns='http://jabber.org/protocol/muc#owner'><destroy jid='coven@chat.shakespeare.lit'><password>cauldronburn</password></destroy></query>`),
    );
    conn.replyResult(s1);
    await p1;
    const p2 = destroyRoom(iq, jid("heath@chat.shakespeare.lit"));
    const s2 = await nextIq();
    expect(canonical(payloadOf(s2)!)).toBe(xmlText(`<query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query>`));
    conn.replyResult(s2);
    await p2;
  });

  it("Example 204: a non-owner is refused with forbidden", async () => {
    const p = destroyRoom(iq, jid("heath@chat.shakespeare.lit"), { reason: "Macbeth doth come.", alternateVenue: jid("coven@chat.shakespeare.lit") });
    receiveExample(await nextIq(), XEP0045_EXAMPLE_204);
    await expect(p).rejects.toMatchObject({ condition: "forbidden" });
  });
});

// ---------------------------------------------------------------------------
// §6: discovery
// ---------------------------------------------------------------------------

describe("getRoomInfo (XEP-0045 §6.4, XEP-0128)", () => {
  it("Examples 8 and 10: reads features, flags and the muc#roominfo form", async () => {
    const p = getRoomInfo(iq, jid("coven@chat.shakespeare.lit"));
    const sent = await nextIq();
    expectRequest(
      sent,
      `<iq from='hag66@shakespeare.lit/pda'
    id='ik3vs715'
    to='coven@chat.shakespeare.lit'
    type='get'>
  <query xmlns='http://jabber.org/protocol/disco#info'/>
</iq>`,
    );
    replyExample(sent, XEP0045_EXAMPLE_10);
    const info = await p;
    expect(info.jid.toString()).toBe("coven@chat.shakespeare.lit");
    expect(info.name).toBe("A Dark Cave");
    expect(info.identities).toEqual([{ category: "conference", type: "text", name: "A Dark Cave" }]);
    expect([...info.features]).toEqual([
      "http://jabber.org/protocol/muc",
      "muc_passwordprotected",
      "muc_hidden",
      "muc_temporary",
      "muc_open",
      "muc_unmoderated",
      "muc_nonanonymous",
    ]);
    expect({
      isMuc: info.isMuc,
      passwordProtected: info.passwordProtected,
      membersOnly: info.membersOnly,
      open: info.open,
      moderated: info.moderated,
      persistent: info.persistent,
      public: info.public,
      nonAnonymous: info.nonAnonymous,
    }).toEqual({
      isMuc: true,
      passwordProtected: true,
      membersOnly: false,
      open: true,
      moderated: false,
      persistent: false,
      public: false,
      nonAnonymous: true,
    });
    const { contactJids, ...rest } = info.info;
    expect(contactJids?.map(String)).toEqual(["crone1@shakespeare.lit"]);
    expect(rest).toEqual({
      description: "The place for all good witches!",
      subject: "Spells",
      changeSubject: true,
      occupants: 3,
      ldapGroup: "cn=witches,dc=shakespeare,dc=lit",
      lang: "en",
      logs: "http://www.shakespeare.lit/chatlogs/coven/",
      maxHistoryFetch: 50,
      pubsub: "xmpp:pubsub.shakespeare.lit?;node=the-coven-node",
    });
    expect(info.form?.fields[0]?.values).toEqual(["http://jabber.org/protocol/muc#roominfo"]);
  });

  it("Example 9: a room without extended information reads as info {}; the opposite flags", async () => {
    const p = getRoomInfo(iq, jid("coven@chat.shakespeare.lit"));
    conn.replyResult(
      await nextIq(),
      `<query xmlns='http://jabber.org/protocol/disco#info'>
    <identity category='conference' name='A Dark Cave' type='text'/>
    <feature var='http://jabber.org/protocol/muc'/>
    <feature var='muc_unsecured'/>
    <feature var='muc_public'/>
    <feature var='muc_persistent'/>
    <feature var='muc_membersonly'/>
    <feature var='muc_moderated'/>
    <feature var='muc_semianonymous'/>
  </query>`,
    );
    const info = await p;
    expect(info.info).toEqual({});
    expect(info.form).toBeUndefined();
    expect([info.passwordProtected, info.public, info.persistent, info.membersOnly, info.open, info.moderated, info.nonAnonymous]).toEqual([
      false,
      true,
      true,
      true,
      false,
      true,
      false,
    ]);
  });

  it("XEP-0030 Example 8: an entity that is not a MUC room reads isMuc false", async () => {
    const p = getRoomInfo(iq, jid("romeo@montague.net"));
    conn.replyResult(
      await nextIq(),
      `<query xmlns='http://jabber.org/protocol/disco#info'>
    <identity
        category='client'
        type='pc'
        name='Gabber'/>
    <feature var='http://jabber.org/protocol/disco#info'/>
    <feature var='jabber:iq:time'/>
    <feature var='jabber:iq:version'/>
  </query>`,
    );
    const info = await p;
    expect(info.isMuc).toBe(false);
    expect(info.name).toBe("Gabber");
  });

  it("a roominfo value that does not parse is left out, and other forms are ignored", async () => {
    const p = getRoomInfo(iq, jid("coven@chat.shakespeare.lit"));
    conn.replyResult(
      await nextIq(),
      `<query xmlns='http://jabber.org/protocol/disco#info'>
    <identity category='conference' type='text'/>
    <feature var='http://jabber.org/protocol/muc'/>
    <x xmlns='jabber:x:data' type='result'>
      <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>
      <field var='muc#roominfo_subject'><value>Not this one</value></field>
    </x>
    <x xmlns='jabber:x:data' type='result'>
      <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roominfo</value></field>
      <field var='muc#roominfo_occupants'><value>many</value></field>
      <field var='muc#roominfo_subject'><value>Spells</value></field>
    </x>
  </query>`,
    );
    const info = await p;
    expect(info.name).toBeUndefined();
    expect(info.info).toEqual({ subject: "Spells" });
  });

  it("a result without a disco#info query, or with a malformed one, rejects with DecodeError", async () => {
    const p1 = getRoomInfo(iq, jid("coven@chat.shakespeare.lit"));
    conn.replyResult(await nextIq(), `<query xmlns='http://jabber.org/protocol/disco#items'/>`);
    await expect(p1).rejects.toBeInstanceOf(DecodeError);
    const p2 = getRoomInfo(iq, jid("coven@chat.shakespeare.lit"));
    conn.replyResult(await nextIq(), `<query xmlns='http://jabber.org/protocol/disco#info'><identity type='text'/></query>`);
    await expect(p2).rejects.toBeInstanceOf(DecodeError);
    await expect(p2).rejects.toMatchObject({ field: "identities.category" });
  });

  it("XEP-0030 Example 3 (sent from a room address): an unknown room rejects with item-not-found", async () => {
    const p = getRoomInfo(iq, jid("nowhere@plays.shakespeare.lit"));
    receiveExample(
      await nextIq(),
      `<iq type='error'
    from='nowhere@plays.shakespeare.lit'
    to='romeo@montague.net/orchard'
    id='info1'>
  <query xmlns='http://jabber.org/protocol/disco#info'/>
  <error type='cancel'>
    <item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
  </error>
</iq>`,
    );
    await expect(p).rejects.toMatchObject({ condition: "item-not-found" });
  });
});

/** A disco#items result payload with rooms `names` and an optional RSM `<set/>` (inner XML). */
function roomsPage(names: readonly string[], set?: string): string {
  const items = names.map((n) => `<item jid='${n}@chat.shakespeare.lit'/>`).join("");
  return `<query xmlns='http://jabber.org/protocol/disco#items'>${items}${set === undefined ? "" : `<set xmlns='http://jabber.org/protocol/rsm'>${set}</set>`}</query>`;
}

describe("listRooms (XEP-0045 §6.3, XEP-0059)", () => {
  it("Examples 5–6: lists the rooms of a service", async () => {
    const p = listRooms(iq, jid("chat.shakespeare.lit"));
    const sent = await nextIq();
    expectRequest(sent, XEP0045_EXAMPLE_5);
    replyExample(sent, XEP0045_EXAMPLE_6);
    expect((await p).map((r) => ({ ...r, jid: r.jid.toString() }))).toEqual([
      { jid: "heath@chat.shakespeare.lit", name: "A Lonely Heath" },
      { jid: "coven@chat.shakespeare.lit", name: "A Dark Cave" },
      { jid: "forres@chat.shakespeare.lit", name: "The Palace" },
      { jid: "inverness@chat.shakespeare.lit", name: "Macbeth's Castle" },
    ]);
    expect(conn.takeSent()).toEqual([]);
  });

  it("Example 7: follows the RSM pages of a partial list until count is reached", async () => {
    const p = listRooms(iq, jid("chat.shakespeare.lit"));
    const first = await nextIq();
    expect(canonical(payloadOf(first)!)).toBe(xmlText(`<query xmlns='http://jabber.org/protocol/disco#items'/>`));
    replyExample(first, XEP0045_EXAMPLE_7);
    const second = await nextIq();
    expect(second.attrs.type).toBe("get");
    expect(canonical(payloadOf(second)!)).toBe(
      xmlText(`<query xmlns='http://jabber.org/protocol/disco#items'>
  <set xmlns='http://jabber.org/protocol/rsm'><after>henry-the-fifth@chat.shakespeare.lit</after></set>
</query>`),
    );
    const rest = Array.from({ length: 27 }, (_, i) => `play${i}`);
    conn.replyResult(second, roomsPage(rest, `<first index='10'>play0@chat.shakespeare.lit</first><last>play26@chat.shakespeare.lit</last><count>37</count>`));
    const rooms = await p;
    expect(rooms).toHaveLength(37);
    expect(rooms[0]?.jid.toString()).toBe("alls-well-that-ends-well@chat.shakespeare.lit");
    expect(rooms[36]?.jid.toString()).toBe("play26@chat.shakespeare.lit");
    expect(conn.takeSent()).toEqual([]);
  });

  it("XEP-0059 Examples 17–18: max is asked for as the page size and bounds the result", async () => {
    const p = listRooms(iq, jid("conference.jabber.org"), { max: 20 });
    const sent = await nextIq();
    expectRequest(sent, XEP0059_EXAMPLE_17);
    const names = Array.from({ length: 20 }, (_, i) => `room${i}`);
    conn.replyResult(
      sent,
      roomsPage(names, `<first index='0'>acc3594e844c77696f7a7ba9367ae324b6b958ad</first><last>4da91d4b330112f683dddaebf93180b1bd25e95f</last><count>150</count>`),
    );
    expect(await p).toHaveLength(20);
    expect(conn.takeSent()).toEqual([]);
  });

  it("XEP-0059 Example 19: asks for the rest of max after the last item received", async () => {
    const p = listRooms(iq, jid("conference.jabber.org"), { max: 25 });
    const names = Array.from({ length: 20 }, (_, i) => `room${i}`);
    conn.replyResult(
      await nextIq(),
      roomsPage(names, `<first index='0'>acc3594e844c77696f7a7ba9367ae324b6b958ad</first><last>4da91d4b330112f683dddaebf93180b1bd25e95f</last><count>150</count>`),
    );
    const second = await nextIq();
    expect(canonical(payloadOf(second)!)).toBe(
      xmlText(`<query xmlns='http://jabber.org/protocol/disco#items'>
    <set xmlns='http://jabber.org/protocol/rsm'>
      <max>5</max>
      <after>4da91d4b330112f683dddaebf93180b1bd25e95f</after>
    </set>
  </query>`),
    );
    // A service that ignores <max/> still yields no more than asked for.
    conn.replyResult(second, roomsPage(Array.from({ length: 9 }, (_, i) => `more${i}`), `<last>more8@chat.shakespeare.lit</last><count>150</count>`));
    const rooms = await p;
    expect(rooms).toHaveLength(25);
    expect(rooms[24]?.jid.toString()).toBe("more4@chat.shakespeare.lit");
  });

  it(`stops after ${MAX_ROOM_LIST_PAGES} pages of a service whose pages never end`, async () => {
    const p = listRooms(iq, jid("chat.shakespeare.lit"));
    for (let i = 0; i < MAX_ROOM_LIST_PAGES; i++) {
      const sent = await nextIq();
      conn.replyResult(sent, roomsPage([`r${i}`], `<last>r${i}</last>`));
    }
    expect(await p).toHaveLength(MAX_ROOM_LIST_PAGES);
    expect(conn.takeSent()).toEqual([]);
  });

  it("stops at an empty page and at a page that does not advance", async () => {
    const p1 = listRooms(iq, jid("chat.shakespeare.lit"));
    conn.replyResult(await nextIq(), roomsPage(["a"], `<last>a</last>`));
    conn.replyResult(await nextIq(), roomsPage([], `<count>1</count>`));
    expect(await p1).toHaveLength(1);

    const p2 = listRooms(iq, jid("chat.shakespeare.lit"));
    conn.replyResult(await nextIq(), roomsPage(["a"], `<last>a</last>`));
    conn.replyResult(await nextIq(), roomsPage(["a"], `<last>a</last>`));
    expect(await p2).toHaveLength(2);
    expect(conn.takeSent()).toEqual([]);
  });

  it("skips items that do not decode; a malformed <set/> rejects with DecodeError", async () => {
    const p1 = listRooms(iq, jid("chat.shakespeare.lit"));
    conn.replyResult(
      await nextIq(),
      `<query xmlns='http://jabber.org/protocol/disco#items'><item name='no jid'/><item jid='a@b@c'/><item jid='coven@chat.shakespeare.lit'/></query>`,
    );
    expect((await p1).map((r) => r.jid.toString())).toEqual(["coven@chat.shakespeare.lit"]);

    const p2 = listRooms(iq, jid("chat.shakespeare.lit"));
    conn.replyResult(await nextIq(), roomsPage(["a"], `<last>a</last><count>lots</count>`));
    await expect(p2).rejects.toBeInstanceOf(DecodeError);
    await expect(p2).rejects.toMatchObject({ element: "query", field: "rsm.count" });

    const p3 = listRooms(iq, jid("chat.shakespeare.lit"));
    conn.replyResult(await nextIq());
    await expect(p3).rejects.toBeInstanceOf(DecodeError);
  });

  it("rejects a service JID with a resource and an invalid max with MucStateError; max 0 sends nothing", async () => {
    await expect(listRooms(iq, jid("chat.shakespeare.lit/x"))).rejects.toBeInstanceOf(MucStateError);
    await expect(listRooms(iq, jid("chat.shakespeare.lit"), { max: -1 })).rejects.toBeInstanceOf(MucStateError);
    await expect(listRooms(iq, jid("chat.shakespeare.lit"), { max: 1.5 })).rejects.toBeInstanceOf(MucStateError);
    await expect(listRooms(iq, jid("chat.shakespeare.lit"), { max: 0 })).resolves.toEqual([]);
    expectNothingSent();
  });
});

// ---------------------------------------------------------------------------
// Every function: invalid rooms, error answers, spoofed answers, aborts
// ---------------------------------------------------------------------------

/** Every request function, called on `room` with `options`; `payload` is a valid answer to it. */
const CALLS: { name: string; call: (room: JID, options: AdminRequestOptions) => Promise<unknown>; payload?: string }[] = [
  { name: "setRole", call: (room, o) => setRole(iq, room, "thirdwitch", "none", o) },
  { name: "setAffiliation", call: (room, o) => setAffiliation(iq, room, jid("hag66@shakespeare.lit"), "outcast", o) },
  { name: "setAffiliations", call: (room, o) => setAffiliations(iq, room, [{ jid: jid("hag66@shakespeare.lit"), affiliation: "member" }], o) },
  {
    name: "getAffiliations",
    call: (room, o) => getAffiliations(iq, room, "member", o),
    payload: `<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='hag66@shakespeare.lit'/></query>`,
  },
  {
    name: "getRoleList",
    call: (room, o) => getRoleList(iq, room, "moderator", o),
    payload: `<query xmlns='http://jabber.org/protocol/muc#admin'><item role='moderator' nick='crone1'/></query>`,
  },
  { name: "getRoomConfig", call: (room, o) => getRoomConfig(iq, room, o), payload: `<query xmlns='http://jabber.org/protocol/muc#owner'/>` },
  { name: "setRoomConfig", call: (room, o) => setRoomConfig(iq, room, { persistent: true }, o) },
  { name: "createInstantRoom", call: (room, o) => createInstantRoom(iq, room, o) },
  { name: "cancelRoomConfig", call: (room, o) => cancelRoomConfig(iq, room, o) },
  { name: "destroyRoom", call: (room, o) => destroyRoom(iq, room, o) },
  { name: "getRoomInfo", call: (room, o) => getRoomInfo(iq, room, o), payload: `<query xmlns='http://jabber.org/protocol/disco#info'/>` },
];

describe("every room request", () => {
  for (const { name, call, payload } of CALLS) {
    describe(name, () => {
      it("rejects a room JID with a resource, or without a localpart, with MucStateError, sending nothing", async () => {
        await expect(call(jid("coven@chat.shakespeare.lit/firstwitch"), {})).rejects.toBeInstanceOf(MucStateError);
        await expect(call(jid("chat.shakespeare.lit"), {})).rejects.toBeInstanceOf(MucStateError);
        expectNothingSent();
      });

      it("resolves on a result from the room", async () => {
        const p = call(jid("coven@chat.shakespeare.lit"), {});
        conn.replyResult(await nextIq(), payload);
        await expect(p).resolves.not.toBeInstanceOf(Error);
      });

      it("rejects with the XMPPError of an error answer", async () => {
        const p = call(jid("coven@chat.shakespeare.lit"), {});
        conn.replyError(await nextIq(), "forbidden", { text: "Owners only" });
        await expect(p).rejects.toBeInstanceOf(XMPPError);
        await expect(p).rejects.toMatchObject({ condition: "forbidden", type: "auth", text: "Owners only" });
      });

      it("ignores a spoofed answer from another JID, then times out", async () => {
        const p = call(jid("coven@chat.shakespeare.lit"), { timeout: 50 });
        const sent = await nextIq();
        conn.replyResult(sent, payload, "mallory@evil.lit");
        conn.replyResult(sent, payload, "coven@chat.shakespeare.lit/mallory");
        await expect(p).rejects.toBeInstanceOf(TimeoutError);
      });

      it("rejects with AbortError when the signal aborts", async () => {
        const controller = new AbortController();
        const p = call(jid("coven@chat.shakespeare.lit"), { signal: controller.signal });
        await nextIq();
        controller.abort();
        await expect(p).rejects.toBeInstanceOf(AbortError);
      });
    });
  }

  it("listRooms ignores a spoofed answer, then times out", async () => {
    const p = listRooms(iq, jid("chat.shakespeare.lit"), { timeout: 50 });
    conn.replyResult(await nextIq(), roomsPage(["evil"]), "evil.lit");
    await expect(p).rejects.toBeInstanceOf(TimeoutError);
  });

  it("listRooms rejects with the XMPPError of an error answer", async () => {
    const p = listRooms(iq, jid("chat.shakespeare.lit"));
    conn.replyError(await nextIq(), "service-unavailable");
    await expect(p).rejects.toMatchObject({ name: "XMPPError", condition: "service-unavailable" });
  });
});
