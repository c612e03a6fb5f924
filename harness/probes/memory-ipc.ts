/**
 * The memory probe's IPC channel: how a process under test that the harness
 * started (`child_process.fork`, so it has an IPC channel, and with
 * `--expose-gc`) reports its memory. The child installs
 * {@link answerMemoryRequests}; the probe side is {@link ipcMemorySource}.
 *
 *   probe -> child  { hil: 'memory-sample', id, forceGc }
 *   child -> probe  { hil: 'memory-sample', id, sample }   (or `error` instead of `sample`)
 *
 * The child takes the sample: a full GC first when asked and exposed, then
 * `process.memoryUsage()`, its clock's time (virtual ms on a virtual clock,
 * so a soak's slope is per virtual hour) and its count of GCs that were NOT
 * forced by the probe (forced ones are the probe's doing, not the
 * workload's).
 */
import type { ChildProcess } from 'node:child_process';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { HilError } from '../errors.ts';
import { natives } from '../clock/natives.ts';
import type { MemorySample } from '../metrics/memory-recorder.ts';

/** Request from the probe. */
export interface MemoryRequest {
  hil: 'memory-sample';
  id: number;
  forceGc: boolean;
}

/** Reply from the child. */
export interface MemoryReply {
  hil: 'memory-sample';
  id: number;
  sample?: MemorySample;
  error?: string;
}

/** Something that can sample the memory of one process under test. */
export interface MemorySource {
  /** For reports, e.g. `companion child (pid 1234, IPC)`. */
  readonly description: string;
  readonly pid: number;
  /** Takes one sample; `forceGc` runs a full GC first where the process allows it. */
  sample(options: { forceGc: boolean }): Promise<MemorySample>;
}

const isRequest = (m: unknown): m is MemoryRequest =>
  typeof m === 'object' && m !== null && (m as { hil?: unknown }).hil === 'memory-sample' && typeof (m as { id?: unknown }).id === 'number';

/**
 * In the process under test: answers memory requests on its IPC channel.
 * `nowMs` is the clock in force (`clock.now()`). Returns a function that
 * stops answering. Does nothing without an IPC channel.
 */
export function answerMemoryRequests(nowMs: () => number): () => void {
  const send = process.send?.bind(process);
  if (!send) return () => {};
  let natural = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const flags = (e as { detail?: { flags?: number } }).detail?.flags ?? 0;
      if ((flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) === 0) natural++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const onMessage = (m: unknown): void => {
    if (!isRequest(m)) return;
    try {
      const gc = m.forceGc ? globalThis.gc : undefined;
      if (gc) gc();
      const u = process.memoryUsage();
      const sample: MemorySample = { atMs: nowMs(), heapUsedBytes: u.heapUsed, heapTotalBytes: u.heapTotal, rssBytes: u.rss, afterGc: gc !== undefined, gcCount: natural };
      send({ hil: 'memory-sample', id: m.id, sample } satisfies MemoryReply);
    } catch (err) {
      send({ hil: 'memory-sample', id: m.id, error: err instanceof Error ? err.message : String(err) } satisfies MemoryReply);
    }
  };
  process.on('message', onMessage);
  return () => {
    process.off('message', onMessage);
    observer.disconnect();
  };
}

/**
 * A {@link MemorySource} over a forked child that runs
 * {@link answerMemoryRequests}. A sample that does not come back within
 * `timeoutMs` (real ms, default 10 s) rejects with HIL_PROBE_UNAVAILABLE.
 */
export function ipcMemorySource(child: ChildProcess, options: { description?: string; timeoutMs?: number } = {}): MemorySource {
  if (!child.send || child.pid === undefined) {
    throw new HilError('HIL_PROBE_UNAVAILABLE', 'the memory probe needs a child started with an IPC channel (child_process.fork); for any other process give its pid to inspectorMemorySource');
  }
  let nextId = 1;
  const pid = child.pid;
  return {
    description: options.description ?? `child process ${pid} (IPC)`,
    pid,
    sample({ forceGc }) {
      const id = nextId++;
      return new Promise<MemorySample>((resolve, reject) => {
        const done = (): void => {
          natives.clearTimeout(timer);
          child.off('message', onMessage);
          child.off('exit', onExit);
        };
        const onMessage = (m: unknown): void => {
          const r = m as MemoryReply;
          if (r?.hil !== 'memory-sample' || r.id !== id) return;
          done();
          if (r.sample) resolve(r.sample);
          else reject(new HilError('HIL_PROBE_UNAVAILABLE', `process ${pid} could not sample its memory: ${r.error ?? 'no sample'}`));
        };
        const onExit = (code: number | null): void => {
          done();
          reject(new HilError('HIL_PROBE_UNAVAILABLE', `process ${pid} exited (code ${String(code)}) before answering a memory sample`));
        };
        const timer = natives.setTimeout(() => {
          done();
          reject(new HilError('HIL_PROBE_UNAVAILABLE', `process ${pid} did not answer a memory sample within ${options.timeoutMs ?? 10_000} ms; does it run answerMemoryRequests()?`));
        }, options.timeoutMs ?? 10_000);
        child.on('message', onMessage);
        child.once('exit', onExit);
        child.send({ hil: 'memory-sample', id, forceGc } satisfies MemoryRequest);
      });
    },
  };
}
