/**
 * Gateway benchmark: the demo network's groups served as MUC rooms by the
 * gateway (`runGateway`, its component connected to a throwaway Prosody),
 * joined and read by this SDK's client (`MucService` on `@xmpp/client`)
 * through that Prosody; and, for reference, Prosody's own MUC doing the same
 * work for the same client over the same server.
 *
 * 1. Joining a legacy room of N = 1,000 / 10,000 / 50,000 participants (a
 *    demo group per N, filled with `network.populate`): from `muc.join`
 *    (join presence, `<history maxstanzas='0'/>`) to the initial
 *    `subjectChange` on the client, which then must list N + 1 occupants.
 *    The first join of a room includes the gateway's lazy, once-per-room
 *    work (`fillParticipants`, the SQLite `saveMany` of N + 1 participants,
 *    `backfill`); the later join (after leaving) is presences from memory.
 * 2. Legacy → XMPP messages: `network.as(member).send(group, text)` M times,
 *    until the client has seen M `message` events.
 * 3. Prosody MUC: a room on the MUC component filled with 1,000 real
 *    occupants (bare c2s sessions, see `gateway-prosody.ts`), then the same
 *    client's join timed the same way; 10,000 and 50,000 are not measured
 *    (N real sessions, and O(N²) presences to fill the room). Messages: a
 *    second client of this SDK sends M groupchat messages to a room holding
 *    it and the receiving client.
 *
 * Every path ends in the same client session (stream management enabled, as
 * `@xmpp/client` negotiates it with Prosody) and the same `Room` code.
 *
 * `npm run bench -- gateway` (about 100 s, 75 of them filling the Prosody
 * room). A benchmark, not a test: it fails only when a result is wrong
 * (missing occupants or messages), which would make its figure meaningless.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runGateway, type RunningGateway } from "../../src/gateway/index.js";
import { MucService, type Room } from "../../src/index.js";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { DemoNetwork } from "../../examples/demo-network/index.js";
import { createDemoModule } from "../../examples/demo-network/module.js";
import { connectClient, withTimeout, type TestClient } from "../helpers/prosody-clients.js";
import { fmt, printTable } from "./harness.js";
import { RawSession, registerWithGateway, writeAccounts } from "./gateway-prosody.js";

const GW = "gateway.localhost";
const SECRET = "gateway-bench-secret";
const SIZES = [1_000, 10_000, 50_000] as const;
/** Legacy → XMPP messages, and groupchat messages through Prosody's MUC. */
const MESSAGES = 5_000;
/** The Prosody MUC room is filled with this many real occupants. */
const PROSODY_N = 1_000;
/** Real sessions opened at once while filling the Prosody room. */
const CONNECT_BATCH = 100;
const JOIN_TIMEOUT = 180_000;

/** CPU time of Prosody (from `/proc`, Linux) and of this Node process (the gateway and the clients). */
class CpuMeter {
  readonly #statFile: string;

  constructor(prosodyPid: number) {
    this.#statFile = `/proc/${prosodyPid}/stat`;
  }

  /**
   * Wait until Prosody is idle (at most one 10 ms tick of CPU in 200 ms, for
   * at most 10 s) and collect this process's garbage, so that a measurement
   * does not pay for the work before it.
   */
  async settle(): Promise<void> {
    (globalThis as { gc?: () => void }).gc?.();
    let last = this.#prosodyMs();
    const deadline = performance.now() + 10_000;
    while (last !== undefined && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const now = this.#prosodyMs() ?? last;
      if (now - last <= 10) return;
      last = now;
    }
  }

