import { afterEach, describe, expect, it, vi } from "vitest";
import { JoinAnswers } from "../../../src/client/join-answers.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("JoinAnswers: the joins whose answer may still come", () => {
  it("a self-presence echoing a join's id answers that join and the older ones, not the newer", () => {
    const joins = new JoinAnswers(() => 30_000);
    for (const id of ["j1", "j2", "j3"]) joins.sent(id);
    joins.answered("j2");
    expect(joins.pending).toBe(true);
    joins.answered("j3");
    expect(joins.pending).toBe(false);
  });

  it("a self-presence without an id answers every join (a server that does not echo ids); an unknown id answers none", () => {
    const joins = new JoinAnswers(() => 30_000);
    joins.sent("j1");
    joins.answered("someone-else's");
    expect(joins.pending).toBe(true);
    joins.answered(undefined);
    expect(joins.pending).toBe(false);
  });

  it("a join unanswered for longer than the patience is given up", () => {
    vi.useFakeTimers();
    const joins = new JoinAnswers(() => 1_000);
    joins.sent("j1");
    vi.advanceTimersByTime(999);
    expect(joins.pending).toBe(true);
    vi.advanceTimersByTime(2);
    expect(joins.pending).toBe(false);
  });

  it("keeps the last 16 joins at most, and none once cleared", () => {
    const joins = new JoinAnswers(() => 30_000);
    for (let i = 0; i < 20; i++) joins.sent(`j${i}`);
    joins.answered("j3"); // forgotten: answers nothing
    expect(joins.pending).toBe(true);
    joins.answered("j19");
    expect(joins.pending).toBe(false);
    joins.sent("j20");
    joins.clear();
    expect(joins.pending).toBe(false);
  });
});

describe("JoinAnswers on the monotonic clock", () => {
  it("a clock set back an hour does not keep a join that was given up pending", () => {
    vi.useFakeTimers();
    const joins = new JoinAnswers(() => 1_000);
    joins.sent("j1");
    vi.advanceTimersByTime(1_001);
    vi.setSystemTime(Date.now() - 3_600_000);
    expect(joins.pending).toBe(false);
  });
});
