/**
 * The demo module carries files both ways (transcripts on the mock
 * component): a member's file on the network → `participant.sendFile` (its
 * bytes when the network has them, else its link) and its caption as a text
 * message after it; a file the user shares → `session.onFile` →
 * `client.sendFile` with its URL; files in the history are backfilled
 * archive-only, like text.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import { LegacyParticipant, openSqliteStore, type BaseGateway, type GatewayStore } from "../../../src/gateway/index.js";
import { MockComponent } from "../../../src/testing/index.js";
import { createDemoModule } from "../../../examples/demo-network/module.js";
import { DemoNetwork } from "../../../examples/demo-network/index.js";
import { GW, NS_MUC } from "./helpers.js";

const ALICE = "alice@example.com"; // registered with the gateway as the network's alice
const TO = `${ALICE}/laptop`;
const NS_OOB = "jabber:x:oob";
const NS_SFS = "urn:xmpp:sfs:0";
const URL_ = "https://files.example/beans.png";

/** alice (owner), bob (admin) and carol (member) in group "coffee". Message ids `msg-1`, …. */
function world(): DemoNetwork {
  const network = new DemoNetwork({ messageIdPrefix: "msg-" });
  network.addUser({ id: "alice", name: "Alice", password: "a" });
  network.addUser({ id: "bob", name: "Bob", password: "b" });
  network.addUser({ id: "carol", name: "Carol", password: "c" });
  network.addGroup({
    id: "coffee",
    name: "Coffee",
    kind: "group",
    members: [{ userId: "alice", role: "owner" }, { userId: "bob", role: "admin" }, { userId: "carol" }],
  });
  return network;
}

const opened: { gateway: BaseGateway; store: GatewayStore }[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const { gateway, store } of opened.splice(0)) {
    await gateway.stop();
    store.close();
  }
});

interface Gateway {
  readonly component: MockComponent;
  readonly store: GatewayStore;
  /** What the gateway logged as failed. */
  readonly warnings: string[];
}

/** A gateway serving `network` for alice, on a mock component and an in-memory store. */
async function startGateway(network: DemoNetwork): Promise<Gateway> {
  const store = openSqliteStore(":memory:");
  store.users.save({ jid: ALICE, legacyData: { username: "alice", password: "a" }, registeredAt: Date.now() });
  const component = new MockComponent({ jid: GW });
  const module = createDemoModule(network);
  const warnings: string[] = [];
  const gateway = new module.Gateway({ component, store, module, logger: { debug: () => {}, warn: (message) => warnings.push(message) } });
  opened.push({ gateway, store });
  await gateway.start();
  return { component, store, warnings };
}

/** Join a room from alice's laptop; resolves with the subject, the join's last stanza. */
async function join(component: MockComponent, room: string): Promise<Element> {
  component.receive(`<presence from='${TO}' to='${room}@${GW}/Alice'><x xmlns='${NS_MUC}'/></presence>`);
  return component.nextSent((s) => s.is("message") && s.attrs.to === TO && s.getChild("subject") !== undefined);
}

/** The next groupchat message from `nick` in coffee that `predicate` takes. */
function fromOccupant(component: MockComponent, nick: string, predicate: (s: Element) => boolean): Promise<Element> {
  return component.nextSent((s) => s.is("message") && s.attrs.from === `coffee@${GW}/${nick}` && s.attrs.to === TO && predicate(s));
}

