// How long does a stop take to get out of the write queue after N drive writes interleaved with pin modes?
import type { SerialPortStream } from '@serialport/stream';
import { createVirtualClock } from '../harness/clock/index.ts';
import { analogWriteBytes, digitalPortBytes, safeStopBytes } from '../harness/mbot/firmata-bytes.ts';
import { installWriteQueue } from '../harness/targets/write-queue.ts';

for (const n of (process.argv[2] ?? "1000,5000,10000,20000,40000").split(",").map(Number)) {
  const clock = createVirtualClock();
  const written: number[][] = [];
  const port = { baudRate: 115200, isOpen: true, write(b: Buffer, cb?: (e?: Error | null) => void) { written.push([...b]); process.nextTick(() => cb?.(null)); return true; }, drain(cb: () => void) { process.nextTick(cb); } };
  const q = installWriteQueue(port as unknown as SerialPortStream, { clock });
  for (let i = 0; i < n; i++) {
    port.write(Buffer.from(digitalPortBytes(0, 0x80)));
    port.write(Buffer.from(analogWriteBytes(6, 100 + (i % 100))));
    port.write(Buffer.from([0xf4, 13, 1]));
    port.write(Buffer.from(digitalPortBytes(0, 0x90)));
    port.write(Buffer.from(analogWriteBytes(5, 100 + (i % 100))));
  }
  const pending = q.pendingBytes;
  const t0 = performance.now();
  void q.writeFirst(safeStopBytes());
  const t1 = performance.now();
  const t2 = performance.now();
  q.discardOverridden(safeStopBytes());
  process.stdout.write(`n=${n} queued ${pending} bytes; writeFirst (drop + hand over) took ${(t1 - t0).toFixed(1)} ms; pending after ${q.pendingBytes}\n`);
  void t2;
  q.dispose();
  clock.dispose();
}
