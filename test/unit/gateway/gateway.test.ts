/**
 * The gateway component itself: its service discovery, registration
 * (XEP-0077 with a XEP-0004 form), who may reach a room, and the order in
 * which one user's stanzas are handled.
 */
import { afterEach, describe, expect, it } from "vitest";
import { dataForm } from "../../../src/xso/data-form.js";
import { discoInfoQuery, discoItemsQuery } from "../../../src/xso/disco.js";
import { XMPPError } from "../../../src/xso/stanza-error.js";
import {
  closeStores,
  errorCondition,
  GW,
  handlingFailures,
  join,
  NS_DATA,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_MUC,
  NS_REGISTER,
  recordingLogger,
  RES,
  request,
  room,
  settle,
  startGateway,
  TestNetwork,
  USER,
  type Harness,
} from "./helpers.js";

afterEach(closeStores);

const JULIET = "juliet@capulet.lit";
const JULIET_FULL = `${JULIET}/balcony`;
const TO = `${USER}/${RES}`;

function registrationSubmit(id: string, from: string, fields: Record<string, string>): string {
  const f = Object.entries(fields)
    .map(([k, v]) => `<field var='${k}'><value>${v}</value></field>`)
    .join("");
  return `<iq type='set' id='${id}' from='${from}' to='${GW}'><query xmlns='${NS_REGISTER}'><x xmlns='${NS_DATA}' type='submit'><field var='FORM_TYPE' type='hidden'><value>${NS_REGISTER}</value></field>${f}</x></query></iq>`;
}

