/**
 * Invitations and private messages through a gateway room (transcripts on
 * the mock component):
 *
 * - `gateway.inviteTo(muc, jid, …)` and `session.sendGatewayInvite(muc, …)`:
 *   XEP-0249 direct invitations from the gateway, or XEP-0045 §7.8.2
 *   mediated ones from the room;
 * - the user's mediated invitation, or direct one (XEP-0249, sent to the
 *   contact) → `session.onInvitation(contact, muc, reason)` (by default
 *   `onSetAffiliation(…, "member")`);
 * - private messages (§7.5) both ways: `session.onPrivateText`,
 *   `participant.sendPrivateText`; refusals.
 */
import { afterEach, describe, expect, it } from "vitest";
import { LegacyRoster, type LegacyBookmarks, type LegacyModule } from "../../../src/gateway/index.js";
import { GW, NS_MUC_USER, RES, USER, TestNetwork, closeStores, errorCondition, join, request, room, settle, startGateway } from "./helpers.js";

const FULL = `${USER}/${RES}`;
const NS_CONFERENCE = "jabber:x:conference";

afterEach(() => closeStores());

describe("invitations from the gateway", () => {
  it("sendGatewayInvite: a direct invitation (XEP-0249) from the gateway to the user", async () => {
    const h = await startGateway();
    const muc = await room(h, "coffee");
    const sent = h.component.nextSent((s) => s.is("message") && s.getChild("x", NS_CONFERENCE) !== undefined);
    await muc.session.sendGatewayInvite(muc, { reason: "You were added to Coffee" });
    const m = await sent;
    expect(m.attrs).toMatchObject({ from: GW, to: USER });
    expect(m.getChild("x", NS_CONFERENCE)?.attrs).toMatchObject({ jid: `coffee@${GW}`, reason: "You were added to Coffee" });
  });

  it("inviteTo(…, { mode: 'mediated' }): from the room, the gateway as inviter, with the password", async () => {
    const h = await startGateway();
    const muc = await room(h, "coffee");
    const sent = h.component.nextSent((s) => s.is("message") && s.getChild("x", NS_MUC_USER) !== undefined);
    await h.gateway.inviteTo(muc, "juliet@capulet.lit", { mode: "mediated", reason: "Join us", password: "beans" });
    const m = await sent;
    expect(m.attrs).toMatchObject({ from: `coffee@${GW}`, to: "juliet@capulet.lit" });
    const x = m.getChild("x", NS_MUC_USER);
    expect(x?.getChild("invite")?.attrs.from).toBe(GW);
    expect(x?.getChild("invite")?.getChildText("reason")).toBe("Join us");
    expect(x?.getChildText("password")).toBe("beans");
  });
});

describe("the user's invitations", () => {
  it("a mediated invitation of a gateway contact → onInvitation with its legacy id; by default onSetAffiliation(member)", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' id='inv1'><x xmlns='${NS_MUC_USER}'><invite to='u-dave@${GW}'><reason>Try the beans</reason></invite></x></message>`);
    await settle(h);
    expect(h.net.calls.onInvitation).toEqual([{ room: "coffee", jid: `u-dave@${GW}`, legacyId: "u-dave", reason: "Try the beans" }]);
    expect(h.net.calls.onSetAffiliation).toEqual([{ room: "coffee", nick: undefined, jid: `u-dave@${GW}`, affiliation: "member", reason: "Try the beans" }]);
  });

  it("an invitation of any other JID has no legacy id; a refusal comes back as an error message; one without to is bad-request", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    h.net.affiliationError = new Error("not on this network");
    const refused = await request(h, `<message from='${FULL}' to='coffee@${GW}' id='inv2'><x xmlns='${NS_MUC_USER}'><invite to='juliet@capulet.lit'/></x></message>`);
    expect(errorCondition(refused)).toBe("internal-server-error");
    expect(h.net.calls.onInvitation.at(-1)).toMatchObject({ jid: "juliet@capulet.lit", legacyId: undefined });
    const bad = await request(h, `<message from='${FULL}' to='coffee@${GW}' id='inv3'><x xmlns='${NS_MUC_USER}'><invite/></x></message>`);
    expect(errorCondition(bad)).toBe("bad-request");
  });

  it("an <invite/> without to after a valid one refuses the whole message, inviting nobody; an invitee named twice is invited once", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const bad = await request(h, `<message from='${FULL}' to='coffee@${GW}' id='inv4'><x xmlns='${NS_MUC_USER}'><invite to='u-dave@${GW}'/><invite/></x></message>`);
    expect(errorCondition(bad)).toBe("bad-request");
    expect(h.net.calls.onInvitation).toEqual([]);
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}' id='inv5'><x xmlns='${NS_MUC_USER}'><invite to='u-dave@${GW}'><reason>one</reason></invite><invite to='u-dave@${GW}'><reason>two</reason></invite></x></message>`);
    await settle(h);
    expect(h.net.calls.onInvitation).toEqual([{ room: "coffee", jid: `u-dave@${GW}`, legacyId: "u-dave", reason: "one" }]);
  });
});

