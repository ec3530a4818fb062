/**
 * `muc.addToBookmarks()` against real Prosody servers, the gateway running
 * as their component:
 *
 * - with mod_privilege (Debian's prosody-modules) making the gateway a
 *   privileged entity for pubsub IQs, the bookmark appears in the user's
 *   PEP (XEP-0402), read back by the user's own client, an extension the
 *   user had kept;
 * - on a server without mod_privilege, the user gets a direct invitation
 *   (XEP-0249) instead.
 *
 * mod_privilege missing is a failure, not a skip: install it with
 * `apt-get install prosody-modules` (as `.ci/run` does).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { BaseGateway, BaseSession, LegacyBookmarks, LegacyMUC, openSqliteStore, runGateway, type LegacyModule, type RunningGateway } from "../../src/gateway/index.js";
import { connectClient, nextStanza, withTimeout, type TestClient } from "../helpers/prosody-clients.js";

const GW = "gateway.localhost";
const SECRET = "bookmarks-secret";
const NS_PUBSUB = "http://jabber.org/protocol/pubsub";
const NS_BOOKMARKS = "urn:xmpp:bookmarks:1";
const NS_PIN = "urn:xmpp:bookmarks-pinning:0";
const NS_CONFERENCE = "jabber:x:conference";
const NS_EXAMPLE = "urn:example:client-state";

/** Where Debian's prosody-modules puts mod_privilege (and where a hand install would). */
const MOD_PRIVILEGE_PATHS = [
  "/usr/lib/prosody/modules/mod_privilege/mod_privilege.lua",
  "/usr/lib/prosody/modules/mod_privilege.lua",
  "/usr/local/lib/prosody/modules/mod_privilege/mod_privilege.lua",
  "/usr/local/lib/prosody/modules/mod_privilege.lua",
];

function requireModPrivilege(): void {
  if (MOD_PRIVILEGE_PATHS.some((p) => existsSync(p))) return;
  throw new Error(
    "Prosody's mod_privilege (XEP-0356) is not installed, and the bookmark tests need it: " +
      "install Debian's prosody-modules with `apt-get install prosody-modules` (as root; `.ci/run` does), " +
      `otherwise \`sudo apt-get install prosody-modules\`. Looked for: ${MOD_PRIVILEGE_PATHS.join(", ")}`,
  );
}

/** A legacy network of two groups, for every user. */
function module(): LegacyModule {
  class Gateway extends BaseGateway {
    override componentName = "Bookmarks test network";
  }
  class Session extends BaseSession {}
  class Bookmarks extends LegacyBookmarks {
    override async fill(): Promise<void> {
      await this.byLegacyId("coffee");
      await this.byLegacyId("tea");
    }
  }
  class Room extends LegacyMUC {
    override async updateInfo(): Promise<void> {
      this.name = this.legacyId === "coffee" ? "Coffee" : "Tea";
    }
  }
  return { Gateway, Session, Bookmarks, MUC: Room };
}

interface Setup {
  server: ProsodyServer;
  running: RunningGateway;
  alice: TestClient;
  debugs: string[];
  dir: string;
}

/** A Prosody with PEP (and `privileged` or not), the gateway as its component with alice registered, and alice online. */
async function setUp(privileged: boolean): Promise<Setup> {
  const server = await startProsody({
    component: { domain: GW, secret: SECRET },
    users: [{ username: "alice", password: "alice-pw" }],
    extraModules: privileged ? ["pep", "privilege"] : ["pep"],
    extraConfig: privileged
      ? {
          virtualHost: `privileged_entities = { [${JSON.stringify(GW)}] = { iq = { ["${NS_PUBSUB}"] = "both" } } }`,
          component: `modules_enabled = { "privilege" }`,
        }
      : {},
  });
  const dir = await mkdtemp(join(tmpdir(), "gateway-bookmarks-"));
  const db = join(dir, "gateway.sqlite");
  const store = openSqliteStore(db);
  store.users.save({ jid: `alice@${server.domain}`, legacyData: {}, registeredAt: Date.now() });
  store.close();
  const debugs: string[] = [];
  const running = await runGateway(module(), {
    jid: GW,
    secret: SECRET,
    server: server.componentUrl,
    db,
    logger: { debug: (m: string) => void debugs.push(m), warn() {} },
  });
  const alice = await connectClient({ server, username: "alice", password: "alice-pw" });
  await alice.xmpp.send(xml("presence"));
  return { server, running, alice, debugs, dir };
}

async function tearDown(s: Setup | undefined): Promise<void> {
  if (!s) return;
  await s.alice.stop();
  await s.running.stop();
  await s.server.stop();
  await rm(s.dir, { recursive: true, force: true });
}

async function roomOf(s: Setup, legacyId: string): Promise<LegacyMUC> {
  const session = s.running.gateway.getSession(`alice@${s.server.domain}`);
  if (!session?.loggedIn) throw new Error("alice's session is not logged in");
  return session.bookmarks.byLegacyId(legacyId);
}

