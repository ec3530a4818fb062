/**
 * `muc.addToBookmarks()` (slidge's `add_to_bookmarks`): the user's XEP-0402
 * bookmark written through the gateway's XEP-0356 privileges, as
 * transcripts on the mock component (the server's part is played by the
 * test):
 *
 * - the server's advertisement of its permissions (a message from its
 *   domain) is recorded, mod_privilege's nested `<namespace/>` elements too;
 * - a privileged IQ is wrapped as XEP-0356 §7.2 has it and its forwarded
 *   answer unwrapped; an answer from anyone else is ignored; an answer is
 *   never stuck behind the user's own stanza queue;
 * - the existing bookmark is read first: `preserve` keeps the user's
 *   autojoin, name, nick and password, extensions the gateway does not own
 *   always stay, `pin` and `notify` change only their own elements;
 *   nothing is written when nothing changes;
 * - without a suitable privilege (advertised, or refused by the server, or
 *   a failed publication), the user gets a direct invitation instead, logged
 *   at debug level, and nothing throws.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import { isPrivilegeError, type BookmarkOutcome, type LegacyModule } from "../../../src/gateway/index.js";
import { isTimeoutError } from "../../../src/common/errors.js";
import { isXMPPError } from "../../../src/xso/stanza-error.js";
import type { Logger } from "../../../src/index.js";
import { canonical, parseXml } from "../../helpers/xml.js";
import { GW, RES, USER, TestNetwork, closeStores, join, room, startGateway, type Harness } from "./helpers.js";

const NS_PRIV = "urn:xmpp:privilege:2";
const NS_FORWARD = "urn:xmpp:forward:0";
const NS_PUBSUB = "http://jabber.org/protocol/pubsub";
const NS_BOOKMARKS = "urn:xmpp:bookmarks:1";
const NS_PIN = "urn:xmpp:bookmarks-pinning:0";
const NS_NOTIFY = "urn:xmpp:notification-settings:1";
const NS_CONFERENCE = "jabber:x:conference";
const SERVER = "montague.lit";
const ROOM = `coffee@${GW}`;

afterEach(() => closeStores());

/** A message from the user's server advertising its permissions (XEP-0356 §4.2). */
async function advertise(h: Harness, perms: string, from = SERVER): Promise<void> {
  h.component.receive(`<message from='${from}' to='${GW}'><privilege xmlns='${NS_PRIV}'>${perms}</privilege></message>`);
  await vi.waitFor(() => {
    if (!h.gateway.grantedPrivileges(from)) throw new Error("not recorded yet");
  });
}

const PUBSUB_BOTH = `<perm access='iq'><namespace ns='${NS_PUBSUB}' type='both'/></perm>`;

/** The next privileged IQ the gateway sends. */
function nextPrivileged(h: Harness, type?: "get" | "set"): Promise<Element> {
  return h.component.nextSent((s) => s.is("iq") && s.getChild("privileged_iq", NS_PRIV) !== undefined && (type === undefined || s.attrs.type === type));
}

/** The IQ wrapped in a privileged IQ. */
function wrapped(outer: Element): Element {
  const inner = outer.getChild("privileged_iq", NS_PRIV)?.getChild("iq", "jabber:client");
  if (!inner) throw new Error(`no wrapped IQ in ${outer.toString()}`);
  return inner;
}

/** The server answers a privileged IQ: the wrapped IQ's answer (`type`, `payload`), forwarded in a result. */
function forward(h: Harness, outer: Element, payload = "", type: "result" | "error" = "result", from = USER): void {
  const inner = wrapped(outer);
  h.component.receive(
    `<iq type='result' id='${String(outer.attrs.id)}' from='${from}' to='${GW}'><privilege xmlns='${NS_PRIV}'><forwarded xmlns='${NS_FORWARD}'>` +
      `<iq xmlns='jabber:client' type='${type}' id='${String(inner.attrs.id)}' to='${USER}'>${payload}</iq></forwarded></privilege></iq>`,
  );
}

