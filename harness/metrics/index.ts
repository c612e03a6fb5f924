/**
 * Metrics: recorders that turn samples into named metric values, the
 * catalogue that defines every name, and the snapshot the matchers read.
 */
export { createSnapshot, isMetricsSnapshot, mergeSnapshots, METRIC_NAME } from './snapshot.ts';
export type { ClockInfo, MetricsSnapshot, MetricUnit, MetricValue, SnapshotContext, TargetInfo } from './snapshot.ts';

export {
  CATALOGUE_README_MARKERS,
  getMetricDefinition,
  isCataloguedMetric,
  METRIC_CATALOGUE,
  METRIC_FAMILIES,
  renderCatalogueMarkdown,
  SPAN_NAME,
} from './catalogue.ts';
export type { MetricDefinition, MetricFamily, MetricSource } from './catalogue.ts';

export { createProfiler, profiler, Profiler } from './profiler.ts';
export type { ProfileSpan, ProfilerOptions } from './profiler.ts';

export { LatencyRecorder } from './latency-recorder.ts';
export type { LatencyRecorderOptions, LatencySummaryJson } from './latency-recorder.ts';
export type { PercentilePoint } from './hdr-us.ts';

export { FrameRecorder, LONG_ANIMATION_FRAME_MS } from './frame-recorder.ts';
export type { FrameRecorderOptions, SlowRenderSource } from './frame-recorder.ts';

export { BYTES_PER_MB, MemoryRecorder } from './memory-recorder.ts';
export type { MemoryGrowth, MemoryRecorderOptions, MemorySample } from './memory-recorder.ts';
export { sampleThisProcess, startGcCounter } from './process-memory.ts';
export type { GcCounter, SampleThisProcessOptions } from './process-memory.ts';

export { Counters } from './counters.ts';

export { MetricsCollector } from './collector.ts';
export type { CounterHandle, GaugeHandle, MetricsCollectorOptions } from './collector.ts';

export { latencyEvidence, frameEvidence, memoryEvidence, playbackEvidence, downsample, checkEvidence, evidenceSchema, EVIDENCE_MAX_POINTS } from './evidence.ts';
export type { Evidence, LatencyEvidence, FrameEvidence, MemoryEvidence, PlaybackEvidence } from './evidence.ts';
