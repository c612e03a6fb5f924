import { afterEach, describe, expect, it } from 'vitest';
import { createClock, type VirtualClock } from '../../harness/clock/index.ts';
import { createSimulatedMbot, type SimulatedMbot } from '../index.ts';
import { CMD, MODE, SYSEX } from '../../harness/mbot/firmata-constants.ts';
import type { FirmataMessage } from './firmata-parser.ts';
import { openRawHost, type RawHost } from './test-support.ts';

let clock: VirtualClock;
let sim: SimulatedMbot;
let host: RawHost;

async function setup(opts: Parameters<typeof createSimulatedMbot>[0] = {}): Promise<void> {
  clock = createClock('virtual');
  sim = createSimulatedMbot({ clock, resetDelayMs: 100, ...opts });
  host = openRawHost(sim.binding, sim.path);
  await clock.advance(120);
  host.messages.length = 0;
  host.bytes.length = 0;
}

afterEach(async () => {
  await host?.close();
  await sim?.close();
  clock?.dispose();
});

const sysex = (m: FirmataMessage, command: number): m is Extract<FirmataMessage, { kind: 'sysex' }> =>
  m.kind === 'sysex' && m.command === command;

function lastSysex(command: number): number[] {
  const found = host.messages.filter((m) => sysex(m, command));
  const m = found[found.length - 1];
  if (m === undefined || m.kind !== 'sysex') throw new Error(`no sysex 0x${command.toString(16)} received`);
  return m.data;
}

/** Splits a capability response body into per-pin lists of [mode, resolution]. */
function capabilityPins(data: number[]): Array<Array<[number, number]>> {
  const pins: Array<Array<[number, number]>> = [];
  let cur: Array<[number, number]> = [];
  for (let i = 0; i < data.length; ) {
    if (data[i] === 127) {
      pins.push(cur);
      cur = [];
      i++;
    } else {
      cur.push([data[i] ?? -1, data[i + 1] ?? -1]);
      i += 2;
    }
  }
  return pins;
}

