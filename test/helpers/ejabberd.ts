/**
 * A throwaway ejabberd for integration tests, from Debian's `ejabberd` package
 * (23.01), as src/testing/prosody.ts is for Prosody.
 *
 * {@link startEjabberd} writes a configuration into a fresh temporary
 * directory and runs `ejabberdctl --config-dir DIR --spool DIR/spool --logs
 * DIR/logs foreground` on free loopback ports. Everything the server writes
 * stays in that directory: it never reads /etc/ejabberd, never touches
 * /var/lib/ejabberd or /var/log/ejabberd, and a system instance (node
 * `ejabberd@localhost`, registered with epmd, ports 5222, 5269, 5280…) does not
 * collide with it: the node has a name of its own, a random cookie, and
 * listens for Erlang distribution on a port of its own without epmd
 * (ERL_DIST_PORT). {@link EjabberdServer.stop} stops it and removes the
 * directory; so does a process `exit` handler if stop() was never called.
 *
 * The configuration has a client listener, an HTTP listener serving XMPP
 * over WebSocket at `/xmpp-websocket`, and the modules a client needs
 * (`mod_disco`, `mod_ping`, `mod_roster`, `mod_stream_mgmt`); a test adds its
 * own listeners (a component's), modules (`mod_muc`, `mod_mam`: see
 * {@link MUC_MODULES}) and top-level options.
 *
 * ejabberdctl runs ejabberd only as root (it then switches to the user
 * `ejabberd`, who is given the directory) or as the user `ejabberd`. Linux
 * only (it follows the process tree through /proc).
 */
import { execFile, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync, rmSync, statSync, type Stats } from "node:fs";
import { chown, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { dirname, join, resolve as resolvePath } from "node:path";
import { findExecutable, freePorts, logTail, spawnServer, stopProcess, waitUntilListening } from "../../src/testing/local-server.js";

/** Options for {@link startEjabberd}. */
export interface EjabberdOptions {
  /** The virtual host users live on. Default `"localhost"`. */
  readonly domain?: string;
  /**
   * The configuration's top-level `listen:` block (YAML text, a list), given
   * the component port the server is to use; the harness adds its own
   * client listener to that list. Default: a list holding only that client
   * listener (the component port is then reserved but nothing listens on it).
   */
  readonly listen?: (componentPort: number) => string;
  /**
   * Modules to load besides the harness's own (`mod_disco`, `mod_ping`,
   * `mod_roster`, `mod_stream_mgmt`), by name, each with its options as
   * ejabberd 23.01 names them (`{}` for none); an entry for one of the
   * harness's modules replaces its options, and `null` leaves it out (e.g.
   * `{ mod_stream_mgmt: null }`: no stream management). Written as YAML flow mappings
   * (JSON), e.g. `{ mod_muc: { host: "conference.localhost",
   * default_room_options: { mam: true } }, mod_mam: {} }`. See
   * {@link MUC_MODULES} for a MUC service with an archive.
   */
  readonly modules?: Readonly<Record<string, Readonly<Record<string, unknown>> | null>>;
  /**
   * Further top-level configuration options, by name (e.g.
   * `{ shaper_rules: … }`), written as YAML flow mappings (JSON). They must
   * not repeat an option the harness writes itself (`hosts`, `loglevel`,
   * `log_rotate_count`, `auth_method`, `auth_password_format`, `listen`,
   * `modules`): ejabberd would read only one of the two.
   */
  readonly extraConfig?: Readonly<Record<string, unknown>>;
  /**
   * The `ejabberdctl` executable: a path, or a command name looked up on
   * `PATH`. Default: `ejabberdctl` on `PATH`, else /usr/sbin/ejabberdctl.
   */
  readonly ejabberdctl?: string;
  /** How long to wait for the server to start. Default 20 000 ms. */
  readonly startTimeoutMs?: number;
  /** How long {@link EjabberdServer.stop} waits after SIGTERM before SIGKILL. Default 5 000 ms. */
  readonly stopTimeoutMs?: number;
}

/** A running throwaway ejabberd. */
export interface EjabberdServer {
  readonly domain: string;
  /** Loopback port for clients (plain TCP, no STARTTLS; PLAIN allowed). */
  readonly c2sPort: number;
  /**
   * Loopback port for external components (XEP-0114), for the
   * {@link EjabberdOptions.listen} block to use (nothing listens on it
   * without one).
   */
  readonly componentPort: number;
  /** `xmpp://127.0.0.1:PORT` for `@xmpp/client`. */
  readonly c2sUrl: string;
  /** Loopback port of the HTTP listener, which serves XMPP over WebSocket (RFC 7395) at `/xmpp-websocket`. */
  readonly httpPort: number;
  /** `ws://127.0.0.1:PORT/xmpp-websocket`, for `@xmpp/client` over WebSocket. */
  readonly websocketUrl: string;
  /** `xmpp://127.0.0.1:PORT` for `@xmpp/component` and the gateway command. */
  readonly componentUrl: string;
  /**
   * The MUC service's domain when {@link EjabberdOptions.modules} loads
   * `mod_muc`: its `host` option, else ejabberd's default
   * `conference.DOMAIN`; undefined without `mod_muc`.
   */
  readonly mucDomain: string | undefined;
  /** The Erlang node, unique per server. */
  readonly node: string;
  /** Temporary directory holding config, spool and logs; removed by stop(). */
  readonly dir: string;
  readonly configFile: string;
  readonly logFile: string;
  /** Creates an account with `ejabberdctl register` (an Erlang VM of its own: about a second). */
  register(username: string, password: string): Promise<string>;
  /** The log so far, then ejabberdctl's own output. */
  readLog(): Promise<string>;
  /** SIGTERM to the Erlang VM, SIGKILL to what is left after stopTimeoutMs; removes {@link dir}. Idempotent. */
  stop(): Promise<void>;
}

/** Thrown by {@link startEjabberd} when ejabberd is not installed. */
export class EjabberdNotInstalledError extends Error {
  constructor(what: string) {
    super(
      `ejabberd is not installed: ${what}. ` +
        "Install ejabberd 23.01 (Debian/Ubuntu): as root run `apt-get install -y ejabberd`, " +
        "otherwise `sudo apt-get install ejabberd`.",
    );
    this.name = "EjabberdNotInstalledError";
  }
}

/**
 * Starts ejabberd and waits until it has started and both ports accept
 * connections. A port taken between choosing it and ejabberd binding it
 * makes it try again with other ports, up to three times.
 */
export async function startEjabberd(options: EjabberdOptions = {}): Promise<EjabberdServer> {
  const ejabberdctl = findEjabberdctl(options.ejabberdctl);
  const account = ejabberdAccount();
  const me = userInfo();
  if (me.uid !== 0 && me.uid !== account.uid) {
    throw new Error(`ejabberdctl starts ejabberd only as root or as the user ejabberd; this process runs as ${me.username} (uid ${me.uid})`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, ejabberdctl, me.uid === 0 ? account : undefined);
    } catch (e) {
      if (attempt >= 3 || !(e instanceof PortInUseError)) throw e;
    }
  }
}

