/**
 * The `xmpp-muc-gateway` command's words: its usage text, version, exit
 * codes, the flags it handles itself (`--help`, `--version`, `--verbose`),
 * and the one-line explanation of each error that stops it.
 *
 * Kept apart from `cli.ts`, which runs on import, so that it can be tested.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ComponentError } from "./component-errors.js";
import { GatewayConfigError } from "./run.js";
import { StoreError } from "./store/sqlite.js";

/** The command's name, as installed by the package's `bin`. */
export const COMMAND = "xmpp-muc-gateway";

/**
 * The command's exit codes.
 *
 * - `ok` (0): stopped cleanly, by SIGINT or SIGTERM (also during the start).
 * - `unexpected` (1): an error the command does not know (a bug in the
 *   gateway or in the module): its stack is printed.
 * - `config` (2): a configuration error: flags, environment, config file,
 *   module file, database file.
 * - `connect` (3): the server could not be reached or refused the component
 *   (wrong port, secret or domain, unknown or unreachable host), or the
 *   connection was lost for good later (the server refused it on reconnection).
 *
 * A second SIGINT or SIGTERM during a slow stop exits at once with
 * 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM.
 */
export const EXIT = { ok: 0, unexpected: 1, config: 2, connect: 3 } as const;

/** One of the {@link EXIT} codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The flags the command handles itself, and the rest of the arguments (for `readConfig`). */
export interface CliArgs {
  /** `-h` / `--help`. */
  readonly help: boolean;
  /** `-V` / `--version`. */
  readonly version: boolean;
  /** `-v` / `--verbose`. */
  readonly verbose: boolean;
  /** Every other argument, in order. */
  readonly rest: readonly string[];
}

/** Flags of `readConfig` that take the next argument as their value. */
const VALUE_FLAGS: ReadonlySet<string> = new Set(["--module", "--jid", "--secret", "--server", "--db", "--config"]);

/**
 * Picks `--help`, `--version` and `--verbose` (and `-h`, `-V`, `-v`) out of
 * the arguments. The value of a flag such as `--secret` is never taken for one
 * of them, even when it reads `-v`.
 *
 * @param argv - the arguments after the command name.
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let help = false;
  let version = false;
  let verbose = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "-h" || arg === "--help") help = true;
    else if (arg === "-V" || arg === "--version") version = true;
    else if (arg === "-v" || arg === "--verbose") verbose = true;
    else {
      rest.push(arg);
      const value = argv[i + 1];
      if (VALUE_FLAGS.has(arg) && value !== undefined) {
        rest.push(value);
        i++;
      }
    }
  }
  return { help, version, verbose, rest };
}

/**
 * Whether the environment asks for verbose output: `GATEWAY_DEBUG` set to
 * anything but `""`, `0`, `false` or `no`.
 *
 * @param env - the environment.
 */
export function debugFromEnv(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env.GATEWAY_DEBUG?.trim().toLowerCase();
  return value !== undefined && value !== "" && value !== "0" && value !== "false" && value !== "no";
}

/** The text of `xmpp-muc-gateway --help`. */
export function usage(): string {
  return `Usage: ${COMMAND} --module FILE --jid DOMAIN --secret SECRET
           --server xmpp://HOST:PORT [--db FILE] [--verbose]
       ${COMMAND} --config FILE [flags]
       ${COMMAND} --help | --version

Serves another chat network as XMPP group chats: loads a gateway module and
connects it to an XMPP server as an external component (XEP-0114), until it
receives SIGINT or SIGTERM.

Options (a flag wins over its environment variable, which wins over the key
of the config file; every value flag also accepts --flag=VALUE):

  flag               environment       config key
  --module FILE      GATEWAY_MODULE    module
      The gateway module: a .js or .mjs file, or a .ts, .mts or .cts file
      (loaded with tsx, from the module's project or from this package),
      exporting the classes Gateway and Session, and optionally Bookmarks,
      MUC and Participant (or a default export with those keys).
  --jid DOMAIN       GATEWAY_JID       jid
      The component's domain, e.g. gateway.example.org: the name of a
      Component section in the server's configuration.
  --secret SECRET    GATEWAY_SECRET    secret
      The component secret the server has for that domain.
  --server URL       GATEWAY_SERVER    server
      The server's component port, xmpp://HOST:PORT (Prosody: 5347; not the
      client port 5222).
  --db FILE          GATEWAY_DB        db
      The SQLite database (registered users, rooms, archive).
      Default: ./gateway.sqlite. A new file is deleted again if the start fails.
  --config FILE      GATEWAY_CONFIG    -
      A JSON file with any of the keys above, e.g.
      {"module": "./gateway.js", "jid": "gateway.example.org", "secret": "s3cret",
       "server": "xmpp://127.0.0.1:5347", "db": "/var/lib/gateway/gateway.sqlite"}
  -v, --verbose      GATEWAY_DEBUG=1   -
      Debug logging, and the stack trace of an error.
  -h, --help         -                 -
      Print this help and exit.
  -V, --version      -                 -
      Print the version and exit.

Example:
  ${COMMAND} --module ./my-gateway.ts --jid gateway.example.org \\
    --secret s3cret --server xmpp://127.0.0.1:5347 --db ./gateway.sqlite

Exit status:
  0    stopped by SIGINT or SIGTERM (sessions logged out, connection and
       database closed); also --help and --version
  1    unexpected error (its stack trace is printed)
  2    configuration error: flags, environment, config file, module, database
  3    could not connect, or the server refused the component: nothing listening
       at --server, unknown or unreachable host, wrong --secret, --jid not
       configured on the server, another gateway already connected; also when
       the server refuses a reconnection later
  130  a second SIGINT during a slow stop: exit at once
  143  a second SIGTERM during a slow stop: exit at once
`;
}

