import { describe, expect, test } from 'vitest';
import { runLatencyProbe } from '../probes/latency-probe.ts';
import { spawnBareFanout } from './bare-fanout.ts';

describe('bare fan-out control', () => {
  test('serves numbered, stamped telemetry the latency probe measures like the companion\'s, answers ping, and exits on stop', async () => {
    const control = await spawnBareFanout(50);
    try {
      expect(control.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/u);
      const r = await runLatencyProbe({ url: control.url, clients: 3, durationMs: 600, warmupMs: 100, commandRateHz: 0, clockOffset: 'ping', compression: false });
      // 50 Hz x 2 events x 3 clients over 0.6 s: about 180 latencies, in order and without gaps.
      expect(r.telemetry.count).toBeGreaterThan(120);
      expect({ gaps: r.gaps, outOfOrder: r.outOfOrder, malformed: r.malformed, closed: r.closedByServer }).toEqual({ gaps: 0, outOfOrder: 0, malformed: 0, closed: [] });
      // One batch frame per tick and client, each about 400 bytes on the wire.
      expect(r.frames * 2).toBe(r.messages);
      expect(r.bytesOnWire / r.frames).toBeGreaterThan(300);
      // Same host, same clock: the pinged offset is near zero, and latencies are loopback-small.
      expect(Math.abs(r.clockOffsetMs)).toBeLessThan(5);
      expect(r.telemetry.percentileMs(50)).toBeLessThan(100);
    } finally {
      await control.stop();
    }
    await expect(runLatencyProbe({ url: control.url, clients: 1, durationMs: 100, commandRateHz: 0 })).rejects.toThrow(/HIL_PROBE_CONNECT_FAILED/u);
  });
});
