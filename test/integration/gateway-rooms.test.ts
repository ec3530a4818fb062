/**
 * The gateway connected to a real Prosody as its component, serving the demo
 * network; this SDK's client, through Prosody, uses the rooms' owner and
 * admin requests, private messages, chat states, markers, invitations and
 * the group life cycle, and the demo network sees each one (and the other
 * way round).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml } from "@xmpp/client";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { runGateway, type RunningGateway } from "../../src/gateway/index.js";
import {
  LeaveMode,
  MucService,
  destroyRoom,
  getAffiliations,
  getRoomConfig,
  getRoomInfo,
  setRoomConfig,
  type InviteEvent,
  type Room,
  type RoomEvents,
} from "../../src/index.js";
import { DemoNetwork, seedDemo, type DemoClientEvents } from "../../examples/demo-network/index.js";
import { createDemoModule } from "../../examples/demo-network/module.js";
import { connectClient, nextRoomEvent, withTimeout, type TestClient } from "../helpers/prosody-clients.js";

/** The next room event that `predicate` accepts (see `nextRoomEvent`). */
const next = nextRoomEvent;

const GW = "gateway.localhost";
const SECRET = "gateway-secret";
const WAIT = 5_000;

let server: ProsodyServer;
let network: DemoNetwork;
let running: RunningGateway | undefined;
let dir: string;
let alice: TestClient;
let muc: MucService;
/** What the gateway logged as failed. */
const warnings: string[] = [];

/** XEP-0077 registration with the gateway's data form. */
async function register(client: TestClient, username: string, password: string): Promise<void> {
  const form = xml(
    "x",
    { xmlns: "jabber:x:data", type: "submit" },
    xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, "jabber:iq:register")),
    xml("field", { var: "username" }, xml("value", {}, username)),
    xml("field", { var: "password" }, xml("value", {}, password)),
  );
  await withTimeout(client.xmpp.iqCaller.request(xml("iq", { type: "set", to: GW }, xml("query", { xmlns: "jabber:iq:register" }, form))), 10_000, "registration");
}


/** The next event of the demo network that `predicate` takes. */
function onNetwork<E extends keyof DemoClientEvents>(event: E, predicate: (p: Parameters<DemoClientEvents[E]>[0]) => boolean = () => true): Promise<Parameters<DemoClientEvents[E]>[0]> {
  type Payload = Parameters<DemoClientEvents[E]>[0];
  const emitter = network as unknown as { on(e: string, l: (p: Payload) => void): unknown; off(e: string, l: (p: Payload) => void): unknown };
  return withTimeout(
    new Promise<Payload>((resolve) => {
      const l = (p: Payload): void => {
        if (predicate(p)) {
          emitter.off(event, l);
          resolve(p);
        }
      };
      emitter.on(event, l);
    }),
    WAIT,
    `demo network event ${String(event)}`,
  );
}

/** The room of the gateway alice is in, joined (with no history) when she is not yet. */
async function enter(local: string): Promise<Room> {
  const known = muc.getRoom(`${local}@${GW}`);
  if (known?.joined) return known;
  const { room, joined } = muc.join(`${local}@${GW}`, "alice", { history: { maxStanzas: 0 } });
  await withTimeout(joined, 10_000, `joining ${local}`);
  return room;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gateway-rooms-test-"));
  server = await startProsody({
    component: { domain: GW, secret: SECRET },
    users: [{ username: "alice", password: "alice-pw" }],
  });
  network = new DemoNetwork();
  await seedDemo(network);
  network.addUser({ id: "dave", name: "Dave", password: "diver" }); // in no group yet
  running = await runGateway(createDemoModule(network), {
    jid: GW,
    secret: SECRET,
    server: server.componentUrl,
    db: join(dir, "gateway.sqlite"),
    logger: { debug() {}, warn: (message) => warnings.push(message) },
  });
  alice = await connectClient({ server, username: "alice", password: "alice-pw" });
  muc = new MucService(alice.xmpp, { selfPing: false });
  // Available, as a chat client is: Prosody hands messages to her bare JID (the gateway's invitations) to available resources only.
  await alice.xmpp.send(xml("presence"));
  await register(alice, "alice", "wonderland");
}, 60_000);

