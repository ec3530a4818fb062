#!/usr/bin/env node
/**
 * `npm run prepare`: builds `dist/` (ESM + `.d.ts`) from `src/`. npm runs it
 * on `npm install` in a checkout, before `npm pack` and `npm publish`, and
 * when the package is installed from a git URL or a local directory.
 *
 * Plain JavaScript on purpose: it must run before anything is built or
 * installed. When the package is installed from a local directory, npm runs
 * this script in that directory without installing its devDependencies;
 * then it installs the few the build needs (TypeScript and the type
 * packages `tsconfig.build.json` names) there first, without saving them.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
/** What `tsc -p tsconfig.build.json` needs besides the runtime dependencies. */
const BUILD_DEPENDENCIES = ["typescript", "@types/node", "@types/better-sqlite3"];

function resolvable(name) {
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", shell: process.platform === "win32" });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    console.error(`xmpp-muc-sdk: \`${command} ${args.join(" ")}\` failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

const missing = BUILD_DEPENDENCIES.filter((name) => !resolvable(name));
if (missing.length > 0) {
  const { devDependencies = {} } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const specs = missing.map((name) => (devDependencies[name] ? `${name}@${devDependencies[name]}` : name));
  console.log(`xmpp-muc-sdk: installing what the build needs (${specs.join(", ")})`);
  run("npm", ["install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund", ...specs]);
}
run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"]);
