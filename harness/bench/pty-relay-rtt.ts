/**
 * Round trip through each PTY provider's pair (not a test). Run:
 *
 *   npx tsx harness/bench/pty-relay-rtt.ts
 *
 * For python3 and socat (twice each, where installed): a host writes one
 * byte on the host end, the far end echoes it, 300 times; prints p50, p90
 * and p99 of the round trip in ms. On a loaded machine the tail follows the
 * load, not the provider.
 */
import { mkdtempSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { ptyProviderAvailable, startPtyPair } from '../../simulators/pty/pty-pair.ts';
const open = (path: string) => new Promise<SerialPort>((res, rej) => { const p = new SerialPort({ path, baudRate: 115200 }, (e) => (e ? rej(e) : res(p))); });
for (const provider of (['python3', 'socat', 'python3', 'socat'] as const).filter((p) => ptyProviderAvailable(p))) {
  const pr = await startPtyPair({ dir: mkdtempSync('/tmp/zz-rtt-'), provider, cleanupDir: true });
  const sim = await open(pr.simPath); const host = await open(pr.hostPath);
  sim.on('data', (b: Buffer) => sim.write(b));
  await new Promise((r) => setTimeout(r, 200));
  const rtts: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    await new Promise<void>((res) => { host.once('data', () => res()); host.write(Buffer.from([i & 0x7f])); });
    rtts.push(performance.now() - t0);
  }
  rtts.sort((a, b) => a - b);
  console.log(provider, 'rtt ms p50', rtts[150]!.toFixed(2), 'p90', rtts[270]!.toFixed(2), 'p99', rtts[297]!.toFixed(2));
  await new Promise<void>((r) => host.close(() => r())); await new Promise<void>((r) => sim.close(() => r()));
  await pr.stop();
}
process.exit(0);
