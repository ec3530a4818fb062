/**
 * What an occupant's presence says beyond role and status: its avatar hash
 * (XEP-0153 §3.2, `vcard-temp:x:update`) and its hats (XEP-0317), each with a
 * change event. Presences as Prosody sends them (with the stream's
 * `xml:lang`), so the one-pass reading is the one exercised, and the same
 * through the codecs (a presence with hats).
 */
import { afterEach, describe, expect, it } from "vitest";
import { CAST, ROOM, enterAs, recordEvents, setup, type Harness } from "./room-presence-helpers.js";

const CRONE = CAST.firstwitch.jid;
const HASH_1 = "01b87fcd030b72895ff8e88db57ec525450f000d";
const HASH_2 = "sha1-of-another-image-0000000000000000000";
const MUC_USER = "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/></x>";
const TEACHER = "<hat uri='http://tech.example.edu/hats#Teacher' title='Teacher' hue='210'/>";
const ASSISTANT = "<hat uri='http://tech.example.edu/hats#TeacherAssistant' title='Teaching Assistant' hue='30'/>";

let h: Harness | undefined;
afterEach(() => {
  h?.muc.close();
  h = undefined;
});

function presence(nick: string, inner: string): string {
  return `<presence from='${ROOM}/${nick}' xml:lang='en' to='${CRONE}'>${inner}${MUC_USER}</presence>`;
}

async function enter() {
  h = setup(CRONE);
  const { room } = await enterAs(h, "firstwitch");
  return { h, room, events: recordEvents(room) };
}

describe("avatars (XEP-0153)", () => {
  it("an occupant joins with a photo hash: occupant.avatarHash", async () => {
    const { h, room, events } = await enter();
    h.conn.receive(presence("hecate", `<x xmlns='vcard-temp:x:update'><photo>${HASH_1}</photo></x>`));
    expect(events).toEqual(["join hecate"]);
    expect(room.getOccupant("hecate")?.avatarHash).toBe(HASH_1);
  });

  it("a new hash fires avatarChange; a presence without the element leaves it; an empty <photo/> removes it", async () => {
    const { h, room, events } = await enter();
    h.conn.receive(presence("hecate", `<x xmlns='vcard-temp:x:update'><photo>${HASH_1}</photo></x>`));
    h.conn.receive(presence("hecate", `<x xmlns='vcard-temp:x:update'><photo>${HASH_2}</photo></x>`));
    h.conn.receive(presence("hecate", `<show>away</show>`));
    expect(room.getOccupant("hecate")?.avatarHash).toBe(HASH_2);
    h.conn.receive(presence("hecate", `<show>away</show><x xmlns='vcard-temp:x:update'><photo/></x>`));
    expect(room.getOccupant("hecate")?.avatarHash).toBeUndefined();
    expect(events).toEqual([
      "join hecate",
      `avatarChange hecate ${HASH_1} -> ${HASH_2}`,
      `statusChange hecate away {}`,
      `avatarChange hecate ${HASH_2} -> none`,
    ]);
  });

  it("the same hash again fires nothing", async () => {
    const { h, events } = await enter();
    h.conn.receive(presence("hecate", `<x xmlns='vcard-temp:x:update'><photo>${HASH_1}</photo></x>`));
    h.conn.receive(presence("hecate", `<x xmlns='vcard-temp:x:update'><photo>${HASH_1}</photo></x>`));
    expect(events).toEqual(["join hecate"]);
  });

  it("the hash is read the same when the presence goes through the codecs (it has hats)", async () => {
    const { h, room } = await enter();
    h.conn.receive(presence("hecate", `<x xmlns='vcard-temp:x:update'><photo>${HASH_1}</photo></x><hats xmlns='urn:xmpp:hats:0'>${TEACHER}</hats>`));
    expect(room.getOccupant("hecate")).toMatchObject({ avatarHash: HASH_1, hats: [{ title: "Teacher", hue: 210 }] });
  });
});

describe("hats (XEP-0317)", () => {
  it("hats put on and taken off fire hatsChange; unchanged hats fire nothing", async () => {
    const { h, room, events } = await enter();
    h.conn.receive(presence("hecate", ""));
    h.conn.receive(presence("hecate", `<hats xmlns='urn:xmpp:hats:0'>${TEACHER}</hats>`));
    h.conn.receive(presence("hecate", `<hats xmlns='urn:xmpp:hats:0'>${TEACHER}</hats>`));
    h.conn.receive(presence("hecate", `<hats xmlns='urn:xmpp:hats:0'>${TEACHER}${ASSISTANT}</hats>`));
    h.conn.receive(presence("hecate", ""));
    expect(room.getOccupant("hecate")?.hats).toEqual([]);
    expect(events).toEqual([
      "join hecate",
      "hatsChange hecate [] -> [Teacher]",
      "hatsChange hecate [Teacher] -> [Teacher,Teaching Assistant]",
      "hatsChange hecate [Teacher,Teaching Assistant] -> []",
    ]);
  });
});
