import { existsSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, test } from 'vitest';
import { socatAvailable, startSocatPair, type SocatPair } from './socat.ts';

const hasSocat = socatAvailable();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function open(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const p = new SerialPort({ path, baudRate: 57600 }, (err) => (err ? reject(err) : resolve(p)));
  });
}

function close(p: SerialPort): Promise<void> {
  return new Promise((resolve) => (p.isOpen ? p.close(() => resolve()) : resolve()));
}

function nextData(p: SerialPort): Promise<Buffer> {
  return new Promise((resolve) => p.once('data', resolve));
}

async function pair(): Promise<SocatPair> {
  const dir = mkdtempSync(join(tmpdir(), 'hil-socat-'));
  const pr = await startSocatPair({ dir });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => pr.stop());
  return pr;
}

describe.skipIf(!hasSocat)('socat PTY pair', () => {
  test('bytes written on one end come out of the other through the real binding', async () => {
    const pr = await pair();
    expect(readlinkSync(pr.hostPath)).toBe(pr.devices.host);
    const host = await open(pr.hostPath);
    const sim = await open(pr.simPath);
    cleanups.push(() => close(host), () => close(sim));
    const got = nextData(sim);
    host.write(Buffer.from([0xf9]));
    expect([...(await got)]).toEqual([0xf9]);
  });

  test('stop hangs up the host end (the next write fails as a disconnect), restart brings the same path back', async () => {
    const pr = await pair();
    const host = await open(pr.hostPath);
    host.on('error', () => {});
    const closed = new Promise<unknown>((resolve) => host.once('close', resolve));
    await pr.stop();
    expect(pr.running).toBe(false);
    // A hung-up PTY stays silent for a reader; a writer gets EIO (what the hardware target's liveness probe relies on).
    const writeError = await new Promise<unknown>((resolve) => host.write(Buffer.from([0xf9]), resolve));
    expect(writeError).toBeInstanceOf(Error);
    await closed; // the failed write ends the stream
    await pr.restart();
    expect(pr.running).toBe(true);
    expect(existsSync(pr.hostPath)).toBe(true);
    const again = await open(pr.hostPath);
    cleanups.push(() => close(again));
    expect(again.isOpen).toBe(true);
  });
});

test.runIf(!hasSocat)('socat is missing: HIL_PTY_UNAVAILABLE says how to install it', async () => {
  await expect(startSocatPair({ dir: tmpdir() })).rejects.toMatchObject({ code: 'HIL_PTY_UNAVAILABLE', message: expect.stringContaining('apt-get install') });
});
