/**
 * Johnny-Five end to end on the simulator, on a virtual clock: a real
 * SerialPortStream over the simulator's binding, real firmata-io, real
 * Johnny-Five components. Components get `board` explicitly because
 * Johnny-Five mounts on the first board ever created in the process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createClock, type VirtualClock } from '../../harness/clock/index.ts';
import { createSimulatedMbot, predictStraightDistanceCm, type SimulatedMbot, type SimulatedMbotOptions } from '../index.ts';
import { advanceUntil, five, startBoard, type FirmataHost, type PortStream } from './test-support.ts';

let clock: VirtualClock;
let sim: SimulatedMbot;
let port: PortStream;
let io: FirmataHost;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let board: any;

async function boot(opts: SimulatedMbotOptions = {}): Promise<number> {
  clock = createClock('virtual', { install: true });
  sim = createSimulatedMbot({ clock, resetDelayMs: 200, ...opts });
  ({ port, io, board } = startBoard(sim.binding, sim.path));
  const t0 = clock.monotonicMs();
  let ready = false;
  board.on('ready', () => (ready = true));
  expect(await advanceUntil(clock, () => ready, 6000)).toBe(true);
  return clock.monotonicMs() - t0;
}

afterEach(async () => {
  if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
  await sim?.close();
  clock?.dispose();
});

describe('Johnny-Five on the simulated mBot (virtual clock)', () => {
  it('reaches ready right after the 2 s reset, without waiting for the 5 s version timeout', async () => {
    const ms = await boot({ resetDelayMs: 2000 });
    expect(ms).toBeGreaterThanOrEqual(2000);
    expect(ms).toBeLessThan(2200);
    expect(io.firmware.name).toBe(sim.firmware.name);
    expect(io.pins).toHaveLength(22);
    expect(io.analogPins).toEqual([14, 15, 16, 17, 18, 19, 20, 21]);
    // The host never had to ask: the board announced itself.
    expect(sim.trace.decoded({ kind: 'query-version' })).toEqual([]);
  });

  it('Motor pins 6/7 + 5/4: left.reverse + right.forward drives forward the predicted distance', async () => {
    await boot({ world: { drive: { motorVariation: 0 } } });
    const left = new five.Motor({ pins: { pwm: 6, dir: 7 }, board });
    const right = new five.Motor({ pins: { pwm: 5, dir: 4 }, board });
    await clock.advance(10);
    const start = sim.world.pose;
    left.reverse(200);
    right.forward(200);
    await clock.advance(1000);
    const end = sim.world.pose;
    left.stop();
    right.stop();
    await clock.advance(300);
    expect(end.xCm - start.xCm).toBeCloseTo(predictStraightDistanceCm(200, 1000), 0);
    expect(Math.abs(end.yCm - start.yCm)).toBeLessThan(0.05);
    expect(sim.world.wheels).toEqual({ left: 0, right: 0 });
    // And the mirror image goes backwards.
    const back = sim.world.pose.xCm;
    left.forward(200);
    right.reverse(200);
    await clock.advance(500);
    expect(sim.world.pose.xCm).toBeLessThan(back - 5);
  });

  it('Proximity HCSR04 on pin 10 reads the wall ahead (89 cm)', async () => {
    await boot();
    const prox = new five.Proximity({ controller: 'HCSR04', pin: 10, board });
    let cm: number | undefined;
    prox.on('data', function (this: { cm: number }) {
      cm = this.cm;
    });
    await clock.advance(300);
    expect(cm).toBeDefined();
    expect(Math.abs((cm ?? 0) - 89)).toBeLessThan(1.5);
  });

  it("Sensor('A6') follows the light level", async () => {
    await boot();
    const light = new five.Sensor({ pin: 'A6', board });
    let value = -1;
    light.on('data', function (this: { value: number }) {
      value = this.value;
    });
    await clock.advance(100);
    expect(Math.abs(value - 500)).toBeLessThan(12);
    sim.world.setLightLevel(900);
    await clock.advance(100);
    expect(Math.abs(value - 900)).toBeLessThan(12);
  });

  it("Button on A7 needs controller 'TINKERKIT' + invert (A7 is analog-only and reads 0 when pressed)", async () => {
    await boot();
    // DEFAULT reads A7 digitally, which cannot work on an analog-only pin (as on a real mCore).
    // Made first: its SET_PIN_MODE INPUT switches A7's analog reporting off, TINKERKIT's analogRead switches it back on.
    const naive = new five.Button({ pin: 'A7', board });
    const button = new five.Button({ pin: 'A7', controller: 'TINKERKIT', invert: true, board });
    const events: string[] = [];
    button.on('down', () => events.push('down'));
    button.on('up', () => events.push('up'));
    naive.on('down', () => events.push('naive-down'));
    await clock.advance(100);
    sim.world.pressButton();
    await clock.advance(100);
    expect(button.isDown).toBe(true);
    sim.world.releaseButton();
    await clock.advance(100);
    expect(events).toEqual(['down', 'up']);
  });

  it('Piezo(8) frequency is seen by the world while it plays, silence after', async () => {
    await boot();
    const piezo = new five.Piezo({ pin: 8, board });
    piezo.frequency(220, 400);
    await clock.advance(250);
    expect(Math.abs(sim.world.toneHz - 220)).toBeLessThanOrEqual(5);
    await clock.advance(400);
    expect(sim.world.toneHz).toBe(0);
  });

  it('Servo on the pen pin draws strokes while down', async () => {
    await boot();
    const pen = new five.Servo({ pin: sim.wiring.penServoPin, board });
    const left = new five.Motor({ pins: { pwm: 6, dir: 7 }, board });
    const right = new five.Motor({ pins: { pwm: 5, dir: 4 }, board });
    pen.to(90);
    await clock.advance(50);
    expect(sim.world.penDown).toBe(true);
    left.reverse(180);
    right.forward(180);
    await clock.advance(600);
    left.stop();
    right.stop();
    pen.to(0);
    await clock.advance(100);
    expect(sim.world.penDown).toBe(false);
    expect(sim.world.strokes).toHaveLength(1);
    expect(sim.world.strokes[0]?.points.length).toBeGreaterThan(10);
  });

  it('assembly-guide wiring: ultrasonic on A3, line follower on 9 (left) / 10 (right)', async () => {
    await boot({ wiring: 'assembly-guide' });
    const prox = new five.Proximity({ controller: 'HCSR04', pin: 'A3', board });
    let cm: number | undefined;
    prox.on('data', function (this: { cm: number }) {
      cm = this.cm;
    });
    const line: Record<number, number> = {};
    for (const pin of [9, 10]) {
      (io as unknown as { pinMode(p: number, m: number): void }).pinMode(pin, 0);
      (io as unknown as { digitalRead(p: number, cb: (v: number) => void): void }).digitalRead(pin, (v) => (line[pin] = v));
    }
    await clock.advance(300);
    expect(Math.abs((cm ?? 0) - 89)).toBeLessThan(1.5);
    expect(line).toEqual({ 9: 0, 10: 0 }); // on the black line
    sim.world.setPose({ xCm: 100, yCm: 80, headingRad: 0 });
    await clock.advance(50);
    expect(line).toEqual({ 9: 1, 10: 1 });
  });

  it('same seed → same trace digest; another seed → another', async () => {
    const run = async (seed: number): Promise<string> => {
      await boot({ seed });
      const light = new five.Sensor({ pin: 'A6', board });
      light.on('data', () => undefined);
      const prox = new five.Proximity({ controller: 'HCSR04', pin: 10, board });
      prox.on('data', () => undefined);
      const left = new five.Motor({ pins: { pwm: 6, dir: 7 }, board });
      const right = new five.Motor({ pins: { pwm: 5, dir: 4 }, board });
      left.reverse(150);
      right.forward(150);
      await clock.advance(400);
      left.stop();
      right.stop();
      await clock.advance(100);
      const digest = sim.trace.digest();
      await new Promise<void>((r) => port.close(() => r()));
      await sim.close();
      clock.dispose();
      return digest;
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('keeps working through a noisy link and injected corruption', async () => {
    await boot({ link: { corruptRate: 0.002, dropRate: 0.001 } });
    const light = new five.Sensor({ pin: 'A6', board });
    const values: number[] = [];
    light.on('data', function (this: { value: number }) {
      values.push(this.value);
    });
    const left = new five.Motor({ pins: { pwm: 6, dir: 7 }, board });
    const right = new five.Motor({ pins: { pwm: 5, dir: 4 }, board });
    for (let i = 0; i < 20; i++) {
      sim.faults.corruptNext(3, i % 2 === 0 ? 'to-host' : 'to-device');
      left.reverse(120 + i);
      right.forward(120 + i);
      await clock.advance(100);
    }
    left.stop();
    right.stop();
    await clock.advance(200);
    expect(sim.trace.entries().filter((e) => e.delivered !== e.byte).length).toBeGreaterThan(40);
    expect(values.length).toBeGreaterThan(50);
    expect(Math.abs((values.at(-1) ?? 0) - 500)).toBeLessThan(12);
    expect(sim.status().booted).toBe(true);
  });

  it('unplug: the SerialPortStream closes with a disconnected error; the robot keeps going; replug + reopen resets it', async () => {
    await boot();
    const left = new five.Motor({ pins: { pwm: 6, dir: 7 }, board });
    const right = new five.Motor({ pins: { pwm: 5, dir: 4 }, board });
    left.reverse(150);
    right.forward(150);
    await clock.advance(50);
    let closeErr: { disconnected?: boolean } | null | undefined;
    port.on('close', (err: { disconnected?: boolean } | null) => (closeErr = err));
    sim.faults.unplug();
    await clock.advance(5);
    expect(closeErr?.disconnected).toBe(true);
    expect(port.isOpen).toBe(false);
    expect(await sim.binding.list()).toEqual([]);
    await expect(sim.binding.open({ path: sim.path, baudRate: sim.firmware.baudRate })).rejects.toThrow(/No such file or directory/);
    expect(sim.world.wheels).toEqual({ left: 150, right: 150 }); // battery powered: still driving

    sim.faults.replug();
    ({ port, io, board } = startBoard(sim.binding, sim.path));
    let ready = false;
    board.on('ready', () => (ready = true));
    await clock.advance(5);
    expect(sim.world.wheels).toEqual({ left: 0, right: 0 }); // DTR reset on open stops the motors
    expect(await advanceUntil(clock, () => ready, 1000)).toBe(true);
    expect(sim.status().bootCount).toBe(2);
  });

  it('the trace shows both motors commanded to 0 before the port closed', async () => {
    await boot();
    const left = new five.Motor({ pins: { pwm: 6, dir: 7 }, board });
    const right = new five.Motor({ pins: { pwm: 5, dir: 4 }, board });
    left.reverse(200);
    right.forward(200);
    await clock.advance(200);
    left.stop();
    right.stop();
    await clock.advance(5);
    const closedAt = clock.monotonicMs();
    await new Promise<void>((r) => port.close(() => r()));
    const writes = sim.trace.decoded({ kind: 'analog-write' });
    const last = (pin: number) => writes.filter((e) => e.kind === 'analog-write' && e.pin === pin).at(-1);
    expect(last(6)).toMatchObject({ dir: 'to-device', pin: 6, value: 0 });
    expect(last(5)).toMatchObject({ dir: 'to-device', pin: 5, value: 0 });
    expect(last(6)?.atMs ?? Infinity).toBeLessThan(closedAt);
    expect(last(5)?.atMs ?? Infinity).toBeLessThan(closedAt);
  });
});
