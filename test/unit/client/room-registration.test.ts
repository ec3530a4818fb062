/**
 * Registering with a room (XEP-0045 §7.10), the reserved nick (§7.12) and
 * unique room names (§10.1.4, XEP-0307), over the mock connection: the IQs
 * sent and the answers read, with the examples of XEP-0045 (version 1.35.5)
 * and XEP-0307, by caption.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { getReservedNick, getRoomRegistration, getUniqueRoomName, MucService, MucStateError, registerWithRoom, XMPPError } from "../../../src/index.js";
import { DecodeError } from "../../../src/xso/errors.js";
import { MockConnection } from "../../../src/testing/index.js";
import { canonical, parseXml } from "../../helpers/xml.js";
import { XEP0045_EXAMPLE_70 } from "../../fixtures/xep-examples.js";

const ROOM = "coven@chat.shakespeare.lit";
const ME = "hag66@shakespeare.lit/pda";

let services: MucService[] = [];
afterEach(() => {
  for (const m of services) m.close();
  services = [];
});

function setup(): { conn: MockConnection; muc: MucService } {
  const conn = new MockConnection({ jid: ME });
  const muc = new MucService(conn, { selfPing: false });
  services.push(muc);
  return { conn, muc };
}

/** Answer the next IQ with `answer` (an example, its id replaced by the request's); the request. */
async function answer(conn: MockConnection, answerXml: string): Promise<Element> {
  const request = await conn.nextSent((s) => s.is("iq"), 1_000);
  const reply = parseXml(answerXml);
  reply.attrs.id = request.attrs.id;
  conn.receive(reply.toString());
  return request;
}

/** `el`'s first element child, without whitespace-only text, in canonical form. */
function payload(el: Element): string {
  const strip = (e: Element): Element => {
    e.children = e.children.filter((c) => typeof c !== "string" || c.trim() !== "");
    for (const c of e.children) if (typeof c !== "string") strip(c);
    return e;
  };
  return canonical(strip(el.children.find((c): c is Element => typeof c !== "string")!));
}

const REGISTRATION_FORM = XEP0045_EXAMPLE_70;

describe("getRoomRegistration (§7.10)", () => {
  it("'User Requests Registration Requirements' / 'Service Returns Registration Form'", async () => {
    const { conn, muc } = setup();
    const result = getRoomRegistration(muc, ROOM);
    const request = await answer(conn, REGISTRATION_FORM);
    expect(request.attrs).toMatchObject({ type: "get", to: ROOM });
    expect(payload(request)).toBe(canonical(parseXml(`<query xmlns='jabber:iq:register'/>`)));
    const info = await result;
    expect(info.registered).toBe(false);
    expect(info.nick).toBeUndefined();
    expect(info.instructions?.trim()).toBe("To register on the web, visit http://shakespeare.lit/");
    expect(info.form?.title).toBe("Dark Cave Registration");
    expect(info.form?.fields.map((f) => f.var)).toContain("muc#register_roomnick");
    expect(info.form?.fields.find((f) => f.var === "muc#register_roomnick")?.required).toBe(true);
    expect(info.fields).toEqual({});
  });

  it("'User Is Already Registered': registered, with the nick", async () => {
    const { conn, muc } = setup();
    const result = getRoomRegistration(muc, ROOM);
    await answer(
      conn,
      `<iq from='coven@chat.shakespeare.lit'
    id='jw81b36f'
    to='hag66@shakespeare.lit/pda'
    type='result'>
  <query xmlns='jabber:iq:register'>
    <registered/>
    <username>thirdwitch</username>
  </query>
</iq>`,
    );
    expect(await result).toEqual({ registered: true, nick: "thirdwitch", fields: {} });
  });

  it("'User Is Not Allowed to Register': an XMPPError not-allowed", async () => {
    const { conn, muc } = setup();
    const result = getRoomRegistration(muc, ROOM);
    await answer(
      conn,
      `<iq from='coven@chat.shakespeare.lit'
    id='jw81b36f'
    to='hag66@shakespeare.lit/pda'
    type='error'>
  <error type='cancel'>
    <not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
  </error>
</iq>`,
    );
    await expect(result).rejects.toMatchObject({ name: "XMPPError", condition: "not-allowed" });
  });
});

