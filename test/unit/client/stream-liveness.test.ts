/**
 * `watchLiveness` over a small fake of an `@xmpp/client` entity (an
 * EventEmitter that emits `element`, `send` and `status`, records what it
 * sends, and has `disconnect()`), with fake timers: a silent stream is asked
 * for a sign of life after `idle`, or `afterSend` after a send; an answer of
 * any kind keeps it, no answer within `timeout` restarts it; the request is
 * an `<r/>` with stream management enabled, a ping of the server otherwise.
 */
import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from "vitest";
import xml, { type Element } from "@xmpp/xml";
import { watchLiveness } from "../../../src/client/stream-liveness.js";
import { MucService } from "../../../src/client/service.js";
import { MockConnection } from "../../../src/testing/index.js";

const NS_SM = "urn:xmpp:sm:3";

class FakeStreamManagement extends EventEmitter {
  enabled = false;
}

class FakeEntity extends EventEmitter {
  status = "offline";
  jid: { domain: string } | null = { domain: "example.org" };
  readonly streamManagement = new FakeStreamManagement();
  readonly sent: Element[] = [];
  readonly disconnect = vi.fn(async (): Promise<void> => {});

  async send(el: Element): Promise<void> {
    this.sent.push(el);
    this.emit("send", el);
  }

  setStatus(status: string): void {
    this.status = status;
    this.emit("status", status);
  }

  /** Something arrives from the server. */
  receive(el: Element = xml("message", { from: "room@muc.example.org/x", type: "groupchat" })): void {
    this.emit("element", el);
  }

  probes(): Element[] {
    return this.sent.filter((el) => el.is("r", NS_SM) || (el.name === "iq" && el.getChild("ping", "urn:xmpp:ping") !== undefined));
  }
}

type LogFn = (message: string, ...details: unknown[]) => void;
let stops: (() => void)[] = [];

function watched(settings: { idle?: number; afterSend?: number; timeout?: number } = {}): { entity: FakeEntity; log: { debug: Mock<LogFn>; warn: Mock<LogFn> } } {
  const entity = new FakeEntity();
  const log = { debug: vi.fn<LogFn>(), warn: vi.fn<LogFn>() };
  stops.push(watchLiveness(entity, log, { idle: 60_000, afterSend: 5_000, timeout: 20_000, ...settings }));
  return { entity, log };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  for (const stop of stops) stop();
  stops = [];
  vi.useRealTimers();
});

