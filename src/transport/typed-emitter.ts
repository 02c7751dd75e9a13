/**
 * A minimal typed event emitter with per-listener error isolation: a
 * listener that throws is counted and reported, and the remaining listeners
 * still run. Unlike node's EventEmitter, an `error` event with no listener
 * does not throw (the owner logs it instead).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => void;

export class TypedEmitter<Events extends { [K in keyof Events]: Listener }> {
  readonly #listeners = new Map<keyof Events, Events[keyof Events][]>();
  /** Called when a listener throws (the owner counts and logs it). */
  protected onListenerError(_event: keyof Events, _err: unknown): void {}

  /** Adds a listener. */
  on<K extends keyof Events>(event: K, listener: Events[K]): this {
    const list = this.#listeners.get(event);
    // Copy-on-write so that emitting never sees a list mutated mid-iteration.
    this.#listeners.set(event, list ? [...list, listener] : [listener]);
    return this;
  }

  /** Adds a listener called at most once. */
  once<K extends keyof Events>(event: K, listener: Events[K]): this {
    const wrapped = ((...args: Parameters<Events[K]>) => {
      this.off(event, wrapped);
      listener(...args);
    }) as Events[K];
    return this.on(event, wrapped);
  }

  /** Removes a listener. */
  off<K extends keyof Events>(event: K, listener: Events[K]): this {
    const list = this.#listeners.get(event);
    if (!list) return this;
    const next = list.filter((l) => l !== listener);
    if (next.length) this.#listeners.set(event, next);
    else this.#listeners.delete(event);
    return this;
  }

  /** Number of listeners of `event`. */
  listenerCount<K extends keyof Events>(event: K): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /** The current listener array (never mutated in place; for allocation-free hot paths). */
  protected listenersOf<K extends keyof Events>(event: K): readonly Events[K][] | undefined {
    return this.#listeners.get(event) as Events[K][] | undefined;
  }

  /** Removes every listener. */
  removeAllListeners(): this {
    this.#listeners.clear();
    return this;
  }

  /** Calls each listener, isolating failures; returns how many threw. */
  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): number {
    const list = this.#listeners.get(event);
    if (!list) return 0;
    let failed = 0;
    for (let i = 0; i < list.length; i++) {
      try {
        (list[i] as Listener)(...args);
      } catch (err) {
        failed++;
        this.onListenerError(event, err);
      }
    }
    return failed;
  }
}