/** The user's own client reads its bookmarks node (XEP-0402 §3.2). */
async function bookmarks(client: TestClient): Promise<Map<string, Element>> {
  const result = await withTimeout<Element>(
    client.xmpp.iqCaller.request(xml("iq", { type: "get" }, xml("pubsub", { xmlns: NS_PUBSUB }, xml("items", { node: NS_BOOKMARKS })))),
    10_000,
    "reading the bookmarks",
  );
  const out = new Map<string, Element>();
  for (const item of result.getChild("pubsub", NS_PUBSUB)?.getChild("items")?.getChildren("item") ?? []) {
    const conference = item.getChild("conference", NS_BOOKMARKS);
    if (conference && typeof item.attrs.id === "string") out.set(item.attrs.id, conference);
  }
  return out;
}

/** The user's own client publishes a bookmark, as XEP-0402 §3.3 has it. */
async function publishOwnBookmark(client: TestClient, room: string, conference: Element): Promise<void> {
  const field = (name: string, value: string, type?: string): Element => xml("field", type ? { var: name, type } : { var: name }, xml("value", {}, value));
  const iq = xml(
    "iq",
    { type: "set" },
    xml(
      "pubsub",
      { xmlns: NS_PUBSUB },
      xml("publish", { node: NS_BOOKMARKS }, xml("item", { id: room }, conference)),
      xml(
        "publish-options",
        {},
        xml(
          "x",
          { xmlns: "jabber:x:data", type: "submit" },
          field("FORM_TYPE", "http://jabber.org/protocol/pubsub#publish-options", "hidden"),
          field("pubsub#persist_items", "true"),
          field("pubsub#max_items", "max"),
          field("pubsub#send_last_published_item", "never"),
          field("pubsub#access_model", "whitelist"),
        ),
      ),
    ),
  );
  await withTimeout(client.xmpp.iqCaller.request(iq), 10_000, "publishing the user's bookmark");
}

describe("addToBookmarks on Prosody with mod_privilege (XEP-0356)", () => {
  let s: Setup | undefined;

  beforeAll(async () => {
    requireModPrivilege();
    s = await setUp(true);
    const log = await s.server.readLog();
    if (/privilege/i.test(log) && /(error|unable to load|failed)/i.test(log.split("\n").filter((l) => /privilege/i.test(l)).join("\n"))) {
      throw new Error(`Prosody could not load mod_privilege:\n${log}`);
    }
  }, 60_000);

  afterAll(async () => {
    await tearDown(s);
  });

  it("a room the user had no bookmark for appears in their PEP bookmarks: autojoin, the room's name", async () => {
    const { alice } = s!;
    const muc = await roomOf(s!, "tea");
    // The server's XEP-0356 announcement (sent in the same read as the handshake) was heard.
    expect(s!.running.gateway.grantedPrivileges(s!.server.domain)?.iq.get("http://jabber.org/protocol/pubsub")).toBe("both");
    expect(await muc.addToBookmarks()).toBe("published");
    const conference = (await bookmarks(alice)).get(`tea@${GW}`);
    expect(conference?.attrs.name).toBe("Tea");
    expect(["true", "1"]).toContain(conference?.attrs.autojoin);
    // Asked again: already there, nothing written.
    expect(await muc.addToBookmarks()).toBe("unchanged");
  });

  it("an existing bookmark keeps what the user set and the extension the user's client had; pin adds XEP-0469's <pinned/>", async () => {
    const { alice } = s!;
    const room = `coffee@${GW}`;
    await publishOwnBookmark(
      alice,
      room,
      xml("conference", { xmlns: NS_BOOKMARKS, name: "My coffee", autojoin: "false" }, xml("nick", {}, "ally"), xml("extensions", {}, xml("state", { xmlns: NS_EXAMPLE }, xml("folded", {}, "yes")))),
    );
    const muc = await roomOf(s!, "coffee");
    expect(await muc.addToBookmarks({ pin: true })).toBe("published");
    const conference = (await bookmarks(alice)).get(room);
    expect(conference?.attrs.name).toBe("My coffee");
    expect(["false", "0", undefined]).toContain(conference?.attrs.autojoin);
    expect(conference?.getChildText("nick")).toBe("ally");
    const extensions = conference?.getChild("extensions");
    expect(extensions?.getChild("state", NS_EXAMPLE)?.getChildText("folded")).toBe("yes");
    expect(extensions?.getChild("pinned", NS_PIN)).toBeDefined();
    // Nothing was sent to the user instead.
    expect(s!.debugs.some((m) => m.includes("direct invitation"))).toBe(false);
  });
});

describe("addToBookmarks on Prosody without mod_privilege", () => {
  let s: Setup | undefined;

  beforeAll(async () => {
    s = await setUp(false);
  }, 60_000);

  afterAll(async () => {
    await tearDown(s);
  });

  it("the user gets a direct invitation from the gateway instead, and the reason is logged at debug level", async () => {
    const { alice } = s!;
    const room = `coffee@${GW}`;
    const invitation = nextStanza(alice.xmpp, (st) => st.is("message") && st.getChild("x", NS_CONFERENCE)?.attrs.jid === room, 10_000);
    const muc = await roomOf(s!, "coffee");
    expect(await muc.addToBookmarks()).toBe("fallback");
    const message = await invitation;
    expect(message.attrs.from).toBe(GW);
    expect(s!.debugs.some((m) => m.includes(room) && m.includes("direct invitation"))).toBe(true);
    expect((await bookmarks(alice).catch(() => new Map<string, Element>())).has(room)).toBe(false);
  });
});
