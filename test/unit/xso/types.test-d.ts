/**
 * Type-level tests: the types inferred from codec definitions stay exact —
 * never widened to `any`, optional where the XML part is optional.
 */
import { describe, expectTypeOf, it } from "vitest";
import type { JID } from "@xmpp/jid";
import type { Element } from "@xmpp/xml";
import {
  attr,
  child,
  childText,
  childTexts,
  children,
  element,
  flag,
  langText,
  text,
  type Infer,
  type Input,
} from "../../../src/xso/codec.js";
import { boolean, dateTime, enumeration, integer, jidValue } from "../../../src/xso/values.js";
import { mucHistory, mucJoin, type MucJoin } from "../../../src/xso/muc.js";
import { mucUserItem, mucUserX, type Affiliation, type MucUserItem, type MucUserX, type Role } from "../../../src/xso/muc-user.js";

describe("inferred codec types", () => {
  it("maps each field kind to its exact type", () => {
    const codec = element("t", "urn:t", {
      a: attr("a"),
      b: attr("b", integer(), { required: true }),
      c: attr("c", boolean, { default: false }),
      d: attr("d", enumeration(["x", "y"] as const)),
      e: attr("e", jidValue),
      f: attr("f", dateTime),
      g: childText("g"),
      h: childTexts("h"),
      i: langText("i"),
      j: flag("j"),
      k: text(),
    });
    expectTypeOf<Infer<typeof codec>>().toEqualTypeOf<{
      a?: string | undefined;
      b: number;
      c: boolean;
      d?: "x" | "y" | undefined;
      e?: JID | undefined;
      f?: Date | undefined;
      g?: string | undefined;
      h: string[];
      i: Record<string, string>;
      j: boolean;
      k: string;
    }>();
    expectTypeOf<Input<typeof codec>>().toEqualTypeOf<{
      a?: string | undefined;
      b: number;
      c?: boolean | undefined;
      d?: "x" | "y" | undefined;
      e?: JID | undefined;
      f?: Date | undefined;
      g?: string | undefined;
      h?: string[] | undefined;
      i?: Record<string, string> | undefined;
      j?: boolean | undefined;
      k?: string | undefined;
    }>();
  });

  it("nests child codecs", () => {
    const inner = element("in", "urn:t", { v: attr("v", integer(), { required: true }) });
    const outer = element("out", "urn:t", { one: child(inner), req: child(inner, { required: true }), many: children(inner) });
    expectTypeOf<Infer<typeof outer>>().toEqualTypeOf<{ one?: { v: number } | undefined; req: { v: number }; many: { v: number }[] }>();
  });

  it("types the XEP-0045 join request", () => {
    expectTypeOf<MucJoin>().toEqualTypeOf<{
      history?: { maxChars?: number | undefined; maxStanzas?: number | undefined; seconds?: number | undefined; since?: Date | undefined } | undefined;
      password?: string | undefined;
    }>();
    expectTypeOf(mucJoin.encode).parameter(0).toMatchTypeOf<{ password?: string | undefined }>();
    expectTypeOf(mucHistory.decode).returns.toHaveProperty("maxStanzas");
  });

  it("types muc#user items and x", () => {
    expectTypeOf<MucUserItem["affiliation"]>().toEqualTypeOf<Affiliation | undefined>();
    expectTypeOf<MucUserItem["role"]>().toEqualTypeOf<Role | undefined>();
    expectTypeOf<MucUserItem["jid"]>().toEqualTypeOf<JID | undefined>();
    expectTypeOf<MucUserX["items"]>().toEqualTypeOf<MucUserItem[]>();
    expectTypeOf<MucUserX["statusCodes"]>().toEqualTypeOf<number[]>();
    expectTypeOf(mucUserItem.decode).returns.not.toBeAny();
    expectTypeOf(mucUserX.encode).returns.toEqualTypeOf<Element>();
    expectTypeOf<Affiliation>().toEqualTypeOf<"owner" | "admin" | "member" | "outcast" | "none">();
  });
});

import {
  XMPPError,
  dataForm,
  mamQuery,
  message,
  presence,
  roomConfigSchema,
  stanzaError,
  type DataForm,
  type DataFormField,
  type Delay,
  type MamResult,
  type Message,
  type Presence,
  type RoomConfig,
  type RsmSet,
  type StanzaErrorCondition,
  type StanzaId,
} from "../../../src/xso/index.js";

describe("inferred types of the stanza codecs", () => {
  it("types presence and message basics", () => {
    expectTypeOf<Presence["type"]>().toEqualTypeOf<
      "available" | "unavailable" | "subscribe" | "subscribed" | "unsubscribe" | "unsubscribed" | "probe" | "error"
    >();
    expectTypeOf<Presence["from"]>().toEqualTypeOf<JID | undefined>();
    expectTypeOf<Presence["show"]>().toEqualTypeOf<"away" | "chat" | "dnd" | "xa" | undefined>();
    expectTypeOf<Presence["status"]>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf<Presence["priority"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Message["type"]>().toEqualTypeOf<"chat" | "error" | "groupchat" | "headline" | "normal">();
    expectTypeOf<Message["body"]>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf(presence.decode).returns.not.toBeAny();
    expectTypeOf(message.decode).returns.not.toBeAny();
  });

  it("types extensions", () => {
    expectTypeOf<Delay["stamp"]>().toEqualTypeOf<Date>();
    expectTypeOf<Delay["from"]>().toEqualTypeOf<JID | undefined>();
    expectTypeOf<StanzaId>().toEqualTypeOf<{ id: string; by: JID }>();
    expectTypeOf<RsmSet["max"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<MamResult["forwarded"]["message"]>().toEqualTypeOf<Element>();
    expectTypeOf(mamQuery.decode).returns.not.toBeAny();
  });

  it("types stanza errors and XMPPError", () => {
    expectTypeOf(stanzaError.decode).returns.toHaveProperty("condition").toEqualTypeOf<StanzaErrorCondition>();
    expectTypeOf<XMPPError["condition"]>().toEqualTypeOf<StanzaErrorCondition>();
    expectTypeOf<XMPPError>().toMatchTypeOf<Error>();
    expectTypeOf<StanzaErrorCondition>().toMatchTypeOf<string>();
    expectTypeOf<"conflict">().toMatchTypeOf<StanzaErrorCondition>();
  });

  it("types data forms and the room configuration record", () => {
    expectTypeOf<DataForm["type"]>().toEqualTypeOf<"form" | "submit" | "cancel" | "result">();
    expectTypeOf<DataForm["fields"]>().toEqualTypeOf<DataFormField[]>();
    expectTypeOf<DataFormField["values"]>().toEqualTypeOf<string[]>();
    expectTypeOf(dataForm.decode).returns.not.toBeAny();
    expectTypeOf<RoomConfig["persistent"]>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<RoomConfig["maxUsers"]>().toEqualTypeOf<number | "none" | undefined>();
    expectTypeOf<RoomConfig["whois"]>().toEqualTypeOf<"moderators" | "anyone" | undefined>();
    expectTypeOf<RoomConfig["roomName"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf(roomConfigSchema.parse).returns.toEqualTypeOf<RoomConfig>();
  });
});
