/**
 * Files in a gateway room, from the user (transcripts on the mock
 * component): a message sharing a file (XEP-0447, XEP-0066, its body the
 * URL) → `session.onFile(chat, file, options)`, by default `onText` with the
 * URL; the reflection and the archive keep the file's payloads.
 */
import { afterEach, describe, expect, it } from "vitest";
import { BaseSession, type LegacyMUC, type TextOptions } from "../../../src/gateway/index.js";
import type { Attachment } from "../../../src/index.js";
import { GW, RES, USER, TestNetwork, closeStores, join, settle, startGateway } from "./helpers.js";

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
