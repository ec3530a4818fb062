/**
 * One measured process of the `join-pipeline` benchmark
 * (`join-pipeline.ts`): `node --import tsx test/bench/join-pipeline-client.ts
 * <sdk|bare|keep> <N>`. Prints one JSON line, a {@link PipelineResult}.
 *
 * `bare` only counts the room's presences; `keep` is the smallest client that
 * keeps an occupant list: bare `@xmpp/client` with a map from each nick to
 * the fields of its presence (real JID, role, affiliation, occupant-id,
 * show), updated as presences come. It is the yardstick for what keeping N
 * occupants costs any client, before anything the SDK does.
 *
 * An `@xmpp/client` entity, past its stream negotiation, reads from a fake
 * socket; the room's answer to a join (N occupant presences, as Prosody sends
 * them, then our self-presence) is written to that socket from memory in
 * 64 KiB chunks, one per event-loop turn. Everything `@xmpp/client` does with
 * the bytes runs as with a real server — its parser, middleware, stream
 * management counting, events — without a server's timing in the figures.
 *
 * It drives `@xmpp/client` 0.14 through members that are not its public API
 * (`_attachSocket`, `_attachParser`, `_findTransport`, `_status`, `root`),
 * as the stream guard does; a new version may need this file changed.
 */
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";
import { client, xml } from "@xmpp/client";
import { Parser, type Element } from "@xmpp/xml";
import jid from "@xmpp/jid";

/** What one process reports. */
export interface PipelineResult {
  readonly kind: "sdk" | "bare" | "keep";
  readonly n: number;
  /** Process CPU (user + system, all threads) from the join to the full occupant list, ms. */
  readonly cpuMs: number;
  /** The main thread's CPU over the same span, ms (Linux schedstat; NaN elsewhere). */
  readonly mainMs: number;
  /** Garbage collection pauses on the main thread over the same span, ms. */
  readonly gcMs: number;
  /** Occupants counted, ourselves included. */
  readonly occupants: number;
}

const ROOM = "crowd@conference.localhost";
const ME = "me@localhost/r";
const NS_MUC_USER = "http://jabber.org/protocol/muc#user";

/** The room's answer to our join: N occupants as Prosody sends them (caps, an occupant id, a real JID; some away), then us. */
function answer(n: number): Buffer[] {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const show = i % 10 === 3 ? "<show>away</show>" : "";
    parts.push(
      `<presence xml:lang="en" from="${ROOM}/guest-${i}" to="${ME}">${show}` +
        `<c node="https://conversations.im" xmlns="http://jabber.org/protocol/caps" ver="9NwBBOLtfHFd4NzXWmjzwrBZ5SA=" hash="sha-1"/>` +
        `<occupant-id xmlns="urn:xmpp:occupant-id:0" id="rkr//bDU+I4JZwDFmrz4T7J2YWNopt1CMkXbr9E/${(1e9 + i).toString(36)}="/>` +
        `<x xmlns="${NS_MUC_USER}"><item role="participant" affiliation="none" jid="${(1e9 + i * 7919).toString(36)}zbxae67jgz6z@swarm.localhost/s"/></x></presence>`,
    );
  }
  parts.push(`<presence from="${ROOM}/me" to="${ME}"><x xmlns="${NS_MUC_USER}"><item affiliation="owner" role="moderator" jid="${ME}"/><status code="110"/></x></presence>`);
  const bytes = Buffer.from(parts.join(""), "utf8");
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 65_536) chunks.push(bytes.subarray(i, i + 65_536));
  return chunks;
}

/** A socket that takes every write and reads what the benchmark emits as `data`. */
class FakeSocket extends EventEmitter {
  write(_data: string, done?: (error?: Error) => void): boolean {
    done?.();
    return true;
  }
  end(): void {}
  destroy(): void {}
}

