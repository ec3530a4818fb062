/**
 * The demo legacy network: users, groups, permissions, events, history,
 * edits, deletions, reactions and moderators' removals, presence, pictures
 * and badges, typing, read positions, direct messages, groups created,
 * deleted and added to, failures, scale, seed; and its legacy module relaying
 * edits, deletions, reactions and removals both ways through a gateway on a
 * mock component (its presence, pictures and badges:
 * gateway/demo-presence.test.ts; its rooms' configuration, destruction,
 * chat states, markers, private messages, invitations and life cycle:
 * gateway/demo-rooms.test.ts).
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { inflateSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { afterEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import { openSqliteStore, type BaseGateway, type GatewayStore } from "../../src/gateway/index.js";
import { MockComponent } from "../../src/testing/index.js";
import { createDemoModule } from "../../examples/demo-network/module.js";
import { errorCondition, GW, NS_DISCO_INFO, NS_MUC, NS_OCCUPANT_ID, NS_SID, NS_STANZAS } from "./gateway/helpers.js";
import {
  DEMO_ACCOUNTS,
  DEMO_BADGES,
  demoAvatar,
  DemoNetwork,
  DemoNetworkError,
  isDemoNetworkError,
  seedDemo,
  type DemoAvatar,
  type DemoAvatarChangedEvent,
  type DemoBadge,
  type DemoClient,
  type DemoClientEvents,
  type DemoDirectMessage,
  type DemoGroupDeletedEvent,
  type DemoMember,
  type DemoMemberLeftEvent,
  type DemoNetworkErrorCode,
  type DemoNetworkOptions,
  type DemoPresence,
  type DemoShow,
  type DemoTypingEvent,
} from "../../examples/demo-network/index.js";

/** A clock that ticks one minute per reading, from 2024-05-01 09:00 UTC. */
function minuteClock(): () => Date {
  let t = Date.UTC(2024, 4, 1, 9, 0);
  return () => {
    const d = new Date(t);
    t += 60_000;
    return d;
  };
}

/**
 * alice (owner), bob (admin), carol (member) in group "coffee"; alice owner
 * and carol member of channel "news"; dave (a user in no group). Message ids
 * are `msg-1`, `msg-2`, … unless `options` say otherwise.
 */
function smallWorld(options: DemoNetworkOptions = { messageIdPrefix: "msg-" }): DemoNetwork {
  const network = new DemoNetwork({ now: minuteClock(), ...options });
  network.addUser({ id: "alice", name: "Alice", password: "a" });
  network.addUser({ id: "bob", name: "Bob", password: "b" });
  network.addUser({ id: "carol", name: "Carol", password: "c" });
  network.addUser({ id: "dave", name: "Dave", password: "d" });
  network.addGroup({
    id: "coffee",
    name: "Coffee",
    kind: "group",
    members: [{ userId: "alice", role: "owner" }, { userId: "bob", role: "admin" }, { userId: "carol" }],
  });
  network.addGroup({
    id: "news",
    name: "News",
    kind: "channel",
    members: [{ userId: "alice", role: "owner" }, { userId: "carol" }],
  });
  return network;
}

/** Record every client event, as `[event, payload]` pairs. */
function record(client: DemoClient): [keyof DemoClientEvents, unknown][] {
  const seen: [keyof DemoClientEvents, unknown][] = [];
  const events: (keyof DemoClientEvents)[] = [
    "message", "messageEdited", "messageDeleted", "reactionsChanged",
    "topic", "memberJoined", "memberLeft", "memberRenamed", "roleChanged", "groupUpdated", "groupAdded",
    "presenceChanged", "avatarChanged", "badgesChanged",
    "typing", "read", "directMessage", "groupDeleted",
  ];
  for (const event of events) client.on(event, (payload: unknown) => seen.push([event, payload]));
  return seen;
}

/** Assert a rejection with a DemoNetworkError of this code. */
async function rejectsWith(promise: Promise<unknown>, code: DemoNetworkErrorCode): Promise<void> {
  await expect(promise).rejects.toSatisfy((e: unknown) => isDemoNetworkError(e, code));
}

function throwsWith(fn: () => unknown, code: DemoNetworkErrorCode): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(isDemoNetworkError(caught, code), `expected a DemoNetworkError "${code}", got ${String(caught)}`).toBe(true);
}

async function collect(members: AsyncIterable<DemoMember>): Promise<DemoMember[]> {
  const all: DemoMember[] = [];
  for await (const m of members) all.push(m);
  return all;
}

describe("users and logging in", () => {
  it("adds, finds and lists users", () => {
    const network = new DemoNetwork();
    expect(network.addUser({ id: "alice", name: "Alice", password: "pw" })).toEqual({ id: "alice", name: "Alice" });
    network.addUser({ id: "bob", name: "Bob" });
    expect(network.getUser("bob")).toEqual({ id: "bob", name: "Bob" });
    expect(network.getUser("nobody")).toBeUndefined();
    expect(network.users.map((u) => u.id)).toEqual(["alice", "bob"]);
    throwsWith(() => network.addUser({ id: "alice", name: "Another Alice" }), "conflict");
    throwsWith(() => network.addUser({ id: "", name: "Nobody" }), "invalid");
  });

  it("tells users added to the network's listeners", () => {
    const network = new DemoNetwork();
    const added = vi.fn();
    network.on("userAdded", added);
    network.addUser({ id: "alice", name: "Alice" });
    expect(added).toHaveBeenCalledWith({ user: { id: "alice", name: "Alice" } });
  });

  it("authenticates with the right password, and refuses the rest", async () => {
    const network = smallWorld();
    network.addUser({ id: "scripted", name: "Scripted" });
    const client = await network.authenticate("alice", "a");
    expect(client.userId).toBe("alice");
    expect(client.user).toEqual({ id: "alice", name: "Alice" });
    expect(client.closed).toBe(false);
    expect(client.echo).toBe(false);
    await rejectsWith(network.authenticate("alice", "wrong"), "bad-credentials");
    await rejectsWith(network.authenticate("scripted", ""), "bad-credentials");
    await rejectsWith(network.authenticate("nobody", "x"), "not-found");
  });

  it("errors are DemoNetworkErrors with a name and a code, recognised across realms", () => {
    const e = new DemoNetworkError("forbidden", "no");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("DemoNetworkError");
    expect(e.code).toBe("forbidden");
    expect(isDemoNetworkError(e)).toBe(true);
    expect(isDemoNetworkError(e, "forbidden")).toBe(true);
    expect(isDemoNetworkError(e, "banned")).toBe(false);
    expect(isDemoNetworkError({ name: "DemoNetworkError", code: "banned", message: "" }, "banned")).toBe(true);
    expect(isDemoNetworkError(new Error("forbidden"))).toBe(false);
    expect(new DemoNetworkError("invalid", "bad", { cause: e }).cause).toBe(e);
  });

  it("gives the same scripted client until it is closed", () => {
    const network = smallWorld();
    const bob = network.as("bob");
    expect(network.as("bob")).toBe(bob);
    bob.close();
    expect(network.as("bob")).not.toBe(bob);
    throwsWith(() => network.as("nobody"), "not-found");
  });
});

describe("groups", () => {
  it("creates groups with members, roles, description and topic", async () => {
    const network = new DemoNetwork({ now: () => new Date("2024-05-01T09:00:00Z") });
    network.addUser({ id: "alice", name: "Alice" });
    network.addUser({ id: "bob", name: "Bob" });
    const group = network.addGroup({
      id: "g",
      name: "G",
      description: "A group",
      topic: "Hello",
      kind: "group",
      members: [{ userId: "alice", role: "owner" }, { userId: "bob" }],
    });
    expect(group).toEqual({
      id: "g",
      name: "G",
      description: "A group",
      kind: "group",
      topic: { text: "Hello", at: new Date("2024-05-01T09:00:00Z") },
      memberCount: 2,
    });
    expect(network.getGroup("g")).toEqual(group);
    expect(network.getGroup("nope")).toBeUndefined();
    expect(network.members("g")).toEqual([
      { userId: "alice", name: "Alice", role: "owner" },
      { userId: "bob", name: "Bob", role: "member" },
    ]);
    expect(network.member("g", "bob")?.role).toBe("member");
    expect(network.member("g", "carol")).toBeUndefined();

    const bare = network.addGroup({ id: "h", name: "H", kind: "channel" });
    expect(bare).toEqual({ id: "h", name: "H", description: "", kind: "channel", memberCount: 0 });
    expect(network.groups.map((g) => g.id)).toEqual(["g", "h"]);
  });

  it("refuses a taken id and unknown members", () => {
    const network = smallWorld();
    throwsWith(() => network.addGroup({ id: "coffee", name: "Again", kind: "group" }), "conflict");
    throwsWith(
      () => network.addGroup({ id: "x", name: "X", kind: "group", members: [{ userId: "ghost" }] }),
      "not-found",
    );
    expect(network.getGroup("x")).toBeUndefined();
    throwsWith(() => network.members("nope"), "not-found");
  });

  it("tells a new group to its members' clients only", async () => {
    const network = smallWorld();
    const alice = await network.authenticate("alice", "a");
    const dave = await network.authenticate("dave", "d");
    const aliceSeen = record(alice);
    const daveSeen = record(dave);
    const group = network.addGroup({ id: "tea", name: "Tea", kind: "group", members: [{ userId: "alice" }] });
    expect(aliceSeen).toEqual([["groupAdded", { group }]]);
    expect(daveSeen).toEqual([]);
  });

  it("lists a client's own groups, and shows any group on request", async () => {
    const network = smallWorld();
    const carol = await network.authenticate("carol", "c");
    const bob = await network.authenticate("bob", "b");
    expect((await carol.listGroups()).map((g) => g.id)).toEqual(["coffee", "news"]);
    expect((await bob.listGroups()).map((g) => g.id)).toEqual(["coffee"]);
    expect(await bob.getGroup("news")).toMatchObject({ id: "news", kind: "channel", memberCount: 2 });
    await rejectsWith(bob.getGroup("nope"), "not-found");
  });

  it("lets members list the members, one at a time", async () => {
    const network = smallWorld();
    const carol = await network.authenticate("carol", "c");
    const dave = await network.authenticate("dave", "d");
    expect(await collect(carol.members("coffee"))).toEqual([
      { userId: "alice", name: "Alice", role: "owner" },
      { userId: "bob", name: "Bob", role: "admin" },
      { userId: "carol", name: "Carol", role: "member" },
    ]);
    await rejectsWith(collect(dave.members("coffee")), "not-member");
    await rejectsWith(collect(dave.members("nope")), "not-found");
  });

  it("renames and describes groups: owners and admins, and the network", async () => {
    const network = smallWorld();
    const bob = await network.authenticate("bob", "b");
    const carol = await network.authenticate("carol", "c");
    const carolSeen = record(carol);
    await bob.updateGroup("coffee", { name: "Coffee corner", description: "Kettle on" });
    expect(carolSeen).toEqual([
      [
        "groupUpdated",
        {
          group: expect.objectContaining({ name: "Coffee corner", description: "Kettle on" }),
          changed: ["name", "description"],
          by: "bob",
        },
      ],
    ]);
    await rejectsWith(carol.updateGroup("coffee", { name: "Mine" }), "forbidden");
    await rejectsWith(bob.updateGroup("coffee", { name: "" }), "invalid");

    carolSeen.length = 0;
    network.updateGroup("coffee", { description: "Kettle on" }); // no change, no event
    network.updateGroup("coffee", { description: "Tea too" });
    expect(carolSeen).toEqual([
      ["groupUpdated", { group: expect.objectContaining({ description: "Tea too" }), changed: ["description"] }],
    ]);
  });
});

