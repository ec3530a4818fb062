/**
 * Files in rooms: `uploadFile` / `room.sendFile` (XEP-0363 slot, an HTTP PUT
 * to a real local HTTP server, then the message with XEP-0066 and XEP-0447
 * payloads), and the `attachments` of incoming messages.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { UploadError, XMPPError, isUploadError, uploadFile, type MessageEvent } from "../../../src/index.js";
import { CAST, ROOM, enterAs, setup, type Harness } from "./room-presence-helpers.js";

const ME = CAST.firstwitch.jid;
const UPLOAD = "upload.shakespeare.lit";
const isIq = (s: Element): boolean => s.is("iq");

let h: Harness | undefined;
let server: Server;
let base = "";
const puts: { url: string; headers: IncomingMessage["headers"]; body: Buffer }[] = [];
let status = 201;

beforeEach(async () => {
  puts.length = 0;
  status = 201;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      puts.push({ url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  h?.muc.close();
  h = undefined;
  await new Promise((r) => server.close(r));
});

/** Answer the discovery: the server lists one item, which is the upload service. */
async function answerDiscovery(harness: Harness): Promise<void> {
  const items = await harness.conn.nextSent(isIq, 1_000);
  expect(items.attrs.to).toBe("shakespeare.lit");
  harness.conn.replyResult(items, `<query xmlns='http://jabber.org/protocol/disco#items'><item jid='${UPLOAD}'/></query>`);
  const serverInfo = await harness.conn.nextSent(isIq, 1_000);
  harness.conn.replyResult(serverInfo, `<query xmlns='http://jabber.org/protocol/disco#info'><feature var='http://jabber.org/protocol/disco#info'/></query>`);
  const uploadInfo = await harness.conn.nextSent(isIq, 1_000);
  expect(uploadInfo.attrs.to).toBe(UPLOAD);
  harness.conn.replyResult(uploadInfo, `<query xmlns='http://jabber.org/protocol/disco#info'><identity category='store' type='file'/><feature var='urn:xmpp:http:upload:0'/></query>`);
}

/** Answer a slot request with a slot on the local server. */
async function answerSlot(harness: Harness, name: string): Promise<Element> {
  const request = await harness.conn.nextSent((s) => isIq(s) && s.getChild("request", "urn:xmpp:http:upload:0") !== undefined, 1_000);
  harness.conn.replyResult(
    request,
    `<slot xmlns='urn:xmpp:http:upload:0'><put url='${base}/put/${name}'><header name='Authorization'>Basic secret</header><header name='X-Evil'>no</header></put><get url='${base}/get/${name}'/></slot>`,
  );
  return request;
}

describe("room.sendFile", () => {
  it("finds the upload service, gets a slot, PUTs the bytes with the slot's allowed headers, then shares the URL", async () => {
    h = setup(ME);
    const { room } = await enterAs(h, "firstwitch");
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    const sending = room.sendFile({ data: bytes, name: "cat.png", type: "image/png" }, { description: "My cat" });
    await answerDiscovery(h);
    const request = await answerSlot(h, "cat.png");
    expect(request.attrs.to).toBe(UPLOAD);
    expect(request.getChild("request", "urn:xmpp:http:upload:0")?.attrs).toMatchObject({ filename: "cat.png", size: "5", "content-type": "image/png" });
    const { attachment, stanza } = await sending;
    expect(puts).toHaveLength(1);
    expect(puts[0]?.url).toBe("/put/cat.png");
    expect(puts[0]?.headers.authorization).toBe("Basic secret");
    expect(puts[0]?.headers["x-evil"]).toBeUndefined();
    expect(puts[0]?.headers["content-type"]).toBe("image/png");
    expect([...(puts[0]?.body ?? [])]).toEqual([1, 2, 3, 4, 5]);
    expect(attachment).toEqual({ url: `${base}/get/cat.png`, name: "cat.png", type: "image/png", size: 5, description: "My cat" });
    expect(stanza.getChildText("body")).toBe(`${base}/get/cat.png`);
    expect(stanza.getChild("x", "jabber:x:oob")?.getChildText("url")).toBe(`${base}/get/cat.png`);
    const sfs = stanza.getChild("file-sharing", "urn:xmpp:sfs:0");
    expect(sfs?.attrs.disposition).toBe("inline");
    expect(sfs?.getChild("file", "urn:xmpp:file:metadata:0")?.getChildText("size")).toBe("5");
  });

  it("the service is found once per connection; a refused PUT is UploadError with the status; a refused slot is the service's XMPPError", async () => {
    h = setup(ME);
    const first = uploadFile(h.muc, { data: new Uint8Array([9]), name: "a.bin" });
    await answerDiscovery(h);
    await answerSlot(h, "a.bin");
    expect((await first).type).toBe("application/octet-stream");
    status = 403;
    const second = uploadFile(h.muc, { data: new Uint8Array([9]), name: "b.bin" });
    await answerSlot(h, "b.bin"); // no discovery this time
    await expect(second).rejects.toMatchObject({ name: "UploadError", status: 403 });
    await expect(second).rejects.toBeInstanceOf(UploadError);
    expect(isUploadError(await second.catch((e: unknown) => e))).toBe(true);
    expect(isUploadError(new Error("other"))).toBe(false);
    const third = uploadFile(h.muc, { data: new Uint8Array(10), name: "big.bin" });
    const request = await h.conn.nextSent((s) => isIq(s) && s.getChild("request", "urn:xmpp:http:upload:0") !== undefined, 1_000);
    h.conn.replyError(request, "not-acceptable", { text: "File too large" });
    await expect(third).rejects.toBeInstanceOf(XMPPError);
  });

  it("no upload service on the server: MucStateError; a file without a name: MucStateError before anything is sent", async () => {
    h = setup(ME);
    await expect(uploadFile(h.muc, { data: new Uint8Array(1), name: "" })).rejects.toMatchObject({ name: "MucStateError" });
    const pending = uploadFile(h.muc, { data: new Uint8Array(1), name: "x" });
    const items = await h.conn.nextSent(isIq, 1_000);
    h.conn.replyResult(items, `<query xmlns='http://jabber.org/protocol/disco#items'/>`);
    const info = await h.conn.nextSent(isIq, 1_000);
    h.conn.replyResult(info, `<query xmlns='http://jabber.org/protocol/disco#info'/>`);
    await expect(pending).rejects.toMatchObject({ name: "MucStateError" });
  });
});