  /** A reading to pass to {@link CpuMeter.since}. */
  now(): { prosody: number | undefined; node: NodeJS.CpuUsage } {
    return { prosody: this.#prosodyMs(), node: process.cpuUsage() };
  }

  /** Milliseconds of CPU each used since `start`. */
  since(start: ReturnType<CpuMeter["now"]>): CpuTime {
    const end = this.#prosodyMs();
    const node = process.cpuUsage(start.node);
    return { prosodyMs: end !== undefined && start.prosody !== undefined ? end - start.prosody : undefined, nodeMs: (node.user + node.system) / 1000 };
  }

  #prosodyMs(): number | undefined {
    try {
      // Fields 14 and 15 (utime, stime), in clock ticks (100 Hz on Linux), after the parenthesised command name.
      const fields = readFileSync(this.#statFile, "utf8").split(") ")[1]?.split(" ") ?? [];
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return undefined;
    }
  }
}

/** CPU used during a measurement. */
interface CpuTime {
  /** Prosody's, when `/proc` tells. */
  readonly prosodyMs: number | undefined;
  /** This process's: the gateway and the clients. */
  readonly nodeMs: number;
}

/** One timed join. */
interface JoinTiming {
  /** `muc.join` → the self-presence (the `enter` event): every occupant's presence is in. */
  selfMs: number;
  /** `muc.join` → the initial `subjectChange`. */
  subjectMs: number;
  /** Occupants the client lists at the subject. */
  occupants: number;
  /** CPU used from `muc.join` to the subject. */
  cpu: CpuTime;
}

/** One timed message stream. */
interface MessageTiming {
  /** First send → the last one handed over (to the network, or written by the sending client). */
  sentMs: number;
  /** First send → the client has seen all of them. */
  receivedMs: number;
  /** Messages that arrived out of order. */
  outOfOrder: number;
  /** CPU used from the first send until all arrived. */
  cpu: CpuTime;
}

/** Join `roomJid` with `muc` and time it; throws unless the client then lists `expected` occupants. */
async function timeJoin(cpu: CpuMeter, muc: MucService, roomJid: string, nick: string, expected: number): Promise<{ room: Room; timing: JoinTiming }> {
  await cpu.settle();
  let selfAt = 0;
  const c0 = cpu.now();
  const t0 = performance.now();
  const { room, joined } = muc.join(roomJid, nick, { history: { maxStanzas: 0 }, timeout: JOIN_TIMEOUT });
  // Both events are emitted as the stanzas are parsed (`joined` settles a microtask later).
  room.on("enter", () => {
    selfAt = performance.now();
  });
  const subject = new Promise<JoinTiming>((resolve) => {
    room.on("subjectChange", ({ initial }) => {
      if (initial) resolve({ selfMs: selfAt - t0, subjectMs: performance.now() - t0, occupants: room.occupantCount, cpu: cpu.since(c0) });
    });
  });
  await joined;
  const timing = await withTimeout(subject, JOIN_TIMEOUT, `the subject of ${roomJid}`);
  if (timing.occupants !== expected) throw new Error(`${roomJid}: the client lists ${timing.occupants} occupants, expected ${expected}`);
  return { room, timing };
}

/**
 * Count the live `message` events of `room` whose body starts with `prefix`
 * until `m` arrived; `send` is started after the listener is in place.
 */
async function timeMessages(cpu: CpuMeter, room: Room, prefix: string, m: number, send: (i: number) => Promise<unknown>): Promise<MessageTiming> {
  let received = 0;
  let outOfOrder = 0;
  let allIn: () => void = () => {};
  const done = new Promise<void>((resolve) => (allIn = resolve));
  const listener = ({ body, history }: { body: string; history: boolean }): void => {
    if (history || !body.startsWith(prefix)) return;
    if (Number(body.slice(prefix.length)) !== received) outOfOrder++;
    if (++received === m) allIn();
  };
  room.on("message", listener);
  try {
    await cpu.settle();
    const c0 = cpu.now();
    const t0 = performance.now();
    for (let i = 0; i < m; i++) await send(i);
    const sentMs = performance.now() - t0;
    await withTimeout(done, 120_000, `${m} messages (got ${received})`).catch((e: unknown) => {
      throw new Error(`${String(e)}; received ${received}`);
    });
    const receivedMs = performance.now() - t0;
    return { sentMs, receivedMs, outOfOrder, cpu: cpu.since(c0) };
  } finally {
    room.off("message", listener);
  }
}

/** A progress line (the tables come at the end). */
const progress = (line: string): void => void process.stderr.write(`  … ${line}\n`);

const cpuCells = (cpu: CpuTime): string[] => [cpu.prosodyMs === undefined ? "?" : fmt(cpu.prosodyMs), fmt(cpu.nodeMs)];

/** A row of the join table. */
const joinRow = (label: string, n: number, t: JoinTiming): string[] => [
  label,
  fmt(n),
  fmt(t.selfMs),
  fmt(t.subjectMs),
  fmt((t.subjectMs * 1000) / n, 1),
  ...cpuCells(t.cpu),
  fmt(t.occupants),
];

/** A row of the message table. */
const messageRow = (label: string, m: number, t: MessageTiming): string[] => [
  label,
  fmt(m),
  fmt(t.sentMs),
  fmt(t.receivedMs),
  fmt((m * 1000) / t.receivedMs),
  ...cpuCells(t.cpu),
  fmt(t.outOfOrder),
];

/** Run the benchmark and print its tables. */
export async function runGatewayBench(): Promise<void> {
  console.log("\n## Gateway (demo network) and Prosody MUC, through one Prosody, to this SDK's client\n");
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), "gateway-bench-"));
  let server: ProsodyServer | undefined;
  let running: RunningGateway | undefined;
  const clients: TestClient[] = [];
  const services: MucService[] = [];
  const raw: RawSession[] = [];
  const warnings: string[] = [];
  const joinRows: string[][] = [];
  const messageRows: string[][] = [];
  const setup: string[] = [];
  try {
    server = await startProsody({
      component: { domain: GW, secret: SECRET },
      roomLocking: false,
      logLevel: "warn",
      // Prosody's rooms say who is who, like the gateway's rooms of demo groups (non-anonymous).
      extraConfig: { muc: "  muc_room_default_public_jids = true" },
    });
    const srv = server;
    const cpu = new CpuMeter(srv.pid);

    // --- The legacy network and the gateway ------------------------------------------------
    let t = performance.now();
    const network = new DemoNetwork();
    network.addUser({ id: "bench", name: "Bench", password: "bench-legacy-pw" });
    const members = new Map<number, string[]>();
    for (const n of SIZES) {
      network.addGroup({
        id: `big${n}`,
        name: `Big ${fmt(n)}`,
        description: `A group of ${fmt(n)} members`,
        topic: `Benchmark room of ${fmt(n)}`,
        kind: "group",
        members: [{ userId: "bench", role: "owner" }],
      });
      members.set(n, network.populate(`big${n}`, n));
    }
    setup.push(`populate ${SIZES.map((n) => fmt(n)).join(" + ")} members: ${fmt(performance.now() - t)} ms`);
    running = await runGateway(createDemoModule(network), {
      jid: GW,
      secret: SECRET,
      server: srv.componentUrl,
      db: join(dir, "gateway.sqlite"),
      logger: { debug() {}, warn: (message) => void warnings.push(message) },
    });

    const connect = async (username: string): Promise<{ client: TestClient; muc: MucService }> => {
      await srv.createUser(username, `${username}-pw`);
      const client = await connectClient({ server: srv, username, password: `${username}-pw` });
      clients.push(client);
      const muc = new MucService(client.xmpp, { selfPing: false });
      services.push(muc);
      return { client, muc };
    };
    const { client, muc } = await connect("bench");
    t = performance.now();
    await registerWithGateway(client.xmpp, GW, "bench", "bench-legacy-pw");
    setup.push(`registration (gateway logs the session in): ${fmt(performance.now() - t)} ms`);

    // --- 1. Joining legacy rooms -----------------------------------------------------------
    let messageRoom: Room | undefined;
    for (const n of SIZES) {
      const jid = `big${n}@${GW}`;
      const first = await timeJoin(cpu, muc, jid, "Bench", n + 1);
      await first.room.leave();
      progress(`gateway ${fmt(n)}: first join ${fmt(first.timing.subjectMs)} ms`);
      const later = await timeJoin(cpu, muc, jid, "Bench", n + 1);
      progress(`gateway ${fmt(n)}: later join ${fmt(later.timing.subjectMs)} ms`);
      joinRows.push(joinRow("gateway: first join (+ fill, saveMany)", n, first.timing), joinRow("gateway: later join (after leaving)", n, later.timing));
      if (n === SIZES[0]) messageRoom = later.room;
      else await later.room.leave();
    }

    // --- 2. Legacy → XMPP messages -----------------------------------------------------------
    const size = SIZES[0];
    const sender = network.as((members.get(size) as string[])[0] as string);
    const legacy = await timeMessages(cpu, messageRoom as Room, "legacy ", MESSAGES, (i) => sender.send(`big${size}`, `legacy ${i}`));
    progress(`gateway messages: ${fmt(legacy.receivedMs)} ms`);
    messageRows.push(messageRow(`gateway: network.as(member).send(), room of ${fmt(size)}`, MESSAGES, legacy));
    await (messageRoom as Room).leave();

    // --- 3. Prosody's own MUC ------------------------------------------------------------------
    const refRoom = `ref${PROSODY_N}@${srv.mucDomain}`;
    const names = Array.from({ length: PROSODY_N }, (_, i) => `occ${i}`);
    await writeAccounts(srv, names, "occ-pw");
    t = performance.now();
    for (let i = 0; i < names.length; i += CONNECT_BATCH) {
      raw.push(...(await Promise.all(names.slice(i, i + CONNECT_BATCH).map((name) => RawSession.open(srv, name, "occ-pw")))));
    }
    const connectMs = performance.now() - t;
    t = performance.now();
    // The first occupant creates the room (owner) and sets its subject; the others join all at once.
    const [owner, ...rest] = raw as [RawSession, ...RawSession[]];
    await owner.join(`${refRoom}/occupant-0`);
    owner.write(`<message to='${refRoom}' type='groupchat'><subject>Benchmark room of ${fmt(PROSODY_N)}</subject></message>`);
    await Promise.all(rest.map((s, i) => s.join(`${refRoom}/occupant-${i + 1}`, JOIN_TIMEOUT)));
    const fillMs = performance.now() - t;
    progress(`Prosody room filled in ${fmt(fillMs)} ms`);
    setup.push(
      `Prosody room of ${fmt(PROSODY_N)}: ${fmt(PROSODY_N)} sessions connected in ${fmt(connectMs)} ms, joined in ${fmt(fillMs)} ms ` +
        `(${fmt((PROSODY_N * (PROSODY_N - 1)) / 2)} presences to occupants)`,
    );
    const first = await timeJoin(cpu, muc, refRoom, "Bench", PROSODY_N + 1);
    progress(`Prosody ${fmt(PROSODY_N)}: first join ${fmt(first.timing.subjectMs)} ms`);
    await first.room.leave();
    const later = await timeJoin(cpu, muc, refRoom, "Bench", PROSODY_N + 1);
    progress(`Prosody ${fmt(PROSODY_N)}: later join ${fmt(later.timing.subjectMs)} ms`);
    await later.room.leave();
    joinRows.push(joinRow("Prosody MUC: first join", PROSODY_N, first.timing), joinRow("Prosody MUC: later join (after leaving)", PROSODY_N, later.timing));
    for (const n of SIZES.filter((s) => s !== PROSODY_N)) {
      // Filling grows with the presences to occupants, N(N-1)/2.
      const minutes = (fillMs * ((n * (n - 1)) / (PROSODY_N * (PROSODY_N - 1)))) / 60_000;
      joinRows.push(["Prosody MUC", fmt(n), "-", "-", "-", "-", "-", `not measured: ${fmt(n)} sessions, fill ≥ ${fmt(minutes)} min`]);
    }
    // Destroying the room sends each occupant one presence; closing 1,000 sessions in it would send O(N²).
    const destroyed = owner.expect(/id=['"]destroy['"]/, 60_000);
    owner.write(`<iq type='set' id='destroy' to='${refRoom}'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>`);
    await destroyed;
    for (const s of raw.splice(0)) s.close();

    // Prosody MUC messages: another client of this SDK talks to the receiving client in a room of two.
    const talker = await connect("talker");
    const msgRoom = `talk@${srv.mucDomain}`;
    const talkerJoin = talker.muc.join(msgRoom, "Talker", { history: { maxStanzas: 0 } });
    await talkerJoin.joined;
    const receiver = await timeJoin(cpu, muc, msgRoom, "Bench", 2);
    const viaMuc = await timeMessages(cpu, receiver.room, "muc ", MESSAGES, (i) => talkerJoin.room.sendMessage(`muc ${i}`));
    messageRows.push(messageRow("Prosody MUC: another client's room.sendMessage(), room of 2", MESSAGES, viaMuc));
  } finally {
    for (const s of raw) s.close();
    for (const m of services) m.close();
    await Promise.all(clients.map((c) => c.stop()));
    await running?.stop().catch(() => {});
    const log = server ? await server.readLog().catch(() => "") : "";
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
    const problems = log.split("\n").filter((l) => /\t(warn|error)\t/.test(l));
    if (problems.length) console.log(`Prosody logged ${problems.length} warnings/errors, e.g.:\n  ${problems.slice(0, 5).join("\n  ")}`);
    if (warnings.length) console.log(`The gateway logged ${warnings.length} warnings, e.g.: ${warnings.slice(0, 3).join("; ")}`);
  }

  console.log(
    "Joins, <history maxstanzas='0'/>: ms from muc.join() to the self-presence (every occupant's presence is in) and to the initial subject.\n" +
      "  gateway rows: the gateway (this process) → component stream → Prosody → c2s stream → the client (this process);\n" +
      "    first join = fillParticipants + SQLite saveMany (N + 1 rows) + backfill, once per room (updateInfo already ran at login);\n" +
      "    later join = the same room again after leaving: N + 1 presences from memory.\n" +
      "  Prosody MUC rows: Prosody's MUC (conference component, MAM on) → c2s stream → the same client session; the room holds\n" +
      `    ${fmt(PROSODY_N)} real occupants (bare sessions). 'first' and 'later' are the same work there.\n` +
      "  CPU columns: Prosody's process, and this Node process (gateway + every client) over the same interval.",
  );
  printTable(["room", "N", "self-presence ms", "subject ms", "µs/participant", "Prosody CPU ms", "Node CPU ms", "client occupants"], joinRows);
  console.log(
    "\nMessages to the client: ms from the first send until the client emitted every live `message` event (sent ms: until the last send returned).\n" +
      "  gateway: DemoNetwork delivers to the gateway's session → archive (SQLite) → component → Prosody → client.\n" +
      "  Prosody MUC: a second client of this SDK (room.sendMessage) → Prosody MUC (MAM archive, reflection to both) → the client.",
  );
  printTable(["path", "M", "sent ms", "all received ms", "msgs/s", "Prosody CPU ms", "Node CPU ms", "out of order"], messageRows);
  console.log(`\nSetup: ${setup.join("; ")}.`);
  console.log(
    "Both kinds of rows use the same Prosody (default settings: incremental GC; XEP-0198 on the client's stream) and the same client session of this SDK " +
      `(MucService on @xmpp/client, selfPing off). Total ${fmt((performance.now() - started) / 1000, 1)} s.`,
  );
}