/** The forwarded answer to the bookmark query: the item when `conference` is given, else an empty node. */
function answerBookmark(h: Harness, get: Element, conference?: string): void {
  const item = conference === undefined ? "" : `<item id='${ROOM}'>${conference}</item>`;
  forward(h, get, `<pubsub xmlns='${NS_PUBSUB}'><items node='${NS_BOOKMARKS}'>${item}</items></pubsub>`);
}

/** The forwarded result of a publication. */
function answerPublish(h: Harness, set: Element): void {
  forward(h, set, `<pubsub xmlns='${NS_PUBSUB}'><publish node='${NS_BOOKMARKS}'><item id='${ROOM}'/></publish></pubsub>`);
}

/** The `<conference/>` a publication writes, and its item and publish options. */
function published(set: Element): { itemId: string | undefined; conference: Element; options: Record<string, string | undefined> } {
  const pubsub = wrapped(set).getChild("pubsub", NS_PUBSUB);
  const publish = pubsub?.getChild("publish");
  expect(publish?.attrs.node).toBe(NS_BOOKMARKS);
  const item = publish?.getChild("item");
  const conference = item?.getChild("conference", NS_BOOKMARKS);
  if (!conference) throw new Error(`no conference in ${set.toString()}`);
  const options: Record<string, string | undefined> = {};
  for (const f of pubsub?.getChild("publish-options")?.getChild("x", "jabber:x:data")?.getChildren("field") ?? []) options[String(f.attrs.var)] = f.getChildText("value") ?? undefined;
  return { itemId: item?.attrs.id as string | undefined, conference, options };
}

function recordingLogger(): Logger & { debugs: string[] } {
  const debugs: string[] = [];
  return { debugs, debug: (m: string) => void debugs.push(m), warn() {} };
}

describe("XEP-0356: the privileges a server grants", () => {
  it("are recorded from the server's message, per server, with mod_privilege's nested <namespace/> elements read", async () => {
    const h = await startGateway();
    expect(h.gateway.grantedPrivileges(SERVER)).toBeUndefined();
    await advertise(
      h,
      `<perm access='roster' type='both'/><perm access='message' type='outgoing'/>` +
        `<perm access='iq'><namespace ns='${NS_PUBSUB}' type='both'><namespace ns='jabber:iq:roster' type='get'/></namespace></perm>`,
    );
    const granted = h.gateway.grantedPrivileges(SERVER);
    expect(granted?.server).toBe(SERVER);
    expect(granted?.roster).toBe("both");
    expect(granted?.message).toBe("outgoing");
    expect(granted?.presence).toBeUndefined();
    expect([...(granted?.iq ?? [])]).toEqual([
      [NS_PUBSUB, "both"],
      ["jabber:iq:roster", "get"],
    ]);
    expect(h.gateway.grantedPrivileges("capulet.lit")).toBeUndefined();
  });

  it("a newer advertisement replaces the older; one from a user's JID is ignored", async () => {
    const h = await startGateway();
    await advertise(h, PUBSUB_BOTH);
    h.component.receive(`<message from='mallory@${SERVER}' to='${GW}'><privilege xmlns='${NS_PRIV}'><perm access='iq'><namespace ns='urn:evil' type='both'/></perm></privilege></message>`);
    h.component.receive(`<message from='${SERVER}' to='${GW}'><privilege xmlns='${NS_PRIV}'><perm access='roster' type='get'/></privilege></message>`);
    await vi.waitFor(() => expect(h.gateway.grantedPrivileges(SERVER)?.roster).toBe("get"));
    expect(h.gateway.grantedPrivileges(SERVER)?.iq.size).toBe(0);
  });
});

