/**
 * `guardStream` over a small fake of an `@xmpp/client` entity (an
 * EventEmitter with `prependListener`, `disconnect()` and stream management
 * internals `outbound` / `outbound_q`): it clamps an acknowledgement `h`
 * ahead of what was sent, restarts a negotiation that does not reach
 * `online` in time (fake timers), restarts a stream that binds a resource
 * after a resumption, counts received stanzas from `<enabled/>` on, fails
 * what a session without resumption left unacknowledged, gives the entity a
 * `start()` that leaves no unhandled rejection, stops waiting for the
 * answers a dead stream's requests never got, and leaves anything else
 * alone.
 */
import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it, vi, type Mock } from "vitest";
import xml, { type Element } from "@xmpp/xml";
import { guardStream, keepListening } from "../../../src/client/stream-guard.js";
import { MucService } from "../../../src/client/service.js";
import { MockConnection } from "../../../src/testing/index.js";

const NS_SM = "urn:xmpp:sm:3";
const NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind";

class FakeStreamManagement extends EventEmitter {
  inbound = 0;
  enabled = false;
  id = "";
  outbound = 0;
  outbound_q: { stanza?: Element }[] = [];
}

/** What the guard needs of an `@xmpp/client` entity, and nothing more. */
class FakeEntity extends EventEmitter {
  status = "offline";
  socket: EventEmitter | null = null;
  parser: { write(data: unknown): unknown } | null = null;
  readonly streamManagement = new FakeStreamManagement();
  readonly disconnect = vi.fn(async (): Promise<void> => {});

  /** The entity reports a status change (and takes it on). */
  setStatus(status: string): void {
    this.status = status;
    this.emit("status", status);
  }
}

type LogFn = (message: string, ...details: unknown[]) => void;

function logger(): { debug: Mock<LogFn>; warn: Mock<LogFn> } {
  return { debug: vi.fn<LogFn>(), warn: vi.fn<LogFn>() };
}

const ack = (h: number | string): Element => xml("a", { xmlns: NS_SM, h: String(h) });
const resumed = (h: number | string): Element => xml("resumed", { xmlns: NS_SM, h: String(h), previd: "some-long-sm-id" });
const bindIq = (): Element => xml("iq", { type: "set", id: "bind-1" }, xml("bind", { xmlns: NS_BIND }, xml("resource", {}, "pda")));

let unguards: (() => void)[] = [];

/** A guarded fake entity; `seen` records the `h` each later `element` listener receives. */
function guarded(negotiationTimeout?: number): { entity: FakeEntity; log: ReturnType<typeof logger>; seen: string[] } {
  const entity = new FakeEntity();
  const seen: string[] = [];
  // Registered before the guard: the guard must still run first (prependListener).
  entity.on("element", (el: Element) => seen.push(`${el.name} ${String(el.attrs.h)}`));
  const log = logger();
  unguards.push(guardStream(entity, log, negotiationTimeout === undefined ? {} : { negotiationTimeout }));
  return { entity, log, seen };
}

afterEach(() => {
  for (const u of unguards) u();
  unguards = [];
  vi.useRealTimers();
});

