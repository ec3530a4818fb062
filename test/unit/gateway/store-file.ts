/**
 * Restarts on one SQLite file: a temp file per test, gateways booted on it,
 * stopped, or killed as the store sees a SIGKILL; and the legacy history the
 * backfill tests share.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { afterEach, beforeEach } from "vitest";
import type { Element } from "@xmpp/xml";
import { openSqliteStore, type GatewayStore } from "../../../src/gateway/index.js";
import { closeStores, startGateway, USER, type Harness, type TestNetwork } from "./helpers.js";

/** Gateways on one SQLite file, fresh for each test of the calling file. */
export interface StoreFile {
  /** The file of the current test. */
  readonly path: () => string;
  /** Open a store on the file (closed after the test). */
  open(): GatewayStore;
  /** Start a gateway on the file. */
  boot(net: TestNetwork): Promise<Harness>;
  /** Stop it cleanly. */
  shutdown(h: Harness): Promise<void>;
  /** The process dies (SIGKILL, as the store sees it): nothing is stopped; it just goes silent. */
  kill(h: Harness): void;
}

/** Register the hooks of a temp SQLite file per test (call at the top of a test file). */
export function useStoreFile(prefix: string): StoreFile {
  let dir = "";
  const stores: GatewayStore[] = [];
  beforeEach(() => {
    dir = mkdtempSync(joinPath(tmpdir(), prefix));
  });
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
    closeStores();
    rmSync(dir, { recursive: true, force: true });
  });
  const path = (): string => joinPath(dir, "gateway.sqlite");
  const open = (): GatewayStore => {
    const store = openSqliteStore(path());
    stores.push(store);
    return store;
  };
  return {
    path,
    open,
    async boot(net) {
      return startGateway({ net, store: open() });
    },
    async shutdown(h) {
      await h.gateway.stop();
      await h.component.stop();
    },
    kill(h) {
      h.component.removeAllListeners("stanza");
      (h.component as unknown as { send: (el: Element) => Promise<void> }).send = async () => {};
    },
  };
}

const T0 = Date.UTC(2026, 0, 1);

/** `n` minutes after the legacy history's start. */
export const minute = (n: number): Date => new Date(T0 + n * 60_000);

/** A legacy history of `n` messages from Bob, one a minute from the start. */
export function legacyHistory(n: number, first = 0): TestNetwork["history"][string] {
  return Array.from({ length: n }, (_, i) => ({ id: `old-${first + i}`, from: "Bob", fromLegacyId: "u-bob", text: `old ${first + i}`, at: minute(first + i) }));
}

/** The bodies of the user's coffee archive, in order. */
export function bodies(h: Harness): string[] {
  return h.store.archive.query(USER, "coffee").map((e) => e.body);
}
