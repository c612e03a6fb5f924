/**
 * The latency probe against the reference companion (on a scripted robot)
 * and against hand-made servers that misbehave in known ways: a sequence
 * gap must count as a drop, a stall must show up as latency (the probe
 * records against the intended send time), and an unreachable URL must say
 * which variable to fix.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { isHilError } from '../errors.ts';
import { natives } from '../clock/natives.ts';
import { startCompanion, type Companion } from '../../reference/companion/companion-server.ts';
import { createScriptedRobot, type ScriptedRobot } from '../../reference/companion/robot-link.ts';
import { companionUrlFromEnv, runLatencyProbe } from './latency-probe.ts';
import { wallEpochMicros } from './probe-connection.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function companion(robot: ScriptedRobot = createScriptedRobot()): Promise<Companion> {
  const c = await startCompanion({ robot });
  cleanup.push(() => c.close());
  return c;
}

/** A bare V2 server: `onClient` decides what each client gets. */
async function fakeServer(onClient: (ws: WebSocket) => void): Promise<string> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', onClient);
  cleanup.push(() => new Promise<void>((r) => { for (const c of wss.clients) c.terminate(); wss.close(() => r()); }));
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
}

describe('against the reference companion', () => {
  test('produces every websocket metric, counts messages and bytes, and drives the robot with its command', async () => {
    const robot = createScriptedRobot();
    const c = await companion(robot);
    const r = await runLatencyProbe({ url: c.url, clients: 3, durationMs: 500, warmupMs: 100, commandRateHz: 20 });
    const m = r.collector.metrics();
    for (const name of ['websocket.latency_p50_ms', 'websocket.latency_p95_ms', 'websocket.latency_p99_ms', 'websocket.latency_max_ms', 'websocket.latency_count', 'websocket.dropped',
      'websocket.command_rtt_p99_ms', 'websocket.command_rtt_count', 'websocket.command_dropped', 'websocket.messages_per_s', 'websocket.bytes_on_wire']) {
      expect(m[name], name).toBeDefined();
    }
    // 50 Hz x 2 events x 3 clients over 0.5 s: about 150 telemetry latencies.
    expect(r.telemetry.count).toBeGreaterThan(100);
    expect(r.commands.count + r.commands.dropped).toBe(10);
    expect({ gaps: r.gaps, outOfOrder: r.outOfOrder, malformed: r.malformed }).toEqual({ gaps: 0, outOfOrder: 0, malformed: 0 });
    expect(r.bytesOnWire).toBeGreaterThan(r.messages * 100);
    expect(robot.commands.length).toBeGreaterThanOrEqual(10);
    expect(robot.commands.every((cmd) => cmd.command === 'stop')).toBe(true);
  });

  test('with workerProcesses the clients run in (niced, pinned) worker processes and are measured the same way', async () => {
    const robot = createScriptedRobot();
    const c = await companion(robot);
    // Pinned to the last CPU where taskset exists (Linux); pinning itself is tested in cpu-affinity.test.ts.
    const workerCpus = process.platform === 'linux' ? { workerCpus: [availableParallelism() - 1] } : {};
    const r = await runLatencyProbe({ url: c.url, clients: 5, workerProcesses: 2, workerNiceness: 5, ...workerCpus, durationMs: 500, warmupMs: 100, commandRateHz: 20, commandClients: 3 });
    // 50 Hz x 2 events x 5 clients over 0.5 s: about 250 telemetry latencies, from both workers.
    expect(r.telemetry.count).toBeGreaterThan(200);
    expect(r.telemetry.percentileMs(99)).toBeLessThan(1000);
    // Three command clients (two in the first worker, one in the second) x 10 commands each.
    expect(r.commands.count + r.commands.dropped).toBe(30);
    expect({ gaps: r.gaps, outOfOrder: r.outOfOrder, malformed: r.malformed, closed: r.closedByServer }).toEqual({ gaps: 0, outOfOrder: 0, malformed: 0, closed: [] });
    expect(r.messages).toBeGreaterThan(200);
    expect(r.bytesOnWire).toBeGreaterThan(r.messages * 100);
    expect(robot.commands.length).toBeGreaterThanOrEqual(30);
  });

  test('offers permessage-deflate like a browser and reports whether it was negotiated', async () => {
    const c = await startCompanion({ robot: createScriptedRobot(), profile: 'optimized' });
    cleanup.push(() => c.close());
    const r = await runLatencyProbe({ url: c.url, durationMs: 300, warmupMs: 50, commandRateHz: 0 });
    expect(r.compressed).toBe(true);
    expect(r.telemetry.count).toBeGreaterThan(0);
  });
});

