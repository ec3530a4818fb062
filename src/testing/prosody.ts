/**
 * A throwaway Prosody XMPP server for integration tests.
 *
 * {@link startProsody} writes a fresh configuration into a temporary
 * directory, launches `prosody` in the foreground as a child process on free
 * loopback ports, and waits until it accepts connections. The returned
 * {@link ProsodyServer} knows its ports and URLs, can create accounts, and
 * {@link ProsodyServer.stop | stop()} kills the process and deletes every file
 * it wrote.
 *
 * Requires Prosody 0.12 (Debian/Ubuntu: `apt-get install prosody`). Node only.
 *
 * @module
 */

import { execFile, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { killOnExit, forgetOnExit, type LiveServer } from "./exit-cleanup.js";
import { findExecutable, isAlive, isExecutable, logTail, spawnServer, stopProcess, waitUntilListening, type OutputTail } from "./local-server.js";
import { renderProsodyConfig, type ChosenPorts, type ProsodyComponent, type ProsodyExtraConfig, type ProsodyLogLevel } from "./prosody-config.js";
import { choosePorts, type ProsodyPorts } from "./prosody-ports.js";

export type { ProsodyComponent, ProsodyExtraConfig, ProsodyLogLevel, ProsodyPorts };

/**
 * An account to create on the server's virtual host.
 *
 * @category Throwaway Prosody
 */
export interface ProsodyUser {
  /** Local part of the JID (`alice` for `alice@localhost`). */
  readonly username: string;
  /** Password, stored in plain text (the server uses `internal_plain`). */
  readonly password: string;
}

/**
 * Options for {@link startProsody}. Every field is optional.
 *
 * @category Throwaway Prosody
 */
export interface ProsodyOptions {
  /** Virtual host users live on. Default `"localhost"`. */
  readonly domain?: string;
  /** Domain of the MUC service. Default `conference.${domain}`. */
  readonly mucDomain?: string;
  /**
   * External component to accept. Default: domain `gateway.${domain}` with a
   * random secret (read it back from {@link ProsodyServer.component}).
   */
  readonly component?: ProsodyComponent;
  /**
   * Whether new MUC rooms are locked until their owner configures them
   * (XEP-0045 §10.1.2). Default `true`, which is Prosody's default and what
   * production servers do: the creator receives status 110+201 and must submit
   * the owner configuration form (an empty `submit` form makes an instant
   * room) before anyone else can join. Set `false` to let rooms open
   * immediately, e.g. for tests that do not care about room creation.
   */
  readonly roomLocking?: boolean;
  /** Accounts to create once the server is up. Default none. */
  readonly users?: readonly ProsodyUser[];
  /**
   * Additional Prosody modules to enable on the virtual host, e.g. `"bosh"`,
   * `"carbons"`, `"blocklist"`. The harness always enables roster, saslauth,
   * disco, ping, smacks, mam, websocket and register.
   */
  readonly extraModules?: readonly string[];
  /**
   * Extra Lua configuration. A string is appended to the global section; an
   * object places snippets into individual sections.
   */
  readonly extraConfig?: string | ProsodyExtraConfig;
  /** Log verbosity. Default `"info"`; `"debug"` logs every stanza. */
  readonly logLevel?: ProsodyLogLevel;
  /**
   * Fixed ports. By default every port is a free one picked by the OS. A
   * fixed port that is already in use makes {@link startProsody} fail.
   */
  readonly ports?: ProsodyPorts;
  /**
   * The `prosody` executable: a path, or a command name looked up on `PATH`.
   * Default: `prosody` on `PATH`, then `/usr/bin/prosody`,
   * `/usr/local/bin/prosody`.
   */
  readonly prosodyPath?: string;
  /**
   * The `prosodyctl` executable. Default: `prosodyctl` next to the resolved
   * `prosody`, else on `PATH`.
   */
  readonly prosodyctlPath?: string;
  /** Parent directory for the temporary server directory. Default `os.tmpdir()`. */
  readonly tmpDir?: string;
  /** How long to wait for all ports to accept connections. Default 10 000 ms. */
  readonly startTimeoutMs?: number;
  /** How long {@link ProsodyServer.stop} waits after SIGTERM before SIGKILL. Default 3 000 ms. */
  readonly stopTimeoutMs?: number;
  /**
   * Whether a SIGINT, SIGTERM or SIGHUP sent to this process kills the server.
   *
   * Default `true`, for tests: the signal kills the server at once and removes
   * {@link ProsodyServer.dir}; if nothing else listens to the signal, the
   * process then dies of it as it would have anyway.
   *
   * Set `false` in a program that handles these signals itself and calls
   * {@link ProsodyServer.stop} as part of an ordered shutdown, e.g. after its
   * clients and components have said goodbye: the server then keeps running
   * through the signal until `stop()` is called. Nothing is left behind either
   * way: if the process exits without `stop()` (`process.exit()`, an uncaught
   * exception, the event loop running dry), an `exit` handler kills the server
   * and removes its directory; and a signal that the program does not listen
   * to after all, which ends the process, still cleans up first.
   */
  readonly handleSignals?: boolean;
}

/**
 * A running throwaway Prosody, as returned by {@link startProsody}.
 *
 * @category Throwaway Prosody
 */
export interface ProsodyServer {
  /** The virtual host users live on, e.g. `localhost`. */
  readonly domain: string;
  /** Domain of the MUC service, e.g. `conference.localhost`. */
  readonly mucDomain: string;
  /** The external component the server accepts. */
  readonly component: ProsodyComponent;
  /** Loopback port for client connections (plain TCP; PLAIN auth allowed, no STARTTLS). */
  readonly c2sPort: number;
  /** Loopback HTTP port (WebSocket endpoint, and BOSH if enabled). */
  readonly httpPort: number;
  /** Loopback port for external components (XEP-0114). */
  readonly componentPort: number;
  /** `xmpp://127.0.0.1:PORT`, the `service` for an `@xmpp/client` TCP connection. */
  readonly c2sUrl: string;
  /** `ws://127.0.0.1:PORT/xmpp-websocket`, the XMPP-over-WebSocket endpoint (RFC 7395). */
  readonly websocketUrl: string;
  /** `xmpp://127.0.0.1:PORT`, the `service` for an `@xmpp/component` connection. */
  readonly componentUrl: string;
  /** Temporary directory holding config, data, pidfile and log; removed by {@link ProsodyServer.stop}. */
  readonly dir: string;
  /** Path of the generated Prosody configuration file (inside {@link ProsodyServer.dir}). */
  readonly configFile: string;
  /** Path of Prosody's log file (inside {@link ProsodyServer.dir}). */
  readonly logFile: string;
  /** Process id of the Prosody process (a new one after {@link ProsodyServer.restart}). */
  readonly pid: number;
  /** `true` until the Prosody process has exited. */
  readonly running: boolean;
  /**
   * Creates an account (or resets its password) with
   * `prosodyctl --config FILE register`. Works while the server runs.
   *
   * @param username - Local part of the JID.
   * @param password - The account's password.
   * @returns The bare JID of the account, e.g. `alice@localhost`.
   */
  createUser(username: string, password: string): Promise<string>;
  /**
   * Reads the log file written so far (empty once the server is stopped).
   * Prosody's stdout/stderr, if any, is appended after a marker line.
   */
  readLog(): Promise<string>;
  /**
   * Stops the server and starts it again on the same ports, with the same
   * configuration and data (accounts, persistent rooms, archives), and
   * waits until it accepts connections again. Every client and component
   * connection is cut; no session survives, so a client's next stream is a
   * new one. With `crash: true` the process is killed with SIGKILL (what a
   * crash or a power cut leaves: no goodbye to anyone, no stream closed);
   * otherwise it is stopped as {@link ProsodyServer.stop} stops it.
   *
   * @param options - See {@link ProsodyRestartOptions}.
   * @throws Error if the server was stopped, or does not come back within
   *   {@link ProsodyOptions.startTimeoutMs} (the message includes the log tail).
   *
   * @example
   * ```ts
   * await server.restart({ crash: true, downMs: 500 });
   * ```
   */
  restart(options?: ProsodyRestartOptions): Promise<void>;
  /**
   * Stops the server: SIGTERM, then SIGKILL if it has not exited within
   * {@link ProsodyOptions.stopTimeoutMs}; then removes {@link ProsodyServer.dir}.
   * Safe to call more than once; later calls return the same promise.
   */
  stop(): Promise<void>;
}

/**
 * How {@link ProsodyServer.restart} restarts the server.
 *
 * @category Throwaway Prosody
 */
export interface ProsodyRestartOptions {
  /** Kill the process with SIGKILL, as a crash would, instead of stopping it. Default `false`. */
  readonly crash?: boolean;
  /** How long the server stays down before it starts again, ms. Default 0. */
  readonly downMs?: number;
}

/**
 * Thrown by {@link startProsody} when the `prosody` or `prosodyctl`
 * executable cannot be found. The message says how to install Prosody.
 *
 * @category Errors
 */
export class ProsodyNotInstalledError extends Error {
  /** The path or command name that was looked for. */
  readonly binary: string;

  /**
   * @param binary - The path or command name that was looked for.
   */
  constructor(binary: string) {
    super(
      `Prosody is not installed: could not find an executable '${binary}'. ` +
        "Install Prosody 0.12 (Debian/Ubuntu): as root run `apt-get install -y prosody`, " +
        "otherwise `sudo apt-get install prosody`. " +
        "Or pass `prosodyPath`/`prosodyctlPath` to startProsody() if it lives elsewhere.",
    );
    this.name = "ProsodyNotInstalledError";
    this.binary = binary;
  }
}

/**
 * Starts a throwaway Prosody on free loopback ports and waits until it accepts
 * client, HTTP and component connections.
 *
 * The server runs with `run_as_root = true`, plain (unencrypted) c2s with
 * PLAIN allowed, WebSocket on the HTTP port, no s2s, a MUC service with
 * MAM (every room logged) and one external component. Everything it writes
 * lives in a fresh temporary directory that {@link ProsodyServer.stop}
 * removes. A process `exit` handler kills the server and removes the directory
 * if `stop()` was never called, and so, unless
 * {@link ProsodyOptions.handleSignals} is `false`, does SIGINT, SIGTERM or
 * SIGHUP. However many servers run, these handlers are registered once per
 * process, and removed when the last server stops.
 *
 * @param options - See {@link ProsodyOptions}.
 * @returns The running server.
 * @throws {@link ProsodyNotInstalledError} if `prosody` or `prosodyctl` is missing.
 * @throws Error if a fixed port is in use, the config is rejected, or the
 *   server is not ready within `startTimeoutMs` (the message includes the log tail).
 *
 * @example
 * ```ts
 * import { client, xml } from "@xmpp/client";
 * import { startProsody } from "xmpp-muc-sdk/testing";
 *
 * const server = await startProsody({
 *   users: [{ username: "alice", password: "secret" }],
 * });
 * try {
 *   const xmpp = client({
 *     service: server.c2sUrl,
 *     domain: server.domain,
 *     // PLAIN is much faster than SCRAM against Prosody's 10 000 iterations.
 *     credentials: (authenticate) =>
 *       authenticate({ username: "alice", password: "secret" }, "PLAIN", xml("user-agent")),
 *   });
 *   await xmpp.start();
 *   // … exercise your code …
 *   await xmpp.stop();
 * } finally {
 *   await server.stop();
 * }
 * ```
 *
 * @category Throwaway Prosody
 */
export async function startProsody(options: ProsodyOptions = {}): Promise<ProsodyServer> {
  // Free ports are chosen before Prosody binds them; another process (a
  // concurrent test's server) may take one meanwhile. Chosen ports are
  // chosen again, up to three times; ports the caller fixed are not.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startProsodyOnce(options);
    } catch (e) {
      if (attempt >= 3 || options.ports !== undefined || !(e instanceof Error) || !e.message.startsWith(PORT_IN_USE)) throw e;
    }
  }
}