describe("events", () => {
  it("go to the clients of the group's members only, and to the network", async () => {
    const network = smallWorld();
    const alice = await network.authenticate("alice", "a");
    const bob = await network.authenticate("bob", "b");
    const dave = await network.authenticate("dave", "d");
    const [aliceSeen, bobSeen, daveSeen] = [record(alice), record(bob), record(dave)];
    const networkSeen = vi.fn();
    network.on("message", networkSeen);

    const id = await network.as("carol").send("coffee", "Morning!");
    const message = { id, groupId: "coffee", senderId: "carol", text: "Morning!", at: expect.any(Date) };
    expect(aliceSeen).toEqual([["message", { message }]]);
    expect(bobSeen).toEqual([["message", { message }]]);
    expect(daveSeen).toEqual([]);
    expect(networkSeen).toHaveBeenCalledWith({ message });

    await network.as("alice").send("news", "Channel post");
    expect(aliceSeen).toHaveLength(2);
    expect(bobSeen).toHaveLength(1); // bob is not in "news"
    expect(daveSeen).toEqual([]);
    expect(networkSeen).toHaveBeenCalledTimes(2);
  });

  it("do not come back to the client that acted, unless it asked for echoes", async () => {
    const network = smallWorld();
    const plain = await network.authenticate("alice", "a");
    const echoing = await network.authenticate("alice", "a", { echo: true });
    const [plainSeen, echoSeen] = [record(plain), record(echoing)];
    const scriptedSeen = record(network.as("alice")); // another "device" of alice

    const id = await plain.send("coffee", "from the gateway");
    expect(plainSeen).toEqual([]);
    expect(echoSeen).toEqual([["message", { message: expect.objectContaining({ id }) }]]);
    expect(scriptedSeen).toEqual([["message", { message: expect.objectContaining({ id }) }]]);

    await echoing.send("coffee", "from the echoing client");
    expect(plainSeen).toHaveLength(1);
    expect(echoSeen).toHaveLength(2);
  });

  it("follow membership: joining starts them, leaving stops them", async () => {
    const network = smallWorld();
    const dave = await network.authenticate("dave", "d");
    const alice = await network.authenticate("alice", "a");
    const [daveSeen, aliceSeen] = [record(dave), record(alice)];

    await dave.joinGroup("coffee");
    expect(daveSeen).toEqual([]); // dave's own action
    expect(aliceSeen).toEqual([
      ["memberJoined", { groupId: "coffee", member: { userId: "dave", name: "Dave", role: "member" } }],
    ]);
    await dave.joinGroup("coffee"); // already a member: nothing
    expect(aliceSeen).toHaveLength(1);

    await network.as("bob").send("coffee", "Welcome Dave");
    expect(daveSeen.map(([e]) => e)).toEqual(["message"]);

    await dave.leaveGroup("coffee");
    expect(aliceSeen.at(-1)).toEqual([
      "memberLeft",
      { groupId: "coffee", member: { userId: "dave", name: "Dave", role: "member" }, reason: "left" },
    ]);
    await network.as("bob").send("coffee", "Bye Dave");
    expect(daveSeen).toHaveLength(1);
    await rejectsWith(dave.leaveGroup("coffee"), "not-member");
  });

  it("stop after close, and a closed client refuses every call", async () => {
    const network = smallWorld();
    const carol = await network.authenticate("carol", "c");
    const seen = record(carol);
    carol.close();
    carol.close();
    expect(carol.closed).toBe(true);
    await network.as("bob").send("coffee", "anyone?");
    expect(seen).toEqual([]);
    await rejectsWith(carol.send("coffee", "hi"), "closed");
    await rejectsWith(carol.listGroups(), "closed");
    await rejectsWith(collect(carol.members("coffee")), "closed");
  });

  it("survive a throwing listener: the others still hear, the error is reported", async () => {
    const network = smallWorld();
    const alice = await network.authenticate("alice", "a");
    const bob = await network.authenticate("bob", "b");
    const boom = new Error("listener bug");
    alice.on("message", () => {
      throw boom;
    });
    const bobHeard = vi.fn();
    bob.on("message", bobHeard);
    const reported = vi.fn();
    network.on("listenerError", reported);

    await expect(network.as("carol").send("coffee", "still works")).resolves.toMatch(/^msg-/);
    expect(bobHeard).toHaveBeenCalledOnce();
    expect(reported).toHaveBeenCalledWith({ error: boom, event: "message", client: alice });
  });

  it("write a listener's error to the console when nobody listens for listenerError", async () => {
    const network = smallWorld();
    network.on("topic", () => {
      throw new Error("network listener bug");
    });
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      await network.as("carol").setTopic("coffee", "still set");
      expect(network.getGroup("coffee")?.topic?.text).toBe("still set");
      expect(consoleError).toHaveBeenCalledOnce();
    } finally {
      consoleError.mockRestore();
    }
  });

  it("have typed payloads", () => {
    const network = new DemoNetwork();
    network.on("memberLeft", (event) => {
      expectTypeOf(event).toEqualTypeOf<DemoMemberLeftEvent>();
      expectTypeOf(event.reason).toEqualTypeOf<"left" | "kicked" | "banned">();
    });
    network.on("userAdded", (event) => expectTypeOf(event.user.name).toBeString());
    network.on("messageEdited", (event) => expectTypeOf(event.message.editedAt).toEqualTypeOf<Date | undefined>());
    network.on("reactionsChanged", (event) => expectTypeOf(event.emojis).toEqualTypeOf<readonly string[]>());
    network.on("messageDeleted", (event) => {
      expectTypeOf(event.by).toEqualTypeOf<string | undefined>();
      expectTypeOf(event.reason).toEqualTypeOf<string | undefined>();
    });
  });
});

describe("permissions", () => {
  it("only members send; in a channel only owners and admins", async () => {
    const network = smallWorld();
    const dave = await network.authenticate("dave", "d");
    await rejectsWith(dave.send("coffee", "let me in"), "not-member");
    await rejectsWith(dave.send("nope", "hello?"), "not-found");
    await rejectsWith(network.as("carol").send("news", "reader speaking"), "forbidden");
    await expect(network.as("alice").send("news", "owner speaking")).resolves.toMatch(/^msg-/);
    await rejectsWith(network.as("carol").send("coffee", ""), "invalid");
    expect(network.history("news").map((m) => m.text)).toEqual(["owner speaking"]);
  });

  it("in a group every member sets the topic; in a channel only owners and admins", async () => {
    const network = new DemoNetwork({ now: () => new Date("2024-05-01T10:00:00Z") });
    network.addUser({ id: "alice", name: "Alice" });
    network.addUser({ id: "carol", name: "Carol" });
    network.addGroup({ id: "g", name: "G", kind: "group", members: [{ userId: "alice", role: "owner" }, { userId: "carol" }] });
    network.addGroup({ id: "c", name: "C", kind: "channel", members: [{ userId: "alice", role: "owner" }, { userId: "carol" }] });
    const aliceSeen = record(network.as("alice"));

    await network.as("carol").setTopic("g", "Carol's topic");
    const topic = { text: "Carol's topic", setBy: "carol", at: new Date("2024-05-01T10:00:00Z") };
    expect(network.getGroup("g")?.topic).toEqual(topic);
    expect(aliceSeen).toEqual([["topic", { groupId: "g", topic }]]);

    await rejectsWith(network.as("carol").setTopic("c", "mine now"), "forbidden");
    await network.as("alice").setTopic("c", "");
    expect(network.getGroup("c")?.topic?.text).toBe("");
  });

  it("kicks: moderators remove lower roles, with who and why, and the kicked may rejoin", async () => {
    const network = smallWorld();
    const carol = await network.authenticate("carol", "c");
    const alice = await network.authenticate("alice", "a");
    const [carolSeen, aliceSeen] = [record(carol), record(alice)];

    await network.as("bob").kick("coffee", "carol", "too much decaf");
    const left = {
      groupId: "coffee",
      member: { userId: "carol", name: "Carol", role: "member" },
      reason: "kicked",
      by: "bob",
      comment: "too much decaf",
    };
    expect(carolSeen).toEqual([["memberLeft", left]]); // the kicked user hears it too
    expect(aliceSeen).toEqual([["memberLeft", left]]);
    expect(network.member("coffee", "carol")).toBeUndefined();

    await carol.joinGroup("coffee");
    expect(network.member("coffee", "carol")?.role).toBe("member");
  });

  it("kicks: members may not, nobody acts on an equal or higher role or on themselves", async () => {
    const network = smallWorld();
    await rejectsWith(network.as("carol").kick("coffee", "bob"), "forbidden");
    await rejectsWith(network.as("bob").kick("coffee", "alice"), "forbidden");
    await rejectsWith(network.as("alice").kick("coffee", "alice"), "forbidden");
    await rejectsWith(network.as("alice").kick("coffee", "dave"), "not-member");
    await rejectsWith(network.as("dave").kick("coffee", "carol"), "not-member");
    await rejectsWith(network.as("alice").kick("coffee", "ghost"), "not-found");
    await rejectsWith(network.as("alice").kick("nope", "carol"), "not-found");
    expect(network.getGroup("coffee")?.memberCount).toBe(3);
  });

  it("bans remove the member and keep them out until unbanned", async () => {
    const network = smallWorld();
    const carol = await network.authenticate("carol", "c");
    const carolSeen = record(carol);

    await network.as("alice").ban("coffee", "carol");
    expect(carolSeen).toEqual([
      [
        "memberLeft",
        { groupId: "coffee", member: { userId: "carol", name: "Carol", role: "member" }, reason: "banned", by: "alice" },
      ],
    ]);
    expect(network.bans("coffee")).toEqual(["carol"]);
    await rejectsWith(carol.joinGroup("coffee"), "banned");
    throwsWith(() => network.addMember("coffee", "carol"), "banned");

    await network.as("alice").ban("coffee", "dave", "spam elsewhere"); // a non-member, pre-emptively
    expect(await network.as("bob").bans("coffee")).toEqual(["carol", "dave"]);
    await rejectsWith(network.as("dave").bans("coffee"), "not-member");

    await network.as("bob").unban("coffee", "carol");
    await rejectsWith(network.as("bob").unban("coffee", "carol"), "not-found");
    await carol.joinGroup("coffee");
    expect(network.member("coffee", "carol")).toBeDefined();
  });

  it("bans and unbans need a moderator who outranks the target", async () => {
    const network = smallWorld();
    await rejectsWith(network.as("carol").ban("coffee", "dave"), "forbidden");
    await rejectsWith(network.as("bob").ban("coffee", "alice"), "forbidden");
    await network.as("alice").ban("coffee", "dave");
    await rejectsWith(network.as("carol").unban("coffee", "dave"), "forbidden");
    await rejectsWith(network.as("carol").bans("coffee"), "forbidden");
  });

  it("roles: the actor outranks the member and grants at most their own role", async () => {
    const network = smallWorld();
    const carol = await network.authenticate("carol", "c");
    const carolSeen = record(carol);

    await network.as("bob").setRole("coffee", "carol", "admin");
    expect(carolSeen).toEqual([
      ["roleChanged", { groupId: "coffee", userId: "carol", oldRole: "member", newRole: "admin", by: "bob" }],
    ]);
    expect(network.member("coffee", "carol")?.role).toBe("admin");

    await rejectsWith(network.as("bob").setRole("coffee", "carol", "member"), "forbidden"); // equal rank
    await network.as("alice").setRole("coffee", "carol", "member");
    await rejectsWith(network.as("bob").setRole("coffee", "carol", "owner"), "forbidden"); // above bob's own
    await rejectsWith(network.as("carol").setRole("coffee", "bob", "member"), "forbidden");
    await rejectsWith(network.as("alice").setRole("coffee", "dave", "admin"), "not-member");
    await network.as("alice").setRole("coffee", "bob", "owner");
    expect(network.member("coffee", "bob")?.role).toBe("owner");

    carolSeen.length = 0;
    await network.as("alice").setRole("coffee", "carol", "member"); // unchanged: no event
    expect(carolSeen).toEqual([]);
  });
});

