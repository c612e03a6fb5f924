// The real-firmware target end to end: HIL_PORT=avr:... resolves to the
// emulated ATmega328P running StandardFirmata 2.4; firmata-io and Johnny-Five
// connect through serialport as to a board; the firmware's PWM drives the
// world's wheels; the jig says what the firmware cannot serve; a wrong baud
// rate reads garbage and times out like a bench.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isHilError } from '../errors.ts';
import { createAvrTarget, type AvrTarget } from './avr-target.ts';
import { createTarget, readTargetSettings } from './select-target.ts';
import type { Target } from './target.ts';

// Each connect emulates ≈ 2 s of the chip (its version blink): ≈ 0.5–2 s of CPU depending on the machine's load.
const EMULATION_BUDGET_MS = 30_000;

const targets: Target[] = [];
let dir: string | undefined;
afterEach(async () => {
  for (const t of targets.splice(0)) await t.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('HIL_PORT=avr:<image>', () => {
  it('a missing file is HIL_CONFIG_INVALID naming the bundled images', async () => {
    const settings = readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: 'avr:/nonexistent/fw.hex' });
    const err = await rejection(createTarget(settings));
    expect(isHilError(err, 'HIL_CONFIG_INVALID')).toBe(true);
    expect(err.message).toMatch(/no readable file at \/nonexistent\/fw\.hex .*standard-firmata, node-pixel-firmata/);
  });

  it('a file that is not Intel HEX is HIL_AVR_HEX_INVALID naming the line', async () => {
    dir = mkdtempSync(join(tmpdir(), 'avr-target-test-'));
    const path = join(dir, 'sketch.hex');
    writeFileSync(path, 'void setup() {}\n');
    const err = await rejection(createTarget(readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: `avr:${path}` })));
    expect(isHilError(err, 'HIL_AVR_HEX_INVALID')).toBe(true);
    expect(err.message).toContain(`${path}:1: not an Intel HEX record`);
  });

  it('a file too large to be an ATmega328P image is refused before it is read', async () => {
    dir = mkdtempSync(join(tmpdir(), 'avr-target-test-'));
    const path = join(dir, 'huge.hex');
    writeFileSync(path, Buffer.alloc(2 << 20, 0x3a));
    const err = await rejection(createTarget(readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: `avr:${path}` })));
    expect(isHilError(err, 'HIL_AVR_HEX_INVALID')).toBe(true);
    expect(err.message).toMatch(/2097152 bytes is larger than any ATmega328P image/);
  });

  it('connects Johnny-Five to StandardFirmata 2.4 at 57600; its PWM turns the wheels; the jig lists what the firmware cannot serve', async () => {
    const target = (await createTarget(readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: 'avr:standard-firmata' }))) as AvrTarget;
    targets.push(target);
    expect(target.info).toMatchObject({ kind: 'hardware', port: 'avr:standard-firmata' });
    const live = await target.connect();
    expect(live.firmware).toEqual({ name: 'StandardFirmata.ino', version: '2.4' });
    // Announced after the version blink (≈ 1.88 s), not asked for.
    expect(live.handshakeMs).toBeGreaterThan(1800);
    expect(live.handshakeMs).toBeLessThan(2500);
    expect(live.io.pins).toHaveLength(20);

    const jig = target.jig;
    expect([...(jig?.capabilities ?? [])].sort()).toEqual(['buzzer', 'noise', 'odometer', 'pen', 'pose', 'unplug']);
    expect(jig?.name).toMatch(/cannot serve light-sensor: it has no A6 \(20 pins\); button: it has no A7.*line-follower: Johnny-Five takes pins 16\/17.*obstacle: it has no PING_READ/);

    // Right motor: PWM 5 = 180, DIR 4 HIGH (forward); left: PWM 6 = 90, DIR 7 LOW (mirrored: forward).
    const { io } = live;
    const PWM = 3;
    const OUTPUT = 1;
    io.pinMode(5, PWM);
    io.pinMode(4, OUTPUT);
    io.pinMode(6, PWM);
    io.pinMode(7, OUTPUT);
    io.digitalWrite(4, 1);
    io.digitalWrite(7, 0);
    io.analogWrite(5, 180);
    io.analogWrite(6, 90);
    await target.clock.sleep(20);
    expect(target.avr.world.wheels).toEqual({ left: 90, right: 180 });

    // Pen servo on D11: the Servo library's timer-1 pulses (1472 µs for 90°) lower the pen.
    io.sysexCommand([0x70, 11, 544 & 0x7f, 544 >> 7, 2400 & 0x7f, 2400 >> 7]); // SERVO_CONFIG
    io.pinMode(11, 4); // SERVO
    io.analogWrite(11, 90);
    await target.clock.sleep(60);
    expect(target.avr.world.penServoDeg).toBeGreaterThanOrEqual(89);
    expect(target.avr.world.penServoDeg).toBeLessThanOrEqual(91);
    expect(target.avr.world.penDown).toBe(true);

    // Buzzer on D8 toggled every 2 ms by the host, as Johnny-Five's Piezo does: 250 Hz from the pin's edges.
    io.pinMode(8, OUTPUT);
    for (let i = 0; i < 60; i++) {
      io.digitalWrite(8, i % 2 === 0 ? 1 : 0);
      await target.clock.sleep(2);
    }
    expect(target.avr.world.toneHz).toBeGreaterThan(240);
    expect(target.avr.world.toneHz).toBeLessThan(260);
    // close() = safe stop first: the firmware drives PWM 0, so the wheels stop.
    await target.close();
    await target.clock.sleep(5);
    expect(target.avr.world.wheels).toEqual({ left: 0, right: 0 });
  }, EMULATION_BUDGET_MS);

  it('at 115200 (HIL_BAUD) the host reads framing garbage and the handshake times out naming what arrived', async () => {
    const target = await createAvrTarget({ image: 'standard-firmata', baudRate: 115_200, firmwareTimeoutMs: 2500 });
    targets.push(target);
    const err = await rejection(target.connect());
    expect(isHilError(err, 'HIL_FIRMWARE_TIMEOUT')).toBe(true);
    expect(err.message).toMatch(/received \d+ byte\(s\): .* no REPORT_VERSION \(0xF9\) among them: the baud rate may be wrong/);
  }, EMULATION_BUDGET_MS);
});
