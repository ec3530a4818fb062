/**
 * Files in a gateway room, from the user (transcripts on the mock
 * component): a message sharing a file (XEP-0447, XEP-0066, its body the
 * URL) → `session.onFile(chat, file, options)`, by default `onText` with the
 * URL; the reflection and the archive keep the file's payloads.
 */
import { afterEach, describe, expect, it } from "vitest";
import { BaseSession, type LegacyMUC, type TextOptions } from "../../../src/gateway/index.js";
import type { Attachment } from "../../../src/index.js";
import { createServer } from "node:http";
import type { Element } from "@xmpp/xml";
import { GW, RES, USER, TestNetwork, closeStores, join, room, settle, startGateway } from "./helpers.js";

const FULL = `${USER}/${RES}`;
const URL_ = "https://upload.example/abc/cat.png";
const FILE_MESSAGE = (id: string): string =>
  `<message from='${FULL}' to='coffee@${GW}' type='groupchat' id='${id}'><body>${URL_}</body>` +
  `<x xmlns='jabber:x:oob'><url>${URL_}</url></x>` +
  `<file-sharing xmlns='urn:xmpp:sfs:0' disposition='inline'><file xmlns='urn:xmpp:file:metadata:0'><media-type>image/png</media-type><name>cat.png</name><size>1234</size></file>` +
  `<sources><url-data xmlns='http://jabber.org/protocol/url-data' target='${URL_}'/></sources></file-sharing></message>`;

afterEach(() => closeStores());

describe("the user's files", () => {
  it("reach onFile with the file's URL, name, type and size; the reflection and the archive keep the payloads", async () => {
    const net = new TestNetwork();
    const files: Attachment[] = [];
    const module = net.module();
    const Base = module.Session as typeof BaseSession;
    class FileSession extends Base {
      override async onFile(_chat: LegacyMUC, file: Attachment, _options: TextOptions) {
        files.push(file);
        return "legacy-file-1";
      }
    }
    net.module = () => ({ ...module, Session: FileSession });
    const h = await startGateway({ net });
    await join(h, "coffee");
    h.component.receive(FILE_MESSAGE("f1"));
    await settle(h);
    expect(files).toEqual([{ url: URL_, name: "cat.png", type: "image/png", size: 1234, description: undefined }]);
    expect(net.calls.onText).toEqual([]);
    const reflected = h.component.sent.find((s) => s.attrs.id === "f1" && s.attrs.to === FULL);
    expect(reflected?.getChild("x", "jabber:x:oob")?.getChildText("url")).toBe(URL_);
    expect(reflected?.getChild("file-sharing", "urn:xmpp:sfs:0")).toBeDefined();
    const archived = h.store.archive.query(USER, "coffee").find((e) => e.body === URL_);
    expect(archived?.legacyId).toBe("legacy-file-1");
    expect(archived?.xml).toContain("urn:xmpp:sfs:0");
  });

  it("a module without onFile gets the URL as text", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    h.component.receive(FILE_MESSAGE("f2"));
    await settle(h);
    expect(h.net.calls.onText.map((c) => c.text)).toEqual([URL_]);
  });
});

describe("a participant's files", () => {
  it("sendFile({ url, … }): the URL as body, XEP-0066 and XEP-0447 payloads, archived", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const p = (await room(h, "coffee")).getParticipantByNick("Bob");
    if (!p) throw new Error("no Bob");
    await p.sendFile({ url: URL_, name: "cat.png", type: "image/png", size: 1234 }, "L-f1");
    const m = h.component.sent.find((s) => s.is("message") && s.getChildText("body") === URL_ && s.attrs.to === FULL);
    expect(m?.attrs.from).toBe(`coffee@${GW}/Bob`);
    expect(m?.getChild("x", "jabber:x:oob")?.getChildText("url")).toBe(URL_);
    expect(m?.getChild("file-sharing", "urn:xmpp:sfs:0")?.getChild("file", "urn:xmpp:file:metadata:0")?.getChildText("name")).toBe("cat.png");
    expect(h.store.archive.query(USER, "coffee").find((e) => e.legacyId === "L-f1")?.xml).toContain("jabber:x:oob");
  });

  it("sendFile({ url }) with a URL that is not http(s) rejects with TypeError; nothing is sent or archived", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const p = (await room(h, "coffee")).getParticipantByNick("Bob");
    if (!p) throw new Error("no Bob");
    const start = h.component.sent.length;
    for (const url of ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi", "/relative/cat.png", ""]) {
      await expect(p.sendFile({ url, name: "cat.png" }, `L-bad-${url}`), url).rejects.toThrow(TypeError);
    }
    await settle(h);
    expect(h.component.sent.slice(start).filter((s) => s.is("message"))).toEqual([]);
    expect(h.store.archive.query(USER, "coffee").filter((e) => e.legacyId?.startsWith("L-bad-"))).toEqual([]);
    await p.sendFile({ url: "http://upload.example/dog.png" }, "L-ok");
    expect(h.store.archive.query(USER, "coffee").find((e) => e.legacyId === "L-ok")?.body).toBe("http://upload.example/dog.png");
  });

  it("sendFile({ data, … }): uploaded through the server's XEP-0363 service as the gateway (found by discovery), then shared", async () => {
    const puts: Buffer[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        puts.push(Buffer.concat(chunks));
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const h = await startGateway();
      await join(h, "coffee");
      const p = (await room(h, "coffee")).getParticipantByNick("Bob");
      if (!p) throw new Error("no Bob");
      const sending = p.sendFile({ data: new Uint8Array([7, 7, 7]), name: "x.bin", type: "application/octet-stream" }, "L-f2");
      const isIqTo = (to: string) => (s: Element) => s.is("iq") && s.attrs.to === to;
      const reply = (iq: Element, payload: string) =>
        h.component.receive(`<iq type='result' id='${String(iq.attrs.id)}' from='${String(iq.attrs.to)}' to='${GW}'>${payload}</iq>`);
      const items = await h.component.nextSent(isIqTo("localhost"));
      expect(items.attrs.from).toBe(GW);
      reply(items, `<query xmlns='http://jabber.org/protocol/disco#items'><item jid='upload.localhost'/></query>`);
      reply(await h.component.nextSent((s) => isIqTo("localhost")(s) && s !== items), `<query xmlns='http://jabber.org/protocol/disco#info'/>`);
      reply(await h.component.nextSent(isIqTo("upload.localhost")), `<query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:http:upload:0'/></query>`);
      const slot = await h.component.nextSent((s) => isIqTo("upload.localhost")(s) && s.getChild("request", "urn:xmpp:http:upload:0") !== undefined);
      reply(slot, `<slot xmlns='urn:xmpp:http:upload:0'><put url='${base}/put/x.bin'/><get url='${base}/get/x.bin'/></slot>`);
      await sending;
      expect(puts.map((b) => [...b])).toEqual([[7, 7, 7]]);
      const m = h.component.sent.find((s) => s.is("message") && s.getChildText("body") === `${base}/get/x.bin` && s.attrs.to === FULL);
      expect(m?.getChild("file-sharing", "urn:xmpp:sfs:0")).toBeDefined();
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
