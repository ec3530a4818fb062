/**
 * The privilege rules of XEP-0045 §5 and §8–§10, case by case: who may kick,
 * grant and revoke voice and moderator status, and change affiliations.
 */
import { describe, expect, it } from "vitest";
import { canConfigureRoom, canSendToAll, canSetAffiliation, canSetRole, canSetSubject, type Affiliation, type Role, type Standing } from "../../../src/index.js";

const as = (role: Role, affiliation: Affiliation): Standing => ({ role, affiliation });

const OWNER = as("moderator", "owner");
const ADMIN = as("moderator", "admin");
const MEMBER_MODERATOR = as("moderator", "member");
const NONE_MODERATOR = as("moderator", "none");
const MEMBER = as("participant", "member");
const PARTICIPANT = as("participant", "none");
const VISITOR = as("visitor", "none");

describe("canSetRole", () => {
  it.each([
    // §8.2 kick: moderators, not of a user with a higher affiliation.
    ["a moderator kicks a participant", NONE_MODERATOR, PARTICIPANT, "none", true],
    ["a moderator kicks a visitor", MEMBER_MODERATOR, VISITOR, "none", true],
    ["a member moderator cannot kick an admin", MEMBER_MODERATOR, ADMIN, "none", false],
    ["an admin cannot kick an owner", ADMIN, OWNER, "none", false],
    ["an owner kicks an admin", OWNER, ADMIN, "none", true],
    ["an admin kicks another admin (not a lower affiliation)", ADMIN, as("moderator", "admin"), "none", true],
    ["a participant cannot kick", PARTICIPANT, VISITOR, "none", false],
    ["a member who is not a moderator cannot kick", MEMBER, PARTICIPANT, "none", false],
    // §8.4 revoke voice: not from admins or owners, not at or above the moderator's affiliation.
    ["a member moderator revokes the voice of an unaffiliated participant", MEMBER_MODERATOR, PARTICIPANT, "visitor", true],
    ["a moderator cannot revoke the voice of someone of the same affiliation", NONE_MODERATOR, PARTICIPANT, "visitor", false],
    ["no one revokes an admin's voice, not even an owner", OWNER, ADMIN, "visitor", false],
    ["no one revokes an owner's voice", OWNER, as("moderator", "owner"), "visitor", false],
    ["a participant cannot revoke voice", MEMBER, PARTICIPANT, "visitor", false],
    // §8.3 grant voice.
    ["a moderator grants voice to a visitor", NONE_MODERATOR, VISITOR, "participant", true],
    ["a participant cannot grant voice", MEMBER, VISITOR, "participant", false],
    // §9.6 grant moderator status: admins and owners.
    ["an admin grants moderator status to a member", ADMIN, MEMBER, "moderator", true],
    ["an owner grants moderator status to a participant", OWNER, PARTICIPANT, "moderator", true],
    ["a member moderator cannot grant moderator status", MEMBER_MODERATOR, PARTICIPANT, "moderator", false],
    ["an admin cannot touch an owner's role", ADMIN, as("participant", "owner"), "moderator", false],
    // §9.7 revoke moderator status: admins and owners, not from admins or owners.
    ["an admin revokes moderator status from a member", ADMIN, MEMBER_MODERATOR, "participant", true],
    ["a member moderator cannot revoke moderator status", MEMBER_MODERATOR, NONE_MODERATOR, "participant", false],
    ["no one revokes an admin's moderator status", OWNER, ADMIN, "participant", false],
  ] as const)("%s", (_name, actor, target, role, expected) => {
    expect(canSetRole(actor, target, role)).toBe(expected);
  });

  it("an outcast or an occupant without a role can do nothing", () => {
    for (const role of ["none", "visitor", "participant", "moderator"] as const) {
      expect(canSetRole(as("none", "none"), VISITOR, role)).toBe(false);
      expect(canSetRole(as("visitor", "outcast"), VISITOR, role)).toBe(false);
    }
  });
});

describe("canSetAffiliation", () => {
  it.each([
    // §9.1 ban, §9.3–9.4 membership: admins and owners.
    ["an admin bans an unaffiliated user", ADMIN, PARTICIPANT, "outcast", true],
    ["an admin bans a member", ADMIN, MEMBER, "outcast", true],
    ["an admin grants membership", ADMIN, PARTICIPANT, "member", true],
    ["an admin revokes membership", ADMIN, MEMBER, "none", true],
    ["an admin lifts a ban", ADMIN, as("none", "outcast"), "none", true],
    ["a member moderator cannot ban", MEMBER_MODERATOR, PARTICIPANT, "outcast", false],
    ["a member cannot grant membership", MEMBER, PARTICIPANT, "member", false],
    // §10.3–10.7 admin and owner status: owners.
    ["an admin cannot ban an owner", ADMIN, OWNER, "outcast", false],
    ["an admin cannot ban another admin", ADMIN, as("moderator", "admin"), "outcast", false],
    ["an admin cannot make an admin", ADMIN, MEMBER, "admin", false],
    ["an admin cannot make an owner", ADMIN, MEMBER, "owner", false],
    ["an owner makes an admin", OWNER, MEMBER, "admin", true],
    ["an owner revokes admin status", OWNER, ADMIN, "member", true],
    ["an owner makes another owner", OWNER, ADMIN, "owner", true],
    ["an owner bans an admin", OWNER, ADMIN, "outcast", true],
  ] as const)("%s", (_name, actor, target, affiliation, expected) => {
    expect(canSetAffiliation(actor, target, affiliation)).toBe(expected);
  });

  it("roles do not matter, only affiliations (an absent admin may ban)", () => {
    expect(canSetAffiliation({ affiliation: "admin" }, { affiliation: "none" }, "outcast")).toBe(true);
    expect(canSetAffiliation(as("none", "admin"), PARTICIPANT, "outcast")).toBe(true);
  });
});

describe("the other privileges", () => {
  it("canSendToAll: participants and moderators, not visitors (§5.1.1)", () => {
    expect([MEMBER, NONE_MODERATOR, VISITOR, as("none", "none")].map(canSendToAll)).toEqual([true, true, false, false]);
  });

  it("canSetSubject: moderators; participants only where the room allows it (§8.1)", () => {
    expect(canSetSubject(NONE_MODERATOR)).toBe(true);
    expect(canSetSubject(PARTICIPANT)).toBe(false);
    expect(canSetSubject(PARTICIPANT, { occupantsMayChangeSubject: true })).toBe(true);
    expect(canSetSubject(VISITOR, { occupantsMayChangeSubject: true })).toBe(false);
  });

  it("canConfigureRoom: owners only (§10)", () => {
    expect([OWNER, ADMIN, MEMBER].map(canConfigureRoom)).toEqual([true, false, false]);
  });
});
