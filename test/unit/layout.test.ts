/**
 * The dependency direction of `src/` (the README's Layout): `xso/` imports
 * only `@xmpp/xml`, `@xmpp/jid` and itself (no I/O, no state); `common/`
 * only `xso/` and itself; `client/` and `gateway/` import `xso/` and
 * `common/`, never each other; nothing imports `test/` or `examples/`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

/** Every .ts file under a directory. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith(".ts") ? [path] : [];
  });
}

/** The specifiers a file imports or re-exports (static and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;=(]*?\sfrom\s*["']([^"']+)["']/g)) found.push(m[1] as string);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*["']([^"']+)["']/g)) found.push(m[1] as string);
  for (const m of text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) found.push(m[1] as string);
  return found;
}

/** The top folder of `src/` a file or a resolved import lies in (`xso`, `client`, …; `.` for src/ itself), or `outside`. */
function area(path: string): string {
  const rel = relative(SRC, path);
  if (rel.startsWith("..")) return "outside";
  const parts = rel.split(sep);
  return parts.length === 1 ? "." : (parts[0] as string);
}

/** What each area may import from `src/`, besides itself. */
const ALLOWED: Record<string, readonly string[]> = {
  xso: [],
  common: ["xso"],
  client: ["xso", "common"],
  gateway: ["xso", "common"],
  testing: ["xso", "common", "client", "gateway"],
  ".": ["xso", "common", "client", "gateway", "testing"],
};

describe("the layout of src/", () => {
  const files = sources(SRC);

  it("finds the source files", () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it("each area imports only the areas it may: client/ and gateway/ never each other; xso/ only @xmpp/xml and @xmpp/jid", () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = area(file);
      for (const spec of importsOf(file)) {
        if (!spec.startsWith(".")) {
          if (from === "xso" && spec !== "@xmpp/xml" && spec !== "@xmpp/jid" && !spec.startsWith("ltx")) wrong.push(`${relative(SRC, file)} imports ${spec}`);
          continue;
        }
        const to = area(resolve(dirname(file), spec));
        if (to === from) continue;
        if (to === "outside" || !(ALLOWED[from] ?? []).includes(to)) wrong.push(`${relative(SRC, file)} imports ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
