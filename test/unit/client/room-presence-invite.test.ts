/**
 * Invitations (XEP-0045 §7.8, XEP-0249) received and sent, and listener
 * isolation: a throwing handler breaks neither the room's state nor the
 * other handlers.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import type { DeclineEvent, InviteEvent, JoinEvent } from "../../../src/index.js";
import { canonical, parseXml } from "../../helpers/xml.js";
import { CAST, NS_MUC_USER, ROOM, enterAs, flush, setup, type Harness } from "./room-presence-helpers.js";

const HECATE = "hecate@shakespeare.lit/broom";
const CRONE = CAST.firstwitch.jid;

let h: Harness | undefined;
afterEach(() => {
  h?.muc.close();
  h = undefined;
});

/** A sent message without its generated id, for a canonical comparison with the XEP's example (whose id is its own). */
function withoutId(el: Element): Element {
  const copy = parseXml(el.toString());
  delete copy.attrs.id;
  return copy;
}

const isMessage = (s: Element): boolean => s.is("message");

describe("receiving invitations", () => {
  it("mediated (XEP-0045 example 64): `invite` with room, from, reason, password, kind; decline() sends example 65", async () => {
    h = setup(HECATE);
    const invites: InviteEvent[] = [];
    h.muc.on("invite", (e) => invites.push(e));
    h.conn.receive(`<message from='coven@chat.shakespeare.lit' id='nzd143v8' to='hecate@shakespeare.lit'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <invite from='crone1@shakespeare.lit/desktop'>
          <reason>
            Hey Hecate, this is the place for all good witches!
          </reason>
        </invite>
        <password>cauldronburn</password>
      </x>
    </message>`);
    expect(invites).toHaveLength(1);
    const invite = invites[0]!;
    expect(invite.kind).toBe("mediated");
    expect(invite.room.toString()).toBe(ROOM);
    expect(invite.from?.toString()).toBe("crone1@shakespeare.lit/desktop");
    // The reason is the element's text as sent (the example's indentation included).
    expect(invite.reason?.trim()).toBe("Hey Hecate, this is the place for all good witches!");
    expect(invite.password).toBe("cauldronburn");
    expect(invite.continue).toBe(false);
    expect(invite.thread).toBeUndefined();
    expect(invite.service).toBe(h.muc);
    expect(invite.stanza.attrs.id).toBe("nzd143v8");
    // Not a room event: we are in no room.
    expect(h.muc.rooms).toEqual([]);

    await invite.decline("Sorry, I'm too busy right now.");
    const sent = await h.conn.nextSent(isMessage);
    expect(typeof sent.attrs.id).toBe("string");
    // Example 65, addressed to the inviter as the room named it.
    expect(canonical(withoutId(sent))).toBe(
      canonical(
        parseXml(`<message to='coven@chat.shakespeare.lit'>
          <x xmlns='http://jabber.org/protocol/muc#user'>
            <decline to='crone1@shakespeare.lit/desktop'>
              <reason>Sorry, I'm too busy right now.</reason>
            </decline>
          </x>
        </message>`),
      ),
    );
  });

  it("mediated, continuing a one-to-one chat (example 75, sent from the inviter's occupant JID): continue and thread", async () => {
    h = setup("wiccarocks@shakespeare.lit/laptop");
    const invites: InviteEvent[] = [];
    h.muc.on("invite", (e) => invites.push(e));
    h.conn.receive(`<message from='coven@chat.shakespeare.lit/firstwitch' id='DB0414CB-AFBA-407E-9DE3-0E014E84860F' to='wiccarocks@shakespeare.lit/laptop'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <invite from='crone1@shakespeare.lit'>
          <reason>This coven needs both wiccarocks and hag66.</reason>
          <continue thread='e0ffe42b28561960c6b12b944a092794b9683a38'/>
        </invite>
      </x>
    </message>`);
    expect(invites).toHaveLength(1);
    expect(invites[0]).toMatchObject({
      kind: "mediated",
      reason: "This coven needs both wiccarocks and hag66.",
      password: undefined,
      continue: true,
      thread: "e0ffe42b28561960c6b12b944a092794b9683a38",
    });
    expect(invites[0]!.room.toString()).toBe(ROOM);
    expect(invites[0]!.from?.toString()).toBe("crone1@shakespeare.lit");
    // decline() without a reason.
    await invites[0]!.decline();
    const sent = await h.conn.nextSent(isMessage);
    expect(canonical(withoutId(sent))).toBe(
      canonical(parseXml(`<message to='${ROOM}'><x xmlns='${NS_MUC_USER}'><decline to='crone1@shakespeare.lit'/></x></message>`)),
    );
  });

  it("direct (XEP-0249 example 1): `invite` kind direct", async () => {
    h = setup(HECATE);
    const invites: InviteEvent[] = [];
    h.muc.on("invite", (e) => invites.push(e));
    h.conn.receive(`<message from='crone1@shakespeare.lit/desktop' to='hecate@shakespeare.lit'>
      <x xmlns='jabber:x:conference'
         jid='darkcave@macbeth.shakespeare.lit'
         password='cauldronburn'
         reason='Hey Hecate, this is the place for all good witches!'/>
    </message>`);
    expect(invites).toHaveLength(1);
    expect(invites[0]).toMatchObject({
      kind: "direct",
      reason: "Hey Hecate, this is the place for all good witches!",
      password: "cauldronburn",
      continue: false,
      thread: undefined,
    });
    expect(invites[0]!.room.toString()).toBe("darkcave@macbeth.shakespeare.lit");
    expect(invites[0]!.from?.toString()).toBe("crone1@shakespeare.lit/desktop");
  });

  it("direct, continuing a one-to-one chat (XEP-0249 example 2); decline() goes through the room", async () => {
    h = setup(HECATE);
    const invites: InviteEvent[] = [];
    h.muc.on("invite", (e) => invites.push(e));
    h.conn.receive(`<message from='crone1@shakespeare.lit/desktop' to='hecate@shakespeare.lit'>
      <x xmlns='jabber:x:conference'
         continue='true'
         jid='darkcave@macbeth.shakespeare.lit'
         password='cauldronburn'
         reason='Hey Hecate, this is the place for all good witches!'
         thread='e0ffe42b28561960c6b12b944a092794b9683a38'/>
    </message>`);
    expect(invites[0]).toMatchObject({ kind: "direct", continue: true, thread: "e0ffe42b28561960c6b12b944a092794b9683a38" });
    await invites[0]!.decline("Not tonight.");
    const sent = await h.conn.nextSent(isMessage);
    expect(canonical(withoutId(sent))).toBe(
      canonical(
        parseXml(`<message to='darkcave@macbeth.shakespeare.lit'><x xmlns='${NS_MUC_USER}'>
          <decline to='crone1@shakespeare.lit/desktop'><reason>Not tonight.</reason></decline></x></message>`),
      ),
    );
  });

  it("a decline of our invitation (example 66): `decline` event", async () => {
    h = setup(CRONE);
    const declines: DeclineEvent[] = [];
    const invites: InviteEvent[] = [];
    h.muc.on("decline", (e) => declines.push(e));
    h.muc.on("invite", (e) => invites.push(e));
    h.conn.receive(`<message from='coven@chat.shakespeare.lit' id='jk2vs61v' to='crone1@shakespeare.lit/desktop'>
      <x xmlns='http://jabber.org/protocol/muc#user'>
        <decline from='hecate@shakespeare.lit'>
          <reason>
            Sorry, I'm too busy right now.
          </reason>
        </decline>
      </x>
    </message>`);
    expect(invites).toEqual([]);
    expect(declines).toHaveLength(1);
    expect(declines[0]!.room.toString()).toBe(ROOM);
    expect(declines[0]!.from?.toString()).toBe("hecate@shakespeare.lit");
    expect(declines[0]!.reason?.trim()).toBe("Sorry, I'm too busy right now.");
    expect(declines[0]!.service).toBe(h.muc);
    expect(declines[0]!.stanza.attrs.id).toBe("jk2vs61v");
  });

  it("a decline while we are in the room is a `decline` event, not a room message", async () => {
    h = setup(CRONE);
    const { room } = await enterAs(h, "firstwitch");
    const messages: unknown[] = [];
    room.on("message", (e) => messages.push(e));
    room.on("privateMessage", (e) => messages.push(e));
    const declines: DeclineEvent[] = [];
    h.muc.on("decline", (e) => declines.push(e));
    h.conn.receive(`<message from='${ROOM}' to='${CRONE}'><x xmlns='${NS_MUC_USER}'><decline from='hecate@shakespeare.lit'/></x></message>`);
    expect(declines).toHaveLength(1);
    expect(messages).toEqual([]);
  });
});

