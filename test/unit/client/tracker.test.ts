/**
 * MessageTracker and TrackerRegistry: every transition and non-transition,
 * the timeout (fake timers), `done`, listener isolation, matching of
 * acknowledgements, reflections, error replies and failed sends, and clean-up.
 */
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import xml, { type Element } from "@xmpp/xml";
import { MessageState } from "../../../src/client/enums.js";
import { isMucStateError } from "../../../src/common/errors.js";
import type { Logger } from "../../../src/common/logger.js";
import {
  DEFAULT_TRACKING_TIMEOUT,
  MessageTracker,
  TrackerRegistry,
  type FinalMessageState,
  type MessageStateChange,
} from "../../../src/client/tracker.js";
import { NS } from "../../../src/xso/ns.js";
import { isXMPPError } from "../../../src/xso/stanza-error.js";

const ROOM = "coven@chat.shakespeare.lit";
const ME = `${ROOM}/thirdwitch`;

/** An outgoing groupchat message, optionally with an origin-id of its own. */
function outgoing(id: string | undefined, originId?: string): Element {
  const el = xml("message", { xmlns: NS.CLIENT, to: ROOM, type: "groupchat", ...(id === undefined ? {} : { id }) }, xml("body", {}, "hello"));
  if (originId !== undefined) el.cnode(xml("origin-id", { xmlns: NS.SID, id: originId }));
  return el;
}

/** The room's reflection of a message. */
function reflection(opts: { id?: string; originId?: string; stanzaIds?: ReadonlyArray<{ id: string; by: string }> } = {}): Element {
  const el = xml("message", { xmlns: NS.CLIENT, from: ME, to: "hag66@shakespeare.lit/pda", type: "groupchat", ...(opts.id === undefined ? {} : { id: opts.id }) }, xml("body", {}, "hello"));
  if (opts.originId !== undefined) el.cnode(xml("origin-id", { xmlns: NS.SID, id: opts.originId }));
  for (const s of opts.stanzaIds ?? []) el.cnode(xml("stanza-id", { xmlns: NS.SID, id: s.id, by: s.by }));
  return el;
}

/** An error reply to the message `id`. */
function errorReply(id: string | undefined, condition = "forbidden", text?: string): Element {
  return xml(
    "message",
    { xmlns: NS.CLIENT, from: ROOM, type: "error", ...(id === undefined ? {} : { id }) },
    xml("error", { type: "auth" }, xml(condition, { xmlns: NS.STANZAS }), ...(text === undefined ? [] : [xml("text", { xmlns: NS.STANZAS }, text)])),
  );
}

function originIdsOf(el: Element): string[] {
  return el.getChildren("origin-id", NS.SID).map((c) => String(c.attrs.id));
}

/** Record every stateChange of a tracker. */
function record(tracker: MessageTracker): MessageStateChange[] {
  const seen: MessageStateChange[] = [];
  tracker.on("stateChange", (c) => seen.push(c));
  return seen;
}

function recordingLogger(): Logger & { warnings: unknown[][]; debugs: unknown[][] } {
  const warnings: unknown[][] = [];
  const debugs: unknown[][] = [];
  return {
    warnings,
    debugs,
    warn: (...args: unknown[]) => void warnings.push(args),
    debug: (...args: unknown[]) => void debugs.push(args),
  };
}

/** Whether `p` has settled, without waiting for more than the microtask queue. */
async function isSettled(p: Promise<unknown>): Promise<boolean> {
  const marker = Symbol("pending");
  const result = await Promise.race([p.then(() => "settled"), Promise.resolve().then(() => Promise.resolve(marker))]);
  return result !== marker;
}

let registry: TrackerRegistry;
let logger: ReturnType<typeof recordingLogger>;

beforeEach(() => {
  vi.useFakeTimers();
  logger = recordingLogger();
  registry = new TrackerRegistry(logger);
});

afterEach(() => {
  vi.useRealTimers();
});