describe("an acknowledgement ahead of our count", () => {
  it("an <a/> whose h exceeds outbound + outbound_q.length is clamped before any other listener sees it", () => {
    const { entity, log, seen } = guarded();
    entity.streamManagement.outbound = 3;
    entity.streamManagement.outbound_q = [{}, {}];
    const el = ack(10);
    entity.emit("element", el);
    expect(el.attrs.h).toBe("5");
    expect(seen).toEqual(["a 5"]);
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(entity.disconnect).not.toHaveBeenCalled();
  });

  it("a <resumed/> whose h exceeds what was sent is clamped too", () => {
    const { entity, seen } = guarded();
    entity.streamManagement.outbound = 7;
    entity.streamManagement.outbound_q = [{}];
    const el = resumed(42);
    entity.emit("element", el);
    expect(el.attrs.h).toBe("8");
    expect(el.attrs.previd).toBe("some-long-sm-id");
    expect(seen).toEqual(["resumed 8"]);
  });

  it("an h within what was sent, equal to it, or not a number is left alone; so are other elements", () => {
    const { entity, log, seen } = guarded();
    entity.streamManagement.outbound = 3;
    entity.streamManagement.outbound_q = [{}, {}];
    entity.emit("element", ack(4));
    entity.emit("element", ack(5));
    entity.emit("element", ack("many"));
    entity.emit("element", xml("a", { xmlns: "urn:example:other", h: "99" }));
    entity.emit("element", xml("r", { xmlns: NS_SM }));
    expect(seen).toEqual(["a 4", "a 5", "a many", "a 99", "r undefined"]);
    expect(log.warn).not.toHaveBeenCalled();
  });

  it("once the guard is removed, h is no longer clamped", () => {
    const { entity, seen } = guarded();
    (unguards.pop() as () => void)();
    entity.emit("element", ack(10));
    expect(seen).toEqual(["a 10"]);
  });
});

