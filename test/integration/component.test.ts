// ComponentConnection (XEP-0114) against a real Prosody 0.12.
//
// What Prosody does (mod_component.lua), checked here:
// - a second connection for a domain that already has its component gets
//   <stream:error><conflict/><text>Component already connected</text>
//   (default `component_conflict_resolve = "kick_new"`);
// - a wrong secret: <not-authorized/> "Given token does not match calculated token";
// - a domain without a Component section: a stream header with an empty id,
//   then <host-unknown/> "… does not match any configured external components";
// - while the component is offline, stanzas to its domain bounce with
//   <error type='wait'><remote-server-timeout/><text>Component unavailable</text>
//   <not-connected xmlns='xmpp:prosody.im/protocol/component'/>;
// - on shutdown (SIGTERM) the component's TCP connection is simply closed: no
//   stream error, no </stream:stream>.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import xml, { type Element } from "@xmpp/xml";
import { ComponentConnection, type ComponentConnectionEvents, type ComponentConnectionOptions } from "../../src/gateway/component.js";
import { ComponentError } from "../../src/gateway/component-errors.js";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { connectClient, nextStanza, type TestClient } from "../helpers/prosody-clients.js";

const GATEWAY = "gateway.localhost";
const SECRET = "component-s3cret";
const ALICE = { username: "alice", password: "alice-pass" };

/** The next `event` whose payload satisfies `predicate`, within `timeoutMs`. */
function next<E extends keyof ComponentConnectionEvents>(
  component: ComponentConnection,
  event: E,
  predicate: (payload: ComponentConnectionEvents[E]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<ComponentConnectionEvents[E]> {
  return new Promise((resolve, reject) => {
    const listener = (payload: ComponentConnectionEvents[E]): void => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      component.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      component.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for the component's '${String(event)}'`));
    }, timeoutMs);
    component.on(event, listener);
  });
}

function connection(server: ProsodyServer, options: Partial<ComponentConnectionOptions> = {}): ComponentConnection {
  return new ComponentConnection({
    jid: GATEWAY,
    secret: SECRET,
    server: server.componentUrl,
    reconnect: { initialDelay: 100, factor: 2, maxDelay: 500, jitter: false },
    connectTimeout: 3_000,
    ...options,
  });
}

async function startFailure(component: ComponentConnection): Promise<ComponentError> {
  const error = await component.start().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ComponentError)) throw new Error(`expected a ComponentError, got ${String(error)}`);
  return error;
}

