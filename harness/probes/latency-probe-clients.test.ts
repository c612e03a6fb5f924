import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { WebSocketServer } from 'ws';
import { ProbeClients, type LatencySink } from './latency-probe-clients.ts';
import { wallEpochMicros } from './probe-connection.ts';

// A companion stand-in on loopback: a sequenced `event` every 20 ms (50 Hz), stamped when sent.
let server: WebSocketServer;
let url = '';
beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => server.once('listening', () => r()));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.on('connection', (ws) => {
    let sequence = 0;
    const timer = setInterval(() => {
      const us = wallEpochMicros();
      ws.send(JSON.stringify({ version: 2, type: 'event', payload: { event: 'sensors', data: {} }, timestamp: Math.floor(us / 1000), timestampMicros: Math.round(us), sequence: ++sequence }));
    }, 20);
    ws.on('close', () => clearInterval(timer));
  });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

test('a client set measured window after window counts each window\'s messages, not the running total', async () => {
  let latencies = 0;
  const sink: LatencySink = { telemetry: () => { latencies++; }, command: () => {}, commandDropped: () => {} };
  const set = await ProbeClients.open({ url, clients: 1, firstIndex: 0, commandClients: 0, commandRateHz: 0, command: {}, commandTimeoutUs: 1e6, compression: false, connectConcurrency: 1 }, sink);
  try {
    const perWindow: number[] = [];
    for (let i = 0; i < 3; i++) {
      const startUs = wallEpochMicros();
      const counts = await set.measure({ startUs, endUs: startUs + 500_000, offsetUs: 0 });
      perWindow.push(counts.messages);
    }
    // 500 ms at 50 Hz: about 25 a window, every window (a running total would reach about 75 by the third).
    for (const n of perWindow) {
      expect(n).toBeGreaterThan(5);
      expect(n).toBeLessThan(40);
    }
    expect(latencies).toBeGreaterThan(45);
  } finally {
    await set.close();
  }
});
