/**
 * Files through a gateway room on a real Prosody with its own XEP-0363
 * service (mod_http_file_share): a participant's `sendFile` with bytes is
 * uploaded by the gateway (a component of the same server, which
 * mod_http_file_share lets upload by default) and reaches this SDK's client as an attachment
 * whose URL serves the same bytes; the user's `room.sendFile` reaches the
 * module's `onFile` with a URL that serves what the user uploaded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml } from "@xmpp/client";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import {
  BaseGateway,
  BaseSession,
  LegacyBookmarks,
  LegacyMUC,
  openSqliteStore,
  runGateway,
  type LegacyModule,
  type RunningGateway,
  type TextOptions,
} from "../../src/gateway/index.js";
import { MucService, type Attachment, type MessageEvent } from "../../src/index.js";
import { connectClient, withTimeout, type TestClient } from "../helpers/prosody-clients.js";

const GW = "gateway.localhost";
const SECRET = "gateway-secret";
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
const TEXT = new TextEncoder().encode("the minutes of the meeting");

const received: Attachment[] = [];

function module(): LegacyModule {
  class Gateway extends BaseGateway {
    override componentName = "File network";
  }
  class Session extends BaseSession {
    override async login() {
      return "Connected";
    }
    override async onText(_chat: LegacyMUC, _text: string, _options: TextOptions) {
      return "legacy-text";
    }
    override async onFile(_chat: LegacyMUC, file: Attachment) {
      received.push(file);
      return "legacy-file";
    }
  }
  class Bookmarks extends LegacyBookmarks {
    override async fill() {
      await this.byLegacyId("files");
    }
  }
  class Room extends LegacyMUC {
    override async updateInfo() {
      this.name = "Files";
    }
    override async *fillParticipants() {
      yield await this.getParticipant("Bob", { legacyId: "u-bob" });
    }
  }
  return { Gateway, Session, Bookmarks, MUC: Room };
}

let server: ProsodyServer;
let running: RunningGateway;
let alice: TestClient;
let muc: MucService;
let dir: string;

beforeAll(async () => {
  server = await startProsody({
    component: { domain: GW, secret: SECRET },
    users: [{ username: "alice", password: "alice-pw" }],
    extraConfig: {
      component: `
Component "upload.localhost" "http_file_share"
  http_host = "127.0.0.1"
  http_file_share_size_limit = 1024 * 1024
`,
    },
  });
  dir = await mkdtemp(join(tmpdir(), "gateway-files-"));
  const db = join(dir, "gateway.sqlite");
  const store = openSqliteStore(db);
  store.users.save({ jid: `alice@${server.domain}`, legacyData: {}, registeredAt: Date.now() });
  store.close();
  running = await runGateway(module(), { jid: GW, secret: SECRET, server: server.componentUrl, db, logger: { debug() {}, warn() {} } });
  alice = await connectClient({ server, username: "alice", password: "alice-pw" });
  await alice.xmpp.send(xml("presence"));
  muc = new MucService(alice.xmpp, { selfPing: false });
}, 60_000);

afterAll(async () => {
  muc?.close();
  await alice?.stop();
  await running?.stop();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function fetchBytes(url: string): Promise<number[]> {
  const response = await fetch(url);
  expect(response.ok).toBe(true);
  return [...new Uint8Array(await response.arrayBuffer())];
}

describe("files through the gateway and Prosody's upload service", () => {
  it("a participant's bytes are uploaded by the gateway and reach the client as an attachment that serves them", async () => {
    const { room, joined } = muc.join(`files@${GW}`, "alice");
    await joined;
    const got = new Promise<MessageEvent>((resolve) => room.on("message", (m) => m.attachments.length > 0 && !m.own && resolve(m)));
    const session = running.gateway.getSession(`alice@${server.domain}`);
    const bob = (await session!.bookmarks.byLegacyId("files")).getParticipantByNick("Bob");
    await bob!.sendFile({ data: PNG, name: "dot.png", type: "image/png" }, "L-1");
    const message = await withTimeout(got, 10_000, "the file message");
    expect(message.attachments[0]).toMatchObject({ name: "dot.png", type: "image/png", size: PNG.byteLength });
    expect(await fetchBytes(message.attachments[0]!.url)).toEqual([...PNG]);
  });

  it("the user's room.sendFile is uploaded by the client and reaches onFile with a URL that serves it", async () => {
    const room = muc.getRoom(`files@${GW}`)!;
    const { attachment } = await room.sendFile({ data: TEXT, name: "minutes.txt", type: "text/plain" });
    await withTimeout(
      (async () => {
        while (received.length === 0) await new Promise((r) => setTimeout(r, 20));
      })(),
      10_000,
      "onFile",
    );
    expect(received[0]).toMatchObject({ url: attachment.url, name: "minutes.txt", type: "text/plain", size: TEXT.byteLength });
    expect(await fetchBytes(received[0]!.url)).toEqual([...TEXT]);
  });
});
