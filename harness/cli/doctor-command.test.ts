import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { FirmataIo } from '../targets/vendor.ts';
import { socatAvailable } from '../../simulators/pty/socat.ts';
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

/** Runs `doctor` with `argv` and extra environment, collecting what it prints. */
async function runDoctor(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  let out = '';
  let err = '';
  try {
    const code = await doctorCommand.run(argv, { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) } });
    return { code, out, err };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * The simulator of the `--sim` tests boots in 300 ms (a simulator profile), as
 * the PTY stand-in does, not a real board's 2 s: the handshake timeout can then
 * be 1.5 s and still leave more room after the announce than 2.6 s left after 2 s.
 */
const FAST_BOOT: Record<string, string> = { HIL_FIRMWARE_TIMEOUT_MS: '1500' };
/**
 * The same 300 ms boot with the simulator's default handshake timeout (5 s), where the first rate
 * answers: waiting for the answer costs nothing, so a busy machine's slow answer is not cut at 1.5 s.
 */
const FAST_BOOT_DEFAULT_TIMEOUT: Record<string, string> = {};
beforeAll(() => {
  const file = join(mkdtempSync(join(tmpdir(), 'hil-doctor-')), 'fast-boot.profile.json');
  writeFileSync(file, JSON.stringify({ format: 'mbot-hil/sim-profile@1', name: 'boots in 300 ms', board: { resetDelayMs: 300 } }));
  FAST_BOOT.HIL_SIM_PROFILE = file;
  FAST_BOOT_DEFAULT_TIMEOUT.HIL_SIM_PROFILE = file;
});

describe('doctor finds the baud rate the board answers at', () => {
  test('the simulator (mBot Firmata over USB, 57600) opened at 115200: no answer, then 57600 answers and doctor says to set it', async () => {
    // Real time: 1.5 s of garbage at 115200, then the announce 300 ms after the reopen at 57600.
    const r = await runDoctor(['--sim', '--baud', '115200', '--samples', '3'], FAST_BOOT);
    expect(r.err).toContain('no Firmata answer at 115200 baud; trying 57600');
    expect(r.out).toMatch(/baud: +57600 answered; 115200 did not \(tried 115200, 57600\): the board answers at 57600 baud, not 115200: set HIL_BAUD=57600 \(or HIL_FIRMWARE=mbot-usb \/ HIL_FIRMWARE=standard-firmata/);
    expect(r.out).toMatch(/missing: baud rate/);
    expect(r.code).toBe(1);
  }, 20_000);

  test('at the right rate it says so and adds nothing to fix', async () => {
    const r = await runDoctor(['--sim', '--samples', '3', '--json'], FAST_BOOT_DEFAULT_TIMEOUT);
    const report = JSON.parse(r.out) as { baud: { configured: number; answeredAt: number; advice?: string }; missing: string[] };
    expect(report.baud).toMatchObject({ configured: 57600, answeredAt: 57600 });
    expect(report.baud.advice).toBeUndefined();
    expect(report.missing).not.toContain('baud rate');
    expect(r.err).toBe('');
  }, 20_000);

  test.skipIf(!socatAvailable())('the PTY stand-in opened at 115200 (HIL_BAUD): doctor names 57600 (needs socat)', async () => {
    // The stand-in boots in 300 ms too: 1.5 s of handshake timeout (its default is 3 s) per rate tried.
    const r = await runDoctor(['--port', 'sim-pty', '--samples', '3'], { HIL_BAUD: '115200', HIL_FIRMWARE_TIMEOUT_MS: '1500' });
    expect(r.err).toContain('no Firmata answer at 115200 baud; trying 57600');
    expect(r.out).toContain('set HIL_BAUD=57600');
    expect(r.code).toBe(1);
  }, 20_000);
});
