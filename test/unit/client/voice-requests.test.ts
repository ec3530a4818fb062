/**
 * Voice requests over the mock connection: the moderator's side of XEP-0045
 * §8.6, with the examples "Voice Request Approval Form" and "Voice Request
 * Approval Submission" (version 1.35.5); who may send requests; stopping.
 */
import { afterEach, describe, expect, it } from "vitest";
import { onVoiceRequest, type VoiceRequestEvent } from "../../../src/index.js";
import { CAST, enterAs, ROOM, setup } from "./room-presence-helpers.js";

const CRONE = CAST.firstwitch.jid;

const APPROVAL_FORM = `<message from='coven@chat.shakespeare.lit'
         id='approve'
         to='crone1@shakespeare.lit/pda'>
  <x xmlns='jabber:x:data' type='form'>
    <title>Voice request</title>
    <instructions>
      To approve this request for voice, select
      the &quot;Grant voice to this person?&quot;
      checkbox and click OK. To skip this request,
      click the cancel button.
    </instructions>
    <field var='FORM_TYPE' type='hidden'>
        <value>http://jabber.org/protocol/muc#request</value>
    </field>
    <field var='muc#role'
           type='list-single'
           label='Requested role'>
      <value>participant</value>
    </field>
    <field var='muc#jid'
           type='jid-single'
           label='User ID'>
      <value>hag66@shakespeare.lit/pda</value>
    </field>
    <field var='muc#roomnick'
           type='text-single'
           label='Room Nickname'>
      <value>thirdwitch</value>
    </field>
    <field var='muc#request_allow'
           type='boolean'
           label='Grant voice to this person?'>
      <value>false</value>
    </field>
  </x>
</message>`;

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