describe("gateway service discovery", () => {
  it("disco#info: identities gateway/<type> and conference/text, features with registration, MUC, MAM", async () => {
    const h = await startGateway();
    const reply = await request(h, `<iq type='get' id='d1' from='${JULIET_FULL}' to='${GW}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
    expect(reply.attrs).toMatchObject({ type: "result", from: GW, to: JULIET_FULL });
    const info = discoInfoQuery.decode(reply.getChild("query", NS_DISCO_INFO)!);
    expect(info.identities).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ category: "gateway", type: "test", name: "Test network" }),
        expect.objectContaining({ category: "conference", type: "text", name: "Test network" }),
      ]),
    );
    expect(info.identities).toHaveLength(2);
    for (const f of [NS_DISCO_INFO, NS_DISCO_ITEMS, NS_REGISTER, NS_MUC, "urn:xmpp:mam:2", "urn:xmpp:ping"]) expect(info.features).toContain(f);
  });

  it("vCard: the gateway's name and its avatar, as bytes or as a URL", async () => {
    const h = await startGateway();
    const vcard = async () => (await request(h, `<iq type='get' id='v${Math.random()}' from='${JULIET_FULL}' to='${GW}'><vCard xmlns='vcard-temp'/></iq>`)).getChild("vCard", "vcard-temp")!;
    expect((await vcard()).getChildText("FN")).toBe("Test network");
    expect((await vcard()).getChild("PHOTO")).toBeUndefined();
    h.gateway.componentAvatar = { type: "image/png", data: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) };
    const photo = (await vcard()).getChild("PHOTO")!;
    expect(photo.getChildText("TYPE")).toBe("image/png");
    expect(photo.getChildText("BINVAL")).toBe("iVBORw==");
    h.gateway.componentAvatar = "https://example.org/avatar.png";
    expect((await vcard()).getChild("PHOTO")?.getChildText("EXTVAL")).toBe("https://example.org/avatar.png");
  });

  it("disco#items lists only the requesting user's rooms, and nothing for an unregistered user", async () => {
    const net = new TestNetwork();
    net.userGroups[JULIET] = ["news"];
    const h = await startGateway({ net, users: [USER, JULIET] });
    const items = async (from: string) => {
      const reply = await request(h, `<iq type='get' id='i-${from}' from='${from}' to='${GW}'><query xmlns='${NS_DISCO_ITEMS}'/></iq>`);
      expect(reply.attrs.type).toBe("result");
      return discoItemsQuery.decode(reply.getChild("query", NS_DISCO_ITEMS)!).items.map((i) => `${i.jid.toString()} ${i.name}`);
    };
    expect(await items(TO)).toEqual([`coffee@${GW} Coffee`, `news@${GW} News`, `forum@${GW} Forum`]);
    expect(await items(JULIET_FULL)).toEqual([`news@${GW} News`]);
    expect(await items("tybalt@capulet.lit/sword")).toEqual([]);
  });
});

describe("registration (XEP-0077)", () => {
  it("offers a data form; once registered it says <registered/> and prefills the non-secret fields", async () => {
    const h = await startGateway();
    const form = await request(h, `<iq type='get' id='r1' from='${JULIET_FULL}' to='${GW}'><query xmlns='${NS_REGISTER}'/></iq>`);
    expect(form.attrs.type).toBe("result");
    const query = form.getChild("query", NS_REGISTER)!;
    expect(query.getChild("registered")).toBeUndefined();
    expect(query.getChildText("instructions")).toBeTruthy();
    const x = dataForm.decode(query.getChild("x", NS_DATA)!);
    expect(x.type).toBe("form");
    expect(x.fields.map((f) => [f.var, f.type, f.required])).toEqual([
      ["FORM_TYPE", "hidden", false],
      ["username", "text-single", true],
      ["password", "text-private", true],
    ]);
    const mine = await request(h, `<iq type='get' id='r2' from='${TO}' to='${GW}'><query xmlns='${NS_REGISTER}'/></iq>`);
    const q2 = mine.getChild("query", NS_REGISTER)!;
    expect(q2.getChild("registered")).toBeDefined();
    const fields = dataForm.decode(q2.getChild("x", NS_DATA)!).fields;
    expect(fields.find((f) => f.var === "username")?.values).toEqual(["romeo"]);
    expect(fields.find((f) => f.var === "password")?.values).toEqual([]);
  });

  it("a submitted form is validated, the user saved, a session logged in, and a welcome message sent", async () => {
    const h = await startGateway();
    const start = h.component.sent.length;
    const reply = await request(h, registrationSubmit("reg1", JULIET_FULL, { username: "juliet", password: "s3cret" }));
    expect(reply.attrs.type).toBe("result");
    const welcome = await h.component.nextSent((s) => s.is("message") && s.attrs.to === JULIET);
    expect(h.net.calls.validate).toEqual([{ jid: JULIET, form: { username: "juliet", password: "s3cret" } }]);
    expect(h.store.users.get(JULIET)?.legacyData).toEqual({ username: "juliet" });
    expect(h.net.calls.login).toContain(JULIET);
    const session = h.gateway.getSession(JULIET);
    expect(session?.loggedIn).toBe(true);
    const sent = h.component.sent.slice(start);
    expect(sent.map((s) => `${s.name} ${s.attrs.type ?? ""}`)).toEqual(["iq result", "presence ", "message chat"]);
    expect(sent[1]!.attrs).toMatchObject({ from: GW, to: JULIET });
    expect(sent[1]!.getChildText("status")).toBe("Connected to the test network");
    expect(welcome.attrs.from).toBe(GW);
    expect(welcome.getChildText("body")).toBe(h.gateway.welcomeMessage);
    // The new user reaches rooms at once.
    const t = await join(h, "coffee", { user: JULIET, resource: "balcony", nick: "juliet" });
    expect(t.at(-1)!.getChild("subject")).toBeDefined();
  });

  it("accepts the legacy XEP-0077 fields without a data form", async () => {
    const h = await startGateway();
    const reply = await request(h, `<iq type='set' id='reg2' from='${JULIET_FULL}' to='${GW}'><query xmlns='${NS_REGISTER}'><username>juliet</username><password>pw</password></query></iq>`);
    expect(reply.attrs.type).toBe("result");
    expect(h.net.calls.validate).toEqual([{ jid: JULIET, form: { username: "juliet", password: "pw" } }]);
  });

  it("what validate throws is the answer (an XMPPError keeps its condition); nothing is saved", async () => {
    const h = await startGateway();
    h.net.validateError = new XMPPError("not-authorized", { text: "Wrong password" });
    const reply = await request(h, registrationSubmit("reg3", JULIET_FULL, { username: "juliet", password: "wrong" }));
    expect(errorCondition(reply)).toBe("not-authorized");
    expect(reply.getChild("error")?.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBe("Wrong password");
    expect(h.store.users.get(JULIET)).toBeUndefined();
    expect(h.gateway.getSession(JULIET)).toBeUndefined();
    h.net.validateError = new Error("network unreachable");
    expect(errorCondition(await request(h, registrationSubmit("reg4", JULIET_FULL, { username: "juliet", password: "x" })))).toBe("internal-server-error");
  });

  it("a missing required field is not-acceptable, without calling validate", async () => {
    const h = await startGateway();
    const reply = await request(h, registrationSubmit("reg5", JULIET_FULL, { username: "juliet" }));
    expect(errorCondition(reply)).toBe("not-acceptable");
    expect(h.net.calls.validate).toEqual([]);
    expect(h.store.users.get(JULIET)).toBeUndefined();
  });

  it("<remove/> logs out, calls the unregister hook, clears the store; the user is then refused", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    await (await room(h, "coffee")).getParticipant("Bob", { legacyId: "u-bob" }).then((b) => b.sendText("hi", "x1"));
    expect(h.store.archive.query(USER, "coffee")).not.toEqual([]);
    const reply = await request(h, `<iq type='set' id='unreg' from='${TO}' to='${GW}'><query xmlns='${NS_REGISTER}'><remove/></query></iq>`);
    expect(reply.attrs.type).toBe("result");
    expect(h.net.calls.logout).toEqual([USER]);
    expect(h.net.calls.unregister).toEqual([USER]);
    expect(h.store.users.get(USER)).toBeUndefined();
    expect(h.store.rooms.list(USER)).toEqual([]);
    expect(h.store.archive.query(USER, "coffee")).toEqual([]);
    expect(h.gateway.getSession(USER)).toBeUndefined();
    const refused = await request(h, `<message from='${TO}' to='coffee@${GW}' type='groupchat' id='after'><body>hi</body></message>`);
    expect(errorCondition(refused)).toBe("registration-required");
    // Removing again: not registered.
    const again = await request(h, `<iq type='set' id='unreg2' from='${TO}' to='${GW}'><query xmlns='${NS_REGISTER}'><remove/></query></iq>`);
    expect(errorCondition(again)).toBe("registration-required");
  });

  it("<remove/> when the module's logout() fails: logged; the user is unregistered all the same, unregister() called, the answer a result", async () => {
    const { logger, lines } = recordingLogger();
    const h = await startGateway({ logger });
    const session = h.gateway.getSession(USER);
    if (!session) throw new Error("no session");
    session.logout = async () => {
      throw new Error("the legacy network hung up first");
    };
    const reply = await request(h, `<iq type='set' id='unreg' from='${TO}' to='${GW}'><query xmlns='${NS_REGISTER}'><remove/></query></iq>`);
    expect(reply.attrs.type).toBe("result");
    expect(session.loggedIn).toBe(false);
    expect(h.gateway.getSession(USER)).toBeUndefined();
    expect(h.store.users.get(USER)).toBeUndefined();
    expect(h.net.calls.unregister).toEqual([USER]);
    const failure = lines.find((l) => l.message.startsWith(`logout of ${USER}`));
    expect(failure?.level).toBe("warn");
    expect(String(failure?.details[0])).toContain("hung up first");
    expect(handlingFailures(lines)).toEqual([]);
  });

  it.each(["cancel", "form", "result"])("a data form of type %s is no submission: bad-request, nothing validated or registered", async (type) => {
    const h = await startGateway();
    const fields = `<field var='username'><value>juliet</value></field><field var='password'><value>s3cret</value></field>`;
    const reply = await request(h, `<iq type='set' id='t1' from='${JULIET_FULL}' to='${GW}'><query xmlns='${NS_REGISTER}'><x xmlns='${NS_DATA}' type='${type}'>${fields}</x></query></iq>`);
    expect(errorCondition(reply)).toBe("bad-request");
    expect(h.net.calls.validate).toEqual([]);
    expect(h.store.users.get(JULIET)).toBeUndefined();
    expect(h.gateway.getSession(JULIET)).toBeUndefined();
  });
});

describe("who reaches a room", () => {
  async function expectRefusedEverywhere(h: Harness, from: string, condition: string) {
    const join = await request(h, `<presence from='${from}' to='coffee@${GW}/me' id='p1'><x xmlns='${NS_MUC}'/></presence>`);
    expect(join.attrs).toMatchObject({ type: "error", from: `coffee@${GW}/me` });
    expect(errorCondition(join)).toBe(condition);
    expect(errorCondition(await request(h, `<message from='${from}' to='coffee@${GW}' type='groupchat' id='m1'><body>hi</body></message>`))).toBe(condition);
    expect(errorCondition(await request(h, `<iq type='get' id='q1' from='${from}' to='coffee@${GW}'><query xmlns='${NS_DISCO_INFO}'/></iq>`))).toBe(condition);
  }

  it("unregistered users get registration-required for presence, message and iq; errors, results and unavailable get no reply", async () => {
    const h = await startGateway();
    await expectRefusedEverywhere(h, JULIET_FULL, "registration-required");
    h.component.takeSent();
    h.component.receive(`<message from='${JULIET_FULL}' to='coffee@${GW}' type='error' id='e1'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`);
    h.component.receive(`<iq from='${JULIET_FULL}' to='coffee@${GW}' type='result' id='e2'/>`);
    h.component.receive(`<iq from='${JULIET_FULL}' to='coffee@${GW}' type='error' id='e3'/>`);
    h.component.receive(`<presence from='${JULIET_FULL}' to='coffee@${GW}/me' type='error' id='e4'/>`);
    h.component.receive(`<presence from='${JULIET_FULL}' to='coffee@${GW}/me' type='unavailable' id='e5'/>`);
    await settle(h, JULIET_FULL);
    expect(h.component.takeSent().filter((s) => s.attrs.id !== undefined && String(s.attrs.id).startsWith("e"))).toEqual([]);
  });

  it("a failing login shows the failure as the gateway's status, and the user is refused like an unregistered one", async () => {
    const net = new TestNetwork();
    net.loginError = new Error("bad token");
    const h = await startGateway({ net, users: [] });
    h.store.users.save({ jid: USER, legacyData: { username: "romeo" }, registeredAt: Date.now() });
    // A registration whose login fails: the status says so, no welcome.
    const start = h.component.sent.length;
    const reply = await request(h, registrationSubmit("reg", TO, { username: "romeo", password: "pw" }));
    expect(reply.attrs.type).toBe("result");
    const status = await h.component.nextSent((s) => s.is("presence") && s.attrs.to === USER);
    expect(status.attrs.from).toBe(GW);
    expect(status.getChildText("show")).toBe("dnd");
    expect(status.getChildText("status")).toContain("bad token");
    expect(h.gateway.getSession(USER)?.loggedIn).toBe(false);
    await expectRefusedEverywhere(h, TO, "registration-required");
    expect(h.component.sent.slice(start).some((s) => s.is("message") && s.attrs.to === USER)).toBe(false);
    // A probe of the gateway gets the status again.
    h.component.receive(`<presence type='probe' from='${TO}' to='${GW}'/>`);
    const probed = await h.component.nextSent((s) => s.is("presence") && s.attrs.to === USER);
    expect(probed.getChildText("show")).toBe("dnd");
  });

  it("a failing login at start: the status says so and the user is refused", async () => {
    const net = new TestNetwork();
    net.loginError = new Error("expired session");
    const h = await startGateway({ net });
    const status = h.component.sent.find((s) => s.is("presence") && s.attrs.to === USER);
    expect(status?.getChildText("status")).toContain("expired session");
    await expectRefusedEverywhere(h, TO, "registration-required");
  });

  it("a stanza for a room the user does not have is item-not-found (a module that creates no groups)", async () => {
    const net = new TestNetwork();
    net.groupLifecycle = false;
    const h = await startGateway({ net });
    const joinReply = await request(h, `<presence from='${TO}' to='nosuch@${GW}/romeo' id='n1'><x xmlns='${NS_MUC}'/></presence>`);
    expect(errorCondition(joinReply)).toBe("item-not-found");
    expect(errorCondition(await request(h, `<message from='${TO}' to='nosuch@${GW}' type='groupchat' id='n2'><body>x</body></message>`))).toBe("item-not-found");
    expect(errorCondition(await request(h, `<iq type='get' id='n3' from='${TO}' to='nosuch@${GW}'><query xmlns='${NS_DISCO_INFO}'/></iq>`))).toBe("item-not-found");
    // Leaving a room one does not have needs no answer.
    h.component.receive(`<presence from='${TO}' to='nosuch@${GW}/romeo' type='unavailable' id='n4'/>`);
    await settle(h);
    expect(h.component.sent.some((s) => s.attrs.id === "n4")).toBe(false);
  });
});

describe("IQ types (RFC 6120 §8.2.3)", () => {
  const ROOM = `coffee@${GW}`;
  const targets = [GW, ROOM, `${ROOM}/romeo`, `${ROOM}/Bob`];

  it.each(targets)("an IQ to %s without a type, or of an unknown type, is bad-request (modify), and no hook is called", async (to) => {
    const h = await startGateway();
    await join(h, "coffee");
    for (const [id, type] of [["t1", ""], ["t2", " type='bogus'"], ["t3", " type=''"], ["t4", " type='GET'"]] as const) {
      const reply = await request(h, `<iq id='${id}'${type} from='${TO}' to='${to}'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Carol' role='none'/></query></iq>`);
      expect(reply.attrs).toMatchObject({ type: "error", id, from: to, to: TO });
      expect(errorCondition(reply)).toBe("bad-request");
      expect(reply.getChild("error")?.attrs.type).toBe("modify");
    }
    // From a user who is not registered, too.
    const stranger = await request(h, `<iq id='t5' from='${JULIET_FULL}' to='${to}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
    expect(errorCondition(stranger)).toBe("bad-request");
    expect(h.net.calls.onKick).toEqual([]);
  });

  it.each(targets)("an unsolicited result or error IQ to %s gets no reply at all", async (to) => {
    const h = await startGateway();
    await join(h, "coffee");
    h.component.takeSent();
    h.component.receive(`<iq type='result' id='r1' from='${TO}' to='${to}'/>`);
    h.component.receive(`<iq type='result' id='r2' from='${TO}' to='${to}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
    h.component.receive(`<iq type='error' id='r3' from='${TO}' to='${to}'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`);
    h.component.receive(`<iq type='error' id='r4' from='${TO}' to='${to}'/>`);
    await settle(h);
    expect(h.component.takeSent().filter((s) => typeof s.attrs.id === "string" && s.attrs.id.startsWith("r"))).toEqual([]);
  });
});

describe("ordering", () => {
  it("one user's stanzas are handled in order even when a hook is slow; another user is not held up", async () => {
    const net = new TestNetwork();
    net.textDelayMs = (text) => (text === "slow" ? 150 : 0);
    const h = await startGateway({ net, users: [USER, JULIET] });
    await join(h, "coffee");
    await join(h, "coffee", { user: JULIET, resource: "balcony", nick: "juliet" });
    const start = h.component.sent.length;
    h.component.receive(`<message from='${TO}' to='coffee@${GW}' type='groupchat' id='s1'><body>slow</body></message>`);
    h.component.receive(`<message from='${TO}' to='coffee@${GW}' type='groupchat' id='s2'><body>fast</body></message>`);
    h.component.receive(`<message from='${JULIET_FULL}' to='coffee@${GW}' type='groupchat' id='j1'><body>meanwhile</body></message>`);
    await h.component.nextSent((s) => s.attrs.id === "s2", 5_000);
    const order = h.component.sent.slice(start).map((s) => s.attrs.id);
    expect(order).toEqual(["j1", "s1", "s2"]);
    expect(net.calls.onTextDone).toEqual(["meanwhile", "slow", "fast"]);
    expect(net.calls.onText.filter((c) => c.text !== "meanwhile").map((c) => c.text)).toEqual(["slow", "fast"]);
  });
});