describe("TrackerRegistry.track", () => {
  it("creates an open tracker in IN_TRANSIT and adds an origin-id equal to the id", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    expect(tracker).toBeInstanceOf(MessageTracker);
    expect(tracker.id).toBe("m1");
    expect(tracker.originId).toBe("m1");
    expect(tracker.stanza).toBe(stanza);
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    expect(tracker.settled).toBe(false);
    expect(tracker.error).toBeUndefined();
    expect(tracker.reflection).toBeUndefined();
    expect(tracker.stanzaId).toBeUndefined();
    expect(originIdsOf(stanza)).toEqual(["m1"]);
    expect(registry.size).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
  });

  it("keeps an origin-id already present, even one that differs from the id", () => {
    const stanza = outgoing("m1", "origin-1");
    const tracker = registry.track(stanza);
    expect(tracker.originId).toBe("origin-1");
    expect(originIdsOf(stanza)).toEqual(["origin-1"]);
  });

  it("rejects stanzas it cannot track", () => {
    expect(() => registry.track(outgoing(undefined))).toThrow(TypeError);
    expect(() => registry.track(outgoing(""))).toThrow(TypeError);
    expect(() => registry.track(xml("presence", { id: "p1" }))).toThrow(TypeError);
    const badOrigin = outgoing("m1");
    badOrigin.cnode(xml("origin-id", { xmlns: NS.SID }));
    expect(() => registry.track(badOrigin)).toThrow(TypeError);
    expect(registry.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects timeouts setTimeout cannot honour, and takes Infinity as no timer", () => {
    for (const timeout of [0, -1, Number.NaN, 2 ** 31]) {
      expect(() => registry.track(outgoing(`t${timeout}`), { timeout })).toThrow(RangeError);
    }
    expect(registry.size).toBe(0);
    const tracker = registry.track(outgoing("forever"), { timeout: Infinity });
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10 * DEFAULT_TRACKING_TIMEOUT);
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    tracker.close();
    expect(registry.size).toBe(0);
  });

  it("refuses a second open tracker for the same id, origin-id or element", () => {
    const stanza = outgoing("m1", "o1");
    const first = registry.track(stanza);
    const attempts = [() => registry.track(stanza), () => registry.track(outgoing("m1", "o2")), () => registry.track(outgoing("m2", "o1"))];
    for (const attempt of attempts) {
      let caught: unknown;
      try {
        attempt();
      } catch (e) {
        caught = e;
      }
      expect(isMucStateError(caught)).toBe(true);
    }
    expect(registry.size).toBe(1);
    // Once settled, the id and origin-id are free again.
    first.close();
    const second = registry.track(outgoing("m1", "o1"));
    expect(second.state).toBe(MessageState.IN_TRANSIT);
    expect(registry.size).toBe(1);
  });
});

describe("acknowledgements (XEP-0198)", () => {
  it("IN_TRANSIT → DELIVERED_TO_SERVER on an ack of the very element", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    const seen = record(tracker);
    expect(registry.onAck(stanza)).toBe(true);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_SERVER);
    expect(tracker.settled).toBe(false);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toStrictEqual({ tracker, state: MessageState.DELIVERED_TO_SERVER, previous: MessageState.IN_TRANSIT });
    expect(registry.size).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
  });

  it("matches by identity: an equal but different element is not acknowledged", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    const seen = record(tracker);
    const twin = outgoing("m1");
    twin.cnode(xml("origin-id", { xmlns: NS.SID, id: "m1" }));
    expect(twin.toString()).toBe(stanza.toString());
    expect(registry.onAck(twin)).toBe(false);
    expect(registry.onAck(xml("message", { id: "m1" }))).toBe(false);
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    expect(seen).toHaveLength(0);
  });

  it("a second ack of the same element changes nothing", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    registry.onAck(stanza);
    const seen = record(tracker);
    expect(registry.onAck(stanza)).toBe(false);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_SERVER);
    expect(seen).toHaveLength(0);
  });

  it("an ack after the reflection is ignored", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    registry.onReflection(reflection({ id: "m1", originId: "m1" }), "m1", "m1");
    expect(registry.onAck(stanza)).toBe(false);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
  });

  it("a fail leaves the tracker open in IN_TRANSIT; a later ack (resend) and the reflection still count", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    const seen = record(tracker);
    expect(registry.onFail(stanza)).toBe(true);
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    expect(tracker.settled).toBe(false);
    expect(seen).toHaveLength(0);
    expect(registry.size).toBe(1);
    expect(logger.debugs).toHaveLength(1);
    expect(registry.onFail(outgoing("m1"))).toBe(false);

    expect(registry.onAck(stanza)).toBe(true);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_SERVER);
    expect(registry.onFail(stanza)).toBe(false);
    expect(registry.onReflection(reflection({ originId: "m1" }), "m1", undefined)).toBe(true);
    expect(seen.map((c) => c.state)).toEqual([MessageState.DELIVERED_TO_SERVER, MessageState.DELIVERED_TO_RECIPIENT]);
  });

  it("a failed tracker still times out", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza, { timeout: 1000 });
    registry.onFail(stanza);
    vi.advanceTimersByTime(1000);
    expect(tracker.state).toBe(MessageState.TIMED_OUT);
  });
});

