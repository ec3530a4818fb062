// The MUC client against a real Prosody: a client whose TCP socket dies in
// the middle of a conversation comes back on a NEW session (not an XEP-0198
// resumption), the MucService rejoins the room asking for the history of the
// seconds it was away, and the
// room de-duplicates that history: every message sent while the client was
// away arrives exactly once — none lost, none twice.
//
// How the socket is killed and a new session forced:
// - `xmpp.socket.destroy()` on the @xmpp/client entity's TCP socket: no
//   `</stream>`, no unavailable presence; Prosody sees the connection drop and
//   keeps the session hibernating (mod_smacks), as after a network failure.
//   @xmpp/client emits `disconnect` and its reconnect module reconnects after
//   one second (`xmpp.reconnect.delay`).
// - Before it reconnects, `xmpp.streamManagement.id` is replaced by an id the
//   server never issued. The client then sends `<resume previd=…/>`, Prosody
//   answers `<failed/>` (item-not-found), and @xmpp/client goes through its
//   own "resumption failed" path (`failed()`: unacknowledged stanzas reported
//   as `fail`, counters reset), binds a resource and enables stream
//   management afresh, and emits `online`: a new session, exactly as when the
//   server has dropped the hibernated session. (Merely clearing the id would
//   skip `failed()` and make @xmpp/client throw if anything was still
//   unacknowledged.) The test checks that `<failed/>` and a new `<enabled/>`
//   were received and `<resumed/>` was not.

import { describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { LeaveMode, MessageState, setRoomConfig, type MessageTracker, type RoomEvents } from "../../src/index.js";
import { waitUntil, withTimeout } from "../helpers/prosody-clients.js";
import { awayOnNewSession, barrier, collect, nextEvent, setupMucSuite } from "../helpers/muc-clients.js";

// Prosody caps the history a room keeps (and sends on join) at 20 messages by
// default; the gap below may see more than that.
const suite = setupMucSuite({ extraConfig: { muc: "max_history_messages = 500" } });

const SM = "urn:xmpp:sm:3";

describe("MUC client against Prosody: reconnection", () => {
  it("after the socket dies and a new session starts, the room resumes with every message sent meanwhile exactly once", async () => {
    const { jid, ra, rb, rc } = await suite.roomOfThree("reconnect");
    await withTimeout(setRoomConfig(suite.alice.muc, jid, { "muc#roomconfig_historylength": 500 }), 5_000, "raising the history length");
    const bob = suite.bob;
    expect(rb.autorejoin).toBe(true);

    const bobMessages: RoomEvents["message"][] = [];
    rb.on("message", (e) => bobMessages.push(e));
    const bobEvents: string[] = [];
    for (const name of ["suspend", "resume", "exit", "enter"] as const) rb.on(name, () => bobEvents.push(name));
    const aliceSeesBob = collect(ra, "leave");
    const bobOccupantAtAlice = ra.getOccupant("Bob");

    // Alice and Carol talk, tracked, until told to stop.
    const sent: { body: string; tracker: MessageTracker }[] = [];
    let talking = true;
    const talk = async (room: typeof ra, who: string): Promise<void> => {
      for (let i = 1; talking; i++) {
        const body = `${who}-${i}`;
        sent.push({ body, tracker: room.sendTrackedMessage(body, { timeout: 20_000 }) });
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    const talkers = [talk(ra, "alice"), talk(rc, "carol")];
    let heardBeforeKill = 0;
    try {
      // Bob hears some of it live …
      await waitUntil(() => bobMessages.length >= 10, 5_000, "bob hearing the first messages");

      // … then his socket dies.
      // The order of what matters on Bob's new stream: the SM answers, and the
      // rejoin presence the MucService sends.
      const nonzas: string[] = [];
      const wire: string[] = [];
      const onNonza = (el: Element): void => {
        if (el.attrs.xmlns === SM && el.name !== "a" && el.name !== "r") {
          nonzas.push(el.name);
          wire.push(`<- ${el.name}`);
        }
      };
      const onSend = (el: Element): void => {
        if (el.is("enable", SM)) wire.push("-> enable");
        if (el.is("presence") && el.getChild("x", "http://jabber.org/protocol/muc")) wire.push("-> rejoin");
      };
      bob.xmpp.on("nonza", onNonza);
      bob.xmpp.on("send", onSend);
      const online = new Promise<void>((resolve) => bob.xmpp.once("online", () => resolve()));
      const disconnected = new Promise<void>((resolve) =>
        bob.xmpp.once("disconnect", () => {
          // Resumption impossible: the server does not know this id (see the header).
          bob.xmpp.streamManagement.id = `gone-${bob.xmpp.streamManagement.id}`;
          resolve();
        }),
      );
      const resumed = nextEvent(rb, "resume", () => true, 15_000);
      const socket = bob.xmpp.socket as unknown as { destroy(): void } | null;
      expect(socket).not.toBeNull();
      socket?.destroy();
      await withTimeout(disconnected, 5_000, "bob's disconnect");
      heardBeforeKill = bobMessages.length;
      await withTimeout(online, 10_000, "bob's new session");
      await resumed;
      await waitUntil(() => bob.xmpp.streamManagement.enabled, 5_000, "stream management on bob's new session");
      bob.xmpp.off("nonza", onNonza);
      bob.xmpp.off("send", onSend);
      expect(nonzas).toContain("failed");
      expect(nonzas).toContain("enabled");
      expect(nonzas).not.toContain("resumed");
      // The MucService holds its stanzas back until stream management is
      // settled on the new stream (service.ts #ready): otherwise the room's
      // history and live messages race @xmpp/client's <enabled/> handling (its
      // inbound counter is reset after stanzas that arrive in the same read,
      // or an <r/> is answered with the old count) and Prosody closes the
      // stream ("Client acknowledged more stanzas than sent by server").
      expect.soft(wire.slice(0, 4)).toEqual(["<- failed", "-> enable", "<- enabled", "-> rejoin"]);

      // Keep talking a little after the rejoin, then stop.
      const afterResume = sent.length;
      await waitUntil(() => sent.length >= afterResume + 10, 5_000, "more messages after the rejoin");
    } finally {
      // Stop talking even when a wait above failed.
      talking = false;
      await Promise.allSettled(talkers);
    }

    // Every message reached the room …
    const outcomes = await withTimeout(Promise.all(sent.map((s) => s.tracker.done)), 25_000, "every tracker settling");
    expect(outcomes.filter((o) => o !== MessageState.DELIVERED_TO_RECIPIENT)).toEqual([]);
    // … and, once the last one is through, Bob has each exactly once.
    await barrier(ra, [rb, rc], "end");
    const sentBodies = sent.map((s) => s.body);
    const received = bobMessages.map((m) => m.body).filter((b) => !b.startsWith("barrier "));
    const counts = new Map<string, number>();
    for (const b of received) counts.set(b, (counts.get(b) ?? 0) + 1);
    const missing = sentBodies.filter((b) => !counts.has(b));
    const twice = [...counts].filter(([, n]) => n > 1).map(([b]) => b);
    expect({ missing, twice }).toEqual({ missing: [], twice: [] });
    expect(new Set(received)).toEqual(new Set(sentBodies));
    expect(heardBeforeKill).toBeGreaterThanOrEqual(10);
    expect(received.length).toBe(sentBodies.length);
    // Each sender's messages in the order sent.
    for (const who of ["alice", "carol"]) {
      const mine = received.filter((b) => b.startsWith(`${who}-`)).map((b) => Number(b.slice(who.length + 1)));
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
    }

    // One new session, no stream error; the room went through suspend →
    // resume once, never exit.
    expect(bob.test.errors.map((e) => e.message)).toEqual([]);
    expect(bobEvents).toEqual(["suspend", "resume"]);
    expect(rb.active).toBe(true);
    expect(bob.muc.getRoom(jid)).toBe(rb);
    expect(rb.occupants.map((o) => o.nick).sort()).toEqual(["Alice", "Bob", "Carol"]);
    // Messages that came through the rejoin's history are flagged as such.
    expect(bobMessages.some((m) => m.history)).toBe(true);

    // Bob is usable afterwards: his messages reach the others.
    const hello = nextEvent(ra, "message", (e) => e.body === "bob is back");
    const tracker = rb.sendTrackedMessage("bob is back", { timeout: 5_000 });
    expect(await tracker.done).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    const atAlice = await hello;
    expect(atAlice.nick).toBe("Bob");
    expect(ra.getOccupant("Bob")).toBeDefined();
    // What Alice saw of Bob in between: when the new session replaced the
    // hibernated one, Prosody removed the old occupant session ("Kicked:
    // recipient unavailable", status 333); Bob then joined again.
    for (const l of aliceSeesBob) expect([LeaveMode.ERROR, LeaveMode.NORMAL]).toContain(l.mode);
    expect(ra.getOccupant("Bob")?.jid?.bare().toString()).toBe(bob.bareJid);
    expect(bobOccupantAtAlice).toBeDefined();
  });

  // A clock that runs fast (a device set by hand, a laptop that never synced)
  // must not cost messages: what a rejoin asks of the room's history cannot
  // depend on the client's clock agreeing with the server's.
  it("a client whose clock runs five minutes fast gets every message sent while its new session started", async () => {
    const realNow = Date.now;
    const skew = 5 * 60_000;
    Date.now = () => realNow() + skew;
    try {
      const { jid, ra, rb } = await suite.roomOfThree("skew");
      // Not archived, so no stanza-ids and no archive to fill the gap from: the history alone must bring it.
      await withTimeout(setRoomConfig(suite.alice.muc, jid, { "muc#roomconfig_enablearchiving": false }), 5_000, "turning archiving off");
      const bob = suite.bob;
      const heard: RoomEvents["message"][] = [];
      rb.on("message", (e) => heard.push(e));
      // Bob hears the room live for a while …
      for (const body of ["before-1", "before-2"]) {
        expect(await ra.sendTrackedMessage(body, { timeout: 5_000 }).done).toBe(MessageState.DELIVERED_TO_RECIPIENT);
      }
      await waitUntil(() => heard.length >= 2, 5_000, "bob hearing the first messages");
      // … then his socket dies, and the next stream is a new session; Alice talks while he is away.
      const away = ["away-1", "away-2", "away-3"];
      await awayOnNewSession(bob, rb, async () => {
        for (const body of away) {
          expect(await ra.sendTrackedMessage(body, { timeout: 2_000 }).done).toBe(MessageState.DELIVERED_TO_RECIPIENT);
        }
      });
      await barrier(ra, [rb], "skew end");
      const bodies = heard.map((m) => m.body).filter((b) => !b.startsWith("barrier "));
      expect(bodies).toEqual(["before-1", "before-2", ...away]);
      expect(heard.filter((m) => away.includes(m.body)).every((m) => m.history)).toBe(true);
      expect(heard.filter((m) => m.stanzaId !== undefined)).toEqual([]);
    } finally {
      Date.now = realNow;
    }
  });
});
