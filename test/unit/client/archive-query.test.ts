/**
 * queryRoomArchive over the mock connection: the query it sends (filter
 * form, RSM page), the results it accepts (this query's, from the room only),
 * what it makes of them, and its errors. The result messages follow the MUC
 * archive example of XEP-0313 (version 1.1.3, Example 27).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { MucService, MucStateError, queryRoomArchive } from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";
import { DecodeError } from "../../../src/xso/errors.js";

const ROOM = "coven@chat.shakespeare.lit";
const ME = "hag66@shakespeare.lit/pda";
const MAM = "urn:xmpp:mam:2";

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

/** A result message of the query `queryId`, from `from`, after XEP-0313 Example 27. */
function result(queryId: string, id: string, nick: string, body: string, from = ROOM): string {
  return `<message id='aeb21${id}' to='${ME}' from='${from}'>
  <result xmlns='${MAM}' queryid='${queryId}' id='${id}'>
    <forwarded xmlns='urn:xmpp:forward:0'>
      <delay xmlns='urn:xmpp:delay' stamp='2010-07-10T23:08:25Z'/>
      <message xmlns='jabber:client' from='${ROOM}/${nick}' type='groupchat' id='m-${id}'>
        <body>${body}</body>
        <origin-id xmlns='urn:xmpp:sid:0' id='o-${id}'/>
        <occupant-id xmlns='urn:xmpp:occupant-id:0' id='occ-${nick}'/>
        <x xmlns='http://jabber.org/protocol/muc#user'>
          <item jid='${nick}@shakespeare.lit/pda'/>
        </x>
      </message>
    </forwarded>
  </result>
</message>`;
}

/** Answer the query: results first (a function of its queryid), then the IQ result with `<fin/>`. */
async function serve(conn: MockConnection, results: (queryId: string) => string[], fin: string): Promise<Element> {
  const request = await conn.nextSent((s) => s.is("iq"), 1_000);
  const queryId = request.getChild("query", MAM)!.attrs.queryid as string;
  for (const r of results(queryId)) conn.receive(r);
  conn.receive(`<iq type='result' id='${request.attrs.id as string}' from='${ROOM}'>${fin}</iq>`);
  return request;
}

const FIN = `<fin xmlns='${MAM}' complete='true'><set xmlns='http://jabber.org/protocol/rsm'><first index='0'>a1</first><last>a2</last><count>2</count></set></fin>`;

