/** The gateway command's configuration: flags, environment, file; clear errors. */
import { afterEach, describe, expect, it } from "vitest";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GatewayConfigError, readConfig, validateConfig } from "../../../src/gateway/index.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function configFile(content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gw-config-"));
  dirs.push(dir);
  const path = join(dir, "gateway.json");
  await writeFile(path, content);
  return path;
}

describe("readConfig", () => {
  it("reads flags (both --flag value and --flag=value)", async () => {
    const c = await readConfig(["--module", "m.js", "--jid=gw.example", "--secret", "s", "--server", "xmpp://127.0.0.1:5347", "--db", "x.sqlite"], {});
    expect(c).toEqual({ module: "m.js", jid: "gw.example", secret: "s", server: "xmpp://127.0.0.1:5347", db: "x.sqlite" });
  });

  it("takes flags over the environment over the file", async () => {
    const file = await configFile(JSON.stringify({ jid: "file.example", secret: "file", server: "xmpp://file:5347", module: "file.js", db: "file.sqlite" }));
    const c = await readConfig(["--config", file, "--secret", "flag"], { GATEWAY_JID: "env.example" });
    expect(c).toMatchObject({ jid: "env.example", secret: "flag", server: "xmpp://file:5347", module: "file.js", db: "file.sqlite" });
  });

  it("names what is missing or wrong", async () => {
    await expect(readConfig([], {})).rejects.toThrow(/--module is missing/);
    await expect(readConfig(["--module", "m.js"], {})).rejects.toThrow(/jid is missing.*secret is missing.*server is missing/);
    await expect(readConfig(["--module", "m.js", "--jid", "a@b", "--secret", "s", "--server", "http://x"], {})).rejects.toThrow(/bare domain.*xmpp:\/\/host:port/);
    await expect(readConfig(["--bogus", "1"], {})).rejects.toThrow(/unknown argument "--bogus"/);
    await expect(readConfig(["--jid"], {})).rejects.toThrow(/--jid needs a value/);
    await expect(readConfig(["--config", "/nonexistent/gateway.json"], {})).rejects.toThrow(/cannot read the config file/);
    await expect(readConfig(["--config", await configFile("{ not json")], {})).rejects.toThrow(/not valid JSON/);
    await expect(readConfig(["--config", await configFile("[1, 2]")], {})).rejects.toBeInstanceOf(GatewayConfigError);
  });

  it("validateConfig accepts a good configuration", () => {
    expect(() => validateConfig({ jid: "gw.example", secret: "s", server: "xmpp://h:1" })).not.toThrow();
  });
});