describe("XEP-0356: privileged IQs", () => {
  it("are wrapped as §7.2 has it (to the user's bare JID, the wrapped IQ in jabber:client) and the forwarded result unwrapped", async () => {
    const h = await startGateway();
    await advertise(h, PUBSUB_BOTH);
    const payload = parseXml(`<pubsub xmlns='${NS_PUBSUB}'><items node='${NS_BOOKMARKS}'/></pubsub>`);
    const pending = h.gateway.sendPrivilegedIq(`${USER}/${RES}`, "get", payload);
    const outer = await nextPrivileged(h);
    expect(outer.attrs).toMatchObject({ type: "get", to: USER, from: GW });
    const inner = wrapped(outer);
    expect(inner.attrs).toMatchObject({ xmlns: "jabber:client", type: "get", from: USER });
    expect(typeof inner.attrs.id).toBe("string");
    expect(inner.attrs.to).toBeUndefined();
    expect(canonical(inner.getChild("pubsub", NS_PUBSUB)!)).toBe(canonical(payload));
    forward(h, outer, `<pubsub xmlns='${NS_PUBSUB}'><items node='${NS_BOOKMARKS}'/></pubsub>`);
    const result = await pending;
    expect(result.attrs.type).toBe("result");
    expect(result.getChild("pubsub", NS_PUBSUB)?.getChild("items")?.attrs.node).toBe(NS_BOOKMARKS);
  });

  it("a forwarded error is an XMPPError; a refusal of the server too; an answer from another JID is ignored", async () => {
    const h = await startGateway();
    const payload = parseXml(`<pubsub xmlns='${NS_PUBSUB}'><items node='${NS_BOOKMARKS}'/></pubsub>`);
    const first = h.gateway.sendPrivilegedIq(USER, "get", payload);
    const outer1 = await nextPrivileged(h);
    forward(h, outer1, "", "result", `mallory@${SERVER}`);
    forward(h, outer1, `<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`, "error");
    await expect(first).rejects.toSatisfy((e: unknown) => isXMPPError(e) && e.condition === "item-not-found");

    const second = h.gateway.sendPrivilegedIq(USER, "set", payload);
    const outer2 = await nextPrivileged(h);
    h.component.replyError(outer2, "forbidden", { text: "you are not allowed to send privileged <IQ> stanzas of this type and namespace" });
    await expect(second).rejects.toSatisfy((e: unknown) => isXMPPError(e) && e.condition === "forbidden");
  });

  it("are not sent when the server's advertisement does not grant them (PrivilegeError not-granted); time out with a TimeoutError", async () => {
    const h = await startGateway();
    await advertise(h, `<perm access='iq'><namespace ns='${NS_PUBSUB}' type='get'/></perm>`);
    const payload = parseXml(`<pubsub xmlns='${NS_PUBSUB}'><items node='${NS_BOOKMARKS}'/></pubsub>`);
    await expect(h.gateway.sendPrivilegedIq(USER, "set", payload)).rejects.toSatisfy((e: unknown) => isPrivilegeError(e) && e.reason === "not-granted" && e.namespace === NS_PUBSUB);
    expect(h.component.takeSent().filter((s) => s.is("iq"))).toEqual([]);
    await expect(h.gateway.sendPrivilegedIq(USER, "get", payload, { timeoutMs: 50 })).rejects.toSatisfy(isTimeoutError);
  });

  it("an answer is not held behind its sender's queue: a room hook that awaits addToBookmarks while handling the user's stanza completes", async () => {
    const outcomes: BookmarkOutcome[] = [];
    class BookmarkingNetwork extends TestNetwork {
      override module(): LegacyModule {
        const m = super.module();
        const Base = m.MUC!;
        class Room extends Base {
          override async onSetSubject(): Promise<void> {
            outcomes.push(await this.addToBookmarks());
          }
        }
        return { ...m, MUC: Room };
      }
    }
    const h = await startGateway({ net: new BookmarkingNetwork() });
    await advertise(h, PUBSUB_BOTH);
    await join(h, "coffee");
    h.component.receive(`<message type='groupchat' id='s1' from='${USER}/${RES}' to='${ROOM}'><subject>Bookmark me</subject></message>`);
    const get = await nextPrivileged(h, "get");
    answerBookmark(h, get);
    const set = await nextPrivileged(h, "set");
    answerPublish(h, set);
    await vi.waitFor(() => expect(outcomes).toEqual(["published"]));
  });
});