/**
 * `modules` for {@link startEjabberd} that make `conference.localhost` a
 * MUC service (XEP-0045) whose rooms keep an XEP-0313 archive
 * (`default_room_options: { mam: true }`, served by `mod_mam`), with the
 * administration commands of `mod_muc_admin`. Everyone may create rooms and
 * make them persistent (`access_create`, `access_persistent`: `all`, ejabberd's
 * built-in rule); option names as in ejabberd 23.01's `mod_muc_opt` and
 * `mod_mam_opt`. Spread it and override an entry to change one module.
 */
export const MUC_MODULES = {
  mod_muc: {
    host: "conference.localhost",
    access: "all",
    access_create: "all",
    access_persistent: "all",
    access_mam: "all",
    // The history a room keeps and sends on join (ejabberd's default is 20):
    // a rejoin asks for what was sent while the client was away.
    history_size: 500,
    default_room_options: { mam: true },
  },
  mod_mam: {},
  mod_muc_admin: {},
} as const satisfies Record<string, Record<string, unknown>>;

class PortInUseError extends Error {}

const DEFAULT_EJABBERDCTL = "/usr/sbin/ejabberdctl";

function findEjabberdctl(explicit: string | undefined): string {
  if (explicit !== undefined) {
    const found = findExecutable(explicit);
    if (!found) throw new EjabberdNotInstalledError(`no executable ${explicit}`);
    return found;
  }
  const found = findExecutable("ejabberdctl", [DEFAULT_EJABBERDCTL]);
  if (!found) throw new EjabberdNotInstalledError(`no executable 'ejabberdctl' on PATH nor ${DEFAULT_EJABBERDCTL}`);
  return found;
}

