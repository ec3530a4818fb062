import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_REMOVAL_REJOINS, REJOIN_RETRY_MAX_DELAY, REJOIN_RETRY_WINDOW, REMOVAL_WINDOW, RejoinRetry, RejoinWatch, RemovalBreaker } from "../../../src/client/rejoin-schedule.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("RejoinWatch: the one wait of a rejoining room", () => {
  it("ends after its time while still waiting and connected; waits again while the stream is down", () => {
    vi.useFakeTimers();
    let connected = false;
    const watch = new RejoinWatch(() => connected);
    const done = vi.fn();
    watch.start(1_000, () => true, done);
    vi.advanceTimersByTime(2_500);
    expect(done).not.toHaveBeenCalled();
    connected = true;
    vi.advanceTimersByTime(500);
    expect(done).toHaveBeenCalledTimes(1);
  });

  it("does nothing once no longer waiting, once stopped, or when replaced by a newer wait", () => {
    vi.useFakeTimers();
    const watch = new RejoinWatch(() => true);
    const first = vi.fn();
    watch.start(1_000, () => false, first);
    vi.advanceTimersByTime(1_000);
    const second = vi.fn();
    watch.start(1_000, () => true, second);
    watch.stop();
    const third = vi.fn();
    const fourth = vi.fn();
    watch.start(1_000, () => true, third);
    watch.start(2_000, () => true, fourth);
    vi.advanceTimersByTime(1_500);
    expect([first, second, third, fourth].map((f) => f.mock.calls.length)).toEqual([0, 0, 0, 0]);
    vi.advanceTimersByTime(500);
    expect(fourth).toHaveBeenCalledTimes(1);
  });
});

describe("RemovalBreaker: a room that keeps removing us is not rejoined in a loop", () => {
  it(`admits ${MAX_REMOVAL_REJOINS} removals within the window, not one more; the window slides; a new session resets it`, () => {
    vi.useFakeTimers();
    const breaker = new RemovalBreaker();
    for (let i = 0; i < MAX_REMOVAL_REJOINS; i++) expect(breaker.admit()).toBe(true);
    expect(breaker.admit()).toBe(false);
    vi.advanceTimersByTime(REMOVAL_WINDOW);
    expect(breaker.admit()).toBe(true);
    breaker.admit();
    breaker.admit();
    expect(breaker.admit()).toBe(false);
    breaker.reset();
    expect(breaker.admit()).toBe(true);
  });
});

describe("RejoinRetry: a rejoin refused for now is tried again, not for ever", () => {
  it(`waits 1, 2, 4 … s, at most ${REJOIN_RETRY_MAX_DELAY / 1000} s, for ${REJOIN_RETRY_WINDOW / 1000} s from the first refusal; reset starts again`, () => {
    vi.useFakeTimers();
    const retry = new RejoinRetry();
    const waits: number[] = [];
    for (let wait = retry.next(); wait !== undefined; wait = retry.next()) {
      waits.push(wait);
      vi.advanceTimersByTime(wait);
    }
    expect(waits.slice(0, 6)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
    expect(waits.slice(5).every((w) => w === REJOIN_RETRY_MAX_DELAY)).toBe(true);
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(REJOIN_RETRY_WINDOW);
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThan(REJOIN_RETRY_WINDOW + REJOIN_RETRY_MAX_DELAY);
    retry.reset();
    expect(retry.next()).toBe(1_000);
  });
});

describe("waits measured on the monotonic clock: a clock setting moves none of them", () => {
  it("refused rejoins: a clock set forward ten minutes does not end the retries before their five minutes", () => {
    vi.useFakeTimers();
    const retry = new RejoinRetry();
    expect(retry.next()).toBeDefined();
    vi.setSystemTime(Date.now() + 600_000);
    vi.advanceTimersByTime(1_000);
    expect(retry.next()).toBeDefined();
    vi.advanceTimersByTime(REJOIN_RETRY_WINDOW);
    expect(retry.next()).toBeUndefined();
  });

  it("removals: a clock set back an hour does not make old removals count as recent", () => {
    vi.useFakeTimers();
    const breaker = new RemovalBreaker();
    for (let i = 0; i < MAX_REMOVAL_REJOINS; i++) expect(breaker.admit()).toBe(true);
    vi.advanceTimersByTime(REMOVAL_WINDOW);
    vi.setSystemTime(Date.now() - 3_600_000);
    expect(breaker.admit()).toBe(true);
  });
});
