// A storm's trace kept in memory and written out only when asked (for a
// failing run): each entry is stored as given and formatted at the end, so
// tracing barely changes the timing a failure depends on (writing every
// line to stderr as it happens made the failures go away).

import { writeFileSync } from "node:fs";

type Detail = unknown;

interface Entry {
  readonly at: number;
  readonly who: string;
  readonly what: string;
  readonly details: readonly Detail[];
}

/** Something with a `toString()` that is expensive, kept as is until the trace is written. */
interface Element {
  readonly name: string;
  toString(): string;
}

/** An in-memory trace of one storm run. */
export class StormTrace {
  readonly #entries: Entry[] = [];

  /** One line from `who`. Details are formatted when the trace is written. */
  add(who: string, what: string, ...details: Detail[]): void {
    this.#entries.push({ at: performance.timeOrigin + performance.now(), who, what, details });
  }

  /** A logger for the SDK (debug and warn). */
  logger(who: string): { debug(m: string, ...d: unknown[]): void; warn(m: string, ...d: unknown[]): void } {
    return {
      debug: (m, ...d) => this.add(who, `debug ${m}`, ...d),
      warn: (m, ...d) => this.add(who, `warn ${m}`, ...d),
    };
  }

  /** An element read (`<-`) or written (`->`), kept by reference. */
  element(who: string, direction: "<-" | "->", el: Element): void {
    this.add(who, direction, el);
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Write every entry to `path`, one line each. */
  write(path: string): void {
    const lines = this.#entries.map((e) => `${new Date(e.at).toISOString()} ${e.who} ${e.what}${e.details.length ? ` ${e.details.map(format).join(" ")}` : ""}`);
    writeFileSync(path, `${lines.join("\n")}\n`);
  }
}

function format(d: Detail): string {
  if (d instanceof Error) return `${d.name}: ${d.message}`;
  if (typeof d === "string") return d;
  if (d && typeof d === "object" && "name" in d && typeof (d as Element).toString === "function" && (d as object).toString !== Object.prototype.toString) {
    const el = d as Element;
    return el.toString().slice(0, el.name === "message" ? 400 : 4_000);
  }
  try {
    return JSON.stringify(d);
  } catch {
    return String(d);
  }
}
