/**
 * Codec benchmark: decode a typical MUC occupant presence and a groupchat
 * message from XML text, side by side with bare ltx parsing (the floor) and
 * StanzaJS parsing the same text into its JSON form.
 */
import { parse as ltxParse } from "ltx";
import * as JXT from "stanza/jxt/index.js";
import StanzaProtocol from "stanza/protocol/index.js";
import type { Element } from "@xmpp/xml";
import { delay, message, mucUserX, occupantId, originId, presence, stanzaId } from "../../src/xso/index.js";
import { fmt, measure, printTable, type Measurement } from "./harness.js";

/** A typical occupant presence: muc#user item with jid, two status codes, occupant-id. */
export const PRESENCE_XML =
  "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/thirdwitch' to='hag66@shakespeare.lit/pda' id='n13mt3l'>" +
  "<x xmlns='http://jabber.org/protocol/muc#user'>" +
  "<item affiliation='member' jid='hag66@shakespeare.lit/pda' role='participant'/>" +
  "<status code='100'/><status code='110'/></x>" +
  "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='dd72603deec90a38ba552f7c68cbcc61bca202cd'/>" +
  "</presence>";

/** A typical reflected groupchat message: body, stanza-id, origin-id, delay. */
export const MESSAGE_XML =
  "<message xmlns='jabber:client' from='coven@chat.shakespeare.lit/firstwitch' to='hecate@shakespeare.lit/broom' type='groupchat' id='162BEBB1-F6DB-4D9A-9BD8-CFDCC801A0B2'>" +
  "<body>Thrice the brinded cat hath mew&apos;d.</body>" +
  "<delay xmlns='urn:xmpp:delay' from='coven@chat.shakespeare.lit' stamp='2002-10-13T23:58:37Z'/>" +
  "<stanza-id xmlns='urn:xmpp:sid:0' id='5f3dbc5e-e1d3-4077-a492-693f3769c7ad' by='coven@chat.shakespeare.lit'/>" +
  "<origin-id xmlns='urn:xmpp:sid:0' id='de305d54-75b4-431b-adb2-eb6b9e546013'/>" +
  "</message>";

const parse = (text: string) => ltxParse(text) as unknown as Element;

/** Decode everything a MUC client reads from an occupant presence. */
export function decodePresence(text: string) {
  const el = parse(text);
  return { presence: presence.decode(el), muc: mucUserX.findIn(el), occupantId: occupantId.findIn(el) };
}

/** Decode everything a MUC client reads from a groupchat message. */
export function decodeMessage(text: string) {
  const el = parse(text);
  return {
    message: message.decode(el),
    delay: delay.findIn(el),
    stanzaIds: stanzaId.findAllIn(el),
    originId: originId.findIn(el),
  };
}

function stanzaRegistry(): JXT.Registry {
  const registry = new JXT.Registry();
  // The protocol module is CommonJS: its definitions are on `default` when imported from ESM.
  const mod = StanzaProtocol as unknown as { default?: Parameters<JXT.Registry["define"]>[0] };
  registry.define(mod.default ?? (StanzaProtocol as unknown as Parameters<JXT.Registry["define"]>[0]));
  return registry;
}

/** Run the codec benchmark and print its table. */
export function runCodecBench(): void {
  const registry = stanzaRegistry();
  const stanzaImport = (text: string) => registry.import(JXT.parse(text));

  // Sanity: every contender really decodes the stanza.
  const p = decodePresence(PRESENCE_XML);
  const m = decodeMessage(MESSAGE_XML);
  if (p.muc?.items[0]?.jid?.toString() !== "hag66@shakespeare.lit/pda" || p.occupantId?.id === undefined) throw new Error("presence decode");
  if (m.message.body[""] !== "Thrice the brinded cat hath mew'd." || m.stanzaIds[0]?.id === undefined || !m.delay) throw new Error("message decode");
  const sp = stanzaImport(PRESENCE_XML) as { muc?: { jid?: string } } | undefined;
  const sm = stanzaImport(MESSAGE_XML) as { body?: string } | undefined;
  if (sp?.muc?.jid !== "hag66@shakespeare.lit/pda" || sm?.body === undefined) throw new Error("StanzaJS decode");

  const rows: string[][] = [];
  for (const [label, text, ours] of [
    ["occupant presence", PRESENCE_XML, decodePresence],
    ["groupchat message", MESSAGE_XML, decodeMessage],
  ] as const) {
    const floor = measure("ltx parse", () => parse(text));
    const sdk = measure("xmpp-muc-sdk", () => ours(text));
    const stanza = measure("StanzaJS", () => stanzaImport(text));
    const row = (x: Measurement) => [`${label}: ${x.name}`, fmt(x.opsPerSec), fmt(x.nsPerOp / 1000, 2)];
    rows.push(row(floor), row(sdk), row(stanza));
    rows.push([
      `${label}: ratios`,
      `ours/floor time ${fmt(sdk.nsPerOp / floor.nsPerOp, 2)}x`,
      `ours/StanzaJS time ${fmt(sdk.nsPerOp / stanza.nsPerOp, 2)}x`,
    ]);
  }
  console.log("\nCodec decode from XML text (median of 7 rounds)\n");
  printTable(["case", "ops/s", "µs/op"], rows);
  console.log("\nTargets: presence ours/floor ≤ 2.00x; ours/StanzaJS < 1.00x for both stanzas.");
}