/** The package's system user, whom ejabberdctl switches to when run as root. */
function ejabberdAccount(): { uid: number; gid: number } {
  const passwd = readFileSync("/etc/passwd", "utf8");
  const fields = passwd.split("\n").find((line) => line.startsWith("ejabberd:"))?.split(":");
  if (!fields || fields.length < 4) throw new EjabberdNotInstalledError("ejabberdctl exists but there is no user 'ejabberd' in /etc/passwd");
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

async function startOnce(options: EjabberdOptions, ejabberdctl: string, owner: { uid: number; gid: number } | undefined): Promise<EjabberdServer> {
  const domain = options.domain ?? "localhost";
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const dir = await mkdtemp(join(owner ? tmpdirFor(owner) : tmpdir(), "ejabberd-"));
  const live: Live = { dir, child: undefined };
  liveServers.add(live);
  ensureExitHandler();
  try {
    const [c2sPort = 0, componentPort = 0, distPort = 0, httpPort = 0] = await freePorts(4);
    const node = `xmpp-muc-sdk-test-${randomBytes(4).toString("hex")}@localhost`;
    const configFile = join(dir, "ejabberd.yml");
    const logFile = join(dir, "logs", "ejabberd.log");
    await mkdir(join(dir, "spool"));
    await mkdir(join(dir, "logs"));
    const listen = options.listen?.(componentPort) ?? "listen:\n";
    const modules = options.modules ?? {};
    await writeFile(configFile, renderConfig({ domain, c2sPort, httpPort, listen, modules, extraConfig: options.extraConfig ?? {} }));
    // Read by ejabberdctl (its --config-dir holds ejabberdctl.cfg), for the
    // server and for every later ejabberdctl command against it.
    await writeFile(
      join(dir, "ejabberdctl.cfg"),
      [
        `ERLANG_NODE=${node}`,
        // Erlang distribution on a port of its own, on loopback, without epmd.
        `ERL_DIST_PORT=${distPort}`,
        `ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0 -setcookie ${randomBytes(16).toString("hex")} -kernel inet_dist_use_interface {127,0,0,1}"`,
        `EJABBERD_PID_PATH=${join(dir, "ejabberd.pid")}`,
        `CONTRIB_MODULES_PATH=${join(dir, "contrib")}`,
        `CONTRIB_MODULES_CONF_DIR=${join(dir, "contrib", "conf")}`,
        "",
      ].join("\n"),
    );
    // ejabberdctl points the VM's resolver at $CONFIG_DIR/inetrc (the VM
    // logs an error without one); the package's, for localhost only.
    await writeFile(join(dir, "inetrc"), '{lookup,["file","native"]}.\n{host,{127,0,0,1}, ["localhost"]}.\n');
    if (owner) await chownTree(dir, owner);

    const ctlArgs = ["--config-dir", dir, "--spool", join(dir, "spool"), "--logs", join(dir, "logs")];
    const { child, output, exited } = spawnServer(ejabberdctl, [...ctlArgs, "foreground"], dir);
    live.child = child;

    const readLog = async (): Promise<string> => (await readFile(logFile, "utf8").catch(() => "")) + output.render("ejabberdctl");
    const describe = async (): Promise<string> => {
      const log = await readFile(logFile, "utf8").catch(() => "");
      // The console repeats the log's lines (those start with a date, their
      // continuations are in the log too); the rest is ejabberdctl's, su's or
      // the Erlang VM's own.
      const own = output
        .text()
        .split("\n")
        .filter((line) => line.trim() !== "" && !/^\d{4}-\d\d-\d\d /.test(line) && !log.includes(line.trim()));
      return (await logTail(logFile, 30)) + (own.length > 0 ? `--- ejabberdctl's other output ---\n${own.slice(-20).join("\n")}\n` : "");
    };

    // ejabberd logs that it has started once every virtual host has its
    // modules; only then are the ports tried.
    await waitUntilListening({
      // Without a listen block of the test's, nothing listens on the component port.
      ports: options.listen ? [c2sPort, httpPort, componentPort] : [c2sPort, httpPort],
      exited,
      timeoutMs: startTimeoutMs,
      pollMs: 50,
      startedWhen: {
        test: async () => / is started in the node /.test(await readFile(logFile, "utf8").catch(() => "")),
        missing: "did not log that it started",
      },
      error: async (problem) => {
        const log = await describe();
        const message = `ejabberd ${problem}.\n${log}`;
        return /eaddrinuse/i.test(log) ? new PortInUseError(message) : new Error(message);
      },
    });

    let stopping: Promise<void> | undefined;
    const server: EjabberdServer = {
      domain,
      c2sPort,
      componentPort,
      c2sUrl: `xmpp://127.0.0.1:${c2sPort}`,
      httpPort,
      websocketUrl: `ws://127.0.0.1:${httpPort}/xmpp-websocket`,
      componentUrl: `xmpp://127.0.0.1:${componentPort}`,
      mucDomain: mucDomainOf(modules, domain),
      node,
      dir,
      configFile,
      logFile,
      register: (username, password) =>
        new Promise((resolve, reject) => {
          execFile(ejabberdctl, [...ctlArgs, "register", username, domain, password], { cwd: dir, timeout: 15_000 }, (err, stdout, stderr) => {
            if (err) reject(new Error(`ejabberdctl register ${username}@${domain} failed: ${`${stdout}${stderr}`.trim() || err.message}`));
            else resolve(`${username}@${domain}`);
          });
        }),
      readLog,
      stop: () =>
        (stopping ??= (async () => {
          try {
            await stopTree(child, join(dir, "ejabberd.pid"), options.stopTimeoutMs ?? 5_000);
          } finally {
            liveServers.delete(live);
            await rm(dir, { recursive: true, force: true, maxRetries: 3 });
          }
        })()),
    };
    return server;
  } catch (e) {
    if (live.child) await stopTree(live.child, join(dir, "ejabberd.pid"), 2_000).catch(() => undefined);
    liveServers.delete(live);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    throw e;
  }
}

/** The harness's own modules, each without options. */
const BASE_MODULES = ["mod_disco", "mod_ping", "mod_roster", "mod_stream_mgmt"] as const;

/** Top-level options renderConfig writes itself, which `extraConfig` must not repeat. */
const OWN_OPTIONS = new Set(["hosts", "loglevel", "log_rotate_count", "auth_method", "auth_password_format", "listen", "modules"]);

function mucDomainOf(modules: Readonly<Record<string, Readonly<Record<string, unknown>> | null>>, domain: string): string | undefined {
  const muc = modules["mod_muc"];
  if (muc === undefined || muc === null) return undefined;
  const host = muc["host"] ?? (Array.isArray(muc["hosts"]) ? (muc["hosts"] as unknown[])[0] : undefined);
  return typeof host === "string" ? host.replaceAll("@HOST@", domain) : `conference.${domain}`;
}

function renderConfig(c: {
  domain: string;
  c2sPort: number;
  httpPort: number;
  listen: string;
  modules: Readonly<Record<string, Readonly<Record<string, unknown>> | null>>;
  extraConfig: Readonly<Record<string, unknown>>;
}): string {
  const listen = c.listen.trimEnd();
  if (!/^listen:\s*(\n|$)/.test(listen)) throw new Error(`startEjabberd: the listen block must start with "listen:":\n${listen}`);
  // The client listener joins the given list, at its items' indentation (an
  // empty block gets a list of its own).
  const indent = /\n( *)- /.exec(listen)?.[1] ?? (/^listen:\s*$/.test(listen) ? "  " : undefined);
  if (indent === undefined) throw new Error(`startEjabberd: the listen block holds no list item:\n${listen}`);
  const item = [
    ...["- port: " + String(c.c2sPort), '  ip: "127.0.0.1"', "  module: ejabberd_c2s", "  starttls: false"],
    ...["- port: " + String(c.httpPort), '  ip: "127.0.0.1"', "  module: ejabberd_http", "  request_handlers:", '    "/xmpp-websocket": ejabberd_http_ws'],
  ];
  for (const key of Object.keys(c.extraConfig)) {
    if (OWN_OPTIONS.has(key)) throw new Error(`startEjabberd: extraConfig must not set ${key}, which the harness writes itself`);
  }
  // JSON is YAML (flow style): no quoting rules of our own to get wrong.
  const modules: Record<string, Readonly<Record<string, unknown>> | null> = Object.fromEntries(BASE_MODULES.map((m) => [m, {}]));
  Object.assign(modules, c.modules);
  const moduleLines = Object.entries(modules).flatMap(([name, opts]) => (opts === null ? [] : [`  ${name}: ${JSON.stringify(opts)}`]));
  const extraLines = Object.entries(c.extraConfig).map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
  return `# Generated for a test; removed when it ends.
hosts:
  - ${JSON.stringify(c.domain)}
loglevel: info
log_rotate_count: 0
auth_method: internal
auth_password_format: plain
# No certfiles: clients connect over plain TCP on loopback, without STARTTLS,
# and authenticate with PLAIN.
${extraLines.length > 0 ? `\n${extraLines.join("\n")}\n` : ""}
${listen}
${item.map((line) => indent + line).join("\n")}

modules:
${moduleLines.join("\n")}
`;
}

/**
 * `os.tmpdir()` if the user ejabberdctl switches to can reach a directory in
 * it (a TMPDIR under /root cannot be), else /tmp.
 */
function tmpdirFor(owner: { uid: number; gid: number }): string {
  const reachable = (path: string): boolean => {
    for (let p = resolvePath(path); ; p = dirname(p)) {
      let st: Stats;
      try {
        st = statSync(p);
      } catch {
        return false;
      }
      const bit = st.uid === owner.uid ? 0o100 : st.gid === owner.gid ? 0o010 : 0o001;
      if ((st.mode & bit) === 0) return false;
      if (p === dirname(p)) return true;
    }
  };
  for (const candidate of [tmpdir(), "/tmp"]) if (reachable(candidate)) return candidate;
  throw new Error(`startEjabberd: the user ejabberd cannot reach ${tmpdir()} nor /tmp; set TMPDIR to a directory it can reach`);
}

/** Gives the tree to the user ejabberdctl runs ejabberd as. */
async function chownTree(path: string, owner: { uid: number; gid: number }): Promise<void> {
  await chown(path, owner.uid, owner.gid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await chownTree(child, owner);
    else await chown(child, owner.uid, owner.gid);
  }
}

/** A process, known by its pid and its start time (so that a reused pid is not mistaken for it). */
interface Proc {
  pid: number;
  start: string;
}

/** `[ppid, starttime]` of `pid` from /proc, or undefined once it is gone (or a zombie). */
function procStat(pid: number): [number, string] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X") return undefined;
  return [Number(fields[1]), fields[19] ?? ""];
}

