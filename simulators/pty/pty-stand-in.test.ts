// The PTY stand-in as a board: it announces after a host opens it (DTR, with
// the python3 relay), survives its relay dying (replug brings it back), and
// bad options start nothing.
import { spawnSync } from 'node:child_process';
import { constants, openSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, test } from 'vitest';
import { realSleep, realWaitUntil } from '../../harness/clock/real-time.ts';
import { ptyPairAvailable, ptyProviderAvailable } from './pty-pair.ts';
import { LINE_SPEED_REFRESH_MS } from './line-speed.ts';
import { startPtyStandIn, type PtyStandIn } from './pty-stand-in.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function standIn(opts: Parameters<typeof startPtyStandIn>[0]): Promise<PtyStandIn> {
  const s = await startPtyStandIn(opts);
  cleanups.push(() => s.close());
  return s;
}

/** Opens `path` raw and collects what arrives. */
async function openHost(path: string, baudRate = 115200): Promise<{ port: SerialPort; bytes: number[] }> {
  const bytes: number[] = [];
  const port = await new Promise<SerialPort>((resolve, reject) => {
    const p = new SerialPort({ path, baudRate }, (err) => (err ? reject(err) : resolve(p)));
  });
  port.on('data', (b: Buffer) => bytes.push(...b));
  port.on('error', () => {});
  cleanups.push(() => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())));
  return { port, bytes };
}

const waitUntil = realWaitUntil;

/** Child processes of this process whose command line mentions `what`. */
function childrenRunning(what: string): string[] {
  const out = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter((l) => l.includes(what));
}

describe.skipIf(!ptyProviderAvailable('python3'))('python3 relay: a connect like a real board', () => {
  test('a host opening the device of a long-booted board gets the announce resetDelayMs later (with socat: nothing, the host waits 5 s)', async () => {
    const s = await standIn({ provider: 'python3', resetDelayMs: 500 });
    expect(s.resetsOnOpen).toBe(true);
    // The board has been on for a while: its boot announce went to nobody.
    await realSleep(700);
    const bootsBefore = s.sim.status().bootCount;
    const t0 = performance.now();
    const host = await openHost(s.hostPath);
    expect(await waitUntil(() => host.bytes.length >= 3, 3000), 'no announce after the open').toBe(true);
    const ms = performance.now() - t0;
    expect(host.bytes.slice(0, 3)).toEqual([0xf9, 2, 5]);
    expect(s.sim.status().bootCount).toBe(bootsBefore + 1);
    // The reset delay, not more than a second of overhead (relay notice, wire, a loaded machine).
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(1500);
  }, 20_000);

  test('a boot announce that falls due as a host opens, before the stand-in hears of the open, does not reach that host: it gets the announce of the reset its open caused, once', async () => {
    const s = await standIn({ provider: 'python3', resetDelayMs: 400 });
    await realSleep(150);
    // A starved process, made certain: this event loop is held while a host opens the device and the first
    // boot's announce (due at 400 ms) falls due. The hold ends in the loop's check phase, so the board's timer
    // runs before the relay's "open" notice is read, as on a loaded machine: the board sends its announce after
    // the open, from before the reset the open causes, so it is not the host's.
    const bytes: number[] = [];
    await new Promise<void>((resolve) => setImmediate(() => {
      const fd = openSync(s.hostPath, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
      const host = new ReadStream(fd);
      host.on('data', (b: Buffer) => bytes.push(...b));
      host.on('error', () => {});
      cleanups.push(() => { host.destroy(); });
      const until = performance.now() + 500;
      while (performance.now() < until) { /* held */ }
      resolve();
    }));
    expect(await waitUntil(() => bytes.length >= 3, 3000), 'no announce after the open').toBe(true);
    expect(s.sim.status().bootCount).toBe(2);
    // Long enough for a second announce to arrive if one was on its way (the reset's comes 400 ms after the open).
    await realSleep(600);
    const announces = bytes.filter((b, i) => b === 0xf9 && bytes[i + 1] === 2 && bytes[i + 2] === 5).length;
    expect(announces).toBe(1);
  }, 20_000);

  test('a host that writes and closes at once leaves the board alone: reading its line speed afterwards resets nothing', async () => {
    const s = await standIn({ provider: 'python3', resetDelayMs: 50 });
    // Each write after more than LINE_SPEED_REFRESH_MS renews the reading in the background, after the close here.
    // With `stty -F` that reading opened the device: an open the relay reported, and the board reset with nobody there.
    for (let round = 0; round < 2; round++) {
      const host = await openHost(s.hostPath, 57600);
      host.port.write(Buffer.from([0xf9]));
      await realSleep(LINE_SPEED_REFRESH_MS + 200);
      const boots = s.sim.status().bootCount;
      host.port.write(Buffer.from([0xf9]));
      await new Promise<void>((resolve) => host.port.drain(() => host.port.close(() => resolve())));
      await realSleep(500);
      expect(s.sim.status().bootCount, `round ${round}`).toBe(boots);
    }
  }, 20_000);

  test('resetOnOpen: false keeps a board that is already switched on (no reset, no announce)', async () => {
    const s = await standIn({ provider: 'python3', resetDelayMs: 0, resetOnOpen: false });
    await realSleep(300);
    const boots = s.sim.status().bootCount;
    // At the board's own rate: the host below asks it something.
    const host = await openHost(s.hostPath, 57600);
    await realSleep(500);
    expect(host.bytes).toEqual([]);
    expect(s.sim.status().bootCount).toBe(boots);
    // ...and it is heard: asked for its version (REPORT_VERSION), it answers this host.
    host.port.write(Buffer.from([0xf9]));
    expect(await waitUntil(() => host.bytes.length >= 3, 3000), 'no answer to REPORT_VERSION').toBe(true);
    expect(host.bytes.slice(0, 3)).toEqual([0xf9, 2, 5]);
  }, 20_000);
});

describe.skipIf(!ptyPairAvailable())('the relay dies', () => {
  test('onLost says so, the stand-in counts as unplugged, and replug() brings the device back (replug used to do nothing)', async () => {
    const s = await standIn({ resetDelayMs: 0 });
    const lost: unknown[] = [];
    s.onLost((e) => lost.push(e));
    process.kill(s.relayPid as number, 'SIGKILL');
    expect(await waitUntil(() => lost.length > 0, 5000)).toBe(true);
    expect(s.plugged).toBe(false);
    await s.replug();
    expect(s.plugged).toBe(true);
    const host = await openHost(s.hostPath);
    // Ask, whatever the provider: the board answers REPORT_VERSION at any time once booted.
    await realSleep(300);
    host.port.write(Buffer.from([0xf9]));
    expect(await waitUntil(() => host.bytes.includes(0xf9), 3000)).toBe(true);
  }, 20_000);
});

test.skipIf(!ptyPairAvailable())('bad simulator options start nothing: no relay left running (socat used to stay and keep the process alive)', async () => {
  await expect(startPtyStandIn({ resetDelayMs: 999_999 })).rejects.toMatchObject({ code: 'HIL_SIM_INVALID_OPTION' });
  await realSleep(100);
  expect([...childrenRunning('socat'), ...childrenRunning('pty-relay')]).toEqual([]);
});
