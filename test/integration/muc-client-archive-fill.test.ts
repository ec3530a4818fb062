// The MUC client against real servers whose rooms keep only 3 messages of
// history, Prosody then ejabberd: a client away while 10 messages are said
// comes back on a new session (its socket killed, resumption refused, as in
// muc-client-reconnect.test.ts), and its rejoin fills what the history
// cannot hold from the room's archive (XEP-0313: Prosody's mod_muc_mam,
// ejabberd's mod_mam): every message arrives, once, in order, as history.
//
// The ejabberd part requires Debian's ejabberd package, as
// muc-client-ejabberd.test.ts does; it starts its own server in the test.

import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MessageState, createRoom, type Room, type RoomEvents } from "../../src/index.js";
import { MUC_MODULES, startEjabberd } from "../helpers/ejabberd.js";
import { awayOnNewSession, barrier, connectMucClient, joinFully, nextEvent, setupMucSuite, type MucClient } from "../helpers/muc-clients.js";
import { withTimeout } from "../helpers/prosody-clients.js";

const suite = setupMucSuite({ extraConfig: { muc: "max_history_messages = 3" } });

/** Bob (`rb`) away on a new session while Alice (`ra`) says ten messages: he gets them all, from the archive and the history. */
async function expectGapFilled(ra: Room, rb: Room, bob: MucClient): Promise<void> {
  const heard: RoomEvents["message"][] = [];
  rb.on("message", (e) => heard.push(e));
  const first = nextEvent(rb, "message", (e) => e.body === "before", 5_000);
  expect(await ra.sendTrackedMessage("before", { timeout: 5_000 }).done).toBe(MessageState.DELIVERED_TO_RECIPIENT);
  await first;
  const mark = `fill ${randomUUID()}`;
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
}

describe("MUC client: a rejoin's gap filled from the archive", () => {
  it("Prosody: ten messages said while away, three kept as history: the rejoin brings all ten, in order, once", async () => {
    const { ra, rb } = await suite.roomOfThree("fill");
    await expectGapFilled(ra, rb, suite.bob);
  });

  it("ejabberd: the same", async () => {
    const server = await startEjabberd({ modules: { ...MUC_MODULES, mod_muc: { ...MUC_MODULES.mod_muc, history_size: 3 } } });
    const clients: MucClient[] = [];
    try {
      const users = ["alice", "bob"].map((name) => ({ name, password: `${name}-pw` }));
      await Promise.all(users.map((u) => server.register(u.name, u.password)));
      clients.push(...(await Promise.all(users.map((u) => connectMucClient(server, u.name, u.password)))));
      const [alice, bob] = clients as [MucClient, MucClient];
      const jid = `fill-${randomUUID().slice(0, 8)}@${String(server.mucDomain)}`;
      const ra = await withTimeout(createRoom(alice.muc, jid, "Alice"), 5_000, "alice creating the room");
      const rb = await joinFully(bob, jid, "Bob");
      await expectGapFilled(ra, rb, bob);
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
      await server.stop();
    }
  }, 60_000);
});
