/**
 * Timing and message helpers for the latency probe's own tests (fake companions on
 * loopback), shared by `latency-probe.test.ts` and `latency-probe-clients.test.ts`.
 */
import type { WebSocket } from 'ws';
import { natives } from '../../clock/natives.ts';

/**
 * Calls `send(dueMs)` once per `periodMs` of real time from now, due time on the performance clock:
 * each timer tick sends every message due by then, so a late timer (a busy machine) changes
 * when messages leave, never how many belong to a span of time. Stops when `ws` closes.
 */
export function everyPeriod(ws: WebSocket, periodMs: number, send: (dueMs: number) => void): void {
  const startedMs = natives.performanceNow();
  let sent = 0;
  const t = natives.setInterval(() => {
    for (const due = Math.floor((natives.performanceNow() - startedMs) / periodMs); sent < due; sent++) send(startedMs + (sent + 1) * periodMs);
  }, periodMs);
  ws.on('close', () => natives.clearInterval(t));
}

/** Epoch µs of a performance-clock time, as wallEpochMicros reads the clock. */
export const epochMicrosAt = (performanceMs: number): number => (natives.performance.timeOrigin + performanceMs) * 1000;

/** A fake companion's `sensors` event numbered `sequence`, stamped `epochMicros` (rounded to whole µs). */
export function sensorsEvent(sequence: number, epochMicros: number): string {
  const micros = Math.round(epochMicros);
  return JSON.stringify({ version: 2, sequence, type: 'event', payload: { event: 'sensors', data: {} }, timestamp: Math.floor(micros / 1000), timestampMicros: micros });
}
