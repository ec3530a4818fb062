/**
 * Join a MUC room and print what happens in it.
 *
 * With a server of your own:
 *   XMPP_SERVICE=xmpp://localhost:5222 XMPP_DOMAIN=localhost XMPP_USERNAME=alice XMPP_PASSWORD=pass \
 *   XMPP_ROOM=lobby@conference.localhost npx tsx examples/node/join-room.ts
 *
 * Without XMPP_SERVICE it starts a throwaway Prosody (Debian package `prosody`),
 * creates two accounts, has "bob" chat in the room for a few seconds, and stops.
 */
import { randomUUID } from "node:crypto";
import { client, xml } from "@xmpp/client";
// In your project: import { MucService } from "xmpp-muc-sdk"; import { startProsody } from "xmpp-muc-sdk/testing";
import { MucService, MessageState, messageRefs, onMessageChange, sendCorrection, sendReply, type MessageEvent } from "../../src/index.js";
import { startProsody, type ProsodyServer } from "../../src/testing/index.js";

interface Account {
  service: string;
  domain: string;
  username: string;
  password: string;
}

/** An @xmpp/client over plain TCP with SASL PLAIN (fine on loopback; use TLS elsewhere). */
function connect(account: Account) {
  const xmpp = client({
    service: account.service,
    domain: account.domain,
    resource: "example",
    credentials: (authenticate) =>
      authenticate({ username: account.username, password: account.password }, "PLAIN", xml("user-agent", { id: randomUUID() })),
  });
  xmpp.on("error", (e: unknown) => console.error("xmpp error:", e instanceof Error ? e.message : e));
  return xmpp;
}

async function main(): Promise<void> {
  let server: ProsodyServer | undefined;
  let account: Account;
  let roomJid: string;
  if (process.env.XMPP_SERVICE) {
    account = {
      service: process.env.XMPP_SERVICE,
      domain: process.env.XMPP_DOMAIN ?? "localhost",
      username: process.env.XMPP_USERNAME ?? "alice",
      password: process.env.XMPP_PASSWORD ?? "",
    };
    roomJid = process.env.XMPP_ROOM ?? `lobby@conference.${account.domain}`;
  } else {
    server = await startProsody({
      roomLocking: false,
      users: [
        { username: "alice", password: "alice-pw" },
        { username: "bob", password: "bob-pw" },
      ],
    });
    console.log(`started a throwaway Prosody on ${server.c2sUrl}`);
    account = { service: server.c2sUrl, domain: server.domain, username: "alice", password: "alice-pw" };
    roomJid = `lobby@${server.mucDomain}`;
  }

  const xmpp = connect(account);
  const muc = new MucService(xmpp, { logger: { debug() {}, warn: (m, ...d) => console.warn(m, ...d) } });
  await xmpp.start();

  const { room, joined } = muc.join(roomJid, account.username, { history: { maxStanzas: 10 } });
  room.on("join", ({ occupant, initial }) => console.log(`${initial ? "in the room" : "joined"}: ${occupant.nick} (${occupant.role}/${occupant.affiliation})`));
  room.on("enter", ({ occupant, created }) => console.log(`entered ${room.jid.toString()} as ${occupant.nick}${created ? " (new room)" : ""}`));
  room.on("leave", ({ occupant, mode }) => console.log(`left: ${occupant.nick} (${mode})`));
  room.on("nickChange", ({ oldNick, newNick }) => console.log(`${oldNick} is now ${newNick}`));
  room.on("subjectChange", ({ subject, setterNick }) => console.log(`subject: ${JSON.stringify(subject)}${setterNick ? ` by ${setterNick}` : ""}`));
  room.on("message", (message) => {
    // A correction or a retraction changes an earlier message (onMessageChange below); a reply's body starts with a quote for older clients.
    const refs = messageRefs(message);
    if (refs.corrects !== undefined || refs.retraction) return;
    const { nick, history, own } = message;
    console.log(`${history ? "[history] " : ""}<${nick ?? "room"}>${own ? " (me)" : ""} ${refs.reply ? "(reply) " : ""}${refs.text ?? message.body}`);
  });
  onMessageChange(muc, (change) => {
    const who = change.nick ?? "a moderator";
    if (change.kind === "correction") console.log(`${who} corrected a message: ${change.body}`);
    else if (change.kind === "retraction") console.log(`${who} deleted a message${change.reason ? ` (${change.reason})` : ""}`);
    else console.log(`${who} reacted ${change.reactions.join(" ") || "(none)"}`);
  });
  room.on("exit", ({ mode }) => console.log(`we left the room (${mode})`));
  await joined;

  const tracker = room.sendTrackedMessage("Hello from xmpp-muc-sdk!");
  tracker.on("stateChange", ({ state }) => console.log(`my message: ${state}`));
  const final = await tracker.done;
  if (final !== MessageState.DELIVERED_TO_RECIPIENT) console.log(`not delivered: ${final}`);

  if (server) {
    // A second user chats for a moment.
    const bob = connect({ service: server.c2sUrl, domain: server.domain, username: "bob", password: "bob-pw" });
    const bobMuc = new MucService(bob);
    await bob.start();
    const bobJoin = bobMuc.join(roomJid, "bob");
    await bobJoin.joined;
    const greeting = new Promise<MessageEvent>((resolve) => bobJoin.room.on("message", (m) => void (m.own && resolve(m))));
    const sent = await bobJoin.room.sendMessage("Hi alice, nice SKD.");
    await sendCorrection(bobMuc, roomJid, sent.attrs.id as string, "Hi alice, nice SDK.");
    await sendReply(bobMuc, roomJid, await greeting, "(typos, sorry)");
    await bobJoin.room.setNick("robert");
    await new Promise((resolve) => setTimeout(resolve, 300));
    await bobJoin.room.leave();
    await bob.stop();
  } else {
    console.log("listening for 30 s; Ctrl-C to stop");
    await new Promise((resolve) => setTimeout(resolve, 30_000));
  }

  await room.leave();
  await xmpp.send(xml("presence", { type: "unavailable" }));
  await xmpp.stop();
  await server?.stop();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