describe('what a misbehaving companion looks like', () => {
  test('skipped sequence numbers are drops, not silently missing samples', async () => {
    const url = await fakeServer((ws) => {
      let seq = 0;
      let sent = 0;
      const startedMs = natives.performanceNow();
      const t = natives.setInterval(() => {
        // One message per 5 ms of real time, caught up on each tick: on a busy machine the
        // timer fires late, and a message per tick left only 3 gaps in the window.
        for (const due = Math.floor((natives.performanceNow() - startedMs) / 5); sent < due; sent++) {
          seq += seq % 10 === 5 ? 2 : 1; // every tenth message lost
          const micros = Math.round(wallEpochMicros());
          ws.send(JSON.stringify({ version: 2, sequence: seq, type: 'event', payload: { event: 'sensors', data: {} }, timestamp: Math.floor(micros / 1000), timestampMicros: micros }));
        }
      }, 5);
      ws.on('close', () => natives.clearInterval(t));
    });
    const r = await runLatencyProbe({ url, durationMs: 400, warmupMs: 50, commandRateHz: 0 });
    expect(r.gaps).toBeGreaterThan(3);
    expect(r.collector.metrics()['websocket.dropped']?.value).toBe(r.gaps);
  });

  test('a companion whose clock is 5 s ahead: ping measures the offset (before the clients open), in this process and in a worker', async () => {
    const aheadUs = 5_000_000;
    const stamp = (): { timestamp: number; timestampMicros: number } => {
      const micros = Math.round(wallEpochMicros()) + aheadUs;
      return { timestamp: Math.floor(micros / 1000), timestampMicros: micros };
    };
    const url = await fakeServer((ws) => {
      let seq = 0;
      const t = natives.setInterval(() => ws.send(JSON.stringify({ version: 2, sequence: ++seq, type: 'event', payload: { event: 'sensors', data: {} }, ...stamp() })), 10);
      ws.on('message', (raw) => {
        const env = JSON.parse(String(raw)) as { type: string; payload: unknown };
        if (env.type === 'ping') ws.send(JSON.stringify({ version: 2, sequence: ++seq, type: 'pong', payload: env.payload, ...stamp() }));
      });
      ws.on('close', () => natives.clearInterval(t));
    });
    for (const workerProcesses of [0, 1]) {
      const r = await runLatencyProbe({ url, clients: 2, workerProcesses, durationMs: 300, warmupMs: 50, commandRateHz: 0, clockOffset: 'ping' });
      expect(r.clockOffsetMs, `workerProcesses: ${workerProcesses}`).toBeGreaterThan(4990);
      expect(r.clockOffsetMs).toBeLessThan(5010);
      expect(r.telemetry.count).toBeGreaterThan(20);
      expect(r.clampedNegative).toBe(0);
      expect(r.telemetry.percentileMs(50)).toBeLessThan(10);
    }
  });

  test('a companion that stalls shows the stall as latency of every command due meanwhile (no coordinated omission)', async () => {
    let blocked = false;
    const url = await fakeServer((ws) => {
      ws.on('message', (raw) => {
        const env = JSON.parse(String(raw)) as { type: string; payload: { id: string } };
        if (env.type !== 'command') return;
        if (!blocked) {
          // One 300 ms stall of the whole event loop, as a blocking handler would cause.
          blocked = true;
          const end = natives.performanceNow() + 300;
          while (natives.performanceNow() < end) { /* stall */ }
        }
        const micros = Math.round(wallEpochMicros());
        ws.send(JSON.stringify({ version: 2, type: 'event', payload: { event: 'ack', data: { id: env.payload.id, ok: true } }, timestamp: Math.floor(micros / 1000), timestampMicros: micros }));
      });
    });
    const r = await runLatencyProbe({ url, durationMs: 1000, warmupMs: 50, commandRateHz: 50 });
    // All 50 scheduled commands are accounted for, and those due during the stall carry it.
    expect(r.commands.count + r.commands.dropped).toBe(50);
    expect(r.commands.maxMs).toBeGreaterThanOrEqual(290);
    expect(r.commands.percentileMs(90)).toBeGreaterThan(50);
  });

  test('an unreachable URL is HIL_PROBE_CONNECT_FAILED naming the variable; a bad variable is HIL_CONFIG_INVALID', async () => {
    for (const workerProcesses of [0, 2]) {
      const err = await runLatencyProbe({ url: 'ws://127.0.0.1:1/', clients: 2, workerProcesses, durationMs: 100 }).catch((e: unknown) => e);
      expect(isHilError(err, 'HIL_PROBE_CONNECT_FAILED'), `workerProcesses: ${workerProcesses}`).toBe(true);
      expect((err as Error).message).toMatch(/HIL_COMPANION_URL/);
    }
    await expect(runLatencyProbe({ url: 'ws://127.0.0.1:1/', workerNiceness: 20, durationMs: 100 })).rejects.toThrow(/HIL_CONFIG_INVALID/);
    await expect(runLatencyProbe({ url: 'ws://127.0.0.1:1/', workerCpus: [0], durationMs: 100 })).rejects.toThrow(/HIL_CONFIG_INVALID: workerCpus pins the probe's worker processes: set workerProcesses/);
    await expect(runLatencyProbe({ url: 'ws://127.0.0.1:1/', workerProcesses: 1, workerCpus: [availableParallelism() + 3], durationMs: 100 })).rejects.toThrow(/HIL_CONFIG_INVALID: workerCpus must list distinct CPU numbers/);
    expect(() => companionUrlFromEnv({ HIL_COMPANION_URL: 'http://x' })).toThrow(/HIL_CONFIG_INVALID/);
    expect(companionUrlFromEnv({ HIL_COMPANION_URL: 'ws://host:1/?token=abc' })).toBe('ws://host:1/?token=abc');
  });
});
