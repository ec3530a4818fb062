/**
 * The last resort of the throwaway servers: when the process exits, or is
 * ended by a signal, without their `stop()`, kill them synchronously and
 * remove their directories. One shared set of process listeners serves every
 * live server, so concurrent starts never pile up listeners; it is removed
 * when the last server is gone. Not part of the package's exports.
 *
 * @module
 */

import type { ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { isAlive } from "./local-server.js";

/** A running server the process cleans up after. */
export interface LiveServer {
  readonly child: ChildProcess;
  readonly dir: string;
  /** Killed on SIGINT/SIGTERM/SIGHUP even when the program handles the signal. */
  readonly handleSignals: boolean;
}

const liveServers = new Set<LiveServer>();
let handlersInstalled = false;

/** Kills `live` (if it still runs) and removes its directory, synchronously. */
function destroySync(live: LiveServer): void {
  try {
    if (isAlive(live.child)) {
      live.child.kill("SIGKILL");
      if (live.child.pid !== undefined) waitUntilDeadSync(live.child.pid, 1_000);
    }
  } catch {
    // Nothing more can be done while exiting.
  }
  try {
    rmSync(live.dir, { recursive: true, force: true });
  } catch {
    // Ditto.
  }
}

function onProcessExit(): void {
  for (const live of liveServers) destroySync(live);
  liveServers.clear();
}

/**
 * Blocks until `pid` is dead (a zombie, on Linux) so that it cannot write into
 * its directory after we remove it. Without /proc it returns at once.
 */
function waitUntilDeadSync(pid: number, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < deadline) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return;
    }
    const state = stat.charAt(stat.lastIndexOf(")") + 2);
    if (state === "Z" || state === "X") return;
    Atomics.wait(cell, 0, 0, 5);
  }
}

/** Termination signals that skip 'exit' handlers. */
const TERMINATION_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function onTerminationSignal(signal: NodeJS.Signals): void {
  // Were we the only listener, the signal would have ended the process: clean
  // up every server, then die of the signal as before. Otherwise the program
  // handles the signal; kill only the servers that did not opt out.
  const fatal = process.listeners(signal).every((listener) => listener === onTerminationSignal);
  for (const live of [...liveServers]) {
    if (!fatal && !live.handleSignals) continue;
    destroySync(live);
    liveServers.delete(live);
  }
  if (fatal) {
    removeHandlers();
    process.kill(process.pid, signal);
  } else if (liveServers.size === 0) {
    removeHandlers();
  }
}

function removeHandlers(): void {
  if (!handlersInstalled) return;
  process.off("exit", onProcessExit);
  for (const s of TERMINATION_SIGNALS) process.off(s, onTerminationSignal);
  handlersInstalled = false;
}

/** Kill `live` and remove its directory if the process ends before {@link forgetOnExit}. */
export function killOnExit(live: LiveServer): void {
  liveServers.add(live);
  if (!handlersInstalled) {
    process.on("exit", onProcessExit);
    for (const s of TERMINATION_SIGNALS) process.on(s, onTerminationSignal);
    handlersInstalled = true;
  }
}

/** `live` was stopped (or never started): nothing left to clean up for it. */
export function forgetOnExit(live: LiveServer): void {
  liveServers.delete(live);
  if (liveServers.size === 0) removeHandlers();
}
