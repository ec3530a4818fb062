/**
 * Room avatars (XEP-0486): a legacy room's avatar served in the room's vCard,
 * its hash in the room's muc#roominfo, a status 104 to joined resources when
 * it changes, kept across restarts; and the user publishing one with a vCard.
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { discoInfoQuery } from "../../../src/xso/disco.js";
import { roomInfoSchema } from "../../../src/xso/muc-forms.js";
import { XMPPError } from "../../../src/xso/stanza-error.js";
import { closeStores, errorCondition, GW, join, NS_DISCO_INFO, RES, request, room, settle, startGateway, statusCodes, TestNetwork, USER, type Harness } from "./helpers.js";

afterEach(closeStores);

const ROOM = `coffee@${GW}`;
const TO = `${USER}/${RES}`;
/** The SVG of XEP-0486's example, base64 as there. */
const SVG_B64 =
  "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSIzMiIgaGVpZ2h0PSIzMiI+CiA8cmVjdCB4PSIwIiB5PSIwIiB3aWR0aD0iMzIiIGhlaWdodD0iMzIiIGZpbGw9InJlZCIvPgo8L3N2Zz4K";
const SVG = new Uint8Array(Buffer.from(SVG_B64, "base64"));
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);

async function vcardOf(h: Harness): Promise<Element> {
  const reply = await request(h, `<iq type='get' id='vc-${Math.random()}' from='${TO}' to='${ROOM}'><vCard xmlns='vcard-temp'/></iq>`);
  expect(reply.attrs.type).toBe("result");
  return reply.getChild("vCard", "vcard-temp")!;
}

