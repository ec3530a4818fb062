/**
 * The xmpp-muc-gateway command's pieces: its own flags, usage text, version,
 * the one-line explanation and exit code of each error, the module loader
 * (TypeScript modules without `--import tsx`, in a child process that has no
 * loader), and `runGateway` leaving no database behind after a failed start.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { COMMAND, EXIT, debugFromEnv, describeError, packageVersion, parseCliArgs, usage } from "../../../src/gateway/cli-help.js";
import { loadLegacyModule } from "../../../src/gateway/cli-module.js";
import {
  BaseGateway,
  BaseSession,
  ComponentError,
  GatewayConfigError,
  StoreError,
  openSqliteStore,
  readConfig,
  runGateway,
  type LegacyModule,
} from "../../../src/gateway/index.js";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

const dirs: string[] = [];
async function tempDir(prefix: string, parent = tmpdir()): Promise<string> {
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, prefix));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("parseCliArgs", () => {
  it("picks --help, --version and --verbose (and -h, -V, -v) out, keeps the rest in order", () => {
    expect(parseCliArgs(["--jid", "a", "-h", "--db=x"])).toEqual({ help: true, version: false, verbose: false, rest: ["--jid", "a", "--db=x"] });
    expect(parseCliArgs(["--version"])).toMatchObject({ version: true, help: false });
    expect(parseCliArgs(["-V"])).toMatchObject({ version: true });
    expect(parseCliArgs(["--verbose", "--module", "m.js"])).toEqual({ help: false, version: false, verbose: true, rest: ["--module", "m.js"] });
    expect(parseCliArgs(["-v"])).toMatchObject({ verbose: true, rest: [] });
  });

  it("never takes a flag's value for one of its own flags", () => {
    expect(parseCliArgs(["--secret", "-v", "--jid", "--help"])).toEqual({ help: false, version: false, verbose: false, rest: ["--secret", "-v", "--jid", "--help"] });
  });

  it("reads GATEWAY_DEBUG", () => {
    expect(debugFromEnv({ GATEWAY_DEBUG: "1" })).toBe(true);
    expect(debugFromEnv({ GATEWAY_DEBUG: "true" })).toBe(true);
    for (const off of [undefined, "", "0", "false", "no"]) expect(debugFromEnv({ GATEWAY_DEBUG: off })).toBe(false);
  });
});

describe("usage", () => {
  const text = usage();

  it("lists every flag with its environment variable and config-file key", () => {
    const rows: [string, string, string][] = [
      ["--module FILE", "GATEWAY_MODULE", "module"],
      ["--jid DOMAIN", "GATEWAY_JID", "jid"],
      ["--secret SECRET", "GATEWAY_SECRET", "secret"],
      ["--server URL", "GATEWAY_SERVER", "server"],
      ["--db FILE", "GATEWAY_DB", "db"],
      ["--config FILE", "GATEWAY_CONFIG", "-"],
      ["-v, --verbose", "GATEWAY_DEBUG=1", "-"],
      ["-h, --help", "-", "-"],
      ["-V, --version", "-", "-"],
    ];
    for (const [flag, env, key] of rows) {
      const line = text.split("\n").find((l) => l.trimStart().startsWith(flag));
      expect(line, flag).toBeDefined();
      expect(line?.trim().split(/\s{2,}/), flag).toEqual([flag, env, key]);
    }
  });

  it("has an example command line and the exit codes", () => {
    expect(text).toMatch(new RegExp(`Example:\\n  ${COMMAND} --module \\S+ --jid \\S+ \\\\\\n    --secret \\S+ --server xmpp://\\S+ --db \\S+\\n`));
    const exit = text.slice(text.indexOf("Exit status:"));
    for (const code of [0, 1, 2, 3, 130, 143]) expect(exit).toMatch(new RegExp(`\\n  ${code} +\\S`));
    expect(EXIT).toEqual({ ok: 0, unexpected: 1, config: 2, connect: 3 });
  });

  it("keeps lines within 100 columns", () => {
    for (const line of text.split("\n")) expect(line.length, line).toBeLessThanOrEqual(100);
  });
});

describe("packageVersion", () => {
  it("is the version of the package.json above the module file", () => {
    expect(packageVersion()).toBe(pkg.version);
  });
});

describe("describeError", () => {
  const context = { jid: "gw.localhost", server: "xmpp://127.0.0.1:5347" };
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5347"), { code: "ECONNREFUSED" });
  const cases: [string, unknown, number, RegExp][] = [
    ["a configuration error", new GatewayConfigError("jid is missing"), 2, /^jid is missing$/],
    ["a store error", new StoreError("cannot open the database: no such directory", "/x/y.sqlite", "unopenable"), 2, /^check --db: cannot open the database/],
    ["a wrong secret", new ComponentError("not-authorized", { text: "Given token does not match" }), 3, /^check --secret: the server at xmpp:\/\/127\.0\.0\.1:5347 refused the component secret for gw\.localhost/],
    ["an unknown domain", new ComponentError("host-unknown", { text: "no such component" }), 3, /^check --jid and --server: .* has no component gw\.localhost/],
    ["a domain already connected", new ComponentError("conflict", { text: "Component already connected" }), 3, /^check --jid: another component is already connected/],
    ["a timeout", new ComponentError("timeout", { text: "no successful handshake within 10000 ms" }), 3, /^check --server: .* did not complete the component handshake in time/],
    ["nothing listening", new ComponentError("connection-failed", { text: refused.message, cause: refused }), 3, /^check --server: nothing is listening at xmpp:\/\/127\.0\.0\.1:5347 \(ECONNREFUSED\)/],
    [
      "nothing listening on any address (happy eyeballs)",
      new ComponentError("connection-failed", { cause: new AggregateError([refused, refused], "") }),
      3,
      /nothing is listening .*ECONNREFUSED/,
    ],
    [
      "an unknown host",
      new ComponentError("connection-failed", { cause: Object.assign(new Error("getaddrinfo ENOTFOUND nope.invalid"), { code: "ENOTFOUND" }) }),
      3,
      /^check --server: cannot resolve the host of .* \(ENOTFOUND\)$/,
    ],
    [
      "an unreachable host",
      new ComponentError("connection-failed", { text: "connect EHOSTUNREACH", cause: Object.assign(new Error("connect EHOSTUNREACH"), { code: "EHOSTUNREACH" }) }),
      3,
      /^check --server: cannot reach /,
    ],
    ["a connection closed before the handshake", new ComponentError("connection-failed", { text: "the server closed the connection" }), 3, /^check --server: .* ended the connection before the component handshake/],
    ["another stream error", new ComponentError("policy-violation", { text: "go away" }), 3, /^check --server and --jid: .* refused the component gw\.localhost \(policy-violation: go away\)/],
    ["a bug", new TypeError("x is not a function"), 1, /^unexpected error: TypeError: x is not a function$/],
    ["a thrown string", "boom", 1, /^unexpected error: boom$/],
  ];
  for (const [what, error, code, message] of cases) {
    it(`explains ${what} in one line, exit ${code}`, () => {
      const report = describeError(error, context);
      expect(report.code).toBe(code);
      expect(report.message).toMatch(message);
      expect(report.message).not.toMatch(/\n/);
    });
  }

  it("folds multi-line messages onto one line", () => {
    expect(describeError(new GatewayConfigError("cannot load:\n  line 2\nline 3")).message).toBe("cannot load: line 2 line 3");
  });
});

describe("readConfig / validateConfig", () => {
  it("refuses a server URL that is not one (a port out of range)", async () => {
    await expect(readConfig(["--module", "m.js", "--jid", "gw.example", "--secret", "s", "--server", "xmpp://127.0.0.1:99999"], {})).rejects.toThrow(/must look like xmpp:\/\/host:port/);
  });
});

describe("loadLegacyModule", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir("gw-module-");
    await writeFile(join(dir, "good.mjs"), "export class Gateway {}\nexport class Session {}\nexport class MUC {}\n");
    await writeFile(join(dir, "default.mjs"), "class Gateway {}\nclass Session {}\nexport default { Gateway, Session };\n");
    await writeFile(join(dir, "empty.mjs"), "export const nothing = 1;\n");
    await writeFile(join(dir, "bad-muc.mjs"), "export class Gateway {}\nexport class Session {}\nexport const MUC = 3;\n");
    await writeFile(join(dir, "throws.mjs"), "throw new Error('the network is down');\n");
    await writeFile(join(dir, "module.ts"), "export class Gateway {}\nexport class Session {}\n");
  });

  it("loads named exports, or the keys of the default export", async () => {
    const named = await loadLegacyModule(join(dir, "good.mjs"));
    expect(Object.keys(named).sort()).toEqual(["Gateway", "MUC", "Session"]);
    const viaDefault = await loadLegacyModule("default.mjs", { cwd: dir });
    expect(typeof viaDefault.Gateway).toBe("function");
    expect(typeof viaDefault.Session).toBe("function");
  });

  it("says which file is missing, is not a file, or cannot be loaded", async () => {
    await expect(loadLegacyModule("nope.js", { cwd: dir })).rejects.toThrow(new RegExp(`^check --module: the module file nope\\.js \\(${dir}/nope\\.js\\) does not exist$`));
    await expect(loadLegacyModule(dir)).rejects.toThrow(/^check --module: .* is not a file$/);
    await expect(loadLegacyModule(join(dir, "throws.mjs"))).rejects.toThrow(/^check --module: cannot load the module .*throws\.mjs: the network is down$/);
    await expect(loadLegacyModule(join(dir, "throws.mjs"))).rejects.toBeInstanceOf(GatewayConfigError);
  });

  it("names the missing exports and what the module exports", async () => {
    await expect(loadLegacyModule(join(dir, "empty.mjs"))).rejects.toThrow(/must export the classes Gateway and Session .*; Gateway, Session are missing or not a class \(it exports: nothing\)$/);
    await expect(loadLegacyModule(join(dir, "bad-muc.mjs"))).rejects.toThrow(/; MUC is missing or not a class \(it exports: Gateway, MUC, Session\)$/);
  });

  it("asks for tsx when a TypeScript module finds none", async () => {
    const err: unknown = await loadLegacyModule(join(dir, "module.ts"), { tsxFrom: [join(dir, "module.ts")] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayConfigError);
    expect((err as Error).message).toMatch(/is TypeScript and needs tsx, which is not installed: run npm install tsx/);
  });
});

describe("loadLegacyModule in a process without a TypeScript loader", () => {
  let bundle: string;
  let realTsx: string;

  beforeAll(async () => {
    // The loader as plain JavaScript (inside the repository, so that its own
    // tsx and packages resolve), so that the child needs no loader at all.
    const out = await tempDir("cli-module-", resolve("test-output"));
    bundle = join(out, "cli-module.mjs");
    await esbuild.build({ entryPoints: ["src/gateway/cli-module.ts"], bundle: true, platform: "node", format: "esm", packages: "external", outfile: bundle, logLevel: "silent" });
    realTsx = pathToFileURL(resolve("node_modules/tsx/dist/esm/api/index.mjs")).href;
  });

  /** Runs `node` without flags (nor NODE_OPTIONS): checks that a .ts import fails there, then loads the modules. */
  function child(modules: readonly string[], probe: string): Promise<{ noLoader: boolean; execArgv: string[]; userTsx: unknown; loaded: { keys: string[]; value: unknown }[] }> {
    const script = `
      let noLoader = false;
      try { await import(${JSON.stringify(pathToFileURL(probe).href)}); } catch (e) { noLoader = e.code === "ERR_UNKNOWN_FILE_EXTENSION"; }
      const { loadLegacyModule } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
      const loaded = [];
      for (const path of ${JSON.stringify(modules)}) {
        const m = await loadLegacyModule(path);
        loaded.push({ keys: Object.keys(m).sort(), value: m.Gateway.value ?? null });
      }
      console.log(JSON.stringify({ noLoader, execArgv: process.execArgv, userTsx: globalThis.userTsx ?? null, loaded }));
    `;
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    return new Promise((resolvePromise, reject) => {
      execFile(process.execPath, ["--input-type=module", "-e", script], { env, cwd: tmpdir(), timeout: 20_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolvePromise(JSON.parse(stdout) as never);
      });
    });
  }

  it("registers the project's own tsx for a .ts module (TypeScript syntax, a .js import of a .ts file, top-level await)", async () => {
    const project = await tempDir("gw-project-");
    await writeFile(join(project, "package.json"), JSON.stringify({ type: "module" }));
    // The project's "own" tsx: records that it was used, and hands over to the real one.
    const fake = join(project, "node_modules", "tsx");
    await mkdir(fake, { recursive: true });
    await writeFile(
      join(fake, "package.json"),
      JSON.stringify({ name: "tsx", type: "module", exports: { "./package.json": "./package.json", "./esm/api": { import: { default: "./esm-api.mjs" } }, "./cjs/api": { import: "./cjs-api.mjs" } } }),
    );
    await writeFile(join(fake, "esm-api.mjs"), `globalThis.userTsx = "esm";\nexport { register } from ${JSON.stringify(realTsx)};\n`);
    await writeFile(join(fake, "cjs-api.mjs"), `export { register } from ${JSON.stringify(realTsx.replace("/esm/api/", "/cjs/api/"))};\n`);
    await writeFile(join(project, "helper.ts"), "export const answer: number = await Promise.resolve(42);\n");
    await writeFile(
      join(project, "gateway.ts"),
      [
        'import { answer } from "./helper.js";',
        "interface Named { readonly name: string }",
        "const named: Named = { name: 'typed' };",
        "export class Gateway { static value: string = `${named.name} ${answer}`; }",
        "export class Session { private readonly x!: number; }",
        "export enum Unused { A }",
        "",
      ].join("\n"),
    );
    await writeFile(join(project, "probe.ts"), "export const probe: number = 1;\n");
    const result = await child([join(project, "gateway.ts")], join(project, "probe.ts"));
    expect(result.noLoader).toBe(true);
    expect(result.execArgv.filter((a) => /tsx|--import|--loader|--require|^-r$/.test(a))).toEqual([]);
    expect(result.userTsx).toBe("esm");
    expect(result.loaded).toEqual([{ keys: ["Gateway", "Session"], value: "typed 42" }]);
  });

  it("falls back to this package's tsx; .mts and .cts modules load too", async () => {
    const loose = await tempDir("gw-loose-");
    await writeFile(join(loose, "gateway.mts"), "export class Gateway { static value: string = 'mts'; }\nexport class Session {}\n");
    await writeFile(join(loose, "gateway.cts"), "export class Gateway { static value: string = 'cts'; }\nexport class Session {}\n");
    await writeFile(join(loose, "probe.ts"), "export const probe: number = 1;\n");
    const result = await child([join(loose, "gateway.mts"), join(loose, "gateway.cts")], join(loose, "probe.ts"));
    expect(result.noLoader).toBe(true);
    expect(result.userTsx).toBe(null);
    expect(result.loaded).toEqual([
      { keys: ["Gateway", "Session"], value: "mts" },
      { keys: ["Gateway", "Session"], value: "cts" },
    ]);
  });
});

