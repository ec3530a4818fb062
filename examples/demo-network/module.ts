/**
 * A legacy module for the demo network, built only on the public gateway
 * API (`xmpp-muc-sdk/gateway`): the worked example of writing one.
 *
 * - `DemoGateway` checks registrations against the network.
 * - `DemoSession` logs in, turns the network's events into room events, and
 *   sends the user's messages, edits, deletions and reactions, and, as a
 *   moderator, removes others' messages.
 * - `DemoBookmarks` lists the user's groups.
 * - `DemoRoom` describes a group and lists its members, each with their
 *   presence (`setPresence`), picture (`setAvatar`, an XEP-0153 avatar) and
 *   badges (`setHats`, XEP-0317 hats).
 *
 * @module
 */
// In your project: import { … } from "xmpp-muc-sdk/gateway";
import {
  BaseGateway,
  BaseSession,
  LegacyBookmarks,
  LegacyMUC,
  MucType,
  type ArchiveEntry,
  type LegacyModule,
  type LegacyParticipant,
  type TextOptions,
} from "../../src/gateway/index.js";
import { XMPPError } from "../../src/index.js";
import type { JID } from "@xmpp/jid";
import {
  isDemoNetworkError,
  type DemoBadge,
  type DemoClient,
  type DemoMember,
  type DemoNetwork,
  type DemoPresence,
  type DemoRole,
} from "./network.js";

/** Where the URIs naming the demo network's badges, as hats, start. */
export const DEMO_BADGE_URI = "https://demo.invalid/badges/";

/** A demo-network error as the stanza error the user should see. */
function toXmpp(e: unknown): unknown {
  if (!isDemoNetworkError(e)) return e;
  switch (e.code) {
    case "bad-credentials":
      return new XMPPError("not-authorized", { text: e.message });
    case "not-found":
      return new XMPPError("item-not-found", { text: e.message });
    case "forbidden":
    case "banned":
      return new XMPPError("forbidden", { text: e.message });
    case "not-member":
      return new XMPPError("not-acceptable", { text: e.message });
    case "invalid":
      return new XMPPError("bad-request", { text: e.message });
    case "unavailable":
      return new XMPPError("service-unavailable", { text: e.message });
    default:
      return new XMPPError("undefined-condition", { text: e.message });
  }
}

/** The MUC affiliation and role of a demo role. */
function mucRights(role: DemoRole): { affiliation: "owner" | "admin" | "member"; role: "moderator" | "participant" } {
  if (role === "owner") return { affiliation: "owner", role: "moderator" };
  if (role === "admin") return { affiliation: "admin", role: "moderator" };
  return { affiliation: "member", role: "participant" };
}

/** A member's badges as XEP-0317 hats: the badge id names the hat (under {@link DEMO_BADGE_URI}), its title and hue show. */
function hatsOf(badges: readonly DemoBadge[] | undefined): { uri: string; title: string; hue?: number }[] {
  return (badges ?? []).map((b) => ({ uri: DEMO_BADGE_URI + encodeURIComponent(b.id), title: b.title, ...(b.hue !== undefined ? { hue: b.hue } : {}) }));
}

/** A demo presence as a participant's (the network's shows are the participant's, `chat` aside). */
function participantPresence(presence: DemoPresence): { show: DemoPresence["show"]; status?: string } {
  return presence.status === undefined ? { show: presence.show } : { show: presence.show, status: presence.status };
}

/**
 * Make the legacy module for one demo network instance.
 *
 * @param network - the in-process network the gateway serves.
 * @returns the classes to give `runGateway`.
 */
