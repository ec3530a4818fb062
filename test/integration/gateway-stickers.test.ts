/**
 * The user's stickers through a gateway room on a real Prosody: an XEP-0449
 * sticker whose image the user uploaded to Prosody's own XEP-0363 service
 * (mod_http_file_share), fetched by the gateway from that URL and checked
 * against its hash; and an XEP-0231 `cid:` image whose data the gateway asks
 * of the user's client with an IQ routed by Prosody to the client's full
 * JID. Both reach the module's `onSticker` with the image's bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { BaseGateway, BaseSession, LegacyBookmarks, LegacyMUC, type Chat, type LegacyModule, type Sticker } from "../../src/gateway/index.js";
import { MucService, uploadFile } from "../../src/index.js";
import { withTimeout, type TestClient } from "../helpers/prosody-clients.js";
import { startUploadGateway, UPLOAD_GATEWAY, type UploadGateway } from "../helpers/upload-gateway.js";

const GW = UPLOAD_GATEWAY;
const NS_BOB = "urn:xmpp:bob";
const IMAGE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 1, 2, 3]);
const CID = `sha1+${createHash("sha1").update(IMAGE).digest("hex")}@bob.xmpp.org`;

const stickers: Sticker[] = [];
let stickerArrived: (() => void) | undefined;

function module(): LegacyModule {
  class Gateway extends BaseGateway {
    override componentName = "Sticker network";
  }
  class Session extends BaseSession {
    override async login() {
      return "Connected";
    }
    override async onText() {
      return "legacy-text";
    }
    override async onSticker(_chat: Chat, sticker: Sticker) {
      stickers.push(sticker);
      stickerArrived?.();
      return `legacy-sticker-${stickers.length}`;
    }
  }
  class Bookmarks extends LegacyBookmarks {
    override async fill() {
      await this.byLegacyId("lounge");
    }
  }
  class Room extends LegacyMUC {
    override async updateInfo() {
      this.name = "Lounge";
    }
    override async *fillParticipants() {
      yield await this.getParticipant("Bob", { legacyId: "u-bob" });
    }
  }
  return { Gateway, Session, Bookmarks, MUC: Room };
}

let alice: TestClient;
let muc: MucService;
let stack: UploadGateway | undefined;

beforeAll(async () => {
  stack = await startUploadGateway(module(), "gateway-stickers-");
  ({ alice, muc } = stack);
  await muc.join(`lounge@${GW}`, "alice").joined;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** Resolves when the module's `onSticker` has been called once more. */
function nextSticker(): Promise<Sticker> {
  const before = stickers.length;
  return withTimeout(
    new Promise<Sticker>((resolve) => {
      stickerArrived = () => {
        if (stickers.length > before) resolve(stickers[before] as Sticker);
      };
    }),
    10_000,
    "onSticker",
  );
}

describe("the user's stickers through Prosody", () => {
  it("an XEP-0449 sticker uploaded to Prosody's upload service: the gateway fetches the image and checks its hash", async () => {
    const { url } = await uploadFile(muc, { data: IMAGE, name: "cat.png", type: "image/png" });
    const got = nextSticker();
    await alice.xmpp.send(
      xml(
        "message",
        { to: `lounge@${GW}`, type: "groupchat", id: "sticker-1" },
        xml("body", {}, "🐱"),
        xml(
          "file-sharing",
          { xmlns: "urn:xmpp:sfs:0" },
          xml(
            "file",
            { xmlns: "urn:xmpp:file:metadata:0" },
            xml("media-type", {}, "image/png"),
            xml("desc", {}, "🐱"),
            xml("size", {}, String(IMAGE.length)),
            xml("hash", { xmlns: "urn:xmpp:hashes:2", algo: "sha-256" }, createHash("sha256").update(IMAGE).digest("base64")),
          ),
          xml("sources", {}, xml("url-data", { xmlns: "http://jabber.org/protocol/url-data", target: url })),
        ),
        xml("sticker", { xmlns: "urn:xmpp:stickers:0", pack: "cats" }),
      ),
    );
    const sticker = await got;
    expect([...sticker.data]).toEqual([...IMAGE]);
    expect(sticker).toMatchObject({ type: "image/png", pack: "cats", url, description: "🐱" });
  });

  it("a cid: image without its data: the gateway asks the user's client for it (XEP-0231), through Prosody, and checks the cid", async () => {
    const asked: string[] = [];
    alice.xmpp.iqCallee.get(NS_BOB, "data", (ctx: { stanza: Element; element: Element }) => {
      asked.push(String(ctx.stanza.attrs.from));
      return xml("data", { xmlns: NS_BOB, cid: String(ctx.element.attrs.cid), type: "image/png" }, Buffer.from(IMAGE).toString("base64"));
    });
    const got = nextSticker();
    await alice.xmpp.send(
      xml(
        "message",
        { to: `lounge@${GW}`, type: "groupchat", id: "sticker-2" },
        xml("html", { xmlns: "http://jabber.org/protocol/xhtml-im" }, xml("body", { xmlns: "http://www.w3.org/1999/xhtml" }, xml("p", {}, xml("img", { src: `cid:${CID}`, alt: "sticker" })))),
      ),
    );
    const sticker = await got;
    expect([...sticker.data]).toEqual([...IMAGE]);
    expect(sticker.type).toBe("image/png");
    expect(asked).toEqual([GW]);
  });
});
