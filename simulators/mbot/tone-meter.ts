/**
 * Measures the frequency of a square wave from its edges. Johnny-Five's Piezo
 * (DEFAULT controller, lib/piezo.js) has no tone command over Firmata: it
 * toggles the buzzer pin with `digitalWrite` every half period from a
 * nanotimer loop, so the board sees one DIGITAL_MESSAGE per edge and the
 * pitch is only visible in the edge timing.
 *
 * frequency = (edges − 1) / (2 × span) over the edges of the last `windowMs`;
 * silent (0 Hz) after `silenceMs` without an edge (and at least 4 half
 * periods). Under a virtual clock Johnny-Five can toggle at most once per
 * virtual ms (its setImmediate loop runs once per ms there), so tones above
 * ≈ 500 Hz read as ≈ 500 Hz; on the wall clock they read true.
 */

/** Options of `ToneMeter`, ms. */
export interface ToneMeterOptions {
  /** Span of edges averaged. Default 200 ms. */
  windowMs?: number;
  /** Quiet time after which the tone counts as stopped. Default 50 ms. */
  silenceMs?: number;
}

/** Edge-timing frequency meter. Times are clock monotonic ms. */
export class ToneMeter {
  private readonly windowMs: number;
  private readonly silenceMs: number;
  private edges: number[] = [];
  private head = 0;

  constructor(options: ToneMeterOptions = {}) {
    this.windowMs = options.windowMs ?? 200;
    this.silenceMs = options.silenceMs ?? 50;
  }

  /** Records a level change at `atMs`. */
  edge(atMs: number): void {
    this.edges.push(atMs);
    while (this.head < this.edges.length && (this.edges[this.head] ?? 0) < atMs - this.windowMs) this.head++;
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

  /** Frequency in Hz at `atMs` (integer-rounded), 0 when silent or not yet measurable (fewer than 3 edges). */
  frequencyHz(atMs: number): number {
    const n = this.edges.length - this.head;
    if (n < 3) return 0;
    const first = this.edges[this.head] ?? 0;
    const last = this.edges[this.edges.length - 1] ?? 0;
    const span = last - first;
    if (span <= 0) return 0;
    const halfPeriodMs = span / (n - 1);
    if (atMs - last > Math.max(this.silenceMs, 4 * halfPeriodMs)) return 0;
    return Math.round(1000 / (2 * halfPeriodMs));
  }
}
