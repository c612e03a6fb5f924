import { EventEmitter } from 'node:events';
import type { SerialPortStream } from '@serialport/stream';
import { describe, expect, test } from 'vitest';
import { watchLiveness } from './liveness.ts';

/** A port-shaped emitter: records writes; `answer` makes it reply to each probe. */
function fakePort(behaviour: { answer?: boolean; writeError?: boolean }): { port: SerialPortStream; writes: number[][] } {
  const port = new EventEmitter() as EventEmitter & { isOpen: boolean; write: (b: Buffer, cb: (err?: Error) => void) => boolean };
  const writes: number[][] = [];
  port.isOpen = true;
  port.write = (b, cb) => {
    writes.push([...b]);
    setTimeout(() => {
      if (behaviour.writeError) return cb(new Error('EIO: i/o error, write'));
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
    expect(await deadWithin(port, 600)).toBeNull();
    expect(writes.length).toBeGreaterThan(1);
    expect(writes[0]).toEqual([0xf9]);
  });

  test('a write that fails (hung-up tty) is reported at once', async () => {
    const t0 = performance.now();
    const reason = await deadWithin(fakePort({ writeError: true }).port, 1000);
    expect(reason).toMatch(/writing to the port failed: EIO/);
    expect(performance.now() - t0).toBeLessThan(400);
  });

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
