// A connection that goes silent, against a real Prosody: the fault proxy
// stops forwarding both ways and keeps both sockets open (a network that died
// without a reset: no FIN, no RST, writes still succeed). The client's
// stream stays `online`, and what it sends goes nowhere.
//
// - With stream management, Alice's MucService asks for a sign of life
//   `afterSend` after her messages, gets none, restarts the stream within
//   `timeout`, and the session is resumed: her tracked messages reach Bob
//   once each. Carol, behind the same proxy with the watch off, still waits:
//   her trackers are IN_TRANSIT when Alice's are delivered.
// - Without stream management (Prosody with mod_smacks disabled), the silent
//   stream is restarted all the same: a new stream, the room rejoined, and
//   the messages written into the silence, which no acknowledgement reports
//   lost, are sent again after the rejoin's history and reach Bob once.

import type { EventEmitter } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { MessageState, MucService, createRoom, type MessageTracker, type Room, type RoomEvents } from "../../src/index.js";
import { startProsody, type ProsodyServer } from "../../src/testing/index.js";
import { startFaultProxy, type FaultProxy } from "../helpers/fault-proxy.js";
import { connectClient, nextRoomEvent, waitUntil, withTimeout, type TestClient } from "../helpers/prosody-clients.js";

const USERS = ["alice", "bob", "carol"].map((u) => ({ username: u, password: `${u}-pw` }));

interface Scene {
  server: ProsodyServer;
  proxy: FaultProxy;
  clients: TestClient[];
  services: MucService[];
}
let scene: Scene | undefined;

afterEach(async () => {
  if (!scene) return;
  const { server, proxy, clients, services } = scene;
  scene = undefined;
  for (const s of services) s.close();
  await proxy.close();
  await Promise.all(clients.map((c) => c.stop()));
  await server.stop();
});

/** Bob connects directly and makes the room; Alice (watched) and Carol (unwatched) connect through the proxy and join it. */
async function setUp(extraConfig: string): Promise<{ rooms: Record<"alice" | "bob" | "carol", Room>; alice: TestClient; proxy: FaultProxy }> {
  const server = await startProsody({ users: USERS, extraConfig });
  const proxy = await startFaultProxy({ target: { host: "127.0.0.1", port: server.c2sPort } });
  scene = { server, proxy, clients: [], services: [] };
  const through = { domain: server.domain, c2sUrl: `xmpp://127.0.0.1:${proxy.port}` };
  // Without stream management offered, connectClient must not wait for it.
  const streamManagement = !extraConfig.includes('"smacks"');
  const connect = async (username: string, viaProxy: boolean): Promise<TestClient> => {
    const c = await connectClient({ server: viaProxy ? through : server, username, password: `${username}-pw`, streamManagement });
    c.xmpp.reconnect.delay = 250;
    scene?.clients.push(c);
    return c;
  };
  const bob = await connect("bob", false);
  const alice = await connect("alice", true);
  const carol = await connect("carol", true);
  const mucs = {
    bob: new MucService(bob.xmpp),
    alice: new MucService(alice.xmpp, { liveness: { afterSend: 500, timeout: 1_500 } }),
    carol: new MucService(carol.xmpp, { liveness: false }),
  };
  scene.services.push(...Object.values(mucs));
  const jid = `silent-${Date.now()}@${server.mucDomain}`;
  const rb = await withTimeout(createRoom(mucs.bob, jid, "Bob"), 5_000, "bob creating the room");
  const ra = await withTimeout(mucs.alice.join(jid, "Alice").joined, 5_000, "alice joining");
  const rc = await withTimeout(mucs.carol.join(jid, "Carol").joined, 5_000, "carol joining");
  return { rooms: { alice: ra, bob: rb, carol: rc }, alice, proxy };
}

/** Bodies Bob hears from `nick`, in order. */
function heardFrom(room: Room, nick: string): string[] {
  const bodies: string[] = [];
  room.on("message", (e: RoomEvents["message"]) => {
    if (e.nick === nick) bodies.push(e.body);
  });
  return bodies;
}

describe("a connection that goes silent", () => {
  it("with stream management: the watched client restarts the stream, resumes, and its messages arrive once; the unwatched one still waits", async () => {
    const { rooms, alice, proxy } = await setUp("smacks_hibernation_time = 60\n");
    const fromAlice = heardFrom(rooms.bob, "Alice");
    let resumed = 0;
    (alice.xmpp.streamManagement as unknown as EventEmitter).on("resumed", () => resumed++);
    let newSessions = 0;
    alice.xmpp.on("online", () => newSessions++);

    for (const c of proxy.connections) c.stall();
    const aliceTrackers: MessageTracker[] = ["a-1", "a-2", "a-3"].map((b) => rooms.alice.sendTrackedMessage(b));
    const carolTrackers: MessageTracker[] = ["c-1", "c-2"].map((b) => rooms.carol.sendTrackedMessage(b));

    await withTimeout(Promise.all(aliceTrackers.map((t) => t.done)), 15_000, "alice's messages delivered after the silent stream");
    expect(aliceTrackers.map((t) => t.state)).toEqual(Array(3).fill(MessageState.DELIVERED_TO_RECIPIENT));
    await waitUntil(() => fromAlice.length >= 3, 5_000, "bob hearing alice");
    expect(fromAlice).toEqual(["a-1", "a-2", "a-3"]);
    expect(resumed).toBe(1);
    expect(newSessions).toBe(0);
    expect(alice.xmpp.status).toBe("online");
    // The control: the same silence, without the watch, has not been noticed yet.
    expect(carolTrackers.map((t) => t.state)).toEqual([MessageState.IN_TRANSIT, MessageState.IN_TRANSIT]);
    // A little later, still the same: the silence is only noticed by @xmpp/client's own timers (60 s).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(fromAlice).toEqual(["a-1", "a-2", "a-3"]);
    expect(carolTrackers.map((t) => t.state)).toEqual([MessageState.IN_TRANSIT, MessageState.IN_TRANSIT]);
  });

  it("without stream management: the silent stream is restarted, the room rejoined, and what was written into the silence arrives once", async () => {
    const { rooms, alice, proxy } = await setUp('modules_disabled = { "s2s", "smacks" }\n');
    expect(alice.xmpp.streamManagement.enabled).toBe(false);
    const fromAlice = heardFrom(rooms.bob, "Alice");
    const resumedRoom = nextRoomEvent(rooms.alice, "resume", () => true, 15_000);

    for (const c of proxy.connections) c.stall();
    // Written into the silence: nothing will say they were lost but their missing reflections.
    const trackers = ["n-1", "n-2"].map((b) => rooms.alice.sendTrackedMessage(b));
    await withTimeout(resumedRoom, 15_000, "alice's room rejoined on a new stream");
    await withTimeout(Promise.all(trackers.map((t) => t.done)), 10_000, "the messages written into the silence");
    expect(trackers.map((t) => t.state)).toEqual([MessageState.DELIVERED_TO_RECIPIENT, MessageState.DELIVERED_TO_RECIPIENT]);
    expect(alice.xmpp.status).toBe("online");
    const after = rooms.alice.sendTrackedMessage("n-3");
    await withTimeout(after.done, 10_000, "the message after the silence");
    await waitUntil(() => fromAlice.length >= 3, 5_000, "bob hearing alice");
    // A moment for a copy that should not come.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fromAlice).toEqual(["n-1", "n-2", "n-3"]);
    // Carol's stream is as silent, and still `online` to her client.
    expect(scene?.clients[2]?.xmpp.status).toBe("online");
  });
});
