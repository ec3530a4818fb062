/**
 * The package as a newcomer gets it: `npm pack` (which runs `prepare`, the
 * build), installed into a scratch ESM project with npm, the README's first
 * example copied verbatim into it, type-checked with the settings
 * `tsc --init` writes, compiled, and run against a throwaway Prosody where
 * another user has already written, replied, corrected and retracted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { MucService, sendCorrection, sendReply, sendRetraction, type MessageEvent } from "../../src/index.js";
import { connectClient, withTimeout, type TestClient } from "../helpers/prosody-clients.js";

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

/** The first ```ts block after the README's "A first room" heading. */
function firstExample(readme: string): string {
  const section = readme.slice(readme.indexOf("## A first room"));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error("README: no ```ts block under '## A first room'");
  return match[1];
}

let dir: string;
let server: ProsodyServer;
let bob: TestClient | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "package-install-"));
  server = await startProsody({
    roomLocking: false,
    users: [
      { username: "alice", password: "pass" },
      { username: "bob", password: "bob-pw" },
    ],
  });
}, 60_000);

afterAll(async () => {
  await bob?.stop();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("the packed package in a new project", () => {
  it("installs, type-checks under tsc --init's settings, and runs the README's first example", async () => {
    // Pack: `prepare` builds dist/ first.
    const packDir = join(dir, "pack");
    const app = join(dir, "app");
    await mkdir(packDir);
    await exec(NPM, ["pack", "--pack-destination", packDir], { cwd: ROOT, timeout: 180_000 });
    const [tarball] = (await readdir(packDir)).filter((f) => f.endsWith(".tgz"));
    expect(tarball).toBeDefined();

    // A new project: its own package.json and npm install, as in the README.
    await mkdir(app);
    await writeFile(join(app, "package.json"), JSON.stringify({ name: "first-room", private: true, type: "module" }, null, 2));
    const typescript = JSON.parse(await readFile(join(ROOT, "node_modules", "typescript", "package.json"), "utf8")) as { version: string };
    await exec(
      NPM,
      ["install", "--prefer-offline", "--no-audit", "--no-fund", join(packDir, tarball as string), "@xmpp/client", `typescript@${typescript.version}`],
      { cwd: app, timeout: 300_000 },
    );
    await exec(process.execPath, [join(app, "node_modules", "typescript", "bin", "tsc"), "--init"], { cwd: app });

    // The README's example, verbatim but for the server's address.
    const example = firstExample(await readFile(join(ROOT, "README.md"), "utf8"));
    expect(example).toContain('"xmpp://localhost:5222"');
    expect(example).toContain('"lobby@conference.localhost"');
    await writeFile(join(app, "index.ts"), example.replace('"xmpp://localhost:5222"', JSON.stringify(server.c2sUrl)));
    // Type-check and compile with exactly what `tsc --init` wrote (tsconfig.json).
    const tsc = await exec(process.execPath, [join(app, "node_modules", "typescript", "bin", "tsc"), "-p", "."], { cwd: app }).catch(
      (e: { stdout?: string; stderr?: string }) => {
        throw new Error(`tsc failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
      },
    );
    expect(tsc.stderr).toBe("");

    // Someone has talked in the room already: a message, a correction, a reply, a retraction.
    bob = await connectClient({ server, username: "bob", password: "bob-pw" });
    const bobMuc = new MucService(bob.xmpp);
    const room = `lobby@${server.mucDomain}`;
    const bobJoin = bobMuc.join(room, "bob");
    const reflected: MessageEvent[] = [];
    bobJoin.room.on("message", (m) => reflected.push(m));
    await bobJoin.joined;
    const first = await bobJoin.room.sendMessage("frist");
    const doomed = await bobJoin.room.sendMessage("this one goes away");
    await withTimeout(
      (async () => {
        while (reflected.length < 2) await new Promise((r) => setTimeout(r, 20));
      })(),
      10_000,
      "bob's messages reflected",
    );
    await sendCorrection(bobMuc, room, first.attrs.id as string, "first");
    await sendReply(bobMuc, room, reflected[0] as MessageEvent, "replying to myself");
    await sendRetraction(bobMuc, room, (reflected.find((m) => m.id === doomed.attrs.id) as MessageEvent).stanzaId as string);

    const { stdout, stderr } = await exec(process.execPath, ["index.js"], { cwd: app, timeout: 60_000 });
    expect(stderr).toBe("");
    const lines = stdout.trim().split("\n");
    expect(lines).toContain("(earlier) bob: frist");
    expect(lines).toContain("bob edited a message: first");
    expect(lines).toContain("(earlier) bob: ↪ replying to myself");
    expect(lines).toContain("bob deleted a message");
    expect(lines).toContain("alice: hello");
    // Fallback text (the reply's quote, the retraction's notice) never reaches the output.
    expect(stdout).not.toContain("> bob wrote");
    expect(stdout).not.toMatch(/retracted a previous message/);
  }, 420_000);

  it("installs from a local checkout: npm runs prepare there, which builds dist/", async () => {
    // A checkout as `git clone` gives it: no dist/, no node_modules.
    const checkout = join(dir, "checkout");
    const app = join(dir, "from-checkout");
    await exec("git", ["clone", "--quiet", "--depth", "1", `file://${ROOT}`, checkout], { timeout: 60_000 });
    await mkdir(app);
    await writeFile(join(app, "package.json"), JSON.stringify({ name: "from-checkout", private: true, type: "module" }, null, 2));
    await exec(NPM, ["install", "--prefer-offline", "--no-audit", "--no-fund", checkout], { cwd: app, timeout: 300_000 });
    const { stdout } = await exec(
      process.execPath,
      ["--input-type=module", "-e", 'const m = await import("xmpp-muc-sdk"); const g = await import("xmpp-muc-sdk/gateway"); console.log(typeof m.MucService, typeof g.BaseGateway);'],
      { cwd: app },
    );
    expect(stdout.trim()).toBe("function function");
  }, 420_000);
});