describe("history", () => {
  async function tenMessages(): Promise<{ network: DemoNetwork; ids: string[] }> {
    const network = smallWorld();
    const ids: string[] = [];
    for (let i = 1; i <= 10; i++) ids.push(await network.as(i % 2 ? "alice" : "bob").send("coffee", `m${i}`));
    return { network, ids };
  }
  const texts = (messages: readonly { text: string }[]) => messages.map((m) => m.text);

  it("numbers messages and stamps them with the network's clock", async () => {
    const network = smallWorld(); // its clock starts at 09:00 and ticks a minute per reading
    const first = await network.as("alice").send("coffee", "first");
    const second = await network.as("bob").send("coffee", "second", { replyTo: first });
    expect([first, second]).toEqual(["msg-1", "msg-2"]);
    expect(network.history("coffee")).toEqual([
      { id: "msg-1", groupId: "coffee", senderId: "alice", text: "first", at: new Date("2024-05-01T09:00:00Z") },
      {
        id: "msg-2",
        groupId: "coffee",
        senderId: "bob",
        text: "second",
        at: new Date("2024-05-01T09:01:00Z"),
        replyTo: "msg-1",
      },
    ]);
    expect(network.getMessage("msg-2")?.replyTo).toBe("msg-1");
    expect(network.getMessage("msg-99")).toBeUndefined();
    expect(Object.isFrozen(network.getMessage("msg-1"))).toBe(true);
  });

  it("numbers messages after a prefix of the network's own by default, so that a network made again reuses no id", async () => {
    const runs: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const network = new DemoNetwork();
      await seedDemo(network);
      runs.push(network.history("coffee").map((m) => m.id));
    }
    const [first, second] = runs as [string[], string[]];
    expect(first[0]).toMatch(/^msg-[0-9a-f]{8}-1$/);
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    // A prefix given makes them predictable.
    const predictable = new DemoNetwork({ messageIdPrefix: "m" });
    await seedDemo(predictable);
    expect(predictable.history("coffee").map((m) => m.id)).toEqual(["m1", "m2", "m3"]);
  });

  it("asks a prefix given as a function for each new message: a seed with fixed ids, live messages with their own", async () => {
    let seeding = true;
    const network = new DemoNetwork({ messageIdPrefix: () => (seeding ? "seed-" : "live-") });
    await seedDemo(network);
    seeding = false;
    const live = await network.as("bob").send("coffee", "after the seed");
    expect(network.history("coffee").map((m) => m.id)).toEqual(["seed-1", "seed-2", "seed-3", live]);
    expect(live).toMatch(/^live-\d+$/);
  });

  it("refuses a reply to a message of another group, or to none", async () => {
    const network = smallWorld();
    const inNews = await network.as("alice").send("news", "news item");
    await rejectsWith(network.as("alice").send("coffee", "re", { replyTo: inNews }), "not-found");
    await rejectsWith(network.as("alice").send("coffee", "re", { replyTo: "msg-404" }), "not-found");
  });

  it("pages backwards from the newest, and forwards after a message", async () => {
    const { network, ids } = await tenMessages();
    expect(texts(network.history("coffee"))).toEqual(["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10"]);
    expect(texts(network.history("coffee", { limit: 3 }))).toEqual(["m8", "m9", "m10"]);
    expect(texts(network.history("coffee", { limit: 3, before: ids[7] }))).toEqual(["m5", "m6", "m7"]);
    expect(texts(network.history("coffee", { limit: 3, before: ids[1] }))).toEqual(["m1"]);
    expect(texts(network.history("coffee", { limit: 3, after: ids[1] }))).toEqual(["m3", "m4", "m5"]);
    expect(texts(network.history("coffee", { limit: 3, after: ids[8] }))).toEqual(["m10"]);
    expect(texts(network.history("coffee", { after: ids[1], before: ids[5] }))).toEqual(["m3", "m4", "m5"]);
    expect(texts(network.history("coffee", { limit: 2, after: ids[1], before: ids[5] }))).toEqual(["m4", "m5"]);
    expect(network.history("coffee", { after: ids[5], before: ids[1] })).toEqual([]);
    expect(network.history("coffee", { limit: 0 })).toEqual([]);
  });

  it("walks the whole history page by page", async () => {
    const { network } = await tenMessages();
    const pages: string[][] = [];
    let before: string | undefined;
    for (;;) {
      const page = network.history("coffee", { limit: 4, before });
      if (page.length === 0) break;
      pages.unshift(texts(page));
      before = page[0]?.id;
    }
    expect(pages).toEqual([["m1", "m2"], ["m3", "m4", "m5", "m6"], ["m7", "m8", "m9", "m10"]]);
  });

  it("defaults to the newest 50", async () => {
    const network = smallWorld();
    for (let i = 1; i <= 60; i++) await network.as("alice").send("coffee", `m${i}`);
    const page = network.history("coffee");
    expect(page).toHaveLength(50);
    expect(page[0]?.text).toBe("m11");
  });

  it("refuses unknown bounds, bad limits, and non-members", async () => {
    const { network } = await tenMessages();
    const inNews = await network.as("alice").send("news", "elsewhere");
    throwsWith(() => network.history("coffee", { before: "msg-404" }), "not-found");
    throwsWith(() => network.history("coffee", { after: inNews }), "not-found");
    throwsWith(() => network.history("coffee", { limit: -1 }), "invalid");
    throwsWith(() => network.history("nope"), "not-found");
    await rejectsWith(network.as("dave").history("coffee"), "not-member");
    expect(texts(await network.as("carol").history("coffee", { limit: 2 }))).toEqual(["m9", "m10"]);
  });
});

describe("edits, deletions and reactions", () => {
  it("the author edits a message: a new snapshot with the new text and editedAt, told to the others", async () => {
    const network = smallWorld(); // its clock starts at 09:00 and ticks a minute per reading
    const alice = await network.authenticate("alice", "a");
    const bob = await network.authenticate("bob", "b");
    const [aliceSeen, bobSeen] = [record(alice), record(bob)];
    const id = await bob.send("coffee", "Cofee?");
    const sent = network.getMessage(id);
    aliceSeen.length = 0;

    await bob.edit("coffee", id, "Coffee?");
    const edited = {
      id,
      groupId: "coffee",
      senderId: "bob",
      text: "Coffee?",
      at: new Date("2024-05-01T09:00:00Z"),
      editedAt: new Date("2024-05-01T09:01:00Z"),
    };
    expect(network.getMessage(id)).toEqual(edited);
    expect(Object.isFrozen(network.getMessage(id))).toBe(true);
    expect(sent?.text).toBe("Cofee?"); // snapshots do not change
    expect(network.history("coffee")).toEqual([edited]);
    expect(aliceSeen).toEqual([["messageEdited", { message: edited, oldText: "Cofee?" }]]);
    expect(bobSeen).toEqual([]); // bob's own action

    await bob.edit("coffee", id, "Coffee?"); // the same text: nothing
    expect(aliceSeen).toHaveLength(1);
    await rejectsWith(bob.edit("coffee", id, ""), "invalid");
    expect(network.getMessage(id)?.text).toBe("Coffee?");
  });

  it("only the author edits or deletes, even against an owner; the others get the network's error and change nothing", async () => {
    const network = smallWorld();
    const carolSeen = record(network.as("carol"));
    const id = await network.as("bob").send("coffee", "mine, not yours");
    const inNews = await network.as("alice").send("news", "elsewhere");
    carolSeen.length = 0;

    const alice = network.as("alice"); // the owner
    await expect(alice.edit("coffee", id, "edited")).rejects.toThrow("alice cannot edit msg-1: only its author, bob, may");
    await rejectsWith(alice.edit("coffee", id, "edited"), "forbidden");
    await rejectsWith(alice.delete("coffee", id), "forbidden");
    await rejectsWith(network.as("carol").delete("coffee", id), "forbidden");
    await rejectsWith(network.as("dave").edit("coffee", id, "edited"), "not-member");
    await rejectsWith(network.as("bob").edit("coffee", "msg-404", "edited"), "not-found");
    await rejectsWith(network.as("alice").delete("coffee", inNews), "not-found"); // a message of another group
    await rejectsWith(network.as("bob").delete("nope", id), "not-found");

    expect(network.getMessage(id)).toMatchObject({ text: "mine, not yours" });
    expect(network.getMessage(id)?.editedAt).toBeUndefined();
    expect(carolSeen).toEqual([]);
  });

  it("a deletion takes the message out of the history; it can no longer be edited, deleted, reacted or replied to", async () => {
    const network = smallWorld();
    const alice = await network.authenticate("alice", "a");
    const aliceSeen = record(alice);
    const bob = network.as("bob");
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await bob.send("coffee", `m${i}`));
    const [, second, third, fourth] = ids as [string, string, string, string, string];
    const before = network.getMessage(third);
    aliceSeen.length = 0;

    await bob.delete("coffee", third);
    expect(aliceSeen).toEqual([["messageDeleted", { message: before }]]);
    expect(network.getMessage(third)).toBeUndefined();
    expect(network.history("coffee").map((m) => m.text)).toEqual(["m1", "m2", "m4", "m5"]);
    // Pages skip it, and still hold `limit` messages; it still marks its place as a bound.
    expect(network.history("coffee", { limit: 3 }).map((m) => m.text)).toEqual(["m2", "m4", "m5"]);
    expect(network.history("coffee", { limit: 2, after: second }).map((m) => m.text)).toEqual(["m4", "m5"]);
    expect(network.history("coffee", { before: third }).map((m) => m.text)).toEqual(["m1", "m2"]);
    expect(network.history("coffee", { after: second, before: fourth })).toEqual([]);

    await rejectsWith(bob.delete("coffee", third), "not-found");
    await rejectsWith(bob.edit("coffee", third, "back"), "not-found");
    await rejectsWith(bob.react("coffee", third, ["👍"]), "not-found");
    await rejectsWith(bob.send("coffee", "re", { replyTo: third }), "not-found");
    expect(aliceSeen).toHaveLength(1);
  });

  it("reactions: a set per member per message, replaced whole; none takes them back", async () => {
    const network = smallWorld();
    const alice = await network.authenticate("alice", "a");
    const aliceSeen = record(alice);
    const id = await alice.send("coffee", "Cake in the kitchen");
    const carol = network.as("carol");
    const bob = network.as("bob");

    await carol.react("coffee", id, ["👍", "🍰", "👍"]);
    expect(aliceSeen).toEqual([["reactionsChanged", { groupId: "coffee", messageId: id, userId: "carol", emojis: ["👍", "🍰"] }]]);
    await bob.react("coffee", id, ["👍"]);
    expect(network.getMessage(id)?.reactions).toEqual({ carol: ["👍", "🍰"], bob: ["👍"] });
    expect(Object.isFrozen(network.getMessage(id))).toBe(true);

    await carol.react("coffee", id, ["🍰"]); // replaces carol's, keeps bob's
    expect(network.getMessage(id)?.reactions).toEqual({ bob: ["👍"], carol: ["🍰"] });
    await carol.react("coffee", id, ["🍰"]); // unchanged: no event
    expect(aliceSeen).toHaveLength(3);

    await carol.react("coffee", id, []);
    expect(aliceSeen.at(-1)).toEqual(["reactionsChanged", { groupId: "coffee", messageId: id, userId: "carol", emojis: [] }]);
    expect(network.getMessage(id)?.reactions).toEqual({ bob: ["👍"] });
    await bob.react("coffee", id, []);
    expect(network.getMessage(id)).not.toHaveProperty("reactions");
    expect(network.history("coffee")[0]).toEqual({ id, groupId: "coffee", senderId: "alice", text: "Cake in the kitchen", at: expect.any(Date) });
  });

  it("reactions: members only, readers of a channel included; no empty emoji", async () => {
    const network = smallWorld();
    const id = await network.as("alice").send("coffee", "hello");
    const post = await network.as("alice").send("news", "Office closed on Friday");
    await rejectsWith(network.as("dave").react("coffee", id, ["👍"]), "not-member");
    await rejectsWith(network.as("carol").react("coffee", id, ["👍", ""]), "invalid");
    await rejectsWith(network.as("carol").react("coffee", "msg-404", ["👍"]), "not-found");
    await rejectsWith(network.as("carol").react("coffee", post, ["👍"]), "not-found"); // in "news", not "coffee"
    expect(network.getMessage(id)?.reactions).toBeUndefined();
    await network.as("carol").react("news", post, ["🎉"]); // carol only reads "news"
    expect(network.getMessage(post)?.reactions).toEqual({ carol: ["🎉"] });
  });

  it("can be made to fail like any other call", async () => {
    const network = smallWorld();
    const bob = network.as("bob");
    const id = await bob.send("coffee", "hi");
    network.failNext("edit");
    network.failNext("delete");
    network.failNext("react");
    await rejectsWith(bob.edit("coffee", id, "hello"), "unavailable");
    await rejectsWith(bob.delete("coffee", id), "unavailable");
    await rejectsWith(bob.react("coffee", id, ["👍"]), "unavailable");
    expect(network.getMessage(id)).toEqual(expect.objectContaining({ text: "hi" }));
    expect(network.getMessage(id)?.reactions).toBeUndefined();
  });
});

