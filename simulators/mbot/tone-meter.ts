/**
 * Measures the frequency of a square wave from its edges. Johnny-Five's Piezo
 * (DEFAULT controller, lib/piezo.js) has no tone command over Firmata: it
 * toggles the buzzer pin with `digitalWrite` every half period from a
 * nanotimer loop, so the board sees one DIGITAL_MESSAGE per edge and the
 * pitch is only visible in the edge timing.
 *
 * frequency = (edges − 1) / (2 × span) over the edges of the last `windowMs`;
 * silent (0 Hz) after `silenceMs` without an edge (and at least 4 half
 * periods). Edge times are the caller's: the firmware stamps each edge with
 * the time its command's last byte arrived on the wire, so a chunk of
 * toggles delivered at once still reads at the pitch the wire carried (at
 * most one toggle per 3-byte DIGITAL_MESSAGE: 1,920 Hz at 115200 baud).
 * Under a virtual clock Johnny-Five can toggle at most once per virtual ms
 * (its setImmediate loop runs once per ms there), so tones above ≈ 500 Hz
 * read as ≈ 500 Hz; on the wall clock they read true.
 *
 * Any sequence of edges gives a reading in 0..`maxHz`: times that go
 * backwards count as simultaneous, and toggles closer together than a
 * buzzer can sound (e.g. a backlog the firmware works off at once after a
 * blocking ping) read as `maxHz`, so no host input makes the pitch invalid.
 */

/** Options of `ToneMeter`, ms. */
export interface ToneMeterOptions {
  /** Span of edges averaged. Default 200 ms. */
  windowMs?: number;
  /** Quiet time after which the tone counts as stopped. Default 50 ms. */
  silenceMs?: number;
  /** Highest reading, Hz (the top of the meter's range). Default 20,000 Hz (the top of human hearing). */
  maxHz?: number;
}

/** Default top of the meter's range, Hz. */
export const DEFAULT_TONE_MAX_HZ = 20_000;

// 4,096 edges average any audible tone over the whole window (20 kHz for 100 ms).
const MAX_WINDOW_EDGES = 4096;

/** Edge-timing frequency meter. Times are clock monotonic ms. */
export class ToneMeter {
  private readonly windowMs: number;
  private readonly silenceMs: number;
  private readonly maxHz: number;
  private edges: number[] = [];
  private head = 0;

  constructor(options: ToneMeterOptions = {}) {
    this.windowMs = options.windowMs ?? 200;
    this.silenceMs = options.silenceMs ?? 50;
    this.maxHz = options.maxHz ?? DEFAULT_TONE_MAX_HZ;
  }

  /** Records a level change at `atMs` (a time before the last edge's counts as the last edge's; a non-finite one is ignored). */
  edge(atMs: number): void {
    if (!Number.isFinite(atMs)) return;
    const last = this.edges[this.edges.length - 1];
    if (last !== undefined && atMs < last) atMs = last;
    this.edges.push(atMs);
    while (this.head < this.edges.length && (this.edges[this.head] ?? 0) < atMs - this.windowMs) this.head++;
    // A backlog of toggles at one instant must not grow the window without bound: the newest edges are enough.
    if (this.edges.length - this.head > MAX_WINDOW_EDGES) this.head = this.edges.length - MAX_WINDOW_EDGES;
    // Compact now and then so the array does not grow without bound.
    if (this.head > 1024) {
      this.edges = this.edges.slice(this.head);
      this.head = 0;
    }
  }

  /** Forgets every edge (silence). */
  clear(): void {
    this.edges = [];
    this.head = 0;
  }

  /** Frequency in Hz at `atMs` (integer-rounded, at most `maxHz`), 0 when silent or not yet measurable (fewer than 3 edges, or all at one instant). */
  frequencyHz(atMs: number): number {
    const n = this.edges.length - this.head;
    if (n < 3) return 0;
    const first = this.edges[this.head] ?? 0;
    const last = this.edges[this.edges.length - 1] ?? 0;
    const span = last - first;
    if (!(span > 0)) return 0;
    const halfPeriodMs = span / (n - 1);
    if (atMs - last > Math.max(this.silenceMs, 4 * halfPeriodMs)) return 0;
    return Math.min(this.maxHz, Math.round(1000 / (2 * halfPeriodMs)));
  }
}