describe("the demo module: a member's files", () => {
  it("a link: the URL as the body with XEP-0066 and XEP-0447 payloads, then the caption as text", async () => {
    const network = world();
    const { component, store, warnings } = await startGateway(network);
    await join(component, "coffee");
    const file = fromOccupant(component, "Bob", (s) => s.getChildText("body") === URL_);
    const caption = fromOccupant(component, "Bob", (s) => s.getChildText("body") === "New beans!");
    const id = await network.as("bob").sendFile("coffee", { name: "beans.png", type: "image/png", url: URL_, size: 1234 }, { caption: "New beans!" });
    const m = await file;
    expect(m.getChild("x", NS_OOB)?.getChildText("url")).toBe(URL_);
    expect(m.getChild("file-sharing", NS_SFS)?.getChild("file", "urn:xmpp:file:metadata:0")?.getChildText("name")).toBe("beans.png");
    await caption;
    expect(component.sent.indexOf(m)).toBeLessThan(component.sent.indexOf(await caption));
    expect(store.archive.query(ALICE, "coffee").find((e) => e.legacyId === id)?.body).toBe(URL_);
    expect(warnings).toEqual([]);
  });

  it("bytes: participant.sendFile gets the data (the gateway uploads it); no caption, no text message", async () => {
    const network = world();
    const { component, warnings } = await startGateway(network);
    await join(component, "coffee");
    const sendFile = vi.spyOn(LegacyParticipant.prototype, "sendFile").mockResolvedValue("xmpp-file-id");
    const sendText = vi.spyOn(LegacyParticipant.prototype, "sendText");
    const id = await network.as("bob").sendFile("coffee", { name: "notes.txt", type: "text/plain", data: new Uint8Array([104, 105]) });
    await vi.waitFor(() => expect(sendFile).toHaveBeenCalledTimes(1));
    expect(sendFile).toHaveBeenCalledWith({ data: new Uint8Array([104, 105]), name: "notes.txt", type: "text/plain" }, id, { when: expect.any(Date) });
    expect((sendFile.mock.contexts[0] as LegacyParticipant | undefined)?.nick).toBe("Bob");
    expect(sendText).not.toHaveBeenCalled();
    expect(warnings).toEqual([]);
  });
});

describe("the demo module: the user's files", () => {
  it("a shared file becomes a network message carrying its link, name, type and size; the archive maps it to the network's id", async () => {
    const network = world();
    const { component, store, warnings } = await startGateway(network);
    await join(component, "coffee");
    const heard: unknown[] = [];
    network.on("message", (e) => heard.push(e));
    component.receive(
      `<message from='${TO}' to='coffee@${GW}' type='groupchat' id='f1'><body>${URL_}</body><x xmlns='${NS_OOB}'><url>${URL_}</url></x>` +
        `<file-sharing xmlns='${NS_SFS}' disposition='inline'><file xmlns='urn:xmpp:file:metadata:0'><media-type>image/png</media-type><name>beans.png</name><size>1234</size></file>` +
        `<sources><url-data xmlns='http://jabber.org/protocol/url-data' target='${URL_}'/></sources></file-sharing></message>`,
    );
    const reflected = await component.nextSent((s) => s.is("message") && s.attrs.id === "f1" && s.attrs.to === TO);
    expect(reflected.attrs.type).toBe("groupchat");
    expect(network.history("coffee")).toEqual([
      { id: "msg-1", groupId: "coffee", senderId: "alice", text: "", at: expect.any(Date), file: { name: "beans.png", type: "image/png", url: URL_, size: 1234 } },
    ]);
    expect(heard).toHaveLength(1);
    expect(store.archive.query(ALICE, "coffee").find((e) => e.body === URL_)?.legacyId).toBe("msg-1");
    expect(warnings).toEqual([]);
  });

  it("without a name or type, the file is `file`, `application/octet-stream`", async () => {
    const network = world();
    const { component } = await startGateway(network);
    await join(component, "coffee");
    component.receive(`<message from='${TO}' to='coffee@${GW}' type='groupchat' id='f2'><body>${URL_}</body><x xmlns='${NS_OOB}'><url>${URL_}</url></x></message>`);
    await component.nextSent((s) => s.is("message") && s.attrs.id === "f2" && s.attrs.to === TO);
    expect(network.getMessage("msg-1")?.file).toEqual({ name: "file", type: "application/octet-stream", url: URL_ });
  });
});

describe("the demo module: files in the history", () => {
  it("are backfilled archive-only, like text, with their captions", async () => {
    const network = world();
    const id = await network.as("bob").sendFile("coffee", { name: "beans.png", type: "image/png", url: URL_ }, { caption: "From before" });
    await network.as("carol").send("coffee", "Nice");
    const sendFile = vi.spyOn(LegacyParticipant.prototype, "sendFile");
    const { component, store, warnings } = await startGateway(network);
    await join(component, "coffee");
    expect(sendFile).toHaveBeenCalledWith({ url: URL_, name: "beans.png", type: "image/png" }, id, { when: expect.any(Date), archiveOnly: true });
    const archived = store.archive.query(ALICE, "coffee").map((e) => [e.nick, e.body, e.legacyId ?? null]);
    expect(archived).toEqual([
      ["Bob", URL_, id],
      ["Bob", "From before", null],
      ["Carol", "Nice", "msg-2"],
    ]);
    expect(warnings).toEqual([]);
  });
});
