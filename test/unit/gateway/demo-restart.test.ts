/**
 * The demo's module file for the command (`examples/demo-network/gateway-module.ts`)
 * makes and seeds its network again at every start: restarted on the same
 * store, the gateway must not take the seeded history for new messages (it
 * would archive it, and show it, once more per restart).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openSqliteStore, type BaseGateway, type GatewayStore, type LegacyModule } from "../../../src/gateway/index.js";
import { MockComponent } from "../../../src/testing/index.js";
import type { DemoNetwork } from "../../../examples/demo-network/index.js";

const ALICE = "alice@localhost";
const TO = `${ALICE}/laptop`;
const GWD = "gateway.localhost";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(joinPath(tmpdir(), "gateway-demo-restart-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  readonly network: DemoNetwork;
  readonly store: GatewayStore;
  readonly component: MockComponent;
  readonly gateway: BaseGateway;
}

/** A start of the command with the module file: a fresh import of it (a new process), on the same store file. */
async function start(file: string): Promise<Run> {
  vi.resetModules();
  const loaded = (await import("../../../examples/demo-network/gateway-module.js")) as LegacyModule & { readonly network: DemoNetwork };
  const store = openSqliteStore(file);
  if (!store.users.get(ALICE)) store.users.save({ jid: ALICE, legacyData: { username: "alice", password: "wonderland" }, registeredAt: Date.now() });
  const component = new MockComponent({ jid: GWD });
  const gateway = new loaded.Gateway({ component, store, module: loaded });
  await gateway.start();
  return { network: loaded.network, store, component, gateway };
}

async function stop(run: Run): Promise<void> {
  await run.gateway.stop();
  run.store.close();
}

describe("the demo's module file, restarted on the same store", () => {
  it("does not archive or deliver the seeded history again; live messages after the restart still come through", async () => {
    const file = joinPath(dir, "gateway.sqlite");
    const r1 = await start(file);
    r1.component.receive(`<presence from='${TO}' to='coffee@${GWD}/Alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    await r1.component.nextSent((s) => s.attrs.to === TO && s.getChild("subject") !== undefined, 5000);
    const seeded = r1.store.archive.query(ALICE, "coffee").map((e) => e.body);
    expect(seeded).toEqual(["Morning! Who's making the first pot?", "On it ☕", "A flat white for me, please"]);
    await r1.network.as("bob").send("coffee", "live in run 1");
    await stop(r1);

    const r2 = await start(file);
    // The resource stayed joined: the room catches up at once.
    await vi.waitFor(() => expect(r2.gateway.getSession(ALICE)).toBeDefined());
    await new Promise((resolve) => setTimeout(resolve, 200));
    await r2.network.as("bob").send("coffee", "live in run 2");
    await vi.waitFor(() => expect(r2.store.archive.query(ALICE, "coffee").map((e) => e.body)).toContain("live in run 2"));
    expect(r2.store.archive.query(ALICE, "coffee").map((e) => e.body)).toEqual([...seeded, "live in run 1", "live in run 2"]);
    const delivered = r2.component.sent.filter((s) => s.is("message") && s.attrs.to === TO && s.getChild("body")).map((s) => s.getChildText("body"));
    expect(delivered).toEqual(["live in run 2"]);
    await stop(r2);
  });
});
