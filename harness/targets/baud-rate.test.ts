// Targets open at the firmware profile's rate (57600 for Makeblock's mBot
// Firmata over USB, the default); HIL_BAUD overrides it, and a wrong rate
// fails on the simulator and on the PTY stand-in as it would on a bench.
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { isHilError } from '../errors.ts';
import { socatAvailable } from '../../simulators/pty/socat.ts';
import { startPtyStandIn } from '../../simulators/pty/pty-stand-in.ts';
import { createHardwareTarget, DEFAULT_BAUD_RATE } from './hardware-target.ts';
import { createTarget, readTargetSettings } from './select-target.ts';
import { createSimTarget } from './sim-target.ts';

const require = createRequire(import.meta.url);

describe('which rate a target opens at', () => {
  test('no HIL_BAUD, no HIL_FIRMWARE: mbot-usb at 57600; HIL_FIRMWARE picks the profile; HIL_BAUD overrides', () => {
    expect(DEFAULT_BAUD_RATE).toBe(57600);
    expect(readTargetSettings({})).toMatchObject({ firmware: 'mbot-usb', baudRate: 57600, baudRateFromEnv: false });
    expect(readTargetSettings({ HIL_FIRMWARE: 'mbot-bluetooth' })).toMatchObject({ baudRate: 115200, baudRateFromEnv: false });
    expect(readTargetSettings({ HIL_FIRMWARE: 'standard-firmata' })).toMatchObject({ baudRate: 57600 });
    expect(readTargetSettings({ HIL_FIRMWARE: 'mbot-bluetooth', HIL_BAUD: '9600' })).toMatchObject({ baudRate: 9600, baudRateFromEnv: true });
    expect(() => readTargetSettings({ HIL_FIRMWARE: 'grbl' })).toThrow(/HIL_CONFIG_INVALID: HIL_FIRMWARE=grbl is not valid; it accepts 'mbot-usb', 'mbot-bluetooth', 'standard-firmata'/);
    expect(() => readTargetSettings({ HIL_BAUD: 'fast' })).toThrow(/HIL_BAUD=fast/);
  });

  test('the sim target connects at its profile\'s rate with no HIL_BAUD, for either mBot build', async () => {
    for (const env of [{}, { HIL_FIRMWARE: 'mbot-bluetooth' }]) {
      const target = await createTarget(readTargetSettings({ ...env, HIL_TARGET: 'sim' }));
      try {
        const c = await target.connect();
        expect(c.io.isReady).toBe(true);
        expect((c.port as unknown as { baudRate: number }).baudRate).toBe(env.HIL_FIRMWARE === 'mbot-bluetooth' ? 115200 : 57600);
      } finally {
        await target.dispose();
      }
    }
  });

  test('HIL_BAUD=115200 on the sim target: HIL_FIRMWARE_TIMEOUT naming the rate, where it came from, and doctor', async () => {
    const target = createSimTarget({ seed: 1, baudRate: 115200 });
    try {
      const err = await target.connect().then(() => null, (e: unknown) => e);
      expect(isHilError(err, 'HIL_FIRMWARE_TIMEOUT')).toBe(true);
      const msg = (err as Error).message;
      expect(msg).toContain('The port was opened at 115200 baud (HIL_BAUD)');
      expect(msg).toContain('mbot-usb 57600');
      expect(msg).toContain('mbot-bluetooth 115200');
      expect(msg).toContain('mbot-hil doctor');
      expect(msg).not.toMatch(/StandardFirmata \(115200/);
      // Both ways garbled: the board's UART read the host's bytes with framing errors.
      expect(target.sim.trace.deviceEvents({ kind: 'uart-framing', dir: 'to-device' }).length).toBeGreaterThan(0);
    } finally {
      await target.dispose();
    }
  });
});

describe.skipIf(!socatAvailable())('the PTY stand-in as a hardware target (needs socat)', () => {
  test('HIL_PORT=sim-pty with no HIL_BAUD connects at 57600', async () => {
    const target = await createTarget(readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: 'sim-pty', HIL_SEED: '5' }));
    try {
      const c = await target.connect();
      expect(c.io.isReady).toBe(true);
      expect((c.port as unknown as { baudRate: number }).baudRate).toBe(57600);
    } finally {
      await target.dispose();
    }
  });

  test('HIL_PORT=sim-pty with HIL_BAUD=115200 fails as a bench would: HIL_FIRMWARE_TIMEOUT naming HIL_BAUD', async () => {
    const target = await createTarget(readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: 'sim-pty', HIL_BAUD: '115200', HIL_FIRMWARE_TIMEOUT_MS: '1500' }));
    try {
      const err = await target.connect().then(() => null, (e: unknown) => e);
      expect(isHilError(err, 'HIL_FIRMWARE_TIMEOUT')).toBe(true);
      expect((err as Error).message).toContain('The port was opened at 115200 baud (HIL_BAUD)');
    } finally {
      await target.dispose();
    }
  });

  test('a Johnny-Five program that opens the PTY by path, with no baud option, drives the robot behind it', async () => {
    const standIn = await startPtyStandIn({ seed: 2, resetDelayMs: 0 });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let board: any;
    try {
      const five = require('johnny-five') as { Board: new (o: object) => unknown; Motor: new (o: object) => { reverse(s: number): void; stop(): void } };
      board = new five.Board({ port: standIn.hostPath, repl: false, debug: false, sigint: false, timeout: 10_000 });
      const ready = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 10_000);
        board.on('ready', () => {
          clearTimeout(t);
          resolve(true);
        });
        board.on('error', () => {
          clearTimeout(t);
          resolve(false);
        });
      });
      expect(ready).toBe(true);
      expect(board.io.transport.baudRate ?? board.io.transport.settings?.baudRate).toBe(57600);
      const left = new five.Motor({ pins: { pwm: 6, dir: 7 }, board });
      left.reverse(160);
      const until = Date.now() + 2000;
      while (standIn.sim.world.wheels.left !== 160 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      expect(standIn.sim.world.wheels.left).toBe(160);
      left.stop();
      await new Promise((r) => setTimeout(r, 50));
      expect(standIn.sim.trace.deviceEvents({ kind: 'uart-framing' })).toEqual([]);
    } finally {
      if (board?.io?.transport?.isOpen) await new Promise<void>((r) => board.io.transport.close(() => r()));
      await standIn.close();
    }
  });

  test('a hardware target given an explicit profile opens at its rate: mbot-bluetooth (115200) reads garbage from the 57600 stand-in', async () => {
    const standIn = await startPtyStandIn({ seed: 4, resetDelayMs: 0 });
    const target = createHardwareTarget({ port: standIn.hostPath, firmware: 'mbot-bluetooth', firmwareTimeoutMs: 1500, versionQueryAfterMs: 100, release: () => standIn.close() });
    try {
      const err = await target.connect().then(() => null, (e: unknown) => e);
      expect(isHilError(err, 'HIL_FIRMWARE_TIMEOUT')).toBe(true);
      expect((err as Error).message).toContain('opened at 115200 baud (the rate of HIL_FIRMWARE=mbot-bluetooth');
      expect(standIn.sim.trace.deviceEvents({ kind: 'uart-framing', dir: 'to-device' })[0]).toMatchObject({ senderBaud: 115200, receiverBaud: 57600 });
    } finally {
      await target.dispose();
    }
  });
});