describe("removals by owners and admins", () => {
  it("an admin removes a member's message, an owner an admin's: out of the history, told with by and reason", async () => {
    const network = smallWorld();
    const alice = await network.authenticate("alice", "a");
    const carol = await network.authenticate("carol", "c");
    const [aliceSeen, carolSeen, bobSeen] = [record(alice), record(carol), record(network.as("bob"))];
    const carols = await carol.send("coffee", "Buy my beans at beans.example!");
    const bobs = await network.as("bob").send("coffee", "Decaf is fine too");
    const keep = await carol.send("coffee", "Kettle's on");
    const [carolsBefore, bobsBefore] = [network.getMessage(carols), network.getMessage(bobs)];
    for (const seen of [aliceSeen, carolSeen, bobSeen]) seen.length = 0;

    await network.as("bob").remove("coffee", carols, "spam");
    const removed = ["messageDeleted", { message: carolsBefore, by: "bob", reason: "spam" }];
    expect(aliceSeen).toEqual([removed]);
    expect(carolSeen).toEqual([removed]); // the author hears who removed it, and why
    expect(bobSeen).toEqual([]); // bob's own action
    expect(network.getMessage(carols)).toBeUndefined();

    await alice.remove("coffee", bobs); // an owner on an admin's message; no reason
    expect(bobSeen).toHaveLength(1);
    expect(bobSeen[0]?.[0]).toBe("messageDeleted");
    expect(bobSeen[0]?.[1]).toStrictEqual({ message: bobsBefore, by: "alice" });
    expect(network.history("coffee").map((m) => m.id)).toEqual([keep]);

    // Like a deletion: gone for edits, reactions, replies and removals.
    await rejectsWith(network.as("bob").edit("coffee", bobs, "back"), "not-found");
    await rejectsWith(carol.react("coffee", bobs, ["👍"]), "not-found");
    await rejectsWith(carol.send("coffee", "re", { replyTo: carols }), "not-found");
    await rejectsWith(alice.remove("coffee", carols), "not-found");
  });

  it("the author's own deletion carries no by or reason", async () => {
    const network = smallWorld();
    const aliceSeen = record(await network.authenticate("alice", "a"));
    const id = await network.as("carol").send("coffee", "oops");
    await network.as("carol").delete("coffee", id);
    expect(aliceSeen.at(-1)?.[1]).toStrictEqual({ message: expect.objectContaining({ id, text: "oops" }) });
  });

  it("a message of someone who left can still be removed", async () => {
    const network = smallWorld();
    const id = await network.as("carol").send("coffee", "bye, and buy my beans");
    await network.as("carol").leaveGroup("coffee");
    await network.as("bob").remove("coffee", id, "spam");
    expect(network.getMessage(id)).toBeUndefined();
  });

  it("refused: a member, an admin on an owner's or another admin's message, one's own message, an unknown message", async () => {
    const network = smallWorld();
    network.addMember("coffee", "dave", "admin");
    const aliceSeen = record(await network.authenticate("alice", "a"));
    const alices = await network.as("alice").send("coffee", "owner's word");
    const bobs = await network.as("bob").send("coffee", "admin's word");
    const daves = await network.as("dave").send("coffee", "another admin's word");
    const carols = await network.as("carol").send("coffee", "member's word");
    const inNews = await network.as("alice").send("news", "elsewhere");
    aliceSeen.length = 0;

    await rejectsWith(network.as("carol").remove("coffee", bobs), "forbidden"); // a member
    await expect(network.as("carol").remove("coffee", bobs)).rejects.toThrow("carol is not an owner or admin of coffee");
    await rejectsWith(network.as("bob").remove("coffee", alices), "forbidden"); // an admin on the owner's
    await expect(network.as("bob").remove("coffee", alices)).rejects.toThrow("bob (admin) cannot act on alice (owner) in coffee");
    await rejectsWith(network.as("bob").remove("coffee", daves, "same rank"), "forbidden"); // an admin on another admin's
    await expect(network.as("alice").remove("coffee", alices)).rejects.toThrow("alice cannot remove their own message msg-1: delete it instead");
    await rejectsWith(network.as("alice").remove("coffee", alices), "forbidden");
    await rejectsWith(network.as("alice").remove("coffee", "msg-404"), "not-found");
    await rejectsWith(network.as("alice").remove("coffee", inNews), "not-found"); // a message of another group
    await rejectsWith(network.as("alice").remove("nope", carols), "not-found");
    await network.as("carol").leaveGroup("coffee");
    await rejectsWith(network.as("carol").remove("coffee", bobs), "not-member");

    for (const id of [alices, bobs, daves]) expect(network.getMessage(id)).toBeDefined();
    expect(network.getMessage(carols)).toBeDefined();
    expect(aliceSeen.filter(([event]) => event === "messageDeleted")).toEqual([]);
  });

  it("in a channel, the owner removes an admin's post; a reader may not", async () => {
    const network = smallWorld();
    network.addMember("news", "bob", "admin");
    const post = await network.as("bob").send("news", "Office closed on Friday?");
    await rejectsWith(network.as("carol").remove("news", post), "forbidden"); // a reader
    await network.as("alice").remove("news", post, "not confirmed yet");
    expect(network.history("news")).toEqual([]);
  });

  it("can be made to fail like any other call", async () => {
    const network = smallWorld();
    const id = await network.as("carol").send("coffee", "hi");
    network.failNext("remove", undefined, { userId: "bob" });
    await rejectsWith(network.as("bob").remove("coffee", id), "unavailable");
    expect(network.getMessage(id)).toMatchObject({ text: "hi" });
    await network.as("bob").remove("coffee", id);
    expect(network.getMessage(id)).toBeUndefined();
  });
});

describe("renames", () => {
  it("change the name everywhere, with one event per shared group, to members only", async () => {
    const network = smallWorld();
    const alice = await network.authenticate("alice", "a");
    const bob = await network.authenticate("bob", "b");
    const dave = await network.authenticate("dave", "d");
    const [aliceSeen, bobSeen, daveSeen] = [record(alice), record(bob), record(dave)];

    network.renameUser("carol", "Caroline");
    expect(network.getUser("carol")?.name).toBe("Caroline");
    expect(network.member("coffee", "carol")?.name).toBe("Caroline");
    const renamed = (groupId: string) => ["memberRenamed", { groupId, userId: "carol", oldName: "Carol", newName: "Caroline" }];
    expect(aliceSeen).toEqual([renamed("coffee"), renamed("news")]);
    expect(bobSeen).toEqual([renamed("coffee")]);
    expect(daveSeen).toEqual([]);

    network.renameUser("carol", "Caroline"); // the same name: nothing
    expect(aliceSeen).toHaveLength(2);
    throwsWith(() => network.renameUser("ghost", "Ghost"), "not-found");
    throwsWith(() => network.renameUser("carol", ""), "invalid");
  });

  it("follow the user out of groups they left", async () => {
    const network = smallWorld();
    const alice = await network.authenticate("alice", "a");
    const seen = record(alice);
    await network.as("carol").leaveGroup("news");
    seen.length = 0;
    network.renameUser("carol", "C.");
    expect(seen.map(([, e]) => (e as { groupId: string }).groupId)).toEqual(["coffee"]);
  });
});

describe("presence", () => {
  it("is online by default, or as the user was added with; anyone may look, an unknown user is not-found", async () => {
    const network = smallWorld();
    network.addUser({ id: "erin", name: "Erin", presence: { show: "dnd", status: "In a meeting" } });
    expect(network.presence("carol")).toEqual({ show: "online" });
    expect(network.presence("erin")).toEqual({ show: "dnd", status: "In a meeting" });
    const dave = await network.authenticate("dave", "d");
    expect(await dave.getPresence("erin")).toEqual({ show: "dnd", status: "In a meeting" }); // no shared group needed
    throwsWith(() => network.presence("ghost"), "not-found");
    await rejectsWith(dave.getPresence("ghost"), "not-found");
    throwsWith(() => network.addUser({ id: "frank", name: "Frank", presence: { show: "busy" as string as DemoShow } }), "invalid");
    expect(network.getUser("frank")).toBeUndefined();
  });

  it("is set by the user, and told once per shared group to the members' clients and the user's other devices", async () => {
    const network = smallWorld();
    const [alice, bob, dave, carolsPhone] = await Promise.all([
      network.authenticate("alice", "a"),
      network.authenticate("bob", "b"),
      network.authenticate("dave", "d"),
      network.authenticate("carol", "c"),
    ]);
    const [aliceSeen, bobSeen, daveSeen, phoneSeen] = [record(alice), record(bob), record(dave), record(carolsPhone)];
    const scriptedSeen = record(network.as("carol"));
    const networkSeen = vi.fn();
    network.on("presenceChanged", networkSeen);

    await network.as("carol").setPresence("away", "Lunch");
    const presence = { show: "away", status: "Lunch" };
    expect(network.presence("carol")).toEqual(presence);
    expect(Object.isFrozen(network.presence("carol"))).toBe(true);
    const changed = (groupId: string) => ["presenceChanged", { groupId, userId: "carol", presence }];
    expect(aliceSeen).toEqual([changed("coffee"), changed("news")]);
    expect(bobSeen).toEqual([changed("coffee")]); // bob is not in "news"
    expect(phoneSeen).toEqual([changed("coffee"), changed("news")]); // carol's other device
    expect(scriptedSeen).toEqual([]); // the client that acted
    expect(daveSeen).toEqual([]);
    expect(networkSeen).toHaveBeenCalledTimes(2);

    await network.as("carol").setPresence("away", "Lunch"); // the same: nothing
    expect(aliceSeen).toHaveLength(2);
    await network.as("carol").setPresence("xa", ""); // an empty status is none
    expect(network.presence("carol")).toEqual({ show: "xa" });
    expect(network.presence("carol")).not.toHaveProperty("status");
    await network.as("carol").setPresence("offline");
    expect(aliceSeen.at(-1)).toEqual(["presenceChanged", { groupId: "news", userId: "carol", presence: { show: "offline" } }]);
    await network.as("dave").setPresence("away"); // in no group: told to nobody
    expect(network.presence("dave")).toEqual({ show: "away" });
    expect(daveSeen).toEqual([]);
  });

  it("refuses a show it does not know, and changes nothing", async () => {
    const network = smallWorld();
    const seen = record(await network.authenticate("alice", "a"));
    await rejectsWith(network.as("carol").setPresence("busy" as string as DemoShow, "?"), "invalid");
    expect(network.presence("carol")).toEqual({ show: "online" });
    expect(seen).toEqual([]);
  });
});

describe("pictures", () => {
  const png = (n: number): DemoAvatar => ({ data: new Uint8Array([0x89, 0x50, 0x4e, 0x47, n]), type: "image/png" });

  it("none by default, or the one the user was added with; the network keeps copies and hands out copies", async () => {
    const network = smallWorld();
    const given = png(1);
    network.addUser({ id: "erin", name: "Erin", avatar: given });
    given.data[4] = 99; // the caller's array changes later …
    expect(network.avatar("erin")).toEqual(png(1)); // … the network's does not
    const handed = network.avatar("erin");
    handed?.data.fill(0);
    expect(network.avatar("erin")).toEqual(png(1));
    expect(network.avatar("carol")).toBeUndefined();
    const dave = await network.authenticate("dave", "d");
    expect(await dave.getAvatar("erin")).toEqual(png(1));
    expect(await dave.getAvatar("carol")).toBeUndefined();
    throwsWith(() => network.avatar("ghost"), "not-found");
    await rejectsWith(dave.getAvatar("ghost"), "not-found");
  });

  it("are set and removed by the user, told once per shared group; the same picture again changes nothing", async () => {
    const network = smallWorld();
    const [alice, bob] = await Promise.all([network.authenticate("alice", "a"), network.authenticate("bob", "b")]);
    const [aliceSeen, bobSeen] = [record(alice), record(bob)];

    await network.as("carol").setAvatar(png(1));
    expect(network.avatar("carol")).toEqual(png(1));
    const set = (groupId: string) => ["avatarChanged", { groupId, userId: "carol", avatar: png(1) }];
    expect(aliceSeen).toEqual([set("coffee"), set("news")]);
    expect(bobSeen).toEqual([set("coffee")]);

    await network.as("carol").setAvatar(png(1));
    await network.as("carol").setAvatar({ data: png(1).data, type: "image/png" });
    expect(aliceSeen).toHaveLength(2);
    await network.as("carol").setAvatar({ data: png(1).data, type: "image/webp" }); // another type is another picture
    expect(aliceSeen).toHaveLength(4);

    await network.as("carol").setAvatar(undefined);
    expect(network.avatar("carol")).toBeUndefined();
    const removed = bobSeen.at(-1);
    expect(removed).toEqual(["avatarChanged", { groupId: "coffee", userId: "carol" }]);
    expect(removed?.[1]).not.toHaveProperty("avatar");
    await network.as("carol").setAvatar(undefined);
    expect(bobSeen).toHaveLength(3);
  });

  it("must be an image, not empty and at most 64 KiB", async () => {
    const network = smallWorld();
    const carol = network.as("carol");
    await rejectsWith(carol.setAvatar({ data: new Uint8Array(0), type: "image/png" }), "invalid");
    await rejectsWith(carol.setAvatar({ data: new Uint8Array([1]), type: "text/plain" }), "invalid");
    await rejectsWith(carol.setAvatar({ data: new Uint8Array(64 * 1024 + 1), type: "image/png" }), "invalid");
    await expect(carol.setAvatar({ data: new Uint8Array(64 * 1024), type: "image/png" })).resolves.toBeUndefined();
    throwsWith(() => network.addUser({ id: "erin", name: "Erin", avatar: { data: new Uint8Array([1]), type: "png" } }), "invalid");
  });

  it("demoAvatar draws a small valid PNG, the same for the same seed", () => {
    const a = demoAvatar("alice");
    expect(a.type).toBe("image/png");
    expect([...a.data.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(a.data.length).toBeLessThan(1024);
    const bytes = Buffer.from(a.data);
    // IHDR: 60×60, 8-bit RGB; IDAT inflates to 60 rows of a filter byte and 60 pixels.
    expect(bytes.toString("latin1", 12, 16)).toBe("IHDR");
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20), bytes[24], bytes[25]]).toEqual([60, 60, 8, 2]);
    const idatLength = bytes.readUInt32BE(33);
    expect(bytes.toString("latin1", 37, 41)).toBe("IDAT");
    expect(inflateSync(bytes.subarray(41, 41 + idatLength)).length).toBe(60 * (1 + 60 * 3));
    expect(bytes.toString("latin1", bytes.length - 8, bytes.length - 4)).toBe("IEND");
    expect(demoAvatar("alice")).toEqual(a);
    expect(demoAvatar("bob").data).not.toEqual(a.data);
  });
});

