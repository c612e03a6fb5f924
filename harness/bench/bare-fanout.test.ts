import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { runLatencyProbe } from '../probes/latency-probe.ts';
import { spawnBareFanout } from './bare-fanout.ts';

interface Batch {
  sequences: number[];
  events: unknown[];
  /** The batch frame's stamp. */
  stampUs: number;
  /** Each message's own stamp inside the batch. */
  messageStampsUs: number[];
}

/**
 * The first `n` batch frames one client receives from `url`, waited for (up to 10 s), not counted in a
 * window: the control's rate is read on the stamps it puts on them, which a busy machine cannot shift.
 */
async function firstBatches(url: string, n: number): Promise<Batch[]> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const got: Batch[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${got.length} of ${n} batches within 10 s`)), 10_000);
      ws.on('error', reject);
      ws.on('message', (data) => {
        const env = JSON.parse(String(data)) as { type: string; timestampMicros: number; payload: { messages: { sequence: number; timestampMicros: number; payload: { event: unknown } }[] } };
        if (env.type !== 'batch' || got.length === n) return;
        const ms = env.payload.messages;
        got.push({ sequences: ms.map((m) => m.sequence), events: ms.map((m) => m.payload.event), stampUs: env.timestampMicros, messageStampsUs: ms.map((m) => m.timestampMicros) });
        if (got.length === n) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    ws.close();
  }
  return got;
}

describe('bare fan-out control', () => {
  test('serves numbered, stamped telemetry the latency probe measures like the companion\'s, answers ping, and exits on stop', async () => {
    const control = await spawnBareFanout(50);
    try {
      expect(control.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/u);
      // 50 Hz x 2 events to each of 3 clients, read on the control's own stamps: every tick is stamped with
      // its due time (or when it ran, if up to 1 ms earlier), so a late timer on a busy machine sends the
      // ticks it owes, stamped 20 ms apart. A window count here (it expected > 120 latencies in 0.6 s) read
      // how fast the machine was.
      const perClient = await Promise.all([0, 1, 2].map(() => firstBatches(control.url, 30)));
      for (const batches of perClient) {
        // Checked here, not in the socket's message handler, where a failed expect is an uncaught error.
        for (const b of batches) expect(b.messageStampsUs).toEqual(b.messageStampsUs.map(() => b.stampUs));
        expect(batches.flatMap((b) => b.sequences)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
        expect(batches.every((b) => b.events.length === 2 && (b.events as string[]).join() === 'sensors,pose')).toBe(true);
        const stepsUs = batches.slice(1).map((b, i) => b.stampUs - (batches[i] as Batch).stampUs);
        expect(Math.min(...stepsUs)).toBeGreaterThanOrEqual(19_000);
        expect(Math.max(...stepsUs)).toBeLessThanOrEqual(21_000);
        // 29 periods of 20 ms, give or take the one early millisecond at either end.
        expect(Math.abs((batches[29] as Batch).stampUs - (batches[0] as Batch).stampUs - 29 * 20_000)).toBeLessThanOrEqual(1000);
      }

      const startedMs = performance.now();
      // commandTimeoutMs also bounds the wait for the window's telemetry still on its way: 10 s, so a
      // stalled machine delays the count, never cuts it.
      const r = await runLatencyProbe({ url: control.url, clients: 3, durationMs: 600, warmupMs: 100, commandRateHz: 0, clockOffset: 'ping', compression: false, commandTimeoutMs: 10_000 });
      const probeMs = performance.now() - startedMs;
      // The probe measures all of it: the control catches up late ticks stamped when they were due,
      // and the probe waits for what was produced in the window, so the 600 ms window holds 29 to 31
      // ticks x 2 events x 3 clients of in-order, gapless messages, whatever the machine's load.
      expect(r.telemetry.count).toBeGreaterThanOrEqual(29 * 2 * 3);
      expect(r.telemetry.count).toBeLessThanOrEqual(31 * 2 * 3);
      expect({ gaps: r.gaps, outOfOrder: r.outOfOrder, malformed: r.malformed, closed: r.closedByServer }).toEqual({ gaps: 0, outOfOrder: 0, malformed: 0, closed: [] });
      // One batch frame per tick and client, each about 400 bytes on the wire.
      expect(r.frames * 2).toBe(r.messages);
      expect(r.bytesOnWire / r.frames).toBeGreaterThan(300);
      // Same host, same clock, stamped in epoch µs: the pinged offset's error is at most half a round trip
      // and no message was produced before the probe started, so both lie within the probe's own run time
      // (a stamp in ms, or without performance.timeOrigin, is off by years). How small they are on loopback
      // is the benchmark's figure (npm run bench), not a unit check's.
      expect(Math.abs(r.clockOffsetMs)).toBeLessThan(probeMs);
      // Both processes read one clock: the offset is 0 within the probe's own error bound (half the
      // quickest ping's round trip), plus 0.5 ms for the two processes' time origins.
      expect(Math.abs(r.clockOffsetMs)).toBeLessThanOrEqual(r.clockOffsetErrorMs + 0.5);
      expect(r.telemetry.maxMs).toBeLessThan(probeMs);
    } finally {
      await control.stop();
    }
    await expect(runLatencyProbe({ url: control.url, clients: 1, durationMs: 100, commandRateHz: 0 })).rejects.toThrow(/HIL_PROBE_CONNECT_FAILED/u);
    // Not the default 5 s: forking the control (tsx compiles it) takes seconds on a loaded 2-core machine,
    // and nothing here is judged by how long the whole takes.
  }, 30_000);
});
