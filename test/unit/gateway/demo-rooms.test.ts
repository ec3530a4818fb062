/**
 * The demo module maps its network's groups onto the gateway's room hooks
 * (transcripts on the mock component; stanza in → network call, network
 * event → stanza out):
 *
 * - the configuration form (`onSetConfig` → `updateGroup`, status 104) and
 *   destruction (`onDestroyRequest` → `deleteGroup`); a group deleted on the
 *   network takes its room away;
 * - the member list, with each member's contact JID (`user-id@gateway`);
 * - private messages (`onPrivateText` → `sendDirect`; `directMessage` →
 *   `participant.sendPrivateText`);
 * - chat states and markers (`onComposing`… → `setTyping`, `onDisplayed` →
 *   `markRead`; `typing` → `participant.composing()` / `paused()`, `read` →
 *   `participant.displayed()`);
 * - invitations (`onInvitation` → `invite`) and, the other way, a group the
 *   user is added to → `session.sendGatewayInvite`;
 * - the group life cycle (`onCreateGroup` → `createGroup`, `onLeaveGroup` →
 *   `leaveGroup`).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { openSqliteStore, type BaseGateway, type GatewayStore } from "../../../src/gateway/index.js";
import { MockComponent } from "../../../src/testing/index.js";
import { createDemoModule } from "../../../examples/demo-network/module.js";
import { DemoNetwork, DemoNetworkError, type DemoDirectMessage, type DemoTypingEvent } from "../../../examples/demo-network/index.js";
import { GW, NS_DATA, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_MUC, NS_MUC_USER, NS_SID, errorCondition, mucItem, statusCodes } from "./helpers.js";

const ALICE = "alice@example.com"; // registered with the gateway as the network's alice
const CAROL = "carol@example.com"; // … and carol, when a test registers her too
const TO = `${ALICE}/laptop`;
const NS_OWNER = "http://jabber.org/protocol/muc#owner";
const NS_ADMIN = "http://jabber.org/protocol/muc#admin";
const NS_STATES = "http://jabber.org/protocol/chatstates";
const NS_MARKERS = "urn:xmpp:chat-markers:0";
const NS_CONFERENCE = "jabber:x:conference";
const ACCOUNTS: Readonly<Record<string, { username: string; password: string }>> = {
  [ALICE]: { username: "alice", password: "a" },
  [CAROL]: { username: "carol", password: "c" },
};

/**
 * alice (owner), bob (admin) and carol (member) in group "coffee"; alice
 * owner and carol reader of channel "news"; bob owner and carol member of
 * group "tea" (alice is not in it); dave in no group. Message ids `msg-1`, ….
 */
function world(): DemoNetwork {
  const network = new DemoNetwork({ messageIdPrefix: "msg-" });
  network.addUser({ id: "alice", name: "Alice", password: "a" });
  network.addUser({ id: "bob", name: "Bob", password: "b" });
  network.addUser({ id: "carol", name: "Carol", password: "c" });
  network.addUser({ id: "dave", name: "Dave", password: "d" });
  network.addGroup({
    id: "coffee",
    name: "Coffee",
    description: "Kettle on",
    kind: "group",
    members: [{ userId: "alice", role: "owner" }, { userId: "bob", role: "admin" }, { userId: "carol" }],
  });
  network.addGroup({ id: "news", name: "News", kind: "channel", members: [{ userId: "alice", role: "owner" }, { userId: "carol" }] });
  network.addGroup({ id: "tea", name: "Tea", kind: "group", members: [{ userId: "bob", role: "owner" }, { userId: "carol" }] });
  return network;
}

const opened: { gateway: BaseGateway; store: GatewayStore }[] = [];
afterEach(async () => {
  for (const { gateway, store } of opened.splice(0)) {
    await gateway.stop();
    store.close();
  }
});

interface Gateway {
  readonly component: MockComponent;
  /** What the gateway logged as failed. */
  readonly warnings: string[];
  /** What it logged at debug level. */
  readonly debugs: string[];
}

