/**
 * A swarm process of the join benchmark (`join.ts`): fills a Prosody MUC
 * room with many cheap occupants. Spawned with an IPC channel; the parent
 * sends one {@link FillRequest}, the swarm answers {@link FillReply} once all
 * its sessions are in the room, and then keeps them open (reading and
 * dropping whatever arrives) until the parent disconnects or kills it.
 *
 * Each occupant is a bare TCP socket speaking just enough XMPP: stream
 * header, SASL ANONYMOUS (the swarm's VirtualHost has `authentication =
 * "anonymous"`, so there are no accounts to create), resource binding, then a
 * MUC join presence without history. No XML parser: the few answers it waits
 * for are matched as text (Prosody's serialisation is predictable), and once
 * the occupant is in, incoming bytes are dropped unread.
 *
 * Prosody's `mod_bench_quiet_swarm` (see prosody/) keeps the swarm's
 * occupants from seeing each other, so a join costs O(1) on both sides.
 */
import { createConnection, type Socket } from "node:net";

/** What the parent asks for. */
export interface FillRequest {
  readonly port: number;
  /** The anonymous VirtualHost. */
  readonly host: string;
  /** Bare JID of the room. */
  readonly room: string;
  /** Index of the first occupant (nicks are `guest-<index>`). */
  readonly first: number;
  readonly count: number;
  /** Sessions logging in at once. */
  readonly concurrency: number;
}

/** What the swarm answers. */
export type FillReply =
  | { readonly type: "filled"; readonly count: number; readonly ms: number }
  | { readonly type: "progress"; readonly joined: number }
  | { readonly type: "error"; readonly message: string };

const STEP_TIMEOUT_MS = 60_000;
const CAPS = ["q07IKJEyjvHSyhy//CH0CxmKi8w=", "LzMNKN1e+uYr6dWfN4kAEbafeOs=", "9NwBBOLtfHFd4NzXWmjzwrBZ5SA="];

/** Occupant `i`'s join presence: entity caps, and for some a show or a status, as real clients send. */
function joinPresence(room: string, i: number): string {
  const show = i % 10 === 3 ? "<show>away</show>" : "";
  const status = i % 25 === 7 ? "<status>In a meeting</status>" : "";
  return (
    `<presence to='${room}/guest-${i}'>${show}${status}` +
    `<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://conversations.im' ver='${CAPS[i % 3]}'/>` +
    `<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`
  );
}

const sockets: Socket[] = [];

/** Log occupant `i` in and join it; resolves once the room has answered its join. */
function joinOne(req: FillRequest, i: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port: req.port });
    socket.setNoDelay(true);
    sockets.push(socket);
    const header = `<?xml version='1.0'?><stream:stream to='${req.host}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`;
    // Each step: what ends the answer, and what to send once it is in.
    const steps: { until: RegExp; ok?: RegExp; then: () => string }[] = [
      { until: /<\/stream:features>/, then: () => `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>` },
      { until: /<success\b[^>]*\/>|<\/success>|<\/failure>/, ok: /<success\b/, then: () => header },
      { until: /<\/stream:features>/, then: () => `<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>s</resource></bind></iq>` },
      { until: /<\/iq>|<iq\b[^>]*\/>/, ok: /type=['"]result['"]/, then: () => joinPresence(req.room, i) },
      // The room's answer to the join: our own presence (or an error).
      { until: /<\/presence>|<presence\b[^>]*\/>/, ok: /<presence\b(?![^>]*type=['"]error['"])/, then: () => "" },
    ];
    let step = 0;
    let buffer = "";
    const timer = setTimeout(() => fail(new Error(`guest-${i}: no answer to step ${step} within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString("utf8");
      for (;;) {
        const current = steps[step];
        if (!current) return;
        const m = current.until.exec(buffer);
        if (!m) return;
        const answer = buffer.slice(0, m.index + m[0].length);
        buffer = buffer.slice(m.index + m[0].length);
        if (current.ok && !current.ok.test(answer)) return fail(new Error(`guest-${i}: unexpected answer ${answer.slice(0, 400)}`));
        const out = current.then();
        if (out) socket.write(out);
        step++;
        if (step === steps.length) {
          clearTimeout(timer);
          // In the room: from now on, drop what arrives unread.
          socket.off("data", onData);
          socket.on("data", () => {});
          resolve();
          return;
        }
      }
    };
    socket.on("data", onData);
    socket.on("error", (e) => fail(e));
    socket.on("close", () => {
      if (step < steps.length) fail(new Error(`guest-${i}: the connection closed at step ${step}`));
    });
    socket.once("connect", () => socket.write(header));
  });
}

async function fill(req: FillRequest): Promise<void> {
  const started = performance.now();
  let next = req.first;
  const end = req.first + req.count;
  let joined = 0;
  const worker = async (): Promise<void> => {
    while (next < end) {
      const i = next++;
      await joinOne(req, i);
      joined++;
      if (joined % 1000 === 0) send({ type: "progress", joined });
    }
  };
  await Promise.all(Array.from({ length: Math.min(req.concurrency, req.count) }, worker));
  send({ type: "filled", count: joined, ms: performance.now() - started });
}

function send(reply: FillReply): void {
  process.send?.(reply);
}

process.on("message", (req: FillRequest) => {
  fill(req).catch((e: unknown) => send({ type: "error", message: e instanceof Error ? e.message : String(e) }));
});
// The parent went away: so do we (the sockets close with the process).
process.on("disconnect", () => process.exit(0));
