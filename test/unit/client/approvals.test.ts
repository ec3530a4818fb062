/**
 * Approval forms over the mock connection: the moderator's side of XEP-0045
 * §8.6, with the examples "Voice Request Approval Form" and "Voice Request
 * Approval Submission", and the admin's side of §9.9, with Example 151
 * "Registration Request Approval Form" (version 1.35.5); who may send
 * requests; what goes back; stopping.
 */
import { afterEach, describe, expect, it } from "vitest";
import { onRegistrationRequest, onVoiceRequest, type RegistrationRequestEvent, type VoiceRequestEvent } from "../../../src/index.js";
import type { Element } from "@xmpp/xml";
import { CAST, enterAs, ROOM, setup } from "./room-presence-helpers.js";
import { XEP0045_EXAMPLE_108, XEP0045_EXAMPLE_151 } from "../../fixtures/xep-examples.js";

const CRONE = CAST.firstwitch.jid;

const APPROVAL_FORM = XEP0045_EXAMPLE_108;

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

async function moderator() {
  const h = setup(CRONE);
  const { room } = await enterAs(h, "firstwitch");
  const requests: VoiceRequestEvent[] = [];
  stops.push(onVoiceRequest(h.muc, (r) => requests.push(r)));
  h.conn.takeSent();
  return { h, room, requests };
}

describe("onVoiceRequest (§8.6)", () => {
  it("'Voice Request Approval Form' becomes a request; approve() sends 'Voice Request Approval Submission'", async () => {
    const { h, requests } = await moderator();
    h.conn.receive(APPROVAL_FORM);
    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request.room.toString()).toBe(ROOM);
    expect(request.jid?.toString()).toBe("hag66@shakespeare.lit/pda");
    expect(request.nick).toBe("thirdwitch");
    expect(request.role).toBe("participant");
    expect(request.form.title).toBe("Voice request");

    await request.approve();
    const sent = await h.conn.nextSent((s) => s.is("message"));
    expect(sent.attrs.to).toBe(ROOM);
    const x = sent.getChild("x", "jabber:x:data")!;
    expect(x.attrs.type).toBe("submit");
    const values = Object.fromEntries(x.getChildren("field").map((f) => [f.attrs.var, f.getChildText("value")]));
    expect(values).toEqual({
      FORM_TYPE: "http://jabber.org/protocol/muc#request",
      "muc#role": "participant",
      "muc#jid": "hag66@shakespeare.lit/pda",
      "muc#roomnick": "thirdwitch",
      "muc#request_allow": "1", // XEP-0004 §3.3: "1" and "true" are the same boolean
    });
  });

  it("deny() submits the form with muc#request_allow false", async () => {
    const { h, requests } = await moderator();
    h.conn.receive(APPROVAL_FORM);
    await requests[0]!.deny();
    const sent = await h.conn.nextSent((s) => s.is("message"));
    const allow = sent.getChild("x", "jabber:x:data")!.getChildren("field").find((f) => f.attrs.var === "muc#request_allow");
    expect(allow?.getChildText("value")).toBe("0");
  });

  it("takes requests only from a room we are in, only forms of muc#request, and no more once stopped", async () => {
    const { h, requests } = await moderator();
    h.conn.receive(APPROVAL_FORM.replace("from='coven@chat.shakespeare.lit'", "from='mallory@evil.example'"));
    h.conn.receive(APPROVAL_FORM.replace("from='coven@chat.shakespeare.lit'", "from='coven@chat.shakespeare.lit/secondwitch'"));
    h.conn.receive(APPROVAL_FORM.replace("from='coven@chat.shakespeare.lit'", "from='other@chat.shakespeare.lit'"));
    h.conn.receive(APPROVAL_FORM.replace("muc#request</value>", "muc#register</value>"));
    h.conn.receive(APPROVAL_FORM.replace("type='form'", "type='submit'"));
    h.conn.receive(APPROVAL_FORM.replace("<field var='FORM_TYPE' type='hidden'>", "<field var='FORM_TYPE' type='bogus-type'><option/>"));
    expect(requests).toEqual([]);
    stops.pop()!();
    h.conn.receive(APPROVAL_FORM);
    expect(requests).toEqual([]);
  });

  it("a handler that throws is logged, and the next request still comes", async () => {
    const h = setup(CRONE);
    await enterAs(h, "firstwitch");
    let calls = 0;
    stops.push(
      onVoiceRequest(h.muc, () => {
        calls++;
        throw new Error("boom");
      }),
    );
    h.conn.receive(APPROVAL_FORM);
    h.conn.receive(APPROVAL_FORM);
    expect(calls).toBe(2);
    expect(h.logger.warn).toHaveBeenCalled();
  });
});

/** XEP-0045 §9.9, Example 151: "Registration Request Approval Form". */
const REGISTRATION_FORM = XEP0045_EXAMPLE_151;

/** The submitted fields of a sent form, `var` → values, in order. */
function submitted(message: Element): [string | undefined, string[]][] {
  const x = message.getChild("x", "jabber:x:data")!;
  expect(x.attrs.type).toBe("submit");
  return x.getChildren("field").map((f) => [f.attrs.var as string | undefined, f.getChildren("value").map((v) => v.text())]);
}

/** An admin who is not in the room: registration requests need no presence. */
function admin() {
  const h = setup(CRONE);
  const requests: RegistrationRequestEvent[] = [];
  stops.push(onRegistrationRequest(h.muc, (r) => requests.push(r)));
  return { h, requests };
}