describe("badges", () => {
  const OWNER: DemoBadge = { id: "owner", title: "Owner", hue: 45 };
  const BARISTA: DemoBadge = { id: "barista", title: "Barista" };

  it("owners and admins give them to themselves and to lower roles; members' snapshots show them; told with by", async () => {
    const network = smallWorld();
    const carol = await network.authenticate("carol", "c");
    const dave = await network.authenticate("dave", "d");
    const [carolSeen, daveSeen] = [record(carol), record(dave)];

    await network.as("alice").setBadges("coffee", "alice", [OWNER]);
    await network.as("alice").setBadges("coffee", "bob", [BARISTA, { id: "admin", title: "Admin", hue: 210 }]);
    await network.as("bob").setBadges("coffee", "carol", [{ id: "regular", title: "Regular", hue: 0 }]);
    expect(carolSeen).toEqual([
      ["badgesChanged", { groupId: "coffee", userId: "alice", badges: [OWNER], by: "alice" }],
      ["badgesChanged", { groupId: "coffee", userId: "bob", badges: [BARISTA, { id: "admin", title: "Admin", hue: 210 }], by: "alice" }],
      ["badgesChanged", { groupId: "coffee", userId: "carol", badges: [{ id: "regular", title: "Regular", hue: 0 }], by: "bob" }],
    ]);
    expect(daveSeen).toEqual([]);
    expect(network.members("coffee")).toEqual([
      { userId: "alice", name: "Alice", role: "owner", badges: [OWNER] },
      { userId: "bob", name: "Bob", role: "admin", badges: [BARISTA, { id: "admin", title: "Admin", hue: 210 }] },
      { userId: "carol", name: "Carol", role: "member", badges: [{ id: "regular", title: "Regular", hue: 0 }] },
    ]);
    expect(await collect(carol.members("coffee"))).toEqual(network.members("coffee"));
    expect(network.member("news", "alice")).not.toHaveProperty("badges"); // badges are per group
    expect(Object.isFrozen(network.member("coffee", "alice")?.badges)).toBe(true);

    carolSeen.length = 0;
    await network.as("alice").setBadges("coffee", "alice", [{ ...OWNER }]); // the same: nothing
    expect(carolSeen).toEqual([]);
    await network.as("bob").setBadges("coffee", "carol", []); // all off
    expect(carolSeen).toEqual([["badgesChanged", { groupId: "coffee", userId: "carol", badges: [], by: "bob" }]]);
    expect(network.member("coffee", "carol")).toEqual({ userId: "carol", name: "Carol", role: "member" });
  });

  it("refused: members, on an equal or higher role, on non-members, and malformed badges", async () => {
    const network = smallWorld();
    await network.as("alice").setBadges("coffee", "bob", [BARISTA]);
    await rejectsWith(network.as("carol").setBadges("coffee", "carol", [BARISTA]), "forbidden"); // a member, even on herself
    await rejectsWith(network.as("bob").setBadges("coffee", "alice", [BARISTA]), "forbidden"); // an owner
    await rejectsWith(network.as("alice").setBadges("coffee", "dave", [BARISTA]), "not-member");
    await rejectsWith(network.as("dave").setBadges("coffee", "carol", [BARISTA]), "not-member");
    await rejectsWith(network.as("alice").setBadges("coffee", "ghost", [BARISTA]), "not-found");
    await rejectsWith(network.as("alice").setBadges("nope", "bob", [BARISTA]), "not-found");
    await rejectsWith(network.as("alice").setBadges("coffee", "bob", [{ id: "x", title: "" }]), "invalid");
    await rejectsWith(network.as("alice").setBadges("coffee", "bob", [{ id: "", title: "X" }]), "invalid");
    await rejectsWith(network.as("alice").setBadges("coffee", "bob", [BARISTA, { id: "barista", title: "Again" }]), "invalid");
    await rejectsWith(network.as("alice").setBadges("coffee", "bob", [{ id: "x", title: "X", hue: 400 }]), "invalid");
    await rejectsWith(network.as("alice").setBadges("coffee", "bob", [{ id: "x", title: "X", hue: Number.NaN }]), "invalid");
    expect(network.member("coffee", "bob")?.badges).toEqual([BARISTA]);
  });

  it("the network gives them without checks and without by, also at creation; they go when the member leaves", async () => {
    const network = smallWorld();
    const seen = record(await network.authenticate("alice", "a"));
    network.setBadges("coffee", "carol", [BARISTA]);
    expect(seen).toEqual([["badgesChanged", { groupId: "coffee", userId: "carol", badges: [BARISTA] }]]);
    throwsWith(() => network.setBadges("coffee", "dave", [BARISTA]), "not-member");

    const group = network.addGroup({ id: "tea", name: "Tea", kind: "group", members: [{ userId: "alice", role: "owner", badges: [OWNER] }, { userId: "carol" }] });
    expect(group.memberCount).toBe(2);
    expect(network.member("tea", "alice")?.badges).toEqual([OWNER]);
    throwsWith(() => network.addGroup({ id: "bad", name: "Bad", kind: "group", members: [{ userId: "alice", badges: [{ id: "x", title: "" }] }] }), "invalid");
    expect(network.getGroup("bad")).toBeUndefined();

    seen.length = 0;
    await network.as("carol").leaveGroup("coffee");
    expect(seen).toEqual([["memberLeft", { groupId: "coffee", member: { userId: "carol", name: "Carol", role: "member", badges: [BARISTA] }, reason: "left" }]]);
    await network.as("carol").joinGroup("coffee");
    expect(network.member("coffee", "carol")).toEqual({ userId: "carol", name: "Carol", role: "member" });
  });

  it("have typed payloads", () => {
    const network = new DemoNetwork();
    network.on("presenceChanged", (event) => expectTypeOf(event.presence).toEqualTypeOf<DemoPresence>());
    network.on("avatarChanged", (event) => {
      expectTypeOf(event).toEqualTypeOf<DemoAvatarChangedEvent>();
      expectTypeOf(event.avatar).toEqualTypeOf<DemoAvatar | undefined>();
    });
    network.on("badgesChanged", (event) => {
      expectTypeOf(event.badges).toEqualTypeOf<readonly DemoBadge[]>();
      expectTypeOf(event.by).toEqualTypeOf<string | undefined>();
    });
    expectTypeOf<DemoPresence["show"]>().toEqualTypeOf<"online" | "away" | "dnd" | "xa" | "offline">();
  });
});

describe("typing", () => {
  it("is told to the group's other members when it changes; the network knows who types", async () => {
    const network = smallWorld();
    const alice = await network.authenticate("alice", "a");
    const dave = await network.authenticate("dave", "d");
    const [aliceSeen, daveSeen] = [record(alice), record(dave)];
    const bob = network.as("bob");
    const bobSeen = record(bob);

    await bob.setTyping("coffee", true);
    expect(aliceSeen).toEqual([["typing", { groupId: "coffee", userId: "bob", typing: true }]]);
    expect(bobSeen).toEqual([]); // bob's own action
    expect(daveSeen).toEqual([]); // not a member
    expect(network.typing("coffee")).toEqual(["bob"]);

    await bob.setTyping("coffee", true); // no change: no event
    await network.as("carol").setTyping("coffee", true);
    expect(network.typing("coffee")).toEqual(["bob", "carol"]);
    await bob.setTyping("coffee", false);
    expect(aliceSeen).toEqual([
      ["typing", { groupId: "coffee", userId: "bob", typing: true }],
      ["typing", { groupId: "coffee", userId: "carol", typing: true }],
      ["typing", { groupId: "coffee", userId: "bob", typing: false }],
    ]);
    expect(network.typing("coffee")).toEqual(["carol"]);
  });

  it("ends silently with the typist's message, or when they leave", async () => {
    const network = smallWorld();
    const seen = record(await network.authenticate("alice", "a"));
    await network.as("carol").setTyping("coffee", true);
    await network.as("bob").setTyping("coffee", true);
    seen.length = 0;
    await network.as("carol").send("coffee", "done typing");
    expect(seen.map(([event]) => event)).toEqual(["message"]);
    expect(network.typing("coffee")).toEqual(["bob"]);
    await network.as("bob").leaveGroup("coffee");
    expect(seen.map(([event]) => event)).toEqual(["message", "memberLeft"]);
    expect(network.typing("coffee")).toEqual([]);
  });

  it("follows the rules of sending: members, and in a channel only owners and admins", async () => {
    const network = smallWorld();
    await rejectsWith(network.as("dave").setTyping("coffee", true), "not-member");
    await rejectsWith(network.as("carol").setTyping("news", true), "forbidden");
    await rejectsWith(network.as("carol").setTyping("nope", true), "not-found");
    await network.as("alice").setTyping("news", true);
    expect(network.typing("news")).toEqual(["alice"]);
    throwsWith(() => network.typing("nope"), "not-found");
  });
});

describe("read positions", () => {
  it("a member marks a group read up to a message; told to the others; only forward", async () => {
    const network = smallWorld();
    const alice = await network.authenticate("alice", "a");
    const dave = await network.authenticate("dave", "d");
    const [aliceSeen, daveSeen] = [record(alice), record(dave)];
    const first = await alice.send("coffee", "one");
    const second = await alice.send("coffee", "two");
    const carol = network.as("carol");

    await carol.markRead("coffee", first);
    expect(aliceSeen).toEqual([["read", { groupId: "coffee", userId: "carol", messageId: first }]]);
    expect(daveSeen).toEqual([]);
    expect(network.readPosition("coffee", "carol")).toBe(first);

    await carol.markRead("coffee", second);
    await carol.markRead("coffee", second); // the same: nothing
    await carol.markRead("coffee", first); // backwards: nothing
    expect(aliceSeen).toEqual([
      ["read", { groupId: "coffee", userId: "carol", messageId: first }],
      ["read", { groupId: "coffee", userId: "carol", messageId: second }],
    ]);
    expect(network.readPosition("coffee", "carol")).toBe(second);
    expect(network.readPosition("coffee", "bob")).toBeUndefined();
  });

  it("readers of a channel mark too; refused for unknown or deleted messages and non-members; leaving forgets it", async () => {
    const network = smallWorld();
    const post = await network.as("alice").send("news", "a post");
    await network.as("carol").markRead("news", post);
    expect(network.readPosition("news", "carol")).toBe(post);
    const other = await network.as("alice").send("coffee", "elsewhere");
    await rejectsWith(network.as("carol").markRead("news", other), "not-found"); // a message of another group
    await rejectsWith(network.as("carol").markRead("news", "msg-404"), "not-found");
    await rejectsWith(network.as("dave").markRead("news", post), "not-member");
    const gone = await network.as("alice").send("news", "oops");
    await network.as("alice").delete("news", gone);
    await rejectsWith(network.as("carol").markRead("news", gone), "not-found");

    await network.as("carol").leaveGroup("news");
    await network.as("carol").joinGroup("news");
    expect(network.readPosition("news", "carol")).toBeUndefined();
  });
});

describe("direct messages", () => {
  it("go from a member to another member of the same group: the recipient's clients hear them, nobody else's", async () => {
    const network = smallWorld();
    const carol = await network.authenticate("carol", "c");
    const alice = await network.authenticate("alice", "a");
    const echoingBob = await network.authenticate("bob", "b", { echo: true });
    const [carolSeen, aliceSeen, echoSeen] = [record(carol), record(alice), record(echoingBob)];
    const bobsOtherDevice = record(network.as("bob"));
    const networkSeen = vi.fn();
    network.on("directMessage", networkSeen);

    const id = await network.as("bob").sendDirect("coffee", "carol", "Psst, the good beans");
    expect(id).toBe("msg-1"); // the message counter's
    const message = { id, groupId: "coffee", senderId: "bob", recipientId: "carol", text: "Psst, the good beans", at: expect.any(Date) };
    expect(carolSeen).toEqual([["directMessage", { message }]]);
    expect(aliceSeen).toEqual([]);
    expect(echoSeen).toEqual([]);
    expect(bobsOtherDevice).toEqual([]);
    expect(networkSeen).toHaveBeenCalledWith({ message });
    expect(network.history("coffee")).toEqual([]); // no part of the group's history

    await echoingBob.sendDirect("coffee", "alice", "hi");
    expect(echoSeen.map(([event]) => event)).toEqual(["directMessage"]); // the sender's client, with echoes
    expect(aliceSeen).toHaveLength(1);
    expect(carolSeen).toHaveLength(1);
  });

  it("refused: to or from a non-member, to oneself, to nobody, empty", async () => {
    const network = smallWorld();
    await rejectsWith(network.as("bob").sendDirect("coffee", "dave", "hi"), "not-member");
    await rejectsWith(network.as("dave").sendDirect("coffee", "bob", "hi"), "not-member");
    await rejectsWith(network.as("bob").sendDirect("news", "carol", "hi"), "not-member"); // bob is not in news
    await rejectsWith(network.as("bob").sendDirect("coffee", "bob", "hi"), "invalid");
    await rejectsWith(network.as("bob").sendDirect("coffee", "ghost", "hi"), "not-found");
    await rejectsWith(network.as("bob").sendDirect("nope", "carol", "hi"), "not-found");
    await rejectsWith(network.as("bob").sendDirect("coffee", "carol", ""), "invalid");
    await expect(network.as("carol").sendDirect("news", "alice", "a reader may write to the owner")).resolves.toMatch(/^msg-/);
  });
});