/** The start of the error a start fails with when Prosody could not bind a port. */
const PORT_IN_USE = "Prosody could not listen";

/** One attempt of {@link startProsody}. */
async function startProsodyOnce(options: ProsodyOptions): Promise<ProsodyServer> {
  const domain = options.domain ?? "localhost";
  const mucDomain = options.mucDomain ?? `conference.${domain}`;
  const component: ProsodyComponent = options.component ?? {
    domain: `gateway.${domain}`,
    secret: randomBytes(16).toString("hex"),
  };
  const roomLocking = options.roomLocking ?? true;
  const logLevel = options.logLevel ?? "info";
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 3_000;
  const handleSignals = options.handleSignals ?? true;

  for (const [what, value] of [
    ["domain", domain],
    ["mucDomain", mucDomain],
    ["component.domain", component.domain],
  ] as const) {
    if (!/^[^\s@/"\\]+$/.test(value)) throw new TypeError(`startProsody: invalid ${what} ${JSON.stringify(value)}`);
  }
  if (new Set([domain, mucDomain, component.domain]).size !== 3) {
    throw new TypeError("startProsody: domain, mucDomain and component.domain must be distinct");
  }
  if (!["debug", "info", "warn", "error"].includes(logLevel)) {
    throw new TypeError(`startProsody: invalid logLevel ${JSON.stringify(logLevel)}`);
  }
  for (const name of ["c2s", "http", "component"] as const) {
    const port = options.ports?.[name];
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
      throw new TypeError(`startProsody: invalid ports.${name} ${String(port)}`);
    }
  }

  const prosodyBin = resolveProsody(options.prosodyPath);
  const prosodyctlBin = resolveProsodyctl(options.prosodyctlPath, prosodyBin);

  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), "prosody-"));
  const configFile = join(dir, "prosody.cfg.lua");
  const logFile = join(dir, "prosody.log");
  let child: ChildProcess | undefined;
  let live: LiveServer | undefined;
  try {
    await mkdir(join(dir, "data"));
    await mkdir(join(dir, "certs"));
    const ports = await choosePorts(options.ports);
    await writeFile(
      configFile,
      renderProsodyConfig({
        dir,
        logFile,
        logLevel,
        domain,
        mucDomain,
        component,
        roomLocking,
        ports,
        extraModules: options.extraModules ?? [],
        extraConfig: typeof options.extraConfig === "string" ? { global: options.extraConfig } : (options.extraConfig ?? {}),
      }),
      { mode: 0o600 },
    );

    const launched = launch(prosodyBin, configFile, dir, handleSignals);
    const { child: spawned, output } = launched;
    child = spawned;
    live = launched.live;
    await untilListening(launched, [ports.c2s, ports.http, ports.component], logFile, startTimeoutMs, "");
    // Prosody keeps running when it cannot bind a port; the check above may
    // then have reached someone else's listener.
    const log = await readFile(logFile, "utf8").catch(() => "");
    const bindError = /Failed to open server port.*$/m.exec(log);
    if (bindError) throw new Error(`${PORT_IN_USE}: ${bindError[0]}`);

    const server = new RunningProsody({
      domain,
      mucDomain,
      component,
      ports,
      dir,
      configFile,
      logFile,
      prosodyBin,
      prosodyctlBin,
      child: spawned,
      live,
      output,
      startTimeoutMs,
      stopTimeoutMs,
    });
    for (const user of options.users ?? []) await server.createUser(user.username, user.password);
    return server;
  } catch (err) {
    if (live) forgetOnExit(live);
    if (child) await killAndWait(child, stopTimeoutMs);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    throw err;
  }
}