describe("reflections", () => {
  it("IN_TRANSIT → DELIVERED_TO_RECIPIENT, recording the reflection and the room's stanza-id the caller passes", async () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    const seen = record(tracker);
    const reflected = reflection({ id: "m1", originId: "m1", stanzaIds: [{ id: "room-42", by: ROOM }] });
    // The room picks its own stanza-id out of the reflection (filtering spoofed
    // ones, see room-messages.test.ts) and passes it on.
    expect(registry.onReflection(reflected, "m1", "m1", "room-42")).toBe(true);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(tracker.reflection).toBe(reflected);
    expect(tracker.stanzaId).toBe("room-42");
    expect(tracker.error).toBeUndefined();
    expect(tracker.settled).toBe(true);
    expect(seen).toStrictEqual([{ tracker, state: MessageState.DELIVERED_TO_RECIPIENT, previous: MessageState.IN_TRANSIT, reflection: reflected }]);
    expect(registry.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    await expect(tracker.done).resolves.toBe(MessageState.DELIVERED_TO_RECIPIENT);
  });

  it("DELIVERED_TO_SERVER → DELIVERED_TO_RECIPIENT", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    registry.onAck(stanza);
    const seen = record(tracker);
    expect(registry.onReflection(reflection({ originId: "m1" }), "m1", undefined)).toBe(true);
    expect(seen.map((c) => [c.previous, c.state])).toEqual([[MessageState.DELIVERED_TO_SERVER, MessageState.DELIVERED_TO_RECIPIENT]]);
  });

  it("the stanza-id is the one passed: omitted, it stays undefined; the registry does not read the reflection's", () => {
    const a = registry.track(outgoing("a"));
    const b = registry.track(outgoing("b"));
    const c = registry.track(outgoing("c"));
    registry.onReflection(reflection({ originId: "a" }), "a", undefined);
    // A stanza-id in the reflection, even the room's own, is not taken when none is passed…
    registry.onReflection(reflection({ originId: "b", stanzaIds: [{ id: "x", by: ROOM }] }), "b", undefined);
    // …and the one passed is recorded, whatever the reflection carries.
    registry.onReflection(reflection({ originId: "c", stanzaIds: [{ id: "other", by: "someone@else.lit" }] }), "c", undefined, "room-7");
    expect(a.stanzaId).toBeUndefined();
    expect(b.stanzaId).toBeUndefined();
    expect(c.stanzaId).toBe("room-7");
    for (const t of [a, b, c]) expect(t.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(registry.size).toBe(0);
  });

  it("matches by origin-id when the room rewrote the id", () => {
    const tracker = registry.track(outgoing("m1", "o1"));
    expect(registry.onReflection(reflection({ id: "rewritten", originId: "o1" }), "o1", "rewritten")).toBe(true);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
  });

  it("matches by id when the room stripped the origin-id", () => {
    const tracker = registry.track(outgoing("m1", "o1"));
    expect(registry.onReflection(reflection({ id: "m1" }), undefined, "m1")).toBe(true);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
  });

  it("prefers the origin-id match over an id match", () => {
    const a = registry.track(outgoing("a", "origin-a"));
    const b = registry.track(outgoing("b", "origin-b"));
    expect(registry.onReflection(reflection({ id: "b", originId: "origin-a" }), "origin-a", "b")).toBe(true);
    expect(a.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(b.state).toBe(MessageState.IN_TRANSIT);
    expect(registry.size).toBe(1);
  });

  it("does not match by id a reflection whose origin-id is someone else's", () => {
    const tracker = registry.track(outgoing("m1", "o1"));
    expect(registry.onReflection(reflection({ id: "m1", originId: "other" }), "other", "m1")).toBe(false);
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
  });

  it("unknown reflections match nothing", () => {
    const tracker = registry.track(outgoing("m1"));
    expect(registry.onReflection(reflection({ id: "zz", originId: "zz" }), "zz", "zz")).toBe(false);
    expect(registry.onReflection(reflection({ id: "zz" }), undefined, "zz")).toBe(false);
    expect(registry.onReflection(reflection(), undefined, undefined)).toBe(false);
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
  });

  it("match() finds the tracker a reflection would settle, without settling it", () => {
    const a = registry.track(outgoing("a", "origin-a"));
    const b = registry.track(outgoing("b", "origin-b"));
    expect(registry.match("origin-a", "b")).toBe(a);
    expect(registry.match(undefined, "b")).toBe(b);
    expect(registry.match("other", "b")).toBeUndefined();
    expect(registry.match(undefined, undefined)).toBeUndefined();
    expect(a.state).toBe(MessageState.IN_TRANSIT);
    expect(registry.size).toBe(2);
    a.close();
    expect(registry.match("origin-a", undefined)).toBeUndefined();
  });

  it("a second reflection of the same message matches nothing", () => {
    const tracker = registry.track(outgoing("m1"));
    const first = reflection({ id: "m1", originId: "m1" });
    registry.onReflection(first, "m1", "m1");
    expect(registry.onReflection(reflection({ id: "m1", originId: "m1" }), "m1", "m1")).toBe(false);
    expect(tracker.reflection).toBe(first);
  });
});

describe("error replies", () => {
  it("IN_TRANSIT → ERROR with the XMPPError of the reply", async () => {
    const tracker = registry.track(outgoing("m1"));
    const seen = record(tracker);
    const reply = errorReply("m1", "forbidden", "You are not a participant");
    expect(registry.onError(reply)).toBe(true);
    expect(tracker.state).toBe(MessageState.ERROR);
    expect(isXMPPError(tracker.error)).toBe(true);
    expect(tracker.error?.condition).toBe("forbidden");
    expect(tracker.error?.type).toBe("auth");
    expect(tracker.error?.text).toBe("You are not a participant");
    expect(tracker.error?.stanza).toBe(reply);
    expect(tracker.reflection).toBeUndefined();
    expect(tracker.settled).toBe(true);
    expect(seen).toStrictEqual([{ tracker, state: MessageState.ERROR, previous: MessageState.IN_TRANSIT, error: tracker.error }]);
    expect(registry.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    await expect(tracker.done).resolves.toBe(MessageState.ERROR);
  });

  it("DELIVERED_TO_SERVER → ERROR", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    registry.onAck(stanza);
    expect(registry.onError(errorReply("m1", "not-acceptable"))).toBe(true);
    expect(tracker.state).toBe(MessageState.ERROR);
    expect(tracker.error?.condition).toBe("not-acceptable");
  });

  it("matches by id only, and only messages of type error", () => {
    const tracker = registry.track(outgoing("m1", "o1"));
    expect(registry.onError(errorReply("o1"))).toBe(false);
    expect(registry.onError(errorReply("other"))).toBe(false);
    expect(registry.onError(errorReply(undefined))).toBe(false);
    const notAnError = reflection({ id: "m1" });
    expect(registry.onError(notAnError)).toBe(false);
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
  });

  it("an error without a readable <error/> still settles, as undefined-condition", () => {
    const tracker = registry.track(outgoing("m1"));
    expect(registry.onError(xml("message", { type: "error", id: "m1", from: ROOM }))).toBe(true);
    expect(tracker.error?.condition).toBe("undefined-condition");
  });

  it("an error after the reflection is ignored", () => {
    const tracker = registry.track(outgoing("m1"));
    registry.onReflection(reflection({ originId: "m1" }), "m1", undefined);
    expect(registry.onError(errorReply("m1"))).toBe(false);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(tracker.error).toBeUndefined();
  });
});

describe("send errors", () => {
  it("IN_TRANSIT → ERROR with recipient-unavailable (wait), the reason in the text and the failure as cause", async () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    const seen = record(tracker);
    const cause = new Error("socket closed");
    expect(registry.onSendError(stanza, cause)).toBe(true);
    expect(tracker.state).toBe(MessageState.ERROR);
    expect(isXMPPError(tracker.error)).toBe(true);
    expect(tracker.error?.condition).toBe("recipient-unavailable");
    expect(tracker.error?.type).toBe("wait");
    expect(tracker.error?.text).toBe("not sent: socket closed");
    expect(tracker.error?.text?.startsWith("not sent: ")).toBe(true);
    expect(tracker.error?.cause).toBe(cause);
    expect(tracker.error?.stanza).toBeUndefined();
    expect(tracker.reflection).toBeUndefined();
    expect(tracker.stanzaId).toBeUndefined();
    expect(tracker.settled).toBe(true);
    expect(seen).toStrictEqual([{ tracker, state: MessageState.ERROR, previous: MessageState.IN_TRANSIT, error: tracker.error }]);
    expect(registry.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    await expect(tracker.done).resolves.toBe(MessageState.ERROR);
  });

  it("a cause that is not an Error is stringified into the text", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    expect(registry.onSendError(stanza, "offline")).toBe(true);
    expect(tracker.error?.condition).toBe("recipient-unavailable");
    expect(tracker.error?.text).toBe("not sent: offline");
    expect(tracker.error?.cause).toBe("offline");
  });

  it("an acknowledged element was sent: a send error for it afterwards matches nothing", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    registry.onAck(stanza);
    expect(registry.onSendError(stanza, new Error("late failure"))).toBe(false);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_SERVER);
    expect(tracker.error).toBeUndefined();
    expect(registry.size).toBe(1);
  });

  it("matches by identity: an equal but different element, or an untracked one, matches nothing", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    expect(registry.onSendError(outgoing("m1"), new Error("x"))).toBe(false);
    expect(registry.onSendError(outgoing("other"), new Error("x"))).toBe(false);
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    expect(tracker.error).toBeUndefined();
    expect(registry.size).toBe(1);
  });

  it("a send error after the reflection, or a second one, changes nothing", () => {
    const delivered = outgoing("a");
    const a = registry.track(delivered);
    registry.onReflection(reflection({ originId: "a" }), "a", undefined);
    expect(registry.onSendError(delivered, new Error("too late"))).toBe(false);
    expect(a.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(a.error).toBeUndefined();

    const failed = outgoing("b");
    const b = registry.track(failed);
    const first = new Error("first");
    expect(registry.onSendError(failed, first)).toBe(true);
    expect(registry.onSendError(failed, new Error("second"))).toBe(false);
    expect(b.error?.cause).toBe(first);
  });
});

