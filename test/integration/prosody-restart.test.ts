// ProsodyServer.restart(): the throwaway Prosody killed as a crash would
// (SIGKILL) or stopped, then started again on the same ports with its data:
// what the storm's crash mode relies on, and what an app's own tests of a
// server crash need.

import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MucService, createRoom, setRoomConfig, type RoomEvents } from "../../src/index.js";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { connectClient, nextRoomEvent, withTimeout } from "../helpers/prosody-clients.js";

const ALICE = { username: "alice", password: "alice-pw" };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Alice in `jid`; the service and her client, to close. */
async function alice(server: ProsodyServer) {
  const client = await connectClient({ server, ...ALICE });
  const muc = new MucService(client.xmpp, { selfPing: false });
  return { client, muc, close: async () => (muc.close(), await client.stop()) };
}

describe("ProsodyServer.restart", () => {
  it("after a crash (SIGKILL) the server is back on the same ports, a new process, with its accounts, persistent rooms and their archive", async () => {
    const server = await startProsody({ users: [ALICE] });
    try {
      const jid = `kept@${server.mucDomain}`;
      const before = await alice(server);
      const room = await withTimeout(createRoom(before.muc, jid, "alice"), 10_000, "creating the room");
      await withTimeout(setRoomConfig(before.muc, jid, { "muc#roomconfig_persistentroom": true }), 10_000, "configuring the room");
      const reflected = nextRoomEvent(room, "message", (e) => e.own && e.body === "said before the crash");
      room.sendMessage("said before the crash");
      await reflected;
      const oldPid = server.pid;
      const c2sUrl = server.c2sUrl;

      const disconnected = new Promise<void>((resolve) => before.client.xmpp.once("disconnect", () => resolve()));
      await server.restart({ crash: true, downMs: 100 });
      await withTimeout(disconnected, 5_000, "the client seeing the crash");
      await before.close();
      expect(alive(oldPid)).toBe(false);
      expect(server.pid).not.toBe(oldPid);
      expect(server.running).toBe(true);
      expect(server.c2sUrl).toBe(c2sUrl);

      // The account, the room (not created anew) and its archive (the history) are still there.
      const after = await alice(server);
      try {
        const history: RoomEvents["message"][] = [];
        const { room: again, joined } = after.muc.join(jid, "alice", { history: { maxStanzas: 10 } });
        again.on("message", (e) => history.push(e));
        const entered = nextRoomEvent(again, "enter");
        // The subject ends the history.
        const subject = nextRoomEvent(again, "subjectChange");
        await withTimeout(joined, 10_000, "joining after the crash");
        expect((await entered).created).toBe(false);
        await subject;
        expect(history.map((e) => [e.body, e.history])).toEqual([["said before the crash", true]]);
      } finally {
        await after.close();
      }
    } finally {
      await server.stop();
    }
    expect(existsSync(server.dir)).toBe(false);
    expect(server.running).toBe(false);
  }, 60_000);

  it("restarts without a crash too, one restart after another; stop() then removes everything, and a restart after stop() fails", async () => {
    const server = await startProsody({ users: [ALICE] });
    const pids = [server.pid];
    try {
      await Promise.all([server.restart(), server.restart({ downMs: 50 })]);
      pids.push(server.pid);
      for (const pid of pids.slice(0, -1)) expect(alive(pid)).toBe(false);
      const after = await alice(server);
      await after.close();
    } finally {
      await server.stop();
    }
    expect(alive(server.pid)).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
    await expect(server.restart()).rejects.toThrow(/stopped/);
  }, 60_000);
});
