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
import { measureClockOffset } from './latency-probe-clients.ts';
import { wallEpochMicros } from './probe-connection.ts';
import { epochMicrosAt, everyPeriod, sensorsEvent } from './testing/every-period.ts';

/**
 * Vitest's 5 s default bounds a hang, not the subject: a test that forks the probe's worker
 * processes took 5.2 s with 3 Vitest workers on a loaded 2-core machine (timed out), 2.4 s idle.
 * The same 20 s the target tests give a test that starts processes.
 */
const WORKER_TEST_TIMEOUT_MS = 20_000;

/**
 * How far two processes of this machine may disagree on epoch time, ms: each fixes
 * performance.timeOrigin at its start (a slewed system clock drifts from the monotonic one
 * meanwhile), and the probe's worker pings the test's server. Measured here: 0.03 ms at most.
 */
const CLOCK_AGREEMENT_MS = 0.5;

/** How long the 5 s-ahead companion holds each pong (see that test). */
const PONG_HOLD_MS = 20;

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

/** Real ms `run` took: no latency it measured can be longer (every message it timed was sent after it began). */
async function timed<T>(run: () => Promise<T>): Promise<{ value: T; elapsedMs: number }> {
  const t0 = natives.performanceNow();
  const value = await run();
  return { value, elapsedMs: natives.performanceNow() - t0 };
}

