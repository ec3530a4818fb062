/**
 * `getAvatar`: the vCard of an occupant (XEP-0153 §3.3, XEP-0054), asked at
 * its occupant JID; inline photos, photos by URL, none, and answers that are
 * errors or malformed.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { DecodeError, MucService, MucStateError, XMPPError, getAvatar } from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";

const ROOM = "coven@chat.shakespeare.lit";
const ME = "crone1@shakespeare.lit/desktop";
const isIq = (s: Element): boolean => s.is("iq");
// A 1×1 GIF, wrapped as vCards wrap base64.
const GIF_BASE64 = "R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==";
const GIF_WRAPPED = `${GIF_BASE64.slice(0, 20)}\n  ${GIF_BASE64.slice(20)}`;

let muc: MucService | undefined;
afterEach(() => {
  muc?.close();
  muc = undefined;
});

function service(): MockConnection {
  const conn = new MockConnection({ jid: ME });
  muc = new MucService(conn, { selfPing: false });
  return conn;
}

describe("getAvatar", () => {
  it("asks the occupant JID for its vCard and decodes an inline photo", async () => {
    const conn = service();
    const pending = getAvatar(muc as MucService, `${ROOM}/thirdwitch`);
    const iq = await conn.nextSent(isIq, 1_000);
    expect(iq.attrs).toMatchObject({ type: "get", to: `${ROOM}/thirdwitch` });
    expect(iq.getChild("vCard", "vcard-temp")).toBeDefined();
    conn.replyResult(iq, `<vCard xmlns='vcard-temp'><PHOTO><TYPE>image/gif</TYPE><BINVAL>${GIF_WRAPPED}</BINVAL></PHOTO></vCard>`);
    const avatar = await pending;
    expect(avatar?.kind).toBe("inline");
    if (avatar?.kind !== "inline") return;
    expect(avatar.type).toBe("image/gif");
    expect(Buffer.from(avatar.data).toString("base64")).toBe(GIF_BASE64);
  });

  it("a photo by URL; a vCard without a photo is undefined", async () => {
    const conn = service();
    let pending = getAvatar(muc as MucService, `${ROOM}/thirdwitch`);
    conn.replyResult(await conn.nextSent(isIq, 1_000), `<vCard xmlns='vcard-temp'><PHOTO><EXTVAL> https://example.org/a.png </EXTVAL></PHOTO></vCard>`);
    expect(await pending).toEqual({ kind: "url", url: "https://example.org/a.png" });
    pending = getAvatar(muc as MucService, `${ROOM}/thirdwitch`);
    conn.replyResult(await conn.nextSent(isIq, 1_000), `<vCard xmlns='vcard-temp'><FN>Hag</FN></vCard>`);
    expect(await pending).toBeUndefined();
  });

  it("errors: the room's error, an answer without a vCard, a photo that is not base64, an invalid JID", async () => {
    const conn = service();
    let pending = getAvatar(muc as MucService, `${ROOM}/thirdwitch`);
    conn.replyError(await conn.nextSent(isIq, 1_000), "service-unavailable");
    await expect(pending).rejects.toBeInstanceOf(XMPPError);
    pending = getAvatar(muc as MucService, `${ROOM}/thirdwitch`);
    conn.replyResult(await conn.nextSent(isIq, 1_000));
    await expect(pending).rejects.toBeInstanceOf(DecodeError);
    pending = getAvatar(muc as MucService, `${ROOM}/thirdwitch`);
    conn.replyResult(await conn.nextSent(isIq, 1_000), `<vCard xmlns='vcard-temp'><PHOTO><BINVAL>not*base64!</BINVAL></PHOTO></vCard>`);
    await expect(pending).rejects.toBeInstanceOf(DecodeError);
    await expect(getAvatar(muc as MucService, "not a jid@@")).rejects.toBeInstanceOf(MucStateError);
  });

  it("a photo with padding where base64 has none ('AB=', 'A=') rejects with DecodeError, not atob's DOMException", async () => {
    const conn = service();
    for (const binval of ["AB=", "A="]) {
      const pending = getAvatar(muc as MucService, `${ROOM}/thirdwitch`);
      conn.replyResult(await conn.nextSent(isIq, 1_000), `<vCard xmlns='vcard-temp'><PHOTO><TYPE>image/png</TYPE><BINVAL>${binval}</BINVAL></PHOTO></vCard>`);
      await expect(pending).rejects.toBeInstanceOf(DecodeError);
    }
  });
});
