/**
 * Timeouts callers give, over the mock connection with fake timers: each is
 * checked at once (a `RangeError` for 0, a negative number, `NaN`, or more
 * than `setTimeout` can wait), and `Infinity` means no timeout — where
 * `setTimeout` itself would fire a delay beyond 2³¹ − 1 ms at once, so a
 * join "without timeout" failed in a millisecond with "no answer … within
 * Infinity ms".
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import xml from "@xmpp/xml";
import { MucService, type Room } from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";
import { checkDelay, checkTimeout, MAX_TIMER_DELAY, monotonicNow, startTimeout } from "../../../src/common/timers.js";
import { serviceContext } from "../../../src/client/service.js";

const ROOM = "coven@chat.shakespeare.lit";
const ME = "hag66@shakespeare.lit/pda";
const MUC_USER = "http://jabber.org/protocol/muc#user";
const DAY = 86_400_000;

let services: MucService[] = [];

function service(options: ConstructorParameters<typeof MucService>[1] = {}): { conn: MockConnection; muc: MucService } {
  const conn = new MockConnection({ jid: ME });
  const muc = new MucService(conn, { selfPing: false, ...options });
  services.push(muc);
  return { conn, muc };
}

async function joined(conn: MockConnection, muc: MucService): Promise<Room> {
  const { joined: done } = muc.join(ROOM, "thirdwitch");
  await vi.advanceTimersByTimeAsync(0);
  conn.receive(`<presence from='${ROOM}/thirdwitch' to='${ME}'><x xmlns='${MUC_USER}'><item affiliation='member' role='participant'/><status code='110'/></x></presence>`);
  conn.receive(`<message from='${ROOM}' to='${ME}' type='groupchat'><subject>Fire Burn</subject></message>`);
  return done;
}

let warnings: string[] = [];
const onWarning = (w: Error): void => void warnings.push(w.name);

beforeEach(() => {
  vi.useFakeTimers();
  warnings = [];
  process.on("warning", onWarning);
});

afterEach(() => {
  for (const muc of services) muc.close();
  services = [];
  process.off("warning", onWarning);
  vi.useRealTimers();
});

describe("the timer helpers", () => {
  it("checkTimeout takes (0, 2³¹ − 1] ms and Infinity, and nothing else", () => {
    expect(checkTimeout("t", 1)).toBe(1);
    expect(checkTimeout("t", MAX_TIMER_DELAY)).toBe(MAX_TIMER_DELAY);
    expect(checkTimeout("t", Infinity)).toBe(Infinity);
    for (const bad of [0, -1, Number.NaN, MAX_TIMER_DELAY + 1, -Infinity, "5000" as unknown as number]) {
      expect(() => checkTimeout("join timeout", bad)).toThrow(RangeError);
    }
    expect(() => checkTimeout("join timeout", 0)).toThrow("join timeout: expected (0, 2147483647] ms or Infinity, got 0");
  });

  it("checkDelay takes (0, 2³¹ − 1] ms only", () => {
    expect(checkDelay("d", 10)).toBe(10);
    expect(() => checkDelay("selfPing.interval", Infinity)).toThrow("selfPing.interval: expected (0, 2147483647] ms, got Infinity");
    expect(() => checkDelay("d", 3e9)).toThrow(RangeError);
  });

  it("startTimeout sets no timer for Infinity", async () => {
    const fn = vi.fn();
    expect(startTimeout(fn, Infinity)).toBeUndefined();
    const timer = startTimeout(fn, 10);
    expect(timer).toBeDefined();
    await vi.advanceTimersByTimeAsync(10);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe("MucService timeouts", () => {
  it("a join with timeout Infinity waits for the room as long as it takes", async () => {
    const { conn, muc } = service();
    const { joined: done } = muc.join(ROOM, "thirdwitch", { timeout: Infinity });
    let settled = false;
    void done.then(() => (settled = true), () => (settled = true));
    await vi.advanceTimersByTimeAsync(100 * DAY);
    expect(settled).toBe(false);
    conn.receive(`<presence from='${ROOM}/thirdwitch' to='${ME}'><x xmlns='${MUC_USER}'><item affiliation='member' role='participant'/><status code='110'/></x></presence>`);
    await expect(done).resolves.toBeDefined();
    expect(warnings).toEqual([]);
  });

  it("a join timeout out of range is refused at once, and no room is made", () => {
    const { muc } = service();
    for (const timeout of [0, -5, Number.NaN, 3e9]) {
      expect(() => muc.join(ROOM, "thirdwitch", { timeout })).toThrow(RangeError);
    }
    expect(muc.getRoom(ROOM)).toBeUndefined();
    // The room is still free to join.
    expect(() => muc.join(ROOM, "thirdwitch")).not.toThrow();
  });

  it("the service's own timeouts and self-ping delays are checked when it is made", () => {
    const conn = new MockConnection({ jid: ME });
    expect(() => new MucService(conn, { joinTimeout: 0 })).toThrow(/joinTimeout/);
    expect(() => new MucService(conn, { trackerTimeout: -1 })).toThrow(/trackerTimeout/);
    expect(() => new MucService(conn, { selfPing: { interval: Infinity } })).toThrow(/selfPing\.interval/);
    expect(() => new MucService(conn, { selfPing: { timeout: 0 } })).toThrow(/selfPing\.timeout/);
    expect(() => new MucService(conn, { liveness: { idle: 3e9 } })).toThrow(/liveness\.idle/);
    // Nothing was left listening by the refused services.
    expect(conn.listenerCount("stanza")).toBe(0);
    services.push(new MucService(conn, { joinTimeout: Infinity, trackerTimeout: Infinity }));
  });

  it("an IQ with timeout Infinity waits; one out of range is refused", async () => {
    const { conn, muc } = service();
    const { iq } = serviceContext(muc);
    const pending = iq.request("get", "shakespeare.lit", xml("ping", { xmlns: "urn:xmpp:ping" }), { timeout: Infinity });
    let settled = false;
    void pending.then(() => (settled = true), () => (settled = true));
    const sent = await conn.nextSent((s) => s.is("iq"));
    await vi.advanceTimersByTimeAsync(100 * DAY);
    expect(settled).toBe(false);
    conn.replyResult(sent);
    await expect(pending).resolves.toBeDefined();
    await expect(iq.request("get", "shakespeare.lit", xml("ping", { xmlns: "urn:xmpp:ping" }), { timeout: 0 })).rejects.toThrow(RangeError);
    expect(warnings).toEqual([]);
  });

  it("setSubject, setNick and leave refuse a timeout out of range, and wait with Infinity", async () => {
    const { conn, muc } = service();
    const room = await joined(conn, muc);
    conn.takeSent();
    await expect(room.setSubject("New", { timeout: -1 })).rejects.toThrow(/subject timeout/);
    await expect(room.setNick("fourthwitch", { timeout: Number.NaN })).rejects.toThrow(/nick change timeout/);
    await expect(room.leave({ timeout: 3e9 })).rejects.toThrow(/leave timeout/);
    // Nothing was sent for any of them, and the room is as it was.
    expect(conn.takeSent()).toEqual([]);
    expect(room.nick).toBe("thirdwitch");
    let settled = false;
    const subject = room.setSubject("New", { timeout: Infinity });
    void subject.then(() => (settled = true), () => (settled = true));
    await vi.advanceTimersByTimeAsync(100 * DAY);
    expect(settled).toBe(false);
    conn.receive(`<message from='${ROOM}/thirdwitch' to='${ME}' type='groupchat'><subject>New</subject></message>`);
    await expect(subject).resolves.toBeUndefined();
    expect(warnings).toEqual([]);
  });
});

describe("tracked messages", () => {
  it("a tracking timeout out of range is refused before anything is made or sent", async () => {
    const { conn, muc } = service();
    const room = await joined(conn, muc);
    await vi.advanceTimersByTimeAsync(0);
    conn.takeSent();
    expect(() => room.sendTrackedMessage("never", { timeout: 0 })).toThrow(/tracking timeout/);
    await vi.advanceTimersByTimeAsync(0);
    expect(conn.takeSent()).toEqual([]);
  });
});

describe("the stream guard's negotiation timeout", () => {
  it("is checked when the service is made, and Infinity never restarts a negotiation", () => {
    const conn = new MockConnection({ jid: ME });
    expect(() => new MucService(conn, { guardStream: { negotiationTimeout: 3e9 } })).toThrow(/negotiationTimeout/);
    expect(conn.listenerCount("stanza")).toBe(0);
    services.push(new MucService(conn, { guardStream: { negotiationTimeout: Infinity } }));
  });
});

describe("monotonicNow", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("is performance.now(), which a clock setting does not move", () => {
    vi.useFakeTimers();
    const before = monotonicNow();
    vi.setSystemTime(Date.now() - 3_600_000);
    vi.advanceTimersByTime(1_000);
    expect(monotonicNow() - before).toBe(1_000);
    vi.useRealTimers();
  });

  it("falls back on Date.now() in a runtime without performance", () => {
    vi.stubGlobal("performance", undefined);
    const now = Date.now();
    expect(monotonicNow()).toBeGreaterThanOrEqual(now);
    expect(monotonicNow()).toBeLessThan(now + 1_000);
  });
});
