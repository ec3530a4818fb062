/**
 * Stickers from the user (slidge's `on_sticker`): the codec reading XEP-0449
 * stickers and XHTML-IM `cid:` images (XEP-0231); the gateway fetching the
 * image (inline bits of binary, asked of the user's client and cached, or
 * an HTTP URL), checking it against the hashes the message states, and
 * handing it to `onSticker` in rooms and direct chats; a module without
 * `onSticker` getting a file or text instead.
 */
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import { BaseSession, LegacyContact, MAX_STICKER_BYTES, type Chat, type Sticker, type TextOptions } from "../../../src/gateway/index.js";
import type { Attachment } from "../../../src/xso/file-sharing.js";
import { cidHash, stickerOf } from "../../../src/xso/stickers.js";
import { parseElement } from "../../../src/xso/parse.js";
import { GW, RES, USER, TestNetwork, closeStores, errorCondition, join, settle, startDirectChats, startGateway } from "./helpers.js";

const FULL = `${USER}/${RES}`;
const IMAGE = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82]);
const B64 = Buffer.from(IMAGE).toString("base64");
const CID = `sha1+${createHash("sha1").update(IMAGE).digest("hex")}@bob.xmpp.org`;
const SHA256 = createHash("sha256").update(IMAGE).digest("base64");

/** An XHTML-IM message whose only content is the `cid:` image, with its data inline or not. */
function bobSticker(to: string, type: "groupchat" | "chat", id: string, options: { inline?: string; body?: string } = {}): string {
  return (
    `<message from='${FULL}' to='${to}' type='${type}' id='${id}'>` +
    (options.body !== undefined ? `<body>${options.body}</body>` : "") +
    `<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'><p><img src='cid:${CID}' alt='sticker'/></p></body></html>` +
    (options.inline !== undefined ? `<data xmlns='urn:xmpp:bob' cid='${CID}' type='image/png' max-age='86400'>${options.inline}</data>` : "") +
    `</message>`
  );
}

/** An XEP-0449 sticker message (its body the textual fallback). */
function packSticker(to: string, type: "groupchat" | "chat", id: string, url: string, hash = SHA256): string {
  return (
    `<message from='${FULL}' to='${to}' type='${type}' id='${id}'><body>🐱</body>` +
    `<file-sharing xmlns='urn:xmpp:sfs:0'><file xmlns='urn:xmpp:file:metadata:0'><media-type>image/png</media-type><desc>🐱</desc><size>${IMAGE.length}</size>` +
    `<hash xmlns='urn:xmpp:hashes:2' algo='sha-256'>${hash}</hash></file>` +
    `<sources><url-data xmlns='http://jabber.org/protocol/url-data' target='${url}'/></sources></file-sharing>` +
    `<sticker xmlns='urn:xmpp:stickers:0' pack='EpRv28DHHzFrE4zd+xaNpVb4'/></message>`
  );
}

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/cat.png") {
      res.writeHead(200, { "content-type": "image/png" });
      res.end(Buffer.from(IMAGE));
    } else if (req.url === "/huge.png") {
      // No content-length: the gateway must stop reading at its limit.
      res.writeHead(200, { "content-type": "image/png" });
      const chunk = Buffer.alloc(256 * 1024);
      let sent = 0;
      const more = (): void => {
        while (sent < MAX_STICKER_BYTES + 4 * chunk.length) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once("drain", more);
            return;
          }
        }
        res.end();
      };
      res.on("error", () => undefined);
      more();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
afterEach(() => closeStores());

