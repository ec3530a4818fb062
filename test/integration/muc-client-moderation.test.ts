// The MUC client against a real Prosody: kicking, banning, voice and role
// changes in a moderated room, affiliation lists. Every test uses its own room.

import { describe, expect, it } from "vitest";
import {
  LeaveMode,
  MessageState,
  XMPPError,
  canSetAffiliation,
  canSetRole,
  createRoom,
  onVoiceRequest,
  requestVoice,
  type VoiceRequestEvent,
  getAffiliations,
  getRoomInfo,
  setAffiliation,
  setRole,
  setRoomConfig,
} from "../../src/index.js";
import { withTimeout } from "../helpers/prosody-clients.js";
import { barrier, collect, freshRoom, joinFully, nextEvent, rejection, setupMucSuite } from "../helpers/muc-clients.js";

const suite = setupMucSuite();

describe("MUC client against Prosody: kick and ban", () => {
  it("kick (role none): the kicked client exits KICKED with the reason, the others see leave KICKED", async () => {
    const { jid, ra, rb, rc } = await suite.roomOfThree("kick");
    const bobExit = nextEvent(rb, "exit");
    const carolSees = nextEvent(rc, "leave", (e) => e.occupant.nick === "Bob");
    const aliceSees = nextEvent(ra, "leave", (e) => e.occupant.nick === "Bob");
    const bobAtCarol = rc.getOccupant("Bob");

    await withTimeout(setRole(suite.alice.muc, ra.jid, "Bob", "none", { reason: "Enough, Bob" }), 5_000, "alice kicking bob");

    const exit = await bobExit;
    expect(exit.mode).toBe(LeaveMode.KICKED);
    expect(exit.reason).toBe("Enough, Bob");
    expect(rb.joined).toBe(false);
    expect(rb.active).toBe(false);
    expect(suite.bob.muc.getRoom(jid)).toBeUndefined();
    expect(rb.occupants).toEqual(rb.me ? [rb.me] : []);

    const leave = await carolSees;
    expect(leave.mode).toBe(LeaveMode.KICKED);
    expect(leave.reason).toBe("Enough, Bob");
    expect(leave.occupant).toBe(bobAtCarol);
    expect(leave.occupant.role).toBe("none");
    expect(rc.getOccupant("Bob")).toBeUndefined();
    const atAlice = await aliceSees;
    expect(atAlice.mode).toBe(LeaveMode.KICKED);
    expect(ra.occupants.map((o) => o.nick)).toEqual(["Alice", "Carol"]);

    // Kicking is not banning: Bob may come back.
    const back = await joinFully(suite.bob, jid, "Bob");
    expect(back).not.toBe(rb);
    expect(back.active).toBe(true);

    // A participant may not kick; the owner cannot be kicked by anyone.
    const notAllowed = await rejection(setRole(suite.carol.muc, rc.jid, "Bob", "none"), 5_000, "carol kicking bob");
    expect(notAllowed).toBeInstanceOf(XMPPError);
    expect(["forbidden", "not-allowed"]).toContain((notAllowed as XMPPError).condition);
    expect(back.active).toBe(true);
  });

  it("ban (affiliation outcast): the banned client exits BANNED; rejoining is rejected with forbidden", async () => {
    const { jid, ra, rb, rc } = await suite.roomOfThree("ban");
    const bobExit = nextEvent(rb, "exit");
    const carolSees = nextEvent(rc, "leave", (e) => e.occupant.nick === "Bob");
    const aliceSees = nextEvent(ra, "leave", (e) => e.occupant.nick === "Bob");
    const aliceAffiliations = collect(ra, "affiliationChange");

    await withTimeout(setAffiliation(suite.alice.muc, jid, suite.bob.bareJid, "outcast", { reason: "Spam" }), 5_000, "alice banning bob");

    const exit = await bobExit;
    expect(exit.mode).toBe(LeaveMode.BANNED);
    expect(exit.reason).toBe("Spam");
    expect(rb.joined).toBe(false);
    expect(suite.bob.muc.getRoom(jid)).toBeUndefined();
    const leave = await carolSees;
    expect(leave.mode).toBe(LeaveMode.BANNED);
    expect(leave.reason).toBe("Spam");
    const atAlice = await aliceSees;
    expect(atAlice.mode).toBe(LeaveMode.BANNED);
    expect(atAlice.occupant.affiliation).toBe("outcast");
    expect(aliceAffiliations.map((e) => [e.occupant.nick, e.oldAffiliation, e.newAffiliation])).toEqual([["Bob", "none", "outcast"]]);

    // Rejoining: forbidden (XEP-0045 §7.2.8), under any nick.
    const { room: again, joined } = suite.bob.muc.join(jid, "Bobby");
    const refused = await rejection(joined, 5_000, "bob rejoining after the ban");
    expect(refused).toBeInstanceOf(XMPPError);
    expect((refused as XMPPError).condition).toBe("forbidden");
    expect(again.joined).toBe(false);
    expect(suite.bob.muc.getRoom(jid)).toBeUndefined();

    // Unbanned (affiliation none), Bob may join again.
    await withTimeout(setAffiliation(suite.alice.muc, jid, suite.bob.bareJid, "none"), 5_000, "alice lifting the ban");
    const back = await joinFully(suite.bob, jid, "Bob");
    expect(back.active).toBe(true);
    expect(back.me?.affiliation).toBe("none");
  });
});