describe("registerWithRoom (§7.10)", () => {
  it("'User Submits Registration Form' from typed fields; 'Room Informs User that Registration Request Has Been Processed'", async () => {
    const { conn, muc } = setup();
    const done = registerWithRoom(muc, ROOM, {
      first: "Brunhilde",
      last: "Entwhistle-Throckmorton",
      roomNick: "thirdwitch",
      url: "http://witchesonline/~hag66/",
      email: "hag66@witchesonline",
      faqEntry: "Just another witch.",
    });
    const request = await answer(conn, `<iq from='coven@chat.shakespeare.lit' id='nv71va54' to='hag66@shakespeare.lit/pda' type='result'/>`);
    await done;
    expect(request.attrs).toMatchObject({ type: "set", to: ROOM });
    const x = request.getChild("query", "jabber:iq:register")!.getChild("x", "jabber:x:data")!;
    expect(x.attrs.type).toBe("submit");
    const values = Object.fromEntries(x.getChildren("field").map((f) => [f.attrs.var, f.getChildren("value").map((v) => v.text())]));
    // The example's values, field by field (FORM_TYPE first).
    expect(x.getChildren("field")[0]?.attrs.var).toBe("FORM_TYPE");
    expect(values).toEqual({
      FORM_TYPE: ["http://jabber.org/protocol/muc#register"],
      "muc#register_first": ["Brunhilde"],
      "muc#register_last": ["Entwhistle-Throckmorton"],
      "muc#register_roomnick": ["thirdwitch"],
      "muc#register_url": ["http://witchesonline/~hag66/"],
      "muc#register_email": ["hag66@witchesonline"],
      "muc#register_faqentry": ["Just another witch."],
    });
  });

  it("submits a filled-in data form as it is, as type submit", async () => {
    const { conn, muc } = setup();
    const done = registerWithRoom(muc, ROOM, {
      type: "form",
      fields: [
        { var: "FORM_TYPE", type: "hidden", values: ["http://jabber.org/protocol/muc#register"] },
        { var: "muc#register_roomnick", values: ["thirdwitch"] },
        { var: "x-custom", values: ["yes"] },
      ],
    });
    const request = await answer(conn, `<iq type='result' from='${ROOM}'/>`);
    await done;
    const x = request.getChild("query", "jabber:iq:register")!.getChild("x", "jabber:x:data")!;
    expect(x.attrs.type).toBe("submit");
    expect(x.getChildren("field").map((f) => f.attrs.var)).toEqual(["FORM_TYPE", "muc#register_roomnick", "x-custom"]);
  });

  it("'Room Returns Conflict Error to User' when the nick is taken", async () => {
    const { conn, muc } = setup();
    const done = registerWithRoom(muc, ROOM, { roomNick: "thirdwitch" });
    await answer(
      conn,
      `<iq from='coven@chat.shakespeare.lit'
    id='nv71va54'
    to='hag66@shakespeare.lit/pda'
    type='error'>
  <error type='cancel'>
    <conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
  </error>
</iq>`,
    );
    await expect(done).rejects.toBeInstanceOf(XMPPError);
    await expect(done).rejects.toMatchObject({ condition: "conflict" });
  });

  it("a registration without a nick, or for a JID that is no room, is refused before sending", async () => {
    const { conn, muc } = setup();
    await expect(registerWithRoom(muc, ROOM, { roomNick: " " })).rejects.toBeInstanceOf(MucStateError);
    await expect(registerWithRoom(muc, `${ROOM}/nick`, { roomNick: "x" })).rejects.toBeInstanceOf(MucStateError);
    expect(conn.takeSent().filter((s) => s.is("iq"))).toEqual([]);
  });
});

describe("getReservedNick (§7.12)", () => {
  it("'User Requests Reserved Nickname' / 'Room Returns Nickname'", async () => {
    const { conn, muc } = setup();
    const nick = getReservedNick(muc, ROOM);
    const request = await answer(
      conn,
      `<iq from='coven@chat.shakespeare.lit'
    id='getnick1'
    to='hag66@shakespeare.lit/pda'
    type='result'>
  <query xmlns='http://jabber.org/protocol/disco#info'
         node='x-roomuser-item'>
    <identity
        category='conference'
        name='thirdwitch'
        type='text'/>
  </query>
</iq>`,
    );
    expect(payload(request)).toBe(canonical(parseXml(`<query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/>`)));
    expect(await nick).toBe("thirdwitch");
  });

  it("an empty answer: no reserved nick", async () => {
    const { conn, muc } = setup();
    const nick = getReservedNick(muc, ROOM);
    await answer(conn, `<iq type='result' from='${ROOM}'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>`);
    expect(await nick).toBeUndefined();
  });
});

describe("getUniqueRoomName (§10.1.4, XEP-0307)", () => {
  it("'Entity Requests Unique Room Name' / 'Service Returns Unique Room Name': the room JID to create", async () => {
    const { conn, muc } = setup();
    const jid = getUniqueRoomName(muc, "chat.shakespeare.lit");
    const request = await answer(
      conn,
      `<iq from='chat.shakespeare.lit'
    id='unique1'
    to='crone1@shakespeare.lit/desktop'
    type='result'>
  <unique xmlns='http://jabber.org/protocol/muc#unique'>
    6d9423a55f499b29ad20bf7b2bdea4f4b885ead1
  </unique>
</iq>`,
    );
    expect(request.attrs).toMatchObject({ type: "get", to: "chat.shakespeare.lit" });
    expect(payload(request)).toBe(canonical(parseXml(`<unique xmlns='http://jabber.org/protocol/muc#unique'/>`)));
    expect((await jid).toString()).toBe("6d9423a55f499b29ad20bf7b2bdea4f4b885ead1@chat.shakespeare.lit");
  });

  it("a name that is no JID localpart is a DecodeError", async () => {
    for (const bad of ["", "a@b", "a/b", "with space"]) {
      const { conn, muc } = setup();
      const jid = getUniqueRoomName(muc, "chat.shakespeare.lit");
      await answer(conn, `<iq type='result' from='chat.shakespeare.lit'><unique xmlns='http://jabber.org/protocol/muc#unique'>${bad}</unique></iq>`);
      await expect(jid).rejects.toBeInstanceOf(DecodeError);
    }
  });
});
