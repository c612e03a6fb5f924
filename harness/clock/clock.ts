/**
 * The clock seam. Every timestamp the harness records, every timer the
 * simulator schedules and every wait a spec performs goes through one `Clock`.
 *
 * - `wall`: real time (hardware runs and real-time simulator runs).
 * - `virtual`: a deterministic fake timeline (`@sinonjs/fake-timers`) that only
 *   moves when someone calls `sleep`/`advance`/`waitFor`; Johnny-Five,
 *   firmata-io, serialport and the simulator all share it once `install()`ed.
 *
 * Obligations common to both kinds:
 * - All `ms` arguments are milliseconds, finite and >= 0 (`setInterval`: > 0);
 *   anything else throws `HilError('HIL_CLOCK_MISUSE')`.
 * - Misuse in `setTimeout`/`setInterval`/`clear*` throws synchronously; in
 *   `sleep`/`advance`/`waitFor` it rejects the returned promise.
 * - `clearTimeout`/`clearInterval` accept `undefined` and timers that already
 *   fired (no-op); a timer made by a different clock throws `HIL_CLOCK_MISUSE`.
 * - After `dispose()` every pending timer is cancelled and every further call
 *   (except `dispose`, which is idempotent) throws `HIL_CLOCK_MISUSE`.
 */

/** Which timeline a clock follows; recorded in every evaluation and report. */
export type ClockKind = 'wall' | 'virtual';

/** An opaque handle to a timer made by `Clock.setTimeout`/`setInterval`. */
export interface ClockTimer {
  /** Implementation detail of the clock that made it; do not interpret. */
  readonly id: unknown;
}

/** Options of `Clock.waitFor`. */
export interface WaitForOptions {
  /** Give up after this many ms of this clock's time (finite, >= 0). */
  timeoutMs: number;
  /**
   * Poll period in ms of this clock's time (> 0). Default 1 ms on the virtual
   * clock (it costs no real time), 5 ms on the wall clock.
   */
  stepMs?: number;
}

/** One timeline: time sources, timers and waits. */
export interface Clock {
  /** Which timeline this is. */
  readonly kind: ClockKind;
  /** Epoch milliseconds (Date.now semantics: integer ms since 1970-01-01 UTC) on this clock. */
  now(): number;
  /**
   * Monotonic milliseconds (performance.now semantics) on this clock; never
   * goes backwards. Wall: sub-ms resolution. Virtual: whole ms since the clock
   * was created (virtual time moves in whole ms, see `VirtualClock.advance`).
   */
  monotonicMs(): number;
  /** Calls `fn` once after `ms` of this clock's time. */
  setTimeout(fn: () => void, ms: number): ClockTimer;
  /** Cancels a timer from `setTimeout`; no-op for `undefined` or a timer that already fired. */
  clearTimeout(t: ClockTimer | undefined): void;
  /** Calls `fn` every `ms` (> 0) of this clock's time until cleared. */
  setInterval(fn: () => void, ms: number): ClockTimer;
  /** Cancels a timer from `setInterval`; no-op for `undefined`. */
  clearInterval(t: ClockTimer | undefined): void;
  /**
   * Wall: resolves after at least `ms` of real time. Virtual: advances virtual
   * time by `ms`, firing due timers in order; between two timers the
   * process.nextTick and microtask queues are run until both are empty
   * (serialport streams, firmata-io and Johnny-Five handlers finish at the
   * timer's virtual time), work waiting on real I/O or a native timer is not
   * waited for (see virtual-clock.ts). Concurrent sleeps share the one
   * timeline (like wall time) and each resolves at its own deadline.
   */
  sleep(ms: number): Promise<void>;
  /**
   * Resolves `true` as soon as `pred()` is true (checked immediately, then every
   * `stepMs` of this clock's time), `false` once `timeoutMs` has passed with
   * `pred()` still false. A throwing `pred` rejects the promise.
   */
  waitFor(pred: () => boolean, opts: WaitForOptions): Promise<boolean>;
  /** Cancels pending timers and releases the clock (a virtual clock also uninstalls). Idempotent. */
  dispose(): void;
}

/**
 * A clock whose time moves only when told to. Virtual time moves in whole
 * milliseconds (the resolution of @sinonjs/fake-timers); fractional `ms` given
 * to `advance`/`sleep` are carried over, so `advance(0.5)` twice moves 1 ms.
 */
export interface VirtualClock extends Clock {
  readonly kind: 'virtual';
  /**
   * Makes the globals follow this clock: setTimeout, clearTimeout,
   * setInterval, clearInterval, setImmediate, clearImmediate, Date,
   * performance and process.hrtime (and the `node:timers` exports object),
   * so Johnny-Five, firmata-io and serialport run on it. process.nextTick and
   * queueMicrotask stay real (stream plumbing needs them). Timers already
   * scheduled through the Clock API keep their place: there is one timeline
   * whether installed or not. Idempotent. Throws `HIL_CLOCK_MISUSE` when
   * another virtual clock or `vi.useFakeTimers()` already owns the globals.
   * Vitest keeps working: it captured its own timers at start-up.
   */
  install(): void;
  /**
   * Restores every global exactly as it was. Timers scheduled through the
   * faked globals stay on the virtual timeline (they fire on later
   * advances). Idempotent.
   */
  uninstall(): void;
  /** True between `install()` and `uninstall()`/`dispose()`. */
  readonly installed: boolean;
  /** Same as `sleep` (advances virtual time by `ms`). */
  advance(ms: number): Promise<void>;
  /** Epoch ms at which this clock's timeline started (`now()` at creation). */
  readonly startEpochMs: number;
  /** Number of timers (Clock API and faked globals) waiting to fire. */
  pendingTimerCount(): number;
}

/** Options of `createVirtualClock`. */
export interface VirtualClockOptions {
  /** Epoch ms at which virtual time starts (integer). Default `Date.UTC(2026, 0, 1)`. */
  startEpochMs?: number;
  /** Call `install()` right away. Default false. */
  install?: boolean;
}
