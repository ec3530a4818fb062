/// <reference lib="dom" />
/**
 * What we do to a room and its occupants from its header and an occupant's
 * details: kick, voice, ban and affiliation changes, the administration
 * panel (admin-panel.ts), invitations, the subject, destroying the room and
 * leaving it. What fails is said next to what caused it.
 *
 * @module
 */
import { type Affiliation, type Occupant, destroyRoom, setAffiliation, setRole } from "../../src/index.js";
import { UserError, adminErrorText, clearError, conditionOf, describeError, showError } from "./errors.js";
import { openAdminPanel } from "./admin-panel.js";
import { type AdminAction, type RoomView, isCurrent, session } from "./state.js";
import { redraw } from "./redraw.js";
import { ask } from "./dialog.js";
import { saveRooms } from "./room-events.js";
import { addNotice } from "./message-log.js";
import { learnUnsupported, permissions, supports } from "./permissions.js";

type Moderation = "kick" | "ban" | "grant-voice" | "revoke-voice" | { affiliation: Affiliation };

const AFFILIATION_WORDS: Record<Affiliation, string> = { owner: "an owner", admin: "an admin", member: "a member", none: "not affiliated", outcast: "banned" };

/** Kick, ban, voice or an affiliation change from an occupant's details; what fails is said there, under the actions. */
export async function moderate(view: RoomView, what: Moderation, target: Occupant): Promise<void> {
  const room = view.room;
  const muc = session.muc;
  if (!room || !muc) return;
  const nick = target.nick;
  clearError();
  view.occupantError = undefined;
  const action: AdminAction = what === "kick" ? "kick" : what === "ban" || typeof what === "object" ? "affiliation" : "voice";
  try {
    if (what === "kick") {
      const reason = await ask({ title: `Kick ${nick}?`, message: "They can come back unless they are banned.", confirm: "Kick", danger: true, input: { label: "Reason (optional)" } });
      if (reason === null) return;
      await setRole(muc, room.jid, nick, "none", reason ? { reason } : {});
    } else if (what === "ban" || typeof what === "object") {
      if (!target.jid) throw new UserError(`The room does not show ${nick}'s address, so this cannot be done from here.`);
      const jid = target.jid.bare().toString();
      if (what === "ban") {
        const reason = await ask({ title: `Ban ${nick}?`, message: `${jid} will be removed and cannot come back.`, confirm: "Ban", danger: true, input: { label: "Reason (optional)" } });
        if (reason === null) return;
        await setAffiliation(muc, room.jid, jid, "outcast", reason ? { reason } : {});
      } else {
        if (target.affiliation === "owner" || (what.affiliation === "none" && target.affiliation !== "none")) {
          const ok = await ask({ title: `Make ${nick} ${AFFILIATION_WORDS[what.affiliation]}?`, message: `${jid} is ${AFFILIATION_WORDS[target.affiliation]} now.`, confirm: "Change", danger: true });
          if (ok === null) return;
        }
        await setAffiliation(muc, room.jid, jid, what.affiliation);
      }
    } else {
      await setRole(muc, room.jid, nick, what === "grant-voice" ? "participant" : "visitor");
    }
  } catch (e) {
    console.warn(`moderation in ${view.jid}`, e);
    learnUnsupported(view, action, e);
    view.occupantError = { nick, text: e instanceof UserError ? e.message : adminErrorText(e) };
    redraw.people();
  }
}

/** Open the room's administration (lists, bans, settings). */
export function manage(view: RoomView, tab?: "people" | "banned" | "settings"): void {
  const muc = session.muc;
  const me = view.room?.joined ? view.room.me : undefined;
  if (!muc || !me) return;
  const perms = permissions(view);
  void openAdminPanel(
    {
      muc,
      roomJid: view.jid,
      roomName: view.name ?? view.jid,
      affiliation: me.affiliation,
      affiliations: supports(view, "affiliation"),
      configure: perms.configure,
      onUnsupported: (what) => {
        view.unsupported.add(what);
        if (isCurrent(view)) redraw.room(view);
      },
      confirm: async (title, message, confirm) => (await ask({ title, message, confirm, danger: true })) !== null,
    },
    tab,
  );
}

/** Invite someone by address (XEP-0045 §7.8.2: the room passes the invitation on). */
export async function invite(view: RoomView): Promise<void> {
  const room = view.room;
  if (!room?.joined) return;
  let error: string | undefined;
  let typed = "";
  for (;;) {
    const jid = await ask({
      title: `Invite someone to ${view.name ?? view.jid}`,
      ...(error ? { message: error, messageError: true } : { message: "They get an invitation with a link to this room." }),
      confirm: "Invite",
      input: { label: "Their address", placeholder: "name@server", value: typed },
    });
    if (jid === null || jid === "") return;
    typed = jid;
    if (!/^[^@\s/]+@[^@\s/]+$/.test(jid)) {
      error = "That is not an address: it looks like name@server.";
      continue;
    }
    try {
      await room.invite(jid);
      addNotice(view, "invite", `You invited ${jid}`);
      return;
    } catch (e) {
      console.warn(`invitation to ${view.jid}`, e);
      error = conditionOf(e) === "forbidden" || conditionOf(e) === "not-allowed" ? "This room does not let you invite people." : describeError(e);
    }
  }
}

export async function editSubject(view: RoomView, text: string, button: HTMLButtonElement | null): Promise<void> {
  // Prosody does not broadcast an unchanged subject, and setSubject waits for the reflection: skip it.
  if (text === (view.room?.subject ?? "")) {
    view.editingSubject = false;
    redraw.page();
    return;
  }
  if (button) {
    button.disabled = true;
    button.textContent = "Saving…";
  }
  try {
    await view.room?.setSubject(text, { timeout: 10_000 });
    view.editingSubject = false;
    redraw.page();
  } catch (e) {
    learnUnsupported(view, "subject", e);
    showError(`Could not change the subject: ${adminErrorText(e)}`);
    if (button) {
      button.disabled = false;
      button.textContent = "Save";
    }
  }
}

export async function destroy(view: RoomView): Promise<void> {
  const muc = session.muc;
  if (!muc) return;
  const reason = await ask({
    title: `Destroy ${view.name ?? view.jid}?`,
    message: "Everyone is removed and the room is deleted. This cannot be undone.",
    confirm: "Destroy room",
    danger: true,
    input: { label: "Reason (optional)" },
  });
  if (reason === null) return;
  try {
    await destroyRoom(muc, view.jid, reason ? { reason } : {});
  } catch (e) {
    learnUnsupported(view, "destroy", e);
    showError(`Could not destroy ${view.name ?? view.jid}: ${adminErrorText(e)}`);
  }
}

export async function leave(view: RoomView): Promise<void> {
  try {
    await view.room?.leave({ timeout: 5_000 });
  } catch (e) {
    showError(`Could not leave ${view.name ?? view.jid} cleanly`, e);
  }
  view.state = "left";
  saveRooms();
  redraw.page();
}