describe("MUC client against Prosody: voice and roles", () => {
  it("in a moderated room, visitor → participant → moderator → participant → visitor, each seen as roleChange", async () => {
    const jid = freshRoom(suite.server, "voice");
    const ra = await withTimeout(createRoom(suite.alice.muc, jid, "Alice"), 5_000, "alice creating the room");
    await withTimeout(setRoomConfig(suite.alice.muc, jid, { moderated: true }), 5_000, "alice making the room moderated");
    const info = await withTimeout(getRoomInfo(suite.alice.muc, jid), 5_000, "room info");
    expect(info.moderated).toBe(true);
    expect(info.features.has("muc_moderated")).toBe(true);

    // Newcomers without affiliation enter as visitors.
    const rb = await joinFully(suite.bob, jid, "Bob");
    const rc = await joinFully(suite.carol, jid, "Carol");
    await barrier(ra, [rb, rc], "everyone in");
    expect(rb.me?.role).toBe("visitor");
    expect(rb.me?.hasVoice).toBe(false);
    expect(ra.getOccupant("Bob")?.role).toBe("visitor");
    expect(rc.getOccupant("Bob")?.role).toBe("visitor");

    // A visitor's message is refused: the tracker ends in ERROR (forbidden).
    const silenced = rb.sendTrackedMessage("may I speak?", { timeout: 5_000 });
    expect(await withTimeout(silenced.done, 6_000, "visitor message")).toBe(MessageState.ERROR);
    expect(silenced.error?.condition).toBe("forbidden");

    const bobAtAlice = ra.getOccupant("Bob");
    const bobAtCarol = rc.getOccupant("Bob");
    const steps = [
      ["visitor", "participant"],
      ["participant", "moderator"],
      ["moderator", "participant"],
      ["participant", "visitor"],
    ] as const;
    for (const [from, to] of steps) {
      const atAlice = nextEvent(ra, "roleChange", (e) => e.occupant.nick === "Bob");
      const atBob = nextEvent(rb, "roleChange", (e) => e.occupant.isSelf);
      const atCarol = nextEvent(rc, "roleChange", (e) => e.occupant.nick === "Bob");
      await withTimeout(setRole(suite.alice.muc, ra.jid, "Bob", to, { reason: `now ${to}` }), 5_000, `alice making bob ${to}`);
      for (const e of [await atAlice, await atBob, await atCarol]) {
        expect([e.oldRole, e.newRole]).toEqual([from, to]);
        expect(e.occupant.role).toBe(to);
        expect(e.reason).toBe(`now ${to}`);
      }
      expect((await atAlice).occupant).toBe(bobAtAlice);
      expect((await atCarol).occupant).toBe(bobAtCarol);
      expect((await atBob).occupant).toBe(rb.me);
      expect(rb.me?.role).toBe(to);

      if (to === "participant" && from === "visitor") {
        // With voice, Bob's message goes through.
        const spoken = rb.sendTrackedMessage("thank you", { timeout: 5_000 });
        expect(await spoken.done).toBe(MessageState.DELIVERED_TO_RECIPIENT);
      }
      if (to === "moderator") {
        expect(rb.me?.isModerator).toBe(true);
        // As a moderator, Bob may give Carol (a visitor too) voice. (Prosody
        // 0.12 does not resend the others' presences with real JIDs to a new
        // moderator; the next presence of Carol that Bob gets carries hers.)
        expect(rb.getOccupant("Carol")?.role).toBe("visitor");
        const [atCarol, atBobForCarol] = await Promise.all([
          nextEvent(rc, "roleChange", (e) => e.occupant.isSelf),
          nextEvent(rb, "roleChange", (e) => e.occupant.nick === "Carol"),
          withTimeout(setRole(suite.bob.muc, rb.jid, "Carol", "participant"), 5_000, "bob giving carol voice"),
        ]);
        expect([atCarol.oldRole, atCarol.newRole]).toEqual(["visitor", "participant"]);
        expect(atCarol.actor?.nick).toBe("Bob");
        expect(atBobForCarol.actor?.nick).toBe("Bob");
        expect(rb.getOccupant("Carol")?.jid?.bare().toString()).toBe(suite.carol.bareJid);
      }
    }
    expect(rb.me?.hasVoice).toBe(false);
  });
});

