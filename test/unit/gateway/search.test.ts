/**
 * Searching the legacy network (transcripts on the mock component): XEP-0055
 * jabber search, XEP-0100 `jabber:iq:gateway` lookups, and the search
 * command, answered by `session.onSearch`; not offered when the module has no
 * search.
 */
import { afterEach, describe, expect, it } from "vitest";
import { GW, NS_DISCO_INFO, RES, USER, TestNetwork, closeStores, errorCondition, request, startGateway } from "./helpers.js";

const FULL = `${USER}/${RES}`;
const SEARCH = "jabber:iq:search";
const IQ_GATEWAY = "jabber:iq:gateway";
const CMD = "http://jabber.org/protocol/commands";

afterEach(() => closeStores());

async function searching() {
  const net = new TestNetwork();
  net.search = true;
  return startGateway({ net });
}

describe("XEP-0055 jabber search", () => {
  it("is advertised with XEP-0100 (one field); the form comes from searchFields; results are a result form", async () => {
    const h = await searching();
    const info = await request(h, `<iq type='get' id='d1' from='${FULL}' to='${GW}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
    const features = info.getChild("query")?.getChildren("feature").map((f) => f.attrs.var);
    expect(features).toContain(SEARCH);
    expect(features).toContain(IQ_GATEWAY);

    const form = await request(h, `<iq type='get' id='s1' from='${FULL}' to='${GW}'><query xmlns='${SEARCH}'/></iq>`);
    const x = form.getChild("query", SEARCH)?.getChild("x", "jabber:x:data");
    expect(x?.attrs.type).toBe("form");
    expect(x?.getChildText("title")).toBe("Search for legacy contacts");
    expect(x?.getChildren("field").map((f) => [f.attrs.var, f.attrs.label])).toEqual([["query", "Name or address"]]);

    const result = await request(
      h,
      `<iq type='set' id='s2' from='${FULL}' to='${GW}'><query xmlns='${SEARCH}'><x xmlns='jabber:x:data' type='submit'><field var='query'><value>bob</value></field></x></query></iq>`,
    );
    const rx = result.getChild("query", SEARCH)?.getChild("x", "jabber:x:data");
    expect(rx?.attrs.type).toBe("result");
    expect(rx?.getChild("reported")?.getChildren("field").map((f) => f.attrs.var)).toEqual(["jid", "name"]);
    expect(rx?.getChildren("item").map((i) => i.getChildren("field").map((f) => f.getChildText("value")))).toEqual([
      [`bob@${GW}`, "Bob Builder"],
      [`bobby@${GW}`, "Bobby Tables"],
    ]);
    expect(h.net.calls.onSearch).toEqual([{ query: "bob" }]);
  });

  it("refuses an empty required field, strangers, and a module without search (not advertised either)", async () => {
    const h = await searching();
    const empty = await request(h, `<iq type='set' id='e1' from='${FULL}' to='${GW}'><query xmlns='${SEARCH}'><x xmlns='jabber:x:data' type='submit'/></query></iq>`);
    expect(errorCondition(empty)).toBe("not-acceptable");
    const stranger = await request(h, `<iq type='get' id='e2' from='juliet@capulet.lit/balcony' to='${GW}'><query xmlns='${SEARCH}'/></iq>`);
    expect(errorCondition(stranger)).toBe("registration-required");
    expect(h.net.calls.onSearch).toEqual([]);

    const plain = await startGateway();
    const info = await request(plain, `<iq type='get' id='d1' from='${FULL}' to='${GW}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
    expect(info.getChild("query")?.getChildren("feature").map((f) => f.attrs.var)).not.toContain(SEARCH);
    expect(errorCondition(await request(plain, `<iq type='get' id='e3' from='${FULL}' to='${GW}'><query xmlns='${SEARCH}'/></iq>`))).toBe("feature-not-implemented");
  });

  it("onSearch gets the values of searchFields alone, whatever else a form or a hand-written query holds", async () => {
    const h = await searching();
    const byForm = await request(
      h,
      `<iq type='set' id='x1' from='${FULL}' to='${GW}'><query xmlns='${SEARCH}'><x xmlns='jabber:x:data' type='submit'><field var='query'><value>bob</value></field><field var='admin'><value>1</value></field></x></query></iq>`,
    );
    expect(byForm.attrs.type).toBe("result");
    const byElements = await request(h, `<iq type='set' id='x2' from='${FULL}' to='${GW}'><query xmlns='${SEARCH}'><query>carol</query><constructor>x</constructor></query></iq>`);
    expect(byElements.attrs.type).toBe("result");
    expect(h.net.calls.onSearch).toEqual([{ query: "bob" }, { query: "carol" }]);
  });
});

describe("XEP-0055: only a submitted form searches", () => {
  it("a form of type form or result is bad-request; cancel is answered with an empty query; onSearch is not called", async () => {
    const h = await searching();
    for (const [id, type] of [["t1", "form"], ["t2", "result"]] as const) {
      const iq = await request(
        h,
        `<iq type='set' id='${id}' from='${FULL}' to='${GW}'><query xmlns='${SEARCH}'><x xmlns='jabber:x:data' type='${type}'><field var='query'><value>bob</value></field></x></query></iq>`,
      );
      expect(errorCondition(iq), type).toBe("bad-request");
    }
    const cancel = await request(h, `<iq type='set' id='t3' from='${FULL}' to='${GW}'><query xmlns='${SEARCH}'><x xmlns='jabber:x:data' type='cancel'/></query></iq>`);
    expect(cancel.attrs.type).toBe("result");
    expect(cancel.getChild("query", SEARCH)?.children).toEqual([]);
    expect(h.net.calls.onSearch).toEqual([]);
  });
});

describe("XEP-0100 jabber:iq:gateway", () => {
  it("prompts with the single field's label, and turns a legacy address into the JID of the one match", async () => {
    const h = await searching();
    const prompt = await request(h, `<iq type='get' id='g1' from='${FULL}' to='${GW}'><query xmlns='${IQ_GATEWAY}'/></iq>`);
    expect(prompt.getChild("query", IQ_GATEWAY)?.getChildText("prompt")).toBe("Name or address");
    expect(prompt.getChild("query", IQ_GATEWAY)?.getChildText("desc")).toBe("Search for legacy contacts");
    const found = await request(h, `<iq type='set' id='g2' from='${FULL}' to='${GW}'><query xmlns='${IQ_GATEWAY}'><prompt>carol</prompt></query></iq>`);
    expect(found.getChild("query", IQ_GATEWAY)?.getChildText("jid")).toBe(`carol@${GW}`);
    // Two matches, or none: item-not-found.
    expect(errorCondition(await request(h, `<iq type='set' id='g3' from='${FULL}' to='${GW}'><query xmlns='${IQ_GATEWAY}'><prompt>bob</prompt></query></iq>`))).toBe("item-not-found");
    expect(errorCondition(await request(h, `<iq type='set' id='g4' from='${FULL}' to='${GW}'><query xmlns='${IQ_GATEWAY}'><prompt>zed</prompt></query></iq>`))).toBe("item-not-found");
    expect(errorCondition(await request(h, `<iq type='set' id='g5' from='${FULL}' to='${GW}'><query xmlns='${IQ_GATEWAY}'/></iq>`))).toBe("bad-request");
  });
});

describe("the search command", () => {
  it("as an ad-hoc command (a form, then a table) and as a chat command", async () => {
    const h = await searching();
    const first = await request(h, `<iq type='set' id='c1' from='${FULL}' to='${GW}'><command xmlns='${CMD}' node='search' action='execute'/></iq>`);
    const sid = first.getChild("command", CMD)?.attrs.sessionid as string;
    const done = await request(
      h,
      `<iq type='set' id='c2' from='${FULL}' to='${GW}'><command xmlns='${CMD}' node='search' sessionid='${sid}' action='complete'><x xmlns='jabber:x:data' type='submit'><field var='query'><value>carol</value></field></x></command></iq>`,
    );
    const items = done.getChild("command", CMD)?.getChild("x", "jabber:x:data")?.getChildren("item");
    expect(items?.map((i) => i.getChildren("field").map((f) => f.getChildText("value")))).toEqual([[`carol@${GW}`, "Carol Singer"]]);

    h.component.receive(`<message type='chat' id='m1' from='${FULL}' to='${GW}'><body>search bob</body></message>`);
    const reply = await h.component.nextSent((s) => s.is("message") && s.attrs.to === FULL);
    expect(reply.getChildText("body")).toBe(`2 found\nbob@${GW} — Bob Builder\nbobby@${GW} — Bobby Tables`);
  });
});