/** The test network with `u-dave` as the user's contact. */
class NetworkWithDave extends TestNetwork {
  override module(): LegacyModule {
    return {
      ...super.module(),
      Roster: class extends LegacyRoster {
        override async isContact(legacyId: string) {
          return legacyId === "u-dave";
        }
      },
    };
  }
}

describe("the user's direct invitations (XEP-0249) to a contact", () => {
  const invite = (id: string, to: string, x: string, body = ""): string => `<message from='${FULL}' to='${to}' id='${id}'>${body}${x}</message>`;

  it("an invitation into one of the user's groups, sent to a contact → onInvitation(contact, muc, reason); its fallback body is no message", async () => {
    const h = await startGateway({ net: new NetworkWithDave() });
    await room(h, "coffee");
    h.component.receive(invite("d1", `u-dave@${GW}`, `<x xmlns='${NS_CONFERENCE}' jid='coffee@${GW}' reason='Try the beans'/>`, "<body>Join coffee@gw</body>"));
    await settle(h);
    expect(h.net.calls.onInvitation).toEqual([{ room: "coffee", jid: `u-dave@${GW}`, legacyId: "u-dave", reason: "Try the beans" }]);
    expect(h.net.calls.onSetAffiliation).toEqual([{ room: "coffee", nick: undefined, jid: `u-dave@${GW}`, affiliation: "member", reason: "Try the beans" }]);
    expect(h.net.calls.onText).toEqual([]);
    expect(h.component.sent.filter((s) => s.attrs.type === "error")).toEqual([]);
  });

  it("a room elsewhere: not-acceptable; a room of the gateway that is not the user's: item-not-found; no jid: bad-request; no hook runs", async () => {
    const h = await startGateway({ net: new NetworkWithDave() });
    await room(h, "coffee");
    const cases: [string, string][] = [
      [`<x xmlns='${NS_CONFERENCE}' jid='coven@chat.shakespeare.lit'/>`, "not-acceptable"],
      [`<x xmlns='${NS_CONFERENCE}' jid='coffee@${GW}/nick'/>`, "not-acceptable"],
      [`<x xmlns='${NS_CONFERENCE}' jid='no-such-group@${GW}'/>`, "item-not-found"],
      [`<x xmlns='${NS_CONFERENCE}'/>`, "bad-request"],
    ];
    for (const [i, [x, condition]] of cases.entries()) {
      const reply = h.component.nextSent((s) => s.attrs.id === `d${i}` && s.attrs.type === "error");
      h.component.receive(invite(`d${i}`, `u-dave@${GW}`, x));
      expect(errorCondition(await reply)).toBe(condition);
    }
    expect(h.net.calls.onInvitation).toEqual([]);
    expect(h.net.calls.onSetAffiliation).toEqual([]);
  });
});

