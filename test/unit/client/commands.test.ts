/**
 * XEP-0050 ad-hoc commands from the client: listing, and running a command
 * stage by stage, with the stanzas of XEP-0050's own examples (§3.2 the list,
 * §3.4 the multi-stage "config" command, §3.5 cancel) answered by a script.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Element } from "@xmpp/xml";
import { MucService, MucStateError, XMPPError, executeCommand, listCommands, registerWithGateway } from "../../../src/index.js";
import { MockConnection } from "../../../src/testing/index.js";
import { adHocCommand } from "../../../src/xso/commands.js";

const ME = "requester@domain/resource";
const RESPONDER = "responder@domain";
const CMD = "http://jabber.org/protocol/commands";
const isIq = (s: Element): boolean => s.is("iq");

let services: MucService[] = [];
afterEach(() => {
  for (const s of services) s.close();
  services = [];
});

function newService(): { conn: MockConnection; muc: MucService } {
  const conn = new MockConnection({ jid: ME });
  const muc = new MucService(conn, { selfPing: false });
  services.push(muc);
  return { conn, muc };
}

describe("the <command/> codec", () => {
  it("reads XEP-0050 example 5 (a stage with actions and a form) and writes a request", () => {
    const { conn } = newService();
    const el = conn.receive(`<command xmlns='${CMD}' sessionid='config:20020923T213616Z-700' node='config' status='executing'>
      <actions execute='next'><next/></actions>
      <x xmlns='jabber:x:data' type='form'><title>Configure Service</title>
        <field var='service' label='Select a service to configure' type='list-single'><option><value>httpd</value></option></field></x></command>`);
    const decoded = adHocCommand.decode(el);
    expect(decoded).toMatchObject({ node: "config", sessionId: "config:20020923T213616Z-700", status: "executing", actions: { execute: "next", next: true, prev: false, complete: false } });
    expect(decoded.form?.fields[0]?.var).toBe("service");
    expect(adHocCommand.encode({ node: "list", action: "execute" }).toString()).toBe(`<command xmlns="${CMD}" node="list" action="execute"/>`);
  });
});

describe("listCommands", () => {
  it("asks disco#items on the commands node and lists the items (XEP-0050 example 2)", async () => {
    const { conn, muc } = newService();
    const listed = listCommands(muc, RESPONDER);
    const iq = await conn.nextSent(isIq);
    expect(iq.attrs).toMatchObject({ type: "get", to: RESPONDER });
    expect(iq.getChild("query", "http://jabber.org/protocol/disco#items")?.attrs.node).toBe(CMD);
    conn.replyResult(
      iq,
      `<query xmlns='http://jabber.org/protocol/disco#items' node='${CMD}'>
        <item jid='responder@domain' node='list' name='List Service Configurations'/>
        <item jid='responder@domain' node='config' name='Configure Service'/>
        <item jid='responder@domain' name='no node: not a command'/></query>`,
    );
    const items = await listed;
    expect(items.map((i) => [i.jid.toString(), i.node, i.name])).toEqual([
      [RESPONDER, "list", "List Service Configurations"],
      [RESPONDER, "config", "Configure Service"],
    ]);
  });

  it("rejects an invalid JID with MucStateError and sends nothing", async () => {
    const { conn, muc } = newService();
    await expect(listCommands(muc, "a@b@c")).rejects.toBeInstanceOf(MucStateError);
    expect(conn.sent).toEqual([]);
  });
});

describe("executeCommand", () => {
  it("walks a multi-stage command: execute, next with values (defaults kept), prev, complete (XEP-0050 §3.4)", async () => {
    const { conn, muc } = newService();
    const first = executeCommand(muc, RESPONDER, "config");
    let iq = await conn.nextSent(isIq);
    expect(iq.attrs).toMatchObject({ type: "set", to: RESPONDER });
    expect(adHocCommand.decode(iq.getChild("command", CMD) as Element)).toMatchObject({ node: "config", action: "execute", sessionId: undefined });
    conn.replyResult(
      iq,
      `<command xmlns='${CMD}' sessionid='s-1' node='config' status='executing'><actions execute='next'><next/></actions>
        <x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'><value>urn:example</value></field>
          <field var='service' type='list-single'><value>httpd</value><option><value>httpd</value></option><option><value>ftpd</value></option></field>
          <field var='note' type='fixed'><value>read me</value></field>
          <field var='verbose' type='boolean'/></x></command>`,
      RESPONDER,
    );
    let stage = await first;
    expect(stage).toMatchObject({ status: "executing", sessionId: "s-1", actions: ["next"], defaultAction: "next" });

    const second = stage.next({ verbose: true });
    iq = await conn.nextSent(isIq);
    const sent = adHocCommand.decode(iq.getChild("command", CMD) as Element);
    expect(sent).toMatchObject({ node: "config", sessionId: "s-1", action: "next" });
    expect(sent.form?.type).toBe("submit");
    // The form's defaults (FORM_TYPE, service) go back with the values given; fixed fields do not.
    expect(sent.form?.fields.map((f) => [f.var, f.values])).toEqual([
      ["FORM_TYPE", ["urn:example"]],
      ["service", ["httpd"]],
      ["verbose", ["1"]],
    ]);
    conn.replyResult(
      iq,
      `<command xmlns='${CMD}' sessionid='s-1' node='config' status='executing'><actions execute='complete'><prev/><complete/></actions>
        <x xmlns='jabber:x:data' type='form'><field var='port' type='text-single'/></x></command>`,
      RESPONDER,
    );
    stage = await second;
    expect(stage.actions).toEqual(["prev", "complete"]);
    expect(stage.defaultAction).toBe("complete");

    const back = stage.prev();
    iq = await conn.nextSent(isIq);
    const prevSent = adHocCommand.decode(iq.getChild("command", CMD) as Element);
    expect(prevSent).toMatchObject({ action: "prev", sessionId: "s-1" });
    expect(prevSent.form).toBeUndefined();
    conn.replyResult(iq, `<command xmlns='${CMD}' sessionid='s-1' node='config' status='executing'><actions execute='next'><next/></actions><x xmlns='jabber:x:data' type='form'/></command>`, RESPONDER);
    stage = await back;

    const last = stage.complete({ port: "8080" });
    iq = await conn.nextSent(isIq);
    expect(adHocCommand.decode(iq.getChild("command", CMD) as Element)).toMatchObject({ action: "complete" });
    conn.replyResult(iq, `<command xmlns='${CMD}' sessionid='s-1' node='config' status='completed'><note type='info'>Service 'httpd' has been configured.</note></command>`, RESPONDER);
    stage = await last;
    expect(stage.status).toBe("completed");
    expect(stage.notes).toEqual([{ type: "info", text: "Service 'httpd' has been configured." }]);
    // A completed command has no next stage.
    await expect(stage.next()).rejects.toBeInstanceOf(MucStateError);
  });

  it("prev brings a stage back with the values given to it as defaults, which next() submits again; next is the default action", async () => {
    const { conn, muc } = newService();
    const sentOf = (iq: Element) => adHocCommand.decode(iq.getChild("command", CMD) as Element);
    const first = executeCommand(muc, RESPONDER, "book");
    let iq = await conn.nextSent(isIq);
    conn.replyResult(
      iq,
      `<command xmlns='${CMD}' sessionid='s-3' node='book' status='executing'><actions execute='next'><next/></actions>
        <x xmlns='jabber:x:data' type='form'><field var='place' type='list-single'><option><value>inn</value></option><option><value>tavern</value></option></field>
          <field var='guests' type='list-multi'><option><value>alice</value></option><option><value>bob</value></option></field></x></command>`,
      RESPONDER,
    );
    let stage = await first;
    expect(stage).toMatchObject({ actions: ["next"], defaultAction: "next" });

    const second = stage.next({ place: "tavern", guests: ["alice", "bob"] });
    iq = await conn.nextSent(isIq);
    expect(sentOf(iq)).toMatchObject({ action: "next", sessionId: "s-3" });
    conn.replyResult(iq, `<command xmlns='${CMD}' sessionid='s-3' node='book' status='executing'><actions execute='next'><prev/><next/></actions><x xmlns='jabber:x:data' type='form'><field var='day'/></x></command>`, RESPONDER);
    stage = await second;
    expect(stage).toMatchObject({ actions: ["prev", "next"], defaultAction: "next" });

    // Back: the entity shows stage 1 again, filled with what was submitted to it.
    const back = stage.prev();
    iq = await conn.nextSent(isIq);
    expect(sentOf(iq)).toMatchObject({ action: "prev", sessionId: "s-3", form: undefined });
    conn.replyResult(
      iq,
      `<command xmlns='${CMD}' sessionid='s-3' node='book' status='executing'><actions execute='next'><next/></actions>
        <x xmlns='jabber:x:data' type='form'><field var='place' type='list-single'><value>tavern</value><option><value>inn</value></option><option><value>tavern</value></option></field>
          <field var='guests' type='list-multi'><value>alice</value><value>bob</value><option><value>alice</value></option><option><value>bob</value></option></field></x></command>`,
      RESPONDER,
    );
    stage = await back;
    expect(stage).toMatchObject({ status: "executing", actions: ["next"], defaultAction: "next" });
    expect(stage.form?.fields.map((f) => [f.var, f.values])).toEqual([
      ["place", ["tavern"]],
      ["guests", ["alice", "bob"]],
    ]);

    // next() with nothing new submits those defaults again.
    const forward = stage.next();
    iq = await conn.nextSent(isIq);
    const resubmitted = sentOf(iq);
    expect(resubmitted).toMatchObject({ action: "next", sessionId: "s-3" });
    expect(resubmitted.form?.fields.map((f) => [f.var, f.values])).toEqual([
      ["place", ["tavern"]],
      ["guests", ["alice", "bob"]],
    ]);
    // <actions/> without 'execute': a plain "go on" is next when allowed (XEP-0050 §3.4), else complete.
    conn.replyResult(iq, `<command xmlns='${CMD}' sessionid='s-3' node='book' status='executing'><actions><prev/><next/><complete/></actions><x xmlns='jabber:x:data' type='form'><field var='day'/></x></command>`, RESPONDER);
    stage = await forward;
    expect(stage).toMatchObject({ actions: ["prev", "next", "complete"], defaultAction: "next" });

    const done = stage.complete({ day: "friday" });
    iq = await conn.nextSent(isIq);
    expect(sentOf(iq).form?.fields.map((f) => [f.var, f.values])).toEqual([["day", ["friday"]]]);
    conn.replyResult(iq, `<command xmlns='${CMD}' sessionid='s-3' node='book' status='executing'><actions><prev/><complete/></actions><x xmlns='jabber:x:data' type='form'/></command>`, RESPONDER);
    stage = await done;
    expect(stage.defaultAction).toBe("complete");
  });

  it("cancels (XEP-0050 §3.5) without a form", async () => {
    const { conn, muc } = newService();
    const first = executeCommand(muc, RESPONDER, "config");
    let iq = await conn.nextSent(isIq);
    conn.replyResult(iq, `<command xmlns='${CMD}' sessionid='s-2' node='config' status='executing'><x xmlns='jabber:x:data' type='form'/></command>`, RESPONDER);
    const stage = await first;
    // No <actions/>: completing is the one action (XEP-0050 §3.4).
    expect(stage.actions).toEqual(["complete"]);
    const canceled = stage.cancel();
    iq = await conn.nextSent(isIq);
    const sent = adHocCommand.decode(iq.getChild("command", CMD) as Element);
    expect(sent).toMatchObject({ action: "cancel", sessionId: "s-2" });
    expect(sent.form).toBeUndefined();
    conn.replyResult(iq, `<command xmlns='${CMD}' sessionid='s-2' node='config' status='canceled'/>`, RESPONDER);
    expect((await canceled).status).toBe("canceled");
  });

  it("passes the entity's refusal on as XMPPError, and a malformed answer as bad-request", async () => {
    const { conn, muc } = newService();
    const refused = executeCommand(muc, RESPONDER, "nope");
    conn.replyError(await conn.nextSent(isIq), "item-not-found", { from: RESPONDER });
    await expect(refused).rejects.toMatchObject({ condition: "item-not-found" });

    const malformed = executeCommand(muc, RESPONDER, "config");
    conn.replyResult(await conn.nextSent(isIq), `<command xmlns='${CMD}' node='config' status='bogus'/>`, RESPONDER);
    const error = await malformed.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XMPPError);
    expect((error as XMPPError).condition).toBe("bad-request");

    const empty = executeCommand(muc, RESPONDER, "config");
    conn.replyResult(await conn.nextSent(isIq), undefined, RESPONDER);
    await expect(empty).rejects.toMatchObject({ condition: "bad-request" });
  });

  it("refuses an empty node or an invalid JID before sending", async () => {
    const { conn, muc } = newService();
    await expect(executeCommand(muc, RESPONDER, "")).rejects.toBeInstanceOf(MucStateError);
    await expect(executeCommand(muc, "not a jid", "x")).rejects.toBeInstanceOf(MucStateError);
    expect(conn.sent).toEqual([]);
  });
});

describe("registerWithGateway by the register command", () => {
  it("answers each stage with the action the gateway names as default (XEP-0050 §3.4 execute): next where a stage offers next and complete", async () => {
    const { conn, muc } = newService();
    const steps: number[] = [];
    const done = registerWithGateway(
      muc,
      RESPONDER,
      ({ step }) => {
        steps.push(step);
        return step === 1 ? { username: "romeo" } : { code: "1234" };
      },
      { via: "command" },
    );
    let iq = await conn.nextSent(isIq);
    expect(adHocCommand.decode(iq.getChild("command", CMD) as Element)).toMatchObject({ node: "register", action: "execute" });
    // The credentials; the gateway would rather go on to a code, but lets the user finish here.
    conn.replyResult(
      iq,
      `<command xmlns='${CMD}' sessionid='r-1' node='register' status='executing'><actions execute='next'><next/><complete/></actions>
        <x xmlns='jabber:x:data' type='form'><field var='username' type='text-single'/></x></command>`,
      RESPONDER,
    );
    iq = await conn.nextSent(isIq);
    expect(adHocCommand.decode(iq.getChild("command", CMD) as Element)).toMatchObject({ sessionId: "r-1", action: "next" });
    conn.replyResult(
      iq,
      `<command xmlns='${CMD}' sessionid='r-1' node='register' status='executing'><actions execute='complete'><prev/><complete/></actions>
        <x xmlns='jabber:x:data' type='form'><field var='code' type='text-single'/></x></command>`,
      RESPONDER,
    );
    iq = await conn.nextSent(isIq);
    expect(adHocCommand.decode(iq.getChild("command", CMD) as Element)).toMatchObject({ sessionId: "r-1", action: "complete" });
    conn.replyResult(iq, `<command xmlns='${CMD}' sessionid='r-1' node='register' status='completed'><note type='info'>Registered</note></command>`, RESPONDER);
    expect(await done).toEqual({ via: "command", notes: [{ type: "info", text: "Registered" }] });
    expect(steps).toEqual([1, 2]);
  });
});
