/**
 * startProsody() and process signals: by default SIGINT/SIGTERM/SIGHUP kill the
 * server at once; with `handleSignals: false` a program that handles the
 * signal itself stops the server when it chooses. Either way no process and no
 * file is left behind. The signals go to a child Node process
 * (fixtures/prosody-signals-child.ts), never to the test runner.
 */
import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { waitUntil, withTimeout } from "../helpers/prosody-clients.js";

const CHILD = "test/integration/fixtures/prosody-signals-child.ts";

interface ChildEvent {
  event: "ready" | "signal" | "stopped";
  pid?: number;
  dir?: string;
  signal?: string;
  answers?: boolean;
  dirExists?: boolean;
  running?: boolean;
}

interface RunningChild {
  events: ChildEvent[];
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill: (signal: NodeJS.Signals) => void;
}

const parents: string[] = [];
const children: RunningChild[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const dir of parents.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Whether `pid` no longer runs (gone, or a zombie nobody has reaped yet). */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.charAt(stat.lastIndexOf(")") + 2);
    return state === "Z" || state === "X";
  } catch {
    return true;
  }
}

async function runChild(env: { handleSignals: "default" | "true" | "false"; onSignal: "none" | "stop" | "exit" }): Promise<{ child: RunningChild; parent: string; ready: ChildEvent }> {
  const parent = await mkdtemp(join(tmpdir(), "prosody-signals-"));
  parents.push(parent);
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PROSODY_TMP: parent, PROSODY_HANDLE_SIGNALS: env.handleSignals, ON_SIGNAL: env.onSignal },
  });
  const events: ChildEvent[] = [];
  let out = "";
  let pending = "";
  proc.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    pending += chunk.toString();
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.startsWith("{")) events.push(JSON.parse(line) as ChildEvent);
    }
  });
  proc.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const child: RunningChild = {
    events,
    output: () => out,
    exited,
    kill: (signal) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
  };
  children.push(child);
  await Promise.race([
    waitUntil(() => events.some((e) => e.event === "ready"), 30_000, "the child's Prosody"),
    exited.then(() => {
      throw new Error(`the child exited before Prosody was ready:\n${out}`);
    }),
  ]);
  const ready = events.find((e) => e.event === "ready") as ChildEvent;
  expect(ready.pid).toBeGreaterThan(0);
  expect(processGone(ready.pid as number)).toBe(false);
  expect(readdirSync(parent)).toHaveLength(1);
  return { child, parent, ready };
}

async function expectNothingLeft(parent: string, ready: ChildEvent): Promise<void> {
  await waitUntil(() => processGone(ready.pid as number), 10_000, `Prosody (pid ${String(ready.pid)}) to be gone`);
  expect(readdirSync(parent)).toEqual([]);
}

describe("startProsody and signals", () => {
  it("by default, SIGTERM to a process with no listener of its own kills Prosody, removes its directory and ends the process", async () => {
    const { child, parent, ready } = await runChild({ handleSignals: "default", onSignal: "none" });
    child.kill("SIGTERM");
    expect(await withTimeout(child.exited, 20_000, "the child's exit")).toEqual({ code: null, signal: "SIGTERM" });
    await expectNothingLeft(parent, ready);
  });

  it("by default, SIGTERM kills Prosody at once even when the program handles the signal", async () => {
    const { child, parent, ready } = await runChild({ handleSignals: "default", onSignal: "exit" });
    child.kill("SIGTERM");
    expect(await withTimeout(child.exited, 20_000, "the child's exit")).toEqual({ code: 0, signal: null });
    expect(child.events.find((e) => e.event === "signal")).toMatchObject({ answers: false, dirExists: false });
    await expectNothingLeft(parent, ready);
  });

  it.each(["SIGTERM", "SIGINT", "SIGHUP"] as const)(
    "with handleSignals: false, Prosody survives %s until the program stops it, then nothing is left",
    async (signal) => {
      const { child, parent, ready } = await runChild({ handleSignals: "false", onSignal: "stop" });
      child.kill(signal);
      expect(await withTimeout(child.exited, 20_000, "the child's exit"), child.output()).toEqual({ code: 0, signal: null });
      expect(child.events.find((e) => e.event === "signal")).toEqual({ event: "signal", signal, answers: true, dirExists: true, running: true });
      expect(child.events.find((e) => e.event === "stopped")).toEqual({ event: "stopped", dirExists: false, running: false });
      await expectNothingLeft(parent, ready);
    },
  );

  it("with handleSignals: false, a program that exits on the signal without stop() still leaves nothing behind", async () => {
    const { child, parent, ready } = await runChild({ handleSignals: "false", onSignal: "exit" });
    child.kill("SIGTERM");
    expect(await withTimeout(child.exited, 20_000, "the child's exit"), child.output()).toEqual({ code: 0, signal: null });
    expect(child.events.find((e) => e.event === "signal")).toMatchObject({ answers: true, dirExists: true, running: true });
    await expectNothingLeft(parent, ready);
  });

  it("with handleSignals: false but no listener of the program's own, the signal still cleans up and ends the process", async () => {
    const { child, parent, ready } = await runChild({ handleSignals: "false", onSignal: "none" });
    child.kill("SIGTERM");
    expect(await withTimeout(child.exited, 20_000, "the child's exit")).toEqual({ code: null, signal: "SIGTERM" });
    await expectNothingLeft(parent, ready);
  });
});

describe("startProsody's process listeners", () => {
  const EVENTS = ["exit", "SIGINT", "SIGTERM", "SIGHUP"] as const;
  const counts = (): number[] => EVENTS.map((e) => process.listenerCount(e));

  it("are shared by concurrent servers, whatever their handleSignals, and removed when the last one stops", async () => {
    const before = counts();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on("warning", onWarning);
    const servers: ProsodyServer[] = [];
    try {
      // More servers than the default maxListeners (10).
      const started = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) => startProsody({ handleSignals: i % 2 === 0 })),
      );
      for (const s of started) if (s.status === "fulfilled") servers.push(s.value);
      for (const s of started) if (s.status === "rejected") throw s.reason;
      expect(counts()).toEqual(before.map((n) => n + 1));
      await servers.splice(0, 6).reduce((p, s) => p.then(() => s.stop()), Promise.resolve());
      expect(counts()).toEqual(before.map((n) => n + 1));
      await Promise.all(servers.splice(0).map((s) => s.stop()));
      expect(counts()).toEqual(before);
      // And again: stopping did not leave them half-installed.
      const again = await startProsody({ handleSignals: false });
      servers.push(again);
      expect(counts()).toEqual(before.map((n) => n + 1));
      await again.stop();
      expect(counts()).toEqual(before);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  });
});
