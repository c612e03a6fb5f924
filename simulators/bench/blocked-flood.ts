/**
 * Figures for "host bytes queued without limit while the emulated loop is
 * blocked" (issue 11, item 6). Not a test. Run:
 *
 *   node --expose-gc --import tsx simulators/bench/blocked-flood.ts [MiB]
 *
 * On a virtual clock, a host sends a ping-read with a 0xFFFFFFFF µs timeout
 * on a pin with no echo, then `MiB` (default 20) of zero bytes (which the
 * firmware drops) in 4 KiB writes (as PTY reads hand them over), then a
 * REPORT_VERSION. Prints how much virtual time passed until the first version reply,
 * and heap and array-buffer memory (after a GC) before the flood, at the
 * peak (sampled every 10 virtual s) and at the end.
 */
import { Duplex, PassThrough } from 'node:stream';
import { createClock } from '../../harness/clock/index.ts';
import { CMD, SYSEX } from '../../harness/mbot/firmata-constants.ts';
import { createSimulatedMbot } from '../mbot/simulated-mbot.ts';

const mib = Number(process.argv[2] ?? 20);
const gc = (globalThis as { gc?: () => void }).gc;
const mem = (): { heapMb: number; buffersMb: number } => {
  gc?.();
  const m = process.memoryUsage();
  return { heapMb: m.heapUsed / 2 ** 20, buffersMb: m.arrayBuffers / 2 ** 20 };
};
const be32Pairs = (v: number): number[] => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].flatMap((b) => [b & 0x7f, b >> 7]);

const clock = createClock('virtual');
// No trace: this measures the firmware's queue, not the 1-byte-a-byte trace of 20 MiB.
const sim = createSimulatedMbot({ clock, resetDelayMs: 0, traceMaxEntries: 0 });
const toSim = new PassThrough();
const fromSim = new PassThrough();
let firstVersionAtMs: number | undefined;
fromSim.on('data', (b: Buffer) => {
  if (firstVersionAtMs === undefined && b.includes(CMD.REPORT_VERSION)) firstVersionAtMs = clock.monotonicMs();
});
sim.serve(Duplex.from({ readable: toSim, writable: fromSim }));
for (let i = 0; i < 100 && firstVersionAtMs === undefined; i++) await clock.advance(1);
await clock.advance(5);
firstVersionAtMs = undefined; // that was the boot announce
const before = mem();
const t0 = clock.monotonicMs();
toSim.write(Buffer.from([CMD.START_SYSEX, SYSEX.PING_READ, 3, 1, ...be32Pairs(0), ...be32Pairs(0xffffffff), CMD.END_SYSEX]));
await clock.advance(1);
// Data bytes without a command: the firmware drops them, so replies cannot hide the one that counts.
const chunk = Buffer.alloc(4096, 0x00);
for (let sent = 0; sent < mib * 2 ** 20; sent += chunk.length) {
  toSim.write(chunk);
  // Let the stream hand each write over as its own chunk.
  if ((sent / chunk.length) % 64 === 0) await clock.advance(0);
}
toSim.write(Buffer.from([CMD.REPORT_VERSION]));
let peak = mem();
for (let waited = 0; firstVersionAtMs === undefined && waited < 5_000_000; waited += 10_000) {
  await clock.advance(10_000);
  const m = mem();
  if (m.heapMb + m.buffersMb > peak.heapMb + peak.buffersMb) peak = m;
}
const after = mem();
console.log(
  JSON.stringify({
    floodMiB: mib,
    versionAnsweredAfterVirtualS: firstVersionAtMs === undefined ? null : Math.round((firstVersionAtMs - t0) / 100) / 10,
    heapMb: { before: +before.heapMb.toFixed(1), peak: +peak.heapMb.toFixed(1), after: +after.heapMb.toFixed(1) },
    arrayBuffersMb: { before: +before.buffersMb.toFixed(1), peak: +peak.buffersMb.toFixed(1), after: +after.buffersMb.toFixed(1) },
  }),
);
await sim.close();
clock.dispose();
