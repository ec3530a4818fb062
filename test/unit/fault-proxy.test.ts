/**
 * The fault-injecting proxy of test/helpers/fault-proxy.ts, in front of a tiny
 * recording echo server on loopback. Every wait is bounded; no durations are asserted.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import net from "node:net";
import { mulberry32, planStorm, startFaultProxy, type FaultProxy, type StormReport } from "../helpers/fault-proxy.js";

/** Echo server that records, per connection, every byte it received. */
interface RecordingServer {
  port: number;
  received: string[];
  open: Set<net.Socket>;
  close(): Promise<void>;
}

async function startEchoServer(): Promise<RecordingServer> {
  const received: string[] = [];
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const index = received.push("") - 1;
    open.add(socket);
    socket.on("data", (chunk: Buffer) => {
      received[index] += chunk.toString("utf8");
      socket.write(chunk);
    });
    socket.on("error", () => undefined);
    socket.on("close", () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("no address");
  return {
    port: address.port,
    received,
    open,
    close: () => {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Rejects when `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `condition` until true; rejects after `ms`. */
async function until(condition: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A client socket with everything it received and whether it closed. */
interface TestClient {
  socket: net.Socket;
  data: () => string;
  closed: Promise<void>;
  isClosed: () => boolean;
}

async function connect(port: number): Promise<TestClient> {
  const socket = net.connect(port, "127.0.0.1");
  let data = "";
  let isClosed = false;
  socket.on("data", (chunk: Buffer) => (data += chunk.toString("utf8")));
  socket.on("error", () => undefined);
  const closed = new Promise<void>((resolve) => socket.on("close", () => { isClosed = true; resolve(); }));
  await within(new Promise((resolve) => socket.once("connect", resolve)), 3000, "client connect");
  return { socket, data: () => data, closed, isClosed: () => isClosed };
}

let server: RecordingServer;
let proxy: FaultProxy;
const clients: net.Socket[] = [];
const logs: string[] = [];

async function client(): Promise<TestClient> {
  const c = await connect(proxy.port);
  clients.push(c.socket);
  return c;
}

beforeEach(async () => {
  server = await startEchoServer();
  proxy = await startFaultProxy({ target: { host: "127.0.0.1", port: server.port }, seed: 42, log: (line) => logs.push(line) });
});

afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy();
  await within(proxy.close(), 3000, "proxy close");
  await within(server.close(), 3000, "server close");
});

describe("fault proxy", () => {
  it("forwards bytes both ways and counts them", async () => {
    const c = await client();
    c.socket.write("hello");
    await until(() => c.data() === "hello", "echo");
    expect(server.received).toEqual(["hello"]);
    const [connection] = proxy.connections;
    expect(connection?.id).toBe(1);
    expect(connection?.clientPort).toBe(c.socket.localPort);
    expect(connection?.clientToServer).toBe(5);
    expect(connection?.serverToClient).toBe(5);
  });

  it("stall forwards nothing either way, and neither side hears the other close, until the proxy closes", async () => {
    const c = await client();
    c.socket.write("before");
    await until(() => c.data() === "before", "echo before the stall");
    const [connection] = proxy.connections;
    connection?.stall();
    expect(connection?.stalled).toBe(true);
    c.socket.write("during");
    // The echo server would answer at once: give it time to, then look.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.received).toEqual(["before"]);
    expect(c.data()).toBe("before");
    const [serverSide] = server.open;
    serverSide?.write("from the server");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(c.data()).toBe("before");
    // The client gives up: the server's socket stays open, the connection is still listed.
    c.socket.destroy();
    await within(c.closed, 3000, "client close");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.open.size).toBe(1);
    expect(connection?.closed).toBe(false);
    expect(proxy.connections).toHaveLength(1);
    expect(proxy.cutAll("test")).toBe(1);
    await until(() => server.open.size === 0, "server side closed by the proxy");
  });

  it("cutAll closes the client and the server side", async () => {
    const a = await client();
    const b = await client();
    await until(() => server.open.size === 2, "server connections");
    expect(proxy.cutAll("test")).toBe(2);
    await within(Promise.all([a.closed, b.closed]), 3000, "client close");
    await until(() => server.open.size === 0, "server side closed");
    expect(proxy.connections).toHaveLength(0);
  });

  it("cutWhen forwards up to a marker split across writes, then cuts", async () => {
    const c = await client();
    const pending = proxy.cutWhen({ direction: "clientToServer", marker: "<enable" });
    c.socket.write("abc<en");
    await until(() => server.received[0] === "abc<en", "first half");
    c.socket.write(" able? no: ");
    c.socket.write("<enable xmlns='urn:xmpp:sm:3'/>after");
    const event = await within(pending, 3000, "cut");
    expect(event?.connection.id).toBe(1);
    expect(event?.moment).toBe("c2s <enable");
    expect(event?.forwarded).toBe(true);
    await within(c.closed, 3000, "client close");
    await until(() => server.open.size === 0, "server side closed");
    // Whatever followed the marker in its chunk was dropped, and so is anything written later.
    expect(server.received).toEqual(["abc<en able? no: <enable"]);
  });

  it("matches a marker split at an arbitrary byte across two writes", async () => {
    const c = await client();
    const pending = proxy.cutWhen({ direction: "clientToServer", marker: "urn:ietf:params:xml:ns:xmpp-bind" });
    c.socket.write("<iq><bind xmlns='urn:ietf:params:x");
    await until(() => (server.received[0] ?? "").endsWith("params:x"), "first half");
    c.socket.write("ml:ns:xmpp-bind'/></iq>");
    await within(pending, 3000, "cut");
    await until(() => server.open.size === 0, "server side closed");
    expect(server.received[0]).toBe("<iq><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind");
    c.socket.write("late");
    await within(c.closed, 3000, "client close");
    expect(server.received).toHaveLength(1);
  });

  it("cutWhen with forward: false drops the matching chunk", async () => {
    const c = await client();
    const pending = proxy.cutWhen({ direction: "clientToServer", marker: /<message\b/, forward: false });
    c.socket.write("one");
    await until(() => server.received[0] === "one", "first write");
    c.socket.write("two<message to='x'/>");
    const event = await within(pending, 3000, "cut");
    expect(event?.forwarded).toBe(false);
    await within(c.closed, 3000, "client close");
    await until(() => server.open.size === 0, "server side closed");
    expect(server.received[0]).toBe("one");
  });

  it("cutWhen watches the server-to-client direction and the connection filter", async () => {
    const a = await client();
    const b = await client();
    const [first, second] = proxy.connections;
    if (!first || !second) throw new Error("expected two connections");
    second.label = "b";
    const pending = proxy.cutWhen({ direction: "serverToClient", marker: "<success", connection: (c) => c.label === "b" });
    a.socket.write("<success/>");
    await until(() => a.data() === "<success/>", "echo on a");
    b.socket.write("x<success/>y");
    const event = await within(pending, 3000, "cut");
    expect(event?.connection.label).toBe("b");
    await within(b.closed, 3000, "client b close");
    expect(b.data()).toBe("x<success");
    expect(a.isClosed()).toBe(false);
  });

  it("a cancelled or timed-out rule resolves null and never cuts", async () => {
    const c = await client();
    const cancelled = proxy.cutWhen({ direction: "clientToServer", marker: "<auth" });
    cancelled.cancel();
    const timedOut = proxy.cutWhen({ direction: "clientToServer", marker: "<resume", timeoutMs: 10 });
    expect(await within(cancelled, 3000, "cancel")).toBeNull();
    expect(await within(timedOut, 3000, "timeout")).toBeNull();
    c.socket.write("<auth/><resume/>");
    await until(() => c.data() === "<auth/><resume/>", "echo");
    expect(c.isClosed()).toBe(false);
  });

  it("storm performs the requested cuts over reconnecting clients", async () => {
    let running = true;
    let finish = (): void => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const reconnecting = async (): Promise<void> => {
      while (running) {
        const c = await client();
        const timer = setInterval(() => c.socket.write("<message>hi</message>"), 5);
        await Promise.race([c.closed, finished]);
        clearInterval(timer);
        c.socket.destroy();
      }
    };
    const loops = [reconnecting(), reconnecting()];
    const storm = proxy.storm({
      cuts: 5,
      minGapMs: 0,
      maxGapMs: 20,
      moments: [{ direction: "clientToServer", marker: "<message" }, { direction: "serverToClient", marker: "</message>" }],
      markerWaitMs: 1000,
    });
    const report: StormReport = await within(storm.done, 20_000, "storm");
    running = false;
    finish();
    await within(Promise.all(loops), 3000, "client loops");
    expect(report.seed).toBe(42);
    expect(report.cuts).toHaveLength(5);
    expect(report.skipped).toBe(0);
    expect(report.stopped).toBe(false);
    expect(Object.values(report.counts).reduce((a, b) => a + b, 0)).toBe(5);
    expect(report.cuts.map((c) => c.planned)).toEqual(
      storm.plan.map((d) => ["mid-flow", "c2s <message", "s2c </message>"][d.moment + 1]),
    );
  });

  it("storm decisions are a pure function of the seed", async () => {
    const options = { cuts: 20, minGapMs: 5, maxGapMs: 50, moments: [{ direction: "clientToServer" as const, marker: "<enable" }] };
    expect(planStorm(7, options)).toEqual(planStorm(7, options));
    expect(planStorm(7, options)).not.toEqual(planStorm(8, options));
    for (const step of planStorm(7, options)) {
      expect(step.gapMs).toBeGreaterThanOrEqual(5);
      expect(step.gapMs).toBeLessThanOrEqual(50);
      expect([-1, 0]).toContain(step.moment);
      expect(step.pick).toBeGreaterThanOrEqual(0);
      expect(step.pick).toBeLessThan(1);
    }
    const next = mulberry32(123);
    const again = mulberry32(123);
    expect(Array.from({ length: 5 }, next)).toEqual(Array.from({ length: 5 }, again));

    // Two proxies with the same seed plan the same storms (the n-th storm on each).
    const twin = await startFaultProxy({ target: { host: "127.0.0.1", port: server.port }, seed: proxy.seed });
    try {
      for (let n = 0; n < 2; n++) {
        const mine = proxy.storm(options);
        const theirs = twin.storm(options);
        mine.stop();
        theirs.stop();
        expect(theirs.seed).toBe(mine.seed);
        expect(theirs.plan).toEqual(mine.plan);
        const [r1, r2] = await within(Promise.all([mine.done, theirs.done]), 3000, "stopped storms");
        expect(r1.stopped && r2.stopped).toBe(true);
        expect(r1.cuts).toHaveLength(0);
      }
    } finally {
      await within(twin.close(), 3000, "twin close");
    }
  });

  it("pause refuses new connections until resume", async () => {
    proxy.pause();
    const refused = await client();
    await within(refused.closed, 3000, "refused close");
    expect(server.received).toHaveLength(0);
    expect(proxy.connections).toHaveLength(0);
    proxy.resume();
    const c = await client();
    c.socket.write("back");
    await until(() => c.data() === "back", "echo after resume");
  });

  it("survives an unreachable target", async () => {
    const dead = await startFaultProxy({ target: { host: "127.0.0.1", port: 1 } });
    try {
      const c = await connect(dead.port);
      clients.push(c.socket);
      c.socket.write("anyone?");
      await within(c.closed, 3000, "client close");
      expect(dead.connections).toHaveLength(0);
    } finally {
      await within(dead.close(), 3000, "close");
    }
  });

  it("close ends connections, rules and storms and stops listening", async () => {
    const a = await client();
    const b = await client();
    await until(() => server.open.size === 2, "server connections");
    const pending = proxy.cutWhen({ direction: "clientToServer", marker: "<never" });
    const waiting = proxy.waitForConnection((c) => c.id > 100, 60_000);
    const storm = proxy.storm({ cuts: 3, minGapMs: 50_000, maxGapMs: 60_000 });
    const port = proxy.port;
    await within(proxy.close(), 3000, "proxy close");
    await within(Promise.all([a.closed, b.closed]), 3000, "clients closed");
    await until(() => server.open.size === 0, "server side closed");
    expect(await within(pending, 3000, "rule")).toBeNull();
    expect(await within(waiting, 3000, "waiter")).toBeNull();
    expect((await within(storm.done, 3000, "storm")).stopped).toBe(true);
    const refused = net.connect(port, "127.0.0.1");
    const error = await within(new Promise<Error>((resolve) => refused.once("error", resolve)), 3000, "refusal");
    expect(error).toMatchObject({ code: "ECONNREFUSED" });
    expect(logs.some((line) => line.includes("proxy closed"))).toBe(true);
  });
});
