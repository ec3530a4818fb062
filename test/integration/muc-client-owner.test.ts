// The MUC client against a real Prosody: what owners do. The configuration
// form, instant and reserved rooms, password-protected and members-only
// rooms, destroying a room, listing the service's rooms. Every test uses its
// own room.

import { describe, expect, it } from "vitest";
import {
  LeaveMode,
  XMPPError,
  createInstantRoom,
  createRoom,
  destroyRoom,
  getRoomConfig,
  getRoomInfo,
  listRooms,
  setAffiliation,
  setRoomConfig,
} from "../../src/index.js";
import { withTimeout } from "../helpers/prosody-clients.js";
import { barrier, collect, freshRoom, joinFully, nextEvent, rejection, setupMucSuite } from "../helpers/muc-clients.js";

const suite = setupMucSuite();

function conditionOf(err: unknown): string {
  expect(err).toBeInstanceOf(XMPPError);
  return (err as XMPPError).condition;
}

describe("MUC client against Prosody: configuration", () => {
  it("getRoomConfig returns the form and its typed values; setRoomConfig changes them; getRoomInfo reflects them", async () => {
    const jid = freshRoom(suite.server, "config");
    const ra = await withTimeout(createRoom(suite.alice.muc, jid, "Alice"), 5_000, "alice creating the room");

    const before = await withTimeout(getRoomConfig(suite.alice.muc, jid), 5_000, "room config");
    expect(before.form.type).toBe("form");
    const vars = before.form.fields.map((f) => f.var);
    expect(vars).toContain("FORM_TYPE");
    expect(vars).toContain("muc#roomconfig_roomname");
    expect(vars).toContain("muc#roomconfig_persistentroom");
    // Prosody sends these boolean fields without a <value/>; XEP-0004 §3.3:
    // the default value of a boolean field is false.
    expect.soft(before.config.persistent).toBe(false);
    expect.soft(before.config.membersOnly).toBe(false);
    expect.soft(before.config.moderated).toBe(false);
    expect(before.config.public).toBe(false);
    expect(before.config.passwordProtected ?? false).toBe(false);
    expect(before.config.roomName ?? "").toBe("");

    const infoBefore = await withTimeout(getRoomInfo(suite.alice.muc, jid), 5_000, "room info");
    expect(infoBefore.isMuc).toBe(true);
    expect(infoBefore.persistent).toBe(false);
    expect(infoBefore.features.has("muc_temporary")).toBe(true);
    expect(infoBefore.open).toBe(true);
    expect(infoBefore.info.occupants).toBe(1);

    const configChanges = collect(ra, "configChange");
    await withTimeout(
      setRoomConfig(suite.alice.muc, jid, {
        roomName: "Integration Lounge",
        description: "Where the tests meet",
        persistent: true,
        maxHistoryFetch: 30,
      }),
      5_000,
      "alice configuring the room",
    );

    const after = await withTimeout(getRoomConfig(suite.alice.muc, jid), 5_000, "room config again");
    expect(after.config.roomName).toBe("Integration Lounge");
    expect(after.config.description).toBe("Where the tests meet");
    expect(after.config.persistent).toBe(true);
    expect.soft(after.config.membersOnly).toBe(false);

    const info = await withTimeout(getRoomInfo(suite.alice.muc, jid), 5_000, "room info again");
    expect(info.name).toBe("Integration Lounge");
    expect(info.persistent).toBe(true);
    expect(info.features.has("muc_persistent")).toBe(true);
    expect(info.features.has("muc_temporary")).toBe(false);
    expect(info.info.description).toBe("Where the tests meet");
    expect(info.form).toBeDefined();

    // Raw fields by var, and submitting the room's own form back.
    await withTimeout(setRoomConfig(suite.alice.muc, jid, { "muc#roomconfig_roomdesc": "Raw description" }), 5_000, "raw field");
    expect((await getRoomConfig(suite.alice.muc, jid)).config.description).toBe("Raw description");
    const { form } = await getRoomConfig(suite.alice.muc, jid);
    const name = form.fields.find((f) => f.var === "muc#roomconfig_roomname");
    expect(name).toBeDefined();
    if (name) name.values = ["From the form"];
    await withTimeout(setRoomConfig(suite.alice.muc, jid, form), 5_000, "form submitted back");
    expect((await getRoomInfo(suite.alice.muc, jid)).name).toBe("From the form");
    expect((await getRoomConfig(suite.alice.muc, jid)).config.persistent).toBe(true);

    // A non-owner may not read the form.
    const rb = await joinFully(suite.bob, jid, "Bob");
    expect(conditionOf(await rejection(getRoomConfig(suite.bob.muc, jid), 5_000, "bob reading the config"))).toBe("forbidden");
    expect(rb.active).toBe(true);
    // Prosody announces a configuration change (status 104) to the occupants.
    await barrier(ra, [rb], "config done");
    expect(configChanges.length).toBeGreaterThan(0);
    expect(configChanges.every((e) => e.statusCodes.includes(104))).toBe(true);

    await withTimeout(destroyRoom(suite.alice.muc, jid), 5_000, "cleaning up the persistent room");
  });
});

