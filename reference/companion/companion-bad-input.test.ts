/**
 * Bad input never costs other clients anything: malformed JSON, a wrong
 * version, an unknown or server-only type, a bad command, an oversized frame
 * and a flood each get a protocol error or close only the offending client,
 * while a bystander keeps receiving every message in order (its sequence
 * numbers have no gap).
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startCompanion, type Companion } from './companion-server.ts';
import { createScriptedRobot, type ScriptedRobot } from './robot-link.ts';
import { connectTestClient, envelope, type Received, type TestClient } from './test-client.ts';

let robot: ScriptedRobot;
let companion: Companion;
let bystander: TestClient;
const clients: TestClient[] = [];

async function client(): Promise<TestClient> {
  const c = await connectTestClient(companion.url);
  clients.push(c);
  return c;
}

const isError = (code: string) => (m: Received): boolean =>
  m.type === 'event' && (m.payload as { event: string }).event === 'protocol_error' && (m.payload as { data: { code: string } }).data.code === code;

const telemetryCount = (c: TestClient): number => c.messages.filter((m) => (m.payload as { event?: string })?.event === 'sensors').length;

/** Waits for `n` more telemetry ticks at the bystander. */
async function moreTelemetry(n = 5): Promise<void> {
  const target = telemetryCount(bystander) + n;
  await bystander.next(() => telemetryCount(bystander) >= target, 3000);
}

beforeEach(async () => {
  robot = createScriptedRobot({ info: { kind: 'sim', port: 'scripted' } });
  companion = await startCompanion({ robot, config: { telemetryHz: 100, maxPayloadBytes: 4096, limits: { maxQueuedMessages: 1000, highWaterBytes: 256 * 1024, inboundPerSecond: 50, inboundBurst: 50, floodCloseAfter: 200, floodCloseAfterMs: 3000 } } });
  bystander = await client();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await companion.close();
});

/** The bystander got every message, numbered 1, 2, 3, ... with no gap, and is still open. */
function expectBystanderIntact(): void {
  expect(bystander.sequenceProblems()).toEqual([]);
  expect(bystander.closeCode).toBeNull();
  expect(bystander.messages[0]?.type).toBe('state');
}

describe('protocol errors answer the sender and keep it connected', () => {
  test.each([
    ['malformed JSON', '{"version":2,"type":', 'HIL_PROTOCOL_MALFORMED_JSON'],
    ['a JSON array', '[1,2,3]', 'HIL_PROTOCOL_MALFORMED_JSON'],
    ['a wrong version', envelope('ping', {}, { version: 1 }), 'HIL_PROTOCOL_BAD_VERSION'],
    ['a missing version', { type: 'ping', payload: {} }, 'HIL_PROTOCOL_BAD_VERSION'],
    ['an unknown type', envelope('subscribe', {}), 'HIL_PROTOCOL_UNKNOWN_TYPE'],
    ['a server-only type', envelope('event', { event: 'sensors', data: {} }), 'HIL_PROTOCOL_UNEXPECTED_TYPE'],
    ['an unknown command', envelope('command', { id: 'c1', command: 'fly' }), 'HIL_PROTOCOL_BAD_PAYLOAD'],
    ['a motor speed out of range', envelope('command', { id: 'c2', command: 'drive', args: { left: 300, right: 0 } }), 'HIL_PROTOCOL_BAD_PAYLOAD'],
    ['a nested batch', envelope('batch', { messages: [envelope('batch', { messages: [] })] }), 'HIL_PROTOCOL_BAD_PAYLOAD'],
  ])('%s', async (_what, frame, code) => {
    const sender = await client();
    sender.send(frame);
    const error = await sender.next(isError(code));
    expect((error.payload as { data: { message: string } }).data.message.length).toBeGreaterThan(10);
    // Still connected and still served.
    const before = sender.messages.length;
    sender.send(envelope('ping', { n: 1 }));
    await sender.next((m) => m.type === 'pong', 2000, before);
    expect(sender.closeCode).toBeNull();
    expect(robot.commands).toEqual([]);
    await moreTelemetry();
    expectBystanderIntact();
  });

  test('a bad command reports the path of the bad field and its id', async () => {
    const sender = await client();
    sender.send(envelope('command', { id: 'led-1', command: 'leds', args: { rgb: [0, 300, 0] } }));
    const error = await sender.next(isError('HIL_PROTOCOL_BAD_PAYLOAD'));
    expect((error.payload as { data: unknown }).data).toMatchObject({ path: 'payload.args.rgb', id: 'led-1' });
  });
});

