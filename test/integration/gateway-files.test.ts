/**
 * Files through a gateway room on a real Prosody with its own XEP-0363
 * service (mod_http_file_share): a participant's `sendFile` with bytes is
 * uploaded by the gateway (a component of the same server, which
 * mod_http_file_share lets upload by default) and reaches this SDK's client as an attachment
 * whose URL serves the same bytes; the user's `room.sendFile` reaches the
 * module's `onFile` with a URL that serves what the user uploaded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProsodyServer } from "../../src/testing/prosody.js";
import {
  BaseGateway,
  BaseSession,
  LegacyBookmarks,
  LegacyMUC,
  type LegacyModule,
  type RunningGateway,
  type TextOptions,
} from "../../src/gateway/index.js";
import { MucService, type Attachment, type MessageEvent } from "../../src/index.js";
import { withTimeout } from "../helpers/prosody-clients.js";
import { startUploadGateway, UPLOAD_GATEWAY, type UploadGateway } from "../helpers/upload-gateway.js";

const GW = UPLOAD_GATEWAY;
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
let muc: MucService;
let stack: UploadGateway | undefined;

beforeAll(async () => {
  stack = await startUploadGateway(module(), "gateway-files-");
  ({ server, running, muc } = stack);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
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
