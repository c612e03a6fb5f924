/**
 * Binding and authentication of the companion, and its CLI's argument
 * handling (the parts that need no robot).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { isHilError } from '../../harness/errors.ts';
import { runCompanionCommand } from '../../harness/cli/companion-command.ts';
import { isLoopbackHost, startCompanion, type Companion } from './companion-server.ts';
import { createScriptedRobot } from './robot-link.ts';
import { connectTestClient } from './test-client.ts';

const running: Companion[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) await c.close();
});

async function start(options: Partial<Parameters<typeof startCompanion>[0]> = {}): Promise<Companion> {
  const c = await startCompanion({ robot: createScriptedRobot(), ...options });
  running.push(c);
  return c;
}

function sink(): { write(s: string): boolean; text: string } {
  return { text: '', write(s: string) { this.text += s; return true; } };
}

describe('binding', () => {
  test('binds 127.0.0.1 on a free port by default', async () => {
    const c = await start();
    expect(c.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    expect(c.port).toBeGreaterThan(0);
  });

  test('refuses to bind a reachable interface without a token', async () => {
    const err = await startCompanion({ robot: createScriptedRobot(), host: '0.0.0.0' }).catch((e: unknown) => e);
    expect(isHilError(err, 'HIL_CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/token/);
    expect(isLoopbackHost('127.0.0.2')).toBe(true);
    expect(isLoopbackHost('192.168.1.5')).toBe(false);
  });

  test('with a token: 401 without it, accepted as a Bearer header or ?token=', async () => {
    const c = await start({ host: '0.0.0.0', token: 's3cret' });
    const plain = c.url.replace('0.0.0.0', '127.0.0.1').replace(/\?token=.*$/, '');
    await expect(connectTestClient(plain)).rejects.toThrow('HTTP 401');
    await expect(connectTestClient(plain, { headers: { authorization: 'Bearer wrong' } })).rejects.toThrow('HTTP 401');
    const byHeader = await connectTestClient(plain, { headers: { authorization: 'Bearer s3cret' } });
    const byQuery = await connectTestClient(c.url.replace('0.0.0.0', '127.0.0.1'));
    await byHeader.next((m) => m.type === 'state');
    await byQuery.next((m) => m.type === 'state');
    byHeader.close();
    byQuery.close();
  });

  test('a busy port is HIL_COMPANION_START_FAILED', async () => {
    const a = await start();
    const err = await startCompanion({ robot: createScriptedRobot(), port: a.port }).catch((e: unknown) => e);
    expect(isHilError(err, 'HIL_COMPANION_START_FAILED')).toBe(true);
  });
});

describe('mbot-hil companion (arguments only)', () => {
  test('--help prints the options and exits 0', async () => {
    const out = sink();
    expect(await runCompanionCommand(['--help'], { out, err: sink() })).toBe(0);
    expect(out.text).toMatch(/--port PORT/);
    expect(out.text).toMatch(/--token TOKEN/);
  });

  test.each([
    [['--bogus']],
    [['--profile', 'fast']],
    [['--clock', 'virtual']],
    [['--batch', '10']],
  ])('%j is a usage error (exit 2)', async (argv) => {
    const err = sink();
    expect(await runCompanionCommand(argv, { out: sink(), err })).toBe(2);
    expect(err.text).toMatch(/^error HIL_CLI_USAGE: /);
  });
});