describe("a negotiation that never ends (fake timers)", { timeout: 5_000 }, () => {
  it("disconnect() is called when `online` does not come within negotiationTimeout of `connecting`", async () => {
    vi.useFakeTimers();
    const { entity, log } = guarded(1_000);
    entity.setStatus("connecting");
    entity.setStatus("connect");
    entity.setStatus("opening");
    entity.setStatus("open");
    await vi.advanceTimersByTimeAsync(999);
    expect(entity.disconnect).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(entity.disconnect).toHaveBeenCalledTimes(1);
    expect(log.warn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(entity.disconnect).toHaveBeenCalledTimes(1);
  });

  it("a negotiation timeout of Infinity never restarts a negotiation (a timer that long would fire at once)", async () => {
    vi.useFakeTimers();
    const { entity } = guarded(Infinity);
    entity.setStatus("connecting");
    entity.setStatus("connect");
    await vi.advanceTimersByTimeAsync(100 * 86_400_000);
    expect(entity.disconnect).not.toHaveBeenCalled();
  });

  it("a negotiation timeout out of range is refused", () => {
    expect(() => guardStream(new FakeEntity(), logger(), { negotiationTimeout: 0 })).toThrow(RangeError);
  });

  it("no disconnect() when the stream comes online in time", async () => {
    vi.useFakeTimers();
    const { entity } = guarded(1_000);
    entity.setStatus("connecting");
    await vi.advanceTimersByTimeAsync(500);
    entity.setStatus("online");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(entity.disconnect).not.toHaveBeenCalled();
  });

  it("no disconnect() when the stream is resumed in time (stream management `resumed`)", async () => {
    vi.useFakeTimers();
    const { entity } = guarded(1_000);
    entity.setStatus("connecting");
    await vi.advanceTimersByTimeAsync(500);
    entity.streamManagement.emit("resumed");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(entity.disconnect).not.toHaveBeenCalled();
  });

  it("the default timeout is 30 s", async () => {
    vi.useFakeTimers();
    const { entity } = guarded();
    entity.setStatus("connecting");
    await vi.advanceTimersByTimeAsync(29_999);
    expect(entity.disconnect).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(entity.disconnect).toHaveBeenCalledTimes(1);
  });

  it("a new `connecting` restarts the wait, and a removed guard no longer times out", async () => {
    vi.useFakeTimers();
    const { entity } = guarded(1_000);
    entity.setStatus("connecting");
    await vi.advanceTimersByTimeAsync(800);
    entity.setStatus("connecting");
    await vi.advanceTimersByTimeAsync(800);
    expect(entity.disconnect).not.toHaveBeenCalled();
    (unguards.pop() as () => void)();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(entity.disconnect).not.toHaveBeenCalled();
  });
});

describe("a resource bind on a resumed stream", () => {
  it("sending a bind IQ after a <resumed/> on the current socket calls disconnect()", () => {
    const { entity, log } = guarded();
    entity.setStatus("connect");
    entity.emit("element", resumed(0));
    entity.emit("send", bindIq());
    expect(entity.disconnect).toHaveBeenCalledTimes(1);
    expect(log.warn).toHaveBeenCalledTimes(1);
  });

  it("a bind IQ on a fresh stream (no <resumed/>) is left alone; so is another IQ after a resumption", () => {
    const { entity } = guarded();
    entity.setStatus("connect");
    entity.emit("send", bindIq());
    entity.emit("element", resumed(0));
    entity.emit("send", xml("iq", { type: "get", id: "ping-1" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    expect(entity.disconnect).not.toHaveBeenCalled();
  });

  it("a new socket (`connect`) forgets the earlier resumption", () => {
    const { entity } = guarded();
    entity.setStatus("connect");
    entity.emit("element", resumed(0));
    entity.setStatus("disconnect");
    entity.setStatus("connecting");
    entity.setStatus("connect");
    entity.emit("send", bindIq());
    expect(entity.disconnect).not.toHaveBeenCalled();
  });
});

/**
 * What `@xmpp/client` 0.14's stream management does with received elements:
 * counts stanzas and answers `<r/>` with the count (its middleware, an
 * `element` listener), and resets the count when its `<enable/>` request
 * settles (`enabled()`, some microtasks after `<enabled/>`).
 */
function withStreamManagement(entity: FakeEntity): { answers: number[]; clientTakesInEnabled(): void } {
  const sm = entity.streamManagement;
  const answers: number[] = [];
  entity.on("element", (el: Element) => {
    if (["message", "presence", "iq"].includes(el.name)) sm.inbound += 1;
    else if (el.is("r", NS_SM)) answers.push(sm.inbound);
  });
  return {
    answers,
    clientTakesInEnabled: () => {
      sm.enabled = true;
      sm.inbound = 0;
    },
  };
}

describe("the inbound count after a failed resumption", () => {
  const presence = (): Element => xml("presence", { from: "room@conference.localhost/Alice" });
  const enabled = (): Element => xml("enabled", { xmlns: NS_SM, id: "new-sm-id", resume: "true" });

  it("an <r/> in the same read as <enabled/> is answered with the stanzas since <enabled/>, not the dead session's count", () => {
    const { entity } = guarded();
    const client = withStreamManagement(entity);
    // The dead session's count, and stanzas the server sent before <enabled/> (it does not count them).
    entity.streamManagement.inbound = 211;
    for (let i = 0; i < 11; i++) entity.emit("element", presence());
    entity.emit("element", enabled());
    entity.emit("element", xml("r", { xmlns: NS_SM }));
    expect(client.answers).toEqual([0]);
  });

  it("stanzas that came between <enabled/> and the client's own reset still count", () => {
    const { entity } = guarded();
    const client = withStreamManagement(entity);
    entity.streamManagement.inbound = 211;
    entity.emit("element", enabled());
    entity.emit("element", presence());
    entity.emit("element", presence());
    client.clientTakesInEnabled();
    entity.emit("element", presence());
    entity.emit("element", xml("r", { xmlns: NS_SM }));
    expect(client.answers).toEqual([3]);
    // Counted once: later stanzas go on from there.
    entity.emit("element", presence());
    entity.emit("element", xml("r", { xmlns: NS_SM }));
    expect(client.answers).toEqual([3, 4]);
  });

  it("a stream that dies right after the client's reset keeps them for the resumption's h", () => {
    const { entity } = guarded();
    const client = withStreamManagement(entity);
    entity.emit("element", enabled());
    entity.emit("element", presence());
    client.clientTakesInEnabled();
    entity.setStatus("disconnect");
    expect(entity.streamManagement.inbound).toBe(1);
  });

  it("an <enabled/> on a stream the client has enabled already (a server's repeat) changes nothing", () => {
    const { entity } = guarded();
    const client = withStreamManagement(entity);
    client.clientTakesInEnabled();
    entity.emit("element", presence());
    entity.emit("element", enabled());
    entity.emit("element", xml("r", { xmlns: NS_SM }));
    expect(client.answers).toEqual([1]);
  });
});

describe("a session without resumption", () => {
  /** The features after authentication (ejabberd's, as the client gets them). */
  const features = (): Element =>
    xml("stream:features", { "xmlns:stream": "http://etherx.jabber.org/streams" }, xml("bind", { xmlns: NS_BIND }), xml("sm", { xmlns: NS_SM }));
  const message = (n: number): Element => xml("message", { type: "groupchat", to: "room@conference.localhost", id: `m-${n}` }, xml("body", {}, `m-${n}`));

  it("at the next stream's features, what it left unacknowledged is reported failed, in order, and the queue is empty for <enable/>", () => {
    const { entity, log } = guarded();
    const sm = entity.streamManagement;
    const failed: string[] = [];
    sm.on("fail", (stanza: Element) => failed.push(String(stanza.attrs.id)));
    // The server enabled stream management without resumption: no id. Two messages were never acknowledged.
    sm.outbound = 7;
    sm.outbound_q = [{ stanza: message(1) }, { stanza: message(2) }];
    entity.setStatus("disconnect");
    entity.setStatus("connect");
    entity.emit("element", features());
    expect(failed).toEqual(["m-1", "m-2"]);
    expect(sm.outbound_q).toEqual([]);
    expect(sm.outbound).toBe(0);
    expect(log.warn).not.toHaveBeenCalled();
    expect(entity.disconnect).not.toHaveBeenCalled();
  });

  it("a session that can be resumed is left to the client (it resumes, or fails them itself on <failed/>)", () => {
    const { entity } = guarded();
    const sm = entity.streamManagement;
    const failed: Element[] = [];
    sm.on("fail", (stanza: Element) => failed.push(stanza));
    sm.id = "some-long-sm-id";
    sm.outbound_q = [{ stanza: message(1) }];
    entity.emit("element", features());
    expect(failed).toEqual([]);
    expect(sm.outbound_q).toHaveLength(1);
  });

  it("features before authentication (no bind) change nothing", () => {
    const { entity } = guarded();
    const sm = entity.streamManagement;
    sm.outbound_q = [{ stanza: message(1) }];
    entity.emit("element", xml("stream:features", {}, xml("mechanisms", { xmlns: "urn:ietf:params:xml:ns:xmpp-sasl" })));
    expect(sm.outbound_q).toHaveLength(1);
  });
});

/**
 * What `@xmpp/client` 0.14's connection does with a socket: its `data`
 * listener, added when the socket is made, writes each read to the
 * parser of the moment.
 */
function withSocket(entity: FakeEntity): EventEmitter {
  const socket = new EventEmitter();
  socket.on("data", (data: string) => entity.parser!.write(data));
  entity.socket = socket;
  entity.setStatus("connect");
  return socket;
}

/** A parser as the client's: it emits an `element` per read, unless the read is `&bogus;`, on which it throws (as ltx does). */
class FakeParser extends EventEmitter {
  write(data: string): void {
    if (data.includes("&bogus;")) throw new Error("Illegal XML entity &bogus;");
    this.emit("element", data);
  }
}

describe("data after the stream's end, and XML the parser throws on", () => {
  it("a read while the client has no parser is dropped: the client's listener writes to a stand-in, for that read only", () => {
    const { entity, log } = guarded();
    const socket = withSocket(entity);
    entity.parser = null;
    expect(() => socket.emit("data", " ")).not.toThrow();
    expect(entity.parser).toBeNull();
    expect(() => socket.emit("data", " ")).not.toThrow();
    expect(log.debug).toHaveBeenCalledWith("stream guard: data read after the stream's end; dropped");
    // Once the client has a parser again, reads reach it.
    const parser = new FakeParser();
    const read: string[] = [];
    parser.on("element", (d: string) => read.push(d));
    entity.parser = parser;
    socket.emit("data", "<presence/>");
    expect(read).toEqual(["<presence/>"]);
  });

  it("a socket the client has let go of is left alone (the client no longer reads it)", () => {
    const { entity } = guarded();
    const old = withSocket(entity);
    withSocket(entity);
    entity.parser = null;
    // The fake's listener is still on the old socket, as a stand-in would not be: the client's fault shows.
    expect(() => old.emit("data", " ")).toThrow(TypeError);
    expect(entity.parser).toBeNull();
  });

  it("a socket that was open when the guard came is guarded too", () => {
    const entity = new FakeEntity();
    const socket = new EventEmitter();
    socket.on("data", (data: string) => entity.parser!.write(data));
    entity.socket = socket;
    unguards.push(guardStream(entity, logger()));
    expect(() => socket.emit("data", " ")).not.toThrow();
    expect(socket.listenerCount("error")).toBe(1);
  });

  it("what the parser throws on becomes its error event, and the read goes no further", () => {
    const { entity, log } = guarded();
    const socket = withSocket(entity);
    const parser = new FakeParser();
    const errors: unknown[] = [];
    parser.on("error", (e: unknown) => errors.push(e));
    entity.parser = parser;
    expect(() => socket.emit("data", "<message>&bogus;</message>")).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: "XMLError", message: "Illegal XML entity &bogus;" });
    expect(log.warn).toHaveBeenCalledTimes(1);
  });

  it("what a listener of the parser's elements throws (the app's handler) is thrown on, as without the guard", () => {
    const { entity } = guarded();
    const socket = withSocket(entity);
    const parser = new FakeParser();
    const errors: unknown[] = [];
    parser.on("error", (e: unknown) => errors.push(e));
    parser.on("element", () => {
      throw new RangeError("the app's bug");
    });
    entity.parser = parser;
    expect(() => socket.emit("data", "<message/>")).toThrow(RangeError);
    expect(errors).toEqual([]);
    // The next read is the parser's again: a throw is its own.
    parser.removeAllListeners("element");
    expect(() => socket.emit("data", "&bogus;")).not.toThrow();
    expect(errors).toHaveLength(1);
  });

  it("one parser is wrapped once, however many reads and guards", () => {
    const { entity } = guarded();
    unguards.push(guardStream(entity, logger()));
    const socket = withSocket(entity);
    const parser = new FakeParser();
    const errors: unknown[] = [];
    parser.on("error", (e: unknown) => errors.push(e));
    entity.parser = parser;
    socket.emit("data", "<a/>");
    const wrapped = parser.write;
    socket.emit("data", "<b/>");
    expect(parser.write).toBe(wrapped);
    socket.emit("data", "&bogus;");
    expect(errors).toHaveLength(1);
  });
});

/** A fake entity with the steps of `@xmpp/client`'s `start()`: `connect` and `open` settle when the test says. */
class FakeStartable extends FakeEntity {
  readonly options = { service: "xmpp://example.org:5222", domain: "example.org", lang: "en" };
  readonly calls: string[] = [];
  connect(service: string): Promise<void> {
    this.calls.push(`connect ${service}`);
    this.setStatus("connect");
    return Promise.resolve();
  }
  open(options: { domain?: string; lang?: string }): Promise<void> {
    this.calls.push(`open ${options.domain} ${options.lang}`);
    this.setStatus("opening");
    // As the client's: the header, or the connection's error first.
    return new Promise((resolve, reject) => {
      this.once("open", () => resolve());
      this.once("error", reject);
    });
  }
  /** The prototype's own, which the guard replaces on the instance. */
  start(): Promise<unknown> {
    return Promise.resolve("unguarded");
  }
}

describe("start() with an error before the stream header", () => {
  /** Rejections nobody handled while `run` ran, and a macrotask after. */
  async function unhandledDuring(run: () => Promise<void>): Promise<unknown[]> {
    const seen: unknown[] = [];
    const listener = (reason: unknown): void => void seen.push(reason);
    process.on("unhandledRejection", listener);
    try {
      await run();
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off("unhandledRejection", listener);
    }
    return seen;
  }

  it("the connection's error before the header rejects start() and nothing else", async () => {
    const entity = new FakeStartable();
    unguards.push(guardStream(entity, logger()));
    const failure = new Error("read ECONNRESET");
    const unhandled = await unhandledDuring(async () => {
      const started = entity.start();
      await vi.waitFor(() => expect(entity.status).toBe("opening"));
      entity.emit("error", failure);
      await expect(started).rejects.toBe(failure);
    });
    expect(unhandled).toEqual([]);
    expect(entity.calls).toEqual(["connect xmpp://example.org:5222", "open example.org en"]);
    // Its waits are gone with it.
    expect(entity.listenerCount("online")).toBe(0);
    expect(entity.listenerCount("error")).toBe(1); // the guard's own
  });

  it("start() resolves with what `online` carries, after the header", async () => {
    const entity = new FakeStartable();
    unguards.push(guardStream(entity, logger()));
    const started = entity.start();
    await vi.waitFor(() => expect(entity.status).toBe("opening"));
    entity.emit("open");
    entity.emit("online", "me@example.org/r");
    await expect(started).resolves.toBe("me@example.org/r");
    expect(entity.listenerCount("online")).toBe(0);
  });

  it("an error after the header (authentication refused) rejects start(), as the client's does", async () => {
    const entity = new FakeStartable();
    unguards.push(guardStream(entity, logger()));
    const refused = new Error("not-authorized");
    const unhandled = await unhandledDuring(async () => {
      const started = entity.start();
      await vi.waitFor(() => expect(entity.status).toBe("opening"));
      entity.emit("open");
      await Promise.resolve();
      entity.emit("error", refused);
      await expect(started).rejects.toBe(refused);
    });
    expect(unhandled).toEqual([]);
  });

  it("start() on an entity that is not offline rejects, as the client's does", async () => {
    const entity = new FakeStartable();
    unguards.push(guardStream(entity, logger()));
    entity.setStatus("online");
    await expect(entity.start()).rejects.toThrow("Connection is not offline");
    expect(entity.calls).toEqual([]);
  });

  it("removing the guard gives the entity back its own start()", async () => {
    const entity = new FakeStartable();
    const unguard = guardStream(entity, logger());
    expect(Object.hasOwn(entity, "start")).toBe(true);
    unguard();
    expect(Object.hasOwn(entity, "start")).toBe(false);
    await expect(entity.start()).resolves.toBe("unguarded");
  });

  it("an entity without connect() and open() keeps its own start()", async () => {
    const entity = new FakeEntity() as FakeEntity & { start?: () => Promise<string> };
    entity.start = () => Promise.resolve("own");
    unguards.push(guardStream(entity, logger()));
    await expect(entity.start()).resolves.toBe("own");
  });
});

describe("requests of a dead stream left unanswered", () => {
  const noop = (): void => {};

  it("nonza listeners a stream added before it was usable, still waiting when it dies, are removed; the app's stay", () => {
    const { entity, log } = guarded();
    const app = (): void => {};
    entity.on("nonza", app);
    entity.setStatus("connecting");
    entity.setStatus("connect");
    const sasl = (): void => {};
    const resume = (): void => {};
    entity.on("nonza", sasl);
    entity.removeListener("nonza", sasl); // answered
    entity.on("nonza", resume); // never answered
    entity.setStatus("disconnect");
    expect(entity.listeners("nonza")).toEqual([app]);
    expect(log.debug).toHaveBeenCalledWith("stream guard: 1 request(s) of the dead stream left unanswered; no longer waiting");
  });

  it("a request still waiting when the stream came online (<enable/>) goes when it dies; a listener added once online stays", () => {
    const { entity } = guarded();
    entity.setStatus("connect");
    const enable = (): void => {};
    entity.on("nonza", enable);
    entity.setStatus("online");
    const later = (): void => {};
    entity.on("nonza", later);
    entity.setStatus("disconnect");
    expect(entity.listeners("nonza")).toEqual([later]);
  });

  it("a resumed stream is usable from stream management's `resumed`: what is added after it stays", () => {
    const { entity } = guarded();
    entity.setStatus("connect");
    entity.streamManagement.emit("resumed");
    const later = (): void => {};
    entity.on("nonza", later);
    entity.setStatus("disconnect");
    expect(entity.listeners("nonza")).toEqual([later]);
  });

  it("each stream answers for its own: the next connection's requests are not the dead one's", () => {
    const { entity } = guarded();
    entity.setStatus("connect");
    entity.on("nonza", noop);
    entity.setStatus("disconnect");
    entity.setStatus("connecting");
    entity.setStatus("connect");
    const next = (): void => {};
    entity.on("nonza", next);
    entity.setStatus("online");
    expect(entity.listeners("nonza")).toEqual([next]);
    // A disconnect without a connection before it (a second report) removes nothing more.
    entity.setStatus("disconnect");
    entity.setStatus("disconnect");
    expect(entity.listeners("nonza")).toEqual([]);
  });

  it("a listener marked to stay (a MucService made while a stream is negotiated) stays", () => {
    const { entity } = guarded();
    entity.setStatus("connect");
    const service = keepListening((): void => {});
    entity.on("nonza", service);
    entity.on("nonza", noop);
    entity.setStatus("disconnect");
    expect(entity.listeners("nonza")).toEqual([service]);
  });

  it("a MucService made while a stream is negotiated still hears the next streams' nonzas", () => {
    const { entity } = guarded();
    entity.setStatus("connect");
    const conn = Object.assign(entity, { send: async () => {}, jid: null });
    const muc = new MucService(conn as never, { selfPing: false, guardStream: false });
    const theirs = entity.listeners("nonza");
    expect(theirs).toHaveLength(1);
    entity.setStatus("disconnect");
    expect(entity.listeners("nonza")).toEqual(theirs);
    muc.close();
  });

  it("once the guard is removed, nothing is removed", () => {
    const entity = new FakeEntity();
    const unguard = guardStream(entity, logger());
    entity.setStatus("connect");
    entity.on("nonza", noop);
    unguard();
    entity.setStatus("disconnect");
    expect(entity.listeners("nonza")).toEqual([noop]);
  });
});

describe("anything else", () => {
  it("returns a no-op for the mock connection, plain objects and null, and touches nothing", () => {
    const log = logger();
    const conn = new MockConnection();
    for (const target of [conn, {}, null, undefined, 42]) {
      const unguard = guardStream(target, log, { negotiationTimeout: 1 });
      expect(typeof unguard).toBe("function");
      expect(() => unguard()).not.toThrow();
    }
    expect(log.warn).not.toHaveBeenCalled();
  });

  it("an entity missing one of the internals (outbound_q not an array) is not guarded: h is not clamped, no disconnect()", async () => {
    vi.useFakeTimers();
    const entity = new FakeEntity();
    (entity.streamManagement as { outbound_q: unknown }).outbound_q = undefined;
    const log = logger();
    unguards.push(guardStream(entity, log, { negotiationTimeout: 1_000 }));
    expect(entity.listenerCount("element")).toBe(0);
    expect(entity.listenerCount("status")).toBe(0);
    expect(entity.listenerCount("send")).toBe(0);
    const el = ack(10);
    entity.emit("element", el);
    expect(el.attrs.h).toBe("10");
    entity.setStatus("connecting");
    await vi.advanceTimersByTimeAsync(5_000);
    entity.emit("element", resumed(0));
    entity.emit("send", bindIq());
    expect(entity.disconnect).not.toHaveBeenCalled();
    expect(log.warn).not.toHaveBeenCalled();
  });

  it("an entity without prependListener or disconnect() is not guarded", () => {
    const sm = new FakeStreamManagement();
    const noPrepend = { on: vi.fn(), disconnect: vi.fn(), streamManagement: sm };
    const noDisconnect = Object.assign(new EventEmitter(), { streamManagement: sm });
    const log = logger();
    unguards.push(guardStream(noPrepend, log), guardStream(noDisconnect, log));
    expect(noPrepend.on).not.toHaveBeenCalled();
    expect(noDisconnect.listenerCount("element")).toBe(0);
    expect(sm.listenerCount("resumed")).toBe(0);
  });
});
