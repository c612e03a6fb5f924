import { afterEach, describe, expect, test } from 'vitest';
import { createWallClock } from '../clock/index.ts';
import { isHilError } from '../errors.ts';
import { safeStopBytes } from '../mbot/firmata-bytes.ts';
import { PortTarget } from './port-target.ts';
import { createFakeFirmataPort, type FakeFirmataOptions, type FakeFirmataPort } from './testing/fake-firmata.ts';

const targets: PortTarget[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.dispose();
});

function targetOn(fake: FakeFirmataPort, over: { firmwareTimeoutMs?: number; versionQueryAfterMs?: number } = {}): PortTarget {
  const t = new PortTarget({
    kind: 'hardware',
    info: { kind: 'hardware', port: fake.path },
    clock: createWallClock(),
    jig: undefined,
    portLabel: fake.path,
    makePort: async () => fake.makePort(),
    firmwareTimeoutMs: over.firmwareTimeoutMs ?? 2000,
    versionQueryAfterMs: over.versionQueryAfterMs ?? 20,
  });
  targets.push(t);
  return t;
}

function fake(opts: FakeFirmataOptions = {}): FakeFirmataPort {
  return createFakeFirmataPort(opts);
}

describe('connect', () => {
  test('asks for the version when the board announces nothing, then is ready with firmware info', async () => {
    const board = fake({ firmwareName: 'StandardFirmata.ino' });
    const t = targetOn(board);
    const c = await t.connect();
    expect(c.io.isReady).toBe(true);
    expect(c.board.isReady).toBe(true);
    expect(c.firmware).toEqual({ name: 'StandardFirmata.ino', version: '2.5' });
    expect(t.info).toMatchObject({ kind: 'hardware', firmware: { name: 'StandardFirmata.ino' } });
    expect(board.written().slice(0, 1)).toEqual([0xf9]);
    expect(await t.connect()).toBe(c);
  });

  test('a port that never answers fails with HIL_FIRMWARE_TIMEOUT saying nothing arrived', async () => {
    const board = fake({ silent: true });
    const t = targetOn(board, { firmwareTimeoutMs: 150 });
    const err = await t.connect().then(() => null, (e: unknown) => e);
    expect(isHilError(err, 'HIL_FIRMWARE_TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/within 150 ms.*received nothing at all/s);
    // the port was closed again, so a retry can open it
    expect(board.events.at(-1)).toEqual({ kind: 'close' });
  });

  test('the timeout message lists the bytes that did arrive and recognises the factory firmware', async () => {
    const board = fake({ silent: true, greeting: [0xff, 0x55, 0x0d, 0x0a] });
    const err = await targetOn(board, { firmwareTimeoutMs: 150 }).connect().then(() => null, (e: unknown) => e);
    expect(isHilError(err, 'HIL_FIRMWARE_TIMEOUT')).toBe(true);
    expect((err as Error).message).toContain('received 4 byte(s): ff 55 0d 0a');
    expect((err as Error).message).toContain('factory/mBlock firmware');
  });

  test('a Firmata 1.x board is HIL_FIRMWARE_UNSUPPORTED', async () => {
    const err = await targetOn(fake({ protocolMajor: 1 })).connect().then(() => null, (e: unknown) => e);
    expect(isHilError(err, 'HIL_FIRMWARE_UNSUPPORTED')).toBe(true);
  });
});

describe('safe stop and close', () => {
  test('safeStop writes PWM 0 on 6 and 5 and LOW on 7, 4 and 8, keeping other pins of the ports', async () => {
    const board = fake();
    const t = targetOn(board);
    const c = await t.connect();
    c.io.digitalWrite(7, 1);
    c.io.digitalWrite(2, 1); // an unrelated output on port 0 stays HIGH
    c.io.digitalWrite(8, 1);
    await new Promise((resolve) => c.port.drain(resolve));
    const before = board.events.length;
    await t.safeStop();
    const stop = board.events.slice(before).flatMap((e) => (e.kind === 'write' ? e.bytes : []));
    expect(stop).toEqual([
      0xe6, 0, 0, // analog write pin 6 = 0
      0xe5, 0, 0, // analog write pin 5 = 0
      0x90, 0b0000_0100, 0, // port 0: pin 2 HIGH kept, pins 4 and 7 LOW
      0x91, 0, 0, // port 1: pin 8 LOW
    ]);
    expect(c.io.ports[0]).toBe(0b0000_0100);
    // idempotent: the same bytes again
    const again = board.events.length;
    await t.safeStop();
    expect(board.events.slice(again).flatMap((e) => (e.kind === 'write' ? e.bytes : []))).toEqual(stop);
  });

  test('safeStop calls the quiescers first and survives one that throws', async () => {
    const t = targetOn(fake());
    await t.connect();
    const calls: string[] = [];
    t.addQuiescer(() => { calls.push('a'); throw new Error('wedged'); });
    t.addQuiescer(() => { calls.push('b'); });
    await t.safeStop();
    expect(calls).toEqual(['a', 'b']);
  });

  test('close = safe stop, drain, then close the port; idempotent; reconnect works', async () => {
    const board = fake();
    const t = targetOn(board);
    const c = await t.connect();
    c.io.analogWrite(6, 200);
    await t.close();
    await t.close();
    const closeAt = board.events.findIndex((e) => e.kind === 'close');
    const stop = [...safeStopBytes()];
    const lastWrite = board.events[closeAt - 1];
    expect(lastWrite).toEqual({ kind: 'write', bytes: stop });
    expect(board.events.filter((e) => e.kind === 'close')).toHaveLength(1);
    expect(t.connected).toBeNull();
    const again = await t.connect();
    expect(again).not.toBe(c);
    expect(again.io.isReady).toBe(true);
  });

  test('a pulled cable reaches the disconnect listeners as HIL_PORT_DISCONNECTED within 1 s', async () => {
    const board = fake();
    const t = targetOn(board);
    await t.connect();
    const t0 = performance.now();
    const heard = new Promise<unknown>((resolve) => t.onDisconnect(resolve));
    board.unplug();
    const err = await heard;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(isHilError(err, 'HIL_PORT_DISCONNECTED')).toBe(true);
    expect(t.connected).toBeNull();
    await t.safeStop(); // no port: a no-op, not an error
    await t.close();
  });
});
