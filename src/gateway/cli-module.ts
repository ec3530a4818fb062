/**
 * Loading the legacy module file of the `xmpp-muc-gateway` command: a
 * JavaScript file, or a TypeScript one (`.ts`, `.mts`, `.cts`) through tsx's
 * loader, registered in-process so that no `node --import tsx` is needed.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { LegacyModule } from "./gateway.js";
import { GatewayConfigError } from "./run.js";

/** Extensions of the module files that need tsx. */
const TYPESCRIPT = /\.(?:ts|mts|cts)$/i;

/** The classes a module file may export, and whether each is required. */
const CLASSES: readonly (readonly [keyof LegacyModule, boolean])[] = [
  ["Gateway", true],
  ["Session", true],
  ["Bookmarks", false],
  ["MUC", false],
  ["Participant", false],
  ["Roster", false],
  ["Contact", false],
];

let tsxRegistered: Promise<void> | undefined;

/**
 * Loads a legacy module file: checks that it exists, registers tsx when it is
 * TypeScript, imports it, and checks its exports.
 *
 * The module exports `Gateway` and `Session` classes and optionally
 * `Bookmarks`, `MUC`, `Participant`, `Roster` and `Contact` — as named exports, or as the keys of
 * its default export (which is also how a CommonJS module's `module.exports`
 * arrives).
 *
 * For a TypeScript file, tsx is looked up first from the module file's own
 * directory (so a project's own tsx is used), then from this package.
 *
 * @param path - the file, absolute or relative to `options.cwd`.
 * @param options - `cwd`: the directory a relative path is resolved from
 *   (default: the process's); `tsxFrom`: the files (paths or `file:` URLs)
 *   from which tsx is looked up, in order (default: the module file, then this
 *   file).
 * @returns the module's classes.
 * @throws {@link GatewayConfigError} when the file is missing, tsx cannot be
 *   found for a TypeScript file, the import fails, or `Gateway` or `Session`
 *   is not exported.
 */
export async function loadLegacyModule(
  path: string,
  options: { readonly cwd?: string; readonly tsxFrom?: readonly string[] } = {},
): Promise<LegacyModule> {
  const file = resolve(options.cwd ?? process.cwd(), path);
  const where = file === path ? path : `${path} (${file})`;
  try {
    if (!(await stat(file)).isFile()) throw new GatewayConfigError(`check --module: ${where} is not a file`);
  } catch (e) {
    if (e instanceof GatewayConfigError) throw e;
    const missing = isRecord(e) && e.code === "ENOENT";
    throw new GatewayConfigError(`check --module: ${missing ? `the module file ${where} does not exist` : `cannot read the module file ${where} (${messageOf(e)})`}`, { cause: e });
  }
  if (TYPESCRIPT.test(file)) {
    tsxRegistered ??= registerTsx(file, options.tsxFrom ?? [file, import.meta.url]);
    try {
      await tsxRegistered;
    } catch (e) {
      tsxRegistered = undefined;
      throw e;
    }
  }
  let imported: unknown;
  try {
    imported = await import(pathToFileURL(file).href);
  } catch (e) {
    throw new GatewayConfigError(`check --module: cannot load the module ${where}: ${messageOf(e)}`, { cause: e });
  }
  const namespace = isRecord(imported) ? imported : {};
  const source = typeof namespace.Gateway === "function" || !isRecord(namespace.default) ? namespace : namespace.default;
  const problems: string[] = [];
  for (const [name, required] of CLASSES) {
    const value = source[name];
    if (value === undefined ? required : typeof value !== "function") problems.push(name);
  }
  if (problems.length > 0) {
    const found = Object.keys(source)
      .filter((k) => k !== "default")
      .sort();
    throw new GatewayConfigError(
      `check --module: the module ${where} must export the classes Gateway and Session (and optionally Bookmarks, MUC, Participant); ${problems.join(", ")} ${problems.length === 1 ? "is" : "are"} missing or not a class (it exports: ${found.length > 0 ? found.join(", ") : "nothing"})`,
    );
  }
  const classes: Partial<Record<keyof LegacyModule, unknown>> = {};
  for (const [name] of CLASSES) if (source[name] !== undefined) classes[name] = source[name];
  return classes as unknown as LegacyModule;
}

/**
 * Registers tsx's ESM and CommonJS loaders in this process, from the first of
 * `candidates` (files) that resolves tsx: the module's project, then this
 * package.
 */
async function registerTsx(moduleFile: string, candidates: readonly string[]): Promise<void> {
  const failures: string[] = [];
  for (const from of candidates) {
    const entries = tsxEntries(from);
    if (!entries) continue;
    try {
      const esm: unknown = await import(entries.esm);
      const cjs: unknown = entries.cjs === undefined ? undefined : await import(entries.cjs);
      if (!isRecord(esm) || typeof esm.register !== "function") {
        failures.push(`${entries.dir} has no tsx/esm/api register()`);
        continue;
      }
      (esm.register as () => unknown)();
      if (isRecord(cjs) && typeof cjs.register === "function") (cjs.register as () => unknown)();
      return;
    } catch (e) {
      failures.push(`${entries.dir}: ${messageOf(e)}`);
    }
  }
  throw new GatewayConfigError(
    `check --module: the module ${moduleFile} is TypeScript and needs tsx, which ${failures.length > 0 ? `could not be loaded (${failures.join("; ")})` : "is not installed"}: run npm install tsx, or compile the module to JavaScript`,
  );
}

/**
 * The file URLs of tsx's `esm/api` and `cjs/api` entries as resolved from
 * `from` (a file path or a `file:` URL), read from tsx's `package.json`
 * `exports` (Node 20 cannot resolve a specifier from another file's point of
 * view for `import`; `require.resolve` would give the CommonJS entries).
 */
function tsxEntries(from: string): { readonly dir: string; readonly esm: string; readonly cjs: string | undefined } | undefined {
  let manifest: string;
  try {
    manifest = createRequire(from).resolve("tsx/package.json");
  } catch {
    return undefined;
  }
  let pkg: unknown;
  try {
    pkg = JSON.parse(readFileSync(manifest, "utf8"));
  } catch {
    return undefined;
  }
  const exportsField = isRecord(pkg) ? pkg.exports : undefined;
  if (!isRecord(exportsField)) return undefined;
  const dir = dirname(manifest);
  const entry = (subpath: string): string | undefined => {
    const target = importTarget(exportsField[subpath]);
    return target === undefined ? undefined : pathToFileURL(join(dir, target)).href;
  };
  const esm = entry("./esm/api");
  return esm === undefined ? undefined : { dir, esm, cjs: entry("./cjs/api") };
}

/** The path an `exports` entry gives to `import` (conditions `import`, `node`, `default`). */
function importTarget(entry: unknown): string | undefined {
  let current = entry;
  for (let depth = 0; depth < 4 && isRecord(current); depth++) current = current.import ?? current.node ?? current.default;
  return typeof current === "string" ? current : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null;
}
