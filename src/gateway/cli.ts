#!/usr/bin/env node
/**
 * `xmpp-muc-gateway --module path/to/module.js --jid gateway.example --secret … --server xmpp://127.0.0.1:5347 --db ./gateway.sqlite`
 *
 * The module file exports `Gateway`, `Session`, and optionally `Bookmarks`,
 * `MUC`, `Participant` (or a default export with those keys).
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import type { LegacyModule } from "./gateway.js";
import { GatewayConfigError, readConfig, runGateway } from "./run.js";

async function main(): Promise<void> {
  const config = await readConfig(process.argv.slice(2), process.env);
  let imported: Record<string, unknown>;
  try {
    imported = (await import(pathToFileURL(resolve(config.module)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new GatewayConfigError(`cannot load the module ${config.module}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const source = (typeof imported.default === "object" && imported.default !== null ? imported.default : imported) as Record<string, unknown>;
  if (typeof source.Gateway !== "function" || typeof source.Session !== "function") {
    throw new GatewayConfigError(`the module ${config.module} must export Gateway and Session classes`);
  }
  const running = await runGateway(source as unknown as LegacyModule, config);
  console.log(`gateway ${config.jid} connected to ${config.server}`);
  const stop = (): void => {
    running.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof GatewayConfigError ? `xmpp-muc-gateway: ${e.message}` : e);
  process.exit(2);
});
