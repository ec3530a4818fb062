/**
 * Chat states (XEP-0085) and displayed markers (XEP-0333) in a room:
 * `room.setChatState`, `room.markDisplayed`, and the `chatState` and
 * `displayed` events, live only, once each.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MucStateError, NotConnectedError, type ChatStateEvent, type DisplayedEvent, type MessageEvent } from "../../../src/index.js";
import { CAST, ROOM, enterAs, setup, type Harness } from "./room-presence-helpers.js";

const ME = CAST.firstwitch.jid;
const STATES = "http://jabber.org/protocol/chatstates";
const MARKERS = "urn:xmpp:chat-markers:0";

let h: Harness | undefined;
afterEach(() => {
  h?.muc.close();
  h = undefined;
});

async function enter() {
  h = setup(ME);
  const { room } = await enterAs(h, "firstwitch");
  const states: ChatStateEvent[] = [];
  const displayed: DisplayedEvent[] = [];
  room.on("chatState", (e) => states.push(e));
  room.on("displayed", (e) => displayed.push(e));
  return { h, room, states, displayed };
}

describe("setChatState", () => {
  it("a groupchat message with the state and a no-store hint, no body", async () => {
    const { h, room } = await enter();
    await room.setChatState("composing");
    const sent = await h.conn.nextSent((s) => s.is("message"));
    expect(sent.attrs).toMatchObject({ type: "groupchat", to: ROOM });
    expect(sent.getChild("composing", STATES)).toBeDefined();
    expect(sent.getChild("no-store", "urn:xmpp:hints")).toBeDefined();
    expect(sent.getChild("body")).toBeUndefined();
  });

  it("an unknown state is MucStateError; disconnected, NotConnectedError (never queued)", async () => {
    const { h, room } = await enter();
    await expect(room.setChatState("typing" as never)).rejects.toBeInstanceOf(MucStateError);
    h.conn.drop();
    await expect(room.setChatState("paused")).rejects.toBeInstanceOf(NotConnectedError);
  });
});

describe("markDisplayed", () => {
  it("names the message by its stanza-id, with a store hint", async () => {
    const { h, room } = await enter();
    const got = new Promise<MessageEvent>((resolve) => room.once("message", resolve));
    h.conn.receive(`<message from='${ROOM}/secondwitch' to='${ME}' type='groupchat' id='m1'><body>Hail!</body><stanza-id xmlns='urn:xmpp:sid:0' id='sid-1' by='${ROOM}'/></message>`);
    await room.markDisplayed(await got);
    const sent = await h.conn.nextSent((s) => s.is("message") && s.getChild("displayed", MARKERS) !== undefined);
    expect(sent.getChild("displayed", MARKERS)?.attrs.id).toBe("sid-1");
    expect(sent.getChild("store", "urn:xmpp:hints")).toBeDefined();
  });

  it("a message without a stanza-id cannot be marked", async () => {
    const { room } = await enter();
    await expect(room.markDisplayed({ stanzaId: undefined })).rejects.toBeInstanceOf(MucStateError);
  });
});

describe("chatState and displayed events", () => {
  it("others' states and markers; ours flagged own; a state with a body comes after the message", async () => {
    const { h, states, displayed } = await enter();
    h.conn.receive(`<message from='${ROOM}/secondwitch' to='${ME}' type='groupchat' id='c1'><composing xmlns='${STATES}'/><no-store xmlns='urn:xmpp:hints'/></message>`);
    h.conn.receive(`<message from='${ROOM}/firstwitch' to='${ME}' type='groupchat' id='c2'><paused xmlns='${STATES}'/></message>`);
    h.conn.receive(`<message from='${ROOM}/secondwitch' to='${ME}' type='groupchat' id='c3'><body>Done</body><active xmlns='${STATES}'/></message>`);
    h.conn.receive(`<message from='${ROOM}/thirdwitch' to='${ME}' type='groupchat' id='d1'><displayed xmlns='${MARKERS}' id='sid-1'/><stanza-id xmlns='urn:xmpp:sid:0' id='sid-9' by='${ROOM}'/></message>`);
    expect(states.map((e) => [e.nick, e.state, e.own])).toEqual([
      ["secondwitch", "composing", false],
      ["firstwitch", "paused", true],
      ["secondwitch", "active", false],
    ]);
    expect(states[0]?.occupant?.nick).toBe("secondwitch");
    expect(displayed.map((e) => [e.nick, e.id, e.own])).toEqual([["thirdwitch", "sid-1", false]]);
  });

  it("the same archived marker twice is announced once; delayed history is not announced; markable and received are no displayed", async () => {
    const { h, displayed, states } = await enter();
    const marker = `<message from='${ROOM}/thirdwitch' to='${ME}' type='groupchat' id='d1'><displayed xmlns='${MARKERS}' id='sid-1'/><stanza-id xmlns='urn:xmpp:sid:0' id='sid-9' by='${ROOM}'/></message>`;
    h.conn.receive(marker);
    h.conn.receive(marker);
    h.conn.receive(`<message from='${ROOM}/thirdwitch' to='${ME}' type='groupchat' id='d2'><received xmlns='${MARKERS}' id='sid-2'/><markable xmlns='${MARKERS}'/></message>`);
    // Before the subject ends the join's history, a delayed message is history.
    h.conn.receive(`<message from='${ROOM}/secondwitch' to='${ME}' type='groupchat' id='h1'><composing xmlns='${STATES}'/><delay xmlns='urn:xmpp:delay' stamp='2002-10-13T23:58:37Z'/></message>`);
    expect(displayed).toHaveLength(1);
    expect(states).toEqual([]);
  });

  it("an archived marker in the join's history is announced with history: true and its occupant-id", async () => {
    const { h, displayed } = await enter();
    h.conn.receive(`<message from='${ROOM}/secondwitch' to='${ME}' type='groupchat' id='d3'><displayed xmlns='${MARKERS}' id='sid-3'/><stanza-id xmlns='urn:xmpp:sid:0' id='sid-10' by='${ROOM}'/><occupant-id xmlns='urn:xmpp:occupant-id:0' id='occ-2'/><delay xmlns='urn:xmpp:delay' stamp='2002-10-13T23:58:37Z'/></message>`);
    expect(displayed.map((e) => [e.nick, e.id, e.history, e.occupantId])).toEqual([["secondwitch", "sid-3", true, "occ-2"]]);
  });
});
