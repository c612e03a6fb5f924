/**
 * A `stop` is acknowledged only once the robot link says its bytes are out
 * (written ahead of every queued drive and drained): an "ok" for a stop that
 * is still queued behind seconds of drive commands would be a lie.
 */
import { afterEach, expect, test } from 'vitest';
import { startCompanion, type Companion } from './companion-server.ts';
import { createScriptedRobot } from './robot-link.ts';
import { connectTestClient } from './test-client.ts';

const running: Companion[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) await c.close();
});

const command = (id: string, cmd: string, args?: Record<string, unknown>): Record<string, unknown> => ({
  version: 2, type: 'command', timestamp: Date.now(), payload: { id, command: cmd, ...(args ? { args } : {}) },
});

test('the ack of a stop waits for the stop to be out; other commands are acked at once', async () => {
  const robot = createScriptedRobot();
  let out: () => void = () => {};
  const scripted = robot.execute.bind(robot);
  robot.execute = (c) => {
    scripted(c);
    if (c.command === 'stop') return new Promise<void>((resolve) => { out = resolve; });
  };
  const companion = await startCompanion({ robot });
  running.push(companion);
  const client = await connectTestClient(companion.url);
  const isAck = (id: string) => (m: { payload: unknown }): boolean => (m.payload as { data?: { id?: string } }).data?.id === id;
  client.send(command('halt', 'stop'));
  client.send(command('go', 'drive', { left: 10, right: 10 }));
  await client.next(isAck('go'));
  await new Promise((r) => setTimeout(r, 50));
  expect(client.messages.some(isAck('halt'))).toBe(false);
  out();
  const ack = await client.next(isAck('halt'));
  expect((ack.payload as { data: unknown }).data).toEqual({ id: 'halt', command: 'stop', ok: true });
  client.close();
});

test('a stop that fails to go out is acked with its error, not ok', async () => {
  const robot = createScriptedRobot();
  robot.execute = (c) => (c.command === 'stop' ? Promise.reject(Object.assign(new Error('HIL_PORT_DISCONNECTED: gone'), { code: 'HIL_PORT_DISCONNECTED' })) : undefined);
  const companion = await startCompanion({ robot });
  running.push(companion);
  const client = await connectTestClient(companion.url);
  client.send(command('halt', 'stop'));
  const ack = await client.next((m) => (m.payload as { event?: string }).event === 'ack');
  expect((ack.payload as { data: unknown }).data).toMatchObject({ id: 'halt', ok: false, error: { code: 'HIL_PORT_DISCONNECTED' } });
  client.close();
});