describe("queryRoomArchive", () => {
  it("reads the page: each message's archive id, stamp, nick, body and ids; the page's bounds", async () => {
    const { conn, muc } = setup();
    const page = queryRoomArchive(muc, ROOM);
    const request = await serve(conn, (q) => [result(q, "a1", "firstwitch", "Thrice the brinded cat hath mew'd."), result(q, "a2", "secondwitch", "Thrice and once the hedge-pig whined.")], FIN);
    expect(request.attrs).toMatchObject({ type: "set", to: ROOM });
    expect(request.getChild("query", MAM)!.children.filter((c) => typeof c !== "string")).toEqual([]);
    const p = await page;
    expect(p).toMatchObject({ complete: true, first: "a1", last: "a2", count: 2 });
    expect(p.messages.map((m) => [m.id, m.nick, m.body, m.originId, m.occupantId, m.messageId])).toEqual([
      ["a1", "firstwitch", "Thrice the brinded cat hath mew'd.", "o-a1", "occ-firstwitch", "m-a1"],
      ["a2", "secondwitch", "Thrice and once the hedge-pig whined.", "o-a2", "occ-secondwitch", "m-a2"],
    ]);
    expect(p.messages[0]!.stamp?.toISOString()).toBe("2010-07-10T23:08:25.000Z");
  });

  it("sends the filter as a form and the page as RSM", async () => {
    const { conn, muc } = setup();
    const page = queryRoomArchive(muc, ROOM, { start: new Date("2010-07-10T00:00:00Z"), with: `${ROOM}/firstwitch`, afterId: "a0", ids: ["a1"], max: 10, after: "a0" });
    const request = await serve(conn, () => [], `<fin xmlns='${MAM}'><set xmlns='http://jabber.org/protocol/rsm'><count>0</count></set></fin>`);
    const query = request.getChild("query", MAM)!;
    const fields = Object.fromEntries(query.getChild("x", "jabber:x:data")!.getChildren("field").map((f) => [f.attrs.var, f.getChildren("value").map((v) => v.text())]));
    expect(fields).toEqual({ FORM_TYPE: [MAM], with: [`${ROOM}/firstwitch`], start: ["2010-07-10T00:00:00Z"], "after-id": ["a0"], ids: ["a1"] });
    const set = query.getChild("set", "http://jabber.org/protocol/rsm")!;
    expect([set.getChildText("max"), set.getChildText("after")]).toEqual(["10", "a0"]);
    expect(await page).toMatchObject({ messages: [], complete: false, first: undefined, count: 0 });
  });

  it("takes only this query's results, and only from the room itself; skips a malformed one", async () => {
    const { conn, muc } = setup();
    const page = queryRoomArchive(muc, ROOM);
    await serve(
      conn,
      (q) => [
        result("another-query", "x1", "firstwitch", "not ours"),
        result(q, "x2", "mallory", "spoofed", "mallory@evil.example"),
        result(q, "x3", "mallory", "spoofed too", `${ROOM}/mallory`),
        `<message from='${ROOM}'><result xmlns='${MAM}' queryid='${q}' id='x4'><forwarded xmlns='urn:xmpp:forward:0'/></result></message>`,
        result(q, "a1", "firstwitch", "the real one"),
      ],
      FIN,
    );
    expect((await page).messages.map((m) => m.body)).toEqual(["the real one"]);
  });

  it("a result the archive sends twice is one message", async () => {
    const { conn, muc } = setup();
    const page = queryRoomArchive(muc, ROOM);
    await serve(conn, (q) => [result(q, "a1", "firstwitch", "once"), result(q, "a1", "firstwitch", "once"), result(q, "a2", "secondwitch", "twice")], FIN);
    expect((await page).messages.map((m) => `${m.id} ${m.body}`)).toEqual(["a1 once", "a2 twice"]);
  });

  it("a result read after the answer (<fin/>), even in the same read, is not part of the page", async () => {
    const { conn, muc } = setup();
    const page = queryRoomArchive(muc, ROOM);
    const request = await serve(conn, (q) => [result(q, "a1", "firstwitch", "in time")], FIN);
    const queryId = request.getChild("query", MAM)!.attrs.queryid as string;
    // Handled before the page's promise continues, as stanzas of one network read are.
    conn.receive(result(queryId, "a3", "firstwitch", "late"));
    expect((await page).messages.map((m) => `${m.id} ${m.body}`)).toEqual(["a1 in time"]);
  });

  it("an empty ids list matches nothing, and sends nothing; a closed service is refused at once", async () => {
    const { conn, muc } = setup();
    expect(await queryRoomArchive(muc, ROOM, { ids: [] })).toMatchObject({ messages: [], complete: true, count: 0 });
    expect(conn.takeSent().filter((s) => s.is("iq"))).toEqual([]);
    muc.close();
    await expect(queryRoomArchive(muc, ROOM)).rejects.toBeInstanceOf(MucStateError);
  });

  it("the room's refusal is an XMPPError; an answer without <fin/> a DecodeError; a bad argument sends nothing", async () => {
    const { conn, muc } = setup();
    const refused = queryRoomArchive(muc, ROOM, { after: "nope" });
    const request = await conn.nextSent((s) => s.is("iq"), 1_000);
    conn.receive(`<iq type='error' id='${request.attrs.id as string}' from='${ROOM}'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`);
    await expect(refused).rejects.toMatchObject({ name: "XMPPError", condition: "item-not-found" });

    const empty = queryRoomArchive(muc, ROOM);
    await serve(conn, () => [], "");
    await expect(empty).rejects.toBeInstanceOf(DecodeError);

    conn.takeSent();
    await expect(queryRoomArchive(muc, `${ROOM}/nick`)).rejects.toBeInstanceOf(MucStateError);
    await expect(queryRoomArchive(muc, ROOM, { max: -1 })).rejects.toBeInstanceOf(MucStateError);
    expect(conn.takeSent().filter((s) => s.is("iq"))).toEqual([]);
  });
});