describe('against the reference companion', () => {
  test('produces every websocket metric, counts messages and bytes, and drives the robot with its command', async () => {
    const robot = createScriptedRobot();
    const c = await companion(robot);
    const r = await runLatencyProbe({ url: c.url, clients: 3, durationMs: 500, warmupMs: 100, commandRateHz: 20 });
    // Counted by production stamp (the companion catches up late ticks, stamped when due), and the
    // probe waits for the window's late arrivals: how busy the machine is changes no count here.
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
    // A command whose ack came too late (a drop) reaches the robot too, only later.
    await expect.poll(() => robot.commands.length, { timeout: 3000 }).toBeGreaterThanOrEqual(10);
    expect(robot.commands.every((cmd) => cmd.command === 'stop')).toBe(true);
  });

  test('with workerProcesses the clients run in (niced, pinned) worker processes and are measured the same way', async () => {
    const robot = createScriptedRobot();
    const c = await companion(robot);
    // Pinned to the last CPU where taskset exists (Linux); pinning itself is tested in cpu-affinity.test.ts.
    const workerCpus = process.platform === 'linux' ? { workerCpus: [availableParallelism() - 1] } : {};
    const { value: r, elapsedMs } = await timed(() => runLatencyProbe({ url: c.url, clients: 5, workerProcesses: 2, workerNiceness: 5, ...workerCpus, durationMs: 500, warmupMs: 100, commandRateHz: 20, commandClients: 3 }));
    // 50 Hz x 2 events x 5 clients over 0.5 s: about 250 telemetry latencies, from both workers (one alone
    // has at most 3 clients: 150). Counted by production stamp, late arrivals waited for: load-proof.
    expect(r.telemetry.count).toBeGreaterThan(200);
    // In ms, as in one process (µs taken for ms would read a thousand times the real latency): no
    // latency can exceed the time the probe ran, however slow the machine was meanwhile.
    expect(r.telemetry.maxMs).toBeLessThan(elapsedMs);
    // Three command clients (two in the first worker, one in the second) x 10 commands each.
    expect(r.commands.count + r.commands.dropped).toBe(30);
    expect({ gaps: r.gaps, outOfOrder: r.outOfOrder, malformed: r.malformed, closed: r.closedByServer }).toEqual({ gaps: 0, outOfOrder: 0, malformed: 0, closed: [] });
    expect(r.messages).toBeGreaterThan(200);
    expect(r.bytesOnWire).toBeGreaterThan(r.messages * 100);
    await expect.poll(() => robot.commands.length, { timeout: 3000 }).toBeGreaterThanOrEqual(30);
  }, WORKER_TEST_TIMEOUT_MS);

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
      // One message per 5 ms of real time, caught up on each tick: on a busy machine the
      // timer fires late, and a message per tick left only 3 gaps in the window.
      everyPeriod(ws, 5, () => {
        seq += seq % 10 === 5 ? 2 : 1; // every tenth message lost
        ws.send(sensorsEvent(seq, wallEpochMicros()));
      });
    });
    const r = await runLatencyProbe({ url, durationMs: 400, warmupMs: 50, commandRateHz: 0 });
    expect(r.gaps).toBeGreaterThan(3);
    expect(r.collector.metrics()['websocket.dropped']?.value).toBe(r.gaps);
  });

  test('a companion whose clock is 5 s ahead: ping measures the offset (before the clients open) within the error bound it reports, in this process and in a worker', async () => {
    const aheadUs = 5_000_000;
    const stamp = (): { timestamp: number; timestampMicros: number } => {
      const micros = Math.round(wallEpochMicros()) + aheadUs;
      return { timestamp: Math.floor(micros / 1000), timestampMicros: micros };
    };
    // Each pong is held 20 ms, before it is stamped in the first run and after in the second:
    // the pong's stamp then lies at one end of its round trip, so the midpoint estimate is off
    // by almost half the trip (about 10 ms), first too high, then too low. A bound that is not
    // half the round trip, or an estimate that is not the midpoint, fails one of the two.
    let holdBeforeStamp = true;
    const url = await fakeServer((ws) => {
      let seq = 0;
      // Caught up on each tick (see everyPeriod): 30 a client in the 300 ms window however late the timer.
      everyPeriod(ws, 10, () => ws.send(JSON.stringify({ version: 2, sequence: ++seq, type: 'event', payload: { event: 'sensors', data: {} }, ...stamp() })));
      ws.on('message', (raw) => {
        const env = JSON.parse(String(raw)) as { type: string; payload: unknown };
        if (env.type !== 'ping') return;
        const pong = (): string => JSON.stringify({ version: 2, sequence: ++seq, type: 'pong', payload: env.payload, ...stamp() });
        if (holdBeforeStamp) natives.setTimeout(() => ws.send(pong()), PONG_HOLD_MS);
        else {
          const stamped = pong();
          natives.setTimeout(() => ws.send(stamped), PONG_HOLD_MS);
        }
      });
    });
    for (const workerProcesses of [0, 1]) {
      holdBeforeStamp = workerProcesses === 0;
      const { value: r, elapsedMs } = await timed(() => runLatencyProbe({ url, clients: 2, workerProcesses, durationMs: 300, warmupMs: 50, commandRateHz: 0, clockOffset: 'ping' }));
      const at = `workerProcesses: ${workerProcesses}, offset ${r.clockOffsetMs} ms +- ${r.clockOffsetErrorMs} ms`;
      // Both ends read one clock, so the true offset is exactly 5 s, and the estimate lies
      // within the bound the probe reports: half its quickest ping's round trip (+1 µs stamp
      // resolution). A busy machine stretches the round trips and so the bound (the fixed
      // +-10 ms this checked before failed under load); the bound is at least about the hold's
      // half (it was measured; a 20 ms timer may fire up to 1 ms early: 9.88 ms was seen) and
      // shorter than the run (one in µs read as ms is 1000 times too long).
      expect(r.clockOffsetErrorMs, at).toBeGreaterThanOrEqual((PONG_HOLD_MS - 2) / 2);
      expect(r.clockOffsetErrorMs, at).toBeLessThan(elapsedMs);
      expect(Math.abs(r.clockOffsetMs - aheadUs / 1000), at).toBeLessThanOrEqual(r.clockOffsetErrorMs + CLOCK_AGREEMENT_MS);
      expect(r.telemetry.count, at).toBeGreaterThan(20);
      // The offset was taken off every latency: none was clamped from further below 0 than
      // the offset's error allows (not taken off: about -5 s; taken off the wrong way: about
      // -10 s), and none is longer than the probe ran (taken off twice: about 5 s more).
      // Clamps within the bound are honest: a latency shorter than an estimate's shortfall
      // reads below 0 (nearly all in the second run; under load 48 of about 60 did with no
      // hold). The probe's run time, not a fixed few ms: a busy machine delays arrivals by
      // hundreds of ms (p50 521 ms in a loaded run), which is latency, not an offset error.
      expect(r.lowestClampedMs < 0, `${at}: ${r.clampedNegative} clamped, lowest ${r.lowestClampedMs} ms`).toBe(r.clampedNegative > 0);
      expect(r.lowestClampedMs, `${at}: ${r.clampedNegative} clamped`).toBeGreaterThanOrEqual(-(r.clockOffsetErrorMs + CLOCK_AGREEMENT_MS));
      expect(r.telemetry.maxMs, at).toBeLessThan(elapsedMs);
    }
  }, WORKER_TEST_TIMEOUT_MS);

  test('a companion that closes the connection instead of answering a ping: HIL_PROBE_CONNECT_FAILED at once, with its close code', async () => {
    const url = await fakeServer((ws) => { ws.on('message', () => ws.close(1008, 'no')); });
    const err = await measureClockOffset({ url, compression: false }, 8).then(() => null, (e: unknown) => e);
    expect(isHilError(err) && err.code, String(err)).toBe('HIL_PROBE_CONNECT_FAILED');
    // At the first ping, not after eight 1 s timeouts ("answered none of 8 pings").
    expect(String((err as Error).message)).toMatch(/closed the connection \(code 1008\) before answering ping 1 of 8/u);
  });

  test('a companion that answers no ping: pinging its offset is HIL_PROBE_UNAVAILABLE, not an offset of 0', async () => {
    const url = await fakeServer(() => undefined);
    const err = await measureClockOffset({ url, compression: false }, 1).then(() => null, (e: unknown) => e);
    expect(isHilError(err) && err.code).toBe('HIL_PROBE_UNAVAILABLE');
    expect(String((err as Error).message)).toMatch(/answered none of 1 pings.*clockOffset 'none'/u);
  });

  test('telemetry produced in the window but arriving after its end is measured, not left out', async () => {
    // Every event reaches the probe 300 ms after it was produced (it is stamped 300 ms in the
    // past): the last 300 ms of the window arrive after the window has ended.
    const url = await fakeServer((ws) => {
      let seq = 0;
      everyPeriod(ws, 10, (dueMs) => ws.send(sensorsEvent(++seq, epochMicrosAt(dueMs - 300))));
    });
    const r = await runLatencyProbe({ url, durationMs: 400, warmupMs: 350, commandRateHz: 0 });
    // 40 events are produced in the 400 ms window (41 when one is due on an edge); without the
    // wait for late arrivals the probe kept only the first 100 ms of them (about 10).
    expect(r.telemetry.count).toBeGreaterThanOrEqual(39);
    // ... and nothing produced outside it (the wait ends at the first event produced after the end).
    expect(r.telemetry.count).toBeLessThanOrEqual(41);
    expect(r.telemetry.percentileMs(50)).toBeGreaterThanOrEqual(300);
  });

  // The wait for the window's late telemetry has limits: these would hang the probe (or run to the
  // 30 s command timeout, past the test's own) if it waited on a stream that cannot end it.
  test('the wait for late telemetry ends at the command timeout when the stream stops, and at once for a closed connection', async () => {
    const event = (seq: number, dueMs: number): string => sensorsEvent(seq, epochMicrosAt(dueMs));
    // 1. Streams for 150 ms after the connection, then falls silent (never an event after the
    //    window's end): the probe returns at its 1 s command timeout with what came.
    const stops = await fakeServer((ws) => {
      let seq = 0;
      everyPeriod(ws, 10, (dueMs) => { if (seq < 15) ws.send(event(++seq, dueMs)); });
    });
    const silent = await runLatencyProbe({ url: stops, durationMs: 300, warmupMs: 50, commandRateHz: 0, commandTimeoutMs: 1000 });
    expect(silent.telemetry.count).toBeGreaterThan(0);
    expect(silent.telemetry.count).toBeLessThanOrEqual(15);
    // 2. Streams, and closes the connection 200 ms in (inside the window): no tail to wait for on
    //    a closed connection, so the probe does not sit out its 30 s command timeout.
    const closes = await fakeServer((ws) => {
      let seq = 0;
      everyPeriod(ws, 10, (dueMs) => ws.send(event(++seq, dueMs)));
      natives.setTimeout(() => ws.close(1001), 200);
    });
    const closed = await runLatencyProbe({ url: closes, durationMs: 300, warmupMs: 50, commandRateHz: 0, commandTimeoutMs: 30_000 });
    expect(closed.closedByServer).toEqual([1001]);
    expect(closed.telemetry.count).toBeGreaterThan(0);
  }, 20_000);

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
  }, WORKER_TEST_TIMEOUT_MS);
});