describe("runGateway after a failed start", () => {
  const module: LegacyModule = { Gateway: BaseGateway, Session: BaseSession };
  const quiet = { debug() {}, warn() {} };
  let closedPort: number;
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir("gw-db-");
    closedPort = await new Promise<number>((res) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => res(typeof address === "object" && address ? address.port : 0));
      });
    });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
  });

  const config = (db: string) => ({ jid: "gw.localhost", secret: "s", server: `xmpp://127.0.0.1:${closedPort}`, db, logger: quiet });
  const leftovers = (db: string) => ["", "-wal", "-shm", "-journal"].filter((s) => existsSync(db + s));

  it("deletes the database file it created (and its -wal/-shm/-journal)", async () => {
    const db = join(dir, "new.sqlite");
    const err: unknown = await runGateway(module, config(db)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ComponentError);
    expect((err as ComponentError).condition).toBe("connection-failed");
    expect(leftovers(db)).toEqual([]);
  });

  it("never deletes a database that existed before", async () => {
    const db = join(dir, "old.sqlite");
    openSqliteStore(db).close();
    await expect(runGateway(module, config(db))).rejects.toBeInstanceOf(ComponentError);
    expect(existsSync(db)).toBe(true);
    const store = openSqliteStore(db);
    expect(store.users.list()).toEqual([]);
    store.close();
  });

  it("also cleans up when the gateway's constructor throws", async () => {
    const db = join(dir, "ctor.sqlite");
    const Broken = class extends BaseGateway {
      constructor(...args: ConstructorParameters<typeof BaseGateway>) {
        super(...args);
        throw new Error("broken module");
      }
    };
    await expect(runGateway({ ...module, Gateway: Broken }, config(db))).rejects.toThrow("broken module");
    expect(leftovers(db)).toEqual([]);
  });

  it("stops at once when aborted, rejecting with the signal's reason, and cleans up", async () => {
    const db = join(dir, "aborted.sqlite");
    // A server that accepts and never answers: the start would wait for the timeout.
    const silent = createServer(() => {});
    await new Promise<void>((res) => silent.listen(0, "127.0.0.1", res));
    const address = silent.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const controller = new AbortController();
      const started = Date.now();
      const run = runGateway(module, { ...config(db), server: `xmpp://127.0.0.1:${port}` }, { signal: controller.signal });
      setTimeout(() => controller.abort(new Error("stopped by SIGINT")), 200);
      await expect(run).rejects.toThrow("stopped by SIGINT");
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(leftovers(db)).toEqual([]);
      const already = new AbortController();
      already.abort(new Error("too late"));
      await expect(runGateway(module, config(db), { signal: already.signal })).rejects.toThrow("too late");
      expect(leftovers(db)).toEqual([]);
    } finally {
      silent.close();
    }
  });

  it("turns a JID the connection refuses into a GatewayConfigError, before touching the disk", async () => {
    const db = join(dir, "jid.sqlite");
    await expect(runGateway(module, { ...config(db), jid: `${"a".repeat(1100)}.example` })).rejects.toBeInstanceOf(GatewayConfigError);
    expect(leftovers(db)).toEqual([]);
  });
});
