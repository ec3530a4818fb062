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
