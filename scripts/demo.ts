/**
 * `npm run demo`: the whole SDK on one machine, in one command.
 *
 * - a throwaway Prosody on loopback ports (accounts alice, bob, carol, and
 *   erin and frank, who register with the gateway in two steps; rooms
 *   "lobby" and "dev" on conference.localhost; file sharing through Prosody's
 *   own XEP-0363 service, upload.localhost, served on its HTTP port);
 * - the gateway (gateway.localhost) serving the demo network ("coffee",
 *   "announcements", "book-club"), with alice, bob and carol registered;
 * - a little life: bob and carol chat in "coffee" on the demo network, bob
 *   answers the direct messages written to him there (`startDemoReplies`),
 *   and DemoBot (an XMPP client using this SDK's MucService) talks in "lobby";
 * - the web client of examples/browser, on http://127.0.0.1:$DEMO_PORT/.
 *
 * Ctrl-C (or SIGTERM) stops everything and removes every file it wrote.
 *
 * Environment: DEMO_PORT (the web port; a free one by default), DEMO_DEV=1
 * (rebuild the page's bundle on every load, while editing the web client in examples/browser/).
 */
import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { client, xml, type Client } from "@xmpp/client";
import { MucService, LeaveMode, createRoom, listRooms, setAffiliation, type Room } from "../src/index.js";
import { startProsody, ProsodyNotInstalledError, type ProsodyServer } from "../src/testing/index.js";
import { runGateway, openSqliteStore, type RunningGateway } from "../src/gateway/index.js";
import { DEMO_ACCOUNTS, DEMO_STEP_ACCOUNTS, DEMO_TWO_FACTOR_CODE, DemoNetwork, seedDemo, startDemoReplies } from "../examples/demo-network/index.js";
import { createDemoModule } from "../examples/demo-network/module.js";
import { startWebServer, type WebServer } from "../examples/browser/serve.js";
import { botAnswer } from "./demo-bot.js";

const GATEWAY = "gateway.localhost";
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** The XMPP accounts: the demo network's people, with the same passwords. */
const ACCOUNTS = DEMO_ACCOUNTS.map((a) => ({ username: a.id, password: a.password, name: a.name }));
/**
 * Accounts not registered with the gateway up front: they register from the
 * web client (the gateway's Register button), in two steps — erin with the
 * code the demo network "sends", frank with a QR code the network's "phone
 * app" scans by itself a few seconds later.
 */
const STEP_ACCOUNTS = DEMO_STEP_ACCOUNTS.map((a) => ({
  username: a.id,
  password: a.password,
  name: a.name,
  how: a.verification === "code" ? `then the code ${DEMO_TWO_FACTOR_CODE}` : "then a QR code, scanned by itself",
}));
const BOT = { username: "demobot", password: randomBytes(12).toString("hex"), nick: "DemoBot" };

const COFFEE_LINES: readonly [string, string][] = [
  ["bob", "Kettle's on again ☕"],
  ["carol", "Has anyone tried the new grinder setting?"],
  ["bob", "Finer than last week — it's much better with the Yirgacheffe."],
  ["carol", "I'll bring oat milk tomorrow."],
  ["bob", "Who left the French press in the sink?"],
  ["carol", "Guilty. Washing it now!"],
  ["bob", "Reminder: beans order goes out on Friday."],
  ["carol", "Put me down for a bag of the Colombian."],
  ["bob", "Anyone up for a flat white at 3?"],
  ["carol", "Always."],
];

const LOBBY_LINES: readonly string[] = [
  "Welcome! This room lives on Prosody's MUC service (conference.localhost).",
  "Tip: alice owns this room, so she sees Kick / Mute / Ban next to people, and Destroy at the top.",
  "Tip: your own messages show their delivery state: ◌ sending, ✓ at the server, ✓✓ reflected by the room.",
  "Tip: the ◆ rooms come through the gateway from the demo network — bob and carol chat in Coffee corner.",
  "Mention me (“bot”) and I will answer.",
  "Tip: in “dev” the room is moderated: bob joins as a visitor until someone gives him voice.",
  "Tip: share a file with the 📎 button, by dropping it on the messages or by pasting an image; images show inline.",
];

interface Cleanup {
  what: string;
  run: () => Promise<unknown>;
}

const cleanups: Cleanup[] = [];
let stopping: Promise<void> | undefined;
let tempDir: string | undefined;

function log(message: string): void {
  console.log(`\x1b[2m[demo]\x1b[0m ${message}`);
}