/** A gateway serving `network` for `users` (default: alice), on a mock component and an in-memory store. */
async function startGateway(network: DemoNetwork, users: readonly string[] = [ALICE]): Promise<Gateway> {
  const store = openSqliteStore(":memory:");
  for (const jid of users) store.users.save({ jid, legacyData: { ...ACCOUNTS[jid] }, registeredAt: Date.now() });
  const component = new MockComponent({ jid: GW });
  const module = createDemoModule(network);
  const warnings: string[] = [];
  const debugs: string[] = [];
  const gateway = new module.Gateway({ component, store, module, logger: { debug: (message) => debugs.push(message), warn: (message) => warnings.push(message) } });
  opened.push({ gateway, store });
  await gateway.start();
  return { component, warnings, debugs };
}

/** Join a room from `to` (default alice's laptop) as `nick`; everything sent for the join, up to the subject. */
async function join(component: MockComponent, room: string, to = TO, nick = "Alice"): Promise<Element[]> {
  const start = component.sent.length;
  component.receive(`<presence from='${to}' to='${room}@${GW}/${nick}'><x xmlns='${NS_MUC}'/></presence>`);
  const subject = await component.nextSent((s) => s.is("message") && s.attrs.to === to && s.getChild("subject") !== undefined);
  return component.sent.slice(start, component.sent.indexOf(subject) + 1);
}

/** Send an IQ or a message with an id and wait for the answer (same id, to its sender). */
async function ask(component: MockComponent, text: string): Promise<Element> {
  const el = component.receive(text);
  return component.nextSent((s) => s.attrs.id === el.attrs.id && s.attrs.to === el.attrs.from && s.name === el.name);
}

/** A groupchat message from one of the user's resources, and the room's reflection of it to that resource. */
async function groupchat(component: MockComponent, room: string, id: string, payload: string, from = TO): Promise<Element> {
  component.receive(`<message from='${from}' to='${room}@${GW}' type='groupchat' id='${id}'>${payload}</message>`);
  return component.nextSent((s) => s.is("message") && s.attrs.id === id && s.attrs.to === from && s.attrs.type !== "error");
}

/** The next groupchat message from `nick` in `room` that `predicate` takes. */
function fromOccupant(component: MockComponent, room: string, nick: string, predicate: (s: Element) => boolean): Promise<Element> {
  return component.nextSent((s) => s.is("message") && s.attrs.from === `${room}@${GW}/${nick}` && s.attrs.to === TO && predicate(s));
}

/** The rooms the gateway lists for alice (disco#items). */
async function roomsOf(component: MockComponent): Promise<string[]> {
  const iq = await ask(component, `<iq type='get' id='items-${Math.random().toString(36).slice(2)}' from='${TO}' to='${GW}'><query xmlns='${NS_DISCO_ITEMS}'/></iq>`);
  return (iq.getChild("query", NS_DISCO_ITEMS)?.getChildren("item") ?? []).map((i) => String(i.attrs.jid));
}

/** The stanza-id the room gave a message it delivered. */
function stanzaIdOf(m: Element): string {
  const id = m.getChild("stanza-id", NS_SID)?.attrs.id;
  if (typeof id !== "string") throw new Error(`no stanza-id in ${m.toString()}`);
  return id;
}

function configForm(fields: Readonly<Record<string, string>>): string {
  const values = Object.entries(fields).map(([v, value]) => `<field var='${v}'><value>${value}</value></field>`).join("");
  return `<query xmlns='${NS_OWNER}'><x xmlns='${NS_DATA}' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>${values}</x></query>`;
}

function formValue(iq: Element, name: string): string | undefined {
  return iq.getChild("query", NS_OWNER)?.getChild("x", NS_DATA)?.getChildren("field").find((f) => f.attrs.var === name)?.getChildText("value") ?? undefined;
}

