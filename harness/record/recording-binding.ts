/**
 * A serialport binding that records: it wraps any `BindingInterface` (the
 * real one, the simulator's, the TCP one) and hands every byte that crosses
 * it, both ways, to a {@link RecordingWriter}, with the opens, closes, modem
 * line changes, flushes and losses around them. Nothing above the seam
 * changes: the port object is the inner one behind a proxy, so its file
 * descriptor (`fd`, which the exit guard writes its last stop to) and every
 * other property are the inner port's.
 *
 * What is not seen here: a stop the exit guard writes with `fs.writeSync`
 * straight to the descriptor on the way out of a dying process. It reaches
 * the robot but not the recording.
 */
import type { BindingInterface, BindingPortInterface, OpenOptions, SetOptions } from '../../simulators/mbot/serial-types.ts';
import type { RecordingWriter } from './recording-writer.ts';

/** Where events go; the writer may be attached after the binding was made (see `record-target.ts`). */
export type WriterSource = () => RecordingWriter | null;

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function recordPort(port: BindingPortInterface, writer: WriterSource): BindingPortInterface {
  const overrides: Partial<BindingPortInterface> = {
    async write(buffer: Buffer) {
      // Stamped when handed over: the host's intent, at the time it acted.
      writer()?.tx(buffer);
      return port.write(buffer);
    },
    async read(buffer: Buffer, offset: number, length: number) {
      try {
        const r = await port.read(buffer, offset, length);
        if (r.bytesRead > 0) writer()?.rx(r.buffer.subarray(offset, offset + r.bytesRead));
        return r;
      } catch (err) {
        if (!(err as { canceled?: boolean }).canceled) writer()?.add({ kind: 'lost', why: errText(err) });
        throw err;
      }
    },
    async close() {
      writer()?.add({ kind: 'close' });
      return port.close();
    },
    async set(options: SetOptions) {
      const signals = Object.fromEntries(Object.entries(options).filter(([, v]) => typeof v === 'boolean')) as Record<string, boolean>;
      writer()?.add({ kind: 'set', signals });
      return port.set(options);
    },
    async flush() {
      writer()?.add({ kind: 'flush' });
      return port.flush();
    },
  };
  return new Proxy(port, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof BindingPortInterface];
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v ?? Reflect.get(target, prop, receiver);
    },
  });
}

/**
 * Wraps `inner` so every port it opens is recorded to `writer()` (nothing is
 * recorded while it returns null). `list()` is the inner one's.
 */
export function recordingBinding(inner: BindingInterface, writer: WriterSource): BindingInterface {
  return {
    list: () => inner.list(),
    async open(options: OpenOptions) {
      const port = await inner.open(options);
      writer()?.add({ kind: 'open', path: String(options.path), baudRate: options.baudRate });
      return recordPort(port, writer);
    },
  };
}
