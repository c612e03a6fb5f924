import { EventEmitter } from 'node:events';
import type { SerialPortStream } from '@serialport/stream';
import { describe, expect, test } from 'vitest';
import { watchLiveness } from './liveness.ts';

/**
 * A port-shaped emitter: records writes; `answer` makes it reply to each probe; `writeError` fails
 * every write, and `afterWriteError` runs right after the failed write's callback returned.
 */
function fakePort(behaviour: { answer?: boolean; writeError?: boolean; afterWriteError?: () => void }): { port: SerialPortStream; writes: number[][] } {
  const port = new EventEmitter() as EventEmitter & { isOpen: boolean; write: (b: Buffer, cb: (err?: Error) => void) => boolean };
  const writes: number[][] = [];
  port.isOpen = true;
  port.write = (b, cb) => {
    writes.push([...b]);
    setTimeout(() => {
      if (behaviour.writeError) {
        cb(new Error('EIO: i/o error, write'));
        behaviour.afterWriteError?.();
        return;
      }
      cb();
      if (behaviour.answer) port.emit('data', Buffer.from([0xf9, 2, 5]));
    }, 1);
    return true;
  };
  return { port: port as unknown as SerialPortStream, writes };
}

function deadWithin(port: SerialPortStream, ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    const stop = watchLiveness(port, { silenceMs: 100, answerMs: 200, tickMs: 10, onDead: resolve });
    setTimeout(() => { stop(); resolve(null); }, ms);
  });
}

describe('liveness watch', () => {
  test('a board that answers the probe stays alive', async () => {
    const { port, writes } = fakePort({ answer: true });
    let dead: string | null = null;
    const stop = watchLiveness(port, { silenceMs: 100, answerMs: 200, tickMs: 10, onDead: (why) => { dead = why; } });
    try {
      // Three probes, each answered (a probe waits for 100 ms of silence after the last answer):
      // waited for, not counted in a fixed window a busy machine could leave one probe short in.
      await expect.poll(() => writes.length, { timeout: 5000 }).toBeGreaterThan(2);
      expect(dead).toBeNull();
      expect(writes[0]).toEqual([0xf9]);
    } finally {
      stop();
    }
  });

  test('a write that fails (hung-up tty) is reported at once', async () => {
    // "At once": inside the failed write's own callback, before any timer of the watch could run
    // (proved on the order of events, not on this process's wall time).
    let reason: string | null = null;
    let reportedInCallback: boolean | null = null;
    const { port } = fakePort({ writeError: true, afterWriteError: () => { reportedInCallback ??= reason !== null; } });
    const stop = watchLiveness(port, { silenceMs: 100, answerMs: 200, tickMs: 10, onDead: (why) => { reason = why; } });
    try {
      await expect.poll(() => reportedInCallback, { timeout: 5000 }).not.toBeNull();
      expect(reportedInCallback).toBe(true);
      expect(reason).toMatch(/writing to the port failed: EIO/);
    } finally {
      stop();
    }
  });

  // A product bound (silence + answer time, 300 ms here, with 300 ms to spare), read on this
  // process's wall time: a machine that starves this process for more than that can still break it.
  test('a silent link that takes the probe but never answers is dead after silence + answer time', async () => {
    const t0 = performance.now();
    const reason = await deadWithin(fakePort({}).port, 1000);
    expect(reason).toMatch(/no answer to a version query/);
    expect(performance.now() - t0).toBeLessThan(600);
  });

  test('a host that stalls (a long synchronous task) does not judge the board by the time it did not run', async () => {
    // The board answers, but its answer is read only after the stall: I/O comes after the timers in Node's loop.
    const port = new EventEmitter() as EventEmitter & { isOpen: boolean; write: (b: Buffer, cb: (err?: Error) => void) => boolean };
    port.isOpen = true;
    let probes = 0;
    port.write = (_b, cb) => { probes++; cb(); return true; };
    let dead: string | null = null;
    const stop = watchLiveness(port as unknown as SerialPortStream, { silenceMs: 100, answerMs: 200, tickMs: 10, onDead: (why) => { dead = why; } });
    try {
      while (probes === 0) await new Promise((r) => setTimeout(r, 5));
      const until = performance.now() + 400;
      while (performance.now() < until) { /* the host is busy: nothing runs */ }
      setImmediate(() => port.emit('data', Buffer.from([0xf9, 2, 5])));
      await new Promise((r) => setTimeout(r, 50));
      expect(dead).toBeNull();
    } finally {
      stop();
    }
  });
});