describe("the demo module: configuring and destroying rooms", () => {
  it("the configuration form shows the group's name and description; submitting renames and describes it on the network, with status 104", async () => {
    const network = world();
    const { component, warnings } = await startGateway(network);
    await join(component, "coffee");
    const form = await ask(component, `<iq type='get' id='c1' from='${TO}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'/></iq>`);
    expect(form.attrs.type).toBe("result");
    expect([formValue(form, "muc#roomconfig_roomname"), formValue(form, "muc#roomconfig_roomdesc")]).toEqual(["Coffee", "Kettle on"]);

    const seen: unknown[] = [];
    network.on("groupUpdated", (e) => seen.push(e));
    const notice = component.nextSent((s) => s.is("message") && statusCodes(s).includes(104));
    const done = await ask(component, `<iq type='set' id='c2' from='${TO}' to='coffee@${GW}'>${configForm({ "muc#roomconfig_roomname": "Coffee corner", "muc#roomconfig_roomdesc": "Beans from Kenya" })}</iq>`);
    expect(done.attrs.type).toBe("result");
    expect((await notice).attrs).toMatchObject({ from: `coffee@${GW}`, to: TO });
    expect(network.getGroup("coffee")).toMatchObject({ name: "Coffee corner", description: "Beans from Kenya" });
    expect(seen).toEqual([{ group: expect.objectContaining({ id: "coffee" }), changed: ["name", "description"], by: "alice" }]);
    const info = await ask(component, `<iq type='get' id='d1' from='${TO}' to='coffee@${GW}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
    expect(info.getChild("query", NS_DISCO_INFO)?.getChild("identity")?.attrs.name).toBe("Coffee corner");

    // Only the name: the description stays.
    await ask(component, `<iq type='set' id='c3' from='${TO}' to='coffee@${GW}'>${configForm({ "muc#roomconfig_roomname": "Café" })}</iq>`);
    expect(network.getGroup("coffee")).toMatchObject({ name: "Café", description: "Beans from Kenya" });
    expect(warnings).toEqual([]);
  });

  it("the network's refusals come back with their conditions: a member may not rename (forbidden), nobody may clear the name (bad-request)", async () => {
    const network = world();
    const { component } = await startGateway(network, [ALICE, CAROL]);
    const carol = `${CAROL}/phone`;
    await join(component, "coffee", carol, "Carol");
    const refused = await ask(component, `<iq type='set' id='c4' from='${carol}' to='coffee@${GW}'>${configForm({ "muc#roomconfig_roomname": "Carol's" })}</iq>`);
    expect(errorCondition(refused)).toBe("forbidden");
    await join(component, "coffee");
    const empty = await ask(component, `<iq type='set' id='c5' from='${TO}' to='coffee@${GW}'>${configForm({ "muc#roomconfig_roomname": "" })}</iq>`);
    expect(errorCondition(empty)).toBe("bad-request");
    expect(network.getGroup("coffee")?.name).toBe("Coffee");
  });

  it("the owner destroys the room: the group is deleted on the network with the reason, the room tells its resources and is gone", async () => {
    const network = world();
    const { component, warnings } = await startGateway(network);
    await join(component, "coffee");
    const deleted: unknown[] = [];
    network.on("groupDeleted", (e) => deleted.push(e));
    const gone = component.nextSent((s) => s.is("presence") && s.attrs.type === "unavailable" && s.attrs.to === TO);
    const iq = await ask(component, `<iq type='set' id='x1' from='${TO}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'><destroy><reason>Closing the café</reason></destroy></query></iq>`);
    expect(iq.attrs.type).toBe("result");
    expect(network.getGroup("coffee")).toBeUndefined();
    expect(deleted).toEqual([{ group: expect.objectContaining({ id: "coffee" }), by: "alice", reason: "Closing the café" }]);
    const presence = await gone;
    expect(presence.getChild("x", NS_MUC_USER)?.getChild("destroy")?.getChildText("reason")).toBe("Closing the café");
    expect(await roomsOf(component)).not.toContain(`coffee@${GW}`);
    expect(warnings).toEqual([]);
  });

  it("only an owner destroys: a member's request is forbidden and the group stays", async () => {
    const network = world();
    const { component } = await startGateway(network, [ALICE, CAROL]);
    const carol = `${CAROL}/phone`;
    await join(component, "coffee", carol, "Carol");
    const refused = await ask(component, `<iq type='set' id='x2' from='${carol}' to='coffee@${GW}'><query xmlns='${NS_OWNER}'><destroy/></query></iq>`);
    expect(errorCondition(refused)).toBe("forbidden");
    expect(network.getGroup("coffee")).toBeDefined();
  });

  it("a group deleted on the network takes its room away: the joined resource is told why (307)", async () => {
    const network = world();
    const { component, warnings } = await startGateway(network);
    await join(component, "news");
    const gone = component.nextSent((s) => s.is("presence") && s.attrs.type === "unavailable" && s.attrs.to === TO);
    network.deleteGroup("news", "Spring cleaning");
    const presence = await gone;
    expect(statusCodes(presence)).toEqual(expect.arrayContaining([110, 307]));
    expect(presence.getChild("x", NS_MUC_USER)?.getChild("item")?.getChildText("reason")).toBe("Spring cleaning");
    expect(await roomsOf(component)).toEqual([`coffee@${GW}`]);
    expect(warnings).toEqual([]);
  });

  it("the member list gives each member's contact JID on the gateway, the user's own JID for her", async () => {
    const network = world();
    const { component } = await startGateway(network);
    await join(component, "coffee");
    const list = async (affiliation: string): Promise<(string | undefined)[]> => {
      const iq = await ask(component, `<iq type='get' id='a-${affiliation}' from='${TO}' to='coffee@${GW}'><query xmlns='${NS_ADMIN}'><item affiliation='${affiliation}'/></query></iq>`);
      return (iq.getChild("query", NS_ADMIN)?.getChildren("item") ?? []).map((i) => (typeof i.attrs.jid === "string" ? i.attrs.jid : undefined));
    };
    expect(await list("owner")).toEqual([ALICE]);
    expect(await list("admin")).toEqual([`bob@${GW}`]);
    expect(await list("member")).toEqual([`carol@${GW}`]);
  });
});

describe("the demo module: private messages", () => {
  it("the user's private message to an occupant is a direct message to that member; theirs come back from their occupant JID", async () => {
    const network = world();
    const { component, warnings } = await startGateway(network);
    await join(component, "coffee");
    const sent = new Promise<DemoDirectMessage>((resolve) => network.once("directMessage", ({ message }) => resolve(message)));
    component.receive(`<message from='${TO}' to='coffee@${GW}/Bob' type='chat' id='pm1'><body>psst, the good beans</body></message>`);
    expect(await sent).toMatchObject({ groupId: "coffee", senderId: "alice", recipientId: "bob", text: "psst, the good beans" });

    const back = component.nextSent((s) => s.is("message") && s.attrs.type === "chat" && s.attrs.from === `coffee@${GW}/Bob`);
    await network.as("bob").sendDirect("coffee", "alice", "top drawer");
    const m = await back;
    expect(m.attrs.to).toBe(TO);
    expect(m.getChildText("body")).toBe("top drawer");
    expect(m.getChild("x", NS_MUC_USER)).toBeDefined();
    // Direct messages between others are none of alice's business.
    const start = component.sent.length;
    await network.as("bob").sendDirect("coffee", "carol", "not for alice");
    await network.as("bob").send("coffee", "after");
    await fromOccupant(component, "coffee", "Bob", (s) => s.getChildText("body") === "after");
    expect(component.sent.slice(start).some((s) => s.attrs.type === "chat")).toBe(false);
    expect(warnings).toEqual([]);
  });

  it("a refusal or failure of the network comes back as an error message", async () => {
    const network = world();
    const { component } = await startGateway(network);
    await join(component, "coffee");
    network.failNext("sendDirect");
    const failed = await ask(component, `<message from='${TO}' to='coffee@${GW}/Carol' type='chat' id='pm2'><body>hello?</body></message>`);
    expect(errorCondition(failed)).toBe("service-unavailable");
    network.failNext("sendDirect", new DemoNetworkError("forbidden", "Carol accepts no direct messages"));
    const refused = await ask(component, `<message from='${TO}' to='coffee@${GW}/Carol' type='chat' id='pm3'><body>hello?</body></message>`);
    expect(errorCondition(refused)).toBe("forbidden");
  });
});

describe("the demo module: typing and read positions", () => {
  it("a member's typing is composing, then paused, from their occupant", async () => {
    const network = world();
    const { component, warnings } = await startGateway(network);
    await join(component, "coffee");
    let next = fromOccupant(component, "coffee", "Bob", (s) => s.getChild("composing", NS_STATES) !== undefined);
    await network.as("bob").setTyping("coffee", true);
    const composing = await next;
    expect(composing.attrs.type).toBe("groupchat");
    expect(composing.getChild("body")).toBeUndefined();
    next = fromOccupant(component, "coffee", "Bob", (s) => s.getChild("paused", NS_STATES) !== undefined);
    await network.as("bob").setTyping("coffee", false);
    await next;
    expect(warnings).toEqual([]);
  });

  it("the user's composing makes her typing on the network; paused, active, inactive and gone stop it; each is reflected", async () => {
    const network = world();
    const { component, warnings } = await startGateway(network);
    await join(component, "coffee");
    const typing: DemoTypingEvent[] = [];
    network.on("typing", (e) => typing.push(e));
    const reflected = await groupchat(component, "coffee", "cs1", `<composing xmlns='${NS_STATES}'/>`);
    expect(reflected.attrs.from).toBe(`coffee@${GW}/Alice`);
    expect(network.typing("coffee")).toEqual(["alice"]);
    await groupchat(component, "coffee", "cs2", `<paused xmlns='${NS_STATES}'/>`);
    expect(network.typing("coffee")).toEqual([]);
    for (const [i, state] of ["active", "inactive", "gone"].entries()) {
      await groupchat(component, "coffee", `cs-on-${i}`, `<composing xmlns='${NS_STATES}'/>`);
      await groupchat(component, "coffee", `cs-off-${i}`, `<${state} xmlns='${NS_STATES}'/>`);
      expect(network.typing("coffee")).toEqual([]);
    }
    expect(typing.map((e) => `${e.userId}:${String(e.typing)}`)).toEqual(Array.from({ length: 4 }, () => ["alice:true", "alice:false"]).flat());
    expect(warnings).toEqual([]);
  });

  it("chat states the network refuses (a reader typing in a channel) or fails are logged, not answered", async () => {
    const network = world();
    const { component, debugs } = await startGateway(network, [ALICE, CAROL]);
    const carol = `${CAROL}/phone`;
    await join(component, "news", carol, "Carol");
    const reflected = await groupchat(component, "news", "cs3", `<composing xmlns='${NS_STATES}'/>`, carol);
    expect(errorCondition(reflected)).toBeUndefined();
    expect(network.typing("news")).toEqual([]);
    await join(component, "coffee");
    network.failNext("setTyping");
    await groupchat(component, "coffee", "cs4", `<composing xmlns='${NS_STATES}'/>`);
    expect(network.typing("coffee")).toEqual([]);
    expect(debugs.filter((m) => m.includes("did not reach the network"))).toEqual([
      "demo: composing in news did not reach the network",
      "demo: composing in coffee did not reach the network",
    ]);
  });

  it("a member's read position is a displayed marker naming the message's stanza-id; the user's own, from another device, comes from her own occupant", async () => {
    const network = world();
    const { component, warnings } = await startGateway(network);
    await join(component, "coffee");
    const delivered = fromOccupant(component, "coffee", "Carol", (s) => s.getChildText("body") === "read me");
    const id = await network.as("carol").send("coffee", "read me");
    const stanzaId = stanzaIdOf(await delivered);

    let marker = fromOccupant(component, "coffee", "Bob", (s) => s.getChild("displayed", NS_MARKERS) !== undefined);
    await network.as("bob").markRead("coffee", id);
    expect((await marker).getChild("displayed", NS_MARKERS)?.attrs.id).toBe(stanzaId);
    marker = fromOccupant(component, "coffee", "Alice", (s) => s.getChild("displayed", NS_MARKERS) !== undefined);
    await network.as("alice").markRead("coffee", id);
    expect((await marker).getChild("displayed", NS_MARKERS)?.attrs.id).toBe(stanzaId);
    expect(warnings).toEqual([]);
  });

  it("the user's displayed marker moves her read position on the network; one on a message deleted meanwhile is logged, not answered", async () => {
    const network = world();
    const { component, warnings, debugs } = await startGateway(network);
    await join(component, "coffee");
    const delivered = fromOccupant(component, "coffee", "Bob", (s) => s.getChildText("body") === "morning");
    const id = await network.as("bob").send("coffee", "morning");
    const stanzaId = stanzaIdOf(await delivered);
    const reflected = await groupchat(component, "coffee", "mk1", `<displayed xmlns='${NS_MARKERS}' id='${stanzaId}'/>`);
    expect(reflected.getChild("displayed", NS_MARKERS)?.attrs.id).toBe(stanzaId);
    expect(network.readPosition("coffee", "alice")).toBe(id);

    const doomed = fromOccupant(component, "coffee", "Bob", (s) => s.getChildText("body") === "oops");
    const gone = await network.as("bob").send("coffee", "oops");
    const doomedStanzaId = stanzaIdOf(await doomed);
    await network.as("bob").delete("coffee", gone);
    const late = await groupchat(component, "coffee", "mk2", `<displayed xmlns='${NS_MARKERS}' id='${doomedStanzaId}'/>`);
    expect(errorCondition(late)).toBeUndefined();
    expect(network.readPosition("coffee", "alice")).toBe(id);
    expect(debugs).toContain(`demo: displayed ${gone} in coffee did not reach the network`);
    expect(warnings).toEqual([]);
  });
});

describe("the demo module: invitations", () => {
  it("the user's mediated invitation of user-id@gateway adds that user to the group; the room shows them at once", async () => {
    const network = world();
    const { component, warnings } = await startGateway(network);
    await join(component, "coffee");
    const shown = component.nextSent((s) => s.is("presence") && s.attrs.from === `coffee@${GW}/Dave` && s.attrs.to === TO);
    component.receive(`<message from='${TO}' to='coffee@${GW}' id='inv1'><x xmlns='${NS_MUC_USER}'><invite to='dave@${GW}'><reason>Try the beans</reason></invite></x></message>`);
    const dave = await shown;
    expect(mucItem(dave)?.attrs).toMatchObject({ affiliation: "member", role: "participant", jid: `dave@${GW}` });
    expect(network.member("coffee", "dave")).toEqual({ userId: "dave", name: "Dave", role: "member" });
    expect(warnings).toEqual([]);
  });

  it("refused: any other JID (not-acceptable), an unknown user (item-not-found), by a member (forbidden)", async () => {
    const network = world();
    const { component } = await startGateway(network, [ALICE, CAROL]);
    await join(component, "coffee");
    const invite = (id: string, jid: string, from = TO): Promise<Element> =>
      ask(component, `<message from='${from}' to='coffee@${GW}' id='${id}'><x xmlns='${NS_MUC_USER}'><invite to='${jid}'/></x></message>`);
    expect(errorCondition(await invite("inv2", "juliet@capulet.lit"))).toBe("not-acceptable");
    expect(errorCondition(await invite("inv3", `ghost@${GW}`))).toBe("item-not-found");
    const carol = `${CAROL}/phone`;
    await join(component, "coffee", carol, "Carol");
    expect(errorCondition(await invite("inv4", `dave@${GW}`, carol))).toBe("forbidden");
    expect(network.member("coffee", "dave")).toBeUndefined();
  });

  it("added to a group on the network, or in a new group, the user gets a direct invitation from the gateway", async () => {
    const network = world();
    const { component, warnings } = await startGateway(network);
    const invitation = (room: string): Promise<Element> =>
      component.nextSent((s) => s.is("message") && s.attrs.from === GW && s.getChild("x", NS_CONFERENCE)?.attrs.jid === `${room}@${GW}`);
    let next = invitation("tea");
    await network.as("bob").invite("tea", "alice");
    const m = await next;
    expect(m.attrs.to).toBe(ALICE);
    expect(m.getChild("x", NS_CONFERENCE)?.attrs.reason).toBe("You are a member of Tea now");
    const sent = await join(component, "tea");
    const self = sent.find((s) => s.is("presence") && statusCodes(s).includes(110));
    expect(mucItem(self as Element)?.attrs.affiliation).toBe("member");
    // Her own occupant is hers, not a puppet of her: the room lists one Alice.
    expect(sent.filter((s) => s.is("presence") && String(s.attrs.from).startsWith(`tea@${GW}/Alice`)).map((s) => s.attrs.from)).toEqual([`tea@${GW}/Alice`]);

    next = invitation("picnic");
    network.addGroup({ id: "picnic", name: "Picnic", kind: "group", members: [{ userId: "carol", role: "owner" }, { userId: "alice" }] });
    await next;
    expect(warnings).toEqual([]);
  });
});

describe("the demo module: creating and leaving groups", () => {
  it("joining a new room JID creates the group on the network, named after it, the user its owner; the join says 201", async () => {
    const network = world();
    const { component, warnings } = await startGateway(network);
    const sent = await join(component, "tea\\20time");
    expect(network.getGroup("tea-time")).toMatchObject({ name: "tea time", kind: "group", memberCount: 1 });
    expect(network.members("tea-time")).toEqual([{ userId: "alice", name: "Alice", role: "owner" }]);
    const self = sent.find((s) => s.is("presence") && statusCodes(s).includes(110));
    expect(self?.attrs.from).toBe(`tea\\20time@${GW}/Alice`);
    expect(statusCodes(self as Element)).toContain(201);
    expect(mucItem(self as Element)?.attrs).toMatchObject({ affiliation: "owner", role: "moderator" });

    // The room keeps the JID asked for; the group's messages reach it.
    const relayed = fromOccupant(component, "tea\\20time", "Alice", (s) => s.getChildText("body") === "mine, from my phone");
    await network.as("alice").send("tea-time", "mine, from my phone");
    await relayed;
    expect(warnings).toEqual([]);
  });

  it("the JID of a group the user is not in creates nothing: registration-required, as a members-only room", async () => {
    const network = world();
    const { component } = await startGateway(network);
    const refused = await ask(component, `<presence from='${TO}' to='tea@${GW}/Alice' id='j1'><x xmlns='${NS_MUC}'/></presence>`);
    expect(errorCondition(refused)).toBe("registration-required");
    expect(network.groups.map((g) => g.id)).toEqual(["coffee", "news", "tea"]);
    expect(network.member("tea", "alice")).toBeUndefined();
  });

  it("XEP-0077 <remove/> to the room leaves the group on the network; a group left already is no error", async () => {
    const network = world();
    const { component, warnings } = await startGateway(network);
    await join(component, "coffee");
    const remove = (id: string, room: string): Promise<Element> =>
      ask(component, `<iq type='set' id='${id}' from='${TO}' to='${room}@${GW}'><query xmlns='jabber:iq:register'><remove/></query></iq>`);
    network.failNext("leaveGroup");
    expect(errorCondition(await remove("r1", "coffee"))).toBe("service-unavailable");
    expect(network.member("coffee", "alice")).toBeDefined();
    expect(await roomsOf(component)).toContain(`coffee@${GW}`);

    expect((await remove("r2", "coffee")).attrs.type).toBe("result");
    expect(network.member("coffee", "alice")).toBeUndefined();
    expect(await roomsOf(component)).toEqual([`news@${GW}`]);

    network.failNext("leaveGroup", new DemoNetworkError("not-member", "alice left news on her phone"));
    expect((await remove("r3", "news")).attrs.type).toBe("result");
    expect(await roomsOf(component)).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
