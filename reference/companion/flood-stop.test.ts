/**
 * A flood must not leave the robot driving, and a `stop` always gets
 * through (docs/bench-safety.md, "A flood"; docs/security.md, "Limits"):
 *
 * - a client that goes over its inbound rate while it holds the wheel (it
 *   sent the drive the robot is running on) has the robot stopped at once,
 *   and its drive commands are refused until it has gone a whole second
 *   without a refused message; closing it for a flood stops the robot too;
 * - a `stop` runs whatever the rate: alone with the budget spent, inside a
 *   batch refused whole, in a frame refused before it was parsed;
 * - a client that floods without driving (pings) stops nothing, and
 *   another client keeps the wheel.
 *
 * On a virtual clock the token bucket refills only when the test advances
 * it, so what is over the rate is exact; the sockets are real.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createVirtualClock, type VirtualClock } from '../../harness/clock/index.ts';
import { startCompanion, type Companion } from './companion-server.ts';
import type { RobotCommand } from './inbound.ts';
import { createScriptedRobot, type ScriptedRobot } from './robot-link.ts';
import { connectTestClient, envelope, type Received, type TestClient } from './test-client.ts';

const RATE = 50;
const BURST = 50;
let clock: VirtualClock;
let robot: ScriptedRobot;
let companion: Companion;
const clients: TestClient[] = [];

beforeEach(async () => {
  clock = createVirtualClock();
  robot = createScriptedRobot();
  companion = await startCompanion({
    robot,
    clock,
    config: {
      limits: { maxQueuedMessages: 1000, highWaterBytes: 256 * 1024, inboundPerSecond: RATE, inboundBurst: BURST, floodCloseAfter: 1000, floodCloseAfterMs: 3000 },
    },
  });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await companion.close();
  clock.dispose();
});

async function client(): Promise<TestClient> {
  const c = await connectTestClient(companion.url);
  clients.push(c);
  return c;
}

let nextId = 0;
const drive = (left = 150, right = left, id: string | number = ++nextId) => envelope('command', { id, command: 'drive', args: { left, right } });
const stop = (id: string | number = ++nextId) => envelope('command', { id, command: 'stop' });
const batch = (messages: unknown[]) => envelope('batch', { messages });
const drives = (n: number) => batch(Array.from({ length: n }, (_, i) => drive(100 + (i % 2))));

const ackOf = (id: string | number) => (m: Received): boolean =>
  m.type === 'event' && (m.payload as { event: string; data: { id?: unknown } }).event === 'ack' && (m.payload as { data: { id?: unknown } }).data.id === id;
const isError = (code: string) => (m: Received): boolean =>
  m.type === 'event' && (m.payload as { event: string }).event === 'protocol_error' && (m.payload as { data: { code: string } }).data.code === code;
const ackData = (m: Received): { ok: boolean; error?: { code: string; message: string } } => (m.payload as { data: { ok: boolean; error?: { code: string; message: string } } }).data;

/** What the robot was told last about its wheels (a stop, or a drive). */
const lastMotion = (): RobotCommand | undefined => robot.commands.filter((c) => c.command === 'drive' || c.command === 'stop').at(-1);
const count = (name: RobotCommand['command']): number => robot.commands.filter((c) => c.command === name).length;

/** Resolves once everything `c` sent so far was handled: a ping sent after it is answered (it needs one token). */
async function barrier(c: TestClient): Promise<void> {
  const id = `barrier-${++nextId}`;
  const from = c.messages.length;
  c.send(envelope('ping', { id }));
  await c.next((m) => m.type === 'pong' && (m.payload as { id?: string }).id === id, 2000, from);
}

describe('a client that floods loses the wheel', () => {
  test('going over the rate while driving stops the robot at once, and none of its drives runs after that', async () => {
    const flooder = await client();
    // The burst covers two batches of 25; the third is over the rate.
    for (let i = 0; i < 6; i++) flooder.send(drives(25));
    await flooder.next(isError('HIL_PROTOCOL_RATE_LIMITED'));
    await expect.poll(() => lastMotion()?.command, { timeout: 2000 }).toBe('stop');
    // Two batches ran (the last drive of each: drives in a row of one frame run as one), then the stop.
    expect(robot.commands).toEqual([{ command: 'drive', left: 100, right: 100 }, { command: 'drive', left: 100, right: 100 }, { command: 'stop' }]);
    // Budget again, but still within a second of the last refusal: its drives are refused, and said so.
    await clock.advance(500);
    const id = 'still-flooding';
    flooder.send(drive(150, 150, id));
    const ack = await flooder.next(ackOf(id));
    expect(ackData(ack).ok).toBe(false);
    expect(ackData(ack).error?.code).toBe('HIL_PROTOCOL_RATE_LIMITED');
    expect(ackData(ack).error?.message).toMatch(/drive commands are refused/);
    expect(lastMotion()?.command).toBe('stop');
    expect(count('drive')).toBe(2);
  });

  test('a whole second without a refused message gives the wheel back', async () => {
    const flooder = await client();
    for (let i = 0; i < 3; i++) flooder.send(drives(25));
    await flooder.next(isError('HIL_PROTOCOL_RATE_LIMITED'));
    await clock.advance(1000);
    const id = 'calm-again';
    flooder.send(drive(120, 120, id));
    expect(ackData(await flooder.next(ackOf(id))).ok).toBe(true);
    expect(lastMotion()).toEqual({ command: 'drive', left: 120, right: 120 });
  });

  test('a client closed for flooding leaves the robot stopped', async () => {
    const flooder = await client();
    flooder.send(drive(200, 200));
    // 1,000 refused in a row closes it: 40 refused batches of 25 after the burst.
    for (let i = 0; i < 50; i++) flooder.send(drives(25));
    expect(await flooder.closed()).toBe(1008);
    expect(lastMotion()?.command).toBe('stop');
  });

  test('a client that floods pings stops nothing: the one that drives keeps the wheel', async () => {
    const driver = await client();
    const pinger = await client();
    driver.send(drive(90, 90, 'driving'));
    await driver.next(ackOf('driving'));
    for (let i = 0; i < 6; i++) pinger.send(batch(Array.from({ length: 25 }, (_, j) => envelope('ping', { j }))));
    await pinger.next(isError('HIL_PROTOCOL_RATE_LIMITED'));
    await barrier(driver);
    expect(lastMotion()).toEqual({ command: 'drive', left: 90, right: 90 });
    expect(count('stop')).toBe(0);
  });

  test('a client over the rate that never drove does not stop the one that drives', async () => {
    const driver = await client();
    const other = await client();
    driver.send(drive(90, 90, 'driving'));
    await driver.next(ackOf('driving'));
    // Refused whole before any of it ran: this client never held the wheel.
    other.send(drives(BURST + 1));
    await other.next(isError('HIL_PROTOCOL_RATE_LIMITED'));
    await barrier(driver);
    expect(lastMotion()).toEqual({ command: 'drive', left: 90, right: 90 });
  });
});