describe("sending invitations", () => {
  it("room.invite(jid) sends the mediated invitation of example 63", async () => {
    h = setup(CRONE);
    const { room } = await enterAs(h, "firstwitch");
    h.conn.takeSent();
    await room.invite("hecate@shakespeare.lit", { reason: "Hey Hecate, this is the place for all good witches!" });
    const sent = await h.conn.nextSent(isMessage);
    expect(typeof sent.attrs.id).toBe("string");
    expect(sent.attrs.type).toBeUndefined();
    expect(canonical(withoutId(sent))).toBe(
      canonical(
        parseXml(`<message to='coven@chat.shakespeare.lit'>
          <x xmlns='http://jabber.org/protocol/muc#user'>
            <invite to='hecate@shakespeare.lit'>
              <reason>Hey Hecate, this is the place for all good witches!</reason>
            </invite>
          </x>
        </message>`),
      ),
    );
  });

  it("room.invite(jid) without a reason", async () => {
    h = setup(CRONE);
    const { room } = await enterAs(h, "firstwitch");
    h.conn.takeSent();
    await room.invite("hecate@shakespeare.lit");
    const sent = await h.conn.nextSent(isMessage);
    expect(canonical(withoutId(sent))).toBe(
      canonical(parseXml(`<message to='${ROOM}'><x xmlns='${NS_MUC_USER}'><invite to='hecate@shakespeare.lit'/></x></message>`)),
    );
  });

  it("room.invite(jid, { mode: 'direct' }) sends XEP-0249 example 1, with the room password", async () => {
    h = setup(CRONE);
    const { room } = await enterAs(h, "firstwitch", { room: "darkcave@macbeth.shakespeare.lit", others: [], password: "cauldronburn" });
    h.conn.takeSent();
    await room.invite("hecate@shakespeare.lit", { mode: "direct", reason: "Hey Hecate, this is the place for all good witches!" });
    const sent = await h.conn.nextSent(isMessage);
    expect(canonical(withoutId(sent))).toBe(
      canonical(
        parseXml(`<message to='hecate@shakespeare.lit'>
          <x xmlns='jabber:x:conference'
             jid='darkcave@macbeth.shakespeare.lit'
             password='cauldronburn'
             reason='Hey Hecate, this is the place for all good witches!'/>
        </message>`),
      ),
    );
  });

  it("a direct invitation without password or reason carries only the room JID", async () => {
    h = setup(CRONE);
    const { room } = await enterAs(h, "firstwitch", { others: [] });
    h.conn.takeSent();
    await room.invite("hecate@shakespeare.lit", { mode: "direct" });
    const sent = await h.conn.nextSent(isMessage);
    expect(canonical(withoutId(sent))).toBe(canonical(parseXml(`<message to='hecate@shakespeare.lit'><x xmlns='jabber:x:conference' jid='${ROOM}'/></message>`)));
  });
});

