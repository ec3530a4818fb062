/**
 * The client entry (src/index.ts) bundles for browsers without Node built-ins,
 * and the bundle loads and joins a room in a context that has no `process`,
 * `Buffer` or `require`. Same esbuild setup as `npm run size` (scripts/size.ts);
 * sizes are the script's business, not this test's.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as esbuild from "esbuild";
import vm from "node:vm";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { BrowserBundleError, CLIENT_ENTRY, ROOT, browserBuildOptions, buildGuarded, isNodeBuiltin, type BuiltinImport } from "../../scripts/size.js";

/** Every module specifier still imported or required by a bundle (a self-contained bundle has none). */
function importedSpecifiers(code: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:require|__require)\s*\(\s*(["'`])([^"'`]+)\1\s*\)/g,
    /\bimport\s*\(\s*(["'`])([^"'`]+)\1\s*\)/g,
    /\b(?:from|import)\s*(["'])([^"']+)\1/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) found.push(m[2]!);
  return found;
}

describe("browser bundle of src/index.ts", () => {
  it("builds for platform browser with no errors and no Node built-ins", async () => {
    const allowed: BuiltinImport[] = [];
    const result = await buildGuarded(CLIENT_ENTRY, {}, allowed);
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/\brequire\(\s*["']node:/);
    expect(code).not.toMatch(/["']node:[a-z_/]+["']/);
    expect(importedSpecifiers(code).filter(isNodeBuiltin)).toEqual([]);
    expect(Object.keys(result.metafile.inputs).filter((f) => f.startsWith("node:"))).toEqual([]);
    // Our own code imports no built-in; the only one let through is the npm
    // `events` package, inside dependencies (@xmpp/events, ltx).
    for (const a of allowed) {
      expect(a.importerPackage).toBeDefined();
      expect(a.specifier).toBe("events");
    }
  });

  it("loads and joins a room in a context without process, Buffer or require", async () => {
    const result = await buildGuarded(CLIENT_ENTRY, { format: "iife", globalName: "XmppMucSdk", minify: false });
    const code = result.outputFiles[0]!.text;

    class WebSocket {
      static readonly CONNECTING = 0;
      static readonly OPEN = 1;
      static readonly CLOSING = 2;
      static readonly CLOSED = 3;
      readyState = 0;
      constructor(readonly url: string) {}
      send(): void {}
      close(): void {
        this.readyState = 3;
      }
      addEventListener(): void {}
      removeEventListener(): void {}
    }
    // What a browser page offers (no Node globals); vm adds the ECMAScript built-ins.
    const context = vm.createContext({
      console,
      setTimeout,
      clearTimeout,
      setInterval,
      clearInterval,
      queueMicrotask,
      TextEncoder,
      TextDecoder,
      URL,
      crypto: globalThis.crypto,
      WebSocket,
    });
    for (const name of ["process", "Buffer", "require", "module", "global", "setImmediate"]) {
      expect(vm.runInContext(`typeof ${name}`, context), name).toBe("undefined");
    }
    vm.runInContext(`${code}\nglobalThis.XmppMucSdk = XmppMucSdk;`, context, { filename: "xmpp-muc-sdk.browser.js" });
    const sdk = (context as { XmppMucSdk: Record<string, unknown> }).XmppMucSdk;
    expect(typeof sdk.MucService).toBe("function");
    expect(typeof sdk.Room).toBe("function");

    // The real code path: construct on a connection, join, answer with the self-presence.
    /** The ltx element of the bundle's realm (only what this test uses). */
    interface El {
      name: string;
      attrs: Record<string, string>;
      constructor: new (name: string, attrs?: Record<string, string>) => El;
      c(name: string, attrs?: Record<string, string>): El;
      up(): El;
      getChild(name: string, xmlns?: string): El | undefined;
    }
    const sent: El[] = [];
    const listeners = new Map<string, ((arg?: unknown) => void)[]>();
    const conn = {
      status: "online",
      async send(el: El): Promise<void> {
        sent.push(el);
      },
      on(event: string, fn: (arg?: unknown) => void): void {
        listeners.set(event, [...(listeners.get(event) ?? []), fn]);
      },
      removeListener(event: string, fn: (arg?: unknown) => void): void {
        listeners.set(event, (listeners.get(event) ?? []).filter((f) => f !== fn));
      },
    };
    const MucService = sdk.MucService as new (c: typeof conn, o?: object) => {
      join(jid: string, nick: string): { room: { joined: boolean; nick: string }; joined: Promise<unknown> };
      close(): void;
    };
    const muc = new MucService(conn, { selfPing: false, joinTimeout: 5_000 });
    const { room, joined } = muc.join("lobby@conference.example.org", "alice");
    await waitFor(() => sent.length > 0);
    const presence = sent[0]!;
    expect(presence.name).toBe("presence");
    expect(presence.attrs.to).toBe("lobby@conference.example.org/alice");
    expect(presence.getChild("x", "http://jabber.org/protocol/muc")).toBeDefined();

    const Element = presence.constructor;
    const self = new Element("presence", { xmlns: "jabber:client", from: "lobby@conference.example.org/alice", to: "alice@example.org/web" });
    self
      .c("x", { xmlns: "http://jabber.org/protocol/muc#user" })
      .c("item", { affiliation: "member", role: "participant" })
      .up()
      .c("status", { code: "110" });
    for (const fn of listeners.get("stanza") ?? []) fn(self);
    expect(await joined).toBe(room);
    expect(room.joined).toBe(true);
    expect(room.nick).toBe("alice");
    muc.close();
  });
});

async function waitFor(cond: () => boolean, ms = 2_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("Node built-in guard", () => {
  const dir = mkdtempSync(join(tmpdir(), "browser-bundle-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("esbuild alone rejects node:* for the browser but silently takes an npm package named like a built-in", async () => {
    await expect(esbuild.build(browserBuildOptions({ stdin: { contents: `import "node:crypto";`, resolveDir: ROOT } }))).rejects.toThrow(
      /Could not resolve "node:crypto"/,
    );
    const events = await esbuild.build(
      browserBuildOptions({ stdin: { contents: `import { EventEmitter } from "events"; export { EventEmitter };`, resolveDir: ROOT } }),
    );
    expect(events.errors).toEqual([]);
  });

  it("fails on node:* and on bare built-ins in our code, with the import chain", async () => {
    writeFileSync(join(dir, "a.js"), `import "./b.js"; export const a = 1;`);
    writeFileSync(join(dir, "b.js"), `import { createHash } from "node:crypto"; import { EventEmitter } from "events"; export { createHash, EventEmitter };`);
    const error = await buildGuarded({ contents: `import { a } from ${JSON.stringify(join(dir, "a.js"))}; export { a };`, sourcefile: "entry.js" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BrowserBundleError);
    const violations = (error as BrowserBundleError).violations;
    expect(violations.map((v) => v.specifier).sort()).toEqual(["events", "node:crypto"]);
    for (const v of violations) {
      expect(v.importerPackage).toBeUndefined();
      expect(v.chain[0]).toBe("entry.js");
      expect(v.chain.at(-2)).toMatch(/a\.js$/);
      expect(v.chain.at(-1)).toMatch(/b\.js$/);
    }
  });
});

describe("tree-shaking of the client entry", () => {
  /** The source files with code in a bundle of `contents` (importing from "xmpp-muc-sdk"). */
  async function bundledFiles(contents: string): Promise<string[]> {
    const result = await buildGuarded({ contents, sourcefile: "app.js" }, { external: ["@xmpp/*"] });
    const output = Object.values(result.metafile.outputs)[0]!;
    return Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([f]) => relative(ROOT, resolve(ROOT, f)));
  }

  it("a chat client carries no administration, data-form, discovery, archive or message-change code; only the reference's setRole/setAffiliation requests", async () => {
    const files = await bundledFiles(`import { MucService } from "xmpp-muc-sdk";
export const muc = new MucService(globalThis.xmpp);
muc.join("lobby@conference.example.org", "alice").room.on("message", (e) => console.log(e.body));`);
    expect(files).toContain(join("src", "client", "room.ts"));
    // room.setRole, room.setAffiliation and muc.setAffiliation are methods (aioxmpp's Room.set_role, …): their requests come along.
    expect(files).toContain(join("src", "client", "moderation.ts"));
    for (const module of ["room-admin", "admin", "approvals", "message-changes", "archive-query", "privileges"]) {
      expect(files).not.toContain(join("src", "client", `${module}.ts`));
    }
    for (const module of ["data-form", "muc-forms", "muc-owner", "disco", "rsm", "message-refs", "mam"]) expect(files).not.toContain(join("src", "xso", `${module}.ts`));
  });

  it("a function imported brings its requests and codecs, and only what it needs", async () => {
    const kick = await bundledFiles(`import { MucService, setRole } from "xmpp-muc-sdk";
export const kick = (muc, nick) => setRole(muc, "lobby@conference.example.org", nick, "none");
export const muc = new MucService(globalThis.xmpp);`);
    expect(kick).toContain(join("src", "client", "moderation.ts"));
    expect(kick).toContain(join("src", "xso", "muc-admin.ts"));
    expect(kick).not.toContain(join("src", "xso", "muc-forms.ts"));

    const config = await bundledFiles(`import { getRoomConfig } from "xmpp-muc-sdk";
export { getRoomConfig };`);
    expect(config).toContain(join("src", "xso", "muc-forms.ts"));
    expect(config).toContain(join("src", "xso", "data-form.ts"));
  });
});