describe("hostile slots and shared discovery", () => {
  it("a slot whose PUT or GET URL is not an absolute http(s) URL rejects with DecodeError; nothing is PUT or shared", async () => {
    h = setup(ME);
    const { room } = await enterAs(h, "firstwitch");
    for (const [put, get] of [
      ["/put/cat.png", `${base}/get/cat.png`], // relative PUT URL (new URL() throws)
      ["https://", `${base}/get/cat.png`], // unparsable
      [`${base}/put/cat.png`, "javascript:alert(1)"], // a GET URL receivers would skip
      [`${base}/put/cat.png`, "/get/cat.png"],
    ]) {
      const sending = room.sendFile({ data: new Uint8Array([1]), name: "cat.png" }, { service: UPLOAD });
      const request = await h.conn.nextSent(isIq, 1_000);
      h.conn.replyResult(request, `<slot xmlns='urn:xmpp:http:upload:0'><put url='${put}'/><get url='${get}'/></slot>`);
      await expect(sending).rejects.toMatchObject({ name: "DecodeError" });
    }
    expect(puts).toHaveLength(0);
    expect(h.conn.takeSent().filter((s) => s.is("message"))).toHaveLength(0);
  });

  it("an upload aborted during discovery rejects with AbortError; another upload waiting for the same discovery still completes", async () => {
    h = setup(ME);
    const controller = new AbortController();
    const aborted = uploadFile(h.muc, { data: new Uint8Array([1]), name: "a.bin" }, { signal: controller.signal });
    const other = uploadFile(h.muc, { data: new Uint8Array([2]), name: "b.bin" });
    const items = await h.conn.nextSent(isIq, 1_000);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
    h.conn.replyResult(items, `<query xmlns='http://jabber.org/protocol/disco#items'><item jid='${UPLOAD}'/></query>`);
    const serverInfo = await h.conn.nextSent(isIq, 1_000);
    h.conn.replyResult(serverInfo, `<query xmlns='http://jabber.org/protocol/disco#info'/>`);
    const uploadInfo = await h.conn.nextSent(isIq, 1_000);
    h.conn.replyResult(uploadInfo, `<query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:http:upload:0'/></query>`);
    await answerSlot(h, "b.bin");
    expect((await other).url).toBe(`${base}/get/b.bin`);
    expect(puts.map((p) => p.url)).toEqual(["/put/b.bin"]);
  });
});

describe("incoming files: MessageEvent.attachments", () => {
  it("XEP-0447 with metadata first, then XEP-0066 URLs not already listed; non-http URLs and malformed entries skipped", async () => {
    h = setup(ME);
    const { room } = await enterAs(h, "firstwitch");
    const got = new Promise<MessageEvent>((resolve) => room.once("message", resolve));
    h.conn.receive(`<message from='${ROOM}/secondwitch' to='${ME}' type='groupchat' id='f1'><body>https://files.example/cat.jpg</body>
      <file-sharing xmlns='urn:xmpp:sfs:0' disposition='inline'><file xmlns='urn:xmpp:file:metadata:0'><media-type>image/jpeg</media-type><name>cat.jpg</name><size>3062</size></file>
        <sources><url-data xmlns='http://jabber.org/protocol/url-data' target='https://files.example/cat.jpg'/></sources></file-sharing>
      <x xmlns='jabber:x:oob'><url>https://files.example/cat.jpg</url></x>
      <x xmlns='jabber:x:oob'><url>https://files.example/notes.txt</url><desc>Notes</desc></x>
      <x xmlns='jabber:x:oob'><url>javascript:alert(1)</url></x>
      <file-sharing xmlns='urn:xmpp:sfs:0'><sources/></file-sharing></message>`);
    const { attachments } = await got;
    expect(attachments).toEqual([
      { url: "https://files.example/cat.jpg", name: "cat.jpg", type: "image/jpeg", size: 3062, description: undefined },
      { url: "https://files.example/notes.txt", description: "Notes" },
    ]);
  });
});
