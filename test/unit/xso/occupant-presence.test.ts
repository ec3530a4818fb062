/**
 * The one-pass reading of occupant presences gives exactly what the codecs
 * give, or declines: checked on the presences of XEP-0045's examples and of
 * Prosody, and on 30,000 mutations of them (each either declined, or equal
 * to `presenceState`, `mucUserX` and `occupantId` decoding the same stanza).
 */
import { describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { parseXml } from "../../helpers/xml.js";
import { mutate, pick, prng } from "../../helpers/mutate.js";
import { cloneElement } from "../../../src/xso/codec.js";
import { readOccupantPresence } from "../../../src/xso/occupant-presence.js";
import { mucUserX } from "../../../src/xso/muc-user.js";
import { occupantId } from "../../../src/xso/occupant-id.js";
import { vcardUpdate } from "../../../src/xso/vcard.js";
import { presenceState } from "../../../src/xso/presence.js";
import { NS_CLIENT } from "../../../src/xso/ns.js";

const ROOM = "coven@chat.shakespeare.lit";

/** Presences a room receives: XEP-0045 §7.2.3 Example 22, §7.2.4 (110), Prosody's (the stream's xml:lang, occupant-id, caps, real JID), removals. */
const SEEDS = [
  `<presence from='${ROOM}/firstwitch' id='3DCB0401-D7CF-4E31-BE05-EDF8D057BFBD' to='hag66@shakespeare.lit/pda'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>`,
  `<presence from='${ROOM}/thirdwitch' id='n13mt3l' to='hag66@shakespeare.lit/pda'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' jid='hag66@shakespeare.lit/pda' role='participant'/><status code='100'/><status code='110'/><status code='210'/></x></presence>`,
  `<presence from='${ROOM}/bob' xml:lang='en' to='alice@localhost/r'><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://code.matthewwild.co.uk/verse/' ver='ZOKjmDfuuYi9nlM+5xuuWY0ux6g='/><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant' jid='bob@localhost/res'/></x><occupant-id xmlns='urn:xmpp:occupant-id:0' id='Yxk3o1+Hf7pSGuyqY3B0pahN0Vl4cUjYq5FxMTUqfHA='/></presence>`,
  `<presence from='${ROOM}/pistol' type='unavailable' to='alice@localhost/r'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='307'/></x></presence>`,
  `<presence from='${ROOM}/oldhag' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' jid='hag66@shakespeare.lit/pda' nick='oldhag' role='participant'/><status code='303'/></x></presence>`,
  `<presence from='${ROOM}/secondwitch'><show>away</show><status>brb</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' role='moderator'/></x></presence>`,
  `<presence from='${ROOM}/thirdwitch' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='outcast' role='none'><actor nick='Fluellen'/><reason>Treason</reason></item><status code='301'/></x></presence>`,
  `<presence from='${ROOM}/hecate'><show>dnd</show><status xml:lang='en'>Brewing</status><status xml:lang='de'>Brauen</status><status>…</status><priority>5</priority><x xmlns='vcard-temp:x:update'><photo/></x><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/></x></presence>`,
  `<presence from='${ROOM}/graymalkin'><show>online</show><priority> -1 </priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/><x xmlns='vcard-temp:x:update'><photo>01b87fcd030b72895ff8e88db57ec525450f000d</photo></x><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='visitor'/></x></presence>`,
];

/** What the codecs give, or `"throws"`. */
function viaCodecs(el: Element): unknown {
  try {
    return { state: presenceState.decode(el, NS_CLIENT), x: mucUserX.findIn(el, NS_CLIENT), occupantId: occupantId.tryFindIn(el, NS_CLIENT)?.id, avatarHash: vcardUpdate.tryFindIn(el, NS_CLIENT)?.photo };
  } catch {
    return "throws";
  }
}

function check(el: Element): "read" | "declined" {
  const fast = readOccupantPresence(el);
  if (fast === undefined) return "declined";
  expect(fast, el.toString()).toEqual(viaCodecs(el));
  return "read";
}

describe("readOccupantPresence", () => {
  it("reads the common presences as the codecs do, and declines the rest", () => {
    const outcomes = SEEDS.map((s) => check(parseXml(s)));
    // All but the one with an actor and a reason, which goes through the codecs.
    expect(outcomes).toEqual(["read", "read", "read", "read", "read", "read", "declined", "read", "read"]);
  });

  it("30,000 mutated presences: each declined, or read exactly as the codecs read it", () => {
    const rnd = prng(0x0cc0);
    const names = ["x", "item", "status", "occupant-id", "show", "priority", "photo",  "hats", "actor", "reason", "destroy", "invite", "code", "affiliation", "role", "jid", "nick", "id", "type", "xml:lang"];
    const seeds = SEEDS.map(parseXml);
    let read = 0;
    for (let i = 0; i < 30_000; i++) {
      const el = cloneElement(pick(rnd, seeds));
      mutate(el, rnd, names, "http://jabber.org/protocol/muc#user");
      if (check(el) === "read") read++;
    }
    // The mutations keep a fair share of readable presences: the equality above was checked on them.
    expect(read).toBeGreaterThan(3_000);
  });
});