describe('violations that close only the offending client', () => {
  test('an oversized frame closes its sender with 1009', async () => {
    const sender = await client();
    sender.send(envelope('ping', { pad: 'x'.repeat(10_000) }));
    expect(await sender.closed()).toBe(1009);
    await moreTelemetry();
    expectBystanderIntact();
    expect(companion.stats().tooLarge).toBe(1);
  });

  test('a flood is rate limited, then closed with 1008; the bystander loses nothing', async () => {
    const sender = await client();
    for (let i = 0; i < 2000; i++) sender.send(envelope('command', { id: i, command: 'drive', args: { left: 100, right: 100 } }));
    await sender.next(isError('HIL_PROTOCOL_RATE_LIMITED'));
    expect(await sender.closed()).toBe(1008);
    // The burst was served, the rest dropped: the robot never saw 2000 drives, and the flood stopped it
    // (a stop would have run whatever the rate: flood-stop.test.ts).
    expect(robot.commands.length).toBeLessThanOrEqual(60);
    expect(robot.commands.at(-1)).toEqual({ command: 'stop' });
    await moreTelemetry(10);
    expectBystanderIntact();
    expect(companion.stats().policyClosed).toBe(1);
  });

  test('binary frames are refused with a protocol error', async () => {
    const sender = await client();
    sender.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await sender.next(isError('HIL_PROTOCOL_MALFORMED_JSON'));
    expectBystanderIntact();
  });
});

describe('well-formed traffic', () => {
  test('state first, then telemetry with due-time stamps in µs; commands drive the robot and are acked', async () => {
    const first = bystander.messages[0] as Received;
    expect(first).toMatchObject({ version: 2, type: 'state', sequence: 1 });
    expect(first.timestamp).toBe(Math.floor((first.timestampMicros as number) / 1000));
    const sender = await client();
    sender.send(envelope('command', { id: 'go', command: 'drive', args: { left: 200, right: -200 } }));
    const ack = await sender.next((m) => (m.payload as { event?: string }).event === 'ack');
    expect((ack.payload as { data: unknown }).data).toEqual({ id: 'go', command: 'drive', ok: true });
    expect(robot.commands).toEqual([{ command: 'drive', left: 200, right: -200 }]);
    sender.send(envelope('batch', { messages: [envelope('command', { id: 'p', command: 'pen', args: { down: true } }), envelope('ping', { echo: 7 })] }));
    const pong = await sender.next((m) => m.type === 'pong');
    expect(pong.payload).toEqual({ echo: 7 });
    expect(robot.commands.at(-1)).toEqual({ command: 'pen', down: true });
    // Telemetry of one tick is due at the same instant and travels in one batch frame (a late timer's ticks,
    // caught up in one go, share a frame: whole ticks, never split).
    await moreTelemetry();
    const telemetry = bystander.messages.filter((m) => ['sensors', 'pose'].includes((m.payload as { event?: string }).event ?? ''));
    const ticks = telemetry.filter((m) => (m.payload as { event?: string }).event === 'sensors');
    expect(ticks.length).toBeGreaterThanOrEqual(5);
    for (const sensors of ticks) {
      const pose = telemetry.find((m) => (m.payload as { event?: string }).event === 'pose' && m.timestampMicros === sensors.timestampMicros);
      expect(pose?.frame, `the pose of the tick due at ${String(sensors.timestampMicros)} µs`).toBe(sensors.frame);
    }
    // A tick that was on time travels alone: its frame holds its two messages and nothing else.
    expect(ticks.some((t) => bystander.messages.filter((m) => m.frame === t.frame).length === 2)).toBe(true);
    expectBystanderIntact();
  });

  test('a button press reaches every client as an event', async () => {
    robot.set({ button: true });
    const press = await bystander.next((m) => (m.payload as { event?: string }).event === 'button');
    expect((press.payload as { data: unknown }).data).toEqual({ pressed: true });
  });
});