describe("stickerOf and cidHash", () => {
  it("reads an XEP-0449 sticker with its hashes, and a cid: image alone in an XHTML-IM body with its inline data", () => {
    expect(stickerOf(parseElement(packSticker("a@b", "chat", "1", "https://up.example/cat.png")))).toEqual({ kind: "pack", pack: "EpRv28DHHzFrE4zd+xaNpVb4", hashes: { "sha-256": SHA256 } });
    const bob = stickerOf(parseElement(bobSticker("a@b", "chat", "1", { inline: B64 })));
    expect(bob).toMatchObject({ kind: "bob", cid: CID, inline: { cid: CID, type: "image/png", maxAge: 86400, data: B64 } });
    expect(stickerOf(parseElement(bobSticker("a@b", "chat", "1")))).toEqual({ kind: "bob", cid: CID, inline: undefined });
  });

  it("is no sticker: an image with text beside it, two images, an http image, a <sticker/> without file sharing", () => {
    const html = (inner: string) => parseElement(`<message><html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>${inner}</body></html></message>`);
    expect(stickerOf(html(`<p>look <img src='cid:${CID}'/></p>`))).toBeUndefined();
    expect(stickerOf(html(`<p><img src='cid:${CID}'/><img src='cid:${CID}'/></p>`))).toBeUndefined();
    expect(stickerOf(html(`<p><img src='https://example.org/x.png'/></p>`))).toBeUndefined();
    expect(stickerOf(html(`<img src='cid:${CID}'/>`))).toMatchObject({ kind: "bob", cid: CID });
    expect(stickerOf(parseElement(`<message><sticker xmlns='urn:xmpp:stickers:0' pack='p'/></message>`))).toBeUndefined();
  });

  it("cidHash reads algo+hex@bob.xmpp.org and nothing else", () => {
    expect(cidHash("sha1+8F35fef110ffc5df08d579a50083ff9308fb6242@bob.xmpp.org")).toEqual({ algo: "sha1", hex: "8f35fef110ffc5df08d579a50083ff9308fb6242" });
    expect(cidHash("8f35@bob.xmpp.org")).toBeUndefined();
    expect(cidHash("sha1+zz@bob.xmpp.org")).toBeUndefined();
    expect(cidHash("sha1+8f35@example.org")).toBeUndefined();
  });
});

/** A test network whose session takes stickers (or not), recording what it gets. */
function stickerNetwork(takesStickers: boolean): { net: TestNetwork; stickers: Sticker[]; files: Attachment[] } {
  const net = new TestNetwork();
  const stickers: Sticker[] = [];
  const files: Attachment[] = [];
  const module = net.module();
  const Base = module.Session as typeof BaseSession;
  class Files extends Base {
    override async onFile(_chat: Chat, file: Attachment) {
      files.push(file);
      return "legacy-file";
    }
  }
  class Stickers extends Files {
    override async onSticker(_chat: Chat, sticker: Sticker, _options: TextOptions) {
      stickers.push(sticker);
      return `legacy-sticker-${stickers.length}`;
    }
  }
  net.module = () => ({ ...module, Session: takesStickers ? Stickers : Files });
  return { net, stickers, files };
}

