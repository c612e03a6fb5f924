import { EventEmitter } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { installExitGuard, writeStopSync } from './exit-guard.ts';
import { safeStopBytes } from './firmata-bytes.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A file standing in for the serial device: the guard's sync write lands in it. */
function fakeDevice(): { fd: number; bytes: () => number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'hil-guard-'));
  const file = join(dir, 'tty');
  const fd = openSync(file, 'w+');
  cleanups.push(() => { closeSync(fd); rmSync(dir, { recursive: true, force: true }); });
  return { fd, bytes: () => [...readFileSync(file)] };
}

function fakeProcess(): NodeJS.Process {
  const p = new EventEmitter() as unknown as NodeJS.Process;
  Object.assign(p, { pid: 4242, kill: () => true });
  return p;
}

describe('exit guard', () => {
  test('on SIGINT: stop bytes written synchronously, then the full close, then the signal re-raised', async () => {
    const dev = fakeDevice();
    const proc = fakeProcess();
    const order: string[] = [];
    let reraised: string | null = null;
    installExitGuard({
      fd: () => dev.fd,
      stopBytes: () => safeStopBytes(),
      close: async () => { order.push(`close after ${dev.bytes().length} bytes`); },
    }, { proc, reraise: (s) => { reraised = s; order.push('reraise'); } });
    proc.emit('SIGINT', 'SIGINT');
    // synchronous: the bytes are on the device before any promise ran
    expect(dev.bytes()).toEqual([...safeStopBytes()]);
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([`close after ${safeStopBytes().length} bytes`, 'reraise']);
    expect(reraised).toBe('SIGINT');
    expect(proc.listenerCount('SIGINT')).toBe(0);
    expect(proc.listenerCount('exit')).toBe(0);
  });

  test('on exit and on an uncaught exception only the synchronous stop can run, once', () => {
    const dev = fakeDevice();
    const proc = fakeProcess();
    installExitGuard({ fd: () => dev.fd, stopBytes: () => safeStopBytes(), close: async () => {} }, { proc });
    proc.emit('uncaughtExceptionMonitor', new Error('boom'));
    proc.emit('exit', 1);
    expect(dev.bytes()).toEqual([...safeStopBytes()]);
  });

  test('removing the guard removes every handler', () => {
    const proc = fakeProcess();
    const remove = installExitGuard({ fd: () => null, stopBytes: () => safeStopBytes(), close: async () => {} }, { proc });
    remove();
    remove();
    for (const ev of ['SIGINT', 'SIGTERM', 'exit', 'uncaughtExceptionMonitor']) expect(proc.listenerCount(ev)).toBe(0);
  });

  test('writeStopSync never throws: no fd, or a closed one, just returns false', () => {
    expect(writeStopSync(null, safeStopBytes())).toBe(false);
    expect(writeStopSync(987654, safeStopBytes())).toBe(false);
  });
});
