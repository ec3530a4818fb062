/**
 * The demo network's accounts that log in in two steps, and the demo
 * module's own command:
 *
 * - the network: `checkPassword` says what comes after the password, a code
 *   account (erin) is verified by `verifyCode` (DEMO_TWO_FACTOR_CODE), a QR
 *   account (frank) by the phone app scanning `requestQrLogin`'s code (by
 *   itself after `qrScanDelayMs`, or `scanQr`); `authenticate` wants the
 *   device token for those;
 * - the module (transcripts on the mock component): the register command
 *   asks erin for the code and shows frank a QR code, confirmed by the
 *   network without anything more from the user (`confirmQr`); alice still
 *   registers in one step (XEP-0077 too);
 * - "Preferences": a form with a boolean and a list-single field whose
 *   values are kept in the user's legacy data; the same by chat.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import { adHocCommand } from "../../../src/xso/commands.js";
import { openSqliteStore, type BaseGateway, type GatewayStore } from "../../../src/gateway/index.js";
import { MockComponent } from "../../../src/testing/index.js";
import { createDemoModule, preferencesOf } from "../../../examples/demo-network/module.js";
import { DEMO_ACCOUNTS, DEMO_STEP_ACCOUNTS, DEMO_TWO_FACTOR_CODE, DemoNetwork, isDemoNetworkError, seedDemo } from "../../../examples/demo-network/index.js";
import { GW, NS_DISCO_INFO, NS_DISCO_ITEMS, errorCondition } from "./helpers.js";

const CMD = "http://jabber.org/protocol/commands";
const ERIN = "erin@example.com/laptop";
const FRANK = "frank@example.com/phone";
const ALICE = "alice@example.com/laptop";

const opened: { gateway: BaseGateway; store: GatewayStore }[] = [];
afterEach(async () => {
  for (const { gateway, store } of opened.splice(0)) {
    await gateway.stop();
    store.close();
  }
});

interface Harness {
  readonly network: DemoNetwork;
  readonly component: MockComponent;
  readonly gateway: BaseGateway;
  readonly store: GatewayStore;
}

/** The seeded demo network (QR scans after `qrScanDelayMs`), served on a mock component; `registered` users saved up front. */
async function start(qrScanDelayMs = 60_000, registered: readonly { jid: string; username: string; password: string }[] = []): Promise<Harness> {
  const network = new DemoNetwork({ messageIdPrefix: "msg-", qrScanDelayMs });
  await seedDemo(network);
  const store = openSqliteStore(":memory:");
  for (const u of registered) store.users.save({ jid: u.jid, legacyData: { username: u.username, password: u.password }, registeredAt: Date.now() });
  const component = new MockComponent({ jid: GW });
  const module = createDemoModule(network);
  const gateway = new module.Gateway({ component, store, module, logger: { debug() {}, warn() {} } });
  opened.push({ gateway, store });
  await gateway.start();
  return { network, component, gateway, store };
}

function request(h: Harness, text: string): Promise<Element> {
  const el = h.component.receive(text);
  return h.component.nextSent((s) => s.attrs.id === el.attrs.id && s.attrs.to === el.attrs.from && s.name === el.name);
}

function commandOf(iq: Element) {
  const el = iq.getChild("command", CMD);
  if (!el) throw new Error(`no <command/> in ${iq.toString()}`);
  return adHocCommand.decode(el);
}

let ids = 0;
function execute(h: Harness, node: string, from: string): Promise<Element> {
  return request(h, `<iq type='set' id='x${++ids}' from='${from}' to='${GW}'><command xmlns='${CMD}' node='${node}' action='execute'/></iq>`);
}

function submit(h: Harness, node: string, from: string, sid: string, fields: Record<string, string>): Promise<Element> {
  const x = Object.entries(fields)
    .map(([k, v]) => `<field var='${k}'><value>${v}</value></field>`)
    .join("");
  return request(h, `<iq type='set' id='x${++ids}' from='${from}' to='${GW}'><command xmlns='${CMD}' node='${node}' sessionid='${sid}' action='complete'><x xmlns='jabber:x:data' type='submit'>${x}</x></command></iq>`);
}

