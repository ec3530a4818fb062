/**
 * The gateway's commands (transcripts on the mock component): XEP-0050
 * ad-hoc commands on the gateway JID — listed by access, run stage by stage
 * (next, back with prev), cancelled, refused — and the same commands by
 * chat, with `help`.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Element } from "@xmpp/xml";
import { adHocCommand } from "../../../src/xso/commands.js";
import { Command, CommandAccess, CommandConfirmation, CommandForm, type CommandContext } from "../../../src/gateway/index.js";
import { BaseGateway } from "../../../src/gateway/index.js";
import { XMPPError } from "../../../src/index.js";
import { GW, NS_DISCO_INFO, NS_DISCO_ITEMS, RES, USER, TestNetwork, closeStores, errorCondition, join, recordingLogger, request, startGateway, type Harness } from "./helpers.js";

const FULL = `${USER}/${RES}`;
const CMD = "http://jabber.org/protocol/commands";

afterEach(() => closeStores());

function commandOf(iq: Element) {
  const el = iq.getChild("command", CMD);
  if (!el) throw new Error(`no <command/> in ${iq.toString()}`);
  return adHocCommand.decode(el);
}

function execute(node: string, from = FULL, id = "c1"): string {
  return `<iq type='set' id='${id}' from='${from}' to='${GW}'><command xmlns='${CMD}' node='${node}' action='execute'/></iq>`;
}

function submit(node: string, sessionId: string, fields: Record<string, string>, id = "c2", action = "complete", options: { from?: string; formType?: string } = {}): string {
  const xfields = Object.entries(fields)
    .map(([k, v]) => `<field var='${k}'><value>${v}</value></field>`)
    .join("");
  const from = options.from ?? FULL;
  return `<iq type='set' id='${id}' from='${from}' to='${GW}'><command xmlns='${CMD}' node='${node}' sessionid='${sessionId}' action='${action}'><x xmlns='jabber:x:data' type='${options.formType ?? "submit"}'>${xfields}</x></command></iq>`;
}

async function chat(h: Awaited<ReturnType<typeof startGateway>>, body: string, from = FULL): Promise<string> {
  h.component.receive(`<message type='chat' id='m-${Math.random()}' from='${from}' to='${GW}'><body>${body}</body></message>`);
  const reply = await h.component.nextSent((s) => s.is("message") && s.attrs.to === from && s.attrs.from === GW);
  return reply.getChildText("body") ?? "";
}

describe("ad-hoc commands on the gateway JID", () => {
  it("are advertised, and listed on the commands node according to who asks", async () => {
    const h = await startGateway();
    const info = await request(h, `<iq type='get' id='i1' from='${FULL}' to='${GW}'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
    expect(info.getChild("query")?.getChildren("feature").map((f) => f.attrs.var)).toContain(CMD);

    const items = await request(h, `<iq type='get' id='i2' from='${FULL}' to='${GW}'><query xmlns='${NS_DISCO_ITEMS}' node='${CMD}'/></iq>`);
    const nodes = items.getChild("query")?.getChildren("item").map((i) => [i.attrs.jid, i.attrs.node, i.attrs.name]);
    expect(nodes).toEqual([
      [GW, "groups", "List my groups"],
      [GW, "leave-group", "Leave a group"],
      [GW, "create-group", "Create a group"],
      [GW, "re-login", "Re-login"],
      [GW, "unregister", "Unregister from the gateway"],
    ]);
    // Someone not registered sees only the registration.
    const stranger = await request(h, `<iq type='get' id='i3' from='juliet@capulet.lit/balcony' to='${GW}'><query xmlns='${NS_DISCO_ITEMS}' node='${CMD}'/></iq>`);
    expect(stranger.getChild("query")?.getChildren("item").map((i) => i.attrs.node)).toEqual(["register"]);
    // A command's node has its identity (XEP-0050 §2.3); an unknown node is item-not-found.
    const node = await request(h, `<iq type='get' id='i4' from='${FULL}' to='${GW}'><query xmlns='${NS_DISCO_INFO}' node='groups'/></iq>`);
    expect(node.getChild("query")?.getChild("identity")?.attrs).toMatchObject({ category: "automation", type: "command-node", name: "List my groups" });
    expect(errorCondition(await request(h, `<iq type='get' id='i5' from='${FULL}' to='${GW}'><query xmlns='${NS_DISCO_INFO}' node='nope'/></iq>`))).toBe("item-not-found");
  });

  it("a module without group life-cycle hooks offers no leave or create command", async () => {
    const net = new TestNetwork();
    net.groupLifecycle = false;
    const h = await startGateway({ net });
    const items = await request(h, `<iq type='get' id='i1' from='${FULL}' to='${GW}'><query xmlns='${NS_DISCO_ITEMS}' node='${CMD}'/></iq>`);
    expect(items.getChild("query")?.getChildren("item").map((i) => i.attrs.node)).toEqual(["groups", "re-login", "unregister"]);
    expect(errorCondition(await request(h, execute("leave-group")))).toBe("forbidden");
  });

  it("'Register' gives a stranger the registration form; submitting it validates, saves, logs in and welcomes", async () => {
    const h = await startGateway({ users: [] });
    const juliet = "juliet@capulet.lit/balcony";
    const first = commandOf(await request(h, execute("register", juliet)));
    expect(first.actions).toEqual({ execute: "complete", prev: false, next: false, complete: true });
    expect(first.form?.fields.map((f) => [f.var, f.type, f.required])).toEqual([
      ["username", "text-single", true],
      ["password", "text-private", true],
    ]);
    // A missing field is refused before validate.
    const missing = await request(h, `<iq type='set' id='r1' from='${juliet}' to='${GW}'><command xmlns='${CMD}' node='register' sessionid='${first.sessionId}' action='complete'><x xmlns='jabber:x:data' type='submit'><field var='username'><value>juliet</value></field></x></command></iq>`);
    expect(errorCondition(missing)).toBe("not-acceptable");
    expect(h.net.calls.validate).toEqual([]);

    const again = commandOf(await request(h, execute("register", juliet, "r2")));
    const done = await request(h, `<iq type='set' id='r3' from='${juliet}' to='${GW}'><command xmlns='${CMD}' node='register' sessionid='${again.sessionId}' action='complete'><x xmlns='jabber:x:data' type='submit'><field var='username'><value>juliet</value></field><field var='password'><value>nurse</value></field></x></command></iq>`);
    expect(commandOf(done)).toMatchObject({ status: "completed", notes: [{ type: "info", text: "You are registered" }] });
    expect(h.net.calls.validate).toEqual([{ jid: "juliet@capulet.lit", form: { username: "juliet", password: "nurse" } }]);
    const welcome = await h.component.nextSent((s) => s.is("message") && s.attrs.to === "juliet@capulet.lit");
    expect(welcome.getChildText("body")).toMatch(/Thank you for registering/);
    expect(h.gateway.getSession("juliet@capulet.lit")?.loggedIn).toBe(true);
    // Registered now: no more registration command, the others instead.
    expect(errorCondition(await request(h, execute("register", juliet, "r4")))).toBe("forbidden");
  });

  it("'List my groups' completes at once with a result table", async () => {
    const h = await startGateway();
    const answer = commandOf(await request(h, execute("groups")));
    expect(answer.status).toBe("completed");
    expect(answer.form?.type).toBe("result");
    expect(answer.form?.reported?.map((f) => f.var)).toEqual(["jid", "name"]);
    expect(answer.form?.items.map((row) => row.map((f) => f.values[0]))).toContainEqual([`coffee@${GW}`, "Coffee"]);
  });

  it("'Leave a group' asks which in a form, then calls onLeaveGroup and removes the room", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const first = commandOf(await request(h, execute("leave-group")));
    expect(first).toMatchObject({ status: "executing", actions: { execute: "complete", complete: true } });
    const field = first.form?.fields.find((f) => f.var === "group");
    expect(field?.type).toBe("list-single");
    expect(field?.options.map((o) => o.value)).toContain("coffee");
    // A required field left empty is refused (the stage stays, to be submitted again; here a new run).
    const empty = await request(h, submit("leave-group", first.sessionId as string, {}));
    expect(errorCondition(empty)).toBe("not-acceptable");

    const again = commandOf(await request(h, execute("leave-group", FULL, "c3")));
    const done = commandOf(await request(h, submit("leave-group", again.sessionId as string, { group: "coffee" }, "c4")));
    expect(done.status).toBe("completed");
    expect(done.notes[0]?.text).toBe("You left Coffee");
    expect(h.net.calls.onLeaveGroup).toEqual(["coffee"]);
    expect(h.store.rooms.get(USER, "coffee")).toBeUndefined();
  });

  it("'Create a group' takes a name and invites the user into the new room", async () => {
    const h = await startGateway();
    const first = commandOf(await request(h, execute("create-group")));
    const start = h.component.sent.length;
    const done = commandOf(await request(h, submit("create-group", first.sessionId as string, { name: "Tea room" })));
    expect(done.status).toBe("completed");
    expect(h.net.calls.onCreateGroup).toEqual([{ name: "Tea room", contacts: [] }]);
    const invite = h.component.sent.slice(start).find((s) => s.is("message") && s.getChild("x", "jabber:x:conference"));
    expect(invite?.attrs.to).toBe(USER);
  });

  it("'Unregister' confirms first: no → canceled, nothing done; yes → the user is forgotten", async () => {
    const h = await startGateway();
    const first = commandOf(await request(h, execute("unregister")));
    expect(first.form?.fields[0]).toMatchObject({ var: "confirm", type: "boolean" });
    const no = commandOf(await request(h, submit("unregister", first.sessionId as string, { confirm: "0" })));
    expect(no.status).toBe("canceled");
    expect(h.store.users.get(USER)).toBeDefined();

    const second = commandOf(await request(h, execute("unregister", FULL, "c5")));
    const yes = commandOf(await request(h, submit("unregister", second.sessionId as string, { confirm: "1" }, "c6")));
    expect(yes.status).toBe("completed");
    expect(h.store.users.get(USER)).toBeUndefined();
    expect(h.gateway.getSession(USER)).toBeUndefined();
  });

  it("cancel ends a session; a stale, foreign or unknown session id is bad-request with <bad-sessionid/>", async () => {
    const h = await startGateway({ users: [USER, "mercutio@verona.lit"] });
    const first = commandOf(await request(h, execute("create-group")));
    const sid = first.sessionId as string;
    // Another user cannot continue it.
    const foreign = await request(h, `<iq type='set' id='f1' from='mercutio@verona.lit/street' to='${GW}'><command xmlns='${CMD}' node='create-group' sessionid='${sid}' action='complete'/></iq>`);
    expect(errorCondition(foreign)).toBe("bad-request");
    const canceled = commandOf(await request(h, `<iq type='set' id='x1' from='${FULL}' to='${GW}'><command xmlns='${CMD}' node='create-group' sessionid='${sid}' action='cancel'/></iq>`));
    expect(canceled.status).toBe("canceled");
    const stale = await request(h, submit("create-group", sid, { name: "late" }, "x2"));
    expect(errorCondition(stale)).toBe("bad-request");
    expect(stale.getChild("error")?.getChild("bad-sessionid", CMD)).toBeDefined();
    expect(h.net.calls.onCreateGroup).toEqual([]);
  });

  it("a stage answered with a form of type cancel is canceled as by action='cancel'; one of type form or result is bad-request, the stage kept", async () => {
    const h = await startGateway();
    await join(h, "coffee");
    const first = commandOf(await request(h, execute("leave-group")));
    const sid = first.sessionId as string;
    for (const [id, formType] of [["t1", "form"], ["t2", "result"]] as const) {
      const refused = await request(h, submit("leave-group", sid, { group: "coffee" }, id, "complete", { formType }));
      expect(errorCondition(refused)).toBe("bad-request");
      expect(refused.getChild("error")?.attrs.type).toBe("modify");
    }
    expect(h.net.calls.onLeaveGroup).toEqual([]);
    // The stage is still open: a cancel form ends it, leaving nothing.
    const canceled = commandOf(await request(h, submit("leave-group", sid, { group: "coffee" }, "t3", "complete", { formType: "cancel" })));
    expect(canceled).toMatchObject({ node: "leave-group", sessionId: sid, status: "canceled" });
    expect(h.net.calls.onLeaveGroup).toEqual([]);
    expect(h.store.rooms.get(USER, "coffee")).toBeDefined();
    const stale = await request(h, submit("leave-group", sid, { group: "coffee" }, "t4"));
    expect(stale.getChild("error")?.getChild("bad-sessionid", CMD)).toBeDefined();
    // A stage kept after a refused form takes the submission.
    const again = commandOf(await request(h, execute("leave-group", FULL, "t5")));
    expect(errorCondition(await request(h, submit("leave-group", again.sessionId as string, { group: "coffee" }, "t6", "complete", { formType: "form" })))).toBe("bad-request");
    expect(commandOf(await request(h, submit("leave-group", again.sessionId as string, { group: "coffee" }, "t7"))).status).toBe("completed");
    expect(h.net.calls.onLeaveGroup).toEqual(["coffee"]);
  });

  it("'Unregister' when the module's logout() fails: logged; the user is forgotten all the same, unregister() called, the command completed", async () => {
    const { logger, lines } = recordingLogger();
    const h = await startGateway({ logger });
    const session = h.gateway.getSession(USER);
    if (!session) throw new Error("no session");
    session.logout = async () => {
      throw new Error("already disconnected");
    };
    const first = commandOf(await request(h, execute("unregister")));
    const yes = commandOf(await request(h, submit("unregister", first.sessionId as string, { confirm: "1" })));
    expect(yes.status).toBe("completed");
    expect(h.store.users.get(USER)).toBeUndefined();
    expect(h.gateway.getSession(USER)).toBeUndefined();
    expect(h.net.calls.unregister).toEqual([USER]);
    expect(lines.some((l) => l.level === "warn" && l.message.startsWith(`logout of ${USER}`))).toBe(true);
  });

  it("refuses unknown commands, strangers and malformed requests without calling the module", async () => {
    const h = await startGateway();
    expect(errorCondition(await request(h, execute("nope")))).toBe("item-not-found");
    expect(errorCondition(await request(h, execute("groups", "juliet@capulet.lit/balcony")))).toBe("forbidden");
    const malformed = await request(h, `<iq type='set' id='b1' from='${FULL}' to='${GW}'><command xmlns='${CMD}' node='groups' action='bogus'/></iq>`);
    expect(errorCondition(malformed)).toBe("bad-request");
    expect(malformed.getChild("error")?.getChild("malformed-action", CMD)).toBeDefined();
    const noNode = await request(h, `<iq type='set' id='b2' from='${FULL}' to='${GW}'><command xmlns='${CMD}' action='execute'/></iq>`);
    expect(errorCondition(noNode)).toBe("bad-request");
  });
});

describe("two registrations of one user at once", () => {
  const JULIET = "juliet@capulet.lit";
  const FROM = `${JULIET}/balcony`;

  /** Two register command sessions of Juliet's, each at its form. */
  async function twoForms(h: Harness): Promise<[string, string]> {
    const a = commandOf(await request(h, execute("register", FROM, "a1")));
    const b = commandOf(await request(h, execute("register", FROM, "b1")));
    return [a.sessionId as string, b.sessionId as string];
  }

  const logins = (h: Harness): number => h.net.calls.login.filter((j) => j === JULIET).length;
  const logouts = (h: Harness): number => h.net.calls.logout.filter((j) => j === JULIET).length;

  it("two register command sessions completed back to back: the first session is logged out when the second is made", async () => {
    const h = await startGateway({ users: [] });
    const [a, b] = await twoForms(h);
    h.component.receive(submit("register", a, { username: "j1", password: "p" }, "a2", "complete", { from: FROM }));
    h.component.receive(submit("register", b, { username: "j2", password: "p" }, "b2", "complete", { from: FROM }));
    await vi.waitFor(() => expect(logins(h)).toBe(2));
    await vi.waitFor(() => expect(h.gateway.getSession(JULIET)?.loggedIn).toBe(true));
    expect(logouts(h)).toBe(1);
    expect(h.gateway.sessions.filter((s) => s.userJid.toString() === JULIET)).toHaveLength(1);
    expect(h.store.users.get(JULIET)?.legacyData).toEqual({ username: "j2" });
  });

  it("the second made while the first still logs in: the first, once logged in, is logged out at once, and never welcomed", async () => {
    const net = new TestNetwork();
    const h = await startGateway({ net, users: [] });
    const [a, b] = await twoForms(h);
    let open!: () => void;
    net.loginGate = new Promise<void>((resolve) => (open = resolve));
    h.component.receive(submit("register", a, { username: "j1", password: "p" }, "a2", "complete", { from: FROM }));
    await vi.waitFor(() => expect(logins(h)).toBe(1));
    const first = h.gateway.getSession(JULIET);
    h.component.receive(submit("register", b, { username: "j2", password: "p" }, "b2", "complete", { from: FROM }));
    await vi.waitFor(() => expect(logins(h)).toBe(2));
    open();
    const welcome = await h.component.nextSent((s) => s.is("message") && s.attrs.to === JULIET && /Thank you/.test(s.getChildText("body") ?? ""));
    expect(welcome).toBeDefined();
    await vi.waitFor(() => expect(logouts(h)).toBe(1));
    expect(first?.loggedIn).toBe(false);
    expect(h.gateway.getSession(JULIET)).not.toBe(first);
    expect(h.gateway.getSession(JULIET)?.loggedIn).toBe(true);
    expect(h.component.sent.filter((s) => s.is("message") && s.attrs.to === JULIET && /Thank you/.test(s.getChildText("body") ?? ""))).toHaveLength(1);
  });
});

