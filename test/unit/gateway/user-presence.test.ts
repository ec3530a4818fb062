/**
 * The user's own presence (slidge's on_presence): each resource's presence
 * to the gateway reaches session.onPresence with every resource's and the
 * merged one (highest priority, then most available).
 */
import { afterEach, describe, expect, it } from "vitest";
import { GW, USER, closeStores, settle, startGateway } from "./helpers.js";
import type { ResourcePresence } from "../../../src/gateway/index.js";

afterEach(() => closeStores());

describe("session.onPresence", () => {
  it("hears each resource's presence, with all of them and the merged one; unavailable removes a resource", async () => {
    const h = await startGateway();
    const session = h.gateway.getSession(USER);
    if (!session) throw new Error("no session");
    const heard: { resource: string; show: string | undefined; all: string[]; merged: string | undefined }[] = [];
    session.onPresence = async (resource, presence, resources, merged: ResourcePresence | undefined) => {
      heard.push({ resource, show: presence?.show, all: [...resources.keys()].sort(), merged: merged?.show });
    };
    h.component.receive(`<presence from='${USER}/phone' to='${GW}'><show>away</show><priority>0</priority></presence>`);
    h.component.receive(`<presence from='${USER}/desktop' to='${GW}'><show>dnd</show><status>Working</status><priority>5</priority></presence>`);
    h.component.receive(`<presence from='${USER}/laptop' to='${GW}'><priority>5</priority></presence>`);
    h.component.receive(`<presence from='${USER}/desktop' to='${GW}' type='unavailable'/>`);
    h.component.receive(`<presence from='${USER}/laptop' to='${GW}' type='unavailable'/>`);
    h.component.receive(`<presence from='${USER}/phone' to='${GW}' type='unavailable'/>`);
    await settle(h);
    expect(heard).toEqual([
      { resource: "phone", show: "away", all: ["phone"], merged: "away" },
      { resource: "desktop", show: "dnd", all: ["desktop", "phone"], merged: "dnd" },
      // Same priority as desktop, more available: laptop stands for the user.
      { resource: "laptop", show: "online", all: ["desktop", "laptop", "phone"], merged: "online" },
      { resource: "desktop", show: undefined, all: ["laptop", "phone"], merged: "online" },
      { resource: "laptop", show: undefined, all: ["phone"], merged: "away" },
      { resource: "phone", show: undefined, all: [], merged: undefined },
    ]);
  });
});

describe("session.onAvatar (the user's own avatar, slidge's on_avatar)", () => {
  it("a new hash in the user's presence: the gateway fetches their vCard, checks the image, hands it over; an empty photo removes it", async () => {
    const h = await startGateway();
    const session = h.gateway.getSession(USER);
    if (!session) throw new Error("no session");
    const heard: unknown[] = [];
    session.onAvatar = async (bytes, hash, type) => void heard.push({ bytes: bytes && [...bytes], hash, type });
    const image = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 9, 8, 7]);
    const hash = (await import("node:crypto")).createHash("sha1").update(image).digest("hex");
    h.component.receive(`<presence from='${USER}/phone' to='${GW}'><x xmlns='vcard-temp:x:update'><photo>${hash}</photo></x></presence>`);
    const ask = await h.component.nextSent((s) => s.is("iq") && s.attrs.to === USER && s.getChild("vCard", "vcard-temp") !== undefined);
    h.component.receive(`<iq type='result' id='${ask.attrs.id}' from='${USER}' to='${GW}'><vCard xmlns='vcard-temp'><PHOTO><TYPE>image/png</TYPE><BINVAL>${Buffer.from(image).toString("base64")}</BINVAL></PHOTO></vCard></iq>`);
    await settle(h);
    expect(heard).toEqual([{ bytes: [...image], hash, type: "image/png" }]);
    // The same hash again (another resource): nothing new.
    h.component.receive(`<presence from='${USER}/desktop' to='${GW}'><x xmlns='vcard-temp:x:update'><photo>${hash}</photo></x></presence>`);
    await settle(h);
    expect(heard).toHaveLength(1);
    h.component.receive(`<presence from='${USER}/phone' to='${GW}'><x xmlns='vcard-temp:x:update'><photo/></x></presence>`);
    await settle(h);
    expect(heard.at(-1)).toEqual({ bytes: undefined, hash: undefined, type: undefined });
  });

  it("an image that does not match the announced hash is not handed over", async () => {
    const h = await startGateway();
    const session = h.gateway.getSession(USER);
    if (!session) throw new Error("no session");
    let calls = 0;
    session.onAvatar = async () => void calls++;
    h.component.receive(`<presence from='${USER}/phone' to='${GW}'><x xmlns='vcard-temp:x:update'><photo>0000000000000000000000000000000000000000</photo></x></presence>`);
    const ask = await h.component.nextSent((s) => s.is("iq") && s.attrs.to === USER);
    h.component.receive(`<iq type='result' id='${ask.attrs.id}' from='${USER}' to='${GW}'><vCard xmlns='vcard-temp'><PHOTO><TYPE>image/png</TYPE><BINVAL>AAEC</BINVAL></PHOTO></vCard></iq>`);
    await settle(h);
    expect(calls).toBe(0);
  });
});
