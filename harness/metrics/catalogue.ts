import type { MetricUnit } from './snapshot.ts';

/** Which recorder (and which of its outputs) produces a metric. */
export type MetricSource =
  | 'LatencyRecorder'
  | 'FrameRecorder'
  | 'FrameRecorder (playback)'
  | 'MemoryRecorder'
  | 'MemoryRecorder (page)'
  | 'Counters';

/**
 * The one definition of a metric. `description` is one sentence saying how
 * the value is computed; the README's metric table is rendered from it, so
 * code, report and documentation cannot drift apart.
 */
export interface MetricDefinition {
  /** Dotted lower_snake name as contracts read it, e.g. `websocket.latency_p99_ms`. */
  readonly name: string;
  readonly unit: MetricUnit;
  readonly source: MetricSource;
  readonly description: string;
}

// Shared wording, so that every percentile says the same thing about resolution.
const HDR_US = 'recorded at 1 µs resolution in an HDR histogram with 3 significant digits (reported value is the upper bound of its bucket, capped at the exact maximum)';
const LATENCY = 'WebSocket message latency (arrival time minus the intended send time, so a stalled sender cannot hide its backlog)';
const VSYNCS = 'each post-warm-up requestAnimationFrame interval spans vsyncs = max(1, interval / (1000 / displayHz) rounded to nearest, halves down)';
const RTT = 'command round trip (arrival of the companion\'s ack minus the time the command was due on the probe\'s fixed send schedule, so a stall cannot hide its backlog)';
const MIB = 'in MiB (1 MB = 1024 × 1024 bytes)';

/**
 * Every metric the harness produces, in README order. A recorder that
 * produces a name missing here is a bug (the collector throws
 * `HIL_METRIC_UNKNOWN`); add the definition here first.
 */
