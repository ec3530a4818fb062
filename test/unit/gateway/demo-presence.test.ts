/**
 * The demo module relays its network's presence, pictures and badges
 * (transcripts on the mock component): each member's show and status,
 * XEP-0153 avatar hash (and the vCard at their occupant JID) and XEP-0317
 * hats are in their occupant presence when the user joins, when they join
 * later, after a gateway restart, and on every change on the network.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { openSqliteStore, type BaseGateway, type GatewayStore } from "../../../src/gateway/index.js";
import { MockComponent } from "../../../src/testing/index.js";
import { DEMO_BADGE_URI, createDemoModule } from "../../../examples/demo-network/module.js";
import { DemoNetwork, demoAvatar, type DemoAvatar } from "../../../examples/demo-network/index.js";
import { GW, NS_MUC, errorCondition, mucItem, statusCodes } from "./helpers.js";

const USER = "alice@example.com"; // registered with the gateway as the network's alice
const TO = `${USER}/laptop`;
const NS_VCARD = "vcard-temp";
const NS_VCARD_UPDATE = "vcard-temp:x:update";
const NS_HATS = "urn:xmpp:hats:0";

const BOB_PICTURE = demoAvatar("bob");
const CAROL_PICTURE = demoAvatar("carol");
const sha1 = (a: DemoAvatar): string => createHash("sha1").update(a.data).digest("hex");

/**
 * alice (owner, badge "Owner"), bob (admin, badges "Admin" and "Barista",
 * away "Lunch", a picture) and carol (member, nothing) in group "coffee";
 * alice owner and carol reader of channel "news"; dave, a user in no group,
 * busy with a picture.
 */
function world(): DemoNetwork {
  const network = new DemoNetwork({ messageIdPrefix: "msg-" });
  network.addUser({ id: "alice", name: "Alice", password: "a", avatar: demoAvatar("alice") });
  network.addUser({ id: "bob", name: "Bob", password: "b", presence: { show: "away", status: "Lunch" }, avatar: BOB_PICTURE });
  network.addUser({ id: "carol", name: "Carol", password: "c" });
  network.addUser({ id: "dave", name: "Dave", password: "d", presence: { show: "dnd" }, avatar: demoAvatar("dave") });
  network.addGroup({
    id: "coffee",
    name: "Coffee",
    kind: "group",
    members: [
      { userId: "alice", role: "owner", badges: [{ id: "owner", title: "Owner", hue: 45 }] },
      { userId: "bob", role: "admin", badges: [{ id: "admin", title: "Admin", hue: 210 }, { id: "barista", title: "Barista" }] },
      { userId: "carol" },
    ],
  });
  network.addGroup({ id: "news", name: "News", kind: "channel", members: [{ userId: "alice", role: "owner" }, { userId: "carol" }] });
  return network;
}