/** The server has no upload service: the QR image goes as a data: URL. */
async function noUploadService(h: Harness): Promise<void> {
  for (const ns of [NS_DISCO_ITEMS, NS_DISCO_INFO]) {
    const disco = await h.component.nextSent((s) => s.is("iq") && s.getChild("query", ns) !== undefined && s.attrs.from === GW && s.attrs.type === "get");
    h.component.receive(`<iq type='result' id='${disco.attrs.id}' from='${disco.attrs.to}' to='${GW}'><query xmlns='${ns}'/></iq>`);
  }
}

async function chat(h: Harness, from: string, body: string): Promise<string> {
  h.component.receive(`<message type='chat' id='m${++ids}' from='${from}' to='${GW}'><body>${body}</body></message>`);
  const reply = await h.component.nextSent((s) => s.is("message") && s.attrs.to === from && s.attrs.from === GW && s.getChildText("body") !== null);
  return reply.getChildText("body") ?? "";
}

describe("the demo network's logins in two steps", () => {
  it("erin confirms a new device with the code the network sends; frank by scanning a QR code; the others need their password only", async () => {
    const network = new DemoNetwork({ qrScanDelayMs: 60_000 });
    await seedDemo(network);
    expect(DEMO_STEP_ACCOUNTS.map((a) => [a.id, a.verification])).toEqual([
      ["erin", "code"],
      ["frank", "qr"],
    ]);
    for (const a of DEMO_ACCOUNTS) await expect(network.checkPassword(a.id, a.password)).resolves.toBeUndefined();
    const [erin, frank] = DEMO_STEP_ACCOUNTS as [(typeof DEMO_STEP_ACCOUNTS)[number], (typeof DEMO_STEP_ACCOUNTS)[number]];
    await expect(network.checkPassword("erin", erin.password)).resolves.toBe("code");
    await expect(network.checkPassword("frank", frank.password)).resolves.toBe("qr");
    await expect(network.checkPassword("erin", "nope")).rejects.toSatisfy((e: unknown) => isDemoNetworkError(e, "bad-credentials"));
    expect(network.getUser("erin")).toEqual({ id: "erin", name: "Erin" });
    expect(network.getGroup("coffee")?.memberCount).toBe(3);

    // Without a verified device, the password is not enough.
    await expect(network.authenticate("erin", erin.password)).rejects.toSatisfy((e: unknown) => isDemoNetworkError(e, "bad-credentials"));
    await expect(network.verifyCode("erin", "000000")).rejects.toSatisfy((e: unknown) => isDemoNetworkError(e, "bad-credentials"));
    await expect(network.verifyCode("frank", DEMO_TWO_FACTOR_CODE)).rejects.toSatisfy((e: unknown) => isDemoNetworkError(e, "invalid"));
    const device = await network.verifyCode("erin", ` ${DEMO_TWO_FACTOR_CODE} `);
    await expect(network.authenticate("erin", erin.password, { device })).resolves.toMatchObject({ userId: "erin" });
    await expect(network.authenticate("erin", erin.password, { device: "device-forged" })).rejects.toSatisfy((e: unknown) => isDemoNetworkError(e, "bad-credentials"));

    // A newer QR code replaces the older one; the app scans the newer.
    expect(() => network.requestQrLogin("erin")).toThrow(/without QR codes/);
    const old = network.requestQrLogin("frank");
    const login = network.requestQrLogin("frank");
    expect(login.text).toMatch(/^demo-network-login:frank:/);
    expect(network.scanQr(old.text)).toBe(false);
    expect(network.scanQr(login.text)).toBe(true);
    const qrDevice = await login.scanned;
    await expect(network.authenticate("frank", frank.password, { device: qrDevice })).resolves.toMatchObject({ userId: "frank" });
  });

  it("the phone app scans a QR code by itself after qrScanDelayMs", async () => {
    const network = new DemoNetwork({ qrScanDelayMs: 20 });
    await seedDemo(network);
    const device = await network.requestQrLogin("frank").scanned;
    expect(device).toMatch(/^device-/);
  });
});