describe("ComponentConnection against Prosody", () => {
  let server: ProsodyServer;
  let alice: TestClient;
  let gateway: ComponentConnection;

  beforeAll(async () => {
    server = await startProsody({ component: { domain: GATEWAY, secret: SECRET }, users: [ALICE] });
    alice = await connectClient({ server, ...ALICE });
    gateway = connection(server);
    await gateway.start();
  });

  afterAll(async () => {
    await gateway?.stop();
    await alice?.stop();
    await server?.stop();
    expect(server?.running ?? false).toBe(false);
  });

  it("connects and authenticates", async () => {
    expect(gateway.status).toBe("online");
    expect(gateway.jid.toString()).toBe(GATEWAY);
    expect(await server.readLog()).toContain("External component successfully authenticated");
  });

  it("receives a client's message to someone@gateway.localhost", async () => {
    const got = next(gateway, "stanza", (s) => s.is("message") && s.attrs.id === "to-gw-1");
    await alice.xmpp.send(xml("message", { to: `someone@${GATEWAY}`, type: "chat", id: "to-gw-1" }, xml("body", {}, "hello gateway")));
    const stanza = await got;
    expect(stanza.attrs).toMatchObject({ from: alice.jid, to: `someone@${GATEWAY}`, type: "chat", xmlns: "jabber:component:accept" });
    expect(stanza.getChildText("body")).toBe("hello gateway");
  });

  it("sends a message to the client", async () => {
    const got = nextStanza(alice.xmpp, (s) => s.is("message") && s.attrs.id === "from-gw-1");
    await gateway.send(xml("message", { from: `someone@${GATEWAY}`, to: alice.jid, type: "chat", id: "from-gw-1" }, xml("body", {}, "hello alice")));
    const stanza = await got;
    expect(stanza.attrs.from).toBe(`someone@${GATEWAY}`);
    expect(stanza.getChildText("body")).toBe("hello alice");
  });

  it("answers a second connection for the same domain with conflict, and keeps the first", async () => {
    const second = connection(server);
    try {
      const error = await startFailure(second);
      expect(error.condition).toBe("conflict");
      expect(error.text).toBe("Component already connected");
      expect(error.element?.getChild("conflict", "urn:ietf:params:xml:ns:xmpp-streams")).toBeDefined();
      expect(second.status).toBe("failed");
    } finally {
      await second.stop();
    }
    // the first one still works both ways
    expect(gateway.status).toBe("online");
    const got = next(gateway, "stanza", (s) => s.attrs.id === "to-gw-2");
    await alice.xmpp.send(xml("message", { to: `someone@${GATEWAY}`, type: "chat", id: "to-gw-2" }, xml("body", {}, "still there?")));
    await got;
  });

  it("answers a wrong secret with not-authorized, and does not retry", async () => {
    const wrong = connection(server, { secret: "not-the-secret" });
    const attempts: number[] = [];
    wrong.on("reconnecting", ({ attempt }) => attempts.push(attempt));
    try {
      const error = await startFailure(wrong);
      expect(error.condition).toBe("not-authorized");
      expect(error.text).toBe("Given token does not match calculated token");
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(attempts).toEqual([]);
      expect(wrong.status).toBe("failed");
    } finally {
      await wrong.stop();
    }
    expect(gateway.status).toBe("online");
  });

  it("answers a domain without a component with host-unknown", async () => {
    const stranger = connection(server, { jid: "elsewhere.localhost" });
    try {
      const error = await startFailure(stranger);
      expect(error.condition).toBe("host-unknown");
      expect(error.text).toContain("does not match any configured external components");
    } finally {
      await stranger.stop();
    }
  });

  it("once stopped, stanzas to the component bounce with wait/remote-server-timeout", async () => {
    await gateway.stop();
    expect(gateway.status).toBe("stopped");
    const bounce = nextStanza(alice.xmpp, (s) => s.is("message") && s.attrs.id === "to-gw-offline");
    await alice.xmpp.send(xml("message", { to: `someone@${GATEWAY}`, type: "chat", id: "to-gw-offline" }, xml("body", {}, "anyone?")));
    const stanza = await bounce;
    expect(stanza.attrs.type).toBe("error");
    const error = stanza.getChild("error");
    expect(error?.attrs.type).toBe("wait");
    expect(error?.getChild("remote-server-timeout", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
    expect(error?.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBe("Component unavailable");
  });
});

describe("ComponentConnection across a Prosody restart", () => {
  it("reconnects by itself to a server restarted on the same ports and delivers what was sent while it was down", async () => {
    // Accounts and offline messages live in a data directory both servers
    // share, as they would across a real restart.
    const dataDir = await mkdtemp(join(tmpdir(), "prosody-shared-data-"));
    const extraConfig = { global: `data_path = ${JSON.stringify(dataDir)}` };
    const component = { domain: GATEWAY, secret: SECRET };
    let first: ProsodyServer | undefined;
    let second: ProsodyServer | undefined;
    let gateway: ComponentConnection | undefined;
    let alice: TestClient | undefined;
    try {
      first = await startProsody({ component, users: [ALICE], extraModules: ["offline"], extraConfig });
      gateway = connection(first);
      await gateway.start();
      const statuses: string[] = [];
      gateway.on("status", ({ status }) => statuses.push(status));

      const offline = next(gateway, "offline");
      await first.stop();
      expect(first.running).toBe(false);
      const lost = await offline;
      // Prosody just closes the TCP connection on shutdown.
      expect(lost.willReconnect).toBe(true);
      expect(lost.error?.condition).toBe("connection-failed");
      expect(gateway.status).toBe("reconnecting");

      const sent = gateway.send(
        xml("message", { from: `someone@${GATEWAY}`, to: `${ALICE.username}@${first.domain}`, type: "chat", id: "while-down" }, xml("body", {}, "sent while the server was down")),
      );
      expect(gateway.queued).toBe(1);
      // Let a few attempts fail against the closed port.
      await next(gateway, "reconnecting", (r) => r.attempt >= 3);

      const online = next(gateway, "online", () => true, 15_000);
      second = await startProsody({
        component,
        extraModules: ["offline"],
        extraConfig,
        ports: { c2s: first.c2sPort, http: first.httpPort, component: first.componentPort },
      });
      expect(second.componentUrl).toBe(first.componentUrl);
      expect((await online).reconnected).toBe(true);
      await sent;
      expect(gateway.queued).toBe(0);
      expect(statuses).toEqual(["reconnecting", "online"]);

      // Alice comes back: the message reaches her, live or from offline storage.
      alice = await connectClient({ server: second, ...ALICE });
      const delivered = nextStanza(alice.xmpp, (s: Element) => s.is("message") && s.attrs.id === "while-down", 10_000);
      await alice.xmpp.send(xml("presence"));
      const message = await delivered;
      expect(message.attrs.from).toBe(`someone@${GATEWAY}`);
      expect(message.getChildText("body")).toBe("sent while the server was down");

      // And the reconnected component works both ways.
      const got = next(gateway, "stanza", (s) => s.attrs.id === "after-restart");
      await alice.xmpp.send(xml("message", { to: `someone@${GATEWAY}`, type: "chat", id: "after-restart" }, xml("body", {}, "welcome back")));
      expect((await got).attrs.from).toBe(alice.jid);
    } finally {
      await gateway?.stop();
      await alice?.stop();
      await second?.stop();
      await first?.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
    expect(first?.running ?? false).toBe(false);
    expect(second?.running ?? false).toBe(false);
  });
});
