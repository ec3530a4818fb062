/**
 * Decode a MUC occupant presence and build a join presence with the shared
 * codecs. Run: `npx tsx examples/codecs/muc-presence.ts`
 */
import xml from "@xmpp/xml";
// In your project: import { … } from "xmpp-muc-sdk/xso";
import { StatusCode, isDecodeError, mucJoin, mucUserX, occupantId, parseElement, parseJid, presence } from "../../src/xso/index.js";

/** Parse one element from XML text (what `@xmpp/client` hands you as a stanza). */
const parse = parseElement;

const stanza = parse(
  `<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/thirdwitch' to='hag66@shakespeare.lit/pda'>
     <x xmlns='http://jabber.org/protocol/muc#user'>
       <item affiliation='member' jid='hag66@shakespeare.lit/pda' role='participant'/>
       <status code='100'/><status code='110'/>
     </x>
     <occupant-id xmlns='urn:xmpp:occupant-id:0' id='dd72603deec90a38ba552f7c68cbcc61bca202cd'/>
   </presence>`,
);

const p = presence.decode(stanza);
const muc = mucUserX.findIn(stanza);
const item = muc?.items[0];
console.log(`${p.from?.resource} is ${item?.role}/${item?.affiliation}, real JID ${item?.jid?.toString()}`);
console.log(`self-presence: ${muc?.statusCodes.includes(StatusCode.SELF_PRESENCE)}, occupant-id: ${occupantId.findIn(stanza)?.id}`);

// A join presence with a password and a history limit.
const join = xml("presence", { to: parseJid("coven@chat.shakespeare.lit/thirdwitch").toString() });
join.cnode(mucJoin.encode({ password: "cauldronburn", history: { maxStanzas: 20 } }));
console.log(join.toString());

// A malformed item is reported, never thrown as a TypeError.
try {
  mucUserX.decode(parse(`<x xmlns='http://jabber.org/protocol/muc#user'><item role='king'/></x>`));
} catch (e) {
  if (isDecodeError(e)) console.log(`rejected: ${e.element} ${e.field}: ${e.message}`);
}
