// The hardware target over a real tty: the simulator behind a PTY
// (HIL_PORT=sim-pty). Needs python3 or socat; skipped with the reason when both are missing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { startVitest } from 'vitest/node';
import { isHilError } from '../errors.ts';
import { ptyPairAvailable } from '../../simulators/pty/pty-pair.ts';
import { createHardwareTarget } from './hardware-target.ts';
import { createTarget, readTargetSettings } from './select-target.ts';

describe.skipIf(!ptyPairAvailable())('hardware target on the PTY stand-in (needs python3 or socat)', () => {
  test('connects with the real binding, reports the firmware, and notices a pulled cable within 1 s even when idle', async () => {
    const target = await createTarget(readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: 'sim-pty', HIL_SEED: '3' }));
    try {
      const c = await target.connect();
      expect(target.kind).toBe('hardware');
      expect(target.info.port).toMatch(/^sim-pty:/);
      expect(c.firmware.name).toContain('StandardFirmata');
      expect(target.jig?.capabilities.has('unplug')).toBe(true);
      // Nothing reads or writes now: only the liveness probe can notice the hang-up.
      const heard = new Promise<unknown>((resolve) => target.onDisconnect(resolve));
      const t0 = performance.now();
      await target.jig?.unplug();
      const err = await heard;
      expect(isHilError(err, 'HIL_PORT_DISCONNECTED')).toBe(true);
      expect(performance.now() - t0).toBeLessThan(1000);
      await target.jig?.replug();
      const again = await target.connect();
      expect(again.io.isReady).toBe(true);
    } finally {
      await target.dispose();
    }
    // Two connects, each with the board's 300 ms reset on open, plus a relay start each: more than Vitest's 5 s default on a loaded machine.
  }, 20_000);
});

test('a missing explicit port fails with HIL_PORT_NOT_FOUND listing what exists', async () => {
  const target = createHardwareTarget({ port: '/dev/ttyDOESNOTEXIST9', listDeps: { list: async () => [{ path: '/dev/ttyACM0', vendorId: '2341', productId: '0043' }] } });
  try {
    await expect(target.connect()).rejects.toMatchObject({ code: 'HIL_PORT_NOT_FOUND', message: expect.stringContaining('/dev/ttyACM0 2341:0043') });
  } finally {
    await target.dispose();
  }
});

test('auto-detection with no mBot plugged in fails with HIL_PORT_NOT_FOUND', async () => {
  const target = createHardwareTarget({ listDeps: { list: async () => [] } });
  try {
    await expect(target.connect()).rejects.toMatchObject({ code: 'HIL_PORT_NOT_FOUND', message: expect.stringContaining('no serial ports at all') });
  } finally {
    await target.dispose();
  }
});

test('bad environment values are HIL_CONFIG_INVALID naming the variable', () => {
  expect(() => readTargetSettings({ HIL_TARGET: 'robot' })).toThrow(/HIL_CONFIG_INVALID: HIL_TARGET=robot/);
  expect(() => readTargetSettings({ HIL_SEED: '1.5' })).toThrow(/HIL_SEED=1.5/);
  expect(() => readTargetSettings({ HIL_CLOCK: 'fast' })).toThrow(/HIL_CLOCK=fast/);
  expect(() => readTargetSettings({ HIL_WIRING: 'mine' })).toThrow(/assembly-guide/);
  expect(readTargetSettings({})).toMatchObject({ target: 'sim', seed: 1, clock: 'virtual', wiring: 'johnny-five-examples', port: undefined });
  expect(readTargetSettings({ HIL_PORT: 'auto' }).port).toBeUndefined();
});

// A Vitest worker thread (pool 'threads') gets no signal and runs no exit handler when the run is stopped:
// Ctrl-C ends the threads without a word, so the exit guard could not stop the motors. Checked in a nested
// Vitest whose spec runs in a worker thread, as a team's project with pool: 'threads' would run it.
test("in a worker thread (Vitest's pool 'threads') the hardware target refuses to start, saying to use forks", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-hw-thread-'));
  writeFileSync(join(dir, 'thread.spec.ts'), `
import { isMainThread } from 'node:worker_threads';
import { expect, test } from 'vitest';
import { createHardwareTarget } from ${JSON.stringify(join(import.meta.dirname, 'hardware-target.ts'))};
test('refused', () => {
  expect(isMainThread).toBe(false);
  expect(() => createHardwareTarget({ port: '/dev/ttyACM0' })).toThrow(expect.objectContaining({ code: 'HIL_CONFIG_INVALID', message: expect.stringContaining("pool: 'forks'") }));
  // A mock binding reaches no robot: allowed anywhere.
  expect(() => createHardwareTarget({ port: '/dev/ttyACM0', binding: {} as never })).not.toThrow();
});
`);
  const exitCode = process.exitCode;
  const states: string[] = [];
  try {
    const vitest = await startVitest('test', [], {
      root: dir, config: false, watch: false, include: ['*.spec.ts'], pool: 'threads',
      reporters: [{ onTestCaseResult: (tc) => { states.push(`${tc.name}: ${tc.result().state} ${tc.result().errors?.map((e) => e.message).join('; ') ?? ''}`); } }],
    });
    await vitest.close();
  } finally {
    process.exitCode = exitCode;
  }
  expect(states).toEqual(['refused: passed ']);
}, 60_000);