describe("timeout", () => {
  it(`IN_TRANSIT → TIMED_OUT after ${DEFAULT_TRACKING_TIMEOUT} ms by default`, async () => {
    expect(DEFAULT_TRACKING_TIMEOUT).toBe(120_000);
    const tracker = registry.track(outgoing("m1"));
    const seen = record(tracker);
    vi.advanceTimersByTime(DEFAULT_TRACKING_TIMEOUT - 1);
    expect(tracker.state).toBe(MessageState.IN_TRANSIT);
    expect(await isSettled(tracker.done)).toBe(false);
    vi.advanceTimersByTime(1);
    expect(tracker.state).toBe(MessageState.TIMED_OUT);
    expect(seen).toStrictEqual([{ tracker, state: MessageState.TIMED_OUT, previous: MessageState.IN_TRANSIT }]);
    expect(registry.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    await expect(tracker.done).resolves.toBe(MessageState.TIMED_OUT);
  });

  it("DELIVERED_TO_SERVER → TIMED_OUT after a custom timeout", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza, { timeout: 5000 });
    registry.onAck(stanza);
    vi.advanceTimersByTime(4999);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_SERVER);
    vi.advanceTimersByTime(1);
    expect(tracker.state).toBe(MessageState.TIMED_OUT);
  });

  it("a late reflection after TIMED_OUT is ignored", () => {
    const tracker = registry.track(outgoing("m1"), { timeout: 10 });
    vi.advanceTimersByTime(10);
    const seen = record(tracker);
    expect(registry.onReflection(reflection({ id: "m1", originId: "m1" }), "m1", "m1")).toBe(false);
    expect(tracker.state).toBe(MessageState.TIMED_OUT);
    expect(tracker.reflection).toBeUndefined();
    expect(seen).toHaveLength(0);
  });

  it("a delivered, errored, closed or aborted tracker never times out", () => {
    const trackers = ["a", "b", "c", "d"].map((id) => registry.track(outgoing(id)));
    registry.onReflection(reflection({ originId: "a" }), "a", undefined);
    registry.onError(errorReply("b"));
    trackers[2]!.close();
    expect(vi.getTimerCount()).toBe(1);
    registry.abortAll();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(DEFAULT_TRACKING_TIMEOUT * 2);
    expect(trackers.map((t) => t.state)).toEqual([
      MessageState.DELIVERED_TO_RECIPIENT,
      MessageState.ERROR,
      MessageState.CLOSED,
      MessageState.ABORTED,
    ]);
  });
});