/** Stop everything started so far, newest first; each step bounded in time. */
function shutdown(reason: string): Promise<void> {
  stopping ??= (async () => {
    log(`${reason}: stopping…`);
    for (const step of cleanups.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([step.run(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("timed out")), 5_000)))]);
      } catch (e) {
        console.error(`[demo] stopping ${step.what} failed: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        clearTimeout(timer);
      }
    }
    cleanups.length = 0;
    log("stopped; every process and temporary file is gone.");
  })();
  return stopping;
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    // A second Ctrl-C: leave now (the exit handlers kill Prosody and remove its directory).
    console.error("[demo] forced exit");
    process.exit(130);
  }
  void shutdown(signal).then(() => process.exit(signal === "SIGINT" ? 130 : 143));
}

/** Make sure Prosody is there: install it as root, else say how. */
function ensureProsody(): void {
  const found = spawnSync("sh", ["-c", "command -v prosody || ls /usr/bin/prosody /usr/local/bin/prosody"], { stdio: "ignore" }).status === 0;
  if (found) return;
  if (process.getuid?.() !== 0) {
    console.error(
      "Prosody is not installed; the demo needs it (a throwaway server is started on loopback ports).\n" +
        "Install it with:  sudo apt-get update && sudo apt-get install -y prosody\n" +
        "(or run `npm run demo` as root and it will be installed for you)",
    );
    process.exit(1);
  }
  log("Prosody is missing: installing it with apt-get (Debian package `prosody`)…");
  const r = spawnSync("sh", ["-c", "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y prosody"], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error("Installing Prosody failed; install it by hand: apt-get install -y prosody");
    process.exit(1);
  }
}

/**
 * Start Prosody. `handleSignals: false`: a Ctrl-C must not kill it at once,
 * since this script stops it itself, after the clients and the gateway have
 * said goodbye (see `shutdown`). Its last-resort cleanup stays: if the process
 * exits without stopping it (a crash, a second Ctrl-C), it is killed and its
 * directory removed.
 */
function startServer(): Promise<ProsodyServer> {
  return startProsody({
    roomLocking: false,
    component: { domain: GATEWAY, secret: randomBytes(16).toString("hex") },
    users: [...ACCOUNTS, ...STEP_ACCOUNTS, BOT].map(({ username, password }) => ({ username, password })),
    tmpDir: tempDir,
    handleSignals: false,
    extraConfig: { component: UPLOAD_COMPONENT },
  });
}

/**
 * File sharing (XEP-0363): Prosody 0.12's own mod_http_file_share, as a
 * component of its own. It goes after the gateway's section (the last of the
 * generated config: a `Component` line starts a new section), and the
 * virtual host's users may upload to it. Its files are served by Prosody's
 * HTTP server, on the loopback HTTP port that also serves the WebSocket;
 * `http_host = "127.0.0.1"` makes the slot URLs `http://127.0.0.1:PORT/file_share/…`,
 * which the browser and Node reach (upload.localhost would not resolve
 * everywhere), and routes requests for that host to this component (the
 * WebSocket endpoint, served for every host, is not affected). The module
 * answers the browser's CORS preflight for the PUT itself. Files live in the
 * demo's temporary directory and go with it.
 */
const UPLOAD_COMPONENT = `
Component "upload.localhost" "http_file_share"
  http_host = "127.0.0.1"
  http_file_share_size_limit = 10 * 1024 * 1024
  http_file_share_daily_quota = 100 * 1024 * 1024
`;

/** An XMPP client over plain TCP with SASL PLAIN (fine on loopback). */
async function connect(server: ProsodyServer, username: string, password: string): Promise<Client> {
  const xmpp = client({
    service: server.c2sUrl,
    domain: server.domain,
    resource: "demo",
    credentials: (authenticate) => authenticate({ username, password }, "PLAIN", xml("user-agent", { id: randomUUID() })),
  });
  xmpp.on("error", (e: unknown) => {
    if (!stopping) console.error(`[demo] ${username}: ${e instanceof Error ? e.message : String(e)}`);
  });
  await xmpp.start();
  return xmpp;
}

/** DemoBot: creates the rooms, hands alice the keys, chats in the lobby and answers mentions. */
async function startBot(server: ProsodyServer): Promise<void> {
  const xmpp = await connect(server, BOT.username, BOT.password);
  const muc = new MucService(xmpp, { selfPing: false });
  const timers = new Set<NodeJS.Timeout>();
  cleanups.push({
    what: "DemoBot",
    run: async () => {
      for (const t of timers) clearTimeout(t);
      await Promise.all(muc.rooms.map((r) => (r.joined ? r.leave({ timeout: 2_000 }).catch(() => {}) : undefined)));
      muc.close();
      await xmpp.stop();
    },
  });
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const domain = server.domain;

  const lobby = await createRoom(muc, `lobby@${server.mucDomain}`, BOT.nick, {
    config: { roomName: "Lobby", description: "Say hello — DemoBot answers when you mention it.", persistent: true, public: true, changeSubject: false },
  });
  await lobby.setSubject("Welcome to the xmpp-muc-sdk demo");
  await setAffiliation(muc, lobby.jid, `alice@${domain}`, "owner");
  await setAffiliation(muc, lobby.jid, `bob@${domain}`, "admin");
  await setAffiliation(muc, lobby.jid, `carol@${domain}`, "member");
  for (const line of ["Good morning, everyone!", "I'm DemoBot, an XMPP client built on xmpp-muc-sdk's MucService.", LOBBY_LINES[0] as string]) {
    await lobby.sendTrackedMessage(line).done;
  }

  const dev = await createRoom(muc, `dev@${server.mucDomain}`, BOT.nick, {
    config: { roomName: "SDK development", description: "A moderated room: visitors need voice to speak.", persistent: true, public: true, moderated: true, changeSubject: true },
  });
  await dev.setSubject("Release 0.2: browser example and demo");
  await setAffiliation(muc, dev.jid, `alice@${domain}`, "owner");
  await setAffiliation(muc, dev.jid, `carol@${domain}`, "member");
  await dev.sendTrackedMessage("Build is green — reviews welcome.").done;
  // Step down to member, so that alice (an owner) may mute, kick or ban the bot.
  await setAffiliation(muc, lobby.jid, `${BOT.username}@${domain}`, "member");
  await setAffiliation(muc, dev.jid, `${BOT.username}@${domain}`, "member");

  const chatter = (room: Room): void => {
    let i = 1;
    let gone = false;
    const tick = (): void => {
      if (gone) return;
      if (room.joined) void room.sendMessage(LOBBY_LINES[i++ % LOBBY_LINES.length] as string).catch(() => {});
      later(20_000, tick);
    };
    later(20_000, tick);
    room.on("message", (message) => {
      const answer = botAnswer(message);
      if (answer !== undefined) later(700, () => void room.sendMessage(answer).catch(() => {}));
    });
    room.on("exit", ({ mode }) => {
      gone = true;
      if (stopping || mode === LeaveMode.BANNED || mode === LeaveMode.DESTROYED) return;
      // Kicked: come back after a while.
      later(10_000, () => {
        if (stopping) return;
        try {
          const again = muc.join(room.jid, BOT.nick);
          void again.joined.then(() => again.room.sendMessage("I'm back.")).catch(() => {});
          chatter(again.room);
        } catch {
          // Already rejoining.
        }
      });
    });
  };
  chatter(lobby);
}

/**
 * Join each user's gateway rooms once, briefly, before the legacy chatter
 * starts. The gateway fills a room (participants, then the legacy history
 * through `backfill()`) on its first join, and backfills only when that
 * room's archive is still empty: a live message archived earlier would make
 * the first join skip the older history.
 */
async function warmUpGatewayRooms(server: ProsodyServer): Promise<void> {
  await Promise.all(
    ACCOUNTS.map(async ({ username, password }) => {
      const xmpp = await connect(server, username, password);
      const muc = new MucService(xmpp, { selfPing: false });
      try {
        for (const { jid } of await listRooms(muc, GATEWAY)) {
          const { room, joined } = muc.join(jid, username, { history: { maxStanzas: 0 }, autorejoin: false });
          await joined;
          await room.leave({ timeout: 5_000 });
        }
      } finally {
        muc.close();
        await xmpp.stop();
      }
    }),
  );
}

/** Bob and Carol talk in "coffee" on the legacy network, every few seconds. */
function startCoffeeChatter(network: DemoNetwork): void {
  let i = 0;
  const timer = setInterval(() => {
    const [who, text] = COFFEE_LINES[i++ % COFFEE_LINES.length] as [string, string];
    // Someone kicked them from the group through the gateway? Then they stay quiet.
    network
      .as(who)
      .send("coffee", text)
      .catch(() => {});
  }, 7_000);
  cleanups.push({ what: "coffee chatter", run: async () => clearInterval(timer) });
}

async function main(): Promise<void> {
  for (const s of SIGNALS) process.on(s, onSignal);
  ensureProsody();

  tempDir = await mkdtemp(join(tmpdir(), "muc-demo-"));
  const dir = tempDir;
  cleanups.push({ what: "temporary files", run: () => rm(dir, { recursive: true, force: true }) });
  // Last resort (a crash, a second Ctrl-C): remove them on exit too.
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

  log("starting Prosody…");
  let server: ProsodyServer;
  try {
    server = await startServer();
  } catch (e) {
    if (e instanceof ProsodyNotInstalledError) {
      console.error(e.message);
      process.exitCode = 1;
      await shutdown("Prosody is missing");
      return;
    }
    throw e;
  }
  cleanups.push({
    what: "Prosody",
    run: () => {
      // Stopped last, so that everything before it could say goodbye through it.
      if (!server.running) console.error("[demo] Prosody had stopped before its turn");
      return server.stop();
    },
  });
  if (stopping) return;

  log("starting the gateway…");
  const network = new DemoNetwork();
  await seedDemo(network);
  const db = join(dir, "gateway.sqlite");
  // Register the XMPP users with the gateway up front (what XEP-0077 registration stores), so they see their groups at once.
  const store = openSqliteStore(db);
  for (const a of ACCOUNTS) store.users.save({ jid: `${a.username}@${server.domain}`, legacyData: { username: a.username, password: a.password }, registeredAt: Date.now() });
  store.close();
  const gateway: RunningGateway = await runGateway(createDemoModule(network), {
    jid: GATEWAY,
    secret: server.component.secret,
    server: server.componentUrl,
    db,
    logger: { debug() {}, warn: (m, ...d) => (stopping ? undefined : console.warn("[gateway]", m, ...d.map((x) => (x instanceof Error ? x.message : x)))) },
  });
  cleanups.push({ what: "the gateway", run: () => gateway.stop() });
  if (stopping) return;

  log("starting DemoBot and the chatter…");
  await warmUpGatewayRooms(server);
  if (stopping) return;
  await startBot(server);
  startCoffeeChatter(network);
  const stopReplies = startDemoReplies(network);
  cleanups.push({ what: "bob's answers", run: async () => stopReplies() });
  if (stopping) return;

  const web: WebServer = await startWebServer({
    port: Number(process.env.DEMO_PORT ?? 0),
    host: "127.0.0.1",
    xmppWebSocket: server.websocketUrl,
    dev: process.env.DEMO_DEV === "1",
    config: {
      domain: server.domain,
      mucDomain: server.mucDomain,
      gatewayDomain: GATEWAY,
      title: "xmpp-muc-sdk demo",
      accounts: [
        ...ACCOUNTS.map((a) => ({ username: a.username, password: a.password, note: `${a.name}; demo-network password ${a.password}` })),
        ...STEP_ACCOUNTS.map((a) => ({ username: a.username, password: a.password, note: `${a.name}; registers with the gateway: ${a.username} / ${a.password}, ${a.how}` })),
      ],
    },
  });
  cleanups.push({ what: "the web server", run: () => web.close() });

  const pad = (s: string, n: number): string => s + " ".repeat(Math.max(0, n - s.length));
  console.log(`
  \x1b[1mxmpp-muc-sdk demo is running\x1b[0m

  Open  \x1b[1;36m${web.url}\x1b[0m

  Log in as (XMPP account / password — the same password works on the demo network):
${ACCOUNTS.map((a) => `    ${pad(`${a.username}@${server.domain}`, 20)} ${a.password}`).join("\n")}

  Not registered with the gateway yet — press Register in the web client (two steps):
${STEP_ACCOUNTS.map((a) => `    ${pad(`${a.username}@${server.domain}`, 20)} ${pad(a.password, 10)} demo network: ${a.username} / ${a.password}, ${a.how}`).join("\n")}
  Gateway commands (Commands in the web client, or send "help" to ${GATEWAY}): List my groups, Preferences, …

  Rooms   lobby, dev @ ${server.mucDomain}   (alice owns both; DemoBot talks in lobby)
          coffee, announcements, book-club @ ${GATEWAY}   (through the gateway; bob and carol chat in coffee)
  People  bob, carol @ ${GATEWAY}   (alice's demo-network friends, under People: write to bob, he answers;
          "Find people" searches the network — try erin)
  XMPP    ${server.c2sUrl} (c2s, PLAIN allowed)   ${server.websocketUrl}
  Files   upload.localhost (XEP-0363, up to 10 MB), served at http://127.0.0.1:${server.httpPort}/file_share/

  Ctrl-C stops everything.
`);
}

main().catch(async (e: unknown) => {
  console.error("[demo] failed:", e instanceof Error ? e.message : e);
  await shutdown("error");
  process.exit(1);
});