describe("MUC client against Prosody: creating rooms", () => {
  it("instant room: created (201) and unlocked, so others can join; createRoom on an existing room just joins", async () => {
    const jid = freshRoom(suite.server, "instant");
    const { room, joined } = suite.alice.muc.join(jid, "Alice");
    const enter = nextEvent(room, "enter");
    await withTimeout(joined, 5_000, "alice creating by joining");
    const entered = await enter;
    expect(entered.created).toBe(true);
    expect(entered.statusCodes).toEqual(expect.arrayContaining([110, 201]));

    // Locked until configured (XEP-0045 §10.1.2): Bob cannot enter yet.
    const locked = suite.bob.muc.join(jid, "Bob");
    expect(conditionOf(await rejection(locked.joined, 5_000, "bob joining a locked room"))).toBe("item-not-found");
    expect(suite.bob.muc.getRoom(jid)).toBeUndefined();

    await withTimeout(createInstantRoom(suite.alice.muc, jid), 5_000, "alice unlocking");
    const rb = await joinFully(suite.bob, jid, "Bob");
    expect(rb.active).toBe(true);

    // createRoom on a room that exists: joins, submits nothing.
    const rc = await withTimeout(createRoom(suite.carol.muc, jid, "Carol", { config: { roomName: "Hijacked" } }), 5_000, "carol createRoom on an existing room");
    expect(rc.active).toBe(true);
    expect(rc.me?.affiliation).toBe("none");
    expect((await getRoomInfo(suite.alice.muc, jid)).name ?? "").not.toBe("Hijacked");

    // And createRoom itself gives an instant room others can join.
    const jid2 = freshRoom(suite.server, "instant2");
    const ra2 = await withTimeout(createRoom(suite.alice.muc, jid2, "Alice"), 5_000, "alice createRoom");
    expect(ra2.me?.affiliation).toBe("owner");
    const rb2 = await joinFully(suite.bob, jid2, "Bob");
    expect(rb2.occupants.map((o) => o.nick)).toEqual(["Bob", "Alice"]);
  });

  it("reserved room: createRoom with a config submits it before anyone else can enter", async () => {
    const jid = freshRoom(suite.server, "reserved");
    const ra = await withTimeout(
      createRoom(suite.alice.muc, jid, "Alice", { config: { roomName: "Reserved Room", membersOnly: true, public: false } }),
      5_000,
      "alice creating a reserved room",
    );
    expect(ra.active).toBe(true);
    expect(ra.me?.affiliation).toBe("owner");
    const info = await withTimeout(getRoomInfo(suite.alice.muc, jid), 5_000, "room info");
    expect(info.name).toBe("Reserved Room");
    expect(info.membersOnly).toBe(true);
    expect(info.public).toBe(false);
    const { config } = await withTimeout(getRoomConfig(suite.alice.muc, jid), 5_000, "room config");
    expect(config.roomName).toBe("Reserved Room");
    expect(config.membersOnly).toBe(true);
    expect(config.public).toBe(false);
  });
});

describe("MUC client against Prosody: entering restricted rooms", () => {
  it("password room: without the password not-authorized, with a wrong one not-authorized, with the right one joined", async () => {
    const jid = freshRoom(suite.server, "password");
    await withTimeout(
      createRoom(suite.alice.muc, jid, "Alice", { config: { passwordProtected: true, password: "s3cret" } }),
      5_000,
      "alice creating a password room",
    );
    const info = await withTimeout(getRoomInfo(suite.alice.muc, jid), 5_000, "room info");
    expect(info.passwordProtected).toBe(true);

    const without = suite.bob.muc.join(jid, "Bob");
    expect(conditionOf(await rejection(without.joined, 5_000, "bob joining without password"))).toBe("not-authorized");
    expect(without.room.joined).toBe(false);
    expect(suite.bob.muc.getRoom(jid)).toBeUndefined();

    const wrong = suite.carol.muc.join(jid, "Carol", { password: "guess" });
    expect(conditionOf(await rejection(wrong.joined, 5_000, "carol joining with a wrong password"))).toBe("not-authorized");

    const rb = await joinFully(suite.bob, jid, "Bob", { password: "s3cret" });
    expect(rb.active).toBe(true);
    expect(rb.password).toBe("s3cret");
    expect(rb.occupants.map((o) => o.nick)).toEqual(["Bob", "Alice"]);
  });

  it("members-only room: a non-member gets registration-required; once a member, joins", async () => {
    const jid = freshRoom(suite.server, "members");
    const ra = await withTimeout(createRoom(suite.alice.muc, jid, "Alice", { config: { membersOnly: true } }), 5_000, "alice creating a members-only room");

    const refused = suite.bob.muc.join(jid, "Bob");
    expect(conditionOf(await rejection(refused.joined, 5_000, "bob joining as a non-member"))).toBe("registration-required");
    expect(suite.bob.muc.getRoom(jid)).toBeUndefined();

    await withTimeout(setAffiliation(suite.alice.muc, jid, suite.bob.bareJid, "member"), 5_000, "alice adding bob");
    const rb = await joinFully(suite.bob, jid, "Bob");
    expect(rb.me?.affiliation).toBe("member");
    expect(ra.getOccupant("Bob") ?? (await nextEvent(ra, "join", (e) => e.occupant.nick === "Bob")).occupant).toBeDefined();

    const carol = suite.carol.muc.join(jid, "Carol");
    expect(conditionOf(await rejection(carol.joined, 5_000, "carol joining as a non-member"))).toBe("registration-required");

    // Revoking the membership removes Bob from the room (status 321).
    const bobExit = nextEvent(rb, "exit");
    await withTimeout(setAffiliation(suite.alice.muc, jid, suite.bob.bareJid, "none"), 5_000, "alice removing bob");
    const exit = await bobExit;
    expect(exit.mode).toBe(LeaveMode.AFFILIATION_CHANGE);
    expect(rb.joined).toBe(false);
  });
});

