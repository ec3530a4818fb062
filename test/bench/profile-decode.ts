import { parse as ltxParse } from "ltx";
import type { Element } from "@xmpp/xml";
import { mucUserX, occupantId, presence, message, delay, stanzaId, originId } from "../../src/xso/index.js";
import { PRESENCE_XML, MESSAGE_XML } from "./codec.js";
import { measure } from "./harness.js";
const pel = ltxParse(PRESENCE_XML) as unknown as Element;
const mel = ltxParse(MESSAGE_XML) as unknown as Element;
for (const [n, f] of [
  ["presence.decode", () => presence.decode(pel)],
  ["mucUserX.findIn", () => mucUserX.findIn(pel)],
  ["occupantId.findIn", () => occupantId.findIn(pel)],
  ["message.decode", () => message.decode(mel)],
  ["delay.findIn", () => delay.findIn(mel)],
  ["stanzaId.findAllIn", () => stanzaId.findAllIn(mel)],
  ["originId.findIn", () => originId.findIn(mel)],
] as const) {
  const m = measure(n, f, { rounds: 3, roundMs: 200 });
  console.log(n.padEnd(20), (m.nsPerOp).toFixed(0), "ns");
}
