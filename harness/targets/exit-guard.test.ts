import { EventEmitter } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';

// Waits for what an async step must do (up to 3 s) rather than a fixed sleep after which it must be
// done: a sleep of a few ms is a bet on how busy the machine is.
const poll = { timeout: 3000, interval: 5 };
import { installExitGuard, watchParentForLife, writeStopSync } from './exit-guard.ts';
import { safeStopBytes } from '../mbot/firmata-bytes.ts';

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
    await expect.poll(() => order, poll).toEqual([`close after ${safeStopBytes().length} bytes`, 'reraise']);
    expect(reraised).toBe('SIGINT');
    expect(proc.listenerCount('SIGINT')).toBe(0);
    expect(proc.listenerCount('exit')).toBe(0);
  });

  test('on exit and on an uncaught exception only the synchronous stop can run; it runs on each (the test may have driven again in between)', () => {
    const dev = fakeDevice();
    const proc = fakeProcess();
    const dropped: number[][] = [];
    installExitGuard({ fd: () => dev.fd, stopBytes: () => safeStopBytes(), beforeSyncStop: (b) => dropped.push([...b]), close: async () => {} }, { proc });
    proc.emit('uncaughtExceptionMonitor', new Error('boom'));
    proc.emit('exit', 1);
    expect(dev.bytes()).toEqual([...safeStopBytes(), ...safeStopBytes()]);
    // the queued writes the stop overrides were dropped first, each time
    expect(dropped).toEqual([[...safeStopBytes()], [...safeStopBytes()]]);
  });

  test.each(['SIGHUP', 'SIGQUIT', 'SIGTERM'] as const)('on %s: the port sealed, then the same stop, close and re-raise as on SIGINT', async (signal) => {
    const dev = fakeDevice();
    const proc = fakeProcess();
    const order: string[] = [];
    let reraised: string | null = null;
    installExitGuard({
      fd: () => dev.fd,
      stopBytes: () => safeStopBytes(),
      seal: () => order.push(`sealed after ${dev.bytes().length} bytes`),
      close: async () => { order.push('closed'); },
    }, { proc, reraise: (s) => { reraised = s; } });
    proc.emit(signal, signal);
    expect(dev.bytes()).toEqual([...safeStopBytes()]);
    await expect.poll(() => reraised, poll).toBe(signal);
    expect(order).toEqual(['sealed after 0 bytes', 'closed']);
  });

  test('an uncaught exception does not seal the port: the process (a Vitest worker) may go on using the robot', () => {
    const dev = fakeDevice();
    const proc = fakeProcess();
    let sealed = false;
    installExitGuard({ fd: () => dev.fd, stopBytes: () => safeStopBytes(), seal: () => { sealed = true; }, close: async () => {} }, { proc });
    proc.emit('uncaughtExceptionMonitor', new Error('boom'));
    expect(sealed).toBe(false);
    expect(dev.bytes()).toEqual([...safeStopBytes()]);
  });

  test('an unhandled rejection stops the robot where someone else handles rejections (Vitest does); otherwise Node turns it into an uncaught exception, seen above', () => {
    const dev = fakeDevice();
    const bare = fakeProcess();
    installExitGuard({ fd: () => dev.fd, stopBytes: () => safeStopBytes(), close: async () => {} }, { proc: bare });
    // listening would change what Node does with the rejection: the guard stays out of it
    expect(bare.listenerCount('unhandledRejection')).toBe(0);

    const withRunner = fakeProcess();
    withRunner.on('unhandledRejection', () => {});
    installExitGuard({ fd: () => dev.fd, stopBytes: () => safeStopBytes(), close: async () => {} }, { proc: withRunner });
    withRunner.emit('unhandledRejection', new Error('nobody caught me'), Promise.resolve());
    expect(dev.bytes()).toEqual([...safeStopBytes()]);
  });

  test('the parent going away (IPC channel closed): stop, close, then the process is told to end', async () => {
    const dev = fakeDevice();
    const proc = fakeProcess();
    Object.assign(proc, { send: () => true, connected: true });
    const order: string[] = [];
    installExitGuard({ fd: () => dev.fd, stopBytes: () => safeStopBytes(), close: async () => { order.push(`close after ${dev.bytes().length} bytes`); } }, {
      proc, onParentGone: (why) => order.push(`parent gone: ${why}`),
    });
    proc.emit('disconnect');
    expect(dev.bytes()).toEqual([...safeStopBytes()]);
    await expect.poll(() => order, poll).toEqual([`close after ${safeStopBytes().length} bytes`, 'parent gone: disconnect']);
    expect(proc.listenerCount('SIGINT')).toBe(0);
  });

  test('the parent dying without an IPC channel: the process is re-parented, the poll notices', async () => {
    const dev = fakeDevice();
    const proc = fakeProcess();
    Object.assign(proc, { ppid: 777 });
    let gone: string | null = null;
    installExitGuard({ fd: () => dev.fd, stopBytes: () => safeStopBytes(), close: async () => {} }, { proc, parentPollMs: 5, onParentGone: (why) => { gone = why; } });
    await new Promise((r) => setTimeout(r, 30));
    expect(gone).toBeNull();
    Object.assign(proc, { ppid: 1 });
    await expect.poll(() => gone, poll).toBe('reparented');
    expect(dev.bytes()).toEqual([...safeStopBytes()]);
  });

  test('removing the guard removes every handler', () => {
    const proc = fakeProcess();
    Object.assign(proc, { send: () => true, connected: true });
    proc.on('unhandledRejection', () => {});
    const remove = installExitGuard({ fd: () => null, stopBytes: () => safeStopBytes(), close: async () => {} }, { proc });
    remove();
    remove();
    for (const ev of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'exit', 'uncaughtExceptionMonitor', 'disconnect']) expect(proc.listenerCount(ev)).toBe(0);
    expect(proc.listenerCount('unhandledRejection')).toBe(1);
  });

  test('writeStopSync never throws: no fd, or a closed one, just returns false', () => {
    expect(writeStopSync(null, safeStopBytes())).toBe(false);
    expect(writeStopSync(987654, safeStopBytes())).toBe(false);
  });
});