afterAll(async () => {
  muc?.close();
  await alice?.stop();
  await running?.stop();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("gateway rooms through Prosody", () => {
  it("the owner reads and submits the room configuration: status 104, the new name in disco#info and on the network", async () => {
    const room = await enter("coffee");
    const jid = `coffee@${GW}`;
    const { config } = await withTimeout(getRoomConfig(muc, jid), WAIT, "the configuration form");
    expect(config.roomName).toBe("Coffee corner");
    expect(config.description).toBe("Where the kettle is always on.");

    const changed = next(room, "configChange", (e) => e.statusCodes.includes(104));
    await withTimeout(setRoomConfig(muc, jid, { roomName: "The coffee corner", description: "Kettle on, beans ground" }), WAIT, "the configuration");
    await changed;
    expect(network.getGroup("coffee")).toMatchObject({ name: "The coffee corner", description: "Kettle on, beans ground" });
    expect((await withTimeout(getRoomInfo(muc, jid), WAIT, "the room info")).name).toBe("The coffee corner");
    expect((await withTimeout(getRoomConfig(muc, jid), WAIT, "the configuration form again")).config.roomName).toBe("The coffee corner");
  });

  it("the member list: getAffiliations lists the owner, admins and members, each member by their contact JID on the gateway", async () => {
    const jid = `coffee@${GW}`;
    const list = async (affiliation: "owner" | "admin" | "member"): Promise<string[]> =>
      (await withTimeout(getAffiliations(muc, jid, affiliation), WAIT, `the ${affiliation} list`)).map((e) => e.jid.toString());
    expect(await list("owner")).toEqual(["alice@localhost"]);
    expect(await list("admin")).toEqual([`bob@${GW}`]);
    expect(await list("member")).toEqual([`carol@${GW}`]);
  });

  it("a private message to a demo member is a direct message on the network; theirs is a privateMessage", async () => {
    const room = await enter("coffee");
    const sent = onNetwork("directMessage", ({ message }) => message.recipientId === "bob");
    await room.sendPrivateMessage("Bob", "Psst: decaf in the blue tin?");
    expect((await sent).message).toMatchObject({ groupId: "coffee", senderId: "alice", text: "Psst: decaf in the blue tin?" });

    const received = next(room, "privateMessage", (m) => m.body === "Never. Top drawer.");
    await network.as("bob").sendDirect("coffee", "alice", "Never. Top drawer.");
    const m = await received;
    expect(m.nick).toBe("Bob");
    expect(m.occupant?.nick).toBe("Bob");
  });

  it("chat states and markers both ways: a member typing and reading, and the user's own composing and displayed reaching the network", async () => {
    const room = await enter("coffee");
    const typing = next(room, "chatState", (e) => e.nick === "Bob" && e.state === "composing");
    await network.as("bob").setTyping("coffee", true);
    expect((await typing).own).toBe(false);
    const paused = next(room, "chatState", (e) => e.nick === "Bob" && e.state === "paused");
    await network.as("bob").setTyping("coffee", false);
    await paused;

    const delivered = next(room, "message", (m) => m.body === "Who took the last croissant?");
    const messageId = await network.as("carol").send("coffee", "Who took the last croissant?");
    const message = await delivered;
    expect(message.stanzaId).toBeDefined();
    const displayed = next(room, "displayed", (e) => e.nick === "Bob");
    await network.as("bob").markRead("coffee", messageId);
    expect((await displayed).id).toBe(message.stanzaId);

    const composing = onNetwork("typing", (e) => e.userId === "alice");
    await room.setChatState("composing");
    expect(await composing).toEqual({ groupId: "coffee", userId: "alice", typing: true });
    expect(network.typing("coffee")).toContain("alice");
    const stopped = onNetwork("typing", (e) => e.userId === "alice");
    await room.setChatState("active");
    expect((await stopped).typing).toBe(false);

    const read = onNetwork("read", (e) => e.userId === "alice");
    await room.markDisplayed(message);
    expect(await read).toEqual({ groupId: "coffee", userId: "alice", messageId });
    expect(network.readPosition("coffee", "alice")).toBe(messageId);
  });

  it("a mediated invitation of a demo user (dave@gateway) adds them to the group; the room shows them", async () => {
    const room = await enter("coffee");
    const added = onNetwork("memberJoined", (e) => e.groupId === "coffee" && e.member.userId === "dave");
    const joined = next(room, "join", (e) => e.occupant.nick === "Dave");
    await room.invite(`dave@${GW}`, { mode: "mediated", reason: "Fresh beans" });
    expect((await added).member.role).toBe("member");
    expect((await joined).occupant.affiliation).toBe("member");
    expect(network.member("coffee", "dave")).toBeDefined();
  });

  it("the user, added to a new group on the network, is invited by the gateway; as its owner she destroys it: exit DESTROYED, the group deleted", async () => {
    const invited = withTimeout(
      new Promise<InviteEvent>((resolve) => {
        const l = (e: InviteEvent): void => {
          if (e.room.toString() !== `attic@${GW}`) return;
          muc.off("invite", l);
          resolve(e);
        };
        muc.on("invite", l);
      }),
      WAIT,
      "the invitation to the attic",
    );
    network.addGroup({ id: "attic", name: "Attic", kind: "group", members: [{ userId: "alice", role: "owner" }, { userId: "bob" }] });
    const invitation = await invited;
    expect([invitation.kind, invitation.from?.toString()]).toEqual(["direct", GW]);

    const room = await enter("attic");
    expect(room.getOccupant(room.nick)?.affiliation).toBe("owner");
    const exit = next(room, "exit");
    const deleted = onNetwork("groupDeleted", (e) => e.group.id === "attic");
    await withTimeout(destroyRoom(muc, `attic@${GW}`, { reason: "Clearing out the attic" }), WAIT, "the destruction");
    expect(await exit).toMatchObject({ mode: LeaveMode.DESTROYED, reason: "Clearing out the attic" });
    expect(await deleted).toMatchObject({ by: "alice", reason: "Clearing out the attic" });
    expect(network.getGroup("attic")).toBeUndefined();
  });

  it("joining a new room JID creates the group, the user its owner: status 201, enter with created: true", async () => {
    const { room, joined } = muc.join(`tea-time@${GW}`, "alice");
    const entered = next(room, "enter");
    await withTimeout(joined, 10_000, "creating tea-time");
    expect((await entered).created).toBe(true);
    expect(network.getGroup("tea-time")).toMatchObject({ name: "tea-time", memberCount: 1 });
    expect(network.member("tea-time", "alice")?.role).toBe("owner");
    expect(room.getOccupant(room.nick)?.affiliation).toBe("owner");

    // The group is the network's like any other: a member added there talks in the room.
    const got = next(room, "message", (m) => m.body === "Thanks for the tea!");
    await network.as("alice").invite("tea-time", "dave");
    await network.as("dave").send("tea-time", "Thanks for the tea!");
    expect((await got).nick).toBe("Dave");
  });

  it("the gateway logged no failure meanwhile", () => {
    expect(warnings).toEqual([]);
  });
});
