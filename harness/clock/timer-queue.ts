/**
 * The timer queue of a virtual clock's stepped driver: every timer of the
 * clock (Clock API, faked globals, pending sleeps) waits here, in a binary
 * heap, and the driver fires them one at a time.
 *
 * It schedules exactly as @sinonjs/fake-timers does (the tickAsync reference
 * driver still runs on fake-timers, and tests compare the two): the same
 * delay coercion, a zero delay made during a range lands 1 ms later
 * (`duringTick`), ties in due time fire immediates first, then in creation
 * order, where an interval counts as created again each time it is re-armed.
 *
 * Why not fake-timers' own heap: a fake-timers timer costs a validated
 * record, a Map entry keyed by a heap-number id and heap operations on a
 * six-key comparator; here a timer is one object (the handle given to the
 * caller) ordered by due time, kind and a sequence number. Long simulator
 * runs fire hundreds of timers per virtual second: this is the clock's hot
 * path.
 */

/** fake-timers' cap on a delay or interval: larger ones become 1 ms (as in Node). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** What kind of timer, in fake-timers' words (used in its clear errors). */
export type TimerKind = 'Timeout' | 'Interval' | 'Immediate';

/**
 * `delay` as fake-timers' addTimer takes it: a non-number is parsed as an
 * integer, a non-finite value is 0, over MAX_TIMEOUT_MS is 1, negative is 0.
 */
export function coerceDelay(delay: unknown): number {
  let d = typeof delay === 'number' ? delay : parseInt(delay as string, 10);
  if (!Number.isFinite(d)) d = 0;
  if (d > MAX_TIMEOUT_MS) d = 1;
  return Math.max(0, d);
}

/** An interval period as fake-timers' setInterval takes it: parsed as an integer, non-finite or over MAX_TIMEOUT_MS is 1. */
export function coerceInterval(period: unknown): number {
  const p = parseInt(String(period), 10);
  return !Number.isFinite(p) || p > MAX_TIMEOUT_MS ? 1 : p;
}

/**
 * One timer in a `TimerQueue`. Subclasses are the handles given to callers
 * (a Clock-API timer, a Node-style timer object); the queue's fields are
 * public for the driver but not part of any API.
 */
export class QueuedTimer {
  /** Due time, epoch ms. */
  callAt = 0;
  /** Creation (or re-arm) sequence number: the tie-break after due time and kind. */
  order = 0;
  /** Position in the heap; -1 when not queued (fired, cleared, or not armed yet). */
  heapIndex = -1;

  constructor(
    readonly kind: TimerKind,
    readonly fn: (...args: unknown[]) => void,
    /** Arguments for `fn` (faked globals), or undefined to call it with none. */
    readonly args: readonly unknown[] | undefined,
    /** First delay, already coerced (`coerceDelay`); unused for an immediate. */
    readonly delayMs: number,
    /** Re-arm period of an interval (`coerceInterval`); unused otherwise. */
    readonly intervalMs: number,
  ) {}

  /** Calls the callback as fake-timers does (`this` null, the stored arguments). */
  call(): void {
    if (this.args === undefined) this.fn.call(null);
    else this.fn.apply(null, this.args as unknown[]);
  }
}

function earlier(a: QueuedTimer, b: QueuedTimer): boolean {
  if (a.callAt !== b.callAt) return a.callAt < b.callAt;
  const ai = a.kind === 'Immediate';
  if (ai !== (b.kind === 'Immediate')) return ai;
  return a.order < b.order;
}

/** A binary min-heap of timers with fake-timers' scheduling rules. */
export class TimerQueue {
  /**
   * fake-timers' `duringTick`: set by the driver from the first firing of a
   * range to its end; a zero-delay timer made meanwhile is due 1 ms later.
   */
  duringTick = false;
  private readonly heap: QueuedTimer[] = [];
  private sequence = 0;

  constructor(
    /** The clock's now, epoch ms. */
    private readonly nowMs: () => number,
  ) {}

  /** Timers waiting. */
  get size(): number {
    return this.heap.length;
  }

  /** The timer that fires next, or undefined. */
  peek(): QueuedTimer | undefined {
    return this.heap[0];
  }

  /** True while `t` waits in this queue. */
  has(t: QueuedTimer): boolean {
    return t.heapIndex >= 0 && this.heap[t.heapIndex] === t;
  }

  /** The first waiting timer that satisfies `match`, or undefined (a linear search). */
  find(match: (t: QueuedTimer) => boolean): QueuedTimer | undefined {
    return this.heap.find(match);
  }

  /** Queues `t` from now: after its delay (0 ms for an immediate), fake-timers' way. */
  schedule(t: QueuedTimer): void {
    const d = t.delayMs;
    // fake-timers takes parseInt(String(delay)): the delay itself for a whole number (the usual case).
    const delay = t.kind === 'Immediate' ? 0 : Number.isInteger(d) ? d : parseInt(String(d), 10);
    this.push(t, this.nowMs() + (delay || (this.duringTick ? 1 : 0)));
  }

  /**
   * Takes the first timer out to fire it: a timeout or immediate leaves the
   * queue, an interval is re-armed one period on (a new creation stamp) first.
   */
  take(t: QueuedTimer): void {
    if (t.kind !== 'Interval' || !this.has(t)) {
      this.remove(t);
      return;
    }
    // Re-armed in place: same as remove + push, one sift instead of two.
    t.callAt += t.intervalMs;
    t.order = ++this.sequence;
    const i = t.heapIndex;
    if (i > 0 && earlier(t, this.heap[(i - 1) >> 1] as QueuedTimer)) this.up(i);
    else this.down(i);
  }

  /** Takes `t` out of the queue; false when it was not waiting. */
  remove(t: QueuedTimer): boolean {
    if (!this.has(t)) return false;
    const h = this.heap;
    const i = t.heapIndex;
    t.heapIndex = -1;
    const last = h.pop() as QueuedTimer;
    if (last !== t) {
      h[i] = last;
      last.heapIndex = i;
      if (i > 0 && earlier(last, h[(i - 1) >> 1] as QueuedTimer)) this.up(i);
      else this.down(i);
    }
    return true;
  }

  /** Calls `visit` for every waiting timer, in no particular order. */
  forEach(visit: (t: QueuedTimer) => void): void {
    for (let i = 0; i < this.heap.length; i++) visit(this.heap[i] as QueuedTimer);
  }

  /** Empties the queue (the timers never fire). */
  clear(): void {
    for (const t of this.heap) t.heapIndex = -1;
    this.heap.length = 0;
  }

  private push(t: QueuedTimer, callAt: number): void {
    t.callAt = callAt;
    t.order = ++this.sequence;
    this.heap.push(t);
    this.up(this.heap.length - 1);
  }

  private up(i: number): void {
    const h = this.heap;
    const t = h[i] as QueuedTimer;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as QueuedTimer;
      if (!earlier(t, parent)) break;
      h[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    h[i] = t;
    t.heapIndex = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const t = h[i] as QueuedTimer;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && earlier(h[r] as QueuedTimer, h[l] as QueuedTimer) ? r : l;
      const child = h[c] as QueuedTimer;
      if (!earlier(child, t)) break;
      h[i] = child;
      child.heapIndex = i;
      i = c;
    }
    h[i] = t;
    t.heapIndex = i;
  }
}
