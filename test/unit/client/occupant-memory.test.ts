/**
 * What a room keeps per occupant costs as little memory as it can: in a
 * room of tens of thousands, every byte is paid tens of thousands of times,
 * and what is kept is copied by the garbage collector during the join.
 *
 * - strings cut from a network read are kept as copies of one object each
 *   (not as slices, which keep the read alive, nor as a slice of a copy);
 * - a role, an affiliation or a show is the program's own constant, one
 *   string for every occupant, whether the presence was read in one pass
 *   or by the codecs;
 * - the domain of occupants' real JIDs is one string for all of them;
 * - a real JID is an object no bigger than its three parts need.
 *
 * Only a heap snapshot tells which heap object a string is, so the room
 * runs in a child process (fixtures/occupant-memory-child.ts) that reports
 * what the snapshot shows.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { HeapOccupant, KeptString } from "./fixtures/occupant-memory-child.js";

const CHILD = fileURLToPath(new URL("./fixtures/occupant-memory-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

interface ChildReport {
  occupantCount: number;
  occupants: HeapOccupant[];
  threeFieldBytes: number;
}

function runChild(): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", CHILD], { cwd: ROOT, timeout: 60_000, killSignal: "SIGKILL", maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`occupant-memory child failed: ${error.message}\n${stderr}`, { cause: error }));
        return;
      }
      resolve(JSON.parse(stdout.trim().split("\n").pop() ?? "") as ChildReport);
    });
  });
}

describe("the strings a room keeps per occupant", () => {
  let others: HeapOccupant[];
  let all: HeapOccupant[];
  let threeFieldBytes: number;

  beforeAll(async () => {
    const report = await runChild();
    expect(report.occupantCount).toBe(5);
    all = report.occupants;
    threeFieldBytes = report.threeFieldBytes;
    others = all.filter((o) => o.nick.text !== "me");
    expect(all).toHaveLength(5);
    expect(others).toHaveLength(4);
  }, 60_000);

  it("keeps nicks, occupant ids and real JIDs as flat copies, not slices of the network read", () => {
    const kept: KeptString[] = others.flatMap((o) => [o.nick, o.occupantId, o.jidLocal, o.jidDomain, o.jidResource].filter((s): s is KeptString => s !== undefined));
    expect(kept).toHaveLength(others.length * 5);
    for (const s of kept) {
      expect(s.text.length).toBeGreaterThanOrEqual(13); // long enough to be cut as a slice
      expect({ text: s.text, type: s.type }).toEqual({ text: s.text, type: "string" });
    }
  });

  it("shares one role, one affiliation and one show string among all occupants", () => {
    expect(new Set(all.map((o) => o.role.id)).size).toBe(1);
    expect(new Set(all.map((o) => o.affiliation.id)).size).toBe(1);
    expect(all.map((o) => o.role.text)).toEqual(Array(5).fill("participant"));
    // The show comes from an element's text, the others from attributes; delta's presence is read
    // by the codecs, the others' by the one-pass reading: each way gives the constant.
    const shows = others.filter((o) => o.show !== undefined).map((o) => o.show as KeptString);
    expect(shows.map((s) => s.text)).toEqual(["away", "away", "away"]);
    expect(new Set(shows.map((s) => s.id)).size).toBe(1);
  });

  it("shares one string for the domain of their real JIDs", () => {
    const domains = others.map((o) => o.jidDomain);
    expect(domains.map((d) => d?.text)).toEqual(Array(4).fill("swarm.example.net"));
    expect(new Set(domains.map((d) => d?.id)).size).toBe(1);
  });

  it("keeps each real JID in an object no bigger than three fields need", () => {
    expect(threeFieldBytes).toBeGreaterThan(0);
    for (const o of others) expect(o.jidBytes).toBe(threeFieldBytes);
  });
});
