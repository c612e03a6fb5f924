import { createVirtualClock } from '../clock/index.ts';
import { analogWriteBytes, digitalPortBytes, safeStopBytes } from '../mbot/firmata-bytes.ts';
import { installWriteQueue } from '../targets/write-queue.ts';
import { bench, type BenchRow } from './bench-util.ts';

/** A port that takes every write at once, as an idle serial binding would. */
function instantPort() {
  return {
    baudRate: 115_200,
    isOpen: true,
    write(_bytes: Buffer, cb?: (err?: Error | null) => void) { process.nextTick(() => cb?.(null)); return true; },
    drain(cb: () => void) { process.nextTick(cb); },
  };
}

/**
 * How long a safe stop takes to leave the host after `iterations` of a
 * tight drive loop whose writes the queue cannot merge (each iteration:
 * both motors' direction and speed, and a pin mode that keeps its place),
 * about five queued messages an iteration. Bench safety asks for the motors
 * at 0 within 1 s of any way out, so this must stay far below that and grow
 * linearly with the queue (a splice per dropped message once made it 3.7 s
 * at 40,000 iterations).
 */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // Disposed at the next setup, so the timed part is the stop alone.
  let previous: (() => void) | undefined;
  for (const iterations of [10_000, 40_000]) {
    rows.push(bench({
      name: 'write queue: safe stop after a mixed backlog',
      unit: 'ms',
      workload: `${iterations.toLocaleString('en')} drive iterations queued`,
      repetitions: 5,
      setup: () => {
        previous?.();
        const clock = createVirtualClock();
        const port = instantPort();
        const queue = installWriteQueue(port as unknown as Parameters<typeof installWriteQueue>[0], { clock });
        for (let i = 0; i < iterations; i++) {
          port.write(Buffer.from(digitalPortBytes(0, 0x80)));
          port.write(Buffer.from(analogWriteBytes(6, 100 + (i % 100))));
          port.write(Buffer.from([0xf4, 13, 1]));
          port.write(Buffer.from(digitalPortBytes(0, 0x90)));
          port.write(Buffer.from(analogWriteBytes(5, 100 + (i % 100))));
        }
        previous = () => { queue.dispose(); clock.dispose(); };
        return { clock, queue };
      },
      run: (input) => {
        const { queue } = input as { queue: ReturnType<typeof installWriteQueue> };
        void queue.writeFirst(safeStopBytes());
      },
      scale: 1e-6,
    }));
  }
  previous?.();
  return rows;
}