describe("a module's own command", () => {
  class Echo extends Command {
    readonly name = "Echo";
    readonly node = "echo";
    readonly help = "Repeat what you say";
    override readonly chatCommand = "echo";
    override readonly access = CommandAccess.ANY;
    async run(context: CommandContext, args: readonly string[]) {
      if (args.length) return args.join(" ");
      return new CommandForm({
        title: "Echo",
        fields: [{ var: "text", label: "Text", required: true, value: "hello" }],
        handler: async (values) => `${values.text} (from ${context.from.bare().toString()})`,
      });
    }
  }
  class Boom extends Command {
    readonly name = "Boom";
    readonly node = "boom";
    readonly help = "Fails";
    override readonly chatCommand = "boom";
    async run(): Promise<CommandConfirmation> {
      throw new Error("legacy network exploded");
    }
  }

  it("is served beside the built-in ones, to anyone, with its form's default value; a throwing one is internal-server-error", async () => {
    const net = new TestNetwork();
    const h = await startGateway({ net });
    h.gateway.commands = [...BaseGateway.defaultCommands, Echo, Boom];
    const stranger = "juliet@capulet.lit/balcony";
    const first = commandOf(await request(h, execute("echo", stranger)));
    expect(first.form?.fields[0]).toMatchObject({ var: "text", values: ["hello"], required: true });
    const done = await request(h, `<iq type='set' id='e2' from='${stranger}' to='${GW}'><command xmlns='${CMD}' node='echo' sessionid='${first.sessionId}' action='complete'><x xmlns='jabber:x:data' type='submit'><field var='text'><value>hi</value></field></x></command></iq>`);
    expect(commandOf(done).notes[0]?.text).toBe("hi (from juliet@capulet.lit)");
    expect(errorCondition(await request(h, execute("boom")))).toBe("internal-server-error");
  });

  it("runs as a chat command; help lists what the sender may run", async () => {
    const h = await startGateway();
    h.gateway.commands = [...BaseGateway.defaultCommands, Echo, Boom];
    expect(await chat(h, "echo one two")).toBe("one two");
    expect(await chat(h, "groups")).toMatch(/^Your groups \(\d+\)\ncoffee@gateway\.localhost — Coffee/);
    const help = await chat(h, "help");
    expect(help).toContain("groups: List your groups and their addresses");
    expect(help).toContain("echo: Repeat what you say");
    expect(help).toMatch(/From your client's commands menu: .*Leave a group/);
    expect(await chat(h, "boom")).toBe("Boom failed");
    expect(await chat(h, "frobnicate")).toBe('Unknown command "frobnicate"; send "help" for the list');
    // A stranger may run echo (ANY) but not groups.
    const stranger = "juliet@capulet.lit/balcony";
    expect(await chat(h, "help", stranger)).toBe("echo: Repeat what you say\nFrom your client's commands menu: Register with the gateway");
    expect(await chat(h, "groups", stranger)).toBe('Unknown command "groups"; send "help" for the list');
  });
});

describe("registration in steps (the register command)", () => {
  const juliet = "juliet@capulet.lit/balcony";
  /** The server has no upload service: the gateway's discovery finds none, and the QR image goes as a data: URL. */
  async function noUploadService(h: Awaited<ReturnType<typeof startGateway>>): Promise<void> {
    for (const ns of [NS_DISCO_ITEMS, NS_DISCO_INFO]) {
      const disco = await h.component.nextSent((s) => s.is("iq") && s.attrs.to === "localhost" && s.getChild("query", ns) !== undefined);
      h.component.receive(`<iq type='result' id='${disco.attrs.id}' from='localhost' to='${GW}'><query xmlns='${ns}'/></iq>`);
    }
  }
  function stage(h: Awaited<ReturnType<typeof startGateway>>, sid: string, fields: Record<string, string>, id: string): Promise<Element> {
    const x = Object.entries(fields)
      .map(([k, v]) => `<field var='${k}'><value>${v}</value></field>`)
      .join("");
    return request(h, `<iq type='set' id='${id}' from='${juliet}' to='${GW}'><command xmlns='${CMD}' node='register' sessionid='${sid}' action='complete'><x xmlns='jabber:x:data' type='submit'>${x}</x></command></iq>`);
  }

  it("two-factor-code: the form, then the code; a wrong code is refused and nothing is saved; the right one registers", async () => {
    const h = await startGateway({ users: [] });
    h.gateway.registrationType = "two-factor-code";
    const codes: string[] = [];
    h.gateway.validateTwoFactorCode = async (user, code) => {
      codes.push(`${user.jid.toString()}:${user.registrationForm.username}:${code}`);
      if (code !== "123456") throw new XMPPError("not-authorized", { text: "Wrong code" });
      return { token: "t-1" };
    };
    const first = commandOf(await request(h, execute("register", juliet)));
    // A gateway-wide later step: the registration form leads on (next), the code is the last stage (prev, complete).
    expect(first.actions).toEqual({ execute: "next", prev: false, next: true, complete: false });
    const second = commandOf(await stage(h, first.sessionId as string, { username: "juliet", password: "nurse" }, "s1"));
    expect(second).toMatchObject({ status: "executing", sessionId: first.sessionId });
    expect(second.actions).toEqual({ execute: "complete", prev: true, next: false, complete: true });
    expect(second.form?.fields.map((f) => f.var)).toEqual(["code"]);
    expect(h.store.users.get("juliet@capulet.lit")).toBeUndefined();
    const wrong = await stage(h, second.sessionId as string, { code: "000000" }, "s2");
    expect(errorCondition(wrong)).toBe("not-authorized");
    expect(h.store.users.get("juliet@capulet.lit")).toBeUndefined();

    const again = commandOf(await request(h, execute("register", juliet, "s3")));
    const code = commandOf(await stage(h, again.sessionId as string, { username: "juliet", password: "nurse" }, "s4"));
    const done = commandOf(await stage(h, code.sessionId as string, { code: " 123456 " }, "s5"));
    expect(done.status).toBe("completed");
    expect(codes).toEqual(["juliet@capulet.lit:juliet:000000", "juliet@capulet.lit:juliet:123456"]);
    // What validate returned (the test network keeps the username), with the code step's data over it.
    expect(h.store.users.get("juliet@capulet.lit")?.legacyData).toEqual({ username: "juliet", token: "t-1" });
    await h.component.nextSent((s) => s.is("message") && s.attrs.to === "juliet@capulet.lit" && /Thank you/.test(s.getChildText("body") ?? ""));
  });

  it("a wrong code leaves the stage open: the same session takes the right code; an error of the gateway's own ends it", async () => {
    const h = await startGateway({ users: [] });
    h.gateway.registrationType = "two-factor-code";
    let broken = false;
    h.gateway.validateTwoFactorCode = async (_user, code) => {
      if (broken) throw new XMPPError("service-unavailable", { text: "The network is down" });
      if (code !== "123456") throw new XMPPError("not-authorized", { text: "Wrong code" });
    };
    const first = commandOf(await request(h, execute("register", juliet)));
    const code = commandOf(await stage(h, first.sessionId as string, { username: "juliet", password: "nurse" }, "t1"));
    expect(errorCondition(await stage(h, code.sessionId as string, { code: "000000" }, "t2"))).toBe("not-authorized");
    expect(errorCondition(await stage(h, code.sessionId as string, {}, "t3"))).toBe("not-acceptable");
    const done = commandOf(await stage(h, code.sessionId as string, { code: "123456" }, "t4"));
    expect(done.status).toBe("completed");

    const again = commandOf(await request(h, execute("register", "nurse@capulet.lit/kitchen", "t5")));
    const nurseStage = (sid: string, fields: Record<string, string>, id: string) =>
      request(
        h,
        `<iq type='set' id='${id}' from='nurse@capulet.lit/kitchen' to='${GW}'><command xmlns='${CMD}' node='register' sessionid='${sid}' action='complete'><x xmlns='jabber:x:data' type='submit'>${Object.entries(fields)
          .map(([k, v]) => `<field var='${k}'><value>${v}</value></field>`)
          .join("")}</x></command></iq>`,
      );
    const nurseCode = commandOf(await nurseStage(again.sessionId as string, { username: "nurse", password: "x" }, "t6"));
    broken = true;
    expect(errorCondition(await nurseStage(nurseCode.sessionId as string, { code: "123456" }, "t7"))).toBe("service-unavailable");
    const gone = await nurseStage(nurseCode.sessionId as string, { code: "123456" }, "t8");
    expect(gone.getChild("error")?.getChild("bad-sessionid", CMD)).toBeDefined();
  });

  it("two-factor-code and qr-code gateways refuse XEP-0077 registration, pointing to the command", async () => {
    const h = await startGateway({ users: [] });
    h.gateway.registrationType = "qr-code";
    const refused = await request(h, `<iq type='set' id='x1' from='${juliet}' to='${GW}'><query xmlns='jabber:iq:register'><username>juliet</username><password>nurse</password></query></iq>`);
    expect(errorCondition(refused)).toBe("not-acceptable");
    expect(refused.getChild("error")?.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toMatch(/Register command/);
  });

  it("qr-code: the QR goes to the user as text and image; the step completes once the module confirms (before or after)", async () => {
    const h = await startGateway({ users: [] });
    h.gateway.registrationType = "qr-code";
    h.gateway.getQrText = async (user) => `https://net.example/login?u=${user.registrationForm.username}`;
    const first = commandOf(await request(h, execute("register", juliet)));
    const start = h.component.sent.length;
    const answered = stage(h, first.sessionId as string, { username: "juliet", password: "nurse" }, "q1");
    await noUploadService(h);
    const qrStage = commandOf(await answered);
    expect(qrStage.form?.fields[0]).toMatchObject({ var: "qr-text", type: "fixed", values: ["https://net.example/login?u=juliet"] });
    // The QR message: its text, and the image (no upload service here: a data: URL).
    const qr = h.component.sent.slice(start).find((s) => s.is("message") && s.attrs.to === juliet);
    expect(qr?.getChildText("body")).toBe("https://net.example/login?u=juliet");
    expect(qr?.getChild("x", "jabber:x:oob")?.getChildText("url")).toMatch(/^data:image\/gif;base64,R0lGOD/);
    // The network confirms first; the user completes after.
    await h.gateway.confirmQr("juliet@capulet.lit", undefined, { device: "phone" });
    const done = commandOf(await stage(h, qrStage.sessionId as string, {}, "q2"));
    expect(done.status).toBe("completed");
    expect(h.store.users.get("juliet@capulet.lit")?.legacyData).toMatchObject({ username: "juliet", device: "phone" });
  });

  it("qr-code: a refusal from the network fails the step; no word within qrTimeoutMs fails it too; nothing is saved", async () => {
    const h = await startGateway({ users: [] });
    h.gateway.registrationType = "qr-code";
    h.gateway.qrTimeoutMs = 200;
    h.gateway.getQrText = async () => "qr";
    const first = commandOf(await request(h, execute("register", juliet)));
    const answered = stage(h, first.sessionId as string, { username: "juliet", password: "nurse" }, "q1");
    await noUploadService(h);
    const qrStage = commandOf(await answered);
    const waiting = stage(h, qrStage.sessionId as string, {}, "q2");
    await h.gateway.confirmQr("juliet@capulet.lit/any", new XMPPError("not-authorized", { text: "Scan refused" }));
    expect(errorCondition(await waiting)).toBe("not-authorized");

    const again = commandOf(await request(h, execute("register", juliet, "q3")));
    const answered2 = stage(h, again.sessionId as string, { username: "juliet", password: "nurse" }, "q4");
    await noUploadService(h);
    const qr2 = commandOf(await answered2);
    const late = await stage(h, qr2.sessionId as string, {}, "q5");
    expect(errorCondition(late)).toBe("not-authorized");
    expect(late.getChild("error")?.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toMatch(/not scanned in time/);
    expect(h.store.users.get("juliet@capulet.lit")).toBeUndefined();
  });

  it("qr-code started again from another resource: the older wait fails at once (conflict), and the network's word reaches the newer one", async () => {
    const h = await startGateway({ users: [] });
    h.gateway.registrationType = "qr-code";
    h.gateway.qrTimeoutMs = 300;
    h.gateway.getQrText = async () => "qr";
    const garden = "juliet@capulet.lit/garden";
    const qrStageFrom = async (from: string, id: string): Promise<string> => {
      const first = commandOf(await request(h, execute("register", from, `${id}-x`)));
      const answered = request(h, submit("register", first.sessionId as string, { username: "juliet", password: "nurse" }, `${id}-c`, "complete", { from }));
      await noUploadService(h);
      return commandOf(await answered).sessionId as string;
    };
    const balconySid = await qrStageFrom(juliet, "b");
    const gardenSid = await qrStageFrom(garden, "g");
    const older = request(h, submit("register", balconySid, {}, "b-done", "complete", { from: juliet }));
    await new Promise((r) => setTimeout(r, 150));
    const newer = request(h, submit("register", gardenSid, {}, "g-done", "complete", { from: garden }), 2_000);
    expect(errorCondition(await older)).toBe("conflict");
    // Past the older wait's timeout: its timer must not have dropped the newer wait.
    await new Promise((r) => setTimeout(r, 200));
    await h.gateway.confirmQr("juliet@capulet.lit", undefined, { device: "phone" });
    expect(commandOf(await newer).status).toBe("completed");
    expect(h.store.users.get("juliet@capulet.lit")?.legacyData).toMatchObject({ device: "phone" });
  });
});

describe("a registration type per account (registrationTypeFor)", () => {
  it("asks a code of the accounts that need one only; XEP-0077 refuses those and registers the others", async () => {
    const h = await startGateway({ users: [] });
    h.gateway.registrationTypeFor = (user) => (user.registrationForm.username === "juliet" ? "two-factor-code" : "single-step-form");
    h.gateway.validateTwoFactorCode = async () => ({ twoFactor: true });
    const juliet = "juliet@capulet.lit/balcony";
    const first = commandOf(await request(h, execute("register", juliet)));
    const code = commandOf(
      await request(h, `<iq type='set' id='p1' from='${juliet}' to='${GW}'><command xmlns='${CMD}' node='register' sessionid='${first.sessionId}' action='complete'><x xmlns='jabber:x:data' type='submit'><field var='username'><value>juliet</value></field><field var='password'><value>x</value></field></x></command></iq>`),
    );
    expect(code.form?.fields.map((f) => f.var)).toEqual(["code"]);
    const byIq = await request(h, `<iq type='set' id='p2' from='${juliet}' to='${GW}'><query xmlns='jabber:iq:register'><username>juliet</username><password>x</password></query></iq>`);
    expect(errorCondition(byIq)).toBe("not-acceptable");
    expect(h.store.users.get("juliet@capulet.lit")).toBeUndefined();
    const nurse = "nurse@capulet.lit/kitchen";
    const ok = await request(h, `<iq type='set' id='p3' from='${nurse}' to='${GW}'><query xmlns='jabber:iq:register'><username>nurse</username><password>x</password></query></iq>`);
    expect(ok.attrs.type).toBe("result");
    expect(h.store.users.get("nurse@capulet.lit")).toBeDefined();
  });
});

describe("preferences", () => {
  it("the module's fields with the saved values (defaults first); onPreferences hears the change, which is saved across restarts", async () => {
    const h = await startGateway();
    h.gateway.preferences = [
      { var: "digest", label: "Daily digest", type: "boolean", value: "0" },
      { var: "notify", label: "Notify me of", type: "list-single", value: "all", options: [{ value: "all" }, { value: "mentions" }] },
    ];
    const session = h.gateway.getSession(USER);
    const heard: unknown[] = [];
    if (!session) throw new Error("no session");
    session.onPreferences = async (previous, next) => {
      heard.push({ previous, next });
    };
    expect(session.preferences).toEqual({ digest: "0", notify: "all" });
    const first = commandOf(await request(h, execute("preferences")));
    expect(first.form?.fields.map((f) => [f.var, f.values])).toEqual([
      ["digest", ["0"]],
      ["notify", ["all"]],
    ]);
    const done = commandOf(await request(h, submit("preferences", first.sessionId as string, { digest: "1", notify: "mentions" })));
    expect(done.notes[0]?.text).toBe("Preferences saved");
    expect(heard).toEqual([{ previous: { digest: "0", notify: "all" }, next: { digest: "1", notify: "mentions" } }]);
    expect(h.store.users.get(USER)?.preferences).toEqual({ digest: "1", notify: "mentions" });
    expect(session.preferences).toEqual({ digest: "1", notify: "mentions" });
    // The form shows them next time.
    const again = commandOf(await request(h, execute("preferences", FULL, "p9")));
    expect(again.form?.fields.map((f) => f.values[0])).toEqual(["1", "mentions"]);
  });

  it("a refusal from onPreferences saves nothing; no preferences declared: no command", async () => {
    const h = await startGateway();
    expect(errorCondition(await request(h, execute("preferences")))).toBe("forbidden");
    h.gateway.preferences = [{ var: "digest", type: "boolean" }];
    const session = h.gateway.getSession(USER);
    if (!session) throw new Error("no session");
    session.onPreferences = async () => {
      throw new XMPPError("not-acceptable", { text: "Not now" });
    };
    const first = commandOf(await request(h, execute("preferences", FULL, "p2")));
    expect(errorCondition(await request(h, submit("preferences", first.sessionId as string, { digest: "1" }, "p3")))).toBe("not-acceptable");
    expect(h.store.users.get(USER)?.preferences).toEqual({});
  });
});

describe("re-login", () => {
  it("connectionLost says so in the gateway's presence and logs in again after the delays, longer after each failure", async () => {
    const net = new TestNetwork();
    const h = await startGateway({ net });
    h.gateway.reloginDelaysMs = [20, 40];
    const session = h.gateway.getSession(USER);
    if (!session) throw new Error("no session");
    h.component.takeSent();
    net.loginError = new Error("network down");
    await session.connectionLost("socket closed");
    expect(session.loggedIn).toBe(false);
    const status = (p: Element) => p.is("presence") && p.attrs.to === USER && p.attrs.from === GW;
    const lost = h.component.takeSent().find(status);
    expect(lost?.getChildText("show")).toBe("dnd");
    expect(lost?.getChildText("status")).toBe("Disconnected: socket closed; trying again in 0 s");
    // The first attempt fails: the next wait is the second delay.
    const failed = await h.component.nextSent((p) => status(p) && /trying again/.test(p.getChildText("status") ?? ""));
    expect(failed.getChildText("status")).toMatch(/^Not connected; trying again/);
    net.loginError = undefined;
    await h.component.nextSent((p) => status(p) && p.getChildText("show") === null);
    expect(session.loggedIn).toBe(true);
  });

  it("the re-login command (and chat command) logs in again now", async () => {
    const h = await startGateway();
    const session = h.gateway.getSession(USER);
    if (!session) throw new Error("no session");
    const loginsBefore = h.net.calls.login.length;
    const done = commandOf(await request(h, execute("re-login")));
    expect(done.notes[0]?.text).toBe("Logged in again");
    expect(h.net.calls.login.length).toBe(loginsBefore + 1);
    expect(await chat(h, "relogin")).toBe("Logged in again");
  });
});

describe("a command stage that waits", () => {
  it("holds nothing else of the user's (a chat command is answered meanwhile); the gateway's stop ends the wait", async () => {
    const h = await startGateway({ users: [] });
    h.gateway.registrationType = "qr-code";
    h.gateway.getQrText = async () => "qr";
    const juliet = "juliet@capulet.lit/balcony";
    const first = commandOf(await request(h, execute("register", juliet)));
    const credentials = request(
      h,
      `<iq type='set' id='w1' from='${juliet}' to='${GW}'><command xmlns='${CMD}' node='register' sessionid='${first.sessionId}' action='complete'><x xmlns='jabber:x:data' type='submit'><field var='username'><value>juliet</value></field><field var='password'><value>x</value></field></x></command></iq>`,
    );
    for (const ns of [NS_DISCO_ITEMS, NS_DISCO_INFO]) {
      const disco = await h.component.nextSent((s) => s.is("iq") && s.attrs.to === "localhost" && s.getChild("query", ns) !== undefined);
      h.component.receive(`<iq type='result' id='${disco.attrs.id}' from='localhost' to='${GW}'><query xmlns='${ns}'/></iq>`);
    }
    const qrStage = commandOf(await credentials);
    const waiting = request(h, `<iq type='set' id='w2' from='${juliet}' to='${GW}'><command xmlns='${CMD}' node='register' sessionid='${qrStage.sessionId}' action='complete'/></iq>`);
    // While the scan is awaited, the same user's chat command is answered.
    expect(await chat(h, "help", juliet)).toContain("Register with the gateway");
    await h.gateway.stop();
    expect(errorCondition(await waiting)).toBe("service-unavailable");
  });
});

describe("per-field checks of the registration form", () => {
  it("a field's check refuses a value with not-acceptable naming the field, by XEP-0077 and by the command, before validate", async () => {
    const h = await startGateway({ users: [] });
    h.gateway.registrationFields = [
      { var: "phone", label: "Phone number", required: true, check: (v) => (/^\+[0-9]{6,15}$/.test(v) ? undefined : "write it as +15550100") },
    ];
    const juliet = "juliet@capulet.lit/balcony";
    const byIq = await request(h, `<iq type='set' id='c1' from='${juliet}' to='${GW}'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='phone'><value>555-0100</value></field></x></query></iq>`);
    expect(errorCondition(byIq)).toBe("not-acceptable");
    expect(byIq.getChild("error")?.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBe("Phone number: write it as +15550100");
    const first = commandOf(await request(h, execute("register", juliet, "c2")));
    const byCommand = await request(h, submit("register", first.sessionId as string, { phone: "nope" }, "c3").replace(FULL, juliet));
    expect(errorCondition(byCommand)).toBe("not-acceptable");
    expect(h.net.calls.validate).toEqual([]);
    const ok = await request(h, `<iq type='set' id='c4' from='${juliet}' to='${GW}'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='phone'><value>+15550100</value></field></x></query></iq>`);
    expect(ok.attrs.type).toBe("result");
  });
});

describe("a form command by chat", () => {
  class Order extends Command {
    readonly name = "Order";
    readonly node = "order";
    readonly help = "Order a drink";
    override readonly chatCommand = "order";
    async run() {
      return new CommandForm({
        title: "Order",
        instructions: "What would you like?",
        fields: [
          { var: "drink", label: "Drink", type: "list-single", required: true, options: [{ value: "tea", label: "Tea" }, { value: "coffee", label: "Coffee" }] },
          { var: "sugar", label: "Sugar", type: "boolean", value: "0" },
          { var: "note", label: "Note" },
        ],
        handler: async (values) =>
          new CommandConfirmation({ prompt: `Order ${values.drink}${values.sugar === "1" ? " with sugar" : ""}${values.note ? ` (${values.note})` : ""}?`, handler: async () => "Ordered" }),
      });
    }
  }

  it("asks each field as a question, then the confirmation; the answers are the user's next messages", async () => {
    const h = await startGateway();
    h.gateway.commands = [...BaseGateway.defaultCommands, Order];
    const questions: string[] = [];
    const answers = ["Coffee", "yes", "-", "y"];
    const replies: string[] = [];
    const next = () => h.component.nextSent((s) => s.is("message") && s.attrs.from === GW && s.attrs.to === FULL && s.attrs.type === "chat");
    h.component.receive(`<message type='chat' id='o0' from='${FULL}' to='${GW}'><body>order</body></message>`);
    for (const [i, answer] of answers.entries()) {
      questions.push((await next()).getChildText("body") ?? "");
      h.component.receive(`<message type='chat' id='o${i + 1}' from='${FULL}' to='${GW}'><body>${answer}</body></message>`);
    }
    replies.push((await next()).getChildText("body") ?? "");
    expect(questions).toEqual([
      "Order: What would you like?\nDrink (tea: Tea, coffee: Coffee)?",
      "Sugar (yes/no) [no] (send - to skip)?",
      "Note (send - to skip)?",
      "Order coffee with sugar? (yes/no)",
    ]);
    expect(replies).toEqual(["Ordered"]);
  });

  it("'cancel' stops it, and a required field left empty is refused", async () => {
    const h = await startGateway();
    h.gateway.commands = [...BaseGateway.defaultCommands, Order];
    const next = () => h.component.nextSent((s) => s.is("message") && s.attrs.from === GW && s.attrs.to === FULL && s.attrs.type === "chat");
    h.component.receive(`<message type='chat' id='c0' from='${FULL}' to='${GW}'><body>order</body></message>`);
    await next();
    h.component.receive(`<message type='chat' id='c1' from='${FULL}' to='${GW}'><body>cancel</body></message>`);
    expect((await next()).getChildText("body")).toBe("Order: canceled");
    h.component.receive(`<message type='chat' id='c2' from='${FULL}' to='${GW}'><body>order</body></message>`);
    await next();
    h.component.receive(`<message type='chat' id='c3' from='${FULL}' to='${GW}'><body>-</body></message>`);
    await next();
    h.component.receive(`<message type='chat' id='c4' from='${FULL}' to='${GW}'><body>-</body></message>`);
    await next();
    h.component.receive(`<message type='chat' id='c5' from='${FULL}' to='${GW}'><body>-</body></message>`);
    expect((await next()).getChildText("body")).toBe("Order: Missing field: Drink");
  });
});

describe("a command of several stages", () => {
  /** Stage 1 (a form leading on) → stage 2 (a form leading on) → stage 3 (a confirmation) → done; `calls` records each handler run. */
  const calls: string[] = [];
  class Book extends Command {
    readonly name = "Book a table";
    readonly node = "book";
    readonly help = "Book a table";
    override readonly chatCommand = "book";
    override readonly access = CommandAccess.ANY;
    async run() {
      return new CommandForm({
        title: "Where",
        hasNext: true,
        fields: [
          { var: "place", label: "Place", type: "list-single", required: true, options: [{ value: "inn", label: "The inn" }, { value: "tavern", label: "The tavern" }] },
          { var: "kind", type: "hidden", value: "table" },
        ],
        handler: async (where) => {
          calls.push(`where:${where.place}`);
          return new CommandForm({
            title: "When",
            hasNext: true,
            fields: [
              { var: "day", label: "Day", required: true },
              { var: "guests", label: "Guests", type: "list-multi", options: [{ value: "alice" }, { value: "bob" }, { value: "carol" }] },
              { var: "pin", label: "PIN", type: "text-private" },
            ],
            handler: async (when) => {
              if (when.day === "never") throw new XMPPError("service-unavailable", { text: "The booking service is down" });
              calls.push(`when:${when.day}/${(when.guests ?? "").split("\n").join(",")}`);
              return new CommandConfirmation({
                prompt: `Book ${where.place} on ${when.day}?`,
                handler: async () => {
                  calls.push("booked");
                  return `Booked ${where.place} on ${when.day}`;
                },
              });
            },
          });
        },
      });
    }
  }
  /** A form leading to the next one, forever: stage n asks `n`. */
  class Endless extends Command {
    readonly name = "Endless";
    readonly node = "endless";
    readonly help = "Never ends";
    override readonly access = CommandAccess.ANY;
    async run() {
      const stage = (n: number): CommandForm =>
        new CommandForm({ title: `Stage ${n}`, hasNext: true, fields: [{ var: "n", label: "Stage" }], handler: async () => stage(n + 1) });
      return stage(1);
    }
  }

  async function bookingGateway() {
    calls.length = 0;
    const h = await startGateway();
    h.gateway.commands = [...BaseGateway.defaultCommands, Book, Endless];
    return h;
  }
  /** A request with no form (`prev`, `cancel`). */
  function act(node: string, sessionId: string, action: string, id: string): string {
    return `<iq type='set' id='${id}' from='${FULL}' to='${GW}'><command xmlns='${CMD}' node='${node}' sessionid='${sessionId}' action='${action}'/></iq>`;
  }
  /** Stage 2's submission: a day and several guests (list-multi: one <value/> each). */
  function when(sessionId: string, day: string, guests: readonly string[], id: string, action = "next"): string {
    const values = guests.map((g) => `<value>${g}</value>`).join("");
    return `<iq type='set' id='${id}' from='${FULL}' to='${GW}'><command xmlns='${CMD}' node='book' sessionid='${sessionId}' action='${action}'><x xmlns='jabber:x:data' type='submit'><field var='day'><value>${day}</value></field><field var='guests'>${values}</field><field var='pin'><value>1234</value></field></x></command></iq>`;
  }
  /** The `<actions/>` of an answer (in the commands namespace, inherited from `<command/>`), as XML. */
  function actionsOf(iq: Element): string | undefined {
    return iq.getChild("command", CMD)?.getChild("actions", CMD)?.toString();
  }
  const defaults = (iq: Element) => commandOf(iq).form?.fields.map((f) => [f.var, f.values]);

  it("advertises next on the forms that lead on, complete on the last stage, and prev on each stage after the first", async () => {
    const h = await bookingGateway();
    const s1 = await request(h, execute("book"));
    expect(actionsOf(s1)).toBe(`<actions execute="next"><next/></actions>`);
    const sid = commandOf(s1).sessionId as string;
    const s2 = await request(h, submit("book", sid, { place: "tavern" }, "b2", "next"));
    expect(commandOf(s2)).toMatchObject({ status: "executing", sessionId: sid, form: { title: "When" } });
    expect(actionsOf(s2)).toBe(`<actions execute="next"><prev/><next/></actions>`);
    const s3 = await request(h, when(sid, "friday", ["alice", "bob"], "b3"));
    expect(commandOf(s3).form?.fields[0]).toMatchObject({ var: "confirm", type: "boolean" });
    expect(actionsOf(s3)).toBe(`<actions execute="complete"><prev/><complete/></actions>`);
    const done = await request(h, submit("book", sid, { confirm: "1" }, "b4"));
    expect(commandOf(done)).toMatchObject({ status: "completed", notes: [{ type: "info", text: "Booked tavern on friday" }] });
    expect(actionsOf(done)).toBeUndefined();
    expect(calls).toEqual(["where:tavern", "when:friday/alice,bob", "booked"]);
    // A form that leads nowhere else is offered as complete, without prev.
    const single = await request(h, execute("create-group", FULL, "b5"));
    expect(actionsOf(single)).toBe(`<actions execute="complete"><complete/></actions>`);
  });

  it("prev shows the previous stage again with the values given to it as defaults; the stage left is forgotten", async () => {
    const h = await bookingGateway();
    const sid = commandOf(await request(h, execute("book"))).sessionId as string;
    await request(h, submit("book", sid, { place: "tavern" }, "p1", "next"));
    await request(h, when(sid, "friday", ["alice", "bob"], "p2"));
    // From stage 3 (the confirmation) back to stage 2: its values, the multi-valued one as several; never the private one.
    const back2 = await request(h, act("book", sid, "prev", "p3"));
    expect(commandOf(back2)).toMatchObject({ status: "executing", sessionId: sid, form: { type: "form", title: "When" } });
    expect(defaults(back2)).toEqual([
      ["day", ["friday"]],
      ["guests", ["alice", "bob"]],
      ["pin", []],
    ]);
    expect(actionsOf(back2)).toBe(`<actions execute="next"><prev/><next/></actions>`);
    // From stage 2 back to stage 1: its value; a hidden field keeps the form's own value.
    const back1 = await request(h, act("book", sid, "prev", "p4"));
    expect(defaults(back1)).toEqual([
      ["place", ["tavern"]],
      ["kind", ["table"]],
    ]);
    expect(actionsOf(back1)).toBe(`<actions execute="next"><next/></actions>`);
    // Stage 1 has no previous stage: bad-request with <bad-action/>, and the stage stays.
    const refused = await request(h, act("book", sid, "prev", "p5"));
    expect(errorCondition(refused)).toBe("bad-request");
    expect(refused.getChild("error")?.getChild("bad-action", CMD)).toBeDefined();
    // Submitting it again (action execute) runs its handler again: a fresh stage 2, without the old values.
    const again = await request(h, submit("book", sid, { place: "inn" }, "p6", "execute"));
    expect(defaults(again)).toEqual([
      ["day", []],
      ["guests", []],
      ["pin", []],
    ]);
    expect(actionsOf(again)).toBe(`<actions execute="next"><prev/><next/></actions>`);
    // complete submits a stage offered as next, too.
    await request(h, when(sid, "saturday", [], "p7", "complete"));
    // No guests given: none as the default.
    expect(defaults(await request(h, act("book", sid, "prev", "p8")))).toEqual([
      ["day", ["saturday"]],
      ["guests", []],
      ["pin", []],
    ]);
    await request(h, when(sid, "saturday", ["carol"], "p9"));
    const done = commandOf(await request(h, submit("book", sid, { confirm: "1" }, "p10")));
    expect(done.notes[0]?.text).toBe("Booked inn on saturday");
    expect(calls).toEqual(["where:tavern", "when:friday/alice,bob", "where:inn", "when:saturday/", "when:saturday/carol", "booked"]);
  });

  it("the confirmation is a stage to go back to; cancel after prev ends the session", async () => {
    const h = await bookingGateway();
    const sid = commandOf(await request(h, execute("book"))).sessionId as string;
    await request(h, submit("book", sid, { place: "inn" }, "c1", "next"));
    await request(h, when(sid, "monday", ["carol"], "c2"));
    // Back to stage 2, on again: the confirmation again, with prev.
    await request(h, act("book", sid, "prev", "c3"));
    const confirm = await request(h, when(sid, "tuesday", ["carol"], "c4"));
    expect(commandOf(confirm).form?.title).toBe("Book inn on tuesday?");
    expect(actionsOf(confirm)).toBe(`<actions execute="complete"><prev/><complete/></actions>`);
    await request(h, act("book", sid, "prev", "c5"));
    const canceled = commandOf(await request(h, act("book", sid, "cancel", "c6")));
    expect(canceled).toMatchObject({ status: "canceled", sessionId: sid });
    const gone = await request(h, act("book", sid, "prev", "c7"));
    expect(errorCondition(gone)).toBe("bad-request");
    expect(gone.getChild("error")?.getChild("bad-sessionid", CMD)).toBeDefined();
    expect(calls).not.toContain("booked");
  });

  it("a refusal that keeps the stage keeps the stages before it; one that ends the session forgets them", async () => {
    const h = await bookingGateway();
    const sid = commandOf(await request(h, execute("book"))).sessionId as string;
    await request(h, submit("book", sid, { place: "tavern" }, "r1", "next"));
    // The required day is missing: not-acceptable (modify), the stage stays with its history.
    expect(errorCondition(await request(h, submit("book", sid, { guests: "bob" }, "r2", "next")))).toBe("not-acceptable");
    const back = await request(h, act("book", sid, "prev", "r3"));
    expect(defaults(back)?.[0]).toEqual(["place", ["tavern"]]);
    // A malformed action is refused before the session is looked at; the session goes on.
    const malformed = await request(h, act("book", sid, "bogus", "r4"));
    expect(malformed.getChild("error")?.getChild("malformed-action", CMD)).toBeDefined();
    expect(actionsOf(await request(h, submit("book", sid, { place: "inn" }, "r5", "next")))).toBe(`<actions execute="next"><prev/><next/></actions>`);
    // An error of the command's own (type cancel) ends the session, and its earlier stages with it.
    expect(errorCondition(await request(h, when(sid, "never", [], "r6")))).toBe("service-unavailable");
    const gone = await request(h, act("book", sid, "prev", "r7"));
    expect(gone.getChild("error")?.getChild("bad-sessionid", CMD)).toBeDefined();
  });

  it("keeps at most 20 earlier stages to go back to", async () => {
    const h = await bookingGateway();
    let sid = "";
    for (let n = 1; n <= 25; n++) {
      const stage = n === 1 ? await request(h, execute("endless")) : await request(h, submit("endless", sid, { n: String(n - 1) }, `e${n}`, "next"));
      sid = commandOf(stage).sessionId as string;
      expect(commandOf(stage).form?.title).toBe(`Stage ${n}`);
    }
    // Stage 25: back to stages 24…5, each with what was submitted to it.
    for (let n = 24; n >= 5; n--) {
      const back = await request(h, act("endless", sid, "prev", `b${n}`));
      expect(commandOf(back).form?.title).toBe(`Stage ${n}`);
      expect(defaults(back)).toEqual([["n", [String(n)]]]);
      expect(actionsOf(back)).toBe(n > 5 ? `<actions execute="next"><prev/><next/></actions>` : `<actions execute="next"><next/></actions>`);
    }
    const refused = await request(h, act("endless", sid, "prev", "b4"));
    expect(refused.getChild("error")?.getChild("bad-action", CMD)).toBeDefined();
  });

  it("a session with earlier stages still expires ten minutes after its last stage", async () => {
    const h = await bookingGateway();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const sid = commandOf(await request(h, execute("book"))).sessionId as string;
      await request(h, submit("book", sid, { place: "tavern" }, "x1", "next"));
      vi.advanceTimersByTime(9 * 60_000);
      // Going back is a stage too: the ten minutes start again.
      expect(commandOf(await request(h, act("book", sid, "prev", "x2"))).form?.title).toBe("Where");
      vi.advanceTimersByTime(9 * 60_000);
      expect(commandOf(await request(h, submit("book", sid, { place: "inn" }, "x3", "next"))).form?.title).toBe("When");
      vi.advanceTimersByTime(10 * 60_000 + 1);
      const gone = await request(h, act("book", sid, "prev", "x4"));
      expect(gone.getChild("error")?.getChild("bad-sessionid", CMD)).toBeDefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it("by chat, the stages follow one another (there is no going back)", async () => {
    const h = await bookingGateway();
    const next = () => h.component.nextSent((s) => s.is("message") && s.attrs.from === GW && s.attrs.to === FULL && s.attrs.type === "chat");
    const questions: string[] = [];
    h.component.receive(`<message type='chat' id='k0' from='${FULL}' to='${GW}'><body>book</body></message>`);
    for (const [i, answer] of ["The tavern", "friday", "bob", "-", "yes"].entries()) {
      questions.push((await next()).getChildText("body") ?? "");
      h.component.receive(`<message type='chat' id='k${i + 1}' from='${FULL}' to='${GW}'><body>${answer}</body></message>`);
    }
    expect(questions).toEqual([
      "Where\nPlace (inn: The inn, tavern: The tavern)?",
      "When\nDay?",
      "Guests (alice, bob, carol) (send - to skip)?",
      "PIN (send - to skip)?",
      "Book tavern on friday? (yes/no)",
    ]);
    expect((await next()).getChildText("body")).toBe("Booked tavern on friday");
    expect(calls).toEqual(["where:tavern", "when:friday/bob", "booked"]);
  });
});
