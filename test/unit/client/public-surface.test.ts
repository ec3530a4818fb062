/**
 * Internals stay internal: the declarations the package ships (built with
 * `stripInternal`) show none of the room's and the service's plumbing.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const out = mkdtempSync(join(tmpdir(), "muc-dts-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("the built declarations", () => {
  it("Room, MucService and Occupant show no internal member", () => {
    execFileSync(process.execPath, [join("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json", "--outDir", out], { stdio: "pipe" });
    const room = readFileSync(join(out, "client", "room.d.ts"), "utf8");
    for (const name of ["handlePresence", "handleMessage", "joinStanza", "awaitJoin", "streamReplaced", "acked", "unacknowledged", "holdsSends", "isHistory", "isDuplicate", "joinWritten", "connectionClosed", "joinSendFailed"]) {
      expect(room, name).not.toMatch(new RegExp(`\\b${name}\\(|\\b${name}\\b:|get ${name}\\b`));
    }
    expect(room).toMatch(/setRole\(nick: string/);
    const occupant = readFileSync(join(out, "client", "occupant.d.ts"), "utf8");
    expect(occupant).not.toContain("updateOccupant");
    expect(occupant).toContain("readonly nick: string;");
  }, 60_000);
});
