/**
 * The memory probe: its IPC channel against a real forked process (forced
 * GC, GC counts, heap growth), and the soak schedule against a scripted
 * source.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launchSpec } from '../launch/compiled-entry.ts';
import { afterEach, describe, expect, test } from 'vitest';
import { isHilError } from '../errors.ts';
import type { MemorySample } from '../metrics/memory-recorder.ts';
import { inspectorMemorySource } from './inspector-memory.ts';
import { ipcMemorySource, type MemorySource } from './memory-ipc.ts';
import { MemoryProbe, runSoak } from './memory-probe.ts';

const CHILD = fileURLToPath(new URL('./testing/memory-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

async function child(exposeGc: boolean): Promise<ChildProcess> {
  const launch = await launchSpec(CHILD);
  const c = fork(launch.file, [], { cwd: ROOT, execArgv: [...(exposeGc ? ['--expose-gc'] : []), ...launch.execArgv], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.push(c);
  await new Promise<void>((resolve) => c.on('message', (m: { ready?: boolean }) => { if (m?.ready) resolve(); }));
  return c;
}

function grow(c: ChildProcess, n: number): Promise<void> {
  return new Promise((resolve) => {
    const on = (m: { grown?: number }): void => { if (m?.grown !== undefined) { c.off('message', on); resolve(); } };
    c.on('message', on);
    c.send({ grow: n });
  });
}

describe('over IPC', () => {
  test('samples after a forced GC, with a GC count, and sees the heap grow', async () => {
    const c = await child(true);
    const probe = new MemoryProbe({ source: ipcMemorySource(c) });
    const first = await probe.sample();
    expect(first).toMatchObject({ afterGc: true });
    expect(first.heapTotalBytes).toBeGreaterThanOrEqual(first.heapUsedBytes);
    expect(first.rssBytes).toBeGreaterThan(first.heapUsedBytes);
    await grow(c, 300_000);
    const second = await probe.sample();
    expect(second.heapUsedBytes - first.heapUsedBytes).toBeGreaterThan(10 * 1024 * 1024);
    const m = probe.collector.metrics();
    expect(m['memory.heap_used_mb']?.value).toBeCloseTo(second.heapUsedBytes / 2 ** 20, 6);
    expect(m['memory.after_gc_samples']?.value).toBe(2);
    expect(m['memory.gc_count']?.value).toBeGreaterThanOrEqual(0);
    expect(m['memory.growth_mb_per_hour']?.value).toBeGreaterThan(0);
  });

  test('without --expose-gc the samples say they may hold garbage', async () => {
    const c = await child(false);
    const sample = await ipcMemorySource(c).sample({ forceGc: true });
    expect(sample.afterGc).toBe(false);
  });

  test('a process that exits before answering is HIL_PROBE_UNAVAILABLE', async () => {
    const c = await child(true);
    const source = ipcMemorySource(c);
    const pending = source.sample({ forceGc: true });
    c.kill('SIGKILL');
    const err = await pending.catch((e: unknown) => e);
    // It may have answered just before dying; if not, the error says why.
    if (err instanceof Error) expect(isHilError(err, 'HIL_PROBE_UNAVAILABLE')).toBe(true);
  });
});

describe('through the inspector (any Node process)', () => {
  test('forces a GC and reads heap used and total, and RSS from /proc', async () => {
    const c = spawn(process.execPath, ['--inspect=127.0.0.1:0', '-e', 'globalThis.kept = Array.from({ length: 1e5 }, (_, i) => ({ i })); setInterval(() => {}, 1000);'], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(c);
    const url = await new Promise<string>((resolve) => {
      let err = '';
      c.stderr?.on('data', (d: Buffer) => {
        err += String(d);
        const m = /Debugger listening on (ws:\/\/\S+)/u.exec(err);
        if (m) resolve(m[1] as string);
      });
    });
    const source = await inspectorMemorySource({ url, pid: c.pid as number });
    try {
      const s = await source.sample({ forceGc: true });
      expect(s.afterGc).toBe(true);
      expect(s.heapUsedBytes).toBeGreaterThan(3 * 1024 * 1024);
      expect(s.heapTotalBytes).toBeGreaterThanOrEqual(s.heapUsedBytes);
      if (process.platform === 'linux') expect(s.rssBytes).toBeGreaterThan(s.heapUsedBytes);
    } finally {
      source.close();
    }
  });

  test('an unreachable inspector is HIL_PROBE_UNAVAILABLE', async () => {
    const err = await inspectorMemorySource({ url: 'ws://127.0.0.1:1/x' }).catch((e: unknown) => e);
    expect(isHilError(err, 'HIL_PROBE_UNAVAILABLE')).toBe(true);
  });
});

describe('runSoak', () => {
  test('samples at 0, every interval and at the end, letting the system run between samples', async () => {
    let clockMs = 0;
    let heap = 10 * 2 ** 20;
    const source: MemorySource = {
      description: 'scripted',
      pid: 0,
      async sample() { return { atMs: clockMs, heapUsedBytes: heap, afterGc: true } satisfies MemorySample; },
    };
    const probe = new MemoryProbe({ source });
    const steps: number[] = [];
    const result = await runSoak({
      probe,
      durationMs: 600_000,
      sampleEveryMs: 60_000,
      stepMs: 5000,
      async pass(ms) { clockMs += ms; heap += ms * 10; },
      beforeStep(elapsed) { steps.push(elapsed); },
    });
    expect(result).toMatchObject({ durationMs: 600_000, samples: 11, afterGcSamples: 11 });
    expect(steps).toHaveLength(120);
    // 10 bytes per ms = 36 MB per hour, to the MiB: 34.33 MiB/h.
    expect(probe.collector.metrics()['memory.growth_mb_per_hour']?.value).toBeCloseTo(36_000_000 / 2 ** 20, 3);
  });

  test('refuses a soak of no length', async () => {
    const probe = new MemoryProbe({ source: { description: 'x', pid: 0, sample: async () => ({ atMs: 0, heapUsedBytes: 1, afterGc: false }) } });
    await expect(runSoak({ probe, durationMs: 0, pass: async () => {} })).rejects.toThrow(/HIL_CONFIG_INVALID/);
  });
});
