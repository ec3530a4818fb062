/**
 * XEP-0410 MUC Self-Ping: the ping sent (XEP-0199 `<ping/>` in an IQ get to
 * our occupant JID), the reading of every answer per XEP-0410 §3.2
 * (version 1.1.0), and the scheduling of {@link SelfPinger}.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from "vitest";
import type { Element } from "@xmpp/xml";
import type { JID } from "@xmpp/jid";
import { IqClient } from "../../../src/client/iq.js";
import { silentLogger, type Logger } from "../../../src/common/logger.js";
import { isAbortError, isMucStateError } from "../../../src/common/errors.js";
import {
  DEFAULT_SELF_PING_INTERVAL,
  SelfPinger,
  SelfPingResult,
  selfPing,
  selfPingResultForCondition,
  type SelfPingerOptions,
} from "../../../src/client/self-ping.js";
import { MockConnection } from "../../../src/testing/mock-connection.js";
import { STANZA_ERROR_CONDITIONS, type StanzaErrorCondition } from "../../../src/xso/stanza-error.js";
import { parseJid } from "../../../src/xso/values.js";

const ROOM = "coven@chat.shakespeare.lit";
const OCCUPANT = `${ROOM}/thirdwitch`;
const occupant: JID = parseJid(OCCUPANT);

function isPing(s: Element): boolean {
  return s.is("iq") && s.getChild("ping", "urn:xmpp:ping") !== undefined;
}

/** Let promise chains settle without moving (fake) time. */
async function flush(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

function setup(): { conn: MockConnection; iq: IqClient } {
  const conn = new MockConnection();
  return { conn, iq: new IqClient(conn, silentLogger) };
}

describe("selfPing", () => {
  it("sends an IQ get with <ping xmlns='urn:xmpp:ping'/> to our occupant JID; a result means joined", async () => {
    const { conn, iq } = setup();
    const result = selfPing(iq, occupant);
    const sent = await conn.nextSent(isPing);
    expect(sent.name).toBe("iq");
    expect(sent.attrs.type).toBe("get");
    expect(sent.attrs.to).toBe(OCCUPANT);
    expect(typeof sent.attrs.id).toBe("string");
    const children = sent.children.filter((c) => typeof c !== "string") as Element[];
    expect(children).toHaveLength(1);
    const ping = children[0]!;
    expect(ping.name).toBe("ping");
    expect(ping.attrs).toEqual({ xmlns: "urn:xmpp:ping" });
    expect(ping.children).toHaveLength(0);
    conn.replyResult(sent);
    await expect(result).resolves.toBe("joined");
  });

  it.each<[StanzaErrorCondition, SelfPingResult, string]>([
    ["service-unavailable", "joined", "joined; the pinged client does not implement XEP-0199"],
    ["feature-not-implemented", "joined", "joined; the pinged client does not implement XEP-0199"],
    ["item-not-found", "joined", "joined; the occupant just changed their nickname"],
    ["remote-server-not-found", "inconclusive", "remote server unreachable: treat like a timeout"],
    ["remote-server-timeout", "inconclusive", "remote server unreachable: treat like a timeout"],
    ["not-acceptable", "not-joined", "the error the XEP recommends for a non-occupant"],
    ["not-allowed", "not-joined", "sent by some services to a non-occupant (footnote)"],
    ["bad-request", "not-joined", "sent by some services to a non-occupant (footnote)"],
    ["forbidden", "not-joined", "any other error"],
    ["internal-server-error", "not-joined", "any other error"],
  ])("an error <%s/> means %s (%s)", async (condition, expected) => {
    const { conn, iq } = setup();
    const result = selfPing(iq, occupant);
    conn.replyError(await conn.nextSent(isPing), condition);
    await expect(result).resolves.toBe(expected);
  });

  it("reads the XEP's own 'Server Response to a Non-Occupant' example as not joined", async () => {
    const { conn, iq } = setup();
    const result = selfPing(iq, occupant);
    const sent = await conn.nextSent(isPing);
    conn.receive(`<iq from='${OCCUPANT}' id='${sent.attrs.id}' type='error' to='juliet@capulet.lit/balcony'>
      <error type="cancel" by="${ROOM}"><not-acceptable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>`);
    await expect(result).resolves.toBe("not-joined");
  });

  it("an unknown error condition (read as undefined-condition) is 'any other error': not joined", async () => {
    const { conn, iq } = setup();
    const result = selfPing(iq, occupant);
    const sent = await conn.nextSent(isPing);
    conn.receive(`<iq from='${OCCUPANT}' id='${sent.attrs.id}' type='error'>
      <error type='cancel'><gone-fishing xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`);
    await expect(result).resolves.toBe("not-joined");
  });

  it("no answer within the timeout is inconclusive", async () => {
    const { conn, iq } = setup();
    const result = selfPing(iq, occupant, { timeout: 20 });
    await conn.nextSent(isPing);
    await expect(result).resolves.toBe("inconclusive");
  });

  it("an abort rejects with an AbortError, and the late answer is ignored", async () => {
    const { conn, iq } = setup();
    const controller = new AbortController();
    const result = selfPing(iq, occupant, { signal: controller.signal });
    const sent = await conn.nextSent(isPing);
    controller.abort();
    const error = await result.catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(() => conn.replyResult(sent)).not.toThrow();
  });

  it("an already aborted signal rejects with an AbortError without sending", async () => {
    const { conn, iq } = setup();
    const error = await selfPing(iq, occupant, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(conn.sent).toHaveLength(0);
  });

  it("a ping that cannot be sent is not an answer: its error is rethrown", async () => {
    const conn = new MockConnection({ online: false });
    const iq = new IqClient(conn, silentLogger);
    await expect(selfPing(iq, occupant)).rejects.toThrow(/cannot send/);
  });
});

describe("selfPingResultForCondition", () => {
  it("reads exactly the five conditions XEP-0410 §3.2 names as joined or inconclusive, every other as not joined", () => {
    const special: Record<string, SelfPingResult> = {
      "service-unavailable": "joined",
      "feature-not-implemented": "joined",
      "item-not-found": "joined",
      "remote-server-not-found": "inconclusive",
      "remote-server-timeout": "inconclusive",
    };
    for (const condition of STANZA_ERROR_CONDITIONS) {
      expect(selfPingResultForCondition(condition), condition).toBe(special[condition] ?? "not-joined");
    }
    expect(SelfPingResult).toEqual({ JOINED: "joined", NOT_JOINED: "not-joined", INCONCLUSIVE: "inconclusive" });
  });
});

describe("SelfPinger", () => {
  const INTERVAL = 10_000;
  const TIMEOUT = 2_000;
  const RETRY = 3_000;
  let conn: MockConnection;
  let iq: IqClient;
  let results: SelfPingResult[];
  let log: { debug: Mock<Logger["debug"]>; warn: Mock<Logger["warn"]> };
  let current: JID | undefined;
  let pinger: SelfPinger | undefined;

  function make(options: Partial<SelfPingerOptions> = {}): SelfPinger {
    pinger = new SelfPinger({
      iq,
      occupantJid: () => current,
      interval: INTERVAL,
      timeout: TIMEOUT,
      retryInterval: RETRY,
      onResult: (r) => results.push(r),
      log,
      ...options,
    });
    return pinger;
  }

  function pings(): Element[] {
    return conn.takeSent().filter(isPing);
  }

  beforeEach(() => {
    vi.useFakeTimers();
    ({ conn, iq } = setup());
    results = [];
    log = { debug: vi.fn<Logger["debug"]>(), warn: vi.fn<Logger["warn"]>() };
    current = occupant;
    pinger = undefined;
  });

  afterEach(() => {
    pinger?.stop();
    vi.useRealTimers();
  });

  it("pings only after the room has been silent for the interval, then again every interval", async () => {
    const p = make();
    p.start();
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(pings()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    const [first, ...more] = pings();
    expect(more).toHaveLength(0);
    expect(first!.attrs.to).toBe(OCCUPANT);
    expect(first!.attrs.type).toBe("get");
    conn.replyResult(first!);
    await flush();
    expect(results).toEqual(["joined"]);
    expect(p.pinging).toBe(false);

    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(pings()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(pings()).toHaveLength(1);
  });

  it("defaults to 15 minutes of silence, XEP-0410 §3.2's example", async () => {
    expect(DEFAULT_SELF_PING_INTERVAL).toBe(15 * 60_000);
    const p = make({ interval: undefined, retryInterval: undefined });
    p.start();
    await vi.advanceTimersByTimeAsync(15 * 60_000 - 1);
    expect(pings()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(pings()).toHaveLength(1);
  });

  it("activity() postpones the next ping to a full interval from the last stanza", async () => {
    const p = make();
    p.start();
    await vi.advanceTimersByTimeAsync(INTERVAL * 0.6);
    p.activity();
    await vi.advanceTimersByTimeAsync(INTERVAL * 0.6);
    expect(pings()).toHaveLength(0);
    p.activity();
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(pings()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(pings()).toHaveLength(1);
  });

  it("activity() arms no timer: a busy room's stanzas cost no timer each, and the one armed waits for the rest", async () => {
    const p = make();
    p.start();
    const set = vi.spyOn(globalThis, "setTimeout");
    const clear = vi.spyOn(globalThis, "clearTimeout");
    for (let i = 0; i < 1_000; i++) p.activity();
    expect(set).not.toHaveBeenCalled();
    expect(clear).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(INTERVAL * 0.5);
    p.activity();
    // The timer armed at start fires at INTERVAL, finds the room spoke, and waits for the rest: one timer more.
    await vi.advanceTimersByTimeAsync(INTERVAL * 0.5);
    expect(set).toHaveBeenCalledTimes(1);
    expect(pings()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(INTERVAL * 0.5);
    expect(pings()).toHaveLength(1);
    set.mockRestore();
    clear.mockRestore();
  });

  it("never has two pings in flight: no timer while waiting, and pingNow() joins the pending ping", async () => {
    const p = make({ timeout: 60_000 });
    p.start();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    const [sent] = pings();
    expect(sent).toBeDefined();
    expect(p.pinging).toBe(true);
    p.activity();
    await vi.advanceTimersByTimeAsync(INTERVAL * 3);
    expect(pings()).toHaveLength(0);
    const a = p.pingNow();
    const b = p.pingNow();
    expect(a).toBe(b);
    expect(pings()).toHaveLength(0);
    conn.replyResult(sent!);
    await expect(a).resolves.toBe("joined");
    expect(results).toEqual(["joined"]);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(pings()).toHaveLength(1);
  });

  it("pingNow() pings at once, reports to onResult and restarts the wait for silence", async () => {
    const p = make();
    p.start();
    await vi.advanceTimersByTimeAsync(INTERVAL / 2);
    const result = p.pingNow();
    const [sent] = pings();
    expect(sent!.attrs.to).toBe(OCCUPANT);
    conn.replyError(sent!, "not-acceptable");
    await expect(result).resolves.toBe("not-joined");
    expect(results).toEqual(["not-joined"]);
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(pings()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(pings()).toHaveLength(1);
  });

  it("pingNow() works while stopped and leaves no timer behind", async () => {
    const p = make();
    const result = p.pingNow();
    conn.replyResult(pings()[0]!);
    await expect(result).resolves.toBe("joined");
    expect(results).toEqual(["joined"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("an inconclusive ping (timeout) is re-attempted after the retry interval", async () => {
    const p = make();
    p.start();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(pings()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(results).toEqual(["inconclusive"]);
    await vi.advanceTimersByTimeAsync(RETRY - 1);
    expect(pings()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    const [retry] = pings();
    conn.replyError(retry!, "remote-server-timeout");
    await flush();
    expect(results).toEqual(["inconclusive", "inconclusive"]);
    await vi.advanceTimersByTimeAsync(RETRY);
    conn.replyResult(pings()[0]!);
    await flush();
    expect(results).toEqual(["inconclusive", "inconclusive", "joined"]);
  });

  it("stop() clears every timer and ignores the late answer; pingNow() in flight rejects with an AbortError", async () => {
    const p = make();
    p.start();
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    const [sent] = pings();
    const pending = p.pingNow();
    expect(vi.getTimerCount()).toBe(1); // the IqClient's answer timeout
    p.stop();
    const error = await pending.catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    await flush();
    expect(vi.getTimerCount()).toBe(0);
    expect(p.running).toBe(false);
    expect(p.pinging).toBe(false);
    conn.replyResult(sent!);
    await vi.advanceTimersByTimeAsync(INTERVAL * 5);
    expect(results).toEqual([]);
    expect(pings()).toHaveLength(0);
    expect(log.warn).not.toHaveBeenCalled();
  });

  it("stop() before the first ping leaves no timer; start() again restarts the wait", async () => {
    const p = make();
    p.start();
    p.start();
    expect(vi.getTimerCount()).toBe(1);
    p.stop();
    expect(vi.getTimerCount()).toBe(0);
    p.activity();
    expect(vi.getTimerCount()).toBe(0);
    p.start();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(pings()).toHaveLength(1);
  });

  it("an error thrown by onResult is caught and logged, and pinging goes on", async () => {
    const p = make({
      onResult: (r) => {
        results.push(r);
        throw new Error("handler bug");
      },
    });
    p.start();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    conn.replyResult(pings()[0]!);
    await flush();
    expect(results).toEqual(["joined"]);
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0]![1]).toMatchObject({ message: "handler bug" });
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(pings()).toHaveLength(1);
  });

  it("skips a scheduled ping while there is no occupant JID; pingNow() then rejects with a MucStateError", async () => {
    current = undefined;
    const p = make();
    p.start();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(pings()).toHaveLength(0);
    expect(log.debug).toHaveBeenCalled();
    expect(isMucStateError(await p.pingNow().catch((e: unknown) => e))).toBe(true);
    current = occupant;
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(pings()).toHaveLength(1);
  });

  it("a ping that cannot be sent is logged and re-attempted after the retry interval, without a result", async () => {
    const p = make();
    p.start();
    conn.drop();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(results).toEqual([]);
    expect(log.warn).toHaveBeenCalledTimes(1);
    conn.resume();
    await vi.advanceTimersByTimeAsync(RETRY);
    expect(pings()).toHaveLength(1);
  });

  it("rejects a non-positive interval, timeout or retry interval", () => {
    expect(() => make({ interval: 0 })).toThrow(RangeError);
    expect(() => make({ timeout: -1 })).toThrow(RangeError);
    expect(() => make({ retryInterval: Number.NaN })).toThrow(RangeError);
  });
});
