/**
 * The stream guard against a real `@xmpp/client` 0.14 entity and a scripted
 * server on a loopback port, which goes on sending after the client has let
 * go of its XML parser (fixtures/data-after-end-child.ts, one child process
 * per run, since the fault ends the process): XML that is not well-formed,
 * an illegal entity or character reference, and a `stop()` the server never
 * answers; and a server that resets the connection before its stream header,
 * which `start()` leaves an unhandled rejection of. Each runs with a `MucService` on the entity (guarded: the process
 * lives, the stream ends) and without (bare: the control, which shows that
 * the fault is there and ends the process).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const CHILD = fileURLToPath(new URL("./fixtures/data-after-end-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

interface ChildRun {
  readonly code: number | null;
  readonly stderr: string;
  readonly report: { survived: boolean; statuses: string[]; errors: string[]; writesAfterEnd: number; startError?: string } | undefined;
}

function runChild(scenario: string, mode: "guarded" | "bare"): Promise<ChildRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", CHILD, scenario, mode], { cwd: ROOT, timeout: 30_000, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      const line = stdout.trim().split("\n").pop() ?? "";
      let report: ChildRun["report"];
      try {
        report = JSON.parse(line) as ChildRun["report"];
      } catch {
        report = undefined;
      }
      resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stderr, report });
    });
  });
}

const AFTER_END = ["not-well-formed", "illegal-entity", "illegal-char", "stop-unanswered"] as const;
const SCENARIOS = [...AFTER_END, "reset-before-header"] as const;
type Scenario = (typeof SCENARIOS)[number];

/** How the bare client dies in each scenario. */
const CRASH: Record<Scenario, RegExp> = {
  "not-well-formed": /TypeError: Cannot read properties of null \(reading 'write'\)/,
  "illegal-entity": /Error: Illegal XML entity &bogus;/,
  "illegal-char": /Error: Illegal XML character 0x0/,
  "stop-unanswered": /TypeError: Cannot read properties of null \(reading 'write'\)/,
  // Thrown from a promise: the wait for `online` inside `start()`, while the app handled `start()`'s own rejection.
  "reset-before-header": /triggerUncaughtException\(err, true \/\* fromPromise \*\/\)[\s\S]*Error: read ECONNRESET/,
};

const runs = new Map<string, ChildRun>();

beforeAll(async () => {
  // All at once: each takes a few seconds, mostly waiting.
  await Promise.all(
    SCENARIOS.flatMap((scenario) =>
      (["guarded", "bare"] as const).map(async (mode) => {
        runs.set(`${scenario} ${mode}`, await runChild(scenario, mode));
      }),
    ),
  );
}, 60_000);

describe("a server that goes on sending after the client let go of its parser (real @xmpp/client, scripted server)", () => {
  it.each(AFTER_END)("%s: without the guard the process dies; with it, it lives and the stream ends", (scenario) => {
    const bare = runs.get(`${scenario} bare`)!;
    expect(bare.code, bare.stderr).not.toBe(0);
    expect(bare.stderr).toMatch(CRASH[scenario]);
    expect(bare.report).toBeUndefined();

    const guarded = runs.get(`${scenario} guarded`)!;
    expect({ code: guarded.code, stderr: guarded.stderr }).toEqual({ code: 0, stderr: "" });
    expect(guarded.report?.survived).toBe(true);
    // The stream ended as the client ends any: closed, then the socket.
    expect(guarded.report?.statuses.slice(-4)).toEqual(scenario === "stop-unanswered" ? ["close", "disconnecting", "disconnect", "offline"] : ["closing", "close", "disconnecting", "disconnect"]);
    // The server did send after the client's end of the socket was closed.
    expect(guarded.report?.writesAfterEnd).toBeGreaterThan(0);
  });

  it("XML the parser throws on reaches the app as the client's error event, as XML it reports does", () => {
    expect(runs.get("illegal-entity guarded")?.report?.errors).toEqual(["XMLError: Illegal XML entity &bogus;"]);
    expect(runs.get("illegal-char guarded")?.report?.errors).toEqual(["XMLError: Illegal XML character 0x0"]);
    expect(runs.get("not-well-formed guarded")?.report?.errors).toEqual(["XMLError: message must be closed."]);
  });
});

describe("a server that resets the connection before its stream header (real @xmpp/client, scripted server)", () => {
  it("without the guard the process dies of start()'s unhandled wait; with it, start() rejects and the process lives", () => {
    const bare = runs.get("reset-before-header bare")!;
    expect(bare.code, bare.stderr).not.toBe(0);
    expect(bare.stderr).toMatch(CRASH["reset-before-header"]);
    expect(bare.report).toBeUndefined();

    const guarded = runs.get("reset-before-header guarded")!;
    expect({ code: guarded.code, stderr: guarded.stderr }).toEqual({ code: 0, stderr: "" });
    expect(guarded.report?.survived).toBe(true);
    // The app hears of it as before: start() rejects, and the client's error event.
    expect(guarded.report?.startError).toBe("Error: read ECONNRESET");
    expect(guarded.report?.errors).toEqual(["Error: read ECONNRESET"]);
    expect(guarded.report?.statuses.slice(0, 2)).toEqual(["connecting", "connect"]);
  });
});