/**
 * The version of the package this file belongs to, read from its
 * `package.json` (found by walking up from this file, so both `src/` and
 * `dist/` work).
 *
 * @returns the version, or `"unknown"` when no `package.json` of
 *   `xmpp-muc-sdk` is found.
 */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      if (isRecord(parsed) && parsed.name === "xmpp-muc-sdk" && typeof parsed.version === "string") return parsed.version;
    } catch {
      // No package.json here (or an unreadable one): look further up.
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return "unknown";
}

/** What the command says about an error, and the code it exits with. */
export interface ErrorReport {
  /** One line, without the command's name. */
  readonly message: string;
  /** The exit code. */
  readonly code: ExitCode;
}

/** What the error messages may name. */
export interface ErrorContext {
  /** The component's domain (`--jid`). */
  readonly jid?: string;
  /** The server's address (`--server`). */
  readonly server?: string;
}

/** System error codes of a failed name resolution. */
const DNS_CODES: ReadonlySet<string> = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "EAI_NODATA"]);
/** System error codes of a host that cannot be reached. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(["ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN", "ECONNRESET", "EPIPE"]);

/**
 * Explains an error that stopped the command, in one line that says what to
 * fix, and picks its exit code (see {@link EXIT}).
 *
 * @param error - what `readConfig`, the module loader or `runGateway` threw
 *   (or a component's fatal `error` event).
 * @param context - the JID and server, named in the messages.
 */
export function describeError(error: unknown, context: ErrorContext = {}): ErrorReport {
  if (error instanceof GatewayConfigError) return { code: EXIT.config, message: oneLine(error.message) };
  if (error instanceof StoreError) return { code: EXIT.config, message: oneLine(`check --db: ${error.message}`) };
  if (error instanceof ComponentError) return describeComponentError(error, context);
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { code: EXIT.unexpected, message: oneLine(`unexpected error: ${text}`) };
}

function describeComponentError(error: ComponentError, context: ErrorContext): ErrorReport {
  const jid = context.jid ?? "the component";
  const server = context.server ?? "the server";
  const detail = error.message;
  const connect = (message: string): ErrorReport => ({ code: EXIT.connect, message: oneLine(message) });
  switch (error.condition) {
    case "not-authorized":
      return connect(`check --secret: the server at ${server} refused the component secret for ${jid} (${detail})`);
    case "host-unknown":
      return connect(
        `check --jid and --server: the server at ${server} has no component ${jid} (${detail}); --jid must name a Component of the server's configuration, and --server must be its component port (often 5347), not the client port`,
      );
    case "conflict":
      return connect(`check --jid: another component is already connected to ${server} as ${jid} (${detail}); stop it first`);
    case "timeout":
      return connect(`check --server: ${server} did not complete the component handshake in time (${detail}); is the host reachable, and is this its component port?`);
    case "connection-failed": {
      const code = errorCode(error.cause);
      if (code === "ECONNREFUSED") {
        return connect(`check --server: nothing is listening at ${server} (${code}); is the XMPP server running, and is this its component port?`);
      }
      if (code !== undefined && DNS_CODES.has(code)) {
        return connect(`check --server: cannot resolve the host of ${server} (${code})`);
      }
      if (code !== undefined && UNREACHABLE_CODES.has(code)) {
        return connect(`check --server: cannot reach ${server} (${detail})`);
      }
      return connect(`check --server: ${server} ended the connection before the component handshake (${detail}); is this the server's component port?`);
    }
    case "stopped":
    case "queue-full":
      return { code: EXIT.unexpected, message: oneLine(`unexpected error: ${error.name}: ${detail}`) };
    default:
      return connect(`check --server and --jid: the server at ${server} refused the component ${jid} (${detail})`);
  }
}

/** The system error code (`ECONNREFUSED`, …) of an error, its cause, or the errors it aggregates. */
function errorCode(error: unknown, depth = 0): string | undefined {
  if (!isRecord(error) || depth > 4) return undefined;
  if (typeof error.code === "string" && /^E[A-Z_]+$/.test(error.code)) return error.code;
  if (Array.isArray(error.errors)) {
    for (const inner of error.errors) {
      const code = errorCode(inner, depth + 1);
      if (code !== undefined) return code;
    }
  }
  return errorCode(error.cause, depth + 1);
}

/** Folds a message onto one line. */
export function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

/**
 * The stack of an error and of its causes, for `--verbose`.
 *
 * @param error - any thrown value.
 */
export function stackOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined; depth++) {
    parts.push(depth === 0 ? describeValue(current) : `caused by: ${describeValue(current)}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join("\n");
}

function describeValue(value: unknown): string {
  return value instanceof Error ? (value.stack ?? `${value.name}: ${value.message}`) : String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null;
}
