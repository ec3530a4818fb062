// The MUC client against a real Prosody: registering with a room (XEP-0045
// §7.10), the reserved nick (§7.12) and unique room names (XEP-0307).

import { describe, expect, it } from "vitest";
import { createRoom, getReservedNick, getRoomRegistration, getUniqueRoomName, registerWithRoom, setAffiliation, XMPPError } from "../../src/index.js";
import { withTimeout } from "../helpers/prosody-clients.js";
import { rejection, setupMucSuite } from "../helpers/muc-clients.js";

const suite = setupMucSuite();

describe("MUC client against Prosody: registration and reserved nicks", () => {
  it("a member registers a nick with the room's form, and the room then reports it reserved", async () => {
    const { jid } = await suite.roomOfThree("register");
    await withTimeout(setAffiliation(suite.alice.muc, jid, suite.bob.bareJid, "member"), 5_000, "bob member");

    const before = await withTimeout(getRoomRegistration(suite.bob.muc, jid), 5_000, "registration form");
    expect(before.registered).toBe(false);
    expect(before.form?.fields.find((f) => f.var === "muc#register_roomnick")?.required).toBe(true);
    expect(await withTimeout(getReservedNick(suite.bob.muc, jid), 5_000, "reserved nick before")).toBeUndefined();

    await withTimeout(registerWithRoom(suite.bob.muc, jid, { roomNick: "Bobby" }), 5_000, "registering");

    const after = await withTimeout(getRoomRegistration(suite.bob.muc, jid), 5_000, "registration after");
    expect(after).toMatchObject({ registered: true, nick: "Bobby" });
    expect(await withTimeout(getReservedNick(suite.bob.muc, jid), 5_000, "reserved nick after")).toBe("Bobby");
  });

  it("an unaffiliated user may not register (registration-required)", async () => {
    const { jid } = await suite.roomOfThree("register-refused");
    const refused = await rejection(getRoomRegistration(suite.carol.muc, jid), 5_000, "carol's registration form");
    expect(refused).toBeInstanceOf(XMPPError);
    expect((refused as XMPPError).condition).toBe("registration-required");
  });

  it("a unique room name from the service makes a room no one else has", async () => {
    const service = suite.server.mucDomain;
    const first = await withTimeout(getUniqueRoomName(suite.alice.muc, service), 5_000, "unique name");
    const second = await withTimeout(getUniqueRoomName(suite.alice.muc, service), 5_000, "another unique name");
    expect(first.domain).toBe(service);
    expect(first.local).not.toBe(second.local);
    const room = await withTimeout(createRoom(suite.alice.muc, first, "Alice"), 5_000, "creating it");
    expect(room.jid.equals(first)).toBe(true);
    expect(room.me?.affiliation).toBe("owner");
  });
});
