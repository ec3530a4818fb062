// ComponentConnection against a tiny XEP-0114 server written here with
// node:net (so every failure mode can be provoked on purpose), and the
// MockComponent of xmpp-muc-sdk/testing.
//
// The fake server follows XEP-0114 §3 and what Prosody 0.12 does
// (mod_component.lua): it answers the stream header with its own header
// carrying a stream id, checks `<handshake>` = lowercase hex SHA-1 of
// (stream id + secret), answers `<handshake/>` or closes with a stream error
// (`not-authorized`, `conflict` when a component is already connected,
// `host-unknown` for another domain, with an empty id on the header).

import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import xml, { Element, Parser } from "@xmpp/xml";
import { ComponentConnection, NS_COMPONENT, type ComponentConnectionEvents, type ComponentConnectionOptions } from "../../../src/gateway/component.js";
import { ComponentError } from "../../../src/gateway/component-errors.js";
import type { ComponentLike } from "../../../src/gateway/component-connection.js";
import { MockComponent } from "../../../src/testing/index.js";

const NS_STREAMS = "urn:ietf:params:xml:ns:xmpp-streams";
const DOMAIN = "gateway.example.test";
const SECRET = "s3cr&t";

// ---------------------------------------------------------------------------
// The fake server

interface Handshake {
  readonly id: string;
  readonly digest: string;
  readonly ok: boolean;
}

class FakeConnection {
  authed = false;
  /** The client sent `</stream:stream>`. */
  closedByClient = false;
  readonly received: Element[] = [];
  constructor(
    readonly socket: Socket,
    readonly id: string,
  ) {}

  write(data: string): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(data);
  }

  /** Stream error + `</stream:stream>` + close, as Prosody's session:close{}. */
  streamError(condition: string, text?: string): void {
    const t = text ? `<text xmlns='${NS_STREAMS}'>${text}</text>` : "";
    this.write(`<stream:error><${condition} xmlns='${NS_STREAMS}'/>${t}</stream:error></stream:stream>`);
    this.socket.end();
  }
}

class FakeComponentServer {
  secret: string;
  /** Accept TCP connections but never answer (for timeouts). */
  silent = false;
  /** Leave the client's `</stream:stream>` unanswered (the client stays "closing"). */
  ignoreClientClose = false;
  /** Written in the same chunk as `<handshake/>` (Prosody sends XEP-0356's privilege announcement so). */
  afterHandshake = "";
  readonly connections: FakeConnection[] = [];
  readonly handshakes: Handshake[] = [];
  /** Stanzas received from authenticated connections, in order. */
  readonly received: Element[] = [];
  port = 0;
  #server: Server | undefined;
  #ids = 0;
  #listeners = new Set<() => void>();

  constructor(
    readonly domain = DOMAIN,
    secret = SECRET,
  ) {
    this.secret = secret;
  }

  /** The component that is connected and authenticated now, if any. */
  get authed(): FakeConnection | undefined {
    return this.connections.find((c) => c.authed && !c.socket.destroyed);
  }

  get url(): string {
    return `xmpp://127.0.0.1:${this.port}`;
  }