describe('mCore firmware at the byte level', () => {
  it('announces REPORT_VERSION 2.5 and REPORT_FIRMWARE only after the reset delay', async () => {
    clock = createClock('virtual');
    sim = createSimulatedMbot({ clock, resetDelayMs: 2000 });
    host = openRawHost(sim.binding, sim.path);
    await clock.advance(1990);
    expect(host.bytes).toEqual([]);
    // 3 + 69 bytes at 57600 baud take ≈ 12.5 ms on the wire.
    await clock.advance(30);
    expect(host.bytes.slice(0, 3)).toEqual([0xf9, 2, 5]);
    const fw = lastSysex(SYSEX.REPORT_FIRMWARE);
    expect(fw.slice(0, 2)).toEqual([2, 5]);
    const name = String.fromCharCode(...fw.slice(2).filter((_, i) => i % 2 === 0));
    expect(name).toBe('mbot-hil-sim/StandardFirmata.ino');
  });

  it('ignores bytes sent while the bootloader runs', async () => {
    clock = createClock('virtual');
    sim = createSimulatedMbot({ clock, resetDelayMs: 500 });
    host = openRawHost(sim.binding, sim.path);
    await clock.advance(10);
    host.write([CMD.REPORT_VERSION]);
    await clock.advance(600);
    expect(host.messages.filter((m) => m.kind === 'report-version')).toHaveLength(1);
  });

  it('answers REPORT_VERSION and the firmware query at any time', async () => {
    await setup({ firmwareName: 'node_pixel_firmata.ino' });
    host.write([CMD.REPORT_VERSION, CMD.START_SYSEX, SYSEX.REPORT_FIRMWARE, CMD.END_SYSEX]);
    // 4 bytes out, 3 + 50 back at 57600 baud: ≈ 9.9 ms on the wire.
    await clock.advance(15);
    expect(host.messages[0]).toEqual({ kind: 'report-version', major: 2, minor: 5 });
    const fw = lastSysex(SYSEX.REPORT_FIRMWARE);
    expect(String.fromCharCode(...fw.slice(2).filter((_, i) => i % 2 === 0))).toBe('node_pixel_firmata.ino');
  });

  it('describes 22 pins; A6/A7 (20, 21) are analog-only', async () => {
    await setup();
    host.write([CMD.START_SYSEX, SYSEX.CAPABILITY_QUERY, CMD.END_SYSEX]);
    // The 255-byte reply takes ≈ 44 ms at 57600 baud.
    await clock.advance(60);
    const pins = capabilityPins(lastSysex(SYSEX.CAPABILITY_RESPONSE));
    expect(pins).toHaveLength(22);
    expect(pins[20]).toEqual([[MODE.ANALOG, 10]]);
    expect(pins[21]).toEqual([[MODE.ANALOG, 10]]);
    expect(pins[0]).toEqual([[MODE.SERIAL, 0]]);
    expect(pins[6]?.map(([m]) => m)).toEqual([MODE.INPUT, MODE.PULLUP, MODE.OUTPUT, MODE.PWM, MODE.SERVO, MODE.PING_READ]);
    expect(pins[8]?.map(([m]) => m)).not.toContain(MODE.PWM);
    expect(pins[14]?.map(([m]) => m)).toContain(MODE.ANALOG);
    expect(pins[18]?.map(([m]) => m)).toContain(MODE.I2C);
  });

  it('maps analog channels 0..7 to pins 14..21', async () => {
    await setup();
    host.write([CMD.START_SYSEX, SYSEX.ANALOG_MAPPING_QUERY, CMD.END_SYSEX]);
    await clock.advance(10);
    expect(lastSysex(SYSEX.ANALOG_MAPPING_RESPONSE)).toEqual([...Array(14).fill(127), 0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('reports pin state: mode and the 14-bit value written', async () => {
    await setup();
    host.write([CMD.SET_PIN_MODE, 6, MODE.PWM, CMD.ANALOG_MESSAGE | 6, 200 & 0x7f, 200 >> 7]);
    host.write([CMD.START_SYSEX, SYSEX.PIN_STATE_QUERY, 6, CMD.END_SYSEX]);
    host.write([CMD.START_SYSEX, SYSEX.PIN_STATE_QUERY, 20, CMD.END_SYSEX]);
    await clock.advance(10);
    const states = host.messages.filter((m) => sysex(m, SYSEX.PIN_STATE_RESPONSE)).map((m) => (m.kind === 'sysex' ? m.data : []));
    expect(states).toEqual([
      [6, MODE.PWM, 200 & 0x7f, 200 >> 7],
      [20, MODE.ANALOG, 0],
    ]);
    expect(sim.world.wheels.left).toBe(200);
  });

  it('survives garbage: stray data, truncated commands, unknown command bytes; resyncs on the next command', async () => {
    await setup();
    host.write([0x12, 0x7f, 0x00, CMD.ANALOG_MESSAGE | 6, 0x10, 0xf3, 0x01, 0xf1, 0xf0, 0x6b, 0x90]);
    host.write([CMD.REPORT_VERSION]);
    await clock.advance(5);
    expect(host.messages.filter((m) => m.kind === 'report-version')).toEqual([{ kind: 'report-version', major: 2, minor: 5 }]);
    expect(sim.world.wheels.left).toBe(0);
    expect(sim.status().booted).toBe(true);
  });

  it('drops an over-long sysex whole and keeps working', async () => {
    await setup();
    host.write([CMD.START_SYSEX, SYSEX.CAPABILITY_QUERY, ...Array(80).fill(1), CMD.END_SYSEX]);
    host.write([CMD.START_SYSEX, SYSEX.ANALOG_MAPPING_QUERY, CMD.END_SYSEX]);
    await clock.advance(40);
    expect(host.messages.some((m) => sysex(m, SYSEX.CAPABILITY_RESPONSE))).toBe(false);
    expect(host.messages.some((m) => sysex(m, SYSEX.ANALOG_MAPPING_RESPONSE))).toBe(true);
  });

  it('reports analog channels every sampling interval (0x7A honoured, floor 10 ms)', async () => {
    await setup();
    host.write([CMD.REPORT_ANALOG | 6, 1]);
    await clock.advance(5); // the enable is answered at once with one report
    expect(host.messages.filter((m) => m.kind === 'analog')).toHaveLength(1);
    host.messages.length = 0;
    await clock.advance(190);
    expect(host.messages.filter((m) => m.kind === 'analog' && m.channel === 6)).toHaveLength(10);
    host.write([CMD.START_SYSEX, SYSEX.SAMPLING_INTERVAL, 50, 0, CMD.END_SYSEX]);
    await clock.advance(2);
    host.messages.length = 0;
    await clock.advance(200);
    expect(host.messages.filter((m) => m.kind === 'analog')).toHaveLength(4);
    host.write([CMD.START_SYSEX, SYSEX.SAMPLING_INTERVAL, 2, 0, CMD.END_SYSEX]);
    await clock.advance(1);
    expect(sim.status().samplingIntervalMs).toBe(10);
  });

  it('reports a digital port at once when enabled, then only on change', async () => {
    await setup();
    // Line sensors on A2/A3 (16, 17): port 2, bits 0 and 1; the robot starts on the line (LOW = black).
    host.write([CMD.SET_PIN_MODE, 16, MODE.INPUT, CMD.SET_PIN_MODE, 17, MODE.INPUT, CMD.REPORT_DIGITAL | 2, 1]);
    await clock.advance(100);
    expect(host.messages.filter((m) => m.kind === 'digital-port')).toEqual([{ kind: 'digital-port', port: 2, value: 0 }]);
    sim.world.setPose({ xCm: 100, yCm: 80, headingRad: 0 });
    await clock.advance(30);
    expect(host.messages.filter((m) => m.kind === 'digital-port')).toEqual([
      { kind: 'digital-port', port: 2, value: 0 },
      { kind: 'digital-port', port: 2, value: 0b11 },
    ]);
  });

  it('notices the line follower crossing the line by itself while the robot drives (no one asking)', async () => {
    await setup({ world: { drive: { motorVariation: 0 } } });
    sim.world.setPose({ xCm: 100, yCm: 25, headingRad: Math.PI / 2 }); // 20 cm south of the line, facing it
    host.write([CMD.SET_PIN_MODE, 16, MODE.INPUT, CMD.SET_PIN_MODE, 17, MODE.INPUT, CMD.REPORT_DIGITAL | 2, 1]);
    // Motors: PWM on 6 and 5, DIR 7 LOW (left forward for the robot) and DIR 4 HIGH, both at 200.
    host.write([CMD.SET_PIN_MODE, 6, MODE.PWM, CMD.SET_PIN_MODE, 5, MODE.PWM, CMD.SET_PIN_MODE, 7, MODE.OUTPUT, CMD.SET_PIN_MODE, 4, MODE.OUTPUT]);
    host.write([CMD.DIGITAL_MESSAGE | 0, 1 << 4, 0, CMD.ANALOG_MESSAGE | 6, 200 & 0x7f, 200 >> 7, CMD.ANALOG_MESSAGE | 5, 200 & 0x7f, 200 >> 7]);
    const reports = (): number[] => host.messages.flatMap((m) => (m.kind === 'digital-port' && m.port === 2 ? [m.value] : []));
    let onLineAt = -1;
    for (let t = 0; t < 2000 && onLineAt < 0; t += 5) {
      await clock.advance(5);
      if (reports().includes(0)) onLineAt = clock.monotonicMs();
    }
    expect(reports()[0]).toBe(0b11); // both white at the start
    expect(onLineAt).toBeGreaterThan(0);
    // When the report arrived, the sensors (7.5 cm ahead of the axle) had just reached the line.
    const sensorsY = sim.world.pose.yCm + 7.5;
    expect(sensorsY).toBeGreaterThan(43);
    expect(sensorsY).toBeLessThan(46);
  });

  it('answers PING_READ with the echo time in firmata-io layout', async () => {
    await setup();
    const enc = (v: number): number[] => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].flatMap((b) => [b & 0x7f, b >> 7]);
    host.write([CMD.START_SYSEX, SYSEX.PING_READ, 10, 1, ...enc(5), ...enc(1_000_000), CMD.END_SYSEX]);
    await clock.advance(20);
    const d = lastSysex(SYSEX.PING_READ);
    expect(d).toHaveLength(10);
    const bytes = [0, 2, 4, 6, 8].map((i) => (d[i] ?? 0) | ((d[i + 1] ?? 0) << 7));
    expect(bytes[0]).toBe(10);
    const us = (bytes[1] ?? 0) * 2 ** 24 + (bytes[2] ?? 0) * 2 ** 16 + (bytes[3] ?? 0) * 2 ** 8 + (bytes[4] ?? 0);
    // Default start faces the east wall 89 cm from the bumper: ≈ 5190 µs.
    expect(us / 58.31).toBeGreaterThan(87);
    expect(us / 58.31).toBeLessThan(91);
  });

  it('ignores a sysex it does not implement, as StandardFirmata does (no STRING_DATA Johnny-Five would emit as a string event)', async () => {
    await setup();
    host.write([CMD.START_SYSEX, 0x42, 1, 2, CMD.END_SYSEX, CMD.START_SYSEX, 0x51, 0x7e, CMD.END_SYSEX, CMD.REPORT_VERSION]);
    await clock.advance(10);
    expect(host.messages.filter((m) => sysex(m, SYSEX.STRING_DATA))).toEqual([]);
    expect(host.messages.some((m) => m.kind === 'report-version')).toBe(true);
  });

  it('replies STRING_DATA for a sysex it does not implement when asked to (reportUnsupportedSysex, a debugging aid)', async () => {
    await setup({ reportUnsupportedSysex: true });
    host.write([CMD.START_SYSEX, 0x42, 1, 2, CMD.END_SYSEX]);
    await clock.advance(10);
    const s = lastSysex(SYSEX.STRING_DATA);
    expect(String.fromCharCode(...s.filter((_, i) => i % 2 === 0))).toBe('unsupported sysex 0x42');
  });

  it('drives the WS2812 pair on pin 13 with node-pixel sysex (config, set pixel, set strip, shift, show)', async () => {
    await setup();
    const color = (c: number): number[] => [c & 0x7f, (c >> 7) & 0x7f, (c >> 14) & 0x7f, (c >> 21) & 0x7f];
    const px = (...data: number[]): number[] => [CMD.START_SYSEX, 0x51, ...data, CMD.END_SYSEX];
    host.write(px(0x01, 13, 2, 0));
    host.write(px(0x03, 0, 0, ...color(0xff0000)));
    host.write(px(0x03, 1, 0, ...color(0x00ff80)));
    await clock.advance(5);
    expect(sim.world.leds[0]).toEqual({ r: 0, g: 0, b: 0 });
    host.write(px(0x02));
    await clock.advance(5);
    expect(sim.world.leds).toEqual([{ r: 255, g: 0, b: 0 }, { r: 0, g: 255, b: 128 }]);
    host.write([...px(0x05, 1 | 0x20 | 0x40), ...px(0x02)]);
    await clock.advance(5);
    expect(sim.world.leds).toEqual([{ r: 0, g: 255, b: 128 }, { r: 255, g: 0, b: 0 }]);
    host.write([...px(0x04, ...color(0x0000ff)), ...px(0x02)]);
    await clock.advance(5);
    expect(sim.world.leds).toEqual([{ r: 0, g: 0, b: 255 }, { r: 0, g: 0, b: 255 }]);
  });

  it('maps servo writes through SERVO_CONFIG onto the pen', async () => {
    await setup();
    // 1000..2000 µs range; 1500 µs is mid travel = 90°.
    host.write([CMD.START_SYSEX, SYSEX.SERVO_CONFIG, 11, 1000 & 0x7f, 1000 >> 7, 2000 & 0x7f, 2000 >> 7, CMD.END_SYSEX]);
    host.write([CMD.ANALOG_MESSAGE | 11, 1500 & 0x7f, 1500 >> 7]);
    await clock.advance(5);
    expect(sim.world.penServoDeg).toBeCloseTo(90, 5);
    expect(sim.world.penDown).toBe(true);
    host.write([CMD.ANALOG_MESSAGE | 11, 10, 0]); // below 544: degrees
    await clock.advance(5);
    expect(sim.world.penServoDeg).toBeCloseTo(10, 5);
    expect(sim.world.penDown).toBe(false);
  });

  it('SYSTEM_RESET stops reporting and returns pins to defaults without re-announcing', async () => {
    await setup();
    host.write([CMD.SET_PIN_MODE, 6, MODE.PWM, CMD.ANALOG_MESSAGE | 6, 100, 0, CMD.REPORT_ANALOG | 6, 1]);
    await clock.advance(50);
    host.write([CMD.SYSTEM_RESET]);
    await clock.advance(2);
    host.messages.length = 0;
    await clock.advance(100);
    expect(host.messages).toEqual([]);
    expect(sim.pinMode(6)).toBe(MODE.OUTPUT);
    expect(sim.world.wheels.left).toBe(0);
  });
});