describe("MUC client against Prosody: affiliation lists", () => {
  it("getAffiliations lists members, owners and outcasts", async () => {
    const { jid, ra, rb } = await suite.roomOfThree("lists");

    const owners = await withTimeout(getAffiliations(suite.alice.muc, jid, "owner"), 5_000, "owner list");
    expect(owners.map((e) => e.jid.toString())).toEqual([suite.alice.bareJid]);
    expect(owners[0]?.affiliation).toBe("owner");
    expect(await withTimeout(getAffiliations(suite.alice.muc, jid, "member"), 5_000, "member list")).toEqual([]);
    expect(await withTimeout(getAffiliations(suite.alice.muc, jid, "outcast"), 5_000, "outcast list")).toEqual([]);

    // Bob becomes a member while in the room: everyone sees affiliationChange.
    const atBob = nextEvent(rb, "affiliationChange", (e) => e.occupant.isSelf);
    const atAlice = nextEvent(ra, "affiliationChange", (e) => e.occupant.nick === "Bob");
    await withTimeout(setAffiliation(suite.alice.muc, jid, suite.bob.bareJid, "member", { nick: "Bob" }), 5_000, "alice making bob a member");
    const own = await atBob;
    expect([own.oldAffiliation, own.newAffiliation]).toEqual(["none", "member"]);
    expect(rb.me?.affiliation).toBe("member");
    expect((await atAlice).occupant).toBe(ra.getOccupant("Bob"));

    // A user who is not in the room: banned by JID.
    const stranger = `mallory@${suite.server.domain}`;
    await withTimeout(setAffiliation(suite.alice.muc, jid, stranger, "outcast", { reason: "Known troll" }), 5_000, "alice banning mallory");

    const members = await withTimeout(getAffiliations(suite.alice.muc, jid, "member"), 5_000, "member list");
    expect(members.map((e) => e.jid.toString())).toEqual([suite.bob.bareJid]);
    expect(members[0]?.affiliation).toBe("member");
    expect(members[0]?.nick).toBe("Bob");
    const outcasts = await withTimeout(getAffiliations(suite.alice.muc, jid, "outcast"), 5_000, "outcast list");
    expect(outcasts.map((e) => e.jid.toString())).toEqual([stranger]);
    expect(outcasts[0]?.affiliation).toBe("outcast");
    // (Prosody 0.12 does not return the reason of a ban in the list.)

    // A second owner; the owner list grows.
    await withTimeout(setAffiliation(suite.alice.muc, jid, suite.carol.bareJid, "owner"), 5_000, "alice making carol an owner");
    const twoOwners = await withTimeout(getAffiliations(suite.alice.muc, jid, "owner"), 5_000, "owner list");
    expect(twoOwners.map((e) => e.jid.toString()).sort()).toEqual([suite.alice.bareJid, suite.carol.bareJid].sort());

    // A participant without privileges may not read the outcast list.
    const refused = await rejection(getAffiliations(suite.bob.muc, jid, "outcast"), 5_000, "bob reading the outcast list");
    expect(refused).toBeInstanceOf(XMPPError);
    expect((refused as XMPPError).condition).toBe("forbidden");
  });
});

