/** The Node example runs against a throwaway Prosody and prints the room's events. */
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

describe("examples/node/join-room.ts", () => {
  it("joins, chats, sees another user come, correct, reply, rename and go, and leaves", async () => {
    const env = { ...process.env };
    delete env.XMPP_SERVICE;
    const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/node/join-room.ts"], { timeout: 60_000, env });
    expect(stdout).toContain("entered lobby@conference.localhost as alice");
    expect(stdout).toContain("my message: delivered-to-recipient");
    expect(stdout).toContain("joined: bob (participant/none)");
    expect(stdout).toContain("<bob> Hi alice, nice SKD.");
    // The correction and the reply as a client should show them: applied, and without the reply's fallback quote.
    expect(stdout).toContain("bob corrected a message: Hi alice, nice SDK.");
    expect(stdout).toContain("<bob> (reply) (typos, sorry)");
    expect(stdout).not.toContain("> bob wrote");
    expect(stdout).toContain("bob is now robert");
    expect(stdout).toContain("left: robert (normal)");
    expect(stdout).toContain("we left the room (normal)");
  }, 90_000);
});
