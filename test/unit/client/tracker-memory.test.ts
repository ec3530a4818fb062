/**
 * Memory stays flat over 100,000 tracked messages: every tracker settles
 * (reflections, errors, timeouts, aborts, closes), the registry empties, no
 * timer is left, and settled trackers the application dropped are
 * collected. The garbage-collection part needs `--expose-gc`, so it runs in
 * a child process (fixtures/tracker-memory-child.ts) that prints JSON.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import xml, { type Element } from "@xmpp/xml";
import { MessageState } from "../../../src/client/enums.js";
import { TrackerRegistry, type MessageStateChange, type MessageTracker } from "../../../src/client/tracker.js";
import { NS } from "../../../src/xso/ns.js";

const ROOM = "coven@chat.shakespeare.lit";
const TOTAL = 100_000;
const BATCH = 1000;
const SAMPLE_EVERY = 100;
const MAX_HEAP_GROWTH = 5 * 1024 * 1024;
const CHILD = fileURLToPath(new URL("./fixtures/tracker-memory-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CHILD_TIMEOUT = 90_000;

function outgoing(id: string): Element {
  return xml("message", { xmlns: NS.CLIENT, to: ROOM, type: "groupchat", id }, xml("body", {}, `message ${id}`));
}

function reflectionOf(id: string, n: number): Element {
  return xml(
    "message",
    { xmlns: NS.CLIENT, from: `${ROOM}/me`, type: "groupchat", id },
    xml("body", {}, `message ${id}`),
    xml("origin-id", { xmlns: NS.SID, id }),
    xml("stanza-id", { xmlns: NS.SID, id: `room-${n}`, by: ROOM }),
  );
}

function errorOf(id: string): Element {
  return xml("message", { xmlns: NS.CLIENT, from: ROOM, type: "error", id }, xml("error", { type: "modify" }, xml("not-acceptable", { xmlns: NS.STANZAS })));
}

/** What the child process reports. */
interface ChildReport {
  total: number;
  registrySize: number;
  pendingTimers: number;
  retained: number;
  counts: Record<string, number>;
  samples: number;
  collected: number;
  heapBefore: number;
  heapAfter: number;
  heapGrowth: number;
  elapsedMs: number;
}

/** Run the child script under `node --expose-gc --import tsx`, bounded in time, and parse its JSON line. */
function runChild(args: string[]): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--expose-gc", "--import", "tsx", CHILD, ...args],
      { cwd: ROOT, timeout: CHILD_TIMEOUT, killSignal: "SIGKILL", maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`tracker-memory child failed: ${error.message}\n${stderr}`, { cause: error }));
          return;
        }
        const line = stdout.trim().split("\n").pop() ?? "";
        try {
          resolve(JSON.parse(line) as ChildReport);
        } catch (e) {
          reject(new Error(`tracker-memory child printed no JSON: ${stdout}\n${stderr}`, { cause: e }));
        }
      },
    );
  });
}

const EXPECTED_COUNTS = {
  [MessageState.DELIVERED_TO_RECIPIENT]: TOTAL / 4,
  [MessageState.ERROR]: TOTAL / 4,
  [MessageState.TIMED_OUT]: TOTAL / 4,
  [MessageState.ABORTED]: TOTAL / 8,
  [MessageState.CLOSED]: TOTAL / 8,
};

describe("memory over 100,000 tracked messages", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("every tracker settles, the registry empties and no timer is left (fake timers)", async () => {
    const registry = new TrackerRegistry();
    const counts: Record<string, number> = {};
    const count = (change: MessageStateChange): void => {
      if (change.tracker.settled) counts[change.state] = (counts[change.state] ?? 0) + 1;
    };
    const samples: Array<{ tracker: MessageTracker; kind: number }> = [];
    let maxSize = 0;
    let maxTimers = 0;

    for (let start = 0; start < TOTAL; start += BATCH) {
      const batch: Array<{ tracker: MessageTracker; kind: number }> = [];
      for (let i = start; i < start + BATCH; i++) {
        const kind = i % 8; // 0-1 reflected (0 acked first), 2-3 error, 4-5 time out, 6 aborted, 7 closed
        const stanza = outgoing(`msg-${i}`);
        const tracker = registry.track(stanza, { timeout: kind === 4 || kind === 5 ? 1000 : 120_000 });
        tracker.on("stateChange", count);
        if (kind === 0) registry.onAck(stanza);
        if (i % SAMPLE_EVERY === 0) samples.push({ tracker, kind });
        batch.push({ tracker, kind });
      }
      maxSize = Math.max(maxSize, registry.size);
      maxTimers = Math.max(maxTimers, vi.getTimerCount());
      for (const [j, { tracker, kind }] of batch.entries()) {
        if (kind <= 1) expect(registry.onReflection(reflectionOf(tracker.id, start + j), tracker.originId, tracker.id)).toBe(true);
        else if (kind <= 3) expect(registry.onError(errorOf(tracker.id))).toBe(true);
        else if (kind === 7) tracker.close();
      }
      vi.advanceTimersByTime(1000);
      expect(registry.abortAll()).toBe(BATCH / 8);
      expect(registry.size).toBe(0);
    }

    expect(registry.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(maxSize).toBe(BATCH);
    expect(maxTimers).toBe(BATCH);
    expect(counts).toEqual(EXPECTED_COUNTS);

    const expected = [
      MessageState.DELIVERED_TO_RECIPIENT,
      MessageState.DELIVERED_TO_RECIPIENT,
      MessageState.ERROR,
      MessageState.ERROR,
      MessageState.TIMED_OUT,
      MessageState.TIMED_OUT,
      MessageState.ABORTED,
      MessageState.CLOSED,
    ];
    for (const { tracker, kind } of samples) {
      expect(tracker.state).toBe(expected[kind]);
      expect(tracker.settled).toBe(true);
      expect(tracker.listenerCount("stateChange")).toBe(0);
      await expect(tracker.done).resolves.toBe(expected[kind]);
    }
  });

  it(
    "settled trackers are collected and the heap stays flat (child process with --expose-gc)",
    async () => {
      const report = await runChild([String(TOTAL), String(SAMPLE_EVERY)]);
      expect(report.total).toBe(TOTAL);
      expect(report.registrySize).toBe(0);
      expect(report.pendingTimers).toBe(0);
      expect(report.counts).toEqual(EXPECTED_COUNTS);
      expect(report.samples).toBe(TOTAL / SAMPLE_EVERY);
      expect(report.collected).toBeGreaterThanOrEqual(report.samples * 0.95);
      expect(report.heapGrowth).toBeLessThan(MAX_HEAP_GROWTH);
    },
    CHILD_TIMEOUT + 10_000,
  );

  it(
    "control: the same harness notices trackers that are kept alive",
    async () => {
      const report = await runChild([String(TOTAL), String(SAMPLE_EVERY), "--retain"]);
      expect(report.retained).toBeGreaterThanOrEqual(TOTAL);
      expect(report.registrySize).toBe(0);
      expect(report.collected).toBe(0);
      expect(report.heapGrowth).toBeGreaterThan(MAX_HEAP_GROWTH);
    },
    CHILD_TIMEOUT + 10_000,
  );
});
