// The hardware target over a real tty: the simulator behind a PTY
// (HIL_PORT=sim-pty). Needs python3 or socat; skipped with the reason when both are missing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { startVitest } from 'vitest/node';
import { isHilError } from '../errors.ts';
import { ptyPairAvailable } from '../../simulators/pty/pty-pair.ts';
import { startPtyStandIn } from '../../simulators/pty/pty-stand-in.ts';
import { realWaitUntil } from '../clock/real-time.ts';
import { createHardwareTarget } from './hardware-target.ts';
import { driveBoth } from './testing/drive-both.ts';
import { createTarget, readTargetSettings } from './select-target.ts';

describe.skipIf(!ptyPairAvailable())('hardware target on the PTY stand-in (needs python3 or socat)', () => {
  // A cable pulled in the last test of a file: the robot, on its battery, runs its last drive, and the run
  // used to let go at once (review rev23a: still driving 1.5 s after the pull, the run gone 170 ms after it).
  // Now dispose() waits for the device as the next test would, so the connect's first write stops it.
  test('a cable pulled and not put back by the end: dispose waits for the device and stops the motors before letting go', async () => {
    const standIn = await startPtyStandIn({ seed: 5, resetDelayMs: 300 });
    try {
      const wheels = () => standIn.sim.world.wheels;
      const lost = createHardwareTarget({ port: standIn.hostPath, jig: standIn.jig, stopAfterLossWaitMs: 4000 });
      driveBoth(await lost.connect(), 160);
      expect(await realWaitUntil(() => wheels().left !== 0 && wheels().right !== 0, 2000, 10)).toBe(true);
      const heard = new Promise<unknown>((resolve) => lost.onDisconnect(resolve));
      await standIn.jig.unplug();
      await heard;
      // (The stand-in's board restarts when it is served again, so its wheels say nothing here: what counts
      // is that this host wrote the stop after the device came back.)
      let replugAtMs = Infinity;
      const replug = new Promise<void>((resolve) => setTimeout(() => {
        void standIn.jig.replug().then(() => { replugAtMs = standIn.clock.monotonicMs(); resolve(); });
      }, 400));
      const stopsAfterReplug = () => standIn.sim.trace.decoded({ dir: 'to-device', kind: 'analog-write' })
        .filter((e) => e.atMs >= replugAtMs && 'value' in e && e.value === 0).map((e) => ('pin' in e ? e.pin : -1));
      await lost.dispose();
      await replug;
      expect(stopsAfterReplug()).toEqual(expect.arrayContaining([5, 6]));

      // A device that stays away: dispose gives up after the wait, and the robot is left as it was (the
      // next connect's first write will stop it); 0 is no wait.
      const gone = createHardwareTarget({ port: standIn.hostPath, jig: standIn.jig, stopAfterLossWaitMs: 0 });
      driveBoth(await gone.connect(), 120);
      expect(await realWaitUntil(() => wheels().left !== 0, 2000, 10)).toBe(true);
      const heardAgain = new Promise<unknown>((resolve) => gone.onDisconnect(resolve));
      await standIn.jig.unplug();
      await heardAgain;
      await gone.dispose();
      expect(wheels().left).not.toBe(0);
      await standIn.jig.replug();
      replugAtMs = standIn.clock.monotonicMs();
      await new Promise((r) => setTimeout(r, 300));
      expect(stopsAfterReplug()).toEqual([]);
    } finally {
      await standIn.close();
    }
  }, 30_000);

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
import { createTcpBinding } from ${JSON.stringify(join(import.meta.dirname, 'tcp-binding.ts'))};
test('refused', () => {
  expect(isMainThread).toBe(false);
  expect(() => createHardwareTarget({ port: '/dev/ttyACM0' })).toThrow(expect.objectContaining({ code: 'HIL_CONFIG_INVALID', message: expect.stringContaining("pool: 'forks'") }));
  // A robot on another computer is a robot too: ser2net leaves it driving when the thread's socket goes.
  expect(() => createHardwareTarget({ port: 'tcp://127.0.0.1:4001', binding: createTcpBinding() })).toThrow(expect.objectContaining({ code: 'HIL_CONFIG_INVALID' }));
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