describe("the user's invitations of a group", () => {
  it("another room of the gateway, or this one, is no contact: not-acceptable, and no hook runs", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    for (const [id, invitee] of [["g1", `news@${GW}`], ["g2", `coffee@${GW}`], ["g3", `NEWS@${GW}`]] as const) {
      const refused = await request(h, `<message from='${FULL}' to='coffee@${GW}' id='${id}'><x xmlns='${NS_MUC_USER}'><invite to='${invitee}'/></x></message>`);
      expect(errorCondition(refused), invitee).toBe("not-acceptable");
    }
    // With a contact before it, the whole message is refused: the contact is not invited either.
    const mixed = await request(h, `<message from='${FULL}' to='coffee@${GW}' id='g4'><x xmlns='${NS_MUC_USER}'><invite to='u-dave@${GW}'/><invite to='forum@${GW}'/></x></message>`);
    expect(errorCondition(mixed)).toBe("not-acceptable");
    expect(h.net.calls.onInvitation).toEqual([]);
    expect(h.net.calls.onSetAffiliation).toEqual([]);
  });

  it("a group the module's isGroup knows, before its room exists, is refused too (and its room is not made)", async () => {
    const net = new TestNetwork();
    const module = net.module();
    const Base = module.Bookmarks as typeof LegacyBookmarks;
    class Hidden extends Base {
      override async isGroup(legacyId: string) {
        return legacyId === "secret";
      }
    }
    net.module = () => ({ ...module, Bookmarks: Hidden });
    const h = await startGateway({ net });
    await join(h, "coffee");
    const refused = await request(h, `<message from='${FULL}' to='coffee@${GW}' id='g5'><x xmlns='${NS_MUC_USER}'><invite to='secret@${GW}'/></x></message>`);
    expect(errorCondition(refused)).toBe("not-acceptable");
    expect(h.net.calls.onInvitation).toEqual([]);
    expect(h.gateway.getSession(USER)?.bookmarks.rooms.map((r) => r.legacyId)).not.toContain("secret");
  });
});

describe("private messages (XEP-0045 §7.5)", () => {
  it("the user's private message → onPrivateText(participant, text); a participant's → chat from its occupant JID with muc#user <x/>", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}/Bob' type='chat' id='pm1'><body>psst</body></message>`);
    await settle(h);
    expect(h.net.calls.onPrivateText).toEqual([{ room: "coffee", nick: "Bob", text: "psst", xmppId: "pm1" }]);
    const bob = (await room(h, "coffee")).getParticipantByNick("Bob");
    if (!bob) throw new Error("no Bob");
    const sent = h.component.nextSent((s) => s.is("message") && s.attrs.type === "chat");
    await bob.sendPrivateText("over here");
    const m = await sent;
    expect(m.attrs).toMatchObject({ from: `coffee@${GW}/Bob`, to: FULL, type: "chat" });
    expect(m.getChildText("body")).toBe("over here");
    expect(m.getChild("x", NS_MUC_USER)).toBeDefined();
    expect(m.getChild("stanza-id", "urn:xmpp:sid:0")).toBeUndefined();
  });

  it("to someone not in the room: item-not-found; before joining: not-acceptable; a chat state alone: nothing", async () => {
    const h = await startGateway();
    const early = await request(h, `<message from='${FULL}' to='coffee@${GW}/Bob' type='chat' id='pm2'><body>hi</body></message>`);
    expect(errorCondition(early)).toBe("not-acceptable");
    await join(h, "coffee");
    const nobody = await request(h, `<message from='${FULL}' to='coffee@${GW}/Nobody' type='chat' id='pm3'><body>hi</body></message>`);
    expect(errorCondition(nobody)).toBe("item-not-found");
    h.component.receive(`<message from='${FULL}' to='coffee@${GW}/Bob' type='chat' id='pm4'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`);
    await settle(h);
    expect(h.net.calls.onPrivateText).toEqual([]);
  });

  it("one of type groupchat is refused with bad-request (§7.5: the occupant would take it for a room message); nothing reaches the module", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const refused = await request(h, `<message from='${FULL}' to='coffee@${GW}/Bob' type='groupchat' id='pm6'><body>psst</body></message>`);
    expect(refused.attrs).toMatchObject({ type: "error", from: `coffee@${GW}/Bob`, to: FULL });
    expect(errorCondition(refused)).toBe("bad-request");
    expect(h.net.calls.onPrivateText).toEqual([]);
    expect(h.net.calls.onText).toEqual([]);
  });

  it("a network without private messages: not-acceptable", async () => {
    const net = new TestNetwork();
    net.privateMessages = false;
    const h = await startGateway({ net });
    await join(h, "coffee");
    const refused = await request(h, `<message from='${FULL}' to='coffee@${GW}/Bob' type='chat' id='pm5'><body>hi</body></message>`);
    expect(errorCondition(refused)).toBe("not-acceptable");
  });
});