describe("MUC client against Prosody: privileges", () => {
  /** "allowed", or the condition Prosody refused with. */
  async function outcome(request: Promise<void>, what: string): Promise<string> {
    try {
      await withTimeout(request, 5_000, what);
      return "allowed";
    } catch (e) {
      if (e instanceof XMPPError) return e.condition;
      throw e;
    }
  }

  it("canSetRole and canSetAffiliation predict what Prosody allows and refuses", async () => {
    const { jid, ra, rb, rc } = await suite.roomOfThree("privileges");
    // Bob admin, Carol a member with moderator status.
    const bobAdmin = nextEvent(rc, "affiliationChange", (e) => e.occupant.nick === "Bob" && e.newAffiliation === "admin");
    await withTimeout(setAffiliation(suite.alice.muc, jid, suite.bob.bareJid, "admin"), 5_000, "bob admin");
    await bobAdmin;
    const carolMember = nextEvent(rb, "affiliationChange", (e) => e.occupant.nick === "Carol" && e.newAffiliation === "member");
    await withTimeout(setAffiliation(suite.alice.muc, jid, suite.carol.bareJid, "member"), 5_000, "carol member");
    await carolMember;
    const carolModerator = nextEvent(rb, "roleChange", (e) => e.occupant.nick === "Carol" && e.newRole === "moderator");
    await withTimeout(setRole(suite.alice.muc, jid, "Carol", "moderator"), 5_000, "carol moderator");
    await carolModerator;
    await barrier(ra, [rb, rc], "standings settled");
    expect([rb.me?.affiliation, rc.me?.affiliation, rc.me?.role]).toEqual(["admin", "member", "moderator"]);

    const cases: [string, () => boolean, () => Promise<void>][] = [
      ["a member moderator kicks an admin", () => canSetRole(rc.me!, rc.getOccupant("Bob")!, "none"), () => setRole(suite.carol.muc, jid, "Bob", "none")],
      ["a member moderator revokes an admin's moderator status", () => canSetRole(rc.me!, rc.getOccupant("Bob")!, "participant"), () => setRole(suite.carol.muc, jid, "Bob", "participant")],
      ["a member moderator grants moderator status", () => canSetRole(rc.me!, rc.getOccupant("Alice")!, "moderator"), () => setRole(suite.carol.muc, jid, "Alice", "moderator")],
      ["an admin bans the owner", () => canSetAffiliation(rb.me!, rb.getOccupant("Alice")!, "outcast"), () => setAffiliation(suite.bob.muc, jid, suite.alice.bareJid, "outcast")],
      ["an admin makes a member an admin", () => canSetAffiliation(rb.me!, rb.getOccupant("Carol")!, "admin"), () => setAffiliation(suite.bob.muc, jid, suite.carol.bareJid, "admin")],
      ["an admin revokes a member's moderator status", () => canSetRole(rb.me!, rb.getOccupant("Carol")!, "participant"), () => setRole(suite.bob.muc, jid, "Carol", "participant")],
      ["a member participant kicks", () => {
          expect(rc.me?.role).toBe("participant"); // since Bob revoked her moderator status
          return canSetRole(rc.me!, rc.getOccupant("Bob")!, "none");
        }, () => setRole(suite.carol.muc, jid, "Bob", "none")],
      ["an admin revokes a membership", () => canSetAffiliation(rb.me!, { affiliation: "member" }, "none"), () => setAffiliation(suite.bob.muc, jid, suite.carol.bareJid, "none")],
      ["the owner kicks an admin", () => canSetRole(ra.me!, ra.getOccupant("Bob")!, "none"), () => setRole(suite.alice.muc, jid, "Bob", "none")],
    ];
    const results: string[] = [];
    for (const [name, predict, act] of cases) {
      const predicted = predict() ? "allowed" : "refused";
      const actual = await outcome(act(), name);
      results.push(`${name}: predicted ${predicted}, Prosody ${actual}`);
      // Let the room's presences about an allowed change arrive before the next prediction.
      if (actual === "allowed") await barrier(ra, [rb, rc].filter((r) => r.joined), `after: ${name}`);
    }
    expect(results).toEqual([
      "a member moderator kicks an admin: predicted refused, Prosody not-allowed",
      "a member moderator revokes an admin's moderator status: predicted refused, Prosody not-allowed",
      "a member moderator grants moderator status: predicted refused, Prosody not-allowed",
      "an admin bans the owner: predicted refused, Prosody not-allowed",
      "an admin makes a member an admin: predicted refused, Prosody not-allowed",
      "an admin revokes a member's moderator status: predicted allowed, Prosody allowed",
      "a member participant kicks: predicted refused, Prosody not-allowed",
      "an admin revokes a membership: predicted allowed, Prosody allowed",
      "the owner kicks an admin: predicted allowed, Prosody allowed",
    ]);
  });
});

describe("MUC client against Prosody: voice requests", () => {
  it("a visitor asks for voice; the moderator hears of it and approves; the visitor becomes a participant", async () => {
    const jid = freshRoom(suite.server, "voice-request");
    const ra = await withTimeout(createRoom(suite.alice.muc, jid, "Alice"), 5_000, "alice creating the room");
    await withTimeout(setRoomConfig(suite.alice.muc, jid, { moderated: true }), 5_000, "making the room moderated");
    const rb = await joinFully(suite.bob, jid, "Bob");
    await barrier(ra, [rb], "bob in");
    expect(rb.me?.role).toBe("visitor");

    const heard = new Promise<VoiceRequestEvent>((resolve) => {
      const stop = onVoiceRequest(suite.alice.muc, (request) => {
        stop();
        resolve(request);
      });
    });
    await withTimeout(requestVoice(suite.bob.muc, jid), 5_000, "bob asking for voice");
    const request = await withTimeout(heard, 5_000, "alice hearing the request");
    expect(request.room.toString()).toBe(jid);
    expect(request.nick).toBe("Bob");
    expect(request.jid?.bare().toString()).toBe(suite.bob.bareJid);

    const voiced = nextEvent(rb, "roleChange", (e) => e.occupant === rb.me && e.newRole === "participant");
    await withTimeout(request.approve(), 5_000, "alice approving");
    await voiced;
    expect(rb.me?.hasVoice).toBe(true);
  });
});
