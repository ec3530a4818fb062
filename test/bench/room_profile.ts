/**
 * Profile helper for the room benchmark: 50,000-occupant joins (pre-parsed
 * and from XML text) and 100,000 groupchat messages through MucService/Room.
 *
 *   node --expose-gc --cpu-prof --cpu-prof-dir=/tmp/room-prof --import tsx test/bench/room_profile.ts [join|text|messages]
 */
import { parse as ltxParse } from "ltx";
import type { Element } from "@xmpp/xml";
import { MucService } from "../../src/client/service.js";
import { MockConnection } from "../../src/testing/mock-connection.js";
import { groupchatMessage, occupantPresence, SELF_PRESENCE, SUBJECT_MESSAGE } from "./room.js";

const what = process.argv[2] ?? "join";
const parse = (t: string): Element => ltxParse(t) as unknown as Element;
const flat = (xs: string[]): string[] => xs.map((t) => Buffer.from(t).toString());
const occupants = flat([...Array.from({ length: 50_000 }, (_, i) => occupantPresence(i)), SELF_PRESENCE]);

function room() {
  const conn = new MockConnection({ jid: "hecate@shakespeare.lit/broom" });
  const muc = new MucService(conn, { selfPing: false });
  const { room, joined } = muc.join("coven@chat.shakespeare.lit", "hecate");
  let messages = 0;
  room.on("message", () => messages++);
  return { conn, muc, room, joined, count: () => messages };
}

if (what === "messages") {
  const msgs = flat(Array.from({ length: 100_000 }, (_, i) => groupchatMessage(i)));
  for (let k = 0; k < 5; k++) {
    const r = room();
    for (const t of [...occupants.slice(0, 1000), SELF_PRESENCE, SUBJECT_MESSAGE]) r.conn.receive(parse(t));
    const els = msgs.map(parse);
    const t0 = performance.now();
    for (const el of els) r.conn.receive(el);
    console.log("messages", (performance.now() - t0).toFixed(1), "ms", r.count());
  }
} else {
  for (let k = 0; k < 8; k++) {
    const r = room();
    const els = what === "join" ? occupants.map(parse) : [];
    const t0 = performance.now();
    if (what === "join") for (const el of els) r.conn.receive(el);
    else for (const t of occupants) r.conn.receive(parse(t));
    console.log(what, (performance.now() - t0).toFixed(1), "ms", r.room.occupantCount);
  }
}
