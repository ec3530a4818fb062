/**
 * A legacy module for the demo network, built only on the public gateway
 * API (`xmpp-muc-sdk/gateway`): the worked example of writing one.
 *
 * - `DemoGateway` checks registrations against the network: a password
 *   alone, or then a code (`two-factor-code`: erin) or a QR code for the
 *   network's phone app to scan (`qr-code`: frank), by account
 *   (`registrationTypeFor`); it offers the module's own command,
 *   "Preferences" (`DemoPreferencesCommand`), beside the built-in ones.
 * - `DemoSession` logs in, turns the network's events into room events, and
 *   sends the user's messages, files (`onFile`, shared by their URL), edits, deletions and reactions, and, as a
 *   moderator, removes others' messages. Typing and read positions go both
 *   ways as chat states (XEP-0085) and displayed markers (XEP-0333), direct
 *   messages as private messages (XEP-0045 §7.5); the user invites members
 *   (a mediated invitation of `user-id@gateway`), creates groups by joining
 *   a new room JID and leaves them for good; a group the user is added to
 *   comes with a direct invitation (XEP-0249) from the gateway. A member's
 *   file becomes `participant.sendFile` (its bytes, uploaded by the gateway,
 *   or its link), its caption a text message after it.
 * - Direct chats: `DemoRoster` lists the user's friends (each added to the
 *   user's XMPP roster) and takes any network user as a contact;
 *   `DemoContact` has the user's name, picture and presence (kept up to date
 *   from the network's friend events). What the user writes to a contact
 *   (text, replies, edits, deletions, reactions, typing, read markers) is a
 *   one-to-one chat on the network, and the other person's side comes back
 *   through the contact (`sendText`, `correct`, `retract`, `react`,
 *   `composing`, `displayed`); what the user wrote from another device of
 *   theirs comes as carbons. `onSearch` finds network users by name
 *   (XEP-0055, XEP-0100, the `search` command), each with their contact JID.
 * - `DemoBookmarks` lists the user's groups.
 * - `DemoRoom` describes a group and lists its members, each with their
 *   presence (`setPresence`), picture (`setAvatar`, an XEP-0153 avatar) and
 *   badges (`setHats`, XEP-0317 hats); its owners and admins rename and
 *   describe it (the room configuration form), its owners destroy it.
 *
 * @module
 */
