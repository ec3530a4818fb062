import { afterEach, describe, expect, it, vi } from "vitest";
import { RejoinWatch } from "../../../src/client/rejoin-watch.js";
import { MAX_REMOVAL_REJOINS, REMOVAL_WINDOW, RemovalBreaker } from "../../../src/client/removal-breaker.js";

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
