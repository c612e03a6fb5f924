/**
 * WebSocket control frames count against the inbound rate. `ws` answers a
 * ping by itself and drops a pong without a `message` event, so before they
 * were counted a client could send them flat out for ever: 4.49 million
 * unsolicited pongs (588 MB) in 3 s to `mbot-hil companion`, never closed,
 * while a client flooding text messages was closed in about 3 s. Now a
 * control-frame flood is refused and closed like any other (1008
 * HIL_PROTOCOL_RATE_LIMITED), and a flooder that drove loses the wheel.
 * A bystander connected throughout sees no gap and is never closed.
 */
import WebSocket from 'ws';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { startCompanion, type Companion } from './companion-server.ts';
import { createScriptedRobot, type ScriptedRobot } from './robot-link.ts';
import { envelope } from './test-client.ts';
import { connectBystander, type Bystander } from './testing/bystander.ts';

const RATE = 50;
let robot: ScriptedRobot;
let companion: Companion;
let bystander: Bystander;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  robot = createScriptedRobot();
  companion = await startCompanion({
    robot,
    config: {
      telemetryHz: 50,
      limits: { maxQueuedMessages: 1000, highWaterBytes: 256 * 1024, inboundPerSecond: RATE, inboundBurst: RATE, floodCloseAfter: 1000, floodCloseAfterMs: 1500 },
    },
  });
  bystander = await connectBystander(companion.url, { pingEveryMs: 500 });
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  const w = bystander.window();
  bystander.close();
  await companion.close();
  expect(w.gaps).toBe(0);
  expect(w.closeCode).toBeNull();
});

async function openRaw(): Promise<WebSocket> {
  const ws = new WebSocket(companion.url, { perMessageDeflate: false });
  ws.on('error', () => {});
  sockets.push(ws);
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('unexpected-response', () => reject(new Error('refused'))); });
  return ws;
}

/** Sends `frame` flat out (a burst every 5 ms) until the server closes the socket or `withinMs` passes; the close, or null. */
async function floodUntilClosed(ws: WebSocket, frame: (ws: WebSocket) => void, withinMs: number): Promise<{ code: number; reason: string; afterMs: number; sent: number } | null> {
  const started = performance.now();
  let sent = 0;
  let closed: { code: number; reason: string; afterMs: number } | null = null;
  ws.once('close', (code: number, reason: Buffer) => { closed = { code, reason: reason.toString(), afterMs: performance.now() - started }; });
  while (closed === null && performance.now() - started < withinMs) {
    for (let i = 0; i < 200 && ws.readyState === WebSocket.OPEN; i++, sent++) frame(ws);
    await new Promise((r) => setTimeout(r, 5));
  }
  const c = closed as { code: number; reason: string; afterMs: number } | null;
  return c ? { ...c, sent } : null;
}

test('a flood of unsolicited pongs is closed with 1008 HIL_PROTOCOL_RATE_LIMITED', async () => {
  const ws = await openRaw();
  const result = await floodUntilClosed(ws, (w) => w.pong('x'), 5000);
  expect(result, 'still open after 5 s of pongs').not.toBeNull();
  expect(result?.code).toBe(1008);
  expect(result?.reason).toMatch(/^HIL_PROTOCOL_RATE_LIMITED/);
  expect(result?.afterMs).toBeLessThan(4000);
}, 15_000);

test('a flood of pings is closed (ws cuts a client with 60 pongs unsent, else the rate limit closes it with 1008)', async () => {
  const ws = await openRaw();
  const result = await floodUntilClosed(ws, (w) => w.ping('x'), 5000);
  expect(result, 'still open after 5 s of pings').not.toBeNull();
  expect([1006, 1008]).toContain(result?.code);
  expect(result?.afterMs).toBeLessThan(4000);
}, 15_000);

test.each([
  ['pongs', (ws: WebSocket) => ws.pong('x')],
  ['pings', (ws: WebSocket) => ws.ping('x')],
])('a client that drove and then floods %s loses the wheel: the robot stops', async (_what, frame) => {
  const ws = await openRaw();
  ws.send(JSON.stringify(envelope('command', { id: 'go', command: 'drive', args: { left: 120, right: 120 } })));
  const deadline = performance.now() + 2000;
  while (!robot.commands.some((c) => c.command === 'drive') && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(robot.commands).toContainEqual({ command: 'drive', left: 120, right: 120 });
  await floodUntilClosed(ws, frame, 3000);
  expect(robot.commands.at(-1), JSON.stringify(robot.commands)).toMatchObject({ command: 'stop' });
}, 15_000);
