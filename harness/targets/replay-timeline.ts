/**
 * The replay's timeline (`replay-engine.ts`): which recorded moment "now"
 * is, re-based on every anchor the host reaches (an open, a test's start or
 * end, a jig setter, a close), and the board's unsolicited output emitted at
 * its recorded offset from the last anchor, never past the next anchor the
 * host has not reached (by event order: events at one recorded time keep
 * their order).
 */
import type { Clock, ClockTimer } from '../clock/index.ts';
import type { SimPortBinding } from '../../simulators/mbot/sim-binding.ts';
import type { Anchor, ReplayScript } from './replay-script.ts';

/** Where the replay stands in the recording, and the output it owes the host. */
export class ReplayTimeline {
  /** The host's open port, or null. */
  port: SimPortBinding | null = null;
  /** The recorded connection the live port plays. */
  connection = -1;
  /** Recorded µs of the anchor last reached. */
  anchorRecUs = 0;
  /** Clock ms when it was reached. */
  anchorNowMs = 0;
  /** Event index of the anchor last reached. */
  anchorSeq = -1;
  /** Index in script.anchors of the next anchor the host has not reached. */
  nextAnchor = 0;
  /** Index in script.unsolicited of the next output to emit. */
  private nextOutput = 0;
  private emitTimer: ClockTimer | undefined;
  private readonly timers = new Set<ClockTimer>();
  private disposed = false;

  constructor(private readonly script: ReplayScript, private readonly clock: Clock) {}

  /** Recorded µs that corresponds to now. */
  nowRecUs(): number {
    return this.anchorRecUs + (this.clock.monotonicMs() - this.anchorNowMs) * 1000;
  }

  /** Recorded time output must not reach before the host reaches the next anchor. */
  holdUs(): number {
    return this.script.anchors[this.nextAnchor]?.tUs ?? Number.POSITIVE_INFINITY;
  }

  /** Event index of the next anchor: output, answers and readings recorded after it wait for the host to reach it. */
  holdSeq(): number {
    return this.script.anchors[this.nextAnchor]?.seq ?? Number.POSITIVE_INFINITY;
  }


  /** The first anchor of `kind` at or after index `from`, or null. */
  findAnchor(kind: Anchor['kind'], from: number): Anchor | null {
    for (let i = from; i < this.script.anchors.length; i++) {
      const a = this.script.anchors[i] as Anchor;
      if (a.kind === kind) return a;
    }
    return null;
  }

  /**
   * The host reached `anchor`. Without `reposition`, what the recording
   * emitted before it is emitted now; with it (a jump to another test), the
   * output skips to the anchor.
   */
  reach(anchor: Anchor, opts: { reposition: boolean }): void {
    const skippedTest = this.script.anchors.slice(this.nextAnchor, anchor.index).some((a) => a.kind === 'test');
    const backwards = anchor.index < this.nextAnchor;
    if (opts.reposition || skippedTest || backwards) {
      this.nextOutput = this.firstOutputAfterSeq(anchor.seq);
    } else {
      this.emitUntil(Number.POSITIVE_INFINITY, anchor.seq);
    }
    this.anchorSeq = anchor.seq;
    if (anchor.connection > this.connection && this.port !== null) this.connection = anchor.connection;
    this.anchorRecUs = anchor.tUs;
    this.anchorNowMs = this.clock.monotonicMs();
    this.nextAnchor = anchor.index + 1;
    this.scheduleEmission();
  }

  private firstOutputAfterSeq(seq: number): number {
    const list = this.script.unsolicited;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((list[mid]?.seq ?? 0) <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Emits the live connection's output up to recorded time `untilUs` (inclusive) and before event `beforeSeq`. */
  private emitUntil(untilUs: number, beforeSeq: number): void {
    const list = this.script.unsolicited;
    const chunks: Uint8Array[] = [];
    let lost: string | null = null;
    while (this.nextOutput < list.length) {
      const o = list[this.nextOutput] as (typeof list)[number];
      if (o.tUs > untilUs || o.seq >= beforeSeq || o.connection > this.connection) break;
      this.nextOutput++;
      if (o.connection < this.connection) continue;
      if (o.kind === 'rx') chunks.push(o.message.bytes);
      else { lost = o.why; break; }
    }
    if (chunks.length > 0 && this.port !== null) this.port.deliver(chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks));
    if (lost !== null && this.port !== null) this.port.disconnect();
  }

  /** Stops the pending output timer. */
  cancelEmission(): void {
    if (this.emitTimer !== undefined) this.clearTimer(this.emitTimer);
    this.emitTimer = undefined;
  }

  /** Arms a timer for the next output of the live connection, unless it waits for an anchor. */
  scheduleEmission(): void {
    this.cancelEmission();
    if (this.port === null || this.disposed) return;
    const list = this.script.unsolicited;
    while (this.nextOutput < list.length && (list[this.nextOutput] as (typeof list)[number]).connection < this.connection) this.nextOutput++;
    const next = list[this.nextOutput];
    if (next === undefined || next.connection !== this.connection || next.seq >= this.holdSeq()) return;
    const dueInMs = (next.tUs - this.nowRecUs()) / 1000;
    this.emitTimer = this.after(Math.max(0, Math.ceil(dueInMs)), () => {
      this.emitTimer = undefined;
      this.emitUntil(this.nowRecUs(), this.holdSeq());
      this.scheduleEmission();
    });
  }

  /** Runs `fn` after `ms` of the clock, unless disposed first. */
  after(ms: number, fn: () => void): ClockTimer {
    const t: ClockTimer = this.clock.setTimeout(() => {
      this.timers.delete(t);
      if (!this.disposed) fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  /** Cancels a timer made by {@link after}. */
  clearTimer(t: ClockTimer): void {
    this.timers.delete(t);
    try {
      this.clock.clearTimeout(t);
    } catch {
      // a disposed clock has no timers left
    }
  }

  /** Cancels every timer; nothing is emitted any more. */
  dispose(): void {
    this.disposed = true;
    this.cancelEmission();
    for (const t of [...this.timers]) this.clearTimer(t);
  }
}