describe("creating, deleting and adding to groups", () => {
  it("anyone creates a group, becoming its owner; its id comes from its name; its members hear groupAdded", async () => {
    const network = smallWorld();
    const carol = await network.authenticate("carol", "c");
    const dave = await network.authenticate("dave", "d");
    const [carolSeen, daveSeen] = [record(carol), record(dave)];
    const bob = network.as("bob");
    const bobsOtherDevice = record(await network.authenticate("bob", "b"));

    const id = await bob.createGroup("Tea time", { description: "Green only", members: ["carol", "bob"] });
    expect(id).toBe("tea-time");
    const group = { id, name: "Tea time", description: "Green only", kind: "group", memberCount: 2 };
    expect(network.getGroup(id)).toEqual(group);
    expect(network.members(id)).toEqual([
      { userId: "bob", name: "Bob", role: "owner" },
      { userId: "carol", name: "Carol", role: "member" },
    ]);
    expect(carolSeen).toEqual([["groupAdded", { group }]]);
    expect(bobsOtherDevice).toEqual([["groupAdded", { group }]]);
    expect(daveSeen).toEqual([]);

    expect(await dave.createGroup("Tea time")).toBe("tea-time-2"); // taken
    expect(await dave.createGroup("Thé & Café!", { kind: "channel" })).toBe("the-cafe");
    expect(network.getGroup("the-cafe")).toMatchObject({ name: "Thé & Café!", kind: "channel", memberCount: 1 });
    expect(await dave.createGroup("☕")).toBe("group");
    await rejectsWith(dave.createGroup(""), "invalid");
    await rejectsWith(dave.createGroup("Ghosts", { members: ["ghost"] }), "not-found");
    expect(network.groups.map((g) => g.id)).toEqual(["coffee", "news", "tea-time", "tea-time-2", "the-cafe", "group"]);
  });

  it("an owner deletes a group: its members hear groupDeleted with by and reason; it is gone with its messages, and its id is never handed out again", async () => {
    const network = smallWorld();
    const carol = await network.authenticate("carol", "c");
    const dave = await network.authenticate("dave", "d");
    const [carolSeen, daveSeen] = [record(carol), record(dave)];
    const aliceSeen = record(network.as("alice"));
    const messageId = await network.as("bob").send("coffee", "last words");
    carolSeen.length = 0;

    await rejectsWith(network.as("bob").deleteGroup("coffee"), "forbidden"); // an admin
    await rejectsWith(carol.deleteGroup("coffee"), "forbidden");
    await rejectsWith(dave.deleteGroup("coffee"), "not-member");
    const alice = await network.authenticate("alice", "a");
    await alice.deleteGroup("coffee", "Closing the café");
    const deleted = {
      group: { id: "coffee", name: "Coffee", description: "", kind: "group", memberCount: 3 },
      by: "alice",
      reason: "Closing the café",
    };
    expect(carolSeen).toEqual([["groupDeleted", deleted]]);
    expect(aliceSeen.at(-1)).toEqual(["groupDeleted", deleted]); // alice's other device
    expect(daveSeen).toEqual([]);

    expect(network.getGroup("coffee")).toBeUndefined();
    expect(network.getMessage(messageId)).toBeUndefined();
    expect((await carol.listGroups()).map((g) => g.id)).toEqual(["news"]);
    await rejectsWith(carol.send("coffee", "hello?"), "not-found");
    await rejectsWith(carol.joinGroup("coffee"), "not-found");
    await rejectsWith(alice.deleteGroup("coffee"), "not-found");
    expect(await network.as("bob").createGroup("Coffee")).toBe("coffee-2");
  });

  it("the network deletes a group without by", async () => {
    const network = smallWorld();
    const seen = record(await network.authenticate("carol", "c"));
    network.deleteGroup("news");
    expect(seen).toEqual([["groupDeleted", { group: expect.objectContaining({ id: "news", memberCount: 2 }) }]]);
    throwsWith(() => network.deleteGroup("news"), "not-found");
  });

  it("owners and admins add a user as a member: memberJoined, the added user's clients included; the member comes back", async () => {
    const network = smallWorld();
    const dave = await network.authenticate("dave", "d");
    const carol = await network.authenticate("carol", "c");
    const [daveSeen, carolSeen] = [record(dave), record(carol)];
    const member = { userId: "dave", name: "Dave", role: "member" };

    await expect(network.as("bob").invite("coffee", "dave")).resolves.toEqual(member);
    const joined = ["memberJoined", { groupId: "coffee", member }];
    expect(daveSeen).toEqual([joined]);
    expect(carolSeen).toEqual([joined]);
    await expect(network.as("alice").invite("coffee", "dave")).resolves.toEqual(member); // a member already: nothing
    expect(carolSeen).toHaveLength(1);
    expect((await dave.listGroups()).map((g) => g.id)).toEqual(["coffee"]);
  });

  it("adding is refused to members, for banned and unknown users, and in unknown groups", async () => {
    const network = smallWorld();
    await rejectsWith(network.as("carol").invite("coffee", "dave"), "forbidden");
    await rejectsWith(network.as("dave").invite("coffee", "dave"), "not-member");
    await network.as("alice").ban("coffee", "dave");
    await rejectsWith(network.as("alice").invite("coffee", "dave"), "banned");
    await rejectsWith(network.as("alice").invite("coffee", "ghost"), "not-found");
    await rejectsWith(network.as("alice").invite("nope", "carol"), "not-found");
    expect(network.getGroup("coffee")?.memberCount).toBe(3);
  });

  it("have typed payloads", () => {
    const network = new DemoNetwork();
    network.on("typing", (event) => expectTypeOf(event).toEqualTypeOf<DemoTypingEvent>());
    network.on("read", (event) => expectTypeOf(event.messageId).toBeString());
    network.on("directMessage", (event) => expectTypeOf(event.message).toEqualTypeOf<DemoDirectMessage>());
    network.on("groupDeleted", (event) => {
      expectTypeOf(event).toEqualTypeOf<DemoGroupDeletedEvent>();
      expectTypeOf(event.reason).toEqualTypeOf<string | undefined>();
    });
    expectTypeOf<DemoClient["invite"]>().returns.resolves.toEqualTypeOf<DemoMember>();
  });
});

describe("files", () => {
  it("sendFile with bytes: a message carrying the file (a copy), its text the caption or \"\", heard and kept like any message", async () => {
    const network = smallWorld();
    const carol = await network.authenticate("carol", "c");
    const seen = record(carol);
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const id = await network.as("bob").sendFile("coffee", { name: "beans.png", type: "image/png", data: bytes }, { caption: "New beans!" });
    expect(id).toBe("msg-1");
    bytes[0] = 99; // the network kept its own copy
    const file = { name: "beans.png", type: "image/png", size: 4, data: new Uint8Array([1, 2, 3, 4]) };
    const message = { id, groupId: "coffee", senderId: "bob", text: "New beans!", at: expect.any(Date), file };
    expect(seen).toEqual([["message", { message }]]);
    expect(network.history("coffee")).toEqual([message]);
    expect(await carol.history("coffee")).toEqual([message]);

    const bare = await network.as("carol").sendFile("coffee", { name: "notes.txt", type: "text/plain", data: new Uint8Array([65]) }, { replyTo: id });
    expect(network.getMessage(bare)).toMatchObject({ text: "", replyTo: id, file: { name: "notes.txt", size: 1 } });
    await network.as("carol").edit("coffee", bare, "now with a caption");
    expect(network.getMessage(bare)).toMatchObject({ text: "now with a caption", file: { name: "notes.txt" } });
  });

  it("sendFile with a link: the url, and the size when given (none without)", async () => {
    const network = smallWorld();
    const seen = record(await network.authenticate("alice", "a"));
    const url = "https://files.example/menu.pdf";
    const withSize = await network.as("bob").sendFile("coffee", { name: "menu.pdf", type: "application/pdf", url, size: 2048 });
    const without = await network.as("bob").sendFile("coffee", { name: "menu.pdf", type: "application/pdf", url });
    expect(network.getMessage(withSize)?.file).toEqual({ name: "menu.pdf", type: "application/pdf", url, size: 2048 });
    expect(network.getMessage(without)?.file).toEqual({ name: "menu.pdf", type: "application/pdf", url });
    expect(network.getMessage(without)?.text).toBe("");
    expect(seen.map(([event]) => event)).toEqual(["message", "message"]);
    expect(network.getMessage(await network.as("bob").send("coffee", "plain"))).not.toHaveProperty("file");
  });

  it("refused: an empty name, a bad type, neither bytes nor link, empty or oversized bytes, a bad link, a reader of a channel, a non-member", async () => {
    const network = smallWorld();
    const bob = network.as("bob");
    const data = new Uint8Array([1]);
    await rejectsWith(bob.sendFile("coffee", { name: "", type: "image/png", data }), "invalid");
    await rejectsWith(bob.sendFile("coffee", { name: "x", type: "png", data }), "invalid");
    await rejectsWith(bob.sendFile("coffee", { name: "x", type: "image/png" }), "invalid");
    await rejectsWith(bob.sendFile("coffee", { name: "x", type: "image/png", data: new Uint8Array(0) }), "invalid");
    await rejectsWith(bob.sendFile("coffee", { name: "x", type: "image/png", data: new Uint8Array(1024 * 1024 + 1) }), "invalid");
    await rejectsWith(bob.sendFile("coffee", { name: "x", type: "image/png", url: "not a url" }), "invalid");
    await rejectsWith(bob.sendFile("coffee", { name: "x", type: "image/png", data }, { replyTo: "msg-404" }), "not-found");
    await rejectsWith(network.as("carol").sendFile("news", { name: "x", type: "image/png", data }), "forbidden");
    await rejectsWith(network.as("dave").sendFile("coffee", { name: "x", type: "image/png", data }), "not-member");
    expect(network.history("coffee")).toEqual([]);
    await expect(bob.sendFile("coffee", { name: "big.bin", type: "application/octet-stream", data: new Uint8Array(1024 * 1024) })).resolves.toBe("msg-1");
  });

  it("failNext(\"sendFile\") makes the next file fail, and only files", async () => {
    const network = smallWorld();
    const seen = record(await network.authenticate("alice", "a"));
    const bob = network.as("bob");
    network.failNext("sendFile");
    await expect(bob.send("coffee", "text is unaffected")).resolves.toBe("msg-1");
    await rejectsWith(bob.sendFile("coffee", { name: "x.png", type: "image/png", url: "https://files.example/x.png" }), "unavailable");
    expect(seen).toHaveLength(1);
    await expect(bob.sendFile("coffee", { name: "x.png", type: "image/png", url: "https://files.example/x.png" })).resolves.toBe("msg-2");
  });
});

describe("failure injection", () => {
  it("makes the next call reject with the given error and change nothing, once", async () => {
    const network = smallWorld();
    const alice = await network.authenticate("alice", "a");
    const bob = await network.authenticate("bob", "b");
    const bobSeen = record(bob);
    const error = new Error("socket closed");

    network.failNext("send", error);
    await expect(alice.send("coffee", "lost")).rejects.toBe(error);
    expect(network.history("coffee")).toEqual([]);
    expect(bobSeen).toEqual([]);

    await expect(alice.send("coffee", "delivered")).resolves.toBe("msg-1");
    expect(bobSeen).toHaveLength(1);
  });

  it("defaults to an 'unavailable' DemoNetworkError, queues in order, and only hits its operation", async () => {
    const network = smallWorld();
    const alice = await network.authenticate("alice", "a");
    network.failNext("kick");
    network.failNext("kick", new DemoNetworkError("forbidden", "second"));
    await expect(alice.send("coffee", "unaffected")).resolves.toMatch(/^msg-/);
    await rejectsWith(alice.kick("coffee", "carol"), "unavailable");
    await expect(alice.kick("coffee", "carol")).rejects.toThrow("second");
    expect(network.member("coffee", "carol")).toBeDefined();
    await alice.kick("coffee", "carol");
    expect(network.member("coffee", "carol")).toBeUndefined();
  });

  it("can aim at one user, and be cleared", async () => {
    const network = smallWorld();
    const alice = await network.authenticate("alice", "a");
    network.failNext("setTopic", undefined, { userId: "alice" });
    await network.as("carol").setTopic("coffee", "carol is unaffected");
    await rejectsWith(alice.setTopic("coffee", "alice is not"), "unavailable");

    network.failNext("history");
    network.clearFailures();
    await expect(alice.history("coffee")).resolves.toEqual([]);
  });

  it("covers logging in and listing members", async () => {
    const network = smallWorld();
    network.failNext("authenticate", undefined, { userId: "alice" });
    await expect(network.authenticate("bob", "b")).resolves.toBeDefined();
    await rejectsWith(network.authenticate("alice", "a"), "unavailable");
    const alice = await network.authenticate("alice", "a");

    network.failNext("members");
    await rejectsWith(collect(alice.members("coffee")), "unavailable");
    expect(await collect(alice.members("coffee"))).toHaveLength(3);
  });

  it("covers presence, pictures and badges", async () => {
    const network = smallWorld();
    const seen = record(await network.authenticate("alice", "a"));
    const carol = network.as("carol");
    network.failNext("setPresence", undefined, { userId: "carol" });
    network.failNext("setAvatar");
    network.failNext("setBadges", new DemoNetworkError("forbidden", "badges are frozen"));
    network.failNext("getPresence");
    network.failNext("getAvatar");
    await rejectsWith(carol.setPresence("away"), "unavailable");
    await rejectsWith(carol.setAvatar(demoAvatar("carol")), "unavailable");
    await expect(network.as("bob").setBadges("coffee", "carol", [{ id: "b", title: "B" }])).rejects.toThrow("badges are frozen");
    await rejectsWith(carol.getPresence("bob"), "unavailable");
    await rejectsWith(carol.getAvatar("bob"), "unavailable");
    expect(seen).toEqual([]);
    expect(network.presence("carol")).toEqual({ show: "online" });
    expect(network.avatar("carol")).toBeUndefined();
    expect(network.member("coffee", "carol")).not.toHaveProperty("badges");
    await carol.setPresence("away");
    expect(seen).toHaveLength(2);
  });
  it("covers typing, read positions, direct messages, and creating, deleting and adding to groups", async () => {
    const network = smallWorld();
    const seen = record(await network.authenticate("carol", "c"));
    const alice = network.as("alice");
    const id = await alice.send("coffee", "read me");
    seen.length = 0;
    for (const operation of ["setTyping", "markRead", "sendDirect", "createGroup", "deleteGroup", "invite"] as const) network.failNext(operation, undefined, { userId: "alice" });
    await rejectsWith(alice.setTyping("coffee", true), "unavailable");
    await rejectsWith(alice.markRead("coffee", id), "unavailable");
    await rejectsWith(alice.sendDirect("coffee", "carol", "hi"), "unavailable");
    await rejectsWith(alice.createGroup("Tea"), "unavailable");
    await rejectsWith(alice.deleteGroup("coffee"), "unavailable");
    await rejectsWith(alice.invite("coffee", "dave"), "unavailable");
    expect(seen).toEqual([]);
    expect([network.typing("coffee"), network.readPosition("coffee", "alice"), network.getGroup("tea"), network.member("coffee", "dave")]).toEqual([[], undefined, undefined, undefined]);
    expect(network.getGroup("coffee")).toBeDefined();
    await alice.setTyping("coffee", true);
    expect(seen).toHaveLength(1);
  });
});

