/**
 * Process and port helpers for harnesses that run an XMPP server as a child
 * process on loopback ports: finding its executable, choosing free ports,
 * starting it with its output kept, waiting until it listens, and stopping
 * it. Used by `startProsody` (prosody.ts) and by the tests' ejabberd
 * harness; not part of the package's exports.
 *
 * @module
 */

import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import { readFile } from "node:fs/promises";
import { createConnection, createServer, type Socket } from "node:net";
import { delimiter, isAbsolute, join } from "node:path";

/**
 * Whether `path` names a file this process may execute.
 *
 * @param path - The file to check.
 */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds an executable: `command` itself if it holds a `/` (a path), else the
 * first `command` in a directory of `PATH` (relative entries are skipped);
 * failing that, the first of `fallbacks` that is executable.
 *
 * @param command - A path, or a command name to look up on `PATH`.
 * @param fallbacks - Paths to try when `command` is not found.
 * @returns The executable's path, or `undefined` if there is none.
 */
export function findExecutable(command: string, fallbacks: readonly string[] = []): string | undefined {
  if (command.includes("/")) {
    if (isExecutable(command)) return command;
  } else {
    for (const entry of (process.env.PATH ?? "").split(delimiter)) {
      if (!entry || !isAbsolute(entry)) continue;
      const candidate = join(entry, command);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return fallbacks.find((path) => isExecutable(path));
}

/**
 * Asks the operating system for distinct free ports on 127.0.0.1, by
 * binding port 0 that many times at once and closing the listeners again.
 * Another process may take a port before the caller binds it.
 *
 * @param count - How many ports.
 * @returns The ports, all different.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once("error", reject);
            server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
              const address = server.address();
              if (address && typeof address === "object") resolve(address.port);
              else reject(new Error("could not read the allocated port"));
            });
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/**
 * Connects to 127.0.0.1:`port` and settles on a verdict, then destroys the
 * socket. Without `onConnect` the verdict is `true` as soon as the
 * connection is open; with it, `onConnect` decides, e.g. after writing to
 * the socket and reading the answer. A connection error, or no verdict
 * within `timeoutMs`, is `false`.
 *
 * @param port - The loopback port.
 * @param options - `timeoutMs`, and `onConnect` to decide once connected.
 * @returns The verdict; never rejects.
 */
export function probePort(
  port: number,
  options: { readonly timeoutMs: number; readonly onConnect?: (socket: Socket, settle: (ok: boolean) => void) => void },
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    const settle = (ok: boolean): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => settle(false), options.timeoutMs);
    socket.once("error", () => settle(false));
    socket.once("connect", () => (options.onConnect ? options.onConnect(socket, settle) : settle(true)));
  });
}

/** Keeps the last bytes a child process writes to its stdout and stderr. */
export class OutputTail {
  #chunks: Buffer[] = [];
  #size = 0;

  /**
   * @param limit - How many bytes to keep, at least: the oldest chunks are
   *   dropped while the rest holds more, but the newest chunk is kept whole.
   */
  constructor(readonly limit: number) {}

  /**
   * Adds a chunk of output.
   *
   * @param chunk - Bytes as the child wrote them.
   */
  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size > this.limit && this.#chunks.length > 1) {
      this.#size -= this.#chunks.shift()?.length ?? 0;
    }
  }

  /** The output kept, as UTF-8 text without surrounding white space. */
  text(): string {
    return Buffer.concat(this.#chunks).toString("utf8").trim();
  }

  /**
   * The output kept, after a marker line `--- LABEL stdout/stderr ---`, for
   * appending to a log; empty when there is no output.
   *
   * @param label - The program's name for the marker line.
   */
  render(label: string): string {
    const text = this.text();
    return text ? `\n--- ${label} stdout/stderr ---\n${text}\n` : "";
  }
}

/** A server process started by {@link spawnServer}. */
export interface ServerProcess {
  /** The child process. */
  readonly child: ChildProcess;
  /** The last 16 KiB of its stdout and stderr. */
  readonly output: OutputTail;
  /**
   * Settles (never rejects) when the process ends or cannot be started, with
   * why: `exit code N`, `signal SIGNAME` or `spawn error: …`.
   */
  readonly exited: Promise<string>;
}

/**
 * Starts a server in the foreground as a child process, with no stdin, its
 * stdout and stderr kept in an {@link OutputTail}.
 *
 * @param command - The executable.
 * @param args - Its arguments.
 * @param cwd - Its working directory.
 * @returns The process, its output and its end.
 */