export function createDemoModule(network: DemoNetwork): LegacyModule {
  class DemoGateway extends BaseGateway {
    override componentName = "Demo network";
    override componentType = "demo";
    override registrationInstructions = "Log in with your demo network account (alice/wonderland, bob/builder, carol/christmas).";

    override async validate(_jid: JID, form: Readonly<Record<string, string>>) {
      try {
        const client = await network.authenticate(form.username ?? "", form.password ?? "");
        client.close();
      } catch (e) {
        throw toXmpp(e);
      }
      return { username: form.username ?? "", password: form.password ?? "" };
    }
  }

  class DemoSession extends BaseSession {
    client: DemoClient | undefined;

    override async login() {
      const username = String(this.legacyData.username);
      const client = await network.authenticate(username, String(this.legacyData.password)).catch((e: unknown) => {
        throw toXmpp(e);
      });
      this.client = client;
      client.on("message", ({ message }) => {
        void this.#inRoom(message.groupId, async (room) => {
          const sender = await room.participantFor(message.senderId);
          if (sender) await sender.sendText(message.text, message.id, { when: message.at, ...(message.replyTo ? { replyTo: message.replyTo } : {}) });
        });
      });
      client.on("messageEdited", ({ message }) => {
        void this.#inRoom(message.groupId, async (room) => {
          const author = await room.participantFor(message.senderId);
          await author?.correct(message.id, message.text, message.editedAt ? { when: message.editedAt } : {});
        });
      });
      client.on("messageDeleted", ({ message, by, reason }) => {
        void this.#inRoom(message.groupId, async (room) => {
          if (by !== undefined) {
            // An owner or admin removed it: the room announces a moderated retraction by them.
            const moderator = await room.participantFor(by);
            await moderator?.moderate(message.id, reason);
            return;
          }
          const author = await room.participantFor(message.senderId);
          await author?.retract(message.id);
        });
      });
      client.on("reactionsChanged", ({ groupId, messageId, userId, emojis }) => {
        void this.#inRoom(groupId, async (room) => {
          const reacter = await room.participantFor(userId);
          await reacter?.react(messageId, emojis);
        });
      });
      client.on("topic", ({ groupId, topic }) => {
        void this.#inRoom(groupId, async (room) => {
          const setter = topic.setBy ? await room.participantFor(topic.setBy) : undefined;
          await room.setSubject(topic.text, { ...(setter ? { setter } : {}), when: topic.at });
        });
      });
      client.on("memberJoined", ({ groupId, member }) => {
        void this.#inRoom(groupId, async (room) => {
          await room.participantOf(member);
        });
      });
      client.on("memberLeft", ({ groupId, member, reason, comment }) => {
        void this.#inRoom(groupId, async (room) => {
          if (member.userId === client.userId) {
            const said = comment ?? (reason === "kicked" ? "You were removed from this group" : reason === "banned" ? "You were banned from this group" : undefined);
            await this.bookmarks.remove(room, { ...(said !== undefined ? { reason: said } : {}), kick: reason === "kicked", ban: reason === "banned" });
            return;
          }
          const p = room.getParticipantByLegacyId(member.userId);
          if (!p) return;
          if (reason === "kicked") await p.kick(comment);
          else if (reason === "banned") await p.ban(comment);
          else await p.leave();
        });
      });
      client.on("memberRenamed", ({ groupId, userId, newName }) => {
        void this.#inRoom(groupId, async (room) => {
          await room.getParticipantByLegacyId(userId)?.changeNick(newName);
        });
      });
      client.on("roleChanged", ({ groupId, userId, newRole }) => {
        void this.#inRoom(groupId, async (room) => {
          const p = room.getParticipantByLegacyId(userId);
          if (!p) return;
          const rights = mucRights(newRole);
          await p.setAffiliation(rights.affiliation);
          await p.setRole(rights.role);
        });
      });
      // Presence and pictures are each user's own: the user's own come from their XMPP client, not from here.
      client.on("presenceChanged", ({ groupId, userId, presence }) => {
        if (userId === client.userId) return;
        void this.#inRoom(groupId, async (room) => {
          await room.getParticipantByLegacyId(userId)?.setPresence(participantPresence(presence));
        });
      });
      client.on("avatarChanged", ({ groupId, userId, avatar }) => {
        if (userId === client.userId) return;
        void this.#inRoom(groupId, async (room) => {
          await room.getParticipantByLegacyId(userId)?.setAvatar(avatar);
        });
      });
      client.on("badgesChanged", ({ groupId, userId, badges }) => {
        void this.#inRoom(groupId, async (room) => {
          const p = userId === client.userId ? room.ownParticipant() : room.getParticipantByLegacyId(userId);
          await p?.setHats(hatsOf(badges));
        });
      });
      client.on("groupUpdated", ({ group }) => {
        void this.#inRoom(group.id, async (room) => {
          await room.setInfo({ name: group.name, description: group.description });
        });
      });
      client.on("groupAdded", ({ group }) => {
        void this.bookmarks.byLegacyId(group.id);
      });
      return `Logged in as ${client.user.name}`;
    }

    override async logout() {
      this.client?.close();
      this.client = undefined;
    }

    override async onText(chat: LegacyMUC, text: string, options: TextOptions) {
      const replyTo = options.replyTo ?? undefined;
      return this.#connected.send(chat.legacyId, text, replyTo ? { replyTo } : {}).catch((e: unknown) => {
        throw toXmpp(e);
      });
    }

    override async onCorrect(chat: LegacyMUC, text: string, legacyMsgId: string) {
      await this.#connected.edit(chat.legacyId, legacyMsgId, text).catch((e: unknown) => {
        throw toXmpp(e);
      });
    }

    override async onRetract(chat: LegacyMUC, legacyMsgId: string) {
      await this.#connected.delete(chat.legacyId, legacyMsgId).catch((e: unknown) => {
        throw toXmpp(e);
      });
    }

    override async onReact(chat: LegacyMUC, legacyMsgId: string, emojis: readonly string[]) {
      await this.#connected.react(chat.legacyId, legacyMsgId, emojis).catch((e: unknown) => {
        throw toXmpp(e);
      });
    }

    override async onModerate(chat: LegacyMUC, legacyMsgId: string, reason: string | undefined) {
      await this.#connected.remove(chat.legacyId, legacyMsgId, reason).catch((e: unknown) => {
        throw toXmpp(e);
      });
    }

    /** The client, or the stanza error to answer with while logged out. */
    get #connected(): DemoClient {
      if (!this.client) throw new XMPPError("service-unavailable", { text: "Not connected to the demo network" });
      return this.client;
    }

    /** Run `fn` on the room of a group, reporting failures instead of throwing into the network's emitter. */
    async #inRoom(groupId: string, fn: (room: DemoRoom) => Promise<void>): Promise<void> {
      try {
        const room = (await this.bookmarks.byLegacyId(groupId)) as DemoRoom;
        await fn(room);
      } catch (e) {
        this.gateway.log.warn(`demo: handling an event of ${groupId} failed`, e);
      }
    }
  }

  class DemoBookmarks extends LegacyBookmarks {
    override async fill() {
      const client = (this.session as DemoSession).client;
      if (!client) return;
      for (const group of await client.listGroups()) await this.byLegacyId(group.id);
    }
  }

  class DemoRoom extends LegacyMUC {
    get client(): DemoClient {
      const client = (this.session as DemoSession).client;
      if (!client) throw new XMPPError("service-unavailable", { text: "Not connected to the demo network" });
      return client;
    }

    override async updateInfo() {
      const group = await this.client.getGroup(this.legacyId).catch((e: unknown) => {
        throw toXmpp(e);
      });
      this.type = group.kind === "channel" ? MucType.CHANNEL : MucType.GROUP;
      this.name = group.name;
      this.description = group.description;
      this.userNick = this.client.user.name;
      if (group.topic && this.subject === "") {
        const setter = group.topic.setBy ? network.getUser(group.topic.setBy) : undefined;
        const setterParticipant = setter && group.topic.setBy !== this.client.userId ? this.getParticipantByLegacyId(group.topic.setBy ?? "") : undefined;
        await this.setSubject(group.topic.text, { ...(setterParticipant ? { setter: setterParticipant } : {}), when: group.topic.at });
      }
      await this.#refreshKnownMembers();
    }

    /**
     * The gateway keeps participants across a restart, but not their
     * presence, picture or hats: once per process (`updateInfo` runs once),
     * dress again the members it knows already. A fresh room knows nobody
     * yet; `fillParticipants` dresses them.
     */
    async #refreshKnownMembers(): Promise<void> {
      try {
        for await (const member of this.client.members(this.legacyId)) {
          if (member.userId === this.client.userId) {
            // Of the user's own occupant, only the badges are the network's to show.
            await this.ownParticipant()?.setHats(hatsOf(member.badges));
            continue;
          }
          const p = this.getParticipantByLegacyId(member.userId);
          if (p) await this.dress(p, member);
        }
      } catch (e) {
        this.session.gateway.log.warn(`demo: refreshing the members of ${this.legacyId} failed`, e);
      }
    }

    override async *fillParticipants() {
      for await (const member of this.client.members(this.legacyId)) {
        if (member.userId === this.client.userId) {
          const me = await this.getUserParticipant();
          const rights = mucRights(member.role);
          me.affiliation = rights.affiliation;
          me.role = this.type === MucType.CHANNEL && member.role === "member" ? "visitor" : rights.role;
          await me.setHats(hatsOf(member.badges));
          yield me;
          continue;
        }
        yield await this.participantOf(member);
      }
    }

    override async backfill(after?: ArchiveEntry, before?: ArchiveEntry) {
      // The messages of the gap (the gateway skips any it has archived already).
      for (const m of await this.client.history(this.legacyId, { limit: 50 })) {
        const at = m.at.getTime();
        if ((after && at < after.when) || (before && at > before.when)) continue;
        const sender = await this.participantFor(m.senderId);
        await sender?.sendText(m.text, m.id, { when: m.at, archiveOnly: true });
      }
    }

    override async onSetSubject(subject: string) {
      await this.client.setTopic(this.legacyId, subject).catch((e: unknown) => {
        throw toXmpp(e);
      });
    }

    override async onKick(participant: LegacyParticipant, reason: string | undefined) {
      if (!participant.legacyId) throw new XMPPError("not-allowed", { text: "Cannot kick this participant" });
      await this.client.kick(this.legacyId, participant.legacyId, reason).catch((e: unknown) => {
        throw toXmpp(e);
      });
      // The network does not echo our own actions: show the kick ourselves.
      await participant.kick(reason);
    }

    /** The participant of a member, with its rights, presence, picture and badges. */
    async participantOf(member: DemoMember): Promise<LegacyParticipant> {
      const rights = mucRights(member.role);
      const role = this.type === MucType.CHANNEL && member.role === "member" ? "visitor" : rights.role;
      const p = await this.getParticipant(member.name, { legacyId: member.userId, affiliation: rights.affiliation, role, realJid: `${member.userId}@demo.invalid` });
      await this.dress(p, member);
      return p;
    }

    /**
     * Show what the network shows of a member: their badges as hats, their
     * presence and their picture. A presence or picture the network fails
     * to give is logged and left as it was: the member still shows.
     */
    async dress(p: LegacyParticipant, member: DemoMember): Promise<void> {
      await p.setHats(hatsOf(member.badges));
      try {
        const [presence, avatar] = await Promise.all([this.client.getPresence(member.userId), this.client.getAvatar(member.userId)]);
        await p.setPresence(participantPresence(presence));
        await p.setAvatar(avatar);
      } catch (e) {
        this.session.gateway.log.warn(`demo: the presence or picture of ${member.userId} in ${this.legacyId} is unavailable`, e);
      }
    }

    /** The participant standing for the user, when the room has it already (it is made when the room is filled). */
    ownParticipant(): LegacyParticipant | undefined {
      const me = this.userNick === undefined ? undefined : this.getParticipantByNick(this.userNick);
      return me?.isUser ? me : undefined;
    }

    /** The participant of a user id: ourselves, a known member, or the room itself for unknown senders. */
    async participantFor(userId: string): Promise<LegacyParticipant | undefined> {
      if (userId === this.client.userId) return this.getUserParticipant();
      const known = this.getParticipantByLegacyId(userId);
      if (known) return known;
      const user = network.getUser(userId);
      if (!user) return this.getSystemParticipant();
      return this.getParticipant(user.name, { legacyId: userId });
    }
  }

  return { Gateway: DemoGateway, Session: DemoSession, Bookmarks: DemoBookmarks, MUC: DemoRoom };
}
