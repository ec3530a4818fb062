/**
 * A typed event emitter whose listeners are isolated from each other: a
 * listener that throws is reported and the remaining listeners still run,
 * so user code can never break the room's state machine.
 *
 * @module
 */

/**
 * An event map: event name → the one payload object its listeners get (an interface works).
 *
 * @category Low level
 */
export type EventMap = object;

/**
 * A listener of event `E`.
 *
 * @category Low level
 */
export type Listener<Events extends EventMap, E extends keyof Events> = (payload: Events[E]) => void;

interface Entry {
  readonly fn: (payload: never) => void;
  readonly once: boolean;
}

/**
 * Called when a listener throws (or returns a rejected promise).
 *
 * @category Low level
 */
export type ListenerErrorHandler = (event: string, error: unknown) => void;

/**
 * Typed events with one payload object per event.
 *
 * @typeParam Events - the event map.
 *
 * @category Low level
 */
export class Emitter<Events extends EventMap> {
  #listeners = new Map<keyof Events, Entry[]>();
  #onError: ListenerErrorHandler;

  /** @param onListenerError - where listener failures go. */
  constructor(onListenerError: ListenerErrorHandler = () => {}) {
    this.#onError = onListenerError;
  }

  /**
   * Add a listener.
   *
   * @returns this, for chaining.
   */
  on<E extends keyof Events>(event: E, listener: Listener<Events, E>): this {
    return this.#add(event, listener, false);
  }

  /** Add a listener that is removed after its first call. */
  once<E extends keyof Events>(event: E, listener: Listener<Events, E>): this {
    return this.#add(event, listener, true);
  }

  /** Remove a listener (the most recently added registration of it). */
  off<E extends keyof Events>(event: E, listener: Listener<Events, E>): this {
    const list = this.#listeners.get(event);
    if (!list) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      if ((list[i] as Entry).fn === listener) {
        const next = list.filter((_, j) => j !== i);
        if (next.length) this.#listeners.set(event, next);
        else this.#listeners.delete(event);
        break;
      }
    }
    return this;
  }

  /** Alias of {@link Emitter.off}. */
  removeListener<E extends keyof Events>(event: E, listener: Listener<Events, E>): this {
    return this.off(event, listener);
  }

  /** Remove every listener of `event`, or of every event. */
  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.delete(event);
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /**
   * Call the listeners of `event` in the order they were added. A listener
   * that throws or rejects is reported to the error handler; the others run.
   *
   * @returns whether there was any listener.
   */
  protected emit<E extends keyof Events>(event: E, payload: Events[E]): boolean {
    const list = this.#listeners.get(event);
    if (!list) return false;
    for (const entry of list) {
      if (entry.once) this.off(event, entry.fn as Listener<Events, E>);
      try {
        const result: unknown = (entry.fn as Listener<Events, E>)(payload);
        if (result !== null && typeof result === "object" && typeof (result as Promise<unknown>).then === "function") {
          (result as Promise<unknown>).then(undefined, (e: unknown) => this.#onError(String(event), e));
        }
      } catch (e) {
        this.#onError(String(event), e);
      }
    }
    return true;
  }

  #add(event: keyof Events, fn: (payload: never) => void, once: boolean): this {
    // Copy on write: an emit in progress keeps iterating its own snapshot.
    const list = this.#listeners.get(event);
    this.#listeners.set(event, [...(list ?? []), { fn, once }]);
    return this;
  }
}
