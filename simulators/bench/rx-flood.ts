/**
 * Memory under issue 11's receive-queue attack (not a test, not timed). Run:
 * `node --expose-gc --import tsx simulators/bench/rx-flood.ts`.
 *
 * A host sends a ping-read with a 0xFFFFFFFF µs timeout on a pin with
 * nothing attached (the emulated loop sits in pulseIn() for 71.6 virtual
 * minutes), then 20 MiB in 64 KiB writes, on a virtual clock. Prints, as
 * JSON: the heap used before the flood and its peak while the flood arrives
 * (after a GC each minute when run with --expose-gc), the bytes the board's
 * receive buffer dropped, and how long a version query sent afterwards took
 * to be answered. With the 63-byte buffer the heap stays flat; before it,
 * every byte was queued for the blocked loop (peak ≈ 180 MB).
 */
import { createClock } from '../../harness/clock/index.ts';
import { CMD, encode7BitPairs, SYSEX } from '../../harness/mbot/firmata-constants.ts';
import { createSimulatedMbot } from '../mbot/simulated-mbot.ts';
import { openRawHost } from '../mbot/test-support.ts';

const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => {});
const heapMb = (): number => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const be32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

const clock = createClock('virtual');
const sim = createSimulatedMbot({ clock, resetDelayMs: 0 });
const host = openRawHost(sim.binding, sim.path, sim.firmware.baudRate);
await clock.advance(50);
host.write([CMD.START_SYSEX, SYSEX.PING_READ, 12, 1, ...encode7BitPairs(be32(5)), ...encode7BitPairs(be32(0xffffffff)), CMD.END_SYSEX]);
await clock.advance(10);
const heapBeforeMb = heapMb();
const chunk = new Array<number>(65536).fill(CMD.DIGITAL_MESSAGE);
for (let i = 0; i < 320; i++) host.write(chunk);
let heapPeakMb = 0;
// 20 MiB take 60.7 virtual minutes on the wire at 57600 baud; the block ends at 71.6.
for (let minute = 0; minute < 80; minute++) {
  await clock.advance(60_000);
  heapPeakMb = Math.max(heapPeakMb, heapMb());
}
host.messages.length = 0;
host.write([CMD.REPORT_VERSION]);
let answeredAfterMs = -1;
for (let ms = 5; ms <= 1000; ms += 5) {
  await clock.advance(5);
  if (host.messages.some((m) => m.kind === 'report-version')) {
    answeredAfterMs = ms;
    break;
  }
}
console.log(JSON.stringify({
  baudRate: sim.firmware.baudRate,
  floodBytes: 320 * 65536,
  heapBeforeMb: Number(heapBeforeMb.toFixed(1)),
  heapPeakMb: Number(heapPeakMb.toFixed(1)),
  rxDroppedBytes: sim.status().rxDroppedBytes,
  overflowEvents: sim.trace.deviceEventCount,
  versionAnsweredAfterMs: answeredAfterMs,
}));
await host.close();
await sim.close();
clock.dispose();
