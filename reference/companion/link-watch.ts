/**
 * The companion's side of a pulled cable: hears the target report a lost
 * port (HIL_PORT_DISCONNECTED, within 1 s of the pull: `target.ts`), says
 * so to its listeners, then tries to reconnect every `retryMs` (one attempt
 * at a time; an attempt fails fast with HIL_PORT_NOT_FOUND while the device
 * is gone, and is bounded by the target's firmware timeout once it is back)
 * until one succeeds, and says that too. Real time: a cable is real.
 */
import { natives } from '../../harness/clock/natives.ts';
import type { HilError } from '../../harness/errors.ts';
import type { LinkChange, LinkSource, LinkState } from './robot-link.ts';

/** Options of {@link LinkWatch}. */
export interface LinkWatchOptions {
  /** Subscribes to port loss (`target.onDisconnect`); returns the unsubscribe function. */
  onDisconnect(listener: (err: HilError) => void): () => void;
  /** Reconnects the robot (the robot handle's `reconnect`); rejects while the port is not back. */
  reconnect(): Promise<void>;
  /** Real ms between reconnect attempts. Default 500. */
  retryMs?: number;
  /** Told about each failed attempt (for a log). Default: nothing. */
  onAttemptFailed?(err: unknown): void;
}

/** See the module comment. */
export class LinkWatch implements LinkSource {
  #state: LinkState = 'up';
  readonly #listeners = new Set<(change: LinkChange) => void>();
  readonly #o: LinkWatchOptions;
  readonly #unsubscribe: () => void;
  #timer: ReturnType<typeof natives.setTimeout> | undefined;
  #attempting = false;
  #disposed = false;
  #attempts = 0;
  #lostAtMs = 0;

  constructor(options: LinkWatchOptions) {
    this.#o = options;
    this.#unsubscribe = options.onDisconnect((err) => this.#lost(err));
  }

  get state(): LinkState {
    return this.#state;
  }

  on(fn: (change: LinkChange) => void): () => void {
    this.#listeners.add(fn);
    return () => { this.#listeners.delete(fn); };
  }

  /** Stops listening and retrying. */
  dispose(): void {
    this.#disposed = true;
    this.#unsubscribe();
    natives.clearTimeout(this.#timer);
    this.#listeners.clear();
  }

  #tell(change: LinkChange): void {
    for (const l of [...this.#listeners]) {
      try {
        l(change);
      } catch {
        // one listener's failure must not keep the others from hearing
      }
    }
  }

  #lost(err: HilError): void {
    if (this.#disposed || this.#state === 'lost') return;
    this.#state = 'lost';
    this.#attempts = 0;
    this.#lostAtMs = natives.performanceNow();
    // The target words it for a test run; the companion's clients get the cause and what happens now.
    const why = err.message.replace(/^HIL_PORT_DISCONNECTED: /, '').replace(/;?\s*the current test fails\..*$/s, '');
    this.#tell({ state: 'lost', code: 'HIL_PORT_DISCONNECTED', message: `${why}. Telemetry is paused and commands are refused until the companion has reconnected (it retries every ${this.#retryMs} ms).` });
    this.#schedule();
  }

  get #retryMs(): number {
    return this.#o.retryMs ?? 500;
  }

  #schedule(): void {
    if (this.#disposed) return;
    natives.clearTimeout(this.#timer);
    this.#timer = natives.setTimeout(() => { void this.#attempt(); }, this.#retryMs);
    this.#timer.unref?.();
  }

  async #attempt(): Promise<void> {
    if (this.#disposed || this.#attempting || this.#state === 'up') return;
    this.#attempting = true;
    this.#attempts++;
    try {
      await this.#o.reconnect();
    } catch (err) {
      this.#attempting = false;
      this.#o.onAttemptFailed?.(err);
      this.#schedule();
      return;
    }
    this.#attempting = false;
    if (this.#disposed) return;
    this.#state = 'up';
    const downMs = Math.round(natives.performanceNow() - this.#lostAtMs);
    this.#tell({ state: 'up', message: `reconnected after ${downMs} ms (${this.#attempts} attempt(s))` });
  }
}