describe("large groups", () => {
  it("creates a group of 50,000 members", () => {
    const network = new DemoNetwork();
    const members = [];
    for (let i = 0; i < 50_000; i++) {
      network.addUser({ id: `u${i}`, name: `User ${i}` });
      members.push({ userId: `u${i}`, role: i === 0 ? ("owner" as const) : undefined });
    }
    const group = network.addGroup({ id: "big", name: "Big", kind: "channel", members });
    expect(group.memberCount).toBe(50_000);
    expect(network.member("big", "u0")?.role).toBe("owner");
    expect(network.member("big", "u49999")?.role).toBe("member");
  });

  it("populates a group with synthetic users", async () => {
    const network = smallWorld();
    const client = await network.authenticate("alice", "a");
    const joined = vi.fn();
    client.on("memberJoined", joined);

    const ids = network.populate("news", 50_000);
    expect(ids).toHaveLength(50_000);
    expect(ids.slice(0, 2)).toEqual(["user-1", "user-2"]);
    expect(network.getGroup("news")?.memberCount).toBe(50_002);
    expect(joined).toHaveBeenCalledTimes(50_000);
    expect(network.getUser("user-1")?.name).toMatch(/^\S+ \S+$/);

    network.addUser({ id: "user-50001", name: "Squatter" });
    expect(network.populate("coffee", 2, { role: "admin" })).toEqual(["user-50002", "user-50003"]);
    expect(network.member("coffee", "user-50002")?.role).toBe("admin");
    throwsWith(() => network.populate("coffee", -1), "invalid");
    throwsWith(() => network.populate("nope", 1), "not-found");
  });
});

describe("seedDemo", () => {
  it("builds alice, bob and carol, three groups with topics and histories", async () => {
    const network = new DemoNetwork({ now: minuteClock(), messageIdPrefix: "msg-" });
    await seedDemo(network);

    for (const { id, password } of DEMO_ACCOUNTS) {
      await expect(network.authenticate(id, password)).resolves.toMatchObject({ userId: id });
    }
    expect(DEMO_ACCOUNTS.map((a) => a.id)).toEqual(["alice", "bob", "carol"]);

    expect(network.groups.map((g) => [g.id, g.kind, g.memberCount])).toEqual([
      ["coffee", "group", 3],
      ["announcements", "channel", 203],
      ["book-club", "group", 2],
    ]);
    for (const group of network.groups) {
      expect(group.name).not.toBe("");
      expect(group.topic?.text).toBeTruthy();
      expect(network.history(group.id).length).toBeGreaterThanOrEqual(2);
    }
    expect(network.members("coffee").map((m) => [m.userId, m.role])).toEqual([
      ["alice", "owner"],
      ["bob", "admin"],
      ["carol", "member"],
    ]);
    expect(network.member("book-club", "bob")).toBeUndefined();
    expect(network.getGroup("coffee")?.topic?.setBy).toBe("carol");

    const coffee = network.history("coffee");
    expect(coffee.map((m) => m.senderId)).toEqual(["bob", "alice", "carol"]);
    expect(coffee[2]?.replyTo).toBe(coffee[1]?.id);
    expect(coffee[0]?.id).toBe("msg-1");
    expect(network.history("announcements").every((m) => m.senderId === "alice")).toBe(true);
  });

  it("gives alice, bob and carol pictures, bob an away status, and owners and admins their badges", async () => {
    const network = new DemoNetwork({ now: minuteClock(), messageIdPrefix: "msg-" });
    await seedDemo(network);
    const sha1 = (a: DemoAvatar | undefined) => (a === undefined ? undefined : createHash("sha1").update(a.data).digest("hex"));
    for (const { id } of DEMO_ACCOUNTS) expect(network.avatar(id)).toEqual(demoAvatar(id));
    expect(new Set(DEMO_ACCOUNTS.map(({ id }) => sha1(network.avatar(id)))).size).toBe(3);
    expect(network.avatar("user-1")).toBeUndefined();
    expect(network.presence("bob")).toEqual({ show: "away", status: "Out for lunch 🥪" });
    expect(network.presence("alice")).toEqual({ show: "online" });
    expect(network.presence("carol")).toEqual({ show: "online" });
    expect(network.members("coffee").map((m) => [m.userId, m.badges?.map((b) => b.title)])).toEqual([
      ["alice", ["Owner"]],
      ["bob", ["Admin", "Barista"]],
      ["carol", undefined],
    ]);
    expect(network.member("announcements", "alice")?.badges).toEqual([DEMO_BADGES.owner]);
    expect(network.member("announcements", "bob")?.badges).toBeUndefined();
    expect(network.member("book-club", "carol")?.badges).toEqual([DEMO_BADGES.owner]);
  });

  it("refuses to seed twice", async () => {
    const network = new DemoNetwork();
    await seedDemo(network);
    await rejectsWith(seedDemo(network), "conflict");
  });
});

