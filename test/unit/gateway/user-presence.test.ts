/**
 * The user's own presence (slidge's on_presence): each resource's presence
 * to the gateway reaches session.onPresence with every resource's and the
 * merged one (highest priority, then most available).
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import { GW, NS_DISCO_INFO, USER, closeStores, handlingFailures, recordingLogger, request, settle, startGateway, type Harness } from "./helpers.js";
import type { BaseSession, ResourcePresence } from "../../../src/gateway/index.js";

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

describe("a failing onPresence", () => {
  it("is logged as the module's failure, not as a stanza the gateway failed to handle; the next presence still reaches it", async () => {
    const { logger, lines } = recordingLogger();
    const h = await startGateway({ logger });
    const session = sessionOf(h);
    const heard: string[] = [];
    session.onPresence = async (resource) => {
      heard.push(resource);
      if (resource === "phone") throw new Error("the presence API is down");
    };
    h.component.receive(`<presence from='${USER}/phone' to='${GW}'><show>away</show></presence>`);
    h.component.receive(`<presence from='${USER}/desktop' to='${GW}'/>`);
    await settle(h);
    expect(heard).toEqual(["phone", "desktop"]);
    expect(handlingFailures(lines)).toEqual([]);
    const failure = lines.find((l) => l.message.includes("onPresence"));
    expect(failure?.level).toBe("warn");
    expect(String(failure?.details[0])).toContain("the presence API is down");
  });
});

/** The session of {@link USER}. */
function sessionOf(h: Harness): BaseSession {
  const session = h.gateway.getSession(USER);
  if (!session) throw new Error("no session");
  return session;
}

const isVcardRequest = (s: Element): boolean => s.is("iq") && s.attrs.to === USER && s.getChild("vCard", "vcard-temp") !== undefined;

/** The user's presence announcing an avatar by its hash (`""`: none). */
const announce = (resource: string, hash: string): string => `<presence from='${USER}/${resource}' to='${GW}'><x xmlns='vcard-temp:x:update'><photo>${hash}</photo></x></presence>`;

/** The user's server answering the gateway's vCard request with this image. */
function answerVcard(h: Harness, ask: Element, image: Uint8Array): void {
  h.component.receive(`<iq type='result' id='${ask.attrs.id}' from='${USER}' to='${GW}'><vCard xmlns='vcard-temp'><PHOTO><TYPE>image/png</TYPE><BINVAL>${Buffer.from(image).toString("base64")}</BINVAL></PHOTO></vCard></iq>`);
}

const sha1 = (bytes: Uint8Array): string => createHash("sha1").update(bytes).digest("hex");

describe("session.onAvatar (the user's own avatar, slidge's on_avatar)", () => {
  it("a new hash in the user's presence: the gateway fetches their vCard, checks the image, hands it over; an empty photo removes it", async () => {
    const h = await startGateway();
    const session = sessionOf(h);
    const heard: unknown[] = [];
    session.onAvatar = async (bytes, hash, type) => void heard.push({ bytes: bytes && [...bytes], hash, type });
    const image = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 9, 8, 7]);
    const hash = sha1(image);
    h.component.receive(announce("phone", hash));
    answerVcard(h, await h.component.nextSent(isVcardRequest), image);
    await vi.waitFor(() => expect(heard).toEqual([{ bytes: [...image], hash, type: "image/png" }]));
    // The same hash again (another resource): nothing new, not even a vCard request.
    h.component.receive(announce("desktop", hash));
    await settle(h);
    expect(h.component.sent.filter(isVcardRequest)).toHaveLength(1);
    expect(heard).toHaveLength(1);
    h.component.receive(announce("phone", ""));
    await vi.waitFor(() => expect(heard.at(-1)).toEqual({ bytes: undefined, hash: undefined, type: undefined }));
  });

  it("an image that does not match the announced hash is not handed over", async () => {
    const { logger, lines } = recordingLogger();
    const h = await startGateway({ logger });
    let calls = 0;
    sessionOf(h).onAvatar = async () => void calls++;
    h.component.receive(announce("phone", "0000000000000000000000000000000000000000"));
    answerVcard(h, await h.component.nextSent(isVcardRequest), new Uint8Array([0, 1, 2]));
    await vi.waitFor(() => expect(lines.some((l) => l.level === "debug" && l.message.includes("not the one their presence announced"))).toBe(true));
    expect(calls).toBe(0);
  });

  it("the vCard request holds none of the user's stanzas: they are answered while it waits", async () => {
    const h = await startGateway();
    h.component.receive(announce("phone", "0000000000000000000000000000000000000000"));
    await h.component.nextSent(isVcardRequest);
    // Unanswered, the request would hold the user's queue for its 10 s timeout.
    const info = await request(h, `<iq type='get' id='meanwhile' from='${USER}/phone' to='${GW}'><query xmlns='${NS_DISCO_INFO}'/></iq>`, 1_000);
    expect(info.attrs.type).toBe("result");
    await h.gateway.stop();
  });

  it("announcements are handled in order, one at a time; an image fetched after a newer announcement is dropped", async () => {
    const h = await startGateway();
    const heard: string[] = [];
    sessionOf(h).onAvatar = async (_bytes, hash) => void heard.push(hash ?? "none");
    const first = new Uint8Array([1, 1, 1]);
    const second = new Uint8Array([2, 2, 2]);
    h.component.receive(announce("phone", sha1(first)));
    const ask1 = await h.component.nextSent(isVcardRequest);
    h.component.receive(announce("phone", sha1(second)));
    await settle(h);
    // The second waits for the first: one request at a time.
    expect(h.component.sent.filter(isVcardRequest)).toEqual([ask1]);
    answerVcard(h, ask1, first);
    const ask2 = await h.component.nextSent((s) => isVcardRequest(s) && s !== ask1);
    answerVcard(h, ask2, second);
    await vi.waitFor(() => expect(heard).toEqual([sha1(second)]));
  });

  it("a failing onAvatar is logged as the module's failure, for a removed avatar too; the next announcement tries again", async () => {
    const { logger, lines } = recordingLogger();
    const h = await startGateway({ logger });
    let calls = 0;
    sessionOf(h).onAvatar = async () => {
      calls++;
      throw new Error("the avatar API is down");
    };
    h.component.receive(announce("phone", ""));
    await vi.waitFor(() => expect(lines.some((l) => l.level === "warn" && l.message.includes("onAvatar"))).toBe(true));
    h.component.receive(announce("phone", ""));
    await vi.waitFor(() => expect(calls).toBe(2));
    await settle(h);
    expect(handlingFailures(lines)).toEqual([]);
  });
});
