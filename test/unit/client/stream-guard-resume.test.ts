/**
 * The stream guard against a real `@xmpp/client` 0.14 entity over WebSocket
 * and a scripted server on a loopback port: a `<resume/>` whose stream dies
 * unanswered must not be settled by the next stream's `<resumed/>`.
 *
 * The server enables stream management on the first stream and never
 * acknowledges; the client sends three messages; the server cuts the
 * connection. On the second connection it cuts again when the client asks
 * to resume; on the third it resumes (`h='0'`), and the client sends its
 * three unacknowledged messages again. Without the guard, the dead
 * stream's resumption request is settled too: the client resumes twice and
 * sends each message twice, so the server's count runs ahead of the
 * client's (the control). With it, each message is sent once.
 */
import { WebSocketServer, type WebSocket, type RawData } from "ws";
import { client, xml, type Client } from "@xmpp/client";
import { afterEach, describe, expect, it } from "vitest";
import { MucService } from "../../../src/index.js";
import { waitUntil, withNodeWebSocket } from "../../helpers/prosody-clients.js";

const NS_FRAMING = "urn:ietf:params:xml:ns:xmpp-framing";
const FEATURES_AUTH =
  "<stream:features xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";
const FEATURES_SESSION =
  "<stream:features xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><required/></bind><sm xmlns='urn:xmpp:sm:3'/></stream:features>";

/** What the scripted server saw on each connection (1-based). */
interface ServerLog {
  /** Bodies of the messages each connection received. */
  readonly bodies: string[][];
  /** `<resume/>` requests, by connection. */
  readonly resumes: number[];
}

/** A scripted XMPP-over-WebSocket server: stream management on, cut the first stream, and the second when it asks to resume, resume the third. */
async function scriptedServer(): Promise<{ url: string; log: ServerLog; cut(): void; close(): Promise<void> }> {
  const log: ServerLog = { bodies: [], resumes: [] };
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: () => "xmpp" });
  let connections = 0;
  wss.on("connection", (ws: WebSocket) => {
    const n = ++connections;
    log.bodies[n - 1] = [];
    log.resumes[n - 1] = 0;
    let authed = false;
    const send = (text: string): void => ws.send(text);
    ws.on("message", (data: RawData) => {
      const text = data.toString();
      if (text.startsWith("<open")) {
        send(`<open xmlns='${NS_FRAMING}' from='localhost' id='s${n}${authed ? "b" : "a"}' version='1.0' xml:lang='en'/>`);
        send(authed ? FEATURES_SESSION : FEATURES_AUTH);
      } else if (text.startsWith("<auth")) {
        authed = true;
        send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
      } else if (text.startsWith("<iq") && text.includes("urn:ietf:params:xml:ns:xmpp-bind")) {
        const id = /id="([^"]+)"/.exec(text)?.[1] ?? "";
        send(`<iq xmlns='jabber:client' type='result' id='${id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>u@localhost/r</jid></bind></iq>`);
      } else if (text.startsWith("<enable")) {
        send("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>");
      } else if (text.startsWith("<resume")) {
        log.resumes[n - 1]!++;
        // The second connection dies with its request unanswered; the third resumes, having received nothing of the first's.
        if (n === 2) ws.terminate();
        else send("<resumed xmlns='urn:xmpp:sm:3' previd='sm-1' h='0'/>");
      } else if (text.startsWith("<message")) {
        const body = /<body>([^<]*)<\/body>/.exec(text)?.[1];
        if (body !== undefined) log.bodies[n - 1]!.push(body);
      }
    });
  });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const port = (wss.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}/xmpp-websocket`,
    log,
    cut: () => {
      for (const c of wss.clients) c.terminate();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** Run the script with a client, guarded (a `MucService` on it) or bare; what the server saw, and how often the client resumed. */
async function run(mode: "guarded" | "bare"): Promise<{ log: ServerLog; resumedEvents: number }> {
  // Node 20 has no WebSocket of its own; the client takes the global's at each connection, reconnections too.
  return withNodeWebSocket(() => script(mode));
}

async function script(mode: "guarded" | "bare"): Promise<{ log: ServerLog; resumedEvents: number }> {
  const server = await scriptedServer();
  cleanups.push(() => server.close());
  const xmpp: Client = client({ service: server.url, domain: "localhost", username: "u", password: "p" });
  xmpp.on("error", () => {});
  xmpp.reconnect.delay = 20;
  const muc = mode === "guarded" ? new MucService(xmpp, { selfPing: false }) : undefined;
  cleanups.push(async () => {
    xmpp.reconnect.stop();
    muc?.close();
    await xmpp.disconnect().catch(() => undefined);
  });
  const sm = xmpp.streamManagement as unknown as { enabled: boolean; on(event: "resumed", l: () => void): void };
  let resumedEvents = 0;
  sm.on("resumed", () => void resumedEvents++);

  await xmpp.start();
  await waitUntil(() => sm.enabled, 5_000, "stream management enabled");
  for (const body of ["probe-1", "probe-2", "probe-3"]) await xmpp.send(xml("message", { to: "peer@localhost", type: "chat" }, xml("body", {}, body)));
  await waitUntil(() => server.log.bodies[0]?.length === 3, 5_000, "the first stream's three messages");
  // Cut the first stream: the client reconnects and asks to resume, twice.
  server.cut();
  await waitUntil(() => (server.log.bodies[2]?.length ?? 0) >= 3, 5_000, "the messages sent again on the third stream");
  // Anything more the client would send comes at once; give it time to show.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { log: server.log, resumedEvents };
}

describe("a resumption request whose stream died unanswered (real @xmpp/client over WebSocket, scripted server)", () => {
  it("without the guard the next stream's <resumed/> settles it too: two resumptions, each unacknowledged message sent twice", async () => {
    const { log, resumedEvents } = await run("bare");
    expect(log.resumes).toEqual([0, 1, 1]);
    expect(resumedEvents).toBe(2);
    expect(log.bodies[2]).toEqual(["probe-1", "probe-2", "probe-3", "probe-1", "probe-2", "probe-3"]);
  });

  it("with the guard the dead stream's request is dropped: one resumption, each message sent once", async () => {
    const { log, resumedEvents } = await run("guarded");
    expect(log.resumes).toEqual([0, 1, 1]);
    expect(resumedEvents).toBe(1);
    expect(log.bodies[0]).toEqual(["probe-1", "probe-2", "probe-3"]);
    expect(log.bodies[1]).toEqual([]);
    expect(log.bodies[2]).toEqual(["probe-1", "probe-2", "probe-3"]);
  });
});