describe("close() and abortAll()", () => {
  it("close(): IN_TRANSIT → CLOSED, once", async () => {
    const tracker = registry.track(outgoing("m1"));
    const seen = record(tracker);
    tracker.close();
    tracker.close();
    expect(tracker.state).toBe(MessageState.CLOSED);
    expect(seen).toStrictEqual([{ tracker, state: MessageState.CLOSED, previous: MessageState.IN_TRANSIT }]);
    expect(registry.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(registry.onReflection(reflection({ originId: "m1" }), "m1", undefined)).toBe(false);
    await expect(tracker.done).resolves.toBe(MessageState.CLOSED);
  });

  it("close(): DELIVERED_TO_SERVER → CLOSED", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    registry.onAck(stanza);
    tracker.close();
    expect(tracker.state).toBe(MessageState.CLOSED);
  });

  it("close() on a settled tracker does nothing", () => {
    const tracker = registry.track(outgoing("m1"));
    registry.onError(errorReply("m1"));
    const seen = record(tracker);
    tracker.close();
    expect(tracker.state).toBe(MessageState.ERROR);
    expect(seen).toHaveLength(0);
  });

  it("abortAll(): every open tracker → ABORTED; settled ones untouched", async () => {
    const acked = outgoing("b");
    const a = registry.track(outgoing("a"));
    const b = registry.track(acked);
    const c = registry.track(outgoing("c"));
    registry.onAck(acked);
    registry.onReflection(reflection({ originId: "c" }), "c", undefined);
    const seenA = record(a);
    const seenB = record(b);
    const seenC = record(c);
    expect(registry.abortAll()).toBe(2);
    expect(seenA).toStrictEqual([{ tracker: a, state: MessageState.ABORTED, previous: MessageState.IN_TRANSIT }]);
    expect(seenB).toStrictEqual([{ tracker: b, state: MessageState.ABORTED, previous: MessageState.DELIVERED_TO_SERVER }]);
    expect(seenC).toHaveLength(0);
    expect(c.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(registry.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(registry.abortAll()).toBe(0);
    await expect(Promise.all([a.done, b.done])).resolves.toEqual([MessageState.ABORTED, MessageState.ABORTED]);
  });
});

describe("final states are final", () => {
  const settle: Record<FinalMessageState, (t: MessageTracker) => void> = {
    [MessageState.DELIVERED_TO_RECIPIENT]: (t) => void registry.onReflection(reflection({ originId: t.originId }), t.originId, undefined),
    [MessageState.ERROR]: (t) => void registry.onError(errorReply(t.id)),
    [MessageState.TIMED_OUT]: () => void vi.advanceTimersByTime(DEFAULT_TRACKING_TIMEOUT),
    [MessageState.ABORTED]: () => void registry.abortAll(),
    [MessageState.CLOSED]: (t) => t.close(),
  };

  for (const [final, apply] of Object.entries(settle) as Array<[FinalMessageState, (t: MessageTracker) => void]>) {
    it(`nothing leaves ${final}`, async () => {
      const stanza = outgoing("m1");
      const tracker = registry.track(stanza);
      apply(tracker);
      expect(tracker.state).toBe(final);
      expect(tracker.settled).toBe(true);
      expect(registry.size).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
      expect(tracker.listenerCount("stateChange")).toBe(0);

      const late = vi.fn();
      tracker.on("stateChange", late);
      expect(registry.onAck(stanza)).toBe(false);
      expect(registry.onReflection(reflection({ id: "m1", originId: "m1" }), "m1", "m1")).toBe(false);
      expect(registry.onError(errorReply("m1"))).toBe(false);
      expect(registry.onSendError(stanza, new Error("late"))).toBe(false);
      expect(registry.abortAll()).toBe(0);
      tracker.close();
      vi.advanceTimersByTime(DEFAULT_TRACKING_TIMEOUT * 2);
      expect(tracker.state).toBe(final);
      expect(late).not.toHaveBeenCalled();
      await expect(tracker.done).resolves.toBe(final);
    });
  }
});

describe("done", () => {
  it("stays pending while the tracker is open, even in DELIVERED_TO_SERVER", async () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    registry.onAck(stanza);
    expect(await isSettled(tracker.done)).toBe(false);
    tracker.close();
    expect(await isSettled(tracker.done)).toBe(true);
  });

  it("is the same promise throughout and has the final state's type", () => {
    const tracker = registry.track(outgoing("m1"));
    expect(tracker.done).toBe(tracker.done);
    expectTypeOf(tracker.done).resolves.toEqualTypeOf<FinalMessageState>();
    expectTypeOf<MessageStateChange["state"]>().toEqualTypeOf<MessageState>();
    expectTypeOf<MessageStateChange["previous"]>().toEqualTypeOf<"in-transit" | "delivered-to-server">();
    tracker.close();
  });
});

describe("listeners", () => {
  it("a throwing listener does not stop the others, nor the registry; the error goes to the logger", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    const boom = new Error("listener failure");
    const after = vi.fn();
    tracker.on("stateChange", () => {
      throw boom;
    });
    tracker.on("stateChange", after);
    expect(() => registry.onAck(stanza)).not.toThrow();
    expect(after).toHaveBeenCalledTimes(1);
    expect(registry.onReflection(reflection({ originId: "m1" }), "m1", undefined)).toBe(true);
    expect(after).toHaveBeenCalledTimes(2);
    expect(tracker.state).toBe(MessageState.DELIVERED_TO_RECIPIENT);
    expect(registry.size).toBe(0);
    expect(logger.warnings).toHaveLength(2);
    expect(logger.warnings[0]![1]).toBe(boom);
  });

  it("a listener throwing during abortAll does not keep the other trackers from being aborted", () => {
    const a = registry.track(outgoing("a"));
    const b = registry.track(outgoing("b"));
    a.on("stateChange", () => {
      throw new Error("a");
    });
    b.on("stateChange", () => {
      throw new Error("b");
    });
    expect(registry.abortAll()).toBe(2);
    expect([a.state, b.state]).toEqual([MessageState.ABORTED, MessageState.ABORTED]);
    expect(logger.warnings).toHaveLength(2);
  });

  it("a rejecting async listener is reported, not left unhandled", async () => {
    const tracker = registry.track(outgoing("m1"));
    const boom = new Error("async failure");
    tracker.on("stateChange", async () => {
      throw boom;
    });
    tracker.close();
    await Promise.resolve();
    await Promise.resolve();
    expect(logger.warnings.map((w) => w[1])).toEqual([boom]);
  });

  it("a throwing logger does not break the emission", () => {
    const bad = new TrackerRegistry({
      debug() {},
      warn() {
        throw new Error("logger down");
      },
    });
    const tracker = bad.track(outgoing("m1"));
    const after = vi.fn();
    tracker.on("stateChange", () => {
      throw new Error("x");
    });
    tracker.on("stateChange", after);
    expect(() => tracker.close()).not.toThrow();
    expect(after).toHaveBeenCalledTimes(1);
  });

  it("once, off and removeListener work with the isolated listeners", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    const once = vi.fn();
    const removed = vi.fn();
    const offed = vi.fn();
    const kept = vi.fn();
    tracker.once("stateChange", once);
    tracker.on("stateChange", removed);
    tracker.on("stateChange", offed);
    tracker.on("stateChange", kept);
    expect(tracker.listenerCount("stateChange")).toBe(4);
    tracker.removeListener("stateChange", removed);
    tracker.off("stateChange", offed);
    expect(tracker.listenerCount("stateChange")).toBe(2);
    registry.onAck(stanza);
    tracker.close();
    expect(once).toHaveBeenCalledTimes(1);
    expect(once.mock.calls[0]![0].state).toBe(MessageState.DELIVERED_TO_SERVER);
    expect(removed).not.toHaveBeenCalled();
    expect(offed).not.toHaveBeenCalled();
    expect(kept.mock.calls.map((c) => c[0].state)).toEqual([MessageState.DELIVERED_TO_SERVER, MessageState.CLOSED]);
  });

  it("the same function on two trackers is removed from one only", () => {
    const a = registry.track(outgoing("a"));
    const b = registry.track(outgoing("b"));
    const fn = vi.fn();
    a.on("stateChange", fn);
    b.on("stateChange", fn);
    a.off("stateChange", fn);
    a.close();
    b.close();
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn.mock.calls[0]![0].tracker).toBe(b);
  });

  it("events keep the order of transitions when a listener causes one", () => {
    const stanza = outgoing("m1");
    const tracker = registry.track(stanza);
    const order: string[] = [];
    tracker.on("stateChange", ({ state }) => {
      order.push(`first:${state}`);
      if (state === MessageState.DELIVERED_TO_SERVER) tracker.close();
    });
    tracker.on("stateChange", ({ state }) => order.push(`second:${state}`));
    registry.onAck(stanza);
    expect(order).toEqual([
      `first:${MessageState.DELIVERED_TO_SERVER}`,
      `second:${MessageState.DELIVERED_TO_SERVER}`,
      `first:${MessageState.CLOSED}`,
      `second:${MessageState.CLOSED}`,
    ]);
    expect(tracker.state).toBe(MessageState.CLOSED);
    expect(tracker.listenerCount("stateChange")).toBe(0);
  });

  it("the registry has forgotten a tracker by the time its final event fires", () => {
    const tracker = registry.track(outgoing("m1"));
    let retracked: MessageTracker | undefined;
    let sizeDuringEvent = -1;
    tracker.on("stateChange", () => {
      sizeDuringEvent = registry.size;
      retracked = registry.track(outgoing("m1"));
    });
    registry.onError(errorReply("m1"));
    expect(sizeDuringEvent).toBe(0);
    expect(retracked?.state).toBe(MessageState.IN_TRANSIT);
    expect(registry.size).toBe(1);
  });

  it("every listener is removed after the final event", () => {
    const tracker = registry.track(outgoing("m1"));
    tracker.on("stateChange", () => {});
    tracker.once("stateChange", () => {});
    expect(tracker.listenerCount("stateChange")).toBe(2);
    vi.advanceTimersByTime(DEFAULT_TRACKING_TIMEOUT);
    expect(tracker.listenerCount("stateChange")).toBe(0);
  });
});

describe("registry size and clean-up", () => {
  it("counts open trackers only and returns to 0", () => {
    const stanzas = ["a", "b", "c", "d", "e"].map((id) => outgoing(id));
    const trackers = stanzas.map((s) => registry.track(s, { timeout: 1000 }));
    expect(registry.size).toBe(5);
    registry.onAck(stanzas[0]!);
    expect(registry.size).toBe(5);
    registry.onReflection(reflection({ originId: "a" }), "a", undefined);
    registry.onError(errorReply("b"));
    trackers[2]!.close();
    expect(registry.size).toBe(2);
    vi.advanceTimersByTime(1000);
    expect(registry.size).toBe(0);
    expect(trackers.map((t) => t.state)).toEqual([
      MessageState.DELIVERED_TO_RECIPIENT,
      MessageState.ERROR,
      MessageState.CLOSED,
      MessageState.TIMED_OUT,
      MessageState.TIMED_OUT,
    ]);
    // Nothing left to match: the acked element, ids and origin-ids are all gone.
    for (const s of stanzas) expect(registry.onAck(s)).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
