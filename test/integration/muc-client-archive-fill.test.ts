// The MUC client against a real Prosody whose rooms keep only 3 messages of
// history: a client away while 10 messages are said comes back on a new
// session (its socket killed, resumption refused, as in
// muc-client-reconnect.test.ts), and its rejoin fills what the history
// cannot hold from the room's archive (mod_muc_mam, XEP-0313): every
// message arrives, once, in order, as history.

import { describe, expect, it } from "vitest";
import { MessageState, type RoomEvents } from "../../src/index.js";
import { awayOnNewSession, barrier, nextEvent, setupMucSuite } from "../helpers/muc-clients.js";

const suite = setupMucSuite({ extraConfig: { muc: "max_history_messages = 3" } });

describe("MUC client against Prosody: a rejoin's gap filled from the archive", () => {
  it("ten messages said while away, three kept as history: the rejoin brings all ten, in order, once", async () => {
    const { ra, rb } = await suite.roomOfThree("fill");
    const bob = suite.bob;
    const heard: RoomEvents["message"][] = [];
    rb.on("message", (e) => heard.push(e));
    const first = nextEvent(rb, "message", (e) => e.body === "before", 5_000);
    expect(await ra.sendTrackedMessage("before", { timeout: 5_000 }).done).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    await first;
    const mark = `fill ${Date.now()}`;
    bob.log.mark(mark);

    const away = Array.from({ length: 10 }, (_, i) => `away-${i + 1}`);
    await awayOnNewSession(bob, rb, async () => {
      for (const body of away) expect(await ra.sendTrackedMessage(body, { timeout: 2_000 }).done).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    });
    await barrier(ra, [rb], "fill end");
    const bodies = heard.map((m) => m.body).filter((b) => !b.startsWith("barrier "));
    expect(bodies).toEqual(["before", ...away]);
    const gap = heard.filter((m) => away.includes(m.body));
    expect(gap.every((m) => m.history && m.stanzaId !== undefined)).toBe(true);
    expect(new Set(gap.map((m) => m.stanzaId)).size).toBe(10);
    // The room kept three: the archive brought the seven before them (the client asked it once, after "before").
    const queries = bob.log.since(mark).filter((l) => l.includes(" -> ") && l.includes("urn:xmpp:mam:2"));
    expect(queries).toHaveLength(1);
    expect(queries[0]).toContain(`<after>${String(heard[0]?.stanzaId)}</after>`);
  });
});