export function spawnServer(command: string, args: readonly string[], cwd: string): ServerProcess {
  const output = new OutputTail(16 * 1024);
  const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk));
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${String(code)}`));
    child.on("error", (err) => resolve(`spawn error: ${err.message}`));
  });
  return { child, output, exited };
}

/**
 * Whether a child process was started and has not exited yet.
 *
 * @param child - The process.
 */
export function isAlive(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/**
 * Waits until a child process has exited, for `timeoutMs` at most.
 *
 * @param child - The process.
 * @param timeoutMs - How long to wait.
 * @returns Whether it has exited (or was never started).
 */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (!isAlive(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once("exit", onExit);
  });
}

/**
 * Stops a child process if it still runs: `term` (by default SIGTERM to the
 * child), then, if it has not exited within `timeoutMs`, `kill` (by default
 * SIGKILL to the child) and up to 5 s more. Its stdout and stderr are
 * destroyed either way.
 *
 * @param child - The process.
 * @param timeoutMs - How long to wait after `term` before `kill`.
 * @param signals - How to ask it to stop (`term`) and how to force it
 *   (`kill`), e.g. when the server is a descendant of the child.
 * @returns Whether it has exited; `false` if it outlived `kill` too.
 */
export async function stopProcess(
  child: ChildProcess,
  timeoutMs: number,
  signals: { readonly term?: () => void; readonly kill?: () => void } = {},
): Promise<boolean> {
  try {
    if (!isAlive(child)) return true;
    (signals.term ?? (() => child.kill("SIGTERM")))();
    if (await waitForExit(child, timeoutMs)) return true;
    (signals.kill ?? (() => child.kill("SIGKILL")))();
    return await waitForExit(child, 5_000);
  } finally {
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
}

/** What {@link waitUntilListening} waits for, and how it fails. */
export interface ListeningOptions {
  /** Loopback ports that must all accept a connection. */
  readonly ports: readonly number[];
  /** The server's {@link ServerProcess.exited}: if it settles first, the wait fails. */
  readonly exited: Promise<string>;
  /** How long to wait in all, in milliseconds. */
  readonly timeoutMs: number;
  /** The pause between two rounds of checks, in milliseconds. */
  readonly pollMs: number;
  /**
   * A sign that the server has started (a line in its log, say) to wait for
   * before the ports are tried, and how to say that it did not come.
   */
  readonly startedWhen?: {
    /** Whether the sign is there. */
    readonly test: () => Promise<boolean>;
    /** The problem when it never is, e.g. `"did not log that it started"`. */
    readonly missing: string;
  };
  /**
   * The error to fail with, given the problem: `exited during start-up
   * (REASON)`, `did not accept connections on port(s) P, Q within N ms`, or
   * the `startedWhen.missing` text followed by ` within N ms`.
   */
  readonly error: (problem: string) => Promise<Error>;
}

/**
 * Waits until a freshly started server accepts connections on every port
 * (after its `startedWhen` sign, if any). A connection is tried at most
 * once per round on each port that has not yet accepted one.
 *
 * @param options - See {@link ListeningOptions}.
 * @throws The error `options.error` makes, if the server exits first or
 *   `timeoutMs` passes.
 */
export async function waitUntilListening(options: ListeningOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let exitReason: string | undefined;
  void options.exited.then((reason) => {
    exitReason = reason;
  });
  let started = options.startedWhen === undefined;
  let pending = [...options.ports];
  for (;;) {
    if (exitReason !== undefined) throw await options.error(`exited during start-up (${exitReason})`);
    started ||= (await options.startedWhen?.test()) ?? true;
    if (started) {
      const results = await Promise.all(pending.map((port) => probePort(port, { timeoutMs: 1_000 })));
      pending = pending.filter((_, index) => !results[index]);
      if (pending.length === 0 && exitReason === undefined) return;
    }
    if (Date.now() >= deadline) {
      const problem = started ? `did not accept connections on port(s) ${pending.join(", ")}` : options.startedWhen?.missing;
      throw await options.error(`${problem ?? ""} within ${options.timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}

/**
 * The last lines of a log file under a marker line naming the file, for
 * error messages.
 *
 * @param file - The log file.
 * @param lines - How many lines at most.
 * @returns `--- last lines of FILE ---` and the lines, or a line saying that
 *   the log is empty (or missing).
 */
export async function logTail(file: string, lines: number): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  if (!text) return "(the log is empty)\n";
  return `--- last lines of ${file} ---\n${text.trimEnd().split("\n").slice(-lines).join("\n")}\n`;
}