const opened: { gateway: BaseGateway; store: GatewayStore }[] = [];
let dir: string | undefined;
afterEach(async () => {
  for (const { gateway, store } of opened.splice(0)) {
    await gateway.stop();
    store.close();
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

interface Gateway {
  readonly component: MockComponent;
  /** What the gateway logged as failed. */
  readonly warnings: string[];
  stop(): Promise<void>;
}

/** A gateway process serving `network` for alice, on a mock component and the store file (default: in memory). */
async function startGateway(network: DemoNetwork, file = ":memory:"): Promise<Gateway> {
  const store = openSqliteStore(file);
  if (!store.users.get(USER)) store.users.save({ jid: USER, legacyData: { username: "alice", password: "a" }, registeredAt: Date.now() });
  const component = new MockComponent({ jid: GW });
  const module = createDemoModule(network);
  const warnings: string[] = [];
  const gateway = new module.Gateway({ component, store, module, logger: { debug() {}, warn: (message) => warnings.push(message) } });
  const entry = { gateway, store };
  opened.push(entry);
  await gateway.start();
  return {
    component,
    warnings,
    async stop() {
      opened.splice(opened.indexOf(entry), 1);
      await gateway.stop();
      store.close();
    },
  };
}

/** Join a room from `TO` (or `to`); everything sent for the join, up to the subject. */
async function join(component: MockComponent, room: string, to = TO): Promise<Element[]> {
  const start = component.sent.length;
  component.receive(`<presence from='${to}' to='${room}@${GW}/Alice'><x xmlns='${NS_MUC}'/></presence>`);
  const subject = await component.nextSent((s) => s.is("message") && s.attrs.to === to && s.getChild("subject") !== undefined);
  return component.sent.slice(start, component.sent.indexOf(subject) + 1);
}

/** The next presence of `nick` in `room` to the user's resource. */
function presenceOf(component: MockComponent, room: string, nick: string, to = TO): Promise<Element> {
  return component.nextSent((s) => s.is("presence") && s.attrs.from === `${room}@${GW}/${nick}` && s.attrs.to === to);
}

/** The presences of `nick` among `stanzas`. */
function presencesOf(stanzas: readonly Element[], room: string, nick: string): Element[] {
  return stanzas.filter((s) => s.is("presence") && s.attrs.from === `${room}@${GW}/${nick}`);
}

/** What a presence shows: show, status, avatar hash, hats (title and hue). */
function shown(p: Element | undefined): { show: string | undefined; status: string | undefined; photo: string | undefined; hats: string[] } {
  return {
    show: p?.getChildText("show") ?? undefined,
    status: p?.getChildText("status") ?? undefined,
    photo: p?.getChild("x", NS_VCARD_UPDATE)?.getChildText("photo") ?? undefined,
    hats: (p?.getChild("hats", NS_HATS)?.getChildren("hat") ?? []).map((h) => `${String(h.attrs.title)}${h.attrs.hue !== undefined ? `@${String(h.attrs.hue)}` : ""}`),
  };
}

/** Ask the vCard at an occupant JID; the answer. */
async function vcardAt(component: MockComponent, occupant: string, id: string): Promise<Element> {
  component.receive(`<iq type='get' id='${id}' from='${TO}' to='${occupant}'><vCard xmlns='${NS_VCARD}'/></iq>`);
  return component.nextSent((s) => s.is("iq") && s.attrs.id === id);
}

describe("the demo module: presence, pictures and badges", () => {
  it("at the join, each member's presence shows their show and status, their picture's hash and their badges as hats", async () => {
    const { component, warnings } = await startGateway(world());
    const sent = await join(component, "coffee");
    const [bob] = presencesOf(sent, "coffee", "Bob");
    expect(shown(bob)).toEqual({ show: "away", status: "Lunch", photo: sha1(BOB_PICTURE), hats: ["Admin@210", "Barista"] });
    expect(mucItem(bob as Element)?.attrs).toMatchObject({ affiliation: "admin", role: "moderator" });
    const hats = bob?.getChild("hats", NS_HATS)?.getChildren("hat") ?? [];
    expect(hats.map((h) => h.attrs.uri)).toEqual([`${DEMO_BADGE_URI}admin`, `${DEMO_BADGE_URI}barista`]);
    expect(presencesOf(sent, "coffee", "Bob")).toHaveLength(1); // no presence before the join's list

    // carol: online, no picture, no badges — a plain presence.
    // The module said she has no picture: an empty <photo/> (XEP-0153 §3.2).
    expect(shown(presencesOf(sent, "coffee", "Carol")[0])).toEqual({ show: undefined, status: undefined, photo: "", hats: [] });

    // The user's own occupant wears her badges; her show and picture are her client's business.
    const self = presencesOf(sent, "coffee", "Alice").at(-1);
    expect(statusCodes(self as Element)).toContain(110);
    expect(shown(self)).toEqual({ show: undefined, status: undefined, photo: undefined, hats: ["Owner@45"] });
    expect(warnings).toEqual([]);
  });

  it("the vCard at a member's occupant JID holds their picture, through the module", async () => {
    const { component } = await startGateway(world());
    await join(component, "coffee");
    const answer = await vcardAt(component, `coffee@${GW}/Bob`, "v1");
    expect(answer.attrs.type).toBe("result");
    const photo = answer.getChild("vCard", NS_VCARD)?.getChild("PHOTO");
    expect(photo?.getChildText("TYPE")).toBe("image/png");
    expect(new Uint8Array(Buffer.from(photo?.getChildText("BINVAL") ?? "", "base64"))).toEqual(BOB_PICTURE.data);
    const none = await vcardAt(component, `coffee@${GW}/Carol`, "v2");
    expect(none.attrs.type).toBe("result");
    expect(none.getChild("vCard", NS_VCARD)?.getChild("PHOTO")).toBeUndefined();
  });

  it("a member's new presence, picture and badges on the network reach the joined user", async () => {
    const network = world();
    const { component, warnings } = await startGateway(network);
    await join(component, "coffee");

    let next = presenceOf(component, "coffee", "Carol");
    await network.as("carol").setPresence("dnd", "Deadline");
    expect(shown(await next)).toMatchObject({ show: "dnd", status: "Deadline" });

    next = presenceOf(component, "coffee", "Carol");
    await network.as("carol").setAvatar(CAROL_PICTURE);
    expect(shown(await next)).toMatchObject({ show: "dnd", photo: sha1(CAROL_PICTURE) });
    const vcard = await vcardAt(component, `coffee@${GW}/Carol`, "v1");
    expect(Buffer.from(vcard.getChild("vCard", NS_VCARD)?.getChild("PHOTO")?.getChildText("BINVAL") ?? "", "base64").equals(Buffer.from(CAROL_PICTURE.data))).toBe(true);

    next = presenceOf(component, "coffee", "Carol");
    await network.as("bob").setBadges("coffee", "carol", [{ id: "regular", title: "Regular", hue: 120 }]);
    const badged = await next;
    expect(shown(badged).hats).toEqual(["Regular@120"]);
    expect(badged.getChild("hats", NS_HATS)?.getChild("hat")?.attrs.uri).toBe(`${DEMO_BADGE_URI}regular`);

    next = presenceOf(component, "coffee", "Carol");
    await network.as("carol").setAvatar(undefined);
    expect(shown(await next)).toEqual({ show: "dnd", status: "Deadline", photo: "", hats: ["Regular@120"] });

    next = presenceOf(component, "coffee", "Carol");
    await network.as("bob").setBadges("coffee", "carol", []);
    expect(shown(await next).hats).toEqual([]);

    // Offline in a GROUP room: still listed, shown xa.
    next = presenceOf(component, "coffee", "Bob");
    await network.as("bob").setPresence("offline");
    const gone = await next;
    expect(gone.attrs.type).toBeUndefined();
    expect(shown(gone)).toMatchObject({ show: "xa", status: "Offline" });
    expect(warnings).toEqual([]);
  });

  it("in a channel, a reader who goes offline leaves the list, and comes back online", async () => {
    const network = world();
    const { component } = await startGateway(network);
    await join(component, "news");
    let next = presenceOf(component, "news", "Carol");
    await network.as("carol").setPresence("offline");
    expect((await next).attrs.type).toBe("unavailable");
    next = presenceOf(component, "news", "Carol");
    await network.as("carol").setPresence("away", "back soon");
    const back = await next;
    expect(back.attrs.type).toBeUndefined();
    expect(shown(back)).toMatchObject({ show: "away", status: "back soon" });
  });

  it("the user's own presence and picture on another device stay hers; her badges show on her own occupant", async () => {
    const network = world();
    const { component, warnings } = await startGateway(network);
    await join(component, "coffee");
    const start = component.sent.length;
    await network.as("alice").setPresence("away", "from my phone");
    await network.as("alice").setAvatar(demoAvatar("alice, new"));
    const self = presenceOf(component, "coffee", "Alice");
    network.setBadges("coffee", "alice", [{ id: "owner", title: "Owner", hue: 45 }, { id: "host", title: "Host" }]);
    const p = await self;
    expect(statusCodes(p)).toContain(110);
    expect(shown(p)).toEqual({ show: undefined, status: undefined, photo: undefined, hats: ["Owner@45", "Host"] });
    // Her presence and picture sent nothing: the badges' presence is the only one of hers since.
    expect(presencesOf(component.sent.slice(start), "coffee", "Alice")).toEqual([p]);
    expect(warnings).toEqual([]);
  });

  it("a member who joins later comes with their presence and picture", async () => {
    const network = world();
    const { component, warnings } = await startGateway(network);
    await join(component, "coffee");
    const start = component.sent.length;
    await network.as("dave").joinGroup("coffee");
    await component.nextSent((s) => s.is("presence") && s.attrs.from === `coffee@${GW}/Dave` && s.getChild("x", NS_VCARD_UPDATE) !== undefined);
    const daves = presencesOf(component.sent.slice(start), "coffee", "Dave");
    expect(shown(daves.at(-1))).toEqual({ show: "dnd", status: undefined, photo: sha1(network.avatar("dave") as DemoAvatar), hats: [] });
    expect(mucItem(daves.at(-1) as Element)?.attrs.affiliation).toBe("member");
    expect(warnings).toEqual([]);
  });

  it("a presence or picture the network fails to give is logged; the member is listed all the same", async () => {
    const network = world();
    network.failNext("getPresence", undefined, { userId: "alice" });
    const { component, warnings } = await startGateway(network);
    const sent = await join(component, "coffee");
    const listed = ["Bob", "Carol"].map((nick) => presencesOf(sent, "coffee", nick).length);
    expect(listed).toEqual([1, 1]);
    expect(warnings).toEqual([expect.stringMatching(/presence or picture of (bob|carol) in coffee/)]);
    expect(sent.some((s) => errorCondition(s) !== undefined)).toBe(false);
  });

  it("after a gateway restart, the members it kept are shown with their presence, picture and badges again, changes made meanwhile included", async () => {
    dir = mkdtempSync(joinPath(tmpdir(), "demo-presence-"));
    const file = joinPath(dir, "gateway.sqlite");
    const network = world();
    const first = await startGateway(network, file);
    await join(first.component, "coffee");
    await first.stop();

    await network.as("bob").setPresence("xa", "On holiday"); // while the gateway is down
    const second = await startGateway(network, file);
    const balcony = `${USER}/balcony`;
    const sent = await join(second.component, "coffee", balcony);
    const bob = presencesOf(sent, "coffee", "Bob").at(-1);
    expect(bob?.attrs.to).toBe(balcony);
    expect(shown(bob)).toEqual({ show: "xa", status: "On holiday", photo: sha1(BOB_PICTURE), hats: ["Admin@210", "Barista"] });
    expect(shown(presencesOf(sent, "coffee", "Alice").at(-1)).hats).toEqual(["Owner@45"]);
    expect(second.warnings).toEqual([]);
  });
});
