/**
 * A gateway on a real Prosody that has its own XEP-0363 service
 * (mod_http_file_share, `upload.localhost`): the legacy module run with
 * `runGateway`, alice registered with it beforehand, and her SDK client
 * online. For the tests of files and stickers through the gateway.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml } from "@xmpp/client";
import { openSqliteStore, runGateway, type LegacyModule, type RunningGateway } from "../../src/gateway/index.js";
import { MucService } from "../../src/index.js";
import { startProsody, type ProsodyServer } from "../../src/testing/prosody.js";
import { connectClient, type TestClient } from "./prosody-clients.js";

export const UPLOAD_GATEWAY = "gateway.localhost";
const SECRET = "gateway-secret";

/** What {@link startUploadGateway} started. */
export interface UploadGateway {
  readonly server: ProsodyServer;
  readonly running: RunningGateway;
  readonly alice: TestClient;
  readonly muc: MucService;
  /** Stop it all and remove the temp dir (whatever started). */
  stop(): Promise<void>;
}

/** Prosody with an upload service, the gateway running `module`, and alice (registered, online). */
export async function startUploadGateway(module: LegacyModule, tempPrefix: string): Promise<UploadGateway> {
  const parts: { server?: ProsodyServer; running?: RunningGateway; alice?: TestClient; muc?: MucService; dir?: string } = {};
  const stop = async (): Promise<void> => {
    parts.muc?.close();
    await parts.alice?.stop();
    await parts.running?.stop();
    await parts.server?.stop();
    if (parts.dir) await rm(parts.dir, { recursive: true, force: true });
  };
  try {
    const server = (parts.server = await startProsody({
      component: { domain: UPLOAD_GATEWAY, secret: SECRET },
      users: [{ username: "alice", password: "alice-pw" }],
      extraConfig: {
        component: `
Component "upload.localhost" "http_file_share"
  http_host = "127.0.0.1"
  http_file_share_size_limit = 1024 * 1024
`,
      },
    }));
    const dir = (parts.dir = await mkdtemp(join(tmpdir(), tempPrefix)));
    const db = join(dir, "gateway.sqlite");
    const store = openSqliteStore(db);
    store.users.save({ jid: `alice@${server.domain}`, legacyData: {}, registeredAt: Date.now() });
    store.close();
    const running = (parts.running = await runGateway(module, { jid: UPLOAD_GATEWAY, secret: SECRET, server: server.componentUrl, db, logger: { debug() {}, warn() {} } }));
    const alice = (parts.alice = await connectClient({ server, username: "alice", password: "alice-pw" }));
    await alice.xmpp.send(xml("presence"));
    const muc = (parts.muc = new MucService(alice.xmpp, { selfPing: false }));
    return { server, running, alice, muc, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