describe('the parent watch for the life of the process', () => {
  test('an orphan with no port open (cable out, stand-in gone) is told to end, so it cannot reconnect to the robot later', async () => {
    const proc = fakeProcess();
    Object.assign(proc, { ppid: 777 });
    let gone: string | null = null;
    watchParentForLife({ proc, parentPollMs: 5, onParentGone: (why) => { gone = why; } });
    await new Promise((r) => setTimeout(r, 30));
    expect(gone).toBeNull();
    Object.assign(proc, { ppid: 1 });
    await expect.poll(() => gone, poll).toBe('reparented');
  });

  test('the IPC channel closing (a Vitest worker) is the parent gone too', async () => {
    const proc = fakeProcess();
    Object.assign(proc, { send: () => true, connected: true, ppid: 777 });
    const seen: string[] = [];
    watchParentForLife({ proc, parentPollMs: 0, onParentGone: (why) => seen.push(why) });
    proc.emit('disconnect');
    await expect.poll(() => seen, poll).toEqual(['disconnect']);
  });

  test('while a port is open its guard acts (stop, close, then the end) and the life watch stays out of its way', async () => {
    const dev = fakeDevice();
    const proc = fakeProcess();
    Object.assign(proc, { ppid: 777 });
    const order: string[] = [];
    watchParentForLife({ proc, parentPollMs: 5, onParentGone: () => order.push('life watch') });
    installExitGuard({ fd: () => dev.fd, stopBytes: () => safeStopBytes(), close: async () => { order.push('close'); } }, {
      proc, parentPollMs: 5, onParentGone: () => order.push('port guard'),
    });
    Object.assign(proc, { ppid: 1 });
    await expect.poll(() => order, poll).toEqual(['close', 'port guard']);
    // And the life watch stays out later too: several of its 5 ms polls on, still only the guard.
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual(['close', 'port guard']);
    expect(dev.bytes()).toEqual([...safeStopBytes()]);
  });

  test('arming it twice watches once', async () => {
    const proc = fakeProcess();
    Object.assign(proc, { send: () => true, connected: true, ppid: 777 });
    const seen: string[] = [];
    watchParentForLife({ proc, parentPollMs: 0, onParentGone: (why) => seen.push(why) });
    watchParentForLife({ proc, parentPollMs: 0, onParentGone: (why) => seen.push(`second ${why}`) });
    expect(proc.listenerCount('disconnect')).toBe(1);
    proc.emit('disconnect');
    await expect.poll(() => seen, poll).toEqual(['disconnect']);
    // Armed once: a second watch would add its line on the same disconnect.
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['disconnect']);
  });
});