/**
 * `root` and its descendants: ejabberdctl → su → sh → beam.smp (the Erlang
 * VM) → erl_child_setup → helper programs. su starts a new session, so a
 * process group kill would not reach the VM.
 */
function processTree(root: number): Proc[] {
  const children = new Map<number, Proc[]>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const stat = procStat(pid);
    if (!stat) continue;
    const list = children.get(stat[0]) ?? [];
    list.push({ pid, start: stat[1] });
    children.set(stat[0], list);
  }
  const rootStat = procStat(root);
  const tree: Proc[] = rootStat ? [{ pid: root, start: rootStat[1] }] : [];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]?.pid ?? -1) ?? []));
  return tree;
}

function signal(proc: Proc, sig: NodeJS.Signals): void {
  if (procStat(proc.pid)?.[1] !== proc.start) return;
  try {
    process.kill(proc.pid, sig);
  } catch {
    // Gone meanwhile.
  }
}

function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * SIGTERM to the Erlang VM (which then stops ejabberd in order, and with it
 * su and ejabberdctl); SIGKILL to the whole tree if ejabberdctl has not exited
 * within `timeoutMs`.
 */
async function stopTree(child: ChildProcess, pidFile: string, timeoutMs: number): Promise<void> {
  if (child.pid === undefined) return;
  const tree = processTree(child.pid);
  await stopProcess(child, timeoutMs, {
    term: () => {
      const vmPid = readPid(pidFile);
      const vm = tree.find((p) => p.pid === vmPid) ?? tree.find((p) => /beam/.test(readComm(p.pid)));
      for (const p of vm ? [vm] : tree) signal(p, "SIGTERM");
    },
    kill: () => {
      for (const p of tree) signal(p, "SIGKILL");
    },
  });
  // Helpers of the VM that outlived it.
  for (const p of tree) signal(p, "SIGKILL");
}

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8");
  } catch {
    return "";
  }
}

// If the process exits without stop(), kill what is left and remove the directories.
interface Live {
  dir: string;
  child: ChildProcess | undefined;
}
const liveServers = new Set<Live>();
let exitHandler = false;

function ensureExitHandler(): void {
  if (exitHandler) return;
  exitHandler = true;
  process.on("exit", () => {
    for (const live of liveServers) {
      if (live.child?.pid !== undefined) for (const p of processTree(live.child.pid)) signal(p, "SIGKILL");
      try {
        rmSync(live.dir, { recursive: true, force: true });
      } catch {
        // Nothing more can be done while exiting.
      }
    }
  });
}