// ---------------------------------------------------------------------------
// Implementation

interface RunningProsodyInit {
  domain: string;
  mucDomain: string;
  component: ProsodyComponent;
  ports: ChosenPorts;
  dir: string;
  configFile: string;
  logFile: string;
  prosodyBin: string;
  prosodyctlBin: string;
  child: ChildProcess;
  live: LiveServer;
  output: OutputTail;
  startTimeoutMs: number;
  stopTimeoutMs: number;
}

class RunningProsody implements ProsodyServer {
  readonly domain: string;
  readonly mucDomain: string;
  readonly component: ProsodyComponent;
  readonly c2sPort: number;
  readonly httpPort: number;
  readonly componentPort: number;
  readonly c2sUrl: string;
  readonly websocketUrl: string;
  readonly componentUrl: string;
  readonly dir: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly #prosody: string;
  readonly #prosodyctl: string;
  #child: ChildProcess;
  #live: LiveServer;
  #output: OutputTail;
  readonly #startTimeoutMs: number;
  readonly #stopTimeoutMs: number;
  #stopping: Promise<void> | undefined;
  /** The restart under way: a stop waits for it, another restart follows it. */
  #restarting: Promise<void> = Promise.resolve();

  constructor(init: RunningProsodyInit) {
    this.domain = init.domain;
    this.mucDomain = init.mucDomain;
    this.component = { domain: init.component.domain, secret: init.component.secret };
    this.c2sPort = init.ports.c2s;
    this.httpPort = init.ports.http;
    this.componentPort = init.ports.component;
    this.c2sUrl = `xmpp://127.0.0.1:${init.ports.c2s}`;
    this.websocketUrl = `ws://127.0.0.1:${init.ports.http}/xmpp-websocket`;
    this.componentUrl = `xmpp://127.0.0.1:${init.ports.component}`;
    this.dir = init.dir;
    this.configFile = init.configFile;
    this.logFile = init.logFile;
    this.#prosody = init.prosodyBin;
    this.#prosodyctl = init.prosodyctlBin;
    this.#child = init.child;
    this.#live = init.live;
    this.#output = init.output;
    this.#startTimeoutMs = init.startTimeoutMs;
    this.#stopTimeoutMs = init.stopTimeoutMs;
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get running(): boolean {
    return isAlive(this.#child);
  }

  restart(options: ProsodyRestartOptions = {}): Promise<void> {
    const restarting = this.#restarting.catch(() => undefined).then(() => this.#restartNow(options));
    this.#restarting = restarting;
    return restarting;
  }

  async #restartNow(options: ProsodyRestartOptions): Promise<void> {
    if (this.#stopping) throw new Error("restart: the Prosody server has been stopped");
    const old = this.#child;
    const killed = options.crash
      ? await stopProcess(old, 5_000, { term: () => old.kill("SIGKILL") })
      : await stopProcess(old, this.#stopTimeoutMs);
    if (!killed) throw new Error(`Prosody (pid ${String(old.pid)}) did not exit after SIGKILL`);
    if (options.downMs) await new Promise((resolve) => setTimeout(resolve, options.downMs));
    if (this.#stopping) throw new Error("restart: the Prosody server has been stopped");
    const launched = launch(this.#prosody, this.configFile, this.dir, this.#live.handleSignals);
    // The new process is the server's from now on: a stop kills it, even while it starts.
    forgetOnExit(this.#live);
    this.#child = launched.child;
    this.#live = launched.live;
    this.#output = launched.output;
    await untilListening(launched, [this.c2sPort, this.httpPort, this.componentPort], this.logFile, this.#startTimeoutMs, " (restarting)");
  }

  async createUser(username: string, password: string): Promise<string> {
    if (this.#stopping) throw new Error("createUser: the Prosody server has been stopped");
    const args = ["--config", this.configFile, "register", username, this.domain, password];
    await new Promise<void>((resolve, reject) => {
      execFile(this.#prosodyctl, args, { cwd: this.dir, timeout: 10_000 }, (err, stdout, stderr) => {
        if (!err) return resolve();
        const detail = `${stdout}${stderr}`.trim();
        reject(new Error(`prosodyctl register ${username}@${this.domain} failed: ${detail || err.message}`));
      });
    });
    return `${username}@${this.domain}`;
  }

  async readLog(): Promise<string> {
    const log = await readFile(this.logFile, "utf8").catch(() => "");
    return log + this.#output.render("prosody");
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      // A restart under way ends first (it gives up at its next step).
      await this.#restarting.catch(() => undefined);
      try {
        await killAndWait(this.#child, this.#stopTimeoutMs);
      } finally {
        forgetOnExit(this.#live);
        await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
      }
    })();
    return this.#stopping;
  }
}

/** A Prosody process started in the foreground, killed if this process exits first. */
interface Launched {
  readonly child: ChildProcess;
  readonly output: OutputTail;
  readonly exited: Promise<string>;
  readonly live: LiveServer;
}

/** Start `prosody -F` with `configFile` and register it for clean-up on exit. */
function launch(prosodyBin: string, configFile: string, dir: string, handleSignals: boolean): Launched {
  const { child, output, exited } = spawnServer(prosodyBin, ["-F", "--config", configFile], dir);
  const live: LiveServer = { child, dir, handleSignals };
  killOnExit(live);
  return { child, output, exited, live };
}

/** Wait until the launched Prosody accepts connections on `ports`; the error tells why not, with the log's tail. */
function untilListening(launched: Launched, ports: number[], logFile: string, timeoutMs: number, when: string): Promise<void> {
  return waitUntilListening({
    ports,
    exited: launched.exited,
    timeoutMs,
    pollMs: 20,
    error: async (problem) => new Error(`Prosody ${problem}${when}.\n${await logTail(logFile, 40)}${launched.output.render("prosody")}`),
  });
}

/** SIGTERM, then SIGKILL after `termTimeoutMs`; fails if Prosody outlives that too. */
async function killAndWait(child: ChildProcess, termTimeoutMs: number): Promise<void> {
  if (!(await stopProcess(child, termTimeoutMs))) {
    throw new Error(`Prosody (pid ${String(child.pid)}) did not exit after SIGKILL`);
  }
}

function resolveProsody(explicit: string | undefined): string {
  if (explicit !== undefined) {
    const found = findExecutable(explicit);
    if (!found) throw new ProsodyNotInstalledError(explicit);
    return found;
  }
  const found = findExecutable("prosody", ["/usr/bin/prosody", "/usr/local/bin/prosody"]);
  if (!found) throw new ProsodyNotInstalledError("prosody");
  return found;
}

function resolveProsodyctl(explicit: string | undefined, prosodyBin: string): string {
  if (explicit !== undefined) {
    const found = findExecutable(explicit);
    if (!found) throw new ProsodyNotInstalledError(explicit);
    return found;
  }
  const sibling = join(dirname(prosodyBin), "prosodyctl");
  const found = isExecutable(sibling) ? sibling : findExecutable("prosodyctl");
  if (!found) throw new ProsodyNotInstalledError("prosodyctl");
  return found;
}
