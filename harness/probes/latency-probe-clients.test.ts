import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { WebSocketServer } from 'ws';
import { ProbeClients, type LatencySink } from './latency-probe-clients.ts';
import { wallEpochMicros } from './probe-connection.ts';
import { epochMicrosAt, everyPeriod, sensorsEvent } from './testing/every-period.ts';

// A companion stand-in on loopback: a sequenced `event` per 20 ms (50 Hz) of real time, caught up
// on each timer tick and stamped when due, as the reference companion does: however late its
// timer, exactly one event is produced per 20 ms of any window.
let server: WebSocketServer;
let url = '';
let sentTotal = 0;
beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => server.once('listening', () => r()));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.on('connection', (ws) => {
    let sequence = 0;
    everyPeriod(ws, 20, (dueMs) => {
      sentTotal++;
      ws.send(sensorsEvent(++sequence, epochMicrosAt(dueMs)));
    });
  });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

test('a client set measured window after window counts each window\'s messages, not the running total', async () => {
  let latencies = 0;
  const sink: LatencySink = { telemetry: () => { latencies++; }, command: () => {}, commandDropped: () => {} };
  // commandTimeoutUs also bounds the wait for a window's late arrivals: 10 s, so a busy machine's
  // late tail is waited for (it ends as soon as an event produced after the window arrives).
  const set = await ProbeClients.open({ url, clients: 1, firstIndex: 0, commandClients: 0, commandRateHz: 0, command: {}, commandTimeoutUs: 10e6, compression: false, connectConcurrency: 1 }, sink);
  try {
    const perWindow: Array<{ messages: number; latencies: number }> = [];
    for (let i = 0; i < 3; i++) {
      const before = latencies;
      const startUs = wallEpochMicros();
      const counts = await set.measure({ startUs, endUs: startUs + 500_000, offsetUs: 0 });
      perWindow.push({ messages: counts.messages, latencies: latencies - before });
    }
    const sentByEnd = sentTotal;
    const shape = JSON.stringify({ perWindow, sentByEnd });
    // Telemetry is taken by production stamp and the window's late arrivals are waited for:
    // 500 ms at 50 Hz is 25 events a window (26 when both edges hit one), whatever the load.
    for (const w of perWindow) {
      expect(w.latencies, shape).toBeGreaterThanOrEqual(24);
      expect(w.latencies, shape).toBeLessThanOrEqual(26);
    }
    // Messages are counted by arrival in the window. The windows do not overlap, so each message
    // counts in one at most: together at most all that were sent (a running total counts the
    // first window's three times and the second's twice: about 150 of about 80 sent). Every
    // window holds some: one that counted nothing after the first would be a reset gone wrong.
    expect(perWindow.reduce((n, w) => n + w.messages, 0), shape).toBeLessThanOrEqual(sentByEnd);
    for (const w of perWindow) expect(w.messages, shape).toBeGreaterThan(0);
  } finally {
    await set.close();
  }
});