describe("muc.addToBookmarks()", () => {
  it("no bookmark yet: publishes the room with autojoin, its name and the XEP-0402 publish options, under the room's JID", async () => {
    const h = await startGateway();
    await advertise(h, PUBSUB_BOTH);
    const muc = await room(h, "coffee");
    const outcome = muc.addToBookmarks();
    const get = await nextPrivileged(h, "get");
    const items = wrapped(get).getChild("pubsub", NS_PUBSUB)?.getChild("items");
    expect(items?.attrs.node).toBe(NS_BOOKMARKS);
    expect(items?.getChildren("item").map((i) => i.attrs.id)).toEqual([ROOM]);
    forward(h, get, `<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`, "error");
    const set = await nextPrivileged(h, "set");
    const { itemId, conference, options } = published(set);
    expect(itemId).toBe(ROOM);
    expect(canonical(conference)).toBe(canonical(parseXml(`<conference xmlns='${NS_BOOKMARKS}' name='Coffee' autojoin='true'/>`)));
    expect(options).toEqual({
      FORM_TYPE: "http://jabber.org/protocol/pubsub#publish-options",
      "pubsub#persist_items": "true",
      "pubsub#max_items": "max",
      "pubsub#send_last_published_item": "never",
      "pubsub#access_model": "whitelist",
    });
    answerPublish(h, set);
    expect(await outcome).toBe("published");
    expect(h.component.takeSent().filter((s) => s.getChild("x", NS_CONFERENCE))).toEqual([]);
  });

  it("preserve: the user's autojoin, name, nick, password and unknown extensions stay; pin and notify change only their own elements", async () => {
    const h = await startGateway();
    await advertise(h, PUBSUB_BOTH);
    const muc = await room(h, "coffee");
    const outcome = muc.addToBookmarks({ pin: true, notify: "on-mention" });
    answerBookmark(
      h,
      await nextPrivileged(h, "get"),
      `<conference xmlns='${NS_BOOKMARKS}' name='My coffee' autojoin='false'><nick>rom</nick><password>pw</password><extensions>` +
        `<state xmlns='urn:example:client'><folded>yes</folded></state>` +
        `<notify xmlns='${NS_NOTIFY}'><never identity-category='client' identity-type='phone'/><always><advanced xmlns='${NS_NOTIFY}'><rule/></advanced></always></notify>` +
        `</extensions></conference>`,
    );
    const set = await nextPrivileged(h, "set");
    expect(canonical(published(set).conference)).toBe(
      canonical(
        parseXml(
          `<conference xmlns='${NS_BOOKMARKS}' name='My coffee'><nick>rom</nick><password>pw</password><extensions>` +
            `<state xmlns='urn:example:client'><folded>yes</folded></state>` +
            `<notify xmlns='${NS_NOTIFY}'><on-mention><advanced><rule/></advanced></on-mention><never identity-category='client' identity-type='phone'/></notify>` +
            `<pinned xmlns='${NS_PIN}'/>` +
            `</extensions></conference>`,
        ),
      ),
    );
    answerPublish(h, set);
    expect(await outcome).toBe("published");
  });

  it("preserve: false takes the gateway's autojoin, name and nick (no password) and still keeps unknown extensions; pin: false unpins", async () => {
    const h = await startGateway();
    await advertise(h, PUBSUB_BOTH);
    const muc = await room(h, "coffee");
    muc.userNick = "Romeo";
    const outcome = muc.addToBookmarks({ preserve: false, autoJoin: false, pin: false });
    answerBookmark(
      h,
      await nextPrivileged(h, "get"),
      `<conference xmlns='${NS_BOOKMARKS}' name='My coffee' autojoin='true'><nick>rom</nick><password>pw</password><extensions>` +
        `<pinned xmlns='${NS_PIN}'/><state xmlns='urn:example:client'/></extensions></conference>`,
    );
    const set = await nextPrivileged(h, "set");
    expect(canonical(published(set).conference)).toBe(
      canonical(parseXml(`<conference xmlns='${NS_BOOKMARKS}' name='Coffee'><nick>Romeo</nick><extensions><state xmlns='urn:example:client'/></extensions></conference>`)),
    );
    answerPublish(h, set);
    expect(await outcome).toBe("published");
  });

  it("pin and notify undefined leave the bookmark as it is: nothing to write ('unchanged'); invite: true still invites", async () => {
    const h = await startGateway();
    await advertise(h, PUBSUB_BOTH);
    const muc = await room(h, "coffee");
    const outcome = muc.addToBookmarks({ invite: true });
    answerBookmark(
      h,
      await nextPrivileged(h, "get"),
      `<conference xmlns='${NS_BOOKMARKS}' name='Coffee' autojoin='1'><extensions><pinned xmlns='${NS_PIN}'/><notify xmlns='${NS_NOTIFY}'><never/></notify></extensions></conference>`,
    );
    expect(await outcome).toBe("unchanged");
    const sent = h.component.takeSent();
    expect(sent.filter((s) => s.is("iq"))).toEqual([]);
    const invitation = sent.find((s) => s.is("message") && s.getChild("x", NS_CONFERENCE));
    expect(invitation?.attrs).toMatchObject({ from: GW, to: USER });
    expect(invitation?.getChild("x", NS_CONFERENCE)?.attrs.jid).toBe(ROOM);
  });

  it("asking for what the bookmark already has (pinned, never) writes nothing either", async () => {
    const h = await startGateway();
    await advertise(h, PUBSUB_BOTH);
    const muc = await room(h, "coffee");
    const outcome = muc.addToBookmarks({ pin: true, notify: "never" });
    answerBookmark(
      h,
      await nextPrivileged(h, "get"),
      `<conference xmlns='${NS_BOOKMARKS}' name='Coffee' autojoin='true'><extensions><notify xmlns='${NS_NOTIFY}'><never/><always identity-category='client' identity-type='pc'/></notify><pinned xmlns='${NS_PIN}'/></extensions></conference>`,
    );
    expect(await outcome).toBe("unchanged");
  });
});

