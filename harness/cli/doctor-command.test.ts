import { describe, expect, test } from 'vitest';
import type { FirmataIo } from '../targets/vendor.ts';
import { doctorCommand, mbotChecks } from './doctor-command.ts';

/** A board announcing 22 pins; `drop` removes modes from pins to fake a poorer firmware. */
function fakeIo(drop: Record<number, number[]> = {}): FirmataIo {
  const pins = Array.from({ length: 22 }, (_, pin) => {
    const analog = pin >= 14;
    let modes = pin >= 20 ? [2] : pin <= 1 ? [10] : [0, 1, 3, 4, 11, 0x75, ...(analog ? [2] : [])];
    modes = modes.filter((m) => !(drop[pin] ?? []).includes(m));
    return { supportedModes: modes, analogChannel: analog ? pin - 14 : 127 };
  });
  return { pins, analogPins: pins.map((_, i) => i).filter((i) => i >= 14) } as unknown as FirmataIo;
}

describe('doctor', () => {
  test('finds nothing missing on a full StandardFirmata with node-pixel', () => {
    expect(mbotChecks(fakeIo(), 'johnny-five-examples', 'node_pixel_firmata.ino').every((c) => c.ok)).toBe(true);
  });

  test('names what is missing and how to fix it', () => {
    const checks = mbotChecks(fakeIo({ 10: [0x75], 6: [3] }), 'johnny-five-examples', 'StandardFirmata.ino');
    const missing = checks.filter((c) => !c.ok);
    expect(missing.map((c) => c.part)).toEqual(['left motor', 'ultrasonic', 'RGB LEDs']);
    expect(missing[1]!.hint).toMatch(/ping-read/);
    expect(missing[2]!.hint).toMatch(/node_pixel_firmata/);
  });

  test('follows the wiring profile', () => {
    const checks = mbotChecks(fakeIo({ 17: [0x75] }), 'assembly-guide', 'node_pixel_firmata.ino');
    expect(checks.find((c) => c.part === 'ultrasonic')).toMatchObject({ ok: false, needs: 'A3 (17) PING_READ' });
  });

  test('rejects contradictory arguments as a usage error', async () => {
    const io = { out: { write: () => true }, err: { write: () => true } };
    await expect(doctorCommand.run(['--sim', '--port', '/dev/x'], io)).rejects.toThrow(/--sim or --port/);
    await expect(doctorCommand.run(['--samples', '0'], io)).rejects.toThrow(/--samples/);
  });
});
