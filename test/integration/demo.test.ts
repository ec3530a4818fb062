/** `npm run demo` starts, serves the page and its configuration, and Ctrl-C leaves nothing behind. */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { withTimeout } from "../helpers/prosody-clients.js";

function demoDirs(): string[] {
  return readdirSync(tmpdir()).filter((d) => d.startsWith("muc-demo-"));
}

describe("npm run demo", () => {
  it("prints the URL and the accounts, serves the web client, and stops cleanly on SIGINT", async () => {
    const before = new Set(demoDirs());
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DEMO_PORT: "" } });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const url = await withTimeout(
        new Promise<string>((resolve) => {
          const timer = setInterval(() => {
            // eslint-disable-next-line no-control-regex
            const m = /Open\s+(?:\x1b\[[0-9;]*m)?(http:\/\/127\.0\.0\.1:\d+\/?)/.exec(out);
            if (m) {
              clearInterval(timer);
              resolve(m[1] as string);
            }
          }, 50);
        }),
        60_000,
        "the demo's URL",
      );
      expect(out).toContain("alice@localhost");
      expect(out).toContain("wonderland");
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("<html");
      const config = (await (await fetch(new URL("/config.json", url))).json()) as { gatewayDomain?: string };
      expect(config.gatewayDomain).toBe("gateway.localhost");
      const bundle = await fetch(new URL("/app.js", url));
      expect(bundle.status).toBe(200);
    } finally {
      child.kill("SIGINT");
    }
    // 130 = 128 + SIGINT, the shell's convention for a command stopped by Ctrl-C.
    expect([0, 130]).toContain(await withTimeout(exited, 20_000, "the demo's exit"));
    // In order: Prosody ran until everything else had stopped, and every step succeeded.
    expect(out).toContain("stopped; every process and temporary file is gone.");
    expect(out).not.toContain("Prosody had stopped before its turn");
    expect(out).not.toMatch(/\[demo\] stopping .* failed/);
    expect(demoDirs().filter((d) => !before.has(d))).toEqual([]);
  }, 120_000);
});