describe("muc.addToBookmarks(): the fallback to a direct invitation", () => {
  it("the server's advertisement grants no pubsub IQ: no IQ at all, a direct invitation, a debug line, 'fallback'", async () => {
    const logger = recordingLogger();
    const h = await startGateway({ logger });
    await advertise(h, `<perm access='roster' type='both'/>`);
    const muc = await room(h, "coffee");
    expect(await muc.addToBookmarks({ invite: true })).toBe("fallback");
    const sent = h.component.takeSent();
    expect(sent.filter((s) => s.is("iq"))).toEqual([]);
    const invitations = sent.filter((s) => s.is("message") && s.getChild("x", NS_CONFERENCE));
    expect(invitations).toHaveLength(1);
    expect(invitations[0]?.attrs.to).toBe(USER);
    expect(invitations[0]?.getChild("x", NS_CONFERENCE)?.attrs).toMatchObject({ jid: ROOM });
    expect(invitations[0]?.getChild("x", NS_CONFERENCE)?.attrs.reason).toMatch(/bookmarks/);
    expect(logger.debugs.some((m) => m.includes(ROOM) && m.includes("direct invitation"))).toBe(true);
  });

  it("no advertisement seen: the IQ is tried; the server refuses it (no privileged entities: service-unavailable) → invitation", async () => {
    const h = await startGateway();
    const muc = await room(h, "coffee");
    const outcome = muc.addToBookmarks();
    h.component.replyError(await nextPrivileged(h, "get"), "service-unavailable");
    expect(await outcome).toBe("fallback");
    expect(h.component.takeSent().some((s) => s.is("message") && s.getChild("x", NS_CONFERENCE)?.attrs.jid === ROOM)).toBe(true);
  });

  it("the publication fails (a forwarded error) → invitation; a malformed answer too", async () => {
    const h = await startGateway();
    await advertise(h, PUBSUB_BOTH);
    const muc = await room(h, "coffee");
    const first = muc.addToBookmarks();
    answerBookmark(h, await nextPrivileged(h, "get"));
    forward(h, await nextPrivileged(h, "set"), `<error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`, "error");
    expect(await first).toBe("fallback");

    const second = muc.addToBookmarks();
    const get = await nextPrivileged(h, "get");
    h.component.receive(`<iq type='result' id='${String(get.attrs.id)}' from='${USER}' to='${GW}'/>`);
    expect(await second).toBe("fallback");
    expect(h.component.sent.filter((s) => s.is("message") && s.getChild("x", NS_CONFERENCE))).toHaveLength(2);
  });
});
