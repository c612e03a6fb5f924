/**
 * The simulator's UART runs at its firmware profile's rate, and a Johnny-Five
 * program that opens it by path, giving no baud rate, gets firmata-io's
 * default (57600) and talks to the default profile (Makeblock's mBot Firmata
 * over USB). A host at another rate reads what a UART would read: garbage
 * with framing errors, and no handshake.
 */
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { createClock, type VirtualClock } from '../../harness/clock/index.ts';
import { createSimulatedMbot, type SimulatedMbot, type SimulatedMbotOptions } from './simulated-mbot.ts';
import { advanceUntil, five, openRawHost, type FirmataHost } from './test-support.ts';

const require = createRequire(import.meta.url);
type FirmataFactory = (transport: unknown) => new (path: string, options?: Record<string, unknown>) => FirmataHost & { transport: Duplex; versionReceived: boolean };
const bindTransport = require('firmata-io') as FirmataFactory;

let clock: VirtualClock;
let sim: SimulatedMbot;
let transport: Duplex | undefined;

afterEach(async () => {
  // firmata-io keeps one default transport per process: give it back to Johnny-Five's own (the `firmata` package's serialport).
  bindTransport(require('firmata/lib/com.js'));
  if (transport !== undefined && (transport as unknown as { isOpen: boolean }).isOpen) {
    await new Promise<void>((resolve) => (transport as unknown as { close(cb: () => void): void }).close(() => resolve()));
  }
  transport = undefined;
  await sim?.close();
  clock?.dispose();
});

/** A Johnny-Five program as a user writes it: firmata-io opens the port by path with its own default options. */
function johnnyFiveByPath(options: SimulatedMbotOptions): { io: FirmataHost & { transport: Duplex; versionReceived: boolean }; board: { isReady: boolean; on(e: string, f: () => void): void } } {
  clock = createClock('virtual', { install: true });
  sim = createSimulatedMbot({ clock, resetDelayMs: 200, ...options });
  const Firmata = bindTransport(sim.Transport);
  const io = new Firmata(sim.path);
  transport = io.transport;
  const board = new five.Board({ io, repl: false, debug: false, sigint: false, timeout: 1e9 });
  return { io, board };
}

describe('baud rates on the simulator', () => {
  test('a Johnny-Five program with no baud option talks to the default simulator (mbot-usb, 57600) and drives it', async () => {
    const { io, board } = johnnyFiveByPath({});
    expect(sim.firmware.profile.id).toBe('mbot-usb');
    expect(sim.firmware.baudRate).toBe(57600);
    let ready = false;
    board.on('ready', () => (ready = true));
    expect(await advanceUntil(clock, () => ready, 3000)).toBe(true);
    expect((io.transport as unknown as { baudRate: number }).baudRate).toBe(57600);
    expect(io.pins).toHaveLength(22);
    const left = new five.Motor({ pins: { pwm: 6, dir: 7 }, board });
    left.reverse(180);
    await clock.advance(20);
    expect(sim.world.wheels.left).toBe(180);
    expect(sim.trace.deviceEvents()).toEqual([]);
  });

  test('the same program against the Bluetooth build (115200) reads garbage with framing errors and never becomes ready', async () => {
    const { io, board } = johnnyFiveByPath({ firmware: 'mbot-bluetooth' });
    expect(sim.firmware.baudRate).toBe(115200);
    let ready = false;
    board.on('ready', () => (ready = true));
    // Well past the 200 ms reset, firmata-io's 5 s version timeout and its query.
    expect(await advanceUntil(clock, () => ready, 8000)).toBe(false);
    expect(io.versionReceived).toBe(false);
    const framing = sim.trace.deviceEvents({ kind: 'uart-framing' });
    const toHost = framing.filter((e) => 'dir' in e && e.dir === 'to-host');
    const toDevice = framing.filter((e) => 'dir' in e && e.dir === 'to-device');
    // The announce at 115200 read at 57600 by the host, the host's queries at 57600 read at 115200 by the board.
    expect(toHost.length).toBeGreaterThan(0);
    expect(toDevice.length).toBeGreaterThan(0);
    expect(toHost[0]).toMatchObject({ senderBaud: 115200, receiverBaud: 57600 });
    expect(toDevice[0]).toMatchObject({ senderBaud: 57600, receiverBaud: 115200 });
    expect(framing.reduce((n, e) => n + (e.kind === 'uart-framing' ? e.framingErrors : 0), 0)).toBeGreaterThan(0);
    // The board never understood a query: it answered nothing beyond its boot announce.
    expect(sim.trace.decoded({ dir: 'to-device' }).some((e) => e.kind === 'query-version')).toBe(true);
    expect(sim.trace.decoded({ dir: 'to-host', kind: 'report-version' })).toHaveLength(1);
  });

  test('a raw host at 115200 on the default simulator receives the announce as garbage, the same garbage every run', async () => {
    const received = async (): Promise<number[]> => {
      clock = createClock('virtual');
      sim = createSimulatedMbot({ clock, resetDelayMs: 0 });
      const host = openRawHost(sim.binding, sim.path, 115200);
      await clock.advance(40);
      const bytes = [...host.bytes];
      await host.close();
      await sim.close();
      clock.dispose();
      return bytes;
    };
    const a = await received();
    const b = await received();
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(0);
    expect(a).not.toContain(0xf9);
  });

  test('the simulator refuses a firmware it cannot be, naming why', () => {
    expect(() => createSimulatedMbot({ firmware: 'standard-firmata' })).toThrow(/HIL_SIM_INVALID_OPTION: .*firmware must be one of mbot-usb, mbot-bluetooth \(the simulator's pin table is the mCore's 22 pins; StandardFirmata .* describes 20\)/);
    expect(() => createSimulatedMbot({ firmware: 'nano' as never })).toThrow(/firmware must be one of mbot-usb, mbot-bluetooth/);
  });

  test('link.baudRate still sets the UART rate outright', async () => {
    clock = createClock('virtual');
    sim = createSimulatedMbot({ clock, link: { baudRate: 9600 } });
    expect(sim.firmware.baudRate).toBe(9600);
  });
});