// In your project: import { … } from "xmpp-muc-sdk/gateway";
import {
  BaseGateway,
  BaseSession,
  Command,
  CommandForm,
  LegacyBookmarks,
  LegacyContact,
  LegacyMUC,
  LegacyRoster,
  MucType,
  escapeLocalpart,
  type ArchiveEntry,
  type Chat,
  type CommandContext,
  type InvitedContact,
  type PendingRegistration,
  type RegistrationType,
  type LegacyModule,
  type LegacyParticipant,
  type SendTextOptions,
  type TextOptions,
} from "../../src/gateway/index.js";
import { XMPPError, type Attachment } from "../../src/index.js";
import type { JID } from "@xmpp/jid";
import {
  isDemoNetworkError,
  type DemoBadge,
  type DemoClient,
  type DemoMember,
  type DemoMessage,
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
    case "conflict":
      return new XMPPError("conflict", { text: e.message });
    case "unavailable":
    case "closed":
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

/** The promise's rejection as the stanza error the user should see. */
function rethrow(e: unknown): never {
  throw toXmpp(e);
}

/** The demo user a contact of the gateway (`user-id@gateway`) stands for; `not-acceptable` for any other JID. */
function demoUserOf(contact: InvitedContact): string {
  if (contact.legacyId === undefined) {
    throw new XMPPError("not-acceptable", { text: `${contact.jid.toString()} is no demo network user: invite user-id@ this gateway` });
  }
  return contact.legacyId;
}

/** A demo presence as a participant's (the network's shows are the participant's, `chat` aside). */
function participantPresence(presence: DemoPresence): { show: DemoPresence["show"]; status?: string } {
  return presence.status === undefined ? { show: presence.show } : { show: presence.show, status: presence.status };
}

/**
 * A network message as the participant's: its text, or its file (the bytes,
 * which the gateway uploads, when the network has them, else the link) then
 * its caption, if any, as a text message of its own. The caption has no
 * legacy id (the network's id names the file) and replies to nothing.
 */
async function relayMessage(sender: LegacyParticipant, message: DemoMessage, options: SendTextOptions): Promise<void> {
  const { file } = message;
  if (!file) {
    await sender.sendText(message.text, message.id, options);
    return;
  }
  const shared =
    file.data !== undefined
      ? { data: file.data, name: file.name, type: file.type }
      : { url: file.url ?? "", name: file.name, type: file.type, ...(file.size !== undefined ? { size: file.size } : {}) };
  await sender.sendFile(shared, message.id, options);
  if (message.text !== "") {
    await sender.sendText(message.text, undefined, { ...(options.when ? { when: options.when } : {}), ...(options.archiveOnly ? { archiveOnly: true } : {}) });
  }
}

/** A user's demo-network preferences, as the "Preferences" command keeps them (in their legacy data). */
export interface DemoPreferences {
  /** Whether the network mails a daily digest of the messages missed. */
  readonly digest: boolean;
  /** What the network notifies of: `all` messages, `mentions` only, or `none`. */
  readonly notify: "all" | "mentions" | "none";
}

const NOTIFY_CHOICES: readonly { readonly value: DemoPreferences["notify"]; readonly label: string }[] = [
  { value: "all", label: "Every message" },
  { value: "mentions", label: "Mentions of me" },
  { value: "none", label: "Nothing" },
];

const DEFAULT_PREFERENCES: DemoPreferences = { digest: false, notify: "mentions" };

/** The preferences saved in a user's legacy data (the defaults where none are). */
export function preferencesOf(legacyData: { readonly [key: string]: unknown } | undefined): DemoPreferences {
  const saved = legacyData?.preferences as { digest?: unknown; notify?: unknown } | undefined;
  const notify = NOTIFY_CHOICES.find((c) => c.value === saved?.notify)?.value ?? DEFAULT_PREFERENCES.notify;
  return { digest: typeof saved?.digest === "boolean" ? saved.digest : DEFAULT_PREFERENCES.digest, notify };
}

/** The preferences in words. */
function preferencesText(p: DemoPreferences): string {
  const notify = NOTIFY_CHOICES.find((c) => c.value === p.notify)?.label ?? p.notify;
  return `Daily digest: ${p.digest ? "on" : "off"}; notifications: ${notify.toLowerCase()}`;
}

/**
 * "Preferences": the module's own command (beside the gateway's built-in
 * ones), a form with a boolean and a list-single field whose values are kept
 * in the user's legacy data (the gateway's store), so they survive a
 * restart. By chat: `preferences show`, `preferences digest on|off`,
 * `preferences notify all|mentions|none`.
 */
export class DemoPreferencesCommand extends Command {
  readonly name = "Preferences";
  readonly node = "preferences";
  readonly help = "Your demo network preferences (preferences show | digest on|off | notify all|mentions|none)";
  override readonly chatCommand = "preferences";

  async run(context: CommandContext, args: readonly string[]) {
    const session = context.session;
    if (!session?.loggedIn) throw new XMPPError("forbidden", { text: "Log in to the network first" });
    const store = context.gateway.store.users;
    const jid = session.userJid.toString();
    const current = (): DemoPreferences => preferencesOf(store.get(jid)?.legacyData);
    const save = (p: DemoPreferences): string => {
      const user = store.get(jid);
      if (!user) throw new XMPPError("registration-required", { text: "You are not registered any more" });
      store.save({ ...user, legacyData: { ...user.legacyData, preferences: { digest: p.digest, notify: p.notify } } });
      return `Saved. ${preferencesText(p)}`;
    };
    const [what, value] = args.map((a) => a.toLowerCase());
    if (what === "show") return preferencesText(current());
    if (what === "digest" && (value === "on" || value === "off")) return save({ ...current(), digest: value === "on" });
    if (what === "notify" && NOTIFY_CHOICES.some((c) => c.value === value)) return save({ ...current(), notify: value as DemoPreferences["notify"] });
    if (what !== undefined) return `Say "preferences show", "preferences digest on|off" or "preferences notify all|mentions|none"`;
    const p = current();
    return new CommandForm({
      title: "Demo network preferences",
      instructions: "How the demo network keeps you posted.",
      fields: [
        { var: "digest", label: "Daily digest of the messages I missed", type: "boolean", value: p.digest ? "1" : "0" },
        { var: "notify", label: "Notify me of", type: "list-single", required: true, value: p.notify, options: NOTIFY_CHOICES },
      ],
      handler: async (values) => {
        const notify = NOTIFY_CHOICES.find((c) => c.value === values.notify)?.value;
        if (!notify) throw new XMPPError("not-acceptable", { text: "Pick what to be notified of" });
        return save({ digest: values.digest === "1" || values.digest === "true", notify });
      },
    });
  }
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
    override registrationInstructions =
      "Log in with your demo network account (alice/wonderland, bob/builder, carol/christmas; erin/enigma then a code, frank/foxtrot then a QR code).";
    override commands = [...BaseGateway.defaultCommands, DemoPreferencesCommand];
    override searchFields = [{ var: "query", label: "Name", required: true }];
    override searchTitle = "Find people on the demo network";
    override searchInstructions = "Enter part of a name (or a user id)";

    override async validate(_jid: JID, form: Readonly<Record<string, string>>) {
      const username = form.username ?? "";
      const password = form.password ?? "";
      // The password; an account that confirms new devices says how (the next step: registrationTypeFor).
      const verification = await network.checkPassword(username, password).catch(rethrow);
      return { username, password, ...(verification !== undefined ? { verification } : {}) };
    }

    /** A code for erin's kind of account, a QR code for frank's, the password alone for the others. */
    override registrationTypeFor(user: PendingRegistration): RegistrationType {
      const verification = user.legacyData.verification;
      return verification === "code" ? "two-factor-code" : verification === "qr" ? "qr-code" : "single-step-form";
    }

    /** The code the network sent: this device's token is saved with the credentials. */
    override async validateTwoFactorCode(user: PendingRegistration, code: string) {
      const device = await network.verifyCode(String(user.legacyData.username), code).catch(rethrow);
      return { device };
    }

    /** The network's QR code; its phone app scans it (by itself, in the demo) and the registration goes on: `confirmQr`. */
    override async getQrText(user: PendingRegistration) {
      const login = (() => {
        try {
          return network.requestQrLogin(String(user.legacyData.username));
        } catch (e) {
          return rethrow(e);
        }
      })();
      void login.scanned.then((device) => this.confirmQr(user.jid, undefined, { device })).catch((e: unknown) => this.log.warn("demo: confirming a QR scan failed", e));
      return login.text;
    }
  }

  class DemoSession extends BaseSession {
    client: DemoClient | undefined;

    override async login() {
      const username = String(this.legacyData.username);
      const device = this.legacyData.device;
      const options = typeof device === "string" ? { device } : {};
      const client = await network.authenticate(username, String(this.legacyData.password), options).catch((e: unknown) => {
        throw toXmpp(e);
      });
      this.client = client;
      client.on("message", ({ message }) => {
        void this.#inRoom(message.groupId, async (room) => {
          const sender = await room.participantFor(message.senderId);
          if (sender) await relayMessage(sender, message, { when: message.at, ...(message.replyTo ? { replyTo: message.replyTo } : {}) });
        });
      });
      client.on("messageEdited", ({ message }) => {
        // A file's new caption is not shown: correcting the file's message would replace the file with the text.
        if (message.file) return;
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
          // The user was added (or joined from another device): their XMPP clients are invited to the room.
          if (member.userId === client.userId) await this.sendGatewayInvite(room, { reason: `You are a member of ${room.name ?? groupId} now` });
          else await room.participantOf(member);
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
        void this.#inRoom(group.id, async (room) => {
          await this.sendGatewayInvite(room, { reason: `You are a member of ${group.name} now` });
        });
      });
      client.on("groupDeleted", ({ group, by, reason }) => {
        // The room is gone with the group: not made again (its info is not to be had), only removed when known.
        const room = this.bookmarks.rooms.find((r) => r.legacyId === group.id);
        if (!room) return;
        const who = by === undefined ? undefined : network.getUser(by)?.name ?? by;
        const said = reason ?? (who === undefined ? "This group was deleted" : `${who} deleted this group`);
        this.bookmarks.remove(room, { reason: said }).catch((e: unknown) => this.gateway.log.warn(`demo: removing the deleted group ${group.id} failed`, e));
      });
      // Typing and read positions are members' chat states and displayed markers; the user's own typing stays theirs.
      client.on("typing", ({ groupId, userId, typing }) => {
        if (userId === client.userId) return;
        void this.#inRoom(groupId, async (room) => {
          const p = room.getParticipantByLegacyId(userId);
          if (typing) await p?.composing();
          else await p?.paused();
        });
      });
      client.on("read", ({ groupId, userId, messageId }) => {
        void this.#inRoom(groupId, async (room) => {
          // The user's own read position, from another device, is their own marker: their clients clear the unread count.
          const p = userId === client.userId ? room.ownParticipant() : room.getParticipantByLegacyId(userId);
          await p?.displayed(messageId);
        });
      });
      // One-to-one chats: the other person's side through their contact; the user's own, from another device, as carbons.
      const peerOf = (senderId: string, recipientId: string): string => (senderId === client.userId ? recipientId : senderId);
      client.on("chatMessage", ({ message }) => {
        const own = message.senderId === client.userId;
        void this.#withContact(peerOf(message.senderId, message.recipientId), async (contact) => {
          await contact.sendText(message.text, message.id, { when: message.at, ...(message.replyTo ? { replyTo: message.replyTo } : {}), ...(own ? { carbon: true } : {}) });
        });
      });
      client.on("chatMessageEdited", ({ message }) => {
        void this.#withContact(peerOf(message.senderId, message.recipientId), (contact) => contact.correct(message.id, message.text, { carbon: message.senderId === client.userId }));
      });
      client.on("chatMessageDeleted", ({ message }) => {
        void this.#withContact(peerOf(message.senderId, message.recipientId), (contact) => contact.retract(message.id, { carbon: message.senderId === client.userId }));
      });
      client.on("chatReactionsChanged", ({ message, userId, emojis }) => {
        void this.#withContact(peerOf(message.senderId, message.recipientId), (contact) => contact.react(message.id, emojis, { carbon: userId === client.userId }));
      });
      client.on("chatTyping", ({ userId, typing }) => {
        if (userId === client.userId) return;
        void this.#withContact(userId, (contact) => (typing ? contact.composing() : contact.paused()));
      });
      client.on("chatRead", ({ userId, messageId }) => {
        if (userId === client.userId) return;
        void this.#withContact(userId, (contact) => contact.displayed(messageId));
      });
      client.on("friendPresenceChanged", ({ userId, presence }) => {
        void this.#withContact(userId, (contact) => contact.setPresence(participantPresence(presence)));
      });
      client.on("friendAvatarChanged", ({ userId, avatar }) => {
        void this.#withContact(userId, (contact) => contact.setAvatar(avatar));
      });
      client.on("directMessage", ({ message }) => {
        if (message.recipientId !== client.userId) return;
        void this.#inRoom(message.groupId, async (room) => {
          const sender = await room.participantFor(message.senderId);
          await sender?.sendPrivateText(message.text, { when: message.at });
        });
      });
      return `Logged in as ${client.user.name}`;
    }

    override async logout() {
      this.client?.close();
      this.client = undefined;
    }

    /** A message to a group, or to a contact (a one-to-one chat). */
    override async onText(chat: Chat, text: string, options: TextOptions) {
      const replyTo = options.replyTo ?? undefined;
      if (chat instanceof LegacyContact) return this.#connected.sendChat(chat.legacyId, text, replyTo ? { replyTo } : {}).catch(rethrow);
      return this.#connected.send(chat.legacyId, text, replyTo ? { replyTo } : {}).catch((e: unknown) => {
        throw toXmpp(e);
      });
    }

    /**
     * The user shared a file: a message carrying its link on the network (the network does not fetch it); its description, when given, is the caption.
     * One-to-one chats carry text only: the file's link is the message.
     */
    override async onFile(chat: Chat, file: Attachment, options: TextOptions) {
      if (chat instanceof LegacyContact) return this.onText(chat, file.url, options);
      const replyTo = options.replyTo ?? undefined;
      const shared = { name: file.name || "file", type: file.type || "application/octet-stream", url: file.url, ...(file.size !== undefined ? { size: file.size } : {}) };
      const sendOptions = { ...(replyTo ? { replyTo } : {}), ...(file.description ? { caption: file.description } : {}) };
      return this.#connected.sendFile(chat.legacyId, shared, sendOptions).catch(rethrow);
    }

    override async onCorrect(chat: Chat, text: string, legacyMsgId: string) {
      if (chat instanceof LegacyContact) return this.#connected.editChat(legacyMsgId, text).catch(rethrow);
      await this.#connected.edit(chat.legacyId, legacyMsgId, text).catch((e: unknown) => {
        throw toXmpp(e);
      });
    }

    override async onRetract(chat: Chat, legacyMsgId: string) {
      if (chat instanceof LegacyContact) return this.#connected.deleteChat(legacyMsgId).catch(rethrow);
      await this.#connected.delete(chat.legacyId, legacyMsgId).catch((e: unknown) => {
        throw toXmpp(e);
      });
    }

    override async onReact(chat: Chat, legacyMsgId: string, emojis: readonly string[]) {
      if (chat instanceof LegacyContact) return this.#connected.reactChat(legacyMsgId, emojis).catch(rethrow);
      await this.#connected.react(chat.legacyId, legacyMsgId, emojis).catch((e: unknown) => {
        throw toXmpp(e);
      });
    }

    override async onModerate(chat: LegacyMUC, legacyMsgId: string, reason: string | undefined) {
      await this.#connected.remove(chat.legacyId, legacyMsgId, reason).catch((e: unknown) => {
        throw toXmpp(e);
      });
    }

    /** A private message to an occupant is a direct message to that member, through this group. */
    override async onPrivateText(participant: LegacyParticipant, text: string) {
      if (participant.legacyId === undefined) throw new XMPPError("not-acceptable", { text: "Direct messages go to members of the group only" });
      return this.#connected.sendDirect(participant.muc.legacyId, participant.legacyId, text).catch(rethrow);
    }

    /** A mediated invitation of `user-id@gateway` adds that demo user to the group; the room shows them at once (the network does not echo). */
    override async onInvitation(contact: InvitedContact, muc: LegacyMUC) {
      const member = await this.#connected.invite(muc.legacyId, demoUserOf(contact)).catch(rethrow);
      await (muc as DemoRoom).participantOf(member);
    }

    /**
     * Joining a new room JID creates a group of that name, the user its owner
     * (and the contacts, when given, its members). A JID naming a group the
     * user is not in is no new room: that group is members-only to them
     * (`registration-required`, XEP-0045 §7.2.6), not a name to take.
     */
    override async onCreateGroup(name: string, contacts: readonly InvitedContact[]) {
      const client = this.#connected;
      const existing = await client.getGroup(name).catch((e: unknown) => {
        if (isDemoNetworkError(e, "not-found")) return undefined;
        return rethrow(e);
      });
      if (existing) throw new XMPPError("registration-required", { text: `${existing.name} is a members-only group: ask its owners to add you` });
      return client.createGroup(name, { members: contacts.map(demoUserOf) }).catch(rethrow);
    }

    /** XEP-0077 `<remove/>` to the room: the user leaves the group; one they are no longer in (or that is gone) is left already. */
    override async onLeaveGroup(mucLegacyId: string) {
      await this.#connected.leaveGroup(mucLegacyId).catch((e: unknown) => {
        if (isDemoNetworkError(e, "not-member") || isDemoNetworkError(e, "not-found")) return;
        rethrow(e);
      });
    }

    /** The user is typing: so they are on the network (in a room the chat state is reflected by the room whatever happens). */
    override async onComposing(chat: Chat) {
      await this.#typing(chat, "composing", true);
    }

    override async onPaused(chat: Chat) {
      await this.#typing(chat, "paused", false);
    }

    // Active, inactive or gone: not typing (any more). The network has no other states.
    override async onActive(chat: Chat) {
      await this.#typing(chat, "active", false);
    }

    override async onInactive(chat: Chat) {
      await this.#typing(chat, "inactive", false);
    }

    override async onGone(chat: Chat) {
      await this.#typing(chat, "gone", false);
    }

    /** The user read the room (or the chat with a contact) up to a message: their read position on the network. */
    override async onDisplayed(chat: Chat, legacyMsgId: string) {
      await this.#attention(chat, `displayed ${legacyMsgId}`, (client) => (chat instanceof LegacyContact ? client.markChatRead(legacyMsgId) : client.markRead(chat.legacyId, legacyMsgId)));
    }

    /** Typing or not, in a group or in the chat with a contact. */
    async #typing(chat: Chat, what: string, typing: boolean): Promise<void> {
      await this.#attention(chat, what, (client) => (chat instanceof LegacyContact ? client.setChatTyping(chat.legacyId, typing) : client.setTyping(chat.legacyId, typing)));
    }

    /** Search the network's users by name: each with the JID of their contact on this gateway. */
    override async onSearch(values: Readonly<Record<string, string>>) {
      const query = (values.query ?? "").trim();
      if (query === "") throw new XMPPError("bad-request", { text: "Enter a name to look for" });
      const users = await this.#connected.searchUsers(query).catch(rethrow);
      const items: Record<string, string>[] = [];
      for (const user of users) items.push({ jid: (await this.contacts.byLegacyId(user.id)).jid.toString(), name: user.name });
      return { fields: [{ var: "jid", label: "Address" }, { var: "name", label: "Name" }], items };
    }

    /**
     * Tell the network a chat state or a marker. They are hints nobody
     * answers: a refusal (a reader of a channel typing, a marker on a message
     * deleted meanwhile) or a failure is logged, not sent back to the user.
     * The network has no threads: the hooks leave the thread, if any, out.
     */
    async #attention(chat: Chat, what: string, act: (client: DemoClient) => Promise<void>): Promise<void> {
      try {
        await act(this.#connected);
      } catch (e) {
        this.gateway.log.debug(`demo: ${what} in ${chat.legacyId} did not reach the network`, e);
      }
    }

    /** The client, or the stanza error to answer with while logged out. */
    get #connected(): DemoClient {
      if (!this.client) throw new XMPPError("service-unavailable", { text: "Not connected to the demo network" });
      return this.client;
    }

    /** Run `fn` on the contact of a network user, reporting failures instead of throwing into the network's emitter. */
    async #withContact(userId: string, fn: (contact: LegacyContact) => Promise<unknown>): Promise<void> {
      try {
        await fn(await this.contacts.byLegacyId(userId));
      } catch (e) {
        this.gateway.log.warn(`demo: handling an event of the chat with ${userId} failed`, e);
      }
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

  /**
   * The user's contacts: their friends on the network, added to their
   * roster at login; and anyone else on the network they write to (or who
   * writes to them, or whom they find by a search).
   */
  class DemoRoster extends LegacyRoster {
    override async *fill() {
      const client = (this.session as DemoSession).client;
      if (!client) return;
      const friends: LegacyContact[] = [];
      for (const friend of await client.listFriends()) {
        const contact = await this.byLegacyId(friend.id);
        friends.push(contact);
        yield contact;
      }
      // Now friends (added to the roster): their presence, which the user's clients may have missed (a gateway restart while they are online).
      for (const contact of friends) await contact.setPresence({ show: contact.show, ...(contact.status !== undefined ? { status: contact.status } : {}) });
    }

    /** Anyone on the network but the user is someone to write to. */
    override async isContact(legacyId: string) {
      const client = (this.session as DemoSession).client;
      return client !== undefined && legacyId !== client.userId && network.getUser(legacyId) !== undefined;
    }
  }

  /** A network user as a contact: their name, picture and presence. */
  class DemoContact extends LegacyContact {
    override async updateInfo() {
      this.name = network.getUser(this.legacyId)?.name ?? this.legacyId;
      const client = (this.session as DemoSession).client;
      if (!client) return;
      try {
        const [presence, avatar] = await Promise.all([client.getPresence(this.legacyId), client.getAvatar(this.legacyId)]);
        await this.setPresence(participantPresence(presence));
        await this.setAvatar(avatar);
      } catch (e) {
        this.session.gateway.log.warn(`demo: the presence or picture of ${this.legacyId} is unavailable`, e);
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
    // The network has both: a description (in the configuration form) and a topic (the subject).
    override hasDescription = true;
    override hasSubject = true;

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
        if (sender) await relayMessage(sender, m, { when: m.at, archiveOnly: true });
      }
    }

    override async onSetSubject(subject: string) {
      await this.client.setTopic(this.legacyId, subject).catch((e: unknown) => {
        throw toXmpp(e);
      });
    }

    /** The configuration form: owners and admins rename and describe the group (the network refuses the others: `forbidden`). */
    override async onSetConfig(name: string | undefined, description: string | undefined) {
      const changes = { ...(name !== undefined ? { name } : {}), ...(description !== undefined ? { description } : {}) };
      await this.client.updateGroup(this.legacyId, changes).catch(rethrow);
      // The network does not echo our own change: announce it ourselves (status 104).
      await this.setInfo(changes);
    }

    /** Destroying the room deletes the group: its owners only. */
    override async onDestroyRequest(reason: string | undefined) {
      await this.client.deleteGroup(this.legacyId, reason).catch(rethrow);
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
      // Its real JID is the member's contact JID on this gateway (`user-id@gateway`): member lists show it, and inviting it invites them.
      const realJid = `${escapeLocalpart(member.userId)}@${this.session.gateway.jid.toString()}`;
      const p = await this.getParticipant(member.name, { legacyId: member.userId, affiliation: rights.affiliation, role, realJid });
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

  return { Gateway: DemoGateway, Session: DemoSession, Bookmarks: DemoBookmarks, MUC: DemoRoom, Roster: DemoRoster, Contact: DemoContact };
}