export const METRIC_CATALOGUE: readonly MetricDefinition[] = Object.freeze([
  { name: 'websocket.latency_p50_ms', unit: 'ms', source: 'LatencyRecorder', description: `50th percentile of ${LATENCY}, ${HDR_US}; absent when no message arrived.` },
  { name: 'websocket.latency_p95_ms', unit: 'ms', source: 'LatencyRecorder', description: `95th percentile of ${LATENCY}, ${HDR_US}; absent when no message arrived.` },
  { name: 'websocket.latency_p99_ms', unit: 'ms', source: 'LatencyRecorder', description: `99th percentile of ${LATENCY}, ${HDR_US}; absent when no message arrived.` },
  { name: 'websocket.latency_max_ms', unit: 'ms', source: 'LatencyRecorder', description: `Largest ${LATENCY} recorded, exact to 1 µs; absent when no message arrived.` },
  { name: 'websocket.latency_mean_ms', unit: 'ms', source: 'LatencyRecorder', description: 'Arithmetic mean of the latency histogram (bucket midpoints at 1 µs resolution, values synthesised by coordinated-omission correction included); absent when no message arrived.' },
  { name: 'websocket.latency_count', unit: 'count', source: 'LatencyRecorder', description: 'Number of latency values in the histogram (arrived messages plus any values synthesised by coordinated-omission correction).' },
  { name: 'websocket.dropped', unit: 'count', source: 'LatencyRecorder', description: 'Number of messages that were expected (sent, or due at the fixed send rate) but never arrived within the probe timeout; they are counted here and not in the latency percentiles.' },
  { name: 'websocket.messages_per_s', unit: 'msg/s', source: 'Counters', description: 'WebSocket messages received divided by the length of the measurement window in seconds.' },
  { name: 'websocket.bytes_on_wire', unit: 'bytes', source: 'Counters', description: 'Bytes read from the WebSocket connection during the window, frame headers and compressed payloads included (what crossed the network, not the decoded JSON).' },
  { name: 'websocket.command_rtt_p50_ms', unit: 'ms', source: 'LatencyRecorder', description: `50th percentile of ${RTT}, ${HDR_US}; absent when no ack arrived.` },
  { name: 'websocket.command_rtt_p95_ms', unit: 'ms', source: 'LatencyRecorder', description: `95th percentile of ${RTT}, ${HDR_US}; absent when no ack arrived.` },
  { name: 'websocket.command_rtt_p99_ms', unit: 'ms', source: 'LatencyRecorder', description: `99th percentile of ${RTT}, ${HDR_US}; absent when no ack arrived.` },
  { name: 'websocket.command_rtt_max_ms', unit: 'ms', source: 'LatencyRecorder', description: `Largest ${RTT} recorded, exact to 1 µs; absent when no ack arrived.` },
  { name: 'websocket.command_rtt_mean_ms', unit: 'ms', source: 'LatencyRecorder', description: 'Arithmetic mean of the command round-trip histogram (bucket midpoints at 1 µs resolution); absent when no ack arrived.' },
  { name: 'websocket.command_rtt_count', unit: 'count', source: 'LatencyRecorder', description: 'Number of command round trips in the histogram (acks that arrived within the probe timeout).' },
  { name: 'websocket.command_dropped', unit: 'count', source: 'LatencyRecorder', description: 'Commands the probe sent (on its fixed schedule) whose ack never arrived, or arrived after the probe timeout; counted here and not in the round-trip percentiles.' },
  { name: 'websocket.latency_p99_improvement_percent', unit: 'percent', source: 'Counters', description: 'A/B: (baseline websocket.latency_p99_ms − candidate websocket.latency_p99_ms) / baseline × 100, both measured in the same run under the same load; negative when the candidate is slower.' },
  { name: 'websocket.throughput_improvement_percent', unit: 'percent', source: 'Counters', description: 'A/B: (candidate websocket.messages_per_s − baseline websocket.messages_per_s) / baseline × 100, same run, same load; negative when the candidate delivers fewer messages.' },
  { name: 'websocket.bytes_on_wire_reduction_percent', unit: 'percent', source: 'Counters', description: 'A/B: (baseline − candidate) / baseline × 100 of bytes on the wire per message received (websocket.bytes_on_wire / messages), same run, same load; negative when the candidate sends more bytes per message.' },

  { name: 'ui.frame_rate', unit: 'fps', source: 'FrameRecorder', description: `displayHz × frames / Σvsyncs, where ${VSYNCS}: exactly displayHz when no vsync is missed, lower by each missed vsync.` },
  { name: 'ui.mean_fps', unit: 'fps', source: 'FrameRecorder', description: 'Frames divided by the seconds elapsed from the first to the last post-warm-up requestAnimationFrame timestamp (informational: timer jitter keeps it a hair off displayHz, so contracts use ui.frame_rate).' },
  { name: 'ui.frame_interval_p50_ms', unit: 'ms', source: 'FrameRecorder', description: `50th percentile of post-warm-up requestAnimationFrame intervals, ${HDR_US}.` },
  { name: 'ui.frame_interval_p99_ms', unit: 'ms', source: 'FrameRecorder', description: `99th percentile of post-warm-up requestAnimationFrame intervals, ${HDR_US}.` },
  { name: 'ui.frame_interval_max_ms', unit: 'ms', source: 'FrameRecorder', description: 'Longest post-warm-up requestAnimationFrame interval, exact to 1 µs.' },
  { name: 'ui.late_frames', unit: 'count', source: 'FrameRecorder', description: 'Post-warm-up requestAnimationFrame intervals longer than 1.5 frame budgets (1000 / displayHz ms), i.e. frames that missed at least one vsync.' },
  { name: 'ui.frames', unit: 'count', source: 'FrameRecorder', description: 'Number of requestAnimationFrame intervals measured after the warm-up (frames presented after the first post-warm-up frame); the other ui metrics are absent when it is 0.' },
  { name: 'ui.slow_renders', unit: 'count', source: 'FrameRecorder', description: 'Long animation frames over 50 ms after the warm-up: the Long Animation Frame entries the probe recorded when it recorded any, otherwise requestAnimationFrame intervals over 50 ms.' },

  { name: 'drawing_playback_fps', unit: 'fps', source: 'FrameRecorder (playback)', description: `The ui.frame_rate definition applied to the drawing playback window: displayHz × frames / Σvsyncs, where ${VSYNCS}.` },
  { name: 'drawing_playback_late_frames', unit: 'count', source: 'FrameRecorder (playback)', description: 'RequestAnimationFrame intervals of the drawing playback window longer than 1.5 frame budgets (1000 / displayHz ms), i.e. frames that missed at least one vsync.' },
  { name: 'stroke_count', unit: 'count', source: 'FrameRecorder (playback)', description: 'Number of strokes in the drawing that was played back, as reported by the probe that loaded it.' },

  { name: 'memory.heap_used_mb', unit: 'mb', source: 'MemoryRecorder', description: `Peak V8 heap used (process.memoryUsage().heapUsed, or the page's usedJSHeapSize when the page is under test) over the sampling window, ${MIB}.` },
  { name: 'memory.heap_total_mb', unit: 'mb', source: 'MemoryRecorder', description: `Peak V8 heap reserved (heapTotal) over the sampling window, ${MIB}; absent when the samples do not carry it.` },
  { name: 'memory.rss_mb', unit: 'mb', source: 'MemoryRecorder', description: `Peak resident set size of the process under test over the sampling window, ${MIB}; absent when the samples do not carry it.` },
  { name: 'memory.gc_count', unit: 'count', source: 'MemoryRecorder', description: 'Garbage collections during the window: the last sample\'s cumulative GC count minus the first one\'s; absent unless at least two samples carry a GC count.' },
  { name: 'memory.growth_mb_per_hour', unit: 'mb/h', source: 'MemoryRecorder', description: 'Least-squares slope of heap used in MiB against time in hours, fitted over the samples taken right after a forced GC, or over all samples when fewer than two were (see memory.after_gc_samples); absent with fewer than two samples.' },
  { name: 'memory.after_gc_samples', unit: 'count', source: 'MemoryRecorder', description: 'Number of memory samples taken right after a forced GC; when it is below 2, memory.growth_mb_per_hour was fitted on all samples and includes garbage not yet collected.' },
  { name: 'memory.page_heap_used_mb', unit: 'mb', source: 'MemoryRecorder (page)', description: `Peak JS heap used by the dashboard page (usedJSHeapSize, or CDP Runtime.getHeapUsage) over the sampling window, ${MIB}.` },
] satisfies MetricDefinition[]);

