/**
 * The user's own presence, as their resources send it to the gateway
 * (slidge's `on_presence`): each resource's show, status and priority, and
 * the one presence that stands for the user (the resource with the highest
 * priority; among equals, the most available).
 *
 * @module
 */
import type { Element } from "@xmpp/xml";

/**
 * One resource's presence.
 *
 * @category Gateway & sessions
 */
export interface ResourcePresence {
  /** `online`, `chat`, `away`, `xa`, `dnd`. */
  readonly show: "online" | "chat" | "away" | "xa" | "dnd";
  /** The status text. */
  readonly status: string | undefined;
  /** The priority. */
  readonly priority: number;
}

const AVAILABILITY = ["chat", "online", "away", "xa", "dnd"] as const;

/** The presences of one user's resources. */
export class UserResources {
  readonly #resources = new Map<string, ResourcePresence>();

  /**
   * A presence from one of the user's resources.
   *
   * @returns what changed: the resource, its presence (`undefined`: it left), or `undefined` when `el` says nothing.
   */
  update(resource: string, el: Element): { resource: string; presence: ResourcePresence | undefined } | undefined {
    const type = el.attrs.type;
    if (type === "unavailable") {
      this.#resources.delete(resource);
      return { resource, presence: undefined };
    }
    if (type !== undefined) return undefined;
    const show = el.getChildText("show");
    const priority = Number.parseInt(el.getChildText("priority") ?? "0", 10);
    const presence: ResourcePresence = {
      show: show === "chat" || show === "away" || show === "xa" || show === "dnd" ? show : "online",
      status: el.getChildText("status") ?? undefined,
      priority: Number.isFinite(priority) ? Math.max(-128, Math.min(127, priority)) : 0,
    };
    this.#resources.set(resource, presence);
    return { resource, presence };
  }

  /** Each resource's presence. */
  get all(): ReadonlyMap<string, ResourcePresence> {
    return this.#resources;
  }

  /** The presence that stands for the user: highest priority, then most available; `undefined` when none is online. */
  get merged(): ResourcePresence | undefined {
    let best: ResourcePresence | undefined;
    for (const p of this.#resources.values()) {
      if (!best || p.priority > best.priority || (p.priority === best.priority && AVAILABILITY.indexOf(p.show) < AVAILABILITY.indexOf(best.show))) best = p;
    }
    return best;
  }
}