describe("the demo module: edits, deletions, reactions and removals through the gateway", () => {
  const USER = "alice@example.com"; // registered with the gateway as the network's alice
  const TO = `${USER}/laptop`;
  const ROOM = `coffee@${GW}`;
  const NS_CORRECT = "urn:xmpp:message-correct:0";
  const NS_RETRACT = "urn:xmpp:message-retract:1";
  const NS_REACTIONS = "urn:xmpp:reactions:0";
  const NS_MODERATE = "urn:xmpp:message-moderate:1";

  const running: { gateway: BaseGateway; store: GatewayStore }[] = [];
  afterEach(async () => {
    for (const { gateway, store } of running.splice(0)) {
      await gateway.stop();
      store.close();
    }
  });

  interface Joined {
    readonly network: DemoNetwork;
    readonly component: MockComponent;
    /** What the gateway logged as failed (a relayed event that went wrong, say). */
    readonly warnings: string[];
  }

  /** The small world, served by the demo module on a mock component; alice's XMPP client has joined "coffee". */
  async function joined(): Promise<Joined> {
    const network = smallWorld();
    const store = openSqliteStore(":memory:");
    store.users.save({ jid: USER, legacyData: { username: "alice", password: "a" }, registeredAt: Date.now() });
    const component = new MockComponent({ jid: GW });
    const module = createDemoModule(network);
    const warnings: string[] = [];
    const gateway = new module.Gateway({ component, store, module, logger: { debug() {}, warn: (message) => warnings.push(message) } });
    running.push({ gateway, store });
    await gateway.start();
    component.receive(`<presence from='${TO}' to='${ROOM}/Alice'><x xmlns='${NS_MUC}'/></presence>`);
    await component.nextSent((s) => s.is("message") && s.attrs.to === TO && s.getChild("subject") !== undefined);
    return { network, component, warnings };
  }

  /** The user sends a groupchat message to "coffee"; the room's reflection of it, or its error. */
  async function fromUser(component: MockComponent, id: string, inner: string): Promise<Element> {
    component.receive(`<message from='${TO}' to='${ROOM}' type='groupchat' id='${id}'>${inner}</message>`);
    return component.nextSent((s) => s.is("message") && s.attrs.id === id);
  }

  /** The next message to the user with this child. */
  function nextWith(component: MockComponent, name: string, ns: string): Promise<Element> {
    return component.nextSent((s) => s.is("message") && s.attrs.to === TO && s.getChild(name, ns) !== undefined);
  }

  /** A member's message, as the user's client got it. */
  function relayed(component: MockComponent, text: string): Promise<Element> {
    return component.nextSent((s) => s.is("message") && s.attrs.to === TO && s.getChildText("body") === text);
  }

  function stanzaIdOf(m: Element): string {
    return String(m.getChild("stanza-id", NS_SID)?.attrs.id);
  }

  function emojisOf(m: Element): string[] {
    return (m.getChild("reactions", NS_REACTIONS)?.getChildren("reaction") ?? []).map((r) => r.text());
  }

  /** The user asks the room to retract a message (XEP-0425); the IQ's answer. */
  async function moderate(component: MockComponent, id: string, stanzaId: string, reason?: string): Promise<Element> {
    const why = reason === undefined ? "" : `<reason>${reason}</reason>`;
    component.receive(`<iq type='set' id='${id}' from='${TO}' to='${ROOM}'><moderate id='${stanzaId}' xmlns='${NS_MODERATE}'><retract xmlns='${NS_RETRACT}'/>${why}</moderate></iq>`);
    return component.nextSent((s) => s.is("iq") && s.attrs.id === id);
  }

  /** The retractions the user's client got so far. */
  function retractionsSent(component: MockComponent): Element[] {
    return component.sent.filter((s) => s.is("message") && s.attrs.to === TO && s.getChild("retract", NS_RETRACT) !== undefined);
  }

  it("the user's correction, reactions and retraction become alice's edit, reactions and deletion on the network", async () => {
    const { network, component, warnings } = await joined();
    const bobSeen = record(network.as("bob"));

    const mine = await fromUser(component, "u1", "<body>Cofee?</body>");
    const sent = network.history("coffee").at(-1);
    expect(sent).toMatchObject({ senderId: "alice", text: "Cofee?" });
    const id = sent?.id ?? "";

    const correction = await fromUser(component, "u2", `<body>Coffee?</body><replace xmlns='${NS_CORRECT}' id='u1'/>`);
    expect(errorCondition(correction)).toBeUndefined();
    expect(network.getMessage(id)).toMatchObject({ text: "Coffee?", editedAt: expect.any(Date) });
    expect(bobSeen.at(-1)).toEqual(["messageEdited", { message: network.getMessage(id), oldText: "Cofee?" }]);

    const bobs = await network.as("bob").send("coffee", "Sure!");
    const original = await relayed(component, "Sure!");
    await fromUser(component, "u3", `<reactions xmlns='${NS_REACTIONS}' id='${stanzaIdOf(original)}'><reaction>👍</reaction><reaction>☕</reaction></reactions>`);
    expect(network.getMessage(bobs)?.reactions).toEqual({ alice: ["👍", "☕"] });
    expect(bobSeen.at(-1)).toEqual(["reactionsChanged", { groupId: "coffee", messageId: bobs, userId: "alice", emojis: ["👍", "☕"] }]);
    await fromUser(component, "u4", `<reactions xmlns='${NS_REACTIONS}' id='${stanzaIdOf(original)}'/>`);
    expect(network.getMessage(bobs)?.reactions).toBeUndefined();

    const retraction = await fromUser(component, "u5", `<retract xmlns='${NS_RETRACT}' id='${stanzaIdOf(mine)}'/>`);
    expect(errorCondition(retraction)).toBeUndefined();
    expect(network.getMessage(id)).toBeUndefined();
    expect(network.history("coffee").map((m) => m.text)).toEqual(["Sure!"]);
    expect(bobSeen.at(-1)).toEqual(["messageDeleted", { message: expect.objectContaining({ id, senderId: "alice", text: "Coffee?" }) }]);
    expect(warnings).toEqual([]);
  });

  it("the network's refusal reaches the user as a stanza error, and the message stays as it was", async () => {
    const { network, component } = await joined();
    const mine = await fromUser(component, "u1", "<body>helo</body>");
    const id = network.history("coffee").at(-1)?.id ?? "";

    network.failNext("edit", new DemoNetworkError("forbidden", "too late to edit"), { userId: "alice" });
    const correction = await fromUser(component, "u2", `<body>hello</body><replace xmlns='${NS_CORRECT}' id='u1'/>`);
    expect(errorCondition(correction)).toBe("forbidden");
    expect(correction.getChild("error")?.getChildText("text", NS_STANZAS)).toBe("too late to edit");

    network.failNext("delete");
    expect(errorCondition(await fromUser(component, "u3", `<retract xmlns='${NS_RETRACT}' id='${stanzaIdOf(mine)}'/>`))).toBe("service-unavailable");
    expect(network.getMessage(id)).toMatchObject({ text: "helo" });
    expect(network.getMessage(id)).not.toHaveProperty("editedAt");

    // An empty reaction is the network's "invalid": bad-request.
    const bad = await fromUser(component, "u4", `<reactions xmlns='${NS_REACTIONS}' id='${stanzaIdOf(mine)}'><reaction/></reactions>`);
    expect(errorCondition(bad)).toBe("bad-request");
    expect(network.getMessage(id)?.reactions).toBeUndefined();
  });

  it("a member's edit, reactions and deletion reach the user as <replace/>, <reactions/> and <retract/>", async () => {
    const { network, component, warnings } = await joined();
    const id = await network.as("bob").send("coffee", "Cofee?");
    const original = await relayed(component, "Cofee?");
    expect(original.attrs.from).toBe(`${ROOM}/Bob`);

    await network.as("bob").edit("coffee", id, "Coffee?");
    const correction = await nextWith(component, "replace", NS_CORRECT);
    expect(correction.attrs.from).toBe(`${ROOM}/Bob`);
    expect(correction.getChildText("body")).toBe("Coffee?");
    expect(correction.getChild("replace", NS_CORRECT)?.attrs.id).toBe(original.attrs.id);

    await network.as("carol").react("coffee", id, ["👍", "☕"]);
    const reactions = await nextWith(component, "reactions", NS_REACTIONS);
    expect(reactions.attrs.from).toBe(`${ROOM}/Carol`);
    expect(reactions.getChild("reactions", NS_REACTIONS)?.attrs.id).toBe(stanzaIdOf(original));
    expect(emojisOf(reactions)).toEqual(["👍", "☕"]);
    await network.as("carol").react("coffee", id, []);
    const none = await nextWith(component, "reactions", NS_REACTIONS);
    expect(none.getChild("reactions", NS_REACTIONS)?.attrs.id).toBe(stanzaIdOf(original));
    expect(emojisOf(none)).toEqual([]);

    await network.as("bob").delete("coffee", id);
    const retraction = await nextWith(component, "retract", NS_RETRACT);
    expect(retraction.attrs.from).toBe(`${ROOM}/Bob`);
    expect(retraction.getChild("retract", NS_RETRACT)?.attrs.id).toBe(stanzaIdOf(original));
    expect(warnings).toEqual([]);
  });

  it("a burst of a message, its edit, reactions and deletion reaches the user in the network's order", async () => {
    const { network, component, warnings } = await joined();
    const bob = network.as("bob");
    const id = await bob.send("coffee", "Cofee?");
    await Promise.all([bob.edit("coffee", id, "Coffee?"), network.as("carol").react("coffee", id, ["☕"]), bob.delete("coffee", id)]);
    await nextWith(component, "retract", NS_RETRACT);
    const toUser = component.sent.filter((s) => s.is("message") && s.attrs.to === TO && s.attrs.type === "groupchat" && s.getChild("subject") === undefined);
    const kinds = toUser.map((m) => (m.getChild("replace", NS_CORRECT) ? "correction" : m.getChild("reactions", NS_REACTIONS) ? "reactions" : m.getChild("retract", NS_RETRACT) ? "retraction" : m.getChildText("body")));
    expect(kinds.slice(-4)).toEqual(["Cofee?", "correction", "reactions", "retraction"]);
    const original = toUser.at(-4)!;
    expect(toUser.at(-3)!.getChild("replace", NS_CORRECT)?.attrs.id).toBe(original.attrs.id);
    expect(toUser.at(-1)!.getChild("retract", NS_RETRACT)?.attrs.id).toBe(stanzaIdOf(original));
    expect(warnings).toEqual([]);
  });

  it("alice's edit and deletion on another device of hers reach her XMPP client from her own nick", async () => {
    const { network, component, warnings } = await joined();
    const id = await network.as("alice").send("coffee", "from my phone");
    const original = await relayed(component, "from my phone");
    expect(original.attrs.from).toBe(`${ROOM}/Alice`);

    await network.as("alice").edit("coffee", id, "from my phone, edited");
    const correction = await nextWith(component, "replace", NS_CORRECT);
    expect(correction.attrs.from).toBe(`${ROOM}/Alice`);
    expect(correction.getChild("replace", NS_CORRECT)?.attrs.id).toBe(original.attrs.id);

    await network.as("alice").delete("coffee", id);
    const retraction = await nextWith(component, "retract", NS_RETRACT);
    expect(retraction.getChild("retract", NS_RETRACT)?.attrs.id).toBe(stanzaIdOf(original));
    expect(warnings).toEqual([]);
  });

  it("the room announces moderation (XEP-0425) with corrections, retractions and reactions", async () => {
    const { component } = await joined();
    component.receive(`<iq type='get' id='d1' from='${TO}' to='${ROOM}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
    const info = await component.nextSent((s) => s.is("iq") && s.attrs.id === "d1");
    const features = (info.getChild("query", NS_DISCO_INFO)?.getChildren("feature") ?? []).map((f) => String(f.attrs.var));
    expect(features).toEqual(expect.arrayContaining([NS_MODERATE, NS_CORRECT, NS_RETRACT, NS_REACTIONS]));
  });

  it("the user, the owner, removes a member's message with XEP-0425: removed on the network, a result, a moderated retraction from the room", async () => {
    const { network, component, warnings } = await joined();
    const bobSeen = record(network.as("bob"));
    const carols = await network.as("carol").send("coffee", "Buy my beans at beans.example!");
    const original = await relayed(component, "Buy my beans at beans.example!");
    const before = network.getMessage(carols);

    const answer = await moderate(component, "m1", stanzaIdOf(original), "spam");
    expect(answer.attrs.type).toBe("result");
    expect(network.getMessage(carols)).toBeUndefined();
    expect(network.history("coffee")).toEqual([]);
    expect(bobSeen.at(-1)).toEqual(["messageDeleted", { message: before, by: "alice", reason: "spam" }]);

    const [notice, ...more] = retractionsSent(component);
    expect(more).toEqual([]); // the network does not echo alice's removal back to her session
    expect(notice?.attrs.from).toBe(ROOM);
    const retract = notice?.getChild("retract", NS_RETRACT);
    expect(retract?.attrs.id).toBe(stanzaIdOf(original));
    expect(retract?.getChildText("reason")).toBe("spam");
    expect(retract?.getChild("moderated", NS_MODERATE)?.attrs.by).toBe(`${ROOM}/Alice`);
    expect(warnings).toEqual([]);
  });

  it("the network's refusal of a removal comes back as an IQ error, and the message stays", async () => {
    const { network, component } = await joined();
    const mine = await fromUser(component, "u1", "<body>my own words</body>");
    const id = network.history("coffee").at(-1)?.id ?? "";

    // The network removes only others' messages: an owner deletes her own instead.
    const own = await moderate(component, "m1", stanzaIdOf(mine));
    expect(own.attrs.type).toBe("error");
    expect(errorCondition(own)).toBe("forbidden");
    expect(own.getChild("error")?.getChildText("text", NS_STANZAS)).toBe(`alice cannot remove their own message ${id}: delete it instead`);

    const carols = await network.as("carol").send("coffee", "hello");
    const original = await relayed(component, "hello");
    network.failNext("remove", undefined, { userId: "alice" });
    expect(errorCondition(await moderate(component, "m2", stanzaIdOf(original), "spam"))).toBe("service-unavailable");

    expect(network.getMessage(id)).toMatchObject({ text: "my own words" });
    expect(network.getMessage(carols)).toMatchObject({ text: "hello" });
    expect(retractionsSent(component)).toEqual([]);
  });

  it("a legacy admin's removal of a member's message reaches the user as a moderated retraction by that admin", async () => {
    const { network, component, warnings } = await joined();
    const id = await network.as("carol").send("coffee", "Buy my beans at beans.example!");
    const original = await relayed(component, "Buy my beans at beans.example!");
    expect(original.attrs.from).toBe(`${ROOM}/Carol`);

    await network.as("bob").remove("coffee", id, "off topic");
    const notice = await nextWith(component, "retract", NS_RETRACT);
    expect(notice.attrs.from).toBe(ROOM); // from the room, not from the author
    const retract = notice.getChild("retract", NS_RETRACT);
    expect(retract?.attrs.id).toBe(stanzaIdOf(original));
    expect(retract?.getChildText("reason")).toBe("off topic");
    const moderated = retract?.getChild("moderated", NS_MODERATE);
    expect(moderated?.attrs.by).toBe(`${ROOM}/Bob`);
    const bobsPresence = component.sent.find((s) => s.is("presence") && s.attrs.to === TO && s.attrs.from === `${ROOM}/Bob`);
    const bobsOccupantId = bobsPresence?.getChild("occupant-id", NS_OCCUPANT_ID)?.attrs.id;
    expect(bobsOccupantId).toEqual(expect.any(String));
    expect(moderated?.getChild("occupant-id", NS_OCCUPANT_ID)?.attrs.id).toBe(bobsOccupantId);

    // Without a reason: no <reason/>.
    const again = await network.as("carol").send("coffee", "Really good beans");
    const second = await relayed(component, "Really good beans");
    await network.as("alice").remove("coffee", again); // alice's other device
    const bare = await nextWith(component, "retract", NS_RETRACT);
    expect(bare.getChild("retract", NS_RETRACT)?.attrs.id).toBe(stanzaIdOf(second));
    expect(bare.getChild("retract", NS_RETRACT)?.getChild("reason")).toBeUndefined();
    expect(bare.getChild("retract", NS_RETRACT)?.getChild("moderated", NS_MODERATE)?.attrs.by).toBe(`${ROOM}/Alice`);
    expect(warnings).toEqual([]);
  });
});

describe("the demo network across a gateway restart", () => {
  const USER = "alice@example.com";
  const TO = `${USER}/laptop`;
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** A gateway process serving `network` on the SQLite file, alice registered and, unless she stayed, joining "coffee". */
  async function gatewayProcess(network: DemoNetwork, file: string, options: { joins: boolean }) {
    const store = openSqliteStore(file);
    if (!store.users.get(USER)) store.users.save({ jid: USER, legacyData: { username: "alice", password: "a" }, registeredAt: Date.now() });
    const component = new MockComponent({ jid: GW });
    const module = createDemoModule(network);
    const gateway = new module.Gateway({ component, store, module });
    await gateway.start();
    if (options.joins) {
      component.receive(`<presence from='${TO}' to='coffee@${GW}/Alice'><x xmlns='${NS_MUC}'/></presence>`);
      await component.nextSent((s) => s.is("message") && s.attrs.to === TO && s.getChild("subject") !== undefined);
    }
    return {
      component,
      async stop() {
        await gateway.stop();
        store.close();
      },
    };
  }

  it("the network made again by the restarted process reuses no message id: bob's new message does not take his old one's XMPP id", async () => {
    dir = mkdtempSync(joinPath(tmpdir(), "demo-restart-"));
    const file = joinPath(dir, "gateway.sqlite");
    const first = smallWorld({});
    const p1 = await gatewayProcess(first, file, { joins: true });
    await first.as("bob").send("coffee", "before the restart");
    const before = await p1.component.nextSent((s) => s.is("message") && s.attrs.to === TO && s.getChildText("body") === "before the restart");
    await p1.stop();

    // The process starts again: a new network, its counter from the start; alice's client stayed joined.
    const second = smallWorld({});
    const p2 = await gatewayProcess(second, file, { joins: false });
    await second.as("bob").send("coffee", "after the restart");
    const after = await p2.component.nextSent((s) => s.is("message") && s.attrs.to === TO && s.getChildText("body") === "after the restart");
    expect(second.history("coffee")[0]?.id).not.toBe(first.history("coffee")[0]?.id);
    expect(after.attrs.id).not.toBe(before.attrs.id);
    expect(after.getChild("stanza-id", NS_SID)?.attrs.id).not.toBe(before.getChild("stanza-id", NS_SID)?.attrs.id);
    await p2.stop();
  });
});
