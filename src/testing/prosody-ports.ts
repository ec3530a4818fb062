/**
 * The loopback ports a throwaway Prosody ({@link startProsody}) listens on:
 * the ones the caller fixed, checked free, and the others picked free.
 * Its option type is exported through prosody.ts; the rest is not part of
 * the package's exports.
 *
 * @module
 */

import { createServer } from "node:net";
import { freePorts } from "./local-server.js";
import type { ChosenPorts } from "./prosody-config.js";

/**
 * Fixed port numbers; any port left out is chosen by the operating system.
 *
 * @category Throwaway Prosody
 */
export interface ProsodyPorts {
  /** Client-to-server (plain TCP, no TLS) port. */
  readonly c2s?: number;
  /** HTTP port serving the WebSocket endpoint. */
  readonly http?: number;
  /** External component (XEP-0114) port. */
  readonly component?: number;
}

/** Whether nothing listens on 127.0.0.1:`port` (by binding it briefly). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE" || err.code === "EACCES") resolve(false);
      else reject(err);
    });
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** The ports to write into the configuration: `fixed` ones if free, the others free ones, all distinct. */
export async function choosePorts(fixed: ProsodyPorts | undefined): Promise<ChosenPorts> {
  const names = ["c2s", "http", "component"] as const;
  for (const name of names) {
    const port = fixed?.[name];
    if (port !== undefined && !(await portIsFree(port))) {
      throw new Error(`startProsody: ports.${name} ${port} on 127.0.0.1 is already in use`);
    }
  }
  // Picked ports can be taken by someone else before Prosody binds them; the
  // check right before launch catches that, and we pick again a few times.
  for (let attempt = 0; attempt < 5; attempt++) {
    const picked = await freePorts(3);
    const chosen: ChosenPorts = {
      c2s: fixed?.c2s ?? picked[0] ?? 0,
      http: fixed?.http ?? picked[1] ?? 0,
      component: fixed?.component ?? picked[2] ?? 0,
    };
    const all = [chosen.c2s, chosen.http, chosen.component];
    if (new Set(all).size !== 3) {
      if (fixed && names.filter((n) => fixed[n] !== undefined).length > 1) {
        throw new Error("startProsody: the fixed ports must be distinct");
      }
      continue;
    }
    const free = await Promise.all(all.map((port) => portIsFree(port)));
    if (free.every(Boolean)) return chosen;
  }
  throw new Error("startProsody: could not find free ports on 127.0.0.1");
}
