import { Duplex, PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createClock, type VirtualClock } from '../../harness/clock/index.ts';
import { isHilError } from '../../harness/errors.ts';
import { createSimulatedMbot, type SimulatedMbot, type SimulatedMbotOptions } from '../index.ts';
import { CMD } from '../../harness/mbot/firmata-constants.ts';
import { openRawHost, startBoard } from './test-support.ts';

const sims: SimulatedMbot[] = [];
let clock: VirtualClock | undefined;

afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
  clock?.dispose();
  clock = undefined;
});

function expectInvalid(opts: SimulatedMbotOptions, re: RegExp): void {
  let err: unknown;
  try {
    sims.push(createSimulatedMbot(opts));
  } catch (e) {
    err = e;
  }
  expect(isHilError(err, 'HIL_SIM_INVALID_OPTION'), String(err)).toBe(true);
  expect((err as Error).message).toMatch(re);
}

describe('createSimulatedMbot', () => {
  it('validates options, naming the option and its valid range', () => {
    expectInvalid({ seed: 1.5 }, /seed must be an integer/);
    expectInvalid({ resetDelayMs: -1 }, /resetDelayMs must be a number in 0\.\.60000/);
    expectInvalid({ wiring: 'upside-down' as never }, /wiring must be one of johnny-five-examples, assembly-guide/);
    expectInvalid({ firmwareName: 'é' }, /firmwareName must be printable ASCII of 1\.\.64 characters/);
    expectInvalid({ stepMs: 0 }, /stepMs must be a number in 1\.\.100/);
    expectInvalid({ link: { corruptRate: 2 } }, /link\.corruptRate must be a number in 0\.\.1/);
    expectInvalid({ clock: {} as never }, /clock must be a Clock/);
    expectInvalid({ speed: 3 } as never, /speed must be one of the known options/);
    expectInvalid({ world: { lightLevel: 5000 } }, /lightLevel/);
  });

  it('gives each simulator its own path and refuses a path in use', async () => {
    clock = createClock('virtual');
    const a = createSimulatedMbot({ clock });
    const b = createSimulatedMbot({ clock });
    sims.push(a, b);
    expect(a.path).toMatch(/^\/dev\/ttyMBOTSIM\d+$/);
    expect(b.path).not.toBe(a.path);
    expectInvalid({ clock, path: a.path }, /path must be a path no other open simulator uses/);
    expect((await a.binding.list()).map((p) => p.path)).toEqual([a.path]);
    await a.close();
    const again = createSimulatedMbot({ clock, path: a.path });
    sims.push(again);
    expect(again.path).toBe(a.path);
  });

  it('serves a Duplex stream (a PTY end) through the same link and firmware', async () => {
    clock = createClock('virtual');
    const sim = createSimulatedMbot({ clock, resetDelayMs: 100 });
    sims.push(sim);
    const toSim = new PassThrough();
    const fromSim = new PassThrough();
    const received: number[] = [];
    fromSim.on('data', (b: Buffer) => received.push(...b));
    const stop = sim.serve(Duplex.from({ readable: toSim, writable: fromSim }));
    expect(() => sim.serve(new PassThrough())).toThrow(/already has a host/);
    // The announce (3 + 69 bytes) takes ≈ 12.5 ms at 57600 baud.
    await clock.advance(120);
    expect(received.slice(0, 3)).toEqual([0xf9, 2, 5]);
    received.length = 0;
    toSim.write(Buffer.from([CMD.REPORT_VERSION]));
    await clock.advance(3);
    expect(received).toEqual([0xf9, 2, 5]);
    expect(sim.trace.decoded({ dir: 'to-device' }).map((e) => e.kind)).toEqual(['query-version']);
    stop();
    received.length = 0;
    toSim.write(Buffer.from([CMD.REPORT_VERSION]));
    await clock.advance(3);
    expect(received).toEqual([]);
    // The binding can take over once the stream is released.
    const host = openRawHost(sim.binding, sim.path);
    await clock.advance(120);
    expect(host.bytes.slice(0, 3)).toEqual([0xf9, 2, 5]);
    await host.close();
  });

  it('pressReset reboots the board and announces again', async () => {
    clock = createClock('virtual');
    const sim = createSimulatedMbot({ clock, resetDelayMs: 50 });
    sims.push(sim);
    const host = openRawHost(sim.binding, sim.path);
    await clock.advance(70);
    sim.faults.pressReset();
    expect(sim.status().booted).toBe(false);
    await clock.advance(70);
    expect(sim.status()).toMatchObject({ booted: true, bootCount: 2, hostConnected: true, plugged: true });
    expect(host.messages.filter((m) => m.kind === 'report-version')).toHaveLength(2);
    await host.close();
    expect(sim.status().hostConnected).toBe(false);
  });

  it('trace: hex lines per write, clear() restarts entries and digest', async () => {
    clock = createClock('virtual');
    const sim = createSimulatedMbot({ clock, resetDelayMs: 0, link: { corruptRate: 0 } });
    sims.push(sim);
    const host = openRawHost(sim.binding, sim.path);
    // Past the announce: 72 bytes at 57600 baud ≈ 12.5 ms.
    await clock.advance(20);
    const empty = (() => {
      sim.trace.clear();
      return sim.trace.digest();
    })();
    sim.faults.dropNext(1, 'to-host');
    host.write([CMD.REPORT_VERSION]);
    await clock.advance(5);
    expect(sim.trace.hex()).toBe(['20.174 > f9', '21.174 < -- 02 05'].join('\n'));
    expect(sim.trace.entries()[1]).toEqual({ atMs: 21 + 10 / 57.6, dir: 'to-host', byte: 0xf9, delivered: null });
    expect(sim.trace.digest()).not.toBe(empty);
    sim.trace.clear();
    expect(sim.trace.length).toBe(0);
    expect(sim.trace.digest()).toBe(empty);
    await host.close();
  });

  it('runs a plain Johnny-Five program in real time by default (wall clock)', async () => {
    const sim = createSimulatedMbot({ resetDelayMs: 0 });
    sims.push(sim);
    expect(sim.clock.kind).toBe('wall');
    const { port, board } = startBoard(sim.binding, sim.path);
    const ready = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 3000);
      board.on('ready', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    expect(ready).toBe(true);
    await new Promise<void>((r) => port.close(() => r()));
  });
});
