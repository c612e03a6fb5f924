/**
 * A memory source for ANY Node process, through its inspector (the Chrome
 * DevTools Protocol): the user's own companion, or anything else the
 * harness did not start. `HeapProfiler.collectGarbage` forces a full GC,
 * `Runtime.getHeapUsage` reads heap used and total; RSS comes from
 * `/proc/<pid>/status` on Linux. No GC count (the protocol has none).
 *
 * Reaching the inspector: give its WebSocket URL (start the process with
 * `--inspect=127.0.0.1:9230` and copy the "Debugger listening on ws://..."
 * line), or just the pid: on Linux and macOS the process is then sent
 * SIGUSR1, which opens its inspector on 127.0.0.1:9229 (so only one process
 * at a time can be reached this way). An inspector runs whatever code any
 * local program sends it, unauthenticated (it would read a companion's
 * token from its argv, or drive the robot itself), so one this source
 * opened is closed again by `close()` (`process._debugEnd()` in the
 * process); one that was open before is left as it was.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { natives } from '../clock/natives.ts';
import { HilError } from '../errors.ts';
import type { MemorySample } from '../metrics/memory-recorder.ts';
import type { MemorySource } from './memory-ipc.ts';

/** Where the inspector is: its ws:// URL, or a pid to open it on 9229. */
export type InspectorTarget = { url: string; pid?: number } | { pid: number };

/** An inspector-backed {@link MemorySource}; `close()` detaches, and closes the inspector if this source opened it. */
export interface InspectorMemorySource extends MemorySource {
  /** Resolves once detached (and the inspector this source opened is asked to close; at most 2 s). Never rejects. */
  close(): Promise<void>;
}

const unavailable = (why: string): HilError => new HilError('HIL_PROBE_UNAVAILABLE', `inspector memory source: ${why}`);

const listOn9229 = async (): Promise<Array<{ webSocketDebuggerUrl?: string }> | null> => {
  try {
    return (await (await fetch('http://127.0.0.1:9229/json/list')).json()) as Array<{ webSocketDebuggerUrl?: string }>;
  } catch {
    return null;
  }
};

/** The inspector URL of `pid` after SIGUSR1, and whether the signal opened it (nothing answered on 9229 before). */
async function urlForPid(pid: number, timeoutMs: number): Promise<{ url: string; opened: boolean }> {
  const opened = (await listOn9229()) === null;
  try {
    process.kill(pid, 'SIGUSR1');
  } catch (err) {
    throw unavailable(`cannot signal pid ${pid} (${(err as Error).message}); start it with --inspect=127.0.0.1:<port> and give the URL instead`);
  }
  const deadline = natives.performanceNow() + timeoutMs;
  while (natives.performanceNow() < deadline) {
    const url = (await listOn9229())?.[0]?.webSocketDebuggerUrl; // null: not listening yet
    if (url) return { url, opened };
    await new Promise((r) => natives.setTimeout(r, 50));
  }
  throw unavailable(`pid ${pid} opened no inspector on 127.0.0.1:9229 within ${timeoutMs} ms (not a Node process, or 9229 is taken)`);
}

function rssBytes(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /^VmRSS:\s+(\d+) kB$/mu.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Connects to the inspector and returns a source. Rejects with
 * HIL_PROBE_UNAVAILABLE when it cannot be reached. Sample times are this
 * process's wall clock (epoch ms): an external process's clock is its own.
 */
export async function inspectorMemorySource(target: InspectorTarget, options: { timeoutMs?: number } = {}): Promise<InspectorMemorySource> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const found = 'url' in target ? { url: target.url, opened: false } : await urlForPid(target.pid, timeoutMs);
  const url = found.url;
  const pid = target.pid;
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (err) => reject(unavailable(`cannot connect to ${url}: ${err.message}`)));
  });
  ws.on('error', () => {});
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  ws.on('message', (raw) => {
    const msg = JSON.parse(String(raw)) as { id?: number; result?: unknown; error?: { message: string } };
    const p = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id as number);
    if (msg.error) p.reject(unavailable(msg.error.message));
    else p.resolve(msg.result);
  });
  ws.on('close', () => {
    for (const p of pending.values()) p.reject(unavailable('the inspector connection closed'));
    pending.clear();
  });
  const call = (method: string, params?: Record<string, unknown>): Promise<unknown> => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    ws.send(JSON.stringify({ id, method, ...(params ? { params } : {}) }));
    natives.setTimeout(() => {
      if (pending.delete(id)) reject(unavailable(`${method} got no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  return {
    description: `${pid !== undefined ? `process ${pid}` : 'a process'} via its inspector (${url})`,
    pid: pid ?? 0,
    async sample({ forceGc }) {
      if (forceGc) await call('HeapProfiler.collectGarbage');
      const usage = (await call('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
      const sample: MemorySample = { atMs: natives.Date.now(), heapUsedBytes: usage.usedSize, heapTotalBytes: usage.totalSize, afterGc: forceGc };
      const rss = rssBytes(pid);
      if (rss !== undefined) sample.rssBytes = rss;
      return sample;
    },
    async close() {
      if (found.opened && ws.readyState === WebSocket.OPEN) {
        // Ends the inspector this source opened; the session closes with it (so no answer is awaited past 2 s).
        const ended = new Promise<void>((resolve) => { ws.once('close', () => resolve()); natives.setTimeout(resolve, 2000); });
        call('Runtime.evaluate', { expression: 'process._debugEnd()' }).catch(() => {});
        await ended;
      }
      ws.close();
    },
  };
}
