// The companion probe of the monitor against companions on loopback that stamp their telemetry honestly or not.
// On loopback both ends read one clock (the monitor takes the offset as 0), so a telemetry event that arrives
// before the time stamped on it proves the stamps wrong: the window's latency is unknown, not 0 ms.
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { WebSocketServer } from 'ws';
import { wallEpochMicros } from '../probes/probe-connection.ts';
import { openWindowProbes, type WindowProbes } from './window-probes.ts';

let server: WebSocketServer | null = null;
let probes: WindowProbes | null = null;
afterEach(async () => {
  await probes?.close();
  probes = null;
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

/** A companion sending telemetry every 20 ms, each event delivered `delayMs` after it was produced and stamped `leadMs` later than that. */
async function companion(delayMs: number, leadMs: number): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server = wss;
  wss.on('connection', (ws) => {
    let sequence = 0;
    const timer = setInterval(() => {
      const producedUs = wallEpochMicros();
      setTimeout(() => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ version: 2, type: 'event', sequence: ++sequence, timestampMicros: producedUs + leadMs * 1000, payload: { event: 'telemetry', data: {} } }));
      }, delayMs);
    }, 20);
    ws.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
}

const open = async (url: string): Promise<WindowProbes> => (probes = await openWindowProbes({ companion: url, token: null, clients: 1, dashboard: null, pid: null }));

test('an honest companion delivering 80 ms late reads about 80 ms, with no probe error', async () => {
  const p = await open(await companion(80, 0));
  const m = await p.measure(600);
  expect(m.errors).toEqual([]);
  expect(m.snapshot.metrics['websocket.latency_p99_ms']?.value).toBeGreaterThanOrEqual(79);
}, 20_000);

test('a companion stamping its events 300 ms ahead (delivered 200 ms late) reads n/a with a probe error, not 0 ms', async () => {
  const p = await open(await companion(200, 300));
  const m = await p.measure(600);
  expect(m.snapshot.metrics['websocket.latency_p99_ms']).toBeUndefined();
  const text = m.errors.map((e) => `${e.probe}: ${e.message}`).join('\n');
  const ahead = /companion: .*telemetry event\(s\) arrived up to ([\d.]+) ms before the time stamped on them/.exec(text);
  expect(ahead, text).not.toBeNull();
  // 300 ms ahead less the 200 ms delay (a timer that fires late only lowers it; clocks round to 0.1 ms).
  expect(Number(ahead![1])).toBeGreaterThan(50);
  expect(Number(ahead![1])).toBeLessThanOrEqual(101);
}, 20_000);
