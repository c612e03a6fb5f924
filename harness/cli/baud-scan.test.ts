import { describe, expect, test } from 'vitest';
import { HilError } from '../errors.ts';
import { readTargetSettings, type TargetSettings } from '../targets/select-target.ts';
import type { Target } from '../targets/target.ts';
import { connectScanningRates } from './baud-scan.ts';

/** Targets that answer only at `answersAt` (and fail with `otherError` when given); records the rates opened and disposals. */
function fakeBoard(answersAt: number | null, otherError?: Error) {
  const opened: number[] = [];
  let disposed = 0;
  const create = async (s: TargetSettings): Promise<Target> => {
    opened.push(s.baudRate);
    return {
      connect: async () => {
        if (otherError) throw otherError;
        if (s.baudRate !== answersAt) throw new HilError('HIL_FIRMWARE_TIMEOUT', `no Firmata handshake at ${s.baudRate}`);
        return { firmware: { name: 'mbotFirmata.ino', version: '2.5' } };
      },
      dispose: async () => {
        disposed++;
      },
    } as unknown as Target;
  };
  return { create, opened, disposed: () => disposed };
}

describe('scanning baud rates', () => {
  test('tries the configured rate, then the common ones in order, and disposes each one that did not answer', async () => {
    const board = fakeBoard(9600);
    const r = await connectScanningRates(readTargetSettings({ HIL_TARGET: 'hardware' }), { create: board.create });
    expect(board.opened).toEqual([57600, 115200, 9600]);
    expect(board.disposed()).toBe(2);
    expect(r.baud).toMatchObject({ configured: 57600, answeredAt: 9600, tried: [{ baudRate: 57600, answered: false }, { baudRate: 115200, answered: false }, { baudRate: 9600, answered: true }] });
    expect(r.baud.advice).toBe('the board answers at 9600 baud, not 57600: set HIL_BAUD=9600');
  });

  test('no rate answers: HIL_FIRMWARE_TIMEOUT naming every rate tried', async () => {
    const board = fakeBoard(null);
    const err = await connectScanningRates(readTargetSettings({ HIL_TARGET: 'hardware', HIL_BAUD: '115200' }), { create: board.create }).catch((e: unknown) => e);
    expect(board.opened).toEqual([115200, 57600, 9600, 38400, 19200]);
    expect(board.disposed()).toBe(5);
    expect((err as HilError).code).toBe('HIL_FIRMWARE_TIMEOUT');
    expect((err as Error).message).toMatch(/no Firmata handshake at 115200 mbot-hil doctor also tried 57600, 9600, 38400, 19200 baud: the board answered at none of them/);
  });

  test('an error another rate cannot fix (no port) ends the scan at once', async () => {
    const board = fakeBoard(57600, new HilError('HIL_PORT_NOT_FOUND', 'no serial ports at all'));
    await expect(connectScanningRates(readTargetSettings({ HIL_TARGET: 'hardware' }), { create: board.create })).rejects.toMatchObject({ code: 'HIL_PORT_NOT_FOUND' });
    expect(board.opened).toEqual([57600]);
    expect(board.disposed()).toBe(1);
  });
});
