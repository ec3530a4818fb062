/**
 * `session.input` (slidge's `input`): the gateway asks a user a question by
 * chat message and gets the next chat message they send to its JID — even
 * while the handling that asked holds their stanza queue — and that answer is
 * not taken as a chat command.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import xml, { type Element } from "@xmpp/xml";
import { GW, RES, USER, closeStores, join, room, startGateway } from "./helpers.js";
import { BaseSession, type LegacyMUC } from "../../../src/gateway/index.js";

const FULL = `${USER}/${RES}`;

afterEach(() => closeStores());

function nextChatTo(h: Awaited<ReturnType<typeof startGateway>>, to: string): Promise<Element> {
  return h.component.nextSent((s) => s.is("message") && s.attrs.from === GW && s.attrs.to === to && s.attrs.type === "chat");
}

describe("session.input", () => {
  it("asks by chat message and resolves with the user's next message to the gateway, which is no command", async () => {
    const h = await startGateway();
    const session = h.gateway.getSession(USER) as BaseSession;
    const question = nextChatTo(h, USER);
    const answer = session.input("Which one? (a/b)");
    expect((await question).getChildText("body")).toBe("Which one? (a/b)");
    h.component.receive(`<message type='chat' id='a1' from='${FULL}' to='${GW}'><body>help</body></message>`);
    expect(await answer).toBe("help");
    // "help" was the answer, not a command: no help text came back.
    await new Promise((r) => setTimeout(r, 50));
    expect(h.component.sent.filter((s) => s.is("message") && s.attrs.to === FULL)).toEqual([]);
    // Afterwards, the same message is a command again.
    const reply = nextChatTo(h, FULL);
    h.component.receive(`<message type='chat' id='a2' from='${FULL}' to='${GW}'><body>help</body></message>`);
    expect((await reply).getChildText("body")).toContain("groups:");
  });

  it("takes an answer addressed to the gateway's JID in another case (domains compare case-insensitively)", async () => {
    const h = await startGateway();
    const session = h.gateway.getSession(USER) as BaseSession;
    const question = nextChatTo(h, USER);
    const answer = session.input("Which one? (a/b)", { timeoutMs: 2_000 });
    await question;
    h.component.receive(`<message type='chat' id='a1' from='${FULL}' to='${GW.toUpperCase()}'><body>help</body></message>`);
    expect(await answer).toBe("help");
  });

  it("gets its answer while the user's own message that led to the question is still being handled", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const muc: LegacyMUC = await room(h, "coffee");
    const session = h.gateway.getSession(USER) as BaseSession;
    let answered: string | undefined;
    // The module asks in the middle of onText: the user's queue is held until it returns.
    session.onText = async () => {
      answered = await session.input("Really send? (yes/no)", { timeoutMs: 2_000 });
      return "m-1";
    };
    const question = nextChatTo(h, USER);
    h.component.receive(`<message type='groupchat' id='g1' from='${FULL}' to='${muc.jid.toString()}'><body>hello</body></message>`);
    await question;
    h.component.receive(`<message type='chat' id='a1' from='${USER}/phone' to='${GW}'><body>yes</body></message>`);
    await h.component.nextSent((s) => s.is("message") && s.attrs.type === "groupchat" && s.attrs.id === "g1");
    expect(answered).toBe("yes");
  });

  it("times out with TimeoutError; a second question gives up the first with AbortError; strangers' messages are no answer", async () => {
    const h = await startGateway();
    const session = h.gateway.getSession(USER) as BaseSession;
    await expect(session.input("Still there?", { timeoutMs: 50 })).rejects.toMatchObject({ name: "TimeoutError" });
    const first = session.input("First?");
    const second = session.input("Second?");
    await expect(first).rejects.toMatchObject({ name: "AbortError" });
    h.component.receive(`<message type='chat' id='x1' from='juliet@capulet.lit/balcony' to='${GW}'><body>me!</body></message>`);
    h.component.receive(`<message type='chat' id='x2' from='${FULL}' to='${GW}'><body>second answer</body></message>`);
    expect(await second).toBe("second answer");
  });

  it("the gateway's stop gives up waiting questions", async () => {
    const h = await startGateway();
    const session = h.gateway.getSession(USER) as BaseSession;
    const pending = session.input("Anyone?");
    await h.gateway.stop();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("session.sendQr", () => {
  it("sends the session's user the code's text and its image (a data: URL without an upload service)", async () => {
    const h = await startGateway();
    const session = h.gateway.getSession(USER) as BaseSession;
    const sent = nextChatTo(h, USER);
    const done = session.sendQr("otpauth://example/code-42");
    // The server has no upload service: empty answers to the gateway's discovery.
    const answered = new Set<unknown>();
    await vi.waitFor(() => {
      for (const ask of h.component.sent.filter((s) => s.is("iq") && s.attrs.type === "get" && !answered.has(s.attrs.id))) {
        answered.add(ask.attrs.id);
        const ns = String(ask.getChild("query")?.attrs.xmlns);
        h.component.receive(`<iq type='result' id='${String(ask.attrs.id)}' from='localhost' to='${GW}'><query xmlns='${ns}'/></iq>`);
      }
      expect(answered.size).toBeGreaterThanOrEqual(2);
    });
    await done;
    const message = await sent;
    expect(message.getChildText("body")).toBe("otpauth://example/code-42");
    expect(message.getChild("x", "jabber:x:oob")?.getChildText("url")).toMatch(/^data:image\/gif;base64,R0lGOD/);
  });
});

describe("gateway timeouts out of range", () => {
  it("input refuses a timeout out of range at once, asking nothing; Infinity waits for the answer", async () => {
    const h = await startGateway();
    const session = h.gateway.getSession(USER) as BaseSession;
    for (const timeoutMs of [0, -1, Number.NaN, 3e9]) {
      await expect(session.input("Which one?", { timeoutMs })).rejects.toThrow(RangeError);
    }
    expect(h.component.sent.filter((s) => s.is("message") && s.attrs.to === USER)).toEqual([]);
    const question = nextChatTo(h, USER);
    const answer = session.input("Which one?", { timeoutMs: Infinity });
    await question;
    // A timer of Infinity would have fired at once (setTimeout caps at 2³¹ − 1 ms).
    await new Promise((r) => setTimeout(r, 20));
    h.component.receive(`<message type='chat' id='a9' from='${FULL}' to='${GW}'><body>b</body></message>`);
    expect(await answer).toBe("b");
  });

  it("an IQ with a timeout out of range is refused at once, sending nothing", async () => {
    const h = await startGateway();
    const before = h.component.sent.length;
    for (const timeoutMs of [0, 3e9]) {
      await expect(h.gateway.requestIq(FULL, "get", xml("query", { xmlns: "jabber:iq:version" }), timeoutMs)).rejects.toThrow(/IQ timeout/);
    }
    expect(h.component.sent.slice(before).filter((s) => s.is("iq"))).toEqual([]);
  });
});