describe("watchLiveness", () => {
  it("asks a server that has been silent for `idle` with a ping of its domain, and restarts the stream when nothing answers within `timeout`", async () => {
    const { entity, log } = watched();
    entity.setStatus("online");
    await vi.advanceTimersByTimeAsync(59_999);
    expect(entity.probes()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    const [ping] = entity.probes();
    expect(ping?.attrs).toMatchObject({ type: "get", to: "example.org" });
    expect(ping?.getChild("ping", "urn:xmpp:ping")).toBeDefined();
    await vi.advanceTimersByTimeAsync(19_999);
    expect(entity.disconnect).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(entity.disconnect).toHaveBeenCalledTimes(1);
    expect(log.warn).toHaveBeenCalledWith(expect.stringContaining("restarting the stream"));
  });

  it("asks with an <r/> when stream management is enabled", async () => {
    const { entity } = watched();
    entity.streamManagement.enabled = true;
    entity.setStatus("online");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(entity.probes().map((el) => el.name)).toEqual(["r"]);
  });

  it("keeps a stream that answers, whatever the answer, and asks again only after another silence", async () => {
    const { entity } = watched();
    entity.setStatus("online");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(entity.probes()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    entity.receive(xml("iq", { type: "error", id: "liveness-1", from: "example.org" }));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(entity.disconnect).not.toHaveBeenCalled();
    expect(entity.probes()).toHaveLength(1);
    // The next silence counts from the look that saw the answer (at 80 s): asked again at 140 s.
    await vi.advanceTimersByTimeAsync(39_999);
    expect(entity.probes()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(entity.probes()).toHaveLength(2);
    expect(entity.disconnect).not.toHaveBeenCalled();
  });

  it("a clock set back an hour, before the question or while it waits, delays neither the question nor the restart", async () => {
    const { entity } = watched();
    entity.setStatus("online");
    await vi.advanceTimersByTimeAsync(30_000);
    vi.setSystemTime(Date.now() - 3_600_000);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(entity.probes()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    vi.setSystemTime(Date.now() - 3_600_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(entity.disconnect).toHaveBeenCalledTimes(1);
  });

  it("never asks a stream that keeps receiving", async () => {
    const { entity } = watched();
    entity.setStatus("online");
    for (let i = 0; i < 100; i++) {
      await vi.advanceTimersByTimeAsync(10_000);
      entity.receive();
    }
    expect(entity.probes()).toEqual([]);
  });

  it("asks `afterSend` after a send that nothing followed, even on a stream busy until just before", async () => {
    const { entity } = watched();
    entity.setStatus("online");
    await vi.advanceTimersByTimeAsync(1_000);
    await entity.send(xml("message", { to: "room@muc.example.org", type: "groupchat" }));
    entity.receive(); // the reflection
    await vi.advanceTimersByTimeAsync(3_000);
    // A second send: nothing follows it.
    await entity.send(xml("message", { to: "room@muc.example.org", type: "groupchat" }));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(entity.probes()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(entity.probes()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(entity.disconnect).toHaveBeenCalledTimes(1);
  });

  it("counts `afterSend` from the first send nothing followed, not from the last of a burst", async () => {
    const { entity } = watched();
    entity.setStatus("online");
    for (let i = 0; i < 10; i++) {
      await entity.send(xml("message", { to: "room@muc.example.org", type: "groupchat" }));
      await vi.advanceTimersByTimeAsync(1_000);
    }
    // 10 s of sends without an answer: asked at 5 s.
    expect(entity.probes()).toHaveLength(1);
  });

  it("does nothing while the stream is not online, and starts again on `online` or a resumption", async () => {
    const { entity } = watched();
    entity.setStatus("connecting");
    await vi.advanceTimersByTimeAsync(200_000);
    expect(entity.sent).toEqual([]);
    entity.setStatus("online");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(entity.probes()).toHaveLength(1);
    // The stream dies while the request is out: no restart of a stream that is gone.
    entity.setStatus("disconnect");
    await vi.advanceTimersByTimeAsync(100_000);
    expect(entity.disconnect).not.toHaveBeenCalled();
    // A resumption: the status is set after the event, as @xmpp/client does; looked at `afterSend` later.
    entity.streamManagement.enabled = true;
    entity.streamManagement.emit("resumed");
    entity.status = "online";
    await vi.advanceTimersByTimeAsync(5_000);
    expect(entity.probes().map((el) => el.name)).toEqual(["iq", "r"]);
  });

  it("stops watching when its stop function is called", async () => {
    const entity = new FakeEntity();
    const stop = watchLiveness(entity, { debug: () => {}, warn: () => {} }, { idle: 1_000 });
    entity.setStatus("online");
    stop();
    await vi.advanceTimersByTimeAsync(100_000);
    expect(entity.sent).toEqual([]);
    expect(entity.listenerCount("element") + entity.listenerCount("send") + entity.listenerCount("status")).toBe(0);
    expect(entity.streamManagement.listenerCount("resumed")).toBe(0);
  });

  it("rejects a delay that is not a positive number", () => {
    const log = { debug: () => {}, warn: () => {} };
    expect(() => watchLiveness(new FakeEntity(), log, { idle: 0 })).toThrow(RangeError);
    expect(() => watchLiveness(new FakeEntity(), log, { timeout: -1 })).toThrow(/liveness\.timeout/);
    expect(() => watchLiveness(new FakeEntity(), log, { afterSend: Number.NaN })).toThrow(RangeError);
  });

  it("leaves a connection without `disconnect()` alone (the mock connection)", async () => {
    const conn = new MockConnection();
    const muc = new MucService(conn);
    await vi.advanceTimersByTimeAsync(200_000);
    expect(conn.takeSent()).toEqual([]);
    muc.close();
  });

  it("is on in MucService by default, and `liveness: false` turns it off", async () => {
    const on = new FakeEntity();
    const off = new FakeEntity();
    const services = [new MucService(on as never, { liveness: { idle: 1_000 } }), new MucService(off as never, { liveness: false })];
    on.setStatus("online");
    off.setStatus("online");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(on.probes()).toHaveLength(1);
    expect(off.probes()).toEqual([]);
    for (const s of services) s.close();
  });
});
