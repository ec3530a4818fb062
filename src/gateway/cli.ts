#!/usr/bin/env node
/**
 * The `xmpp-muc-gateway` command: runs a legacy module as an XMPP component.
 *
 * ```sh
 * xmpp-muc-gateway --module path/to/module.ts --jid gateway.example --secret … --server xmpp://127.0.0.1:5347 --db ./gateway.sqlite
 * ```
 *
 * `xmpp-muc-gateway --help` lists every flag with its environment variable
 * and config-file key. The module file (`.js`, `.mjs`, or `.ts`, `.mts`,
 * `.cts` through tsx, registered in-process) exports `Gateway`, `Session`,
 * and optionally `Bookmarks`, `MUC`, `Participant` (or a default export with
 * those keys).
 *
 * Errors are reported in one line on stderr that says what to fix
 * (`--verbose` or `GATEWAY_DEBUG=1` adds the stack trace). Exit codes:
 *
 * - 0: stopped cleanly by SIGINT or SIGTERM (sessions logged out, component
 *   and store closed), also when the signal comes during the start; `--help`,
 *   `--version`.
 * - 1: unexpected error (its stack trace is printed).
 * - 2: configuration error: flags, environment, config file, module file,
 *   database.
 * - 3: could not connect, or the server refused the component (nothing
 *   listening, unknown or unreachable host, wrong secret, unknown domain,
 *   domain already connected), or it refused a reconnection later.
 * - 130 / 143: a second SIGINT / SIGTERM while a stop is under way: exit at
 *   once, without waiting for the stop.
 *
 * A database file created by a start that fails is deleted again.
 *
 * @module
 */
import { constants } from "node:os";
import type { Logger } from "../common/logger.js";
import { COMMAND, EXIT, debugFromEnv, describeError, packageVersion, parseCliArgs, stackOf, usage, type ErrorContext } from "./cli-help.js";
import { loadLegacyModule } from "./cli-module.js";
import type { ComponentError } from "./component-errors.js";
import { GatewayConfigError, readConfig, runGateway, type GatewayCliConfig, type RunningGateway } from "./run.js";

/** How long a stop may run before the command says that a second signal exits at once. */
const SLOW_STOP_HINT_MS = 2_000;

const args = parseCliArgs(process.argv.slice(2));
const verbose = args.verbose || debugFromEnv(process.env);

/** Named in error messages once the configuration is read. */
let context: ErrorContext = {};
let running: RunningGateway | undefined;
let stopping: Promise<void> | undefined;
const abort = new AbortController();

/**
 * Warnings logged while the gateway starts wait here: a start that fails is
 * explained by its one-line error (the connection's own warning about it
 * would repeat it); one that succeeds prints them after "connected".
 * `--verbose` prints everything at once.
 */
let startupWarnings: (readonly [string, readonly unknown[]])[] | undefined = [];

const logger: Logger = {
  debug(message, ...details) {
    if (verbose) console.error(`debug: ${message}`, ...details);
  },
  warn(message, ...details) {
    if (startupWarnings && !verbose) startupWarnings.push([message, details]);
    else printWarning(message, details);
  },
};

function printWarning(message: string, details: readonly unknown[]): void {
  console.warn(`warning: ${message}`, ...details.map((d) => (verbose || !(d instanceof Error) ? d : `${d.name}: ${d.message}`)));
}

function flushWarnings(): void {
  const pending = startupWarnings ?? [];
  startupWarnings = undefined;
  for (const [message, details] of pending) printWarning(message, details);
}

/** Prints one line (and, with `--verbose` or for a bug, the stack) and exits. */
function fail(error: unknown): never {
  const { code, message } = describeError(error, context);
  console.error(`${COMMAND}: ${message}`);
  if (verbose || code === EXIT.unexpected) console.error(stackOf(error));
  process.exit(code);
}

/** Stops the running gateway, then exits with 0 (or reports a failing stop). */
function stopAndExit(): void {
  const gateway = running;
  if (!gateway || stopping) return;
  const hint = setTimeout(() => {
    console.error(`${COMMAND}: stopping… (send SIGINT or SIGTERM again to exit at once)`);
  }, SLOW_STOP_HINT_MS);
  hint.unref();
  stopping = gateway.stop().then(
    () => {
      console.log(`gateway ${context.jid ?? ""} stopped`);
      process.exit(EXIT.ok);
    },
    (e: unknown) => fail(e),
  );
}

function onSignal(signal: NodeJS.Signals): void {
  if (abort.signal.aborted) {
    // The second signal: the user does not want to wait for the stop.
    console.error(`${COMMAND}: ${signal} again: exiting without waiting for the stop`);
    process.exit(128 + (constants.signals[signal] ?? 0));
  }
  abort.abort(new Error(`stopped by ${signal}`));
  // While starting, runGateway sees the abort and the start ends (cleanly) first.
  stopAndExit();
}

async function main(): Promise<void> {
  if (args.help) {
    process.stdout.write(usage());
    process.exit(EXIT.ok);
  }
  if (args.version) {
    process.stdout.write(`${packageVersion()}\n`);
    process.exit(EXIT.ok);
  }
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let config: GatewayCliConfig;
  try {
    config = await readConfig(args.rest, process.env);
  } catch (e) {
    if (e instanceof GatewayConfigError) throw new GatewayConfigError(`${e.message}; see ${COMMAND} --help`, { cause: e });
    throw e;
  }
  context = { jid: config.jid, server: config.server };
  const module = await loadLegacyModule(config.module);
  try {
    running = await runGateway(module, { ...config, logger }, { signal: abort.signal });
  } catch (e) {
    if (abort.signal.aborted) {
      // Stopped by a signal during the start: runGateway has cleaned up.
      flushWarnings();
      process.exit(EXIT.ok);
    }
    throw e;
  }
  console.log(`gateway ${config.jid} connected to ${config.server}`);
  flushWarnings();
  if (abort.signal.aborted) {
    stopAndExit();
    return;
  }
  running.component.on("error", (error: ComponentError) => {
    // The connection was lost and the server refused it back (a changed
    // secret, a removed component): nothing will reconnect.
    const { message } = describeError(error, context);
    console.error(`${COMMAND}: the connection is lost for good: ${message}`);
    if (verbose) console.error(stackOf(error));
    const gateway = running;
    running = undefined;
    void gateway?.stop().finally(() => process.exit(EXIT.connect));
  });
}

main().catch((e: unknown) => fail(e));