describe("MUC client against Prosody: destroying and listing", () => {
  it("destroy: every occupant exits DESTROYED with the reason and the alternate venue", async () => {
    const { jid, ra, rb, rc } = await suite.roomOfThree("destroy");
    const venue = `elsewhere@${suite.server.mucDomain}`;
    const exits = [ra, rb, rc].map((r) => nextEvent(r, "exit"));
    const leaves = [rb, rc].map((r) => collect(r, "leave"));

    await withTimeout(destroyRoom(suite.alice.muc, jid, { reason: "Moving on", alternateVenue: venue }), 5_000, "alice destroying the room");

    for (const [i, exit] of (await Promise.all(exits)).entries()) {
      expect(exit.mode, `exit ${i}`).toBe(LeaveMode.DESTROYED);
      expect(exit.reason).toBe("Moving on");
      expect(exit.alternateVenue?.toString()).toBe(venue);
    }
    for (const r of [ra, rb, rc]) expect(r.joined).toBe(false);
    for (const c of suite.clients) expect(c.muc.getRoom(jid)).toBeUndefined();
    // Destroying removes everyone at once: nobody is told about the others leaving one by one.
    for (const l of leaves) for (const e of l) expect(e.mode).toBe(LeaveMode.DESTROYED);

    // The room is gone.
    expect(conditionOf(await rejection(getRoomInfo(suite.bob.muc, jid), 5_000, "room info after destroy"))).toBe("item-not-found");
  });

  it("listRooms lists a persistent public room, with its name, and not a hidden one", async () => {
    const listed = freshRoom(suite.server, "listed");
    const hidden = freshRoom(suite.server, "hidden");
    await withTimeout(
      createRoom(suite.alice.muc, listed, "Alice", { config: { roomName: "Listed Room", persistent: true, public: true } }),
      5_000,
      "alice creating a public room",
    );
    await withTimeout(createRoom(suite.alice.muc, hidden, "Alice", { config: { roomName: "Hidden Room", persistent: true, public: false } }), 5_000, "alice creating a hidden room");

    // Seen from someone who is in neither room.
    const rooms = await withTimeout(listRooms(suite.carol.muc, suite.server.mucDomain), 5_000, "listing rooms");
    const found = rooms.find((r) => r.jid.toString() === listed);
    expect(found).toBeDefined();
    expect(found?.name).toBe("Listed Room");
    expect(rooms.some((r) => r.jid.toString() === hidden)).toBe(false);

    // A persistent room outlives its last occupant, and stays listed.
    const room = suite.alice.muc.getRoom(listed);
    await withTimeout(room?.leave() ?? Promise.resolve(), 5_000, "alice leaving");
    const again = await withTimeout(listRooms(suite.carol.muc, suite.server.mucDomain), 5_000, "listing rooms again");
    expect(again.some((r) => r.jid.toString() === listed)).toBe(true);
    const info = await withTimeout(getRoomInfo(suite.carol.muc, listed), 5_000, "room info of the empty room");
    expect(info.info.occupants).toBe(0);
    expect(info.public).toBe(true);

    await withTimeout(destroyRoom(suite.alice.muc, listed), 5_000, "cleanup");
    await withTimeout(destroyRoom(suite.alice.muc, hidden), 5_000, "cleanup");
    const finally_ = await withTimeout(listRooms(suite.carol.muc, suite.server.mucDomain), 5_000, "listing rooms after destroy");
    expect(finally_.some((r) => r.jid.toString() === listed)).toBe(false);
  });
});
