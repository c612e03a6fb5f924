/**
 * StandardFirmata's analog sampling cadence, as its loop() does it:
 *
 *   currentMillis = millis();
 *   if (currentMillis - previousMillis > samplingInterval) {
 *     previousMillis += samplingInterval;
 *     ...send every reported channel
 *   }
 *
 * `previousMillis` starts at 0 when millis() does (the reset) and advances
 * by whole intervals on every pass, whether or not a channel is reported,
 * so the grid runs from the reset, not from the announce or from the
 * REPORT_ANALOG. A sample goes out 1 ms after a grid point (the comparison
 * is strict and millis() counts whole ms). A new SAMPLING_INTERVAL keeps
 * `previousMillis`: the next sample is due at previousMillis + new interval
 * + 1; when that is already past (a shorter interval), the loop catches up
 * one interval per pass, sending a sample each time: a burst. All of this
 * was measured on the real StandardFirmata 2.4 binary in avr8js (the
 * conformance suite, docs/firmware-conformance.md).
 *
 * The timer runs only while wanted (some channel is reported); the grid is
 * computed, not ticked, while it is not. Runs on the injected Clock.
 */
import type { Clock, ClockTimer } from '../../harness/clock/index.ts';

/** The strict `>` on whole-ms millis(): a sample leaves this long after its grid point, ms. */
export const SAMPLE_AFTER_GRID_MS = 1;

/**
 * How long StandardFirmata 2.5's setup() runs before the announce, ms: it
 * blinks the version on pin 13 first (2 + 5 blinks of 250 ms). Measured in
 * avr8js: 2126 ms on node-pixel's Firmata 2.5, 1876 ms on StandardFirmata 2.4
 * (2 + 4 blinks). millis() starts that long before the announce, or at the
 * reset when the reset delay is shorter.
 */
export const FIRMWARE_SETUP_MS = 2126;

/** The sampling timer of the emulated firmware. Obligation: `stop()` before dropping it. */
export class SamplingSchedule {
  private timer: ClockTimer | undefined;
  /** The firmware's previousMillis, clock ms. */
  private previousMs = 0;
  private wanted = false;
  // One callback for every sample (no closure per timer).
  private readonly fire = (): void => {
    this.timer = undefined;
    // The loop reads the UART before it samples: input that arrived by now may stop or move this sample.
    this.beforePass?.();
    if (this.timer !== undefined) return;
    this.catchUp(this.wanted);
    if (this.wanted) this.schedule();
  };

  constructor(
    private readonly clock: Clock,
    private readonly onSample: () => void,
    /** Sampling interval in ms (StandardFirmata default 19). */
    public intervalMs: number,
    /** Runs before each timed sampling pass (the firmware takes in host bytes that arrived by then). */
    private readonly beforePass?: () => void,
  ) {}

  /**
   * The firmware (re)started: millis() began at `millisOriginMs` (clock ms;
   * default now). Not running until `want(true)`.
   */
  restart(millisOriginMs: number = this.clock.monotonicMs()): void {
    this.stop();
    this.previousMs = millisOriginMs;
  }

  /** Runs the timer exactly while `on`. */
  want(on: boolean): void {
    if (on === this.wanted) return;
    // The grid moved on while nothing was reported; no sample for that time.
    this.catchUp(false);
    this.wanted = on;
    if (!on) this.cancel();
    else this.schedule();
  }

  /** SAMPLING_INTERVAL: the grid keeps its last point; samples follow from it at the new interval (a burst when already overdue). */
  setIntervalMs(ms: number): void {
    // Passes before this ms ran at the old interval; this ms's pass reads the new one from the UART before it samples.
    this.catchUp(this.wanted, 1);
    this.intervalMs = ms;
    this.cancel();
    this.catchUp(this.wanted);
    if (this.wanted) this.schedule();
  }

  /** Cancels the timer (a reset or dispose). */
  stop(): void {
    this.wanted = false;
    this.cancel();
  }

  /** The loop passes up to now (less `beforeMs` whole ms): advance previousMillis while overdue, sampling each time when `sample`. */
  private catchUp(sample: boolean, beforeMs = 0): void {
    // millis() - previousMillis > interval, with millis() in whole ms.
    const elapsedMs = Math.floor(this.clock.monotonicMs() - this.previousMs) - beforeMs;
    const passes = Math.max(0, Math.ceil((elapsedMs - this.intervalMs) / this.intervalMs));
    this.previousMs += passes * this.intervalMs;
    if (sample) for (let i = 0; i < passes; i++) this.onSample();
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
    const dueMs = this.previousMs + this.intervalMs + SAMPLE_AFTER_GRID_MS;
    this.timer = this.clock.setTimeout(this.fire, Math.max(0, dueMs - now));
  }
}
