/**
 * Running a gateway: `runGateway(module, config)` and the configuration the
 * `xmpp-muc-gateway` command reads from flags, the environment or a file.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import type { Logger } from "../common/logger.js";
import { ComponentConnection } from "./component.js";
import type { BaseGateway, LegacyModule } from "./gateway.js";
import { openSqliteStore } from "./store/sqlite.js";
import type { GatewayStore } from "./store/store.js";

/**
 * How to connect and where to keep data.
 *
 * @category Running a gateway
 */
export interface GatewayConfig {
  /** The component's JID (its domain), e.g. `gateway.localhost`. */
  readonly jid: string;
  /** The component secret shared with the server. */
  readonly secret: string;
  /** The server's component port, e.g. `xmpp://127.0.0.1:5347`. */
  readonly server: string;
  /** The SQLite database file (`:memory:` for a throwaway one). @default "./gateway.sqlite" */
  readonly db?: string;
  /** Diagnostics. @default console for warnings, nothing for debug */
  readonly logger?: Logger;
}

/**
 * A configuration read by the command: the gateway's, plus the legacy module to load.
 *
 * @category Running a gateway
 */
export interface GatewayCliConfig extends GatewayConfig {
  /** The path of the legacy module file. */
  readonly module: string;
}

/**
 * A running gateway.
 *
 * @category Running a gateway
 */
export interface RunningGateway {
  /** The gateway. */
  readonly gateway: BaseGateway;
  /** Its component connection. */
  readonly component: ComponentConnection;
  /** Its store. */
  readonly store: GatewayStore;
  /** Log sessions out, close the connection and the store. */
  stop(): Promise<void>;
}

/**
 * A configuration error: what is missing or wrong, in words a user can act on.
 *
 * @category Errors
 */
export class GatewayConfigError extends Error {
  /** Always `"GatewayConfigError"`. */
  override readonly name = "GatewayConfigError" as const;
}

const defaultLogger: Logger = {
  debug() {},
  warn: (message, ...details) => console.warn(message, ...details),
};

/**
 * Start a gateway: open the store, connect the component, log registered
 * users in.
 *
 * A start that fails (or is aborted) leaves nothing behind: the connection is
 * closed, sessions already logged in are logged out, the store is closed, and
 * a database file this call created is deleted (with its `-wal`, `-shm` and
 * `-journal` files). A database that existed before is never deleted.
 *
 * @param module - the legacy module's classes.
 * @param config - component JID, secret, server, database.
 * @param options - `signal`: aborts a start in progress (the connection
 *   attempt is dropped at once; logins already under way are awaited). The
 *   promise then rejects with the signal's `reason`.
 * @returns the running gateway.
 * @throws {@link GatewayConfigError} for a bad configuration; `StoreError` when
 *   the database cannot be opened; `ComponentError` when the server cannot be
 *   reached or refuses the component.
 * @example
 * ```ts
 * const running = await runGateway({ Gateway, Session, Bookmarks, MUC: Room },
 *   { jid: "gateway.localhost", secret: "s3cret", server: "xmpp://127.0.0.1:5347", db: "./gateway.sqlite" });
 * process.on("SIGINT", () => void running.stop());
 * ```
 *
 * @category Running a gateway
 */
