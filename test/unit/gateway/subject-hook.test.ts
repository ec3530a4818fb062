/**
 * The user's subject change, as slidge's on_set_subject: the module changes
 * the subject on the network and updates the room itself, so the user's
 * resources get it once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { closeStores, errorCondition, GW, join, request, RES, room, settle, startGateway, USER } from "./helpers.js";

afterEach(closeStores);

const ROOM = `coffee@${GW}`;
const TO = `${USER}/${RES}`;

describe("onSetSubject", () => {
  it("the room sends nothing itself; a module that sets the subject in the hook makes it reach the user once", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const muc = await room(h, "coffee");
    const asked: string[] = [];
    muc.onSetSubject = async (subject) => {
      asked.push(subject);
      await muc.setSubject(subject, { setter: await muc.getUserParticipant() });
    };
    const start = h.component.sent.length;
    h.component.receive(`<message type='groupchat' id='s1' from='${TO}' to='${ROOM}'><subject>Espresso only</subject></message>`);
    await settle(h);
    const subjects = h.component.sent.slice(start).filter((s) => s.is("message") && s.getChildText("subject") === "Espresso only");
    expect(asked).toEqual(["Espresso only"]);
    expect(subjects).toHaveLength(1);
    expect(subjects[0]?.attrs.from).toBe(`${ROOM}/romeo`);
    expect(muc.subject).toBe("Espresso only");
  });

  it("a module that waits for the network's echo: nothing until it comes; a refusal is an error to the user", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const muc = await room(h, "coffee");
    muc.onSetSubject = async () => {};
    const start = h.component.sent.length;
    h.component.receive(`<message type='groupchat' id='s2' from='${TO}' to='${ROOM}'><subject>Later</subject></message>`);
    await settle(h);
    expect(h.component.sent.slice(start).some((s) => s.getChildText("subject") === "Later")).toBe(false);
    muc.onSetSubject = async () => {
      throw new Error("no");
    };
    const refused = await request(h, `<message type='groupchat' id='s3' from='${TO}' to='${ROOM}'><subject>Never</subject></message>`);
    expect(errorCondition(refused)).toBe("internal-server-error");
  });

  it("a subject change that carries a chat state too (clients add <active/> to what they send) reaches onSetSubject, and the state onActive", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const muc = await room(h, "coffee");
    const asked: string[] = [];
    muc.onSetSubject = async (subject) => void asked.push(subject);
    const active: string[] = [];
    muc.session.onActive = async (chat) => void active.push(chat.legacyId);
    h.component.receive(`<message type='groupchat' id='s4' from='${TO}' to='${ROOM}'><subject>Decaf too</subject><active xmlns='http://jabber.org/protocol/chatstates'/></message>`);
    await settle(h);
    expect(asked).toEqual(["Decaf too"]);
    expect(active).toEqual(["coffee"]);
  });
});
