/**
 * Participants with presence (transcripts on the mock component): a
 * participant's show and status, its avatar (the XEP-0153 hash in its
 * occupant presence, the image in its vCard at its occupant JID) and its
 * hats (XEP-0317), announced to joined resources and listed in later joins;
 * `offline` in a GROUP room (still listed, `xa`) and in a channel (off the
 * list until it is back).
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { GW, RES, USER, closeStores, errorCondition, join, mucItem, request, room, startGateway } from "./helpers.js";

const FULL = `${USER}/${RES}`;
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const PNG_SHA1 = createHash("sha1").update(PNG).digest("hex");

afterEach(() => closeStores());

/** The next presence from `nick` of `legacyId` to the user's resource. */
function presenceFrom(h: Awaited<ReturnType<typeof startGateway>>, legacyId: string, nick: string): Promise<Element> {
  return h.component.nextSent((s) => s.is("presence") && s.attrs.from === `${legacyId}@${GW}/${nick}` && s.attrs.to === FULL);
}

describe("participant presence", () => {
  it("setPresence: show and status in the occupant presence, and in the next join's list", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const bob = (await room(h, "coffee")).getParticipantByNick("Bob");
    if (!bob) throw new Error("no Bob");
    const announced = presenceFrom(h, "coffee", "Bob");
    await bob.setPresence({ show: "away", status: "Lunch" });
    const p = await announced;
    expect(p.attrs.type).toBeUndefined();
    expect(p.getChildText("show")).toBe("away");
    expect(p.getChildText("status")).toBe("Lunch");
    expect(mucItem(p)?.attrs.role).toBe("moderator");
    const listed = (await join(h, "coffee", { resource: "balcony" })).find((s) => s.attrs.from === `coffee@${GW}/Bob`);
    expect(listed?.getChildText("show")).toBe("away");
    // The same again sends nothing.
    const before = h.component.sent.length;
    await bob.setPresence({ show: "away", status: "Lunch" });
    expect(h.component.sent.length).toBe(before);
  });

  it("offline in a GROUP room: still a member, shown xa and 'Offline'", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const carol = (await room(h, "coffee")).getParticipantByNick("Carol");
    if (!carol) throw new Error("no Carol");
    const announced = presenceFrom(h, "coffee", "Carol");
    await carol.setPresence({ show: "offline" });
    const p = await announced;
    expect(p.attrs.type).toBeUndefined();
    expect(p.getChildText("show")).toBe("xa");
    expect(p.getChildText("status")).toBe("Offline");
  });

  it("offline in a channel: off the list (unavailable), not listed on join, back when online", async () => {
    const h = await startGateway();
    await join(h, "news");
    const dave = (await room(h, "news")).getParticipantByNick("Dave");
    if (!dave) throw new Error("no Dave");
    let announced = presenceFrom(h, "news", "Dave");
    await dave.setPresence({ show: "offline" });
    expect((await announced).attrs.type).toBe("unavailable");
    const list = await join(h, "news", { resource: "balcony" });
    expect(list.some((s) => s.attrs.from === `news@${GW}/Dave`)).toBe(false);
    announced = presenceFrom(h, "news", "Dave");
    await dave.setPresence({ show: "online" });
    const back = await announced;
    expect(back.attrs.type).toBeUndefined();
    expect(back.getChild("show")).toBeUndefined();
  });
});

describe("participant avatars (XEP-0153)", () => {
  it("setAvatar: the hash in the presence; the vCard at the occupant JID holds the image; removal drops the hash", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const bob = (await room(h, "coffee")).getParticipantByNick("Bob");
    if (!bob) throw new Error("no Bob");
    let announced = presenceFrom(h, "coffee", "Bob");
    await bob.setAvatar({ data: PNG, type: "image/png" });
    const p = await announced;
    const hash = p.getChild("x", "vcard-temp:x:update")?.getChildText("photo");
    expect(hash).toBe(PNG_SHA1);
    expect(bob.avatarHash).toBe(PNG_SHA1);
    const vcard = await request(h, `<iq type='get' id='v1' from='${FULL}' to='coffee@${GW}/Bob'><vCard xmlns='vcard-temp'/></iq>`);
    expect(vcard.attrs.type).toBe("result");
    const photo = vcard.getChild("vCard", "vcard-temp")?.getChild("PHOTO");
    expect(photo?.getChildText("TYPE")).toBe("image/png");
    expect(Buffer.from(photo?.getChildText("BINVAL") ?? "", "base64")).toEqual(Buffer.from(PNG));
    expect(vcard.getChild("vCard", "vcard-temp")?.getChildText("FN")).toBe("Bob");
    announced = presenceFrom(h, "coffee", "Bob");
    await bob.setAvatar(undefined);
    // XEP-0153: an empty <photo/> says "no avatar" (no element would say "no change").
    const removed = (await announced).getChild("x", "vcard-temp:x:update")?.getChild("photo");
    expect(removed).toBeDefined();
    expect(removed?.children).toEqual([]);
    const none = await request(h, `<iq type='get' id='v2' from='${FULL}' to='coffee@${GW}/Bob'><vCard xmlns='vcard-temp'/></iq>`);
    expect(none.getChild("vCard", "vcard-temp")?.getChild("PHOTO")).toBeUndefined();
  });

  it("the vCard of someone not in the room is item-not-found", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const iq = await request(h, `<iq type='get' id='v3' from='${FULL}' to='coffee@${GW}/Nobody'><vCard xmlns='vcard-temp'/></iq>`);
    expect(errorCondition(iq)).toBe("item-not-found");
  });
});

describe("participant hats (XEP-0317)", () => {
  it("setHats: the hats in the presence; [] takes them off; a hat without a title or with a bad hue is refused", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const carol = (await room(h, "coffee")).getParticipantByNick("Carol");
    if (!carol) throw new Error("no Carol");
    let announced = presenceFrom(h, "coffee", "Carol");
    await carol.setHats([{ uri: "https://example.org/roles/barista", title: "Barista", hue: 30 }]);
    const hats = (await announced).getChild("hats", "urn:xmpp:hats:0")?.getChildren("hat") ?? [];
    expect(hats.map((x) => x.attrs)).toEqual([{ uri: "https://example.org/roles/barista", title: "Barista", hue: "30" }]);
    announced = presenceFrom(h, "coffee", "Carol");
    await carol.setHats([]);
    expect((await announced).getChild("hats", "urn:xmpp:hats:0")).toBeUndefined();
    await expect(carol.setHats([{ uri: "u", title: "" }])).rejects.toBeInstanceOf(TypeError);
    await expect(carol.setHats([{ uri: "u", title: "t", hue: 400 }])).rejects.toBeInstanceOf(RangeError);
  });
});