export async function runGateway(
  module: LegacyModule,
  config: GatewayConfig,
  options: { readonly signal?: AbortSignal } = {},
): Promise<RunningGateway> {
  validateConfig(config);
  const { signal } = options;
  signal?.throwIfAborted();
  const logger = config.logger ?? defaultLogger;
  let component: ComponentConnection;
  try {
    component = new ComponentConnection({ jid: config.jid, secret: config.secret, server: config.server, logger });
  } catch (e) {
    throw new GatewayConfigError(`invalid gateway configuration: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const db = config.db ?? "./gateway.sqlite";
  const created = isDatabaseFile(db) && !existsSync(db);
  let store: GatewayStore | undefined;
  let gateway: BaseGateway | undefined;
  let connected = false;
  const abort = (): void => void component.stop();
  signal?.addEventListener("abort", abort, { once: true });
  try {
    store = openSqliteStore(db);
    // Made before the component starts: it hears what the server says right after the handshake.
    gateway = new module.Gateway({ component, store, module, logger });
    await component.start();
    connected = true;
    signal?.throwIfAborted();
    await gateway.start();
    signal?.throwIfAborted();
  } catch (e) {
    if (connected) await gateway?.stop().catch(() => {});
    await component.stop().catch(() => {});
    try {
      store?.close();
    } catch {
      // Closing is best effort here: the start's own error is the one to report.
    }
    if (created) await removeDatabase(db);
    throw signal?.aborted ? (signal.reason as unknown) : e;
  } finally {
    signal?.removeEventListener("abort", abort);
  }
  const running = gateway;
  const openStore = store;
  let stopped: Promise<void> | undefined;
  return {
    gateway: running,
    component,
    store: openStore,
    stop() {
      stopped ??= (async () => {
        try {
          await running.stop();
        } finally {
          try {
            await component.stop();
          } finally {
            openStore.close();
          }
        }
      })();
      return stopped;
    },
  };
}

/** Whether `db` names a file on disk (not `:memory:`, nor `""`, SQLite's private temporary database). */
function isDatabaseFile(db: string): boolean {
  return db !== "" && db !== ":memory:" && !db.startsWith("file:");
}

/** Deletes a database file and the files SQLite keeps beside it. */
async function removeDatabase(db: string): Promise<void> {
  await Promise.all(["", "-wal", "-shm", "-journal"].map((suffix) => rm(db + suffix, { force: true }).catch(() => {})));
}

/**
 * Check a configuration; throws {@link GatewayConfigError} naming what is wrong.
 *
 * @category Running a gateway
 */
export function validateConfig(config: Partial<GatewayConfig>): asserts config is GatewayConfig {
  const problems: string[] = [];
  if (!config.jid) problems.push("jid is missing (the component's domain, e.g. gateway.localhost)");
  else if (/[@/\s]/.test(config.jid)) problems.push(`jid ${JSON.stringify(config.jid)} must be a bare domain, without @ or /`);
  if (!config.secret) problems.push("secret is missing (the component secret configured on the server)");
  if (!config.server) problems.push("server is missing (e.g. xmpp://127.0.0.1:5347)");
  else if (!/^xmpp:\/\/[^/\s]+$/.test(config.server) || !URL.canParse(config.server)) problems.push(`server ${JSON.stringify(config.server)} must look like xmpp://host:port`);
  if (problems.length) throw new GatewayConfigError(`invalid gateway configuration: ${problems.join("; ")}`);
}

/**
 * Read a configuration from command-line flags (`--jid`, `--secret`,
 * `--server`, `--db`, `--config FILE`, `--module PATH`), the environment
 * (`GATEWAY_JID`, `GATEWAY_SECRET`, `GATEWAY_SERVER`, `GATEWAY_DB`,
 * `GATEWAY_MODULE`) and a JSON config file, in that order of precedence.
 *
 * @param argv - the arguments after the command name.
 * @param env - the environment.
 * @returns the configuration and the module path.
 * @throws {@link GatewayConfigError} for unknown flags, a missing value, an unreadable or invalid file.
 *
 * @category Running a gateway
 */
export async function readConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<GatewayCliConfig> {
  const flags: Record<string, string> = {};
  const known = new Set(["jid", "secret", "server", "db", "config", "module"]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    if (!m || !known.has(m[1] as string)) throw new GatewayConfigError(`unknown argument ${JSON.stringify(arg)}; expected --module, --jid, --secret, --server, --db or --config`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new GatewayConfigError(`--${m[1]} needs a value`);
    flags[m[1] as string] = value;
  }
  let file: Record<string, unknown> = {};
  const configPath = flags.config ?? env.GATEWAY_CONFIG;
  if (configPath) {
    let text: string;
    try {
      text = await readFile(configPath, "utf8");
    } catch (e) {
      throw new GatewayConfigError(`cannot read the config file ${configPath}: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a JSON object");
      file = parsed as Record<string, unknown>;
    } catch (e) {
      throw new GatewayConfigError(`the config file ${configPath} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const pick = (key: string, envKey: string): string | undefined => {
    const fromFile = file[key];
    return flags[key] ?? env[envKey] ?? (typeof fromFile === "string" ? fromFile : undefined);
  };
  const module = pick("module", "GATEWAY_MODULE");
  if (!module) throw new GatewayConfigError("--module is missing: the path of the legacy module (a file exporting Gateway, Session, MUC …)");
  const db = pick("db", "GATEWAY_DB");
  const config = {
    jid: pick("jid", "GATEWAY_JID") ?? "",
    secret: pick("secret", "GATEWAY_SECRET") ?? "",
    server: pick("server", "GATEWAY_SERVER") ?? "",
    ...(db !== undefined ? { db } : {}),
    module,
  };
  validateConfig(config);
  return config;
}
