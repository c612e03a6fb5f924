/**
 * StandardFirmata's analog sampling cadence: a sample every `intervalMs`
 * counted from the boot (the firmware's previousMillis advances by whole
 * intervals). The timer runs only while wanted (some channel is reported),
 * and a restart lands back on the same grid, so pausing it changes no byte
 * on the wire. Runs on the injected Clock.
 */
import type { Clock, ClockTimer } from '../../harness/clock/index.ts';

/** The sampling timer of the emulated firmware. Obligation: `stop()` before dropping it. */
export class SamplingSchedule {
  private timer: ClockTimer | undefined;
  private phaseMs = 0;
  private wanted = false;
  /** Grid time of the pending timer's sample. */
  private dueMs = 0;
  // One callback for every sample (no closure per timer).
  private readonly fire = (): void => {
    this.timer = undefined;
    this.phaseMs = this.dueMs;
    this.onSample();
    if (this.wanted) this.schedule();
  };

  constructor(
    private readonly clock: Clock,
    private readonly onSample: () => void,
    /** Sampling interval in ms (StandardFirmata default 19). */
    public intervalMs: number,
  ) {}

  /** Restarts the grid at the clock's now (the firmware booted); not running until `want(true)`. */
  restart(): void {
    this.stop();
    this.phaseMs = this.clock.monotonicMs();
  }

  /** Runs the timer exactly while `on`. */
  want(on: boolean): void {
    this.wanted = on;
    if (!on) this.cancel();
    else this.schedule();
  }

  /** New interval from the last sample on (SAMPLING_INTERVAL). */
  setIntervalMs(ms: number): void {
    this.intervalMs = ms;
    this.cancel();
    if (this.wanted) this.schedule();
  }

  /** Cancels the timer (a reset or dispose). */
  stop(): void {
    this.wanted = false;
    this.cancel();
  }

  private cancel(): void {
    try {
      this.clock.clearTimeout(this.timer);
    } catch {
      // A disposed clock has no timers left.
    }
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const now = this.clock.monotonicMs();
    const steps = Math.floor(Math.max(0, now - this.phaseMs) / this.intervalMs) + 1;
    const atMs = this.phaseMs + steps * this.intervalMs;
    this.dueMs = atMs;
    this.timer = this.clock.setTimeout(this.fire, atMs - now);
  }
}