  async listen(port = this.port): Promise<void> {
    const server = createServer((socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: "127.0.0.1", port }, () => resolve());
    });
    const address = server.address();
    if (address && typeof address === "object") this.port = address.port;
    this.#server = server;
  }

  /** Stop listening and drop every connection (a crash: no stream close). */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.dropAll();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Destroy every socket without closing the stream. */
  dropAll(): void {
    for (const c of this.connections) c.socket.destroy();
  }

  /** Send a stanza to the authenticated component. */
  deliver(text: string): void {
    const c = this.authed;
    if (!c) throw new Error("FakeComponentServer: no component connected");
    c.write(text);
  }

  /** Resolves when `condition()` holds, checked after every server-side event. */
  until(condition: () => boolean, timeoutMs = 2_000, what = "a server-side condition"): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!condition()) return;
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.#listeners.add(check);
    });
  }

  #changed(): void {
    for (const l of [...this.#listeners]) l();
  }

  #accept(socket: Socket): void {
    // Ids with characters that must be escaped in the header attribute: the
    // digest has to be computed over the unescaped id.
    const id = `${++this.#ids}-a&b<'"`;
    const conn = new FakeConnection(socket, id);
    this.connections.push(conn);
    socket.on("error", () => {});
    socket.on("close", () => this.#changed());
    this.#changed();
    if (this.silent) {
      socket.resume(); // read (and ignore) everything, so that the close is seen
      return;
    }
    const parser = new Parser();
    parser.on("start", (header: Element) => {
      const escapedId = id.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/'/g, "&apos;").replace(/"/g, "&quot;");
      const okHeader = header.name === "stream:stream" && header.attrs.xmlns === NS_COMPONENT && header.attrs.to === this.domain;
      conn.write(
        `<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='${NS_COMPONENT}' ` +
          `id='${okHeader ? escapedId : ""}' from='${this.domain}'>`,
      );
      if (!okHeader) conn.streamError("host-unknown", `${String(header.attrs.to)} does not match any configured external components`);
    });
    parser.on("element", (el: Element) => {
      if (!conn.authed) {
        if (!el.is("handshake")) {
          conn.streamError("not-authorized");
          return;
        }
        const digest = el.getText();
        const expected = createHash("sha1").update(id + this.secret, "utf8").digest("hex");
        const ok = digest.toLowerCase() === expected;
        this.handshakes.push({ id, digest, ok });
        if (!ok) conn.streamError("not-authorized", "Given token does not match calculated token");
        else if (this.authed) conn.streamError("conflict", "Component already connected");
        else {
          conn.authed = true;
          conn.write(`<handshake/>${this.afterHandshake}`);
        }
      } else {
        conn.received.push(el);
        this.received.push(el);
      }
      this.#changed();
    });
    parser.on("end", () => {
      conn.closedByClient = true;
      if (this.ignoreClientClose) {
        this.#changed();
        return;
      }
      conn.write("</stream:stream>");
      socket.end();
      this.#changed();
    });
    parser.on("error", () => socket.destroy());
    socket.on("data", (data: Buffer) => parser.write(data.toString("utf8")));
  }
}

// ---------------------------------------------------------------------------
// Helpers

const servers: FakeComponentServer[] = [];
const components: ComponentConnection[] = [];