describe("the demo module: registering erin and frank in steps", () => {
  it("erin: the credentials, then the code; a wrong code is refused in words and nothing is saved; the right one registers and logs in", async () => {
    const h = await start();
    const first = commandOf(await execute(h, "register", ERIN));
    expect(first.form?.instructions[0]).toMatch(/erin\/enigma then a code/);
    const code = commandOf(await submit(h, "register", ERIN, first.sessionId as string, { username: "erin", password: "enigma" }));
    expect(code.form?.fields.map((f) => f.var)).toEqual(["code"]);
    const wrong = await submit(h, "register", ERIN, code.sessionId as string, { code: "135790" });
    expect(errorCondition(wrong)).toBe("not-authorized");
    expect(wrong.getChild("error")?.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBe("That code is not the one the network sent");
    expect(h.store.users.get("erin@example.com")).toBeUndefined();

    const again = commandOf(await execute(h, "register", ERIN));
    const code2 = commandOf(await submit(h, "register", ERIN, again.sessionId as string, { username: "erin", password: "enigma" }));
    const done = commandOf(await submit(h, "register", ERIN, code2.sessionId as string, { code: DEMO_TWO_FACTOR_CODE }));
    expect(done).toMatchObject({ status: "completed", notes: [{ type: "info", text: "You are registered" }] });
    expect(h.store.users.get("erin@example.com")?.legacyData).toMatchObject({ username: "erin", password: "enigma", verification: "code", device: expect.stringMatching(/^device-/) });
    // The session logs in with the device the code verified.
    await h.component.nextSent((s) => s.is("message") && s.attrs.to === "erin@example.com" && /Thank you/.test(s.getChildText("body") ?? ""));
    expect(h.gateway.getSession("erin@example.com")?.loggedIn).toBe(true);
  });

  it("erin and frank cannot register in one step (XEP-0077): the gateway points to its Register command", async () => {
    const h = await start();
    const refused = await request(h, `<iq type='set' id='r1' from='${ERIN}' to='${GW}'><query xmlns='jabber:iq:register'><username>erin</username><password>enigma</password></query></iq>`);
    expect(errorCondition(refused)).toBe("not-acceptable");
    const alice = await request(h, `<iq type='set' id='r2' from='${ALICE}' to='${GW}'><query xmlns='jabber:iq:register'><username>alice</username><password>wonderland</password></query></iq>`);
    expect(alice.attrs.type).toBe("result");
    expect(h.store.users.get("alice@example.com")?.legacyData).toEqual({ username: "alice", password: "wonderland" });
  });

  it("frank: the credentials, then a QR code sent as text and image; the network confirms the scan by itself and the step completes", async () => {
    const h = await start(50);
    const first = commandOf(await execute(h, "register", FRANK));
    const start_ = h.component.sent.length;
    const answered = submit(h, "register", FRANK, first.sessionId as string, { username: "frank", password: "foxtrot" });
    await noUploadService(h);
    const qrStage = commandOf(await answered);
    const text = qrStage.form?.fields.find((f) => f.type === "fixed")?.values[0];
    expect(text).toMatch(/^demo-network-login:frank:/);
    const qr = h.component.sent.slice(start_).find((s) => s.is("message") && s.attrs.to === FRANK);
    expect(qr?.getChildText("body")).toBe(text);
    expect(qr?.getChild("x", "jabber:x:oob")?.getChildText("url")).toMatch(/^data:image\/gif;base64,/);
    // The user only completes the step; the network's app scanned meanwhile.
    const done = commandOf(await submit(h, "register", FRANK, qrStage.sessionId as string, {}));
    expect(done.status).toBe("completed");
    expect(h.store.users.get("frank@example.com")?.legacyData).toMatchObject({ username: "frank", verification: "qr", device: expect.stringMatching(/^device-/) });
    await h.component.nextSent((s) => s.is("message") && s.attrs.to === "frank@example.com" && /Thank you/.test(s.getChildText("body") ?? ""));
    expect(h.gateway.getSession("frank@example.com")?.loggedIn).toBe(true);
  });
});

describe("the demo module's own command: Preferences", () => {
  const registered = [{ jid: "alice@example.com", username: "alice", password: "wonderland" }];

  it("is listed beside the built-in commands, for logged-in users only", async () => {
    const h = await start(60_000, registered);
    const items = await request(h, `<iq type='get' id='l1' from='${ALICE}' to='${GW}'><query xmlns='${NS_DISCO_ITEMS}' node='${CMD}'/></iq>`);
    const nodes = items.getChild("query")?.getChildren("item").map((i) => [i.attrs.node, i.attrs.name]);
    expect(nodes).toContainEqual(["preferences", "Preferences"]);
    expect(nodes).toContainEqual(["groups", "List my groups"]);
    const stranger = await request(h, `<iq type='get' id='l2' from='${ERIN}' to='${GW}'><query xmlns='${NS_DISCO_ITEMS}' node='${CMD}'/></iq>`);
    expect(stranger.getChild("query")?.getChildren("item").map((i) => i.attrs.node)).toEqual(["register"]);
    expect(errorCondition(await execute(h, "preferences", ERIN))).toBe("forbidden");
  });

  it("shows a boolean and a list-single field with the saved values; submitting saves them in the legacy data", async () => {
    const h = await start(60_000, registered);
    await vi.waitFor(() => expect(h.gateway.getSession("alice@example.com")?.loggedIn).toBe(true));
    const first = commandOf(await execute(h, "preferences", ALICE));
    expect(first.status).toBe("executing");
    expect(first.form?.fields.map((f) => [f.var, f.type, f.values])).toEqual([
      ["digest", "boolean", ["0"]],
      ["notify", "list-single", ["mentions"]],
    ]);
    expect(first.form?.fields[1]?.options.map((o) => o.value)).toEqual(["all", "mentions", "none"]);
    const done = commandOf(await submit(h, "preferences", ALICE, first.sessionId as string, { digest: "1", notify: "all" }));
    expect(done.notes[0]?.text).toBe("Saved. Daily digest: on; notifications: every message");
    expect(h.store.users.get("alice@example.com")?.legacyData).toEqual({ username: "alice", password: "wonderland", preferences: { digest: true, notify: "all" } });
    // The form shows them next time; an unknown choice is refused.
    const again = commandOf(await execute(h, "preferences", ALICE));
    expect(again.form?.fields.map((f) => f.values[0])).toEqual(["1", "all"]);
    expect(errorCondition(await submit(h, "preferences", ALICE, again.sessionId as string, { notify: "sometimes" }))).toBe("not-acceptable");
    expect(preferencesOf(h.store.users.get("alice@example.com")?.legacyData)).toEqual({ digest: true, notify: "all" });
  });

  it("runs by chat: show, set, and help lists it", async () => {
    const h = await start(60_000, registered);
    await vi.waitFor(() => expect(h.gateway.getSession("alice@example.com")?.loggedIn).toBe(true));
    expect(await chat(h, ALICE, "preferences show")).toBe("Daily digest: off; notifications: mentions of me");
    expect(await chat(h, ALICE, "preferences digest on")).toBe("Saved. Daily digest: on; notifications: mentions of me");
    expect(await chat(h, ALICE, "preferences notify none")).toBe("Saved. Daily digest: on; notifications: nothing");
    expect(await chat(h, ALICE, "preferences frobnicate")).toMatch(/^Say "preferences show"/);
    expect(await chat(h, ALICE, "help")).toContain("preferences: Your demo network preferences");
  });
});