describe("the user's stickers in a room", () => {
  it("inline bits of binary reach onSticker with the image, its type and hashes; the reflection keeps the message", async () => {
    const { net, stickers } = stickerNetwork(true);
    const h = await startGateway({ net });
    await join(h, "coffee");
    h.component.receive(bobSticker(`coffee@${GW}`, "groupchat", "s1", { inline: B64 }));
    await settle(h);
    expect(stickers).toHaveLength(1);
    const [s] = stickers as [Sticker];
    expect(Buffer.from(s.data).equals(Buffer.from(IMAGE))).toBe(true);
    expect(s.type).toBe("image/png");
    expect(s.hashes["sha-256"]).toBe(SHA256);
    expect(s.hashes["sha-1"]).toBe(createHash("sha1").update(IMAGE).digest("base64"));
    const reflected = h.component.sent.find((m) => m.attrs.to === FULL && m.attrs.id === "s1" && m.attrs.type === "groupchat");
    expect(reflected?.getChild("html", "http://jabber.org/protocol/xhtml-im")).toBeDefined();
    expect(net.calls.onText).toEqual([]);
  });

  it("one that carries a chat state too (clients add <active/> to what they send) still reaches onSticker", async () => {
    const { net, stickers } = stickerNetwork(true);
    const h = await startGateway({ net });
    await join(h, "coffee");
    h.component.receive(bobSticker(`coffee@${GW}`, "groupchat", "s1", { inline: B64 }).replace("</message>", "<active xmlns='http://jabber.org/protocol/chatstates'/></message>"));
    await settle(h);
    expect(stickers.map((s) => s.type)).toEqual(["image/png"]);
  });

  it("without inline data, the image is asked of the user's client (XEP-0231 §3) once, then cached", async () => {
    const { net, stickers } = stickerNetwork(true);
    const h = await startGateway({ net });
    await join(h, "coffee");
    const ask = h.component.nextSent((m) => m.is("iq") && m.getChild("data", "urn:xmpp:bob") !== undefined);
    h.component.receive(bobSticker(`coffee@${GW}`, "groupchat", "s1"));
    const iq = await ask;
    expect(iq.attrs).toMatchObject({ type: "get", to: FULL, from: GW });
    expect(iq.getChild("data", "urn:xmpp:bob")?.attrs.cid).toBe(CID);
    h.component.receive(`<iq type='result' id='${String(iq.attrs.id)}' from='${FULL}' to='${GW}'><data xmlns='urn:xmpp:bob' cid='${CID}' type='image/png'>${B64}</data></iq>`);
    await settle(h);
    h.component.receive(bobSticker(`coffee@${GW}`, "groupchat", "s2"));
    await settle(h);
    expect(stickers.map((s) => s.type)).toEqual(["image/png", "image/png"]);
    expect(h.component.sent.filter((m) => m.is("iq") && m.getChild("data", "urn:xmpp:bob"))).toHaveLength(1);
  });

  it("an image that does not match its cid, or that the client will not give, is refused; nothing reaches the hook", async () => {
    const { net, stickers } = stickerNetwork(true);
    const h = await startGateway({ net });
    await join(h, "coffee");
    const forged = h.component.nextSent((m) => m.attrs.id === "s1" && m.attrs.type === "error");
    h.component.receive(bobSticker(`coffee@${GW}`, "groupchat", "s1", { inline: Buffer.from("not the image").toString("base64") }));
    expect(errorCondition(await forged)).toBe("not-acceptable");
    const ask = h.component.nextSent((m) => m.is("iq") && m.getChild("data", "urn:xmpp:bob") !== undefined);
    const missing = h.component.nextSent((m) => m.attrs.id === "s2" && m.attrs.type === "error");
    h.component.receive(bobSticker(`coffee@${GW}`, "groupchat", "s2"));
    const iq = await ask;
    h.component.receive(`<iq type='error' id='${String(iq.attrs.id)}' from='${FULL}' to='${GW}'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`);
    expect(errorCondition(await missing)).toBe("item-not-found");
    expect(stickers).toEqual([]);
  });

  it("hostile images: past the size limit, a cid of an unknown hash or of no hash form, garbage base64 — each refused, and the room goes on", async () => {
    const { net, stickers } = stickerNetwork(true);
    const h = await startGateway({ net });
    await join(h, "coffee");
    const huge = Buffer.alloc(MAX_STICKER_BYTES + 1, 7);
    const hugeCid = `sha1+${createHash("sha1").update(huge).digest("hex")}@bob.xmpp.org`;
    const stanzas: [string, string][] = [
      ["h1", bobSticker(`coffee@${GW}`, "groupchat", "h1", { inline: huge.toString("base64") }).replaceAll(CID, hugeCid)],
      ["h2", bobSticker(`coffee@${GW}`, "groupchat", "h2", { inline: B64 }).replaceAll(CID, `md5+${createHash("md5").update(IMAGE).digest("hex")}@bob.xmpp.org`)],
      ["h3", bobSticker(`coffee@${GW}`, "groupchat", "h3", { inline: B64 }).replaceAll(CID, "just-a-name")],
      ["h4", bobSticker(`coffee@${GW}`, "groupchat", "h4", { inline: "%%%not base64%%%" })],
    ];
    for (const [id, stanza] of stanzas) {
      const refused = h.component.nextSent((m) => m.attrs.id === id && m.attrs.type === "error");
      h.component.receive(stanza);
      expect(errorCondition(await refused)).toBe("not-acceptable");
    }
    expect(stickers).toEqual([]);
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='t1'><body>still here</body></message>`);
    await settle(h);
    expect(net.calls.onText.map((c) => c.text)).toEqual(["still here"]);
  });

  it("a module without onSticker: an XEP-0449 sticker is a file, a cid: image goes as its text, or is refused without one", async () => {
    const { net, files } = stickerNetwork(false);
    const h = await startGateway({ net });
    await join(h, "coffee");
    h.component.receive(packSticker(`coffee@${GW}`, "groupchat", "p1", `${base}/cat.png`));
    h.component.receive(bobSticker(`coffee@${GW}`, "groupchat", "b1", { inline: B64, body: "[sticker]" }));
    const refused = h.component.nextSent((m) => m.attrs.id === "b2" && m.attrs.type === "error");
    h.component.receive(bobSticker(`coffee@${GW}`, "groupchat", "b2", { inline: B64 }));
    expect(errorCondition(await refused)).toBe("feature-not-implemented");
    await settle(h);
    expect(files.map((f) => [f.url, f.type])).toEqual([[`${base}/cat.png`, "image/png"]]);
    expect(net.calls.onText.map((c) => c.text)).toEqual(["[sticker]"]);
  });
});

describe("the user's stickers in a direct chat", () => {
  async function start() {
    const stickers: Sticker[] = [];
    class Session extends BaseSession {
      override async onText() {
        return "legacy-text";
      }
      override async onSticker(chat: Chat, sticker: Sticker) {
        stickers.push(sticker);
        expect(chat).toBeInstanceOf(LegacyContact);
        return "legacy-sticker";
      }
    }
    const { component, session } = await startDirectChats({ Session });
    return { component, stickers, session };
  }

  it("an XEP-0449 sticker is fetched from its URL and checked against its hash: onSticker gets the image, pack, URL and fallback", async () => {
    const h = await start();
    h.component.receive(packSticker(`bob@${GW}`, "chat", "p1", `${base}/cat.png`));
    await vi.waitFor(() => expect(h.stickers).toHaveLength(1));
    expect(h.stickers[0]).toMatchObject({ type: "image/png", pack: "EpRv28DHHzFrE4zd+xaNpVb4", url: `${base}/cat.png`, description: "🐱" });
    expect(Buffer.from(h.stickers[0]?.data ?? []).equals(Buffer.from(IMAGE))).toBe(true);
    const bob = await h.session.contacts.byLegacyId("bob");
    expect(bob.legacyIdOf("p1")).toBe("legacy-sticker");
  });

  it("a wrong hash is not-acceptable; an image past the size limit is not-acceptable (reading stops); a missing one is item-not-found", async () => {
    const h = await start();
    const cases: [string, string, string][] = [
      ["p1", `${base}/cat.png`, "not-acceptable"],
      ["p2", `${base}/huge.png`, "not-acceptable"],
      ["p3", `${base}/gone.png`, "item-not-found"],
    ];
    for (const [id, url, condition] of cases) {
      const refused = h.component.nextSent((m: Element) => m.attrs.id === id && m.attrs.type === "error");
      h.component.receive(packSticker(`bob@${GW}`, "chat", id, url, id === "p1" ? Buffer.alloc(32).toString("base64") : SHA256));
      expect(errorCondition(await refused)).toBe(condition);
    }
    expect(h.stickers).toEqual([]);
  });
});
