/**
 * The memory probe: samples the process under test through a
 * {@link MemorySource} (its IPC channel, or the inspector of any Node pid)
 * into a `MemoryRecorder`, and runs soaks: sample, let the system run for
 * an interval, sample again, for the soak's length. The recorder turns the
 * samples into `memory.heap_used_mb` (peak), `memory.heap_total_mb`,
 * `memory.rss_mb`, `memory.gc_count` and `memory.growth_mb_per_hour` (slope
 * over the after-GC samples).
 */
import { HilError } from '../errors.ts';
import { MetricsCollector } from '../metrics/collector.ts';
import type { MemoryRecorder, MemorySample } from '../metrics/memory-recorder.ts';
import type { MemorySource } from './memory-ipc.ts';

/** Options of {@link MemoryProbe}. */
export interface MemoryProbeOptions {
  source: MemorySource;
  /** Collector to record into (default a new one). */
  collector?: MetricsCollector;
  /** Force a full GC before each sample where the source allows it (default true): a leak fit needs garbage-free samples. */
  forceGc?: boolean;
}

/** Samples one process into `collector.memory()`. */
export class MemoryProbe {
  readonly source: MemorySource;
  readonly collector: MetricsCollector;
  readonly recorder: MemoryRecorder;
  readonly forceGc: boolean;

  constructor(options: MemoryProbeOptions) {
    this.source = options.source;
    this.collector = options.collector ?? new MetricsCollector();
    this.recorder = this.collector.memory('memory');
    this.forceGc = options.forceGc ?? true;
  }

  /** Takes and records one sample. */
  async sample(): Promise<MemorySample> {
    const s = await this.source.sample({ forceGc: this.forceGc });
    this.recorder.record(s);
    return s;
  }
}

/** Options of {@link runSoak}. */
export interface SoakOptions {
  probe: MemoryProbe;
  /** Soak length in ms of the system's clock (virtual ms on a virtual clock). */
  durationMs: number;
  /** Clock ms between samples (default: a twentieth of the soak). */
  sampleEveryMs?: number;
  /**
   * Lets `ms` of the system's time pass: the child's `advance(ms)` on a
   * virtual clock, a real sleep on a wall clock.
   */
  pass(ms: number): Promise<void>;
  /** Called before each step of `stepMs`, e.g. to send commands as a user would. */
  beforeStep?(elapsedMs: number): void | Promise<void>;
  /** Step length, clock ms (default `sampleEveryMs`). Samples fall on step boundaries. */
  stepMs?: number;
}

/** What a soak did. */
export interface SoakResult {
  /** Clock ms the soak covered. */
  durationMs: number;
  samples: number;
  afterGcSamples: number;
  first: MemorySample;
  last: MemorySample;
}

/**
 * Samples at 0, every `sampleEveryMs` and at the end. Throws
 * HIL_CONFIG_INVALID for a non-positive duration or interval.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { probe, durationMs } = options;
  const every = options.sampleEveryMs ?? durationMs / 20;
  const step = Math.min(options.stepMs ?? every, every);
  if (!(durationMs > 0) || !(every > 0) || !(step > 0)) {
    throw new HilError('HIL_CONFIG_INVALID', `a soak needs a duration, sample interval and step > 0 ms; got ${durationMs}, ${every}, ${step}`);
  }
  const first = await probe.sample();
  let last = first;
  let samples = 1;
  let elapsed = 0;
  let nextSample = every;
  while (elapsed < durationMs) {
    const ms = Math.min(step, durationMs - elapsed, nextSample - elapsed);
    await options.beforeStep?.(elapsed);
    await options.pass(ms);
    elapsed += ms;
    if (elapsed >= nextSample || elapsed >= durationMs) {
      last = await probe.sample();
      samples++;
      nextSample += every;
    }
  }
  return { durationMs: elapsed, samples, afterGcSamples: probe.recorder.afterGcSamples, first, last };
}