describe("a throwing handler", () => {
  it("breaks neither processing nor the other `join` handlers; the logger's warn reports it", async () => {
    h = setup(CRONE);
    const { room } = await enterAs(h, "firstwitch", { others: ["secondwitch"] });
    const boom = new Error("handler bug");
    const seen: JoinEvent[] = [];
    room.on("join", () => {
      throw boom;
    });
    room.on("join", (e) => seen.push(e));
    h.conn.receive(`<presence from='${ROOM}/thirdwitch'><x xmlns='${NS_MUC_USER}'><item affiliation='member' role='participant'/></x></presence>`);
    expect(seen.map((e) => e.occupant.nick)).toEqual(["thirdwitch"]);
    expect(room.getOccupant("thirdwitch")).toBe(seen[0]!.occupant);
    expect(room.occupants.map((o) => o.nick)).toEqual(["firstwitch", "secondwitch", "thirdwitch"]);
    expect(h.logger.warn).toHaveBeenCalledTimes(1);
    expect(h.logger.warn).toHaveBeenCalledWith(expect.stringContaining("'join'"), boom);

    // The next presence is processed as usual.
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' type='unavailable'><x xmlns='${NS_MUC_USER}'><item affiliation='member' role='none'/></x></presence>`);
    expect(room.getOccupant("thirdwitch")).toBeUndefined();
  });

  it("in the middle of a ban's event sequence: `leave` still fires and the state is right", async () => {
    h = setup(CRONE);
    const { room } = await enterAs(h, "firstwitch");
    const order: string[] = [];
    room.on("affiliationChange", () => {
      order.push("affiliationChange");
      throw new Error("bug");
    });
    room.on("leave", (e) => order.push(`leave ${e.mode}`));
    h.conn.receive(`<presence from='${ROOM}/thirdwitch' type='unavailable'>
      <x xmlns='${NS_MUC_USER}'><item affiliation='outcast' role='none'/><status code='301'/></x></presence>`);
    expect(order).toEqual(["affiliationChange", "leave banned"]);
    expect(room.getOccupant("thirdwitch")).toBeUndefined();
    expect(h.logger.warn).toHaveBeenCalledTimes(1);
  });

  it("throwing in `enter` does not stop the join from resolving; a rejecting async handler is reported too", async () => {
    h = setup(CRONE);
    const { room, joined } = h.muc.join(ROOM, "firstwitch");
    room.on("enter", () => {
      throw new Error("sync bug");
    });
    room.on("enter", async () => {
      throw new Error("async bug");
    });
    await h.conn.nextSent((s) => s.is("presence"));
    h.conn.receive(`<presence from='${ROOM}/firstwitch'><x xmlns='${NS_MUC_USER}'><item affiliation='owner' role='moderator'/><status code='110'/></x></presence>`);
    await expect(joined).resolves.toBe(room);
    await flush();
    expect(h.logger.warn).toHaveBeenCalledTimes(2);
    expect(room.joined).toBe(true);
  });

  it("a throwing `invite` handler does not keep the next one from running", async () => {
    h = setup(HECATE);
    const kinds: string[] = [];
    h.muc.on("invite", () => {
      throw new Error("bug");
    });
    h.muc.on("invite", (e) => kinds.push(e.kind));
    h.conn.receive(`<message from='crone1@shakespeare.lit/desktop' to='${HECATE}'><x xmlns='jabber:x:conference' jid='${ROOM}'/></message>`);
    expect(kinds).toEqual(["direct"]);
    expect(h.logger.warn).toHaveBeenCalledWith(expect.stringContaining("'invite'"), expect.any(Error));
  });
});