const BY_NAME: ReadonlyMap<string, MetricDefinition> = new Map(METRIC_CATALOGUE.map((d) => [d.name, d]));

/** The definition of `name`, or `undefined` when the catalogue does not list it. */
export function getMetricDefinition(name: string): MetricDefinition | undefined {
  return BY_NAME.get(name);
}

/** True when the catalogue defines `name`. */
export function isCataloguedMetric(name: string): boolean {
  return BY_NAME.has(name);
}

/**
 * Markers between which the README embeds {@link renderCatalogueMarkdown}'s
 * output, so a test (or a script) can find and compare the table.
 */
export const CATALOGUE_README_MARKERS = Object.freeze({
  begin: '<!-- metric-catalogue:begin -->',
  end: '<!-- metric-catalogue:end -->',
});

/**
 * Renders the catalogue as a GitHub Markdown table (columns: metric, unit,
 * produced by, definition), one row per metric in catalogue order, ending
 * with a newline. Pipes in text are escaped. Deterministic: same catalogue,
 * same bytes.
 */
export function renderCatalogueMarkdown(catalogue: readonly MetricDefinition[] = METRIC_CATALOGUE): string {
  const cell = (s: string): string => s.replaceAll('|', '\\|');
  const rows = catalogue.map((d) => `| \`${d.name}\` | ${cell(d.unit)} | ${cell(d.source)} | ${cell(d.description)} |`);
  return ['| metric | unit | produced by | definition |', '|---|---|---|---|', ...rows].join('\n') + '\n';
}