/** The internals of `@xmpp/client` 0.14 this file drives. */
interface Internals {
  Transport: unknown;
  root: Element;
  jid: unknown;
  _findTransport(service: string): unknown;
  _attachSocket(socket: FakeSocket): void;
  _attachParser(parser: Parser): void;
  _status(status: string, ...args: unknown[]): void;
  headerElement(): Element;
  streamManagement: { enabled: boolean };
}

function mainThreadNs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]);
  } catch {
    return NaN;
  }
}

const kind = process.argv[2] === "bare" || process.argv[2] === "keep" ? process.argv[2] : "sdk";
const n = Number(process.argv[3] ?? 5_000);
const chunks = answer(n);

const xmpp = client({ service: "xmpp://127.0.0.1:5222", domain: "localhost", resource: "r" });
xmpp.on("error", () => {});
const entity = xmpp as unknown as Internals;
entity.Transport = entity._findTransport("xmpp://127.0.0.1:5222");
const socket = new FakeSocket();
entity._attachSocket(socket);
entity._attachParser(new Parser());
entity.root = entity.headerElement();
socket.emit("data", Buffer.from("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='s1' version='1.0'>"));
entity.jid = jid(ME);
// Each kind loads only what it uses. As documented, the service is made before the stream is online.
const muc = kind === "sdk" ? new (await import("../../src/index.js")).MucService(xmpp) : undefined;
entity._status("online", entity.jid);
entity.streamManagement.enabled = true;
// Let start-up work (module compilation on helper threads, timers) settle.
await new Promise((resolve) => setTimeout(resolve, 300));

let gcMs = 0;
let measuring = false;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (measuring) gcMs += entry.duration;
}).observe({ entryTypes: ["gc"] });
measuring = true;
const main0 = mainThreadNs();
const cpu0 = process.cpuUsage();
const occupants = new Promise<number>((resolve) => {
  if (muc) {
    const { room, joined } = muc.join(ROOM, "me", { history: { maxStanzas: 0 } });
    void joined.then(() => resolve(room.occupantCount));
    return;
  }
  // Bare: count the room's presences until ours (status 110), as the `join` benchmark's bare client does.
  // Keep: also keep each occupant's fields, by nick.
  let count = 0;
  const occupants = new Map<string, { jid?: string; role?: string; affiliation?: string; occupantId?: string; show?: string }>();
  const onStanza = (stanza: Element): void => {
    if (stanza.name !== "presence" || stanza.attrs.type === "unavailable" || !String(stanza.attrs.from).startsWith(`${ROOM}/`)) return;
    count++;
    const x = stanza.getChild("x", NS_MUC_USER);
    if (kind === "keep") {
      const item = x?.getChild("item");
      occupants.set(String(stanza.attrs.from).slice(ROOM.length + 1), {
        jid: item?.attrs.jid,
        role: item?.attrs.role,
        affiliation: item?.attrs.affiliation,
        occupantId: stanza.getChild("occupant-id", "urn:xmpp:occupant-id:0")?.attrs.id,
        show: stanza.getChildText("show") ?? undefined,
      });
    }
    if (x?.getChildren("status").some((s) => s.attrs.code === "110")) {
      xmpp.off("stanza", onStanza);
      resolve(kind === "keep" ? occupants.size : count);
    }
  };
  xmpp.on("stanza", onStanza);
  void xmpp.send(xml("presence", { to: `${ROOM}/me` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" }, xml("history", { maxstanzas: "0" }))));
});
for (const chunk of chunks) {
  await new Promise((resolve) => setImmediate(resolve));
  socket.emit("data", chunk);
}
const count = await occupants;
const cpu = process.cpuUsage(cpu0);
const mainMs = (mainThreadNs() - main0) / 1e6;
// GC entries are delivered after the fact: let them arrive, then stop counting.
await new Promise((resolve) => setTimeout(resolve, 20));
measuring = false;
const result: PipelineResult = { kind, n, cpuMs: (cpu.user + cpu.system) / 1000, mainMs, gcMs, occupants: count };
console.log(JSON.stringify(result));
process.exit(0);