async function info(h: Harness) {
  const reply = await request(h, `<iq type='get' id='di-${Math.random()}' from='${TO}' to='${ROOM}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
  const query = discoInfoQuery.decode(reply.getChild("query", NS_DISCO_INFO)!);
  return { features: query.features, roomInfo: roomInfoSchema.parse(query.forms[0]!) };
}

function is104(s: Element): boolean {
  return s.is("message") && s.attrs.from === ROOM && statusCodes(s).includes(104);
}

describe("a legacy room's avatar", () => {
  it("is served in the room's vCard, hashed in its room info, and announced with status 104; removing it likewise", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const muc = await room(h, "coffee");
    expect((await info(h)).features).toContain("vcard-temp");
    expect((await info(h)).roomInfo.avatarHashes).toBeUndefined();
    expect((await vcardOf(h)).getChild("PHOTO")).toBeUndefined();

    await muc.setAvatar({ data: PNG, type: "image/png" });
    const notice = await h.component.nextSent(is104);
    expect(notice.attrs.to).toBe(TO);
    const photo = (await vcardOf(h)).getChild("PHOTO")!;
    expect(photo.getChildText("TYPE")).toBe("image/png");
    expect(new Uint8Array(Buffer.from(photo.getChildText("BINVAL")!, "base64"))).toEqual(PNG);
    expect((await info(h)).roomInfo.avatarHashes).toEqual([createHash("sha1").update(PNG).digest("hex")]);

    // The same image again changes nothing: no second notice.
    const before = h.component.sent.filter(is104).length;
    await muc.setAvatar({ data: new Uint8Array(PNG), type: "image/png" });
    await settle(h);
    expect(h.component.sent.filter(is104).length).toBe(before);

    await muc.setAvatar(undefined);
    expect(h.component.sent.filter(is104).length).toBe(before + 1);
    expect((await vcardOf(h)).getChild("PHOTO")).toBeUndefined();
    expect((await info(h)).roomInfo.avatarHashes).toBeUndefined();
  });

  it("is kept in the store", async () => {
    const h = await startGateway();
    const muc = await room(h, "coffee");
    await muc.setAvatar({ data: PNG, type: "image/png" });
    const record = h.store.rooms.get(USER, "coffee");
    expect(record?.avatar?.type).toBe("image/png");
    expect(record?.avatar?.data).toEqual(PNG);
  });
});

describe("the user publishing a room avatar", () => {
  const publish = (vcard: string) => `<iq type='set' id='pub-${Math.random()}' from='${TO}' to='${ROOM}'>${vcard}</iq>`;

  it("XEP-0486 'Owner’s client publishes avatar to the room': onAvatar gets the image; the room shows it", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const reply = await request(
      h,
      publish(`<vCard xmlns='vcard-temp'>
    <PHOTO>
      <TYPE>image/svg+xml</TYPE>
      <BINVAL>${SVG_B64}</BINVAL>
    </PHOTO>
  </vCard>`),
    );
    expect(reply.attrs.type).toBe("result");
    expect(h.net.calls.onAvatar).toEqual([{ room: "coffee", avatar: { data: SVG, type: "image/svg+xml" } }]);
    expect(h.component.sent.some(is104)).toBe(true);
    expect((await vcardOf(h)).getChild("PHOTO")?.getChildText("TYPE")).toBe("image/svg+xml");
  });

  it("as slidge's on_avatar: a hook that returns no legacy id leaves the showing to the module's setAvatar, when the network confirms", async () => {
    const net = new TestNetwork();
    net.avatarIdOnSet = false;
    const h = await startGateway({ net });
    await join(h, "coffee");
    const start = h.component.sent.length;
    const reply = await request(h, publish(`<vCard xmlns='vcard-temp'><PHOTO><TYPE>image/png</TYPE><BINVAL>${Buffer.from(PNG).toString("base64")}</BINVAL></PHOTO></vCard>`));
    expect(reply.attrs.type).toBe("result");
    expect(h.net.calls.onAvatar).toHaveLength(1);
    expect(h.component.sent.slice(start).some(is104)).toBe(false);
    expect((await vcardOf(h)).getChild("PHOTO")).toBeUndefined();
    // The network confirms: the module shows it.
    await (await room(h, "coffee")).setAvatar({ data: PNG, type: "image/png" });
    expect((await vcardOf(h)).getChild("PHOTO")?.getChildText("TYPE")).toBe("image/png");
  });

  it("'Owner’s client removes a room’s avatar': an empty vCard", async () => {
    const h = await startGateway();
    const muc = await room(h, "coffee");
    await muc.setAvatar({ data: PNG, type: "image/png" });
    expect((await request(h, publish(`<vCard xmlns='vcard-temp'/>`))).attrs.type).toBe("result");
    expect(h.net.calls.onAvatar).toEqual([{ room: "coffee", avatar: undefined }]);
    expect(muc.avatar).toBeUndefined();
  });

  it("refused by the module (forbidden), by default (service-unavailable), or malformed (bad-request): the avatar stays", async () => {
    const net = new TestNetwork();
    net.avatarError = new XMPPError("forbidden", { type: "auth", text: "Only owners are allowed to set avatars." });
    const h = await startGateway({ net });
    const muc = await room(h, "coffee");
    expect(errorCondition(await request(h, publish(`<vCard xmlns='vcard-temp'><PHOTO><TYPE>image/png</TYPE><BINVAL>AAAA</BINVAL></PHOTO></vCard>`)))).toBe("forbidden");
    expect(muc.avatar).toBeUndefined();
    expect(errorCondition(await request(h, publish(`<vCard xmlns='vcard-temp'><PHOTO><TYPE>image/png</TYPE><BINVAL>!!!</BINVAL></PHOTO></vCard>`)))).toBe("bad-request");

    const plain = new TestNetwork();
    plain.avatars = false;
    const h2 = await startGateway({ net: plain });
    expect(errorCondition(await request(h2, publish(`<vCard xmlns='vcard-temp'><PHOTO><TYPE>image/png</TYPE><BINVAL>AAAA</BINVAL></PHOTO></vCard>`)))).toBe("service-unavailable");
  });
});