describe("onRegistrationRequest (§9.9)", () => {
  it("Example 151 becomes a request with the user's answers, though we are not in the room", async () => {
    const { h, requests } = admin();
    expect(h.muc.getRoom(ROOM)).toBeUndefined();
    h.conn.receive(REGISTRATION_FORM);
    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request.room.toString()).toBe(ROOM);
    expect(request.registration).toEqual({
      first: "Brunhilde",
      last: "Entwhistle-Throckmorton",
      roomNick: "thirdwitch",
      url: "http://witchesonline/~hag66/",
      email: "hag66@witchesonline",
      faqEntry: "Just another witch.",
    });
    expect(request.form.title).toBe("Registration request");
    expect(request.stanza.attrs.id).toBe("407665A9-E54E-4AD5-905F-9FD8864489B3");
  });

  it("approve() sends every field back to the room with muc#register_allow 1", async () => {
    const { h, requests } = admin();
    h.conn.receive(REGISTRATION_FORM);
    await requests[0]!.approve();
    const sent = await h.conn.nextSent((s) => s.is("message"));
    expect(sent.attrs.to).toBe(ROOM);
    expect(submitted(sent)).toEqual([
      ["FORM_TYPE", ["http://jabber.org/protocol/muc#register"]],
      ["muc#register_first", ["Brunhilde"]],
      ["muc#register_last", ["Entwhistle-Throckmorton"]],
      ["muc#register_roomnick", ["thirdwitch"]],
      ["muc#register_url", ["http://witchesonline/~hag66/"]],
      ["muc#register_email", ["hag66@witchesonline"]],
      ["muc#register_faqentry", ["Just another witch."]],
      ["muc#register_allow", ["1"]],
    ]);
  });

  it("deny() sends muc#register_allow 0", async () => {
    const { h, requests } = admin();
    h.conn.receive(REGISTRATION_FORM);
    await requests[0]!.deny();
    const sent = await h.conn.nextSent((s) => s.is("message"));
    expect(submitted(sent).find(([v]) => v === "muc#register_allow")).toEqual(["muc#register_allow", ["0"]]);
  });

  it("fields the room adds go back as sent, fixed texts do not, and a missing allow field is added", async () => {
    const { h, requests } = admin();
    h.conn.receive(
      REGISTRATION_FORM.replace(
        /<field var='muc#register_allow'[\s\S]*?<\/field>/,
        "<field type='fixed'><value>Please decide</value></field><field var='x-request-id' type='hidden'><value>r-17</value></field>",
      ),
    );
    await requests[0]!.approve();
    const fields = submitted(await h.conn.nextSent((s) => s.is("message")));
    expect(fields.slice(-2)).toEqual([
      ["x-request-id", ["r-17"]],
      ["muc#register_allow", ["1"]],
    ]);
    expect(fields.some(([v]) => v === undefined)).toBe(false);
  });

  it("ignores occupants, non-room senders, other forms, submissions and groupchat; nothing once stopped", () => {
    const { h, requests } = admin();
    h.conn.receive(REGISTRATION_FORM.replace("from='coven@chat.shakespeare.lit'", "from='coven@chat.shakespeare.lit/secondwitch'"));
    h.conn.receive(REGISTRATION_FORM.replace("from='coven@chat.shakespeare.lit'", "from='chat.shakespeare.lit'"));
    h.conn.receive(REGISTRATION_FORM.replace("muc#register</value>", "muc#request</value>"));
    h.conn.receive(REGISTRATION_FORM.replace("type='form'", "type='submit'"));
    h.conn.receive(REGISTRATION_FORM.replace("<message ", "<message type='groupchat' "));
    h.conn.receive(REGISTRATION_FORM.replace("<message ", "<message type='error' "));
    expect(requests).toEqual([]);
    stops.pop()!();
    h.conn.receive(REGISTRATION_FORM);
    expect(requests).toEqual([]);
  });

  it("with `from`, only the rooms it accepts", () => {
    const h = setup(CRONE);
    const requests: RegistrationRequestEvent[] = [];
    stops.push(onRegistrationRequest(h.muc, (r) => requests.push(r), { from: (room) => room.toString() === ROOM }));
    h.conn.receive(REGISTRATION_FORM.replace("from='coven@chat.shakespeare.lit'", "from='mallory@evil.example'"));
    h.conn.receive(REGISTRATION_FORM);
    expect(requests.map((r) => r.room.toString())).toEqual([ROOM]);
  });

  it("a voice request is not a registration request, nor the reverse", async () => {
    const { h, requests } = admin();
    await enterAs(h, "firstwitch");
    const voice: VoiceRequestEvent[] = [];
    stops.push(onVoiceRequest(h.muc, (r) => voice.push(r)));
    h.conn.receive(APPROVAL_FORM);
    h.conn.receive(REGISTRATION_FORM);
    expect(requests.map((r) => r.registration.roomNick)).toEqual(["thirdwitch"]);
    expect(voice.map((r) => r.nick)).toEqual(["thirdwitch"]);
    expect(voice[0]!.form.title).toBe("Voice request");
    expect(requests[0]!.form.title).toBe("Registration request");
  });

  it("a handler that throws is logged and does not stop the next request", () => {
    const h = setup(CRONE);
    let calls = 0;
    stops.push(
      onRegistrationRequest(h.muc, () => {
        calls++;
        throw new Error("boom");
      }),
    );
    h.conn.receive(REGISTRATION_FORM);
    h.conn.receive(REGISTRATION_FORM);
    expect(calls).toBe(2);
    expect(h.logger.warn).toHaveBeenCalled();
  });
});