describe('drives in a row within one frame run as one', () => {
  test('only the last of each run reaches the robot; every one is acked, in order', async () => {
    const c = await client();
    const ids = ['d1', 'd2', 'pen', 'd3', 'd4', 'd5'];
    c.send(batch([drive(10, 10, 'd1'), drive(20, 20, 'd2'), envelope('command', { id: 'pen', command: 'pen', args: { down: true } }), drive(30, 30, 'd3'), drive(40, 40, 'd4'), drive(50, -50, 'd5')]));
    await c.next(ackOf('d5'));
    expect(robot.commands).toEqual([{ command: 'drive', left: 20, right: 20 }, { command: 'pen', down: true }, { command: 'drive', left: 50, right: -50 }]);
    const acks = c.messages.filter((m) => m.type === 'event' && (m.payload as { event: string }).event === 'ack').map(ackData);
    expect(acks.map((a) => [(a as { id?: string }).id, a.ok])).toEqual(ids.map((id) => [id, true]));
  });

  test('with the link lost, every drive of the run is acked with HIL_PORT_DISCONNECTED', async () => {
    const c = await client();
    robot.unplug();
    c.send(batch([drive(10, 10, 'a'), drive(20, 20, 'b')]));
    for (const id of ['a', 'b']) expect(ackData(await c.next(ackOf(id))).error?.code).toBe('HIL_PORT_DISCONNECTED');
    expect(robot.commands).toEqual([]);
  });
});

describe('a stop always gets through', () => {
  test('alone, with the budget spent', async () => {
    const c = await client();
    c.send(drives(25));
    c.send(drives(25));
    c.send(drives(25));
    await c.next(isError('HIL_PROTOCOL_RATE_LIMITED'));
    robot.commands.length = 0;
    c.send(stop('halt'));
    const ack = await c.next(ackOf('halt'));
    expect(ackData(ack)).toEqual({ id: 'halt', command: 'stop', ok: true });
    expect(robot.commands).toEqual([{ command: 'stop' }]);
  });

  test('inside a batch refused whole: the stop runs, nothing else in it does', async () => {
    const c = await client();
    const messages = [...Array.from({ length: BURST }, () => drive(80)), stop('in-batch'), drive(80)];
    c.send(batch(messages));
    const ack = await c.next(ackOf('in-batch'));
    expect(ackData(ack).ok).toBe(true);
    expect(robot.commands).toEqual([{ command: 'stop' }]);
    expect(c.messages.some(isError('HIL_PROTOCOL_RATE_LIMITED'))).toBe(true);
  });

  test('in a frame refused before it is parsed (budget spent), written with an escaped letter', async () => {
    const c = await client();
    for (let i = 0; i < 3; i++) c.send(drives(25));
    await c.next(isError('HIL_PROTOCOL_RATE_LIMITED'));
    robot.commands.length = 0;
    // "st\\u006fp" is "stop" to JSON.parse: the cheap scan must not miss it.
    c.send(`{"version":2,"type":"batch","payload":{"messages":[${JSON.stringify(drive(70))},{"version":2,"type":"command","payload":{"id":"esc","command":"st\\u006fp"},"timestamp":1}]},"timestamp":1}`);
    expect(ackData(await c.next(ackOf('esc'))).ok).toBe(true);
    expect(robot.commands).toEqual([{ command: 'stop' }]);
  });

  test('stops still count toward the rate: a client flooding stops is closed like any flood, the robot stopped', async () => {
    const c = await client();
    for (let i = 0; i < 50; i++) c.send(batch(Array.from({ length: 25 }, () => stop())));
    expect(await c.closed()).toBe(1008);
    expect(lastMotion()?.command).toBe('stop');
    expect(count('drive')).toBe(0);
  });
});
