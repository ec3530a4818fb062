/** The examples run and print what they promise. */
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

describe("examples", () => {
  it("codecs/muc-presence decodes, encodes and rejects", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/codecs/muc-presence.ts"], { timeout: 30_000 });
    expect(stdout).toContain("thirdwitch is participant/member, real JID hag66@shakespeare.lit/pda");
    expect(stdout).toContain("self-presence: true");
    expect(stdout).toContain('<history maxstanzas="20"/>');
    expect(stdout).toContain("rejected: x items.role");
  });
});