afterEach(async () => {
  await Promise.all(components.splice(0).map((c) => c.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fakeServer(domain = DOMAIN, secret = SECRET): Promise<FakeComponentServer> {
  const server = new FakeComponentServer(domain, secret);
  await server.listen(0);
  servers.push(server);
  return server;
}

type Log = { level: "debug" | "warn"; message: string; details: unknown[] }[];

function component(
  server: FakeComponentServer,
  options: Partial<ComponentConnectionOptions> = {},
): { component: ComponentConnection; log: Log } {
  const log: Log = [];
  const c = new ComponentConnection({
    jid: server.domain,
    secret: SECRET,
    server: server.url,
    reconnect: { initialDelay: 20, factor: 2, maxDelay: 100, jitter: false },
    connectTimeout: 2_000,
    logger: {
      debug: (message, ...details) => log.push({ level: "debug", message, details }),
      warn: (message, ...details) => log.push({ level: "warn", message, details }),
    },
    ...options,
  });
  components.push(c);
  return { component: c, log };
}

/** The next `event` of `emitter` whose payload satisfies `predicate`, within `timeoutMs`. */
function next<E extends keyof ComponentConnectionEvents>(
  emitter: ComponentConnection | MockComponent,
  event: E,
  predicate: (payload: ComponentConnectionEvents[E]) => boolean = () => true,
  timeoutMs = 2_000,
): Promise<ComponentConnectionEvents[E]> {
  return new Promise((resolve, reject) => {
    const listener = (payload: ComponentConnectionEvents[E]): void => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${String(event)}'`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}

/** Every `event` payload from now on. */
function collect<E extends keyof ComponentConnectionEvents>(
  emitter: ComponentConnection | MockComponent,
  event: E,
): ComponentConnectionEvents[E][] {
  const out: ComponentConnectionEvents[E][] = [];
  emitter.on(event, (payload) => out.push(payload));
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function message(n: number | string, to = "juliet@capulet.lit"): Element {
  return xml("message", { to, from: `romeo@${DOMAIN}`, id: String(n) }, xml("body", {}, `hello ${n}`));
}

// ---------------------------------------------------------------------------

describe("ComponentConnection", () => {
  it("connects, authenticates with the XEP-0114 handshake and goes online", async () => {
    const server = await fakeServer();
    const { component: c } = component(server);
    const statuses = collect(c, "status");
    const online = next(c, "online");
    expect(c.status).toBe("offline");
    await c.start();
    expect(c.status).toBe("online");
    expect(await online).toEqual({ jid: c.jid, reconnected: false });
    expect(c.jid.toString()).toBe(DOMAIN);
    expect(statuses.map((s) => s.status)).toEqual(["connecting", "online"]);
    expect(server.handshakes).toHaveLength(1);
    const [hs] = server.handshakes;
    // lowercase hex SHA-1 of the (unescaped) stream id followed by the secret
    expect(hs?.digest).toBe(createHash("sha1").update(`${hs?.id ?? ""}${SECRET}`).digest("hex"));
    expect(hs?.ok).toBe(true);
    // start() again while online is a no-op
    await c.start();
    expect(server.connections).toHaveLength(1);
  });

  it("sends stanzas (with a default from, no namespace of their own) and receives them with the component namespace", async () => {
    const server = await fakeServer();
    const { component: c } = component(server);
    await c.start();

    await c.send(message(1));
    await c.send(xml("presence", { to: "juliet@capulet.lit" }));
    await server.until(() => server.received.length === 2);
    const [m, p] = server.received;
    expect(m?.attrs).toMatchObject({ to: "juliet@capulet.lit", from: `romeo@${DOMAIN}`, id: "1" });
    expect(m?.getChildText("body")).toBe("hello 1");
    expect(m?.attrs.xmlns).toBeUndefined(); // inherits jabber:component:accept from the stream
    expect(p?.attrs.from).toBe(DOMAIN);

    const stanzas = collect(c, "stanza");
    server.deliver(`<message from='juliet@capulet.lit/balcony' to='romeo@${DOMAIN}' type='chat'><body>hi &amp; bye</body></message>`);
    server.deliver(`<iq type='get' id='q1' from='juliet@capulet.lit/balcony' to='${DOMAIN}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`);
    await expect.poll(() => stanzas.length, { timeout: 2_000 }).toBe(2);
    const [inMsg, inIq] = stanzas;
    expect(inMsg).toBeInstanceOf(Element);
    expect(inMsg?.attrs.xmlns).toBe(NS_COMPONENT);
    expect(inMsg?.is("message", NS_COMPONENT)).toBe(true);
    expect(inMsg?.getChildText("body")).toBe("hi & bye");
    expect(inMsg?.parent).toBeNull();
    expect(inIq?.getChild("query", "http://jabber.org/protocol/disco#info")).toBeDefined();
  });

  it("a stanza written in the same read as <handshake/> is emitted right after online, not lost", async () => {
    const server = await fakeServer();
    server.afterHandshake = `<message from='capulet.lit' to='${DOMAIN}' id='priv'><privilege xmlns='urn:xmpp:privilege:2'/></message>`;
    const { component: c } = component(server);
    const order: string[] = [];
    c.on("online", () => order.push("online"));
    c.on("stanza", (s) => order.push(`stanza ${String(s.attrs.id)}`));
    await c.start();
    await expect.poll(() => order, { timeout: 2_000 }).toEqual(["online", "stanza priv"]);
  });

  it("reconnects with exponential back-off after the server drops the connection, then resets the back-off", async () => {
    const server = await fakeServer();
    const { component: c } = component(server, { reconnect: { initialDelay: 20, factor: 2, maxDelay: 100, jitter: false } });
    await c.start();
    const offline = collect(c, "offline");
    const reconnecting = collect(c, "reconnecting");

    // Down: not even listening. Attempts back off 20, 40, 80, 100, 100 …
    const port = server.port;
    const fifth = next(c, "reconnecting", (r) => r.attempt === 5, 3_000);
    await server.close();
    await fifth;
    expect(c.status).toBe("reconnecting");
    expect(offline).toHaveLength(1);
    expect(offline[0]?.willReconnect).toBe(true);
    expect(offline[0]?.error?.condition).toBe("connection-failed");
    expect(reconnecting.map((r) => r.delay)).toEqual([20, 40, 80, 100, 100]);
    expect(reconnecting.slice(1).every((r) => r.error.condition === "connection-failed")).toBe(true);

    // Back on the same port.
    const online = next(c, "online", () => true, 3_000);
    await server.listen(port);
    expect(await online).toMatchObject({ reconnected: true });
    expect(c.status).toBe("online");

    // A new loss starts again from the initial delay.
    reconnecting.length = 0;
    const again = next(c, "online", () => true, 3_000);
    server.dropAll();
    await again;
    expect(reconnecting.map((r) => r.delay)).toEqual([20]);
    expect(server.handshakes.filter((h) => h.ok)).toHaveLength(3);
  });

  it("applies jitter within [delay/2, delay] when asked", async () => {
    const server = await fakeServer();
    const { component: c } = component(server, { reconnect: { initialDelay: 40, factor: 2, maxDelay: 80, jitter: true } });
    await c.start();
    const reconnecting = collect(c, "reconnecting");
    const third = next(c, "reconnecting", (r) => r.attempt === 3, 3_000);
    await server.close();
    await third;
    const [d1, d2, d3] = reconnecting.map((r) => r.delay);
    expect(d1).toBeGreaterThanOrEqual(20);
    expect(d1).toBeLessThanOrEqual(40);
    expect(d2).toBeGreaterThanOrEqual(40);
    expect(d2).toBeLessThanOrEqual(80);
    expect(d3).toBeGreaterThanOrEqual(40);
    expect(d3).toBeLessThanOrEqual(80);
  });

  it("queues stanzas while offline and writes them in order once online again, before the online listeners' stanzas", async () => {
    const server = await fakeServer();
    const port = server.port;
    const { component: c } = component(server, { reconnect: { initialDelay: 50, factor: 1, maxDelay: 50, jitter: false } });
    await c.start();
    await c.send(message("before"));
    await server.until(() => server.received.length === 1);

    const offline = next(c, "offline");
    await server.close();
    await offline;
    expect(c.status).toBe("reconnecting");
    const sends = Array.from({ length: 50 }, (_, i) => c.send(message(`q${i}`)));
    expect(c.queued).toBe(50);
    c.on("online", () => {
      void c.send(message("from-online-listener"));
    });
    let settled = 0;
    for (const p of sends) void p.then(() => settled++);
    await sleep(30);
    expect(settled).toBe(0); // nothing was written while offline

    await server.listen(port);
    await Promise.all(sends);
    expect(c.queued).toBe(0);
    await server.until(() => server.received.length === 52, 3_000, "all stanzas");
    expect(server.received.map((s) => s.attrs.id)).toEqual(["before", ...sends.map((_, i) => `q${i}`), "from-online-listener"]);
    // all after the first reached the new connection
    const authed = server.authed;
    expect(authed?.received.map((s) => s.attrs.id).slice(0, 50)).toEqual(sends.map((_, i) => `q${i}`));
  });

  it("queues stanzas sent before start() and flushes them once online", async () => {
    const server = await fakeServer();
    const { component: c } = component(server);
    const early = c.send(message("early"));
    expect(c.queued).toBe(1);
    await c.start();
    await early;
    await server.until(() => server.received.length === 1);
    expect(server.received[0]?.attrs.id).toBe("early");
  });

  it("rejects sends beyond the queue limit with queue-full", async () => {
    const server = await fakeServer();
    const { component: c } = component(server, { queueLimit: 3 });
    const queued = [c.send(message(1)), c.send(message(2)), c.send(message(3))];
    const error = await c.send(message(4)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ComponentError);
    expect((error as ComponentError).condition).toBe("queue-full");
    await c.start();
    await Promise.all(queued);
    await server.until(() => server.received.length === 3);
    expect(server.received.map((s) => s.attrs.id)).toEqual(["1", "2", "3"]);
  });

  it("rejects start() with ComponentError not-authorized on a wrong secret, and does not retry", async () => {
    const server = await fakeServer();
    const { component: c, log } = component(server, { secret: "wrong" });
    const reconnecting = collect(c, "reconnecting");
    const errors = collect(c, "error");
    const queued = c.send(message(1));
    const error = await c.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ComponentError);
    expect(error).toMatchObject({ condition: "not-authorized", text: "Given token does not match calculated token" });
    expect((error as ComponentError).element?.is("error", "http://etherx.jabber.org/streams")).toBe(true);
    expect(c.status).toBe("failed");
    await expect(queued).rejects.toMatchObject({ condition: "not-authorized" });
    await expect(c.send(message(2))).rejects.toBeInstanceOf(ComponentError);
    await sleep(200); // ten initial delays
    expect(server.connections).toHaveLength(1);
    expect(reconnecting).toHaveLength(0);
    expect(errors).toHaveLength(0); // start() carried the error
    expect(log.some((l) => l.level === "warn" && l.message.includes("not-authorized"))).toBe(true);
  });

  it("rejects start() with ComponentError conflict when another component holds the domain", async () => {
    const server = await fakeServer();
    const { component: first } = component(server);
    await first.start();
    const { component: second } = component(server);
    await expect(second.start()).rejects.toMatchObject({ name: "ComponentError", condition: "conflict", text: "Component already connected" });
    expect(second.status).toBe("failed");
    await sleep(150);
    expect(server.connections).toHaveLength(2);
    expect(first.status).toBe("online");
  });

  it("rejects start() with host-unknown for a domain the server does not serve", async () => {
    const server = await fakeServer();
    const { component: c } = component(server, { jid: "other.example.test" });
    await expect(c.start()).rejects.toMatchObject({ condition: "host-unknown" });
  });

  it("rejects start() with connection-failed when nothing listens, unless retryFirstConnect", async () => {
    const server = await fakeServer();
    const port = server.port;
    await server.close();
    const { component: c } = component(server);
    const error = await c.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ condition: "connection-failed" });
    expect((error as Error).cause).toMatchObject({ code: "ECONNREFUSED" });
    expect(c.status).toBe("failed");

    const { component: patient } = component(server, { retryFirstConnect: true });
    const reconnecting = collect(patient, "reconnecting");
    const started = patient.start();
    await next(patient, "reconnecting", (r) => r.attempt === 2);
    expect(patient.status).toBe("connecting");
    await server.listen(port);
    await started;
    expect(patient.status).toBe("online");
    expect(reconnecting.length).toBeGreaterThanOrEqual(2);

    // start() can run again after a failure; now `patient` holds the domain
    await expect(c.start()).rejects.toMatchObject({ condition: "conflict" });
    expect(c.status).toBe("failed");
  }, 10_000);

  it("rejects start() with timeout when the server never answers", async () => {
    const server = await fakeServer();
    server.silent = true;
    const { component: c } = component(server, { connectTimeout: 150 });
    const t0 = Date.now();
    await expect(c.start()).rejects.toMatchObject({ condition: "timeout" });
    expect(Date.now() - t0).toBeLessThan(1_000);
    // the attempt's socket was closed
    await server.until(() => server.connections[0]?.socket.destroyed === true, 2_000, "the socket to close");
  });

  it("gives up with an error event when a reconnection is refused with not-authorized", async () => {
    const server = await fakeServer();
    const { component: c } = component(server);
    await c.start();
    const errors = collect(c, "error");
    server.secret = "changed";
    const failed = next(c, "status", (s) => s.status === "failed");
    server.dropAll();
    await failed;
    expect(errors).toHaveLength(1);
    expect(errors[0]?.condition).toBe("not-authorized");
    await expect(c.send(message(1))).rejects.toMatchObject({ condition: "not-authorized" });
    const count = server.connections.length;
    await sleep(200);
    expect(server.connections).toHaveLength(count);
  });

  it("reconnects after a system-shutdown stream error, but stops when kicked with conflict", async () => {
    const server = await fakeServer();
    const { component: c } = component(server);
    await c.start();
    const offline = next(c, "offline");
    server.authed?.streamError("system-shutdown", "Server is shutting down");
    expect(await offline).toMatchObject({ willReconnect: true, error: { condition: "system-shutdown", text: "Server is shutting down" } });
    await next(c, "online");

    const errors = collect(c, "error");
    const kicked = next(c, "offline");
    server.authed?.streamError("conflict", "Replaced by a new connection");
    expect(await kicked).toMatchObject({ willReconnect: false, error: { condition: "conflict" } });
    expect(c.status).toBe("failed");
    expect(errors.map((e) => e.condition)).toEqual(["conflict"]);
  });

  it("queues a stanza again when its write fails because the stream is closing, and sends it after the reconnection", async () => {
    const server = await fakeServer();
    const { component: c, log } = component(server);
    await c.start();
    const old = server.authed;
    if (!old) throw new Error("not connected");
    // A stream error the server does not follow with a close: the client
    // answers </stream:stream> and waits, refusing writes meanwhile.
    server.ignoreClientClose = true;
    old.write(`<stream:error><reset xmlns='${NS_STREAMS}'/></stream:error>`);
    await server.until(() => old.closedByClient, 2_000, "the client to close its stream");
    server.ignoreClientClose = false;
    expect(c.status).toBe("online"); // not yet noticed
    const offline = next(c, "offline");
    const online = next(c, "online");
    await c.send(message("late"));
    expect(await offline).toMatchObject({ willReconnect: true, error: { condition: "reset" } });
    await online;
    await server.until(() => server.received.length === 1);
    expect(old.received).toEqual([]);
    expect(server.authed).not.toBe(old);
    expect(server.authed?.received.map((s) => s.attrs.id)).toEqual(["late"]);
    expect(log.some((l) => l.message.includes("a write failed") && l.message.includes("closing"))).toBe(true);
  });

  it("stop() closes the stream and never reconnects", async () => {
    const server = await fakeServer();
    const { component: c } = component(server);
    await c.start();
    const offline = collect(c, "offline");
    const reconnecting = collect(c, "reconnecting");
    await c.stop();
    expect(c.status).toBe("stopped");
    expect(server.connections[0]?.closedByClient).toBe(true);
    expect(offline).toEqual([{ error: undefined, willReconnect: false }]);
    await expect(c.send(message(1))).rejects.toMatchObject({ condition: "stopped" });
    await sleep(150);
    expect(server.connections).toHaveLength(1);
    expect(reconnecting).toHaveLength(0);
    await c.stop(); // again: fine
  });

  it("stop() during the back-off cancels the reconnection and rejects queued stanzas", async () => {
    const server = await fakeServer();
    const { component: c } = component(server, { reconnect: { initialDelay: 100, jitter: false } });
    await c.start();
    const reconnecting = next(c, "reconnecting");
    await server.close();
    await reconnecting;
    const queued = c.send(message(1));
    await c.stop();
    await expect(queued).rejects.toMatchObject({ condition: "stopped" });
    await server.listen();
    await sleep(250);
    expect(server.connections).toHaveLength(1);
    expect(c.status).toBe("stopped");
  });

  it("stop() while the first connection is pending rejects start() with stopped", async () => {
    const server = await fakeServer();
    server.silent = true;
    const { component: c } = component(server);
    const started = c.start();
    await server.until(() => server.connections.length === 1);
    await c.stop();
    await expect(started).rejects.toMatchObject({ condition: "stopped" });
    await server.until(() => server.connections[0]?.socket.destroyed === true);
    // and it can be started again
    server.silent = false;
    await c.start();
    expect(c.status).toBe("online");
  });

  it("isolates listeners: one that throws is logged, the others still get the stanza", async () => {
    const server = await fakeServer();
    const { component: c, log } = component(server);
    await c.start();
    c.on("stanza", () => {
      throw new Error("boom");
    });
    const got = next(c, "stanza");
    server.deliver(`<message from='a@b' to='${DOMAIN}'/>`);
    await got;
    expect(log.some((l) => l.level === "warn" && l.details.some((d) => d instanceof Error && d.message === "boom"))).toBe(true);
    await c.send(message(1));
    expect(c.status).toBe("online");
  });

  it("validates its options", () => {
    const base = { jid: DOMAIN, secret: "x", server: "xmpp://127.0.0.1:5347" };
    expect(() => new ComponentConnection({ ...base, jid: "user@gateway.example.test" })).toThrow(TypeError);
    expect(() => new ComponentConnection({ ...base, jid: "gateway.example.test/res" })).toThrow(TypeError);
    expect(() => new ComponentConnection({ ...base, server: "ws://127.0.0.1:5280" })).toThrow(TypeError);
    expect(() => new ComponentConnection({ ...base, server: "127.0.0.1:5347" })).toThrow(TypeError);
    expect(() => new ComponentConnection({ ...base, reconnect: { factor: 0.5 } })).toThrow(TypeError);
    expect(new ComponentConnection({ ...base, server: "xmpp://localhost" }).status).toBe("offline");
  });

  it("satisfies ComponentLike", () => {
    const c: ComponentLike = new ComponentConnection({ jid: DOMAIN, secret: "x", server: "xmpp://127.0.0.1:5347" });
    const listener = (): void => {};
    c.on("online", listener);
    c.removeListener("online", listener);
    expect((c as ComponentConnection).listenerCount("online")).toBe(0);
  });
});

// ---------------------------------------------------------------------------

describe("MockComponent", () => {
  it("delivers received stanzas with the component namespace unless one is given", () => {
    const mock = new MockComponent({ jid: "gateway.localhost" });
    const got = collect(mock, "stanza");
    const a = mock.receive("<message from='juliet@capulet.lit/balcony' to='romeo@gateway.localhost'><body>hi</body></message>");
    const b = mock.receive("<presence xmlns='jabber:client' from='juliet@capulet.lit/balcony' to='room@gateway.localhost/nick'/>");
    const c = mock.receive(xml("iq", { type: "get", id: "1", from: "juliet@capulet.lit/balcony", to: "gateway.localhost" }));
    expect(got).toEqual([a, b, c]);
    expect(a.attrs.xmlns).toBe(NS_COMPONENT);
    expect(a.parent).toBeNull();
    expect(a.getChildText("body")).toBe("hi");
    expect(b.attrs.xmlns).toBe("jabber:client");
    expect(c.attrs.xmlns).toBe(NS_COMPONENT);
    expect(() => mock.receive("<handshake/>")).toThrow(/not a stanza/);
    expect(() => mock.receive("<message/><message/>")).toThrow();
  });

  it("records sent stanzas with a default from; nextSent and takeSent walk them", async () => {
    const mock = new MockComponent();
    expect(mock.jid.toString()).toBe("chat.shakespeare.lit");
    expect(mock.status).toBe("online");
    await mock.send(xml("message", { to: "a@b", id: "1" }));
    await mock.send(xml("presence", { to: "a@b", from: "room@chat.shakespeare.lit/nick", id: "2" }));
    expect(mock.sent.map((s) => s.attrs.from)).toEqual(["chat.shakespeare.lit", "room@chat.shakespeare.lit/nick"]);
    expect((await mock.nextSent((s) => s.is("presence"))).attrs.id).toBe("2");
    const later = mock.nextSent((s) => s.attrs.id === "3", 1_000);
    void mock.send(xml("iq", { to: "a@b", id: "3", type: "get" }));
    expect((await later).attrs.id).toBe("3");
    expect(mock.takeSent()).toEqual([]);
    await mock.send(xml("message", { to: "a@b", id: "4" }));
    expect(mock.takeSent().map((s) => s.attrs.id)).toEqual(["4"]);
    await expect(mock.nextSent((s) => s.attrs.id === "never", 50)).rejects.toThrow(/no matching stanza sent within 50 ms/);
  });

  it("queues while offline and flushes in order on goOnline, before the online listeners", async () => {
    const mock = new MockComponent({ jid: "gateway.localhost" });
    const offline = next(mock, "offline");
    mock.goOffline();
    expect(await offline).toMatchObject({ willReconnect: true });
    expect(mock.status).toBe("reconnecting");
    expect(() => mock.receive("<message/>")).toThrow(/offline|reconnecting/);
    const sends = [mock.send(xml("message", { to: "a@b", id: "1" })), mock.send(xml("message", { to: "a@b", id: "2" }))];
    expect(mock.queued.map((s) => s.attrs.id)).toEqual(["1", "2"]);
    expect(mock.sent).toHaveLength(0);
    mock.on("online", () => {
      void mock.send(xml("message", { to: "a@b", id: "3" }));
    });
    const online = next(mock, "online");
    mock.goOnline();
    expect(await online).toMatchObject({ reconnected: true });
    await Promise.all(sends);
    expect(mock.sent.map((s) => s.attrs.id)).toEqual(["1", "2", "3"]);
  });

  it("starts offline when asked, bounds its queue and refuses after stop()", async () => {
    const mock = new MockComponent({ online: false, queueLimit: 1 });
    expect(mock.status).toBe("offline");
    const first = mock.send(xml("message", { to: "a@b" }));
    await expect(mock.send(xml("message", { to: "a@b" }))).rejects.toMatchObject({ condition: "queue-full" });
    const online = next(mock, "online");
    mock.goOnline();
    expect(await online).toMatchObject({ reconnected: false });
    await first;
    mock.goOffline();
    const stranded = mock.send(xml("message", { to: "a@b" }));
    await mock.stop();
    await expect(stranded).rejects.toBeInstanceOf(ComponentError);
    await expect(mock.send(xml("message", { to: "a@b" }))).rejects.toMatchObject({ condition: "stopped" });
    expect(mock.status).toBe("stopped");
  });

  it("answers IQs with replyResult and replyError", async () => {
    const mock = new MockComponent({ jid: "gateway.localhost" });
    const got = collect(mock, "stanza");
    await mock.send(xml("iq", { type: "get", id: "v1", to: "juliet@capulet.lit/balcony", from: "room@gateway.localhost" }));
    const request = await mock.nextSent((s) => s.is("iq"));
    const result = mock.replyResult(request, "<query xmlns='jabber:iq:version'><name>x</name></query>");
    expect(result.attrs).toMatchObject({ type: "result", id: "v1", from: "juliet@capulet.lit/balcony", to: "room@gateway.localhost", xmlns: NS_COMPONENT });
    expect(result.getChild("query", "jabber:iq:version")?.getChildText("name")).toBe("x");
    const error = mock.replyError(request, "service-unavailable", { type: "cancel" });
    expect(error.attrs.type).toBe("error");
    expect(error.getChild("error")?.getChild("service-unavailable", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
    expect(got).toEqual([result, error]);
  });

  it("isolates listeners and records their failures", () => {
    const mock = new MockComponent();
    const got: Element[] = [];
    mock.on("stanza", () => {
      throw new Error("boom");
    });
    mock.on("stanza", (s) => got.push(s));
    mock.receive("<message from='a@b'/>");
    expect(got).toHaveLength(1);
    expect(mock.listenerErrors).toHaveLength(1);
    expect(mock.listenerErrors[0]?.event).toBe("stanza");
  });

  it("satisfies ComponentLike", () => {
    const c: ComponentLike = new MockComponent();
    const listener = (_stanza: Element): void => {};
    c.on("stanza", listener);
    c.removeListener("stanza", listener);
    expect((c as MockComponent).listenerCount("stanza")).toBe(0);
  });
});
