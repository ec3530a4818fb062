import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { JID } from "@xmpp/jid";
import {
  ValueError,
  boolean,
  booleanValue,
  dateTime,
  enumeration,
  integer,
  jidValue,
  openEnumeration,
  parseJid,
} from "../../../src/xso/index.js";

describe("parseJid", () => {
  it.each([
    ["room@conference.localhost", "room", "conference.localhost", ""],
    ["room@conference.localhost/nick", "room", "conference.localhost", "nick"],
    ["conference.localhost", "", "conference.localhost", ""],
    ["localhost/res/with/slashes", "", "localhost", "res/with/slashes"],
    ["Room@Conference.LocalHost/Nick", "room", "conference.localhost", "Nick"],
    ["a@b/nick with spaces and @ and é 😀", "a", "b", "nick with spaces and @ and é 😀"],
    ["juliet@example.com.", "juliet", "example.com", ""],
    ["user@[::1]", "user", "[::1]", ""],
    ["c\\d@example.com", "c\\d", "example.com", ""],
  ])("parses %j", (text, local, domain, resource) => {
    const j = parseJid(text);
    expect(j).toBeInstanceOf(JID);
    expect([j.local, j.domain, j.resource]).toEqual([local, domain, resource]);
  });

  it("builds JIDs equal to @xmpp/jid's own for ordinary addresses", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-zA-Z0-9._-]{1,12}$/),
        fc.stringMatching(/^[a-zA-Z0-9]{1,8}(\.[a-z]{2,4})?$/),
        fc.option(fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/.test(s)), { nil: undefined }),
        (local, domain, resource) => {
          const text = `${local}@${domain}${resource === undefined ? "" : `/${resource}`}`;
          const ours = parseJid(text);
          const theirs = new JID(local, domain, resource ?? null);
          expect(ours.equals(theirs)).toBe(true);
          expect(ours.toString()).toBe(theirs.toString());
          expect(ours.bare().toString()).toBe(theirs.bare().toString());
        },
      ),
    );
  });

  it.each([
    ["", "empty domainpart"],
    ["@domain", "empty localpart"],
    ["local@", "empty domainpart"],
    ["a@b/", "empty resourcepart"],
    ["a b@c", "excluded character"],
    ["a:b@c", "excluded character"],
    ["a<b@c", "excluded character"],
    ["a@b@c", "invalid domainpart"],
    ["a@do main", "invalid domainpart"],
    ["a@b/x\u0000y", "control character"],
    [`${"x".repeat(1024)}@b`, "localpart too long"],
    [`a@b/${"x".repeat(1024)}`, "resourcepart too long"],
  ])("rejects %j (%s)", (text, why) => {
    expect(() => parseJid(text)).toThrow(ValueError);
    expect(() => parseJid(text)).toThrow(why);
  });

  it("round-trips through jidValue", () => {
    const j = jidValue.parse("a@b/c");
    expect(jidValue.format(j)).toBe("a@b/c");
    expect(jidValue.equals(j, parseJid("A@B/c"))).toBe(true);
  });

  it("keeps error messages short for huge input", () => {
    try {
      parseJid(`${"@".repeat(100_000)}`);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message.length).toBeLessThan(200);
    }
  });
});

describe("dateTime (XEP-0082)", () => {
  it.each([
    ["2002-09-10T23:08:25Z", "2002-09-10T23:08:25.000Z"],
    ["2002-09-10T23:08:25.123Z", "2002-09-10T23:08:25.123Z"],
    ["2002-09-10T23:08:25.123456Z", "2002-09-10T23:08:25.123Z"],
    ["2002-09-10T23:08:25-06:00", "2002-09-11T05:08:25.000Z"],
    ["2001-03-01T00:30:00+01:00", "2001-02-28T23:30:00.000Z"],
    ["2004-02-29T12:00:00Z", "2004-02-29T12:00:00.000Z"],
    ["2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000Z"],
    ["0400-02-29T00:00:00Z", "0400-02-29T00:00:00.000Z"],
    ["0004-02-29T23:58:37-01:00", "0004-03-01T00:58:37.000Z"],
    ["0099-12-31T23:59:59Z", "0099-12-31T23:59:59.000Z"],
  ])("parses %s", (text, iso) => {
    expect(dateTime.parse(text).toISOString()).toBe(iso);
  });

  it.each(["2002-09-10", "2002-13-10T00:00:00Z", "2001-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "0100-02-29T00:00:00Z", "2023-04-31T00:00:00Z", "2023-01-00T00:00:00Z", "2002-09-10T24:00:00Z", "2002-09-10T23:08:25", "yesterday", "20020910T23:08:25"])(
    "rejects %s",
    (text) => {
      expect(() => dateTime.parse(text)).toThrow(ValueError);
    },
  );

  it("formats in UTC, with milliseconds only when present", () => {
    expect(dateTime.format(new Date("2002-09-10T23:08:25Z"))).toBe("2002-09-10T23:08:25Z");
    expect(dateTime.format(new Date("2002-09-10T23:08:25.5Z"))).toBe("2002-09-10T23:08:25.500Z");
  });

  it("round-trips any date", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true }), (d) => {
        expect(dateTime.parse(dateTime.format(d)).getTime()).toBe(d.getTime());
      }),
    );
  });
});

describe("integer, boolean, enumerations", () => {
  it("parses integers within bounds", () => {
    const t = integer(0, 10);
    expect(t.parse(" 7 ")).toBe(7);
    expect(t.parse("+3")).toBe(3);
    expect(t.parse("-0")).toBe(0);
    for (const bad of ["", "x", "1.5", "11", "-1", "1e2", "99999999999999999"]) expect(() => t.parse(bad)).toThrow(ValueError);
  });

  it("parses xs:boolean and writes the chosen style", () => {
    for (const [s, v] of [["true", true], ["1", true], ["false", false], ["0", false]] as const) expect(boolean.parse(s)).toBe(v);
    expect(() => boolean.parse("yes")).toThrow(ValueError);
    expect(boolean.format(true)).toBe("true");
    expect(booleanValue("digit").format(false)).toBe("0");
  });

  it("closes or opens enumerations", () => {
    const closed = enumeration(["a", "b"] as const);
    expect(closed.parse("a")).toBe("a");
    expect(() => closed.parse("c")).toThrow("'c' is not one of a, b");
    expect(openEnumeration(["a"] as const).parse("zzz")).toBe("zzz");
  });
});
