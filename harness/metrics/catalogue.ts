import type { MetricUnit } from './snapshot.ts';

/** Which recorder (and which of its outputs) produces a metric. */
export type MetricSource =
  | 'LatencyRecorder'
  | 'FrameRecorder'
  | 'FrameRecorder (playback)'
  | 'MemoryRecorder'
  | 'MemoryRecorder (page)'
  | 'Counters'
  | 'FrameProbe (navigation timing)'
  | 'FrameProbe (resource timing)'
  | 'Profiler';

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
  { name: 'network.page_load_ms', unit: 'ms', source: 'FrameProbe (navigation timing)', description: 'Time from the start of the navigation to the end of the page\'s load event (navigation timing loadEventEnd) of the page the frame probe opened, loaded cold (browser cache disabled), one value per page load.' },
  { name: 'network.bundle_size_kb', unit: 'kb', source: 'FrameProbe (resource timing)', description: 'Bytes of the scripts and stylesheets whose fetch started by the end of the page\'s load event (Σ Resource Timing transferSize, loaded cold; the network layer\'s byte count for cross-origin entries without Timing-Allow-Origin), in KiB (1 KB = 1024 bytes); samples = number of scripts and stylesheets.' },

  { name: 'memory.page_heap_used_mb', unit: 'mb', source: 'MemoryRecorder (page)', description: `Peak JS heap used by the dashboard page (usedJSHeapSize, or CDP Runtime.getHeapUsage) over the sampling window, ${MIB}.` },
] satisfies MetricDefinition[]);

/**
 * A family of metrics whose middle part is chosen by the spec author, e.g.
 * the profiler's `profile.<span>_p99_ms`: `name` shows the placeholder in
 * angle brackets, `pattern` matches every concrete name.
 */
export interface MetricFamily extends MetricDefinition {
  readonly pattern: RegExp;
}

/** A span name as the profiler accepts it: one lower_snake segment. */
export const SPAN_NAME = /^[a-z][a-z0-9_]*$/;

const SPAN = '[a-z][a-z0-9_]*';
const SPAN_SCOPE = 'durations of the `using span = profiler.span(\'<span>\')` scopes of that name, read on the clock in force when the profiler was made (virtual ms under a virtual clock)';

/**
 * Metric families, rendered after {@link METRIC_CATALOGUE}. A name that
 * matches a family's pattern is catalogued with the family's unit and source.
 */
export const METRIC_FAMILIES: readonly MetricFamily[] = Object.freeze([
  { name: 'profile.<span>_p50_ms', pattern: new RegExp(`^profile\\.${SPAN}_p50_ms$`), unit: 'ms', source: 'Profiler', description: `50th percentile of the ${SPAN_SCOPE}, ${HDR_US}; absent until a span closed.` },
  { name: 'profile.<span>_p95_ms', pattern: new RegExp(`^profile\\.${SPAN}_p95_ms$`), unit: 'ms', source: 'Profiler', description: `95th percentile of the ${SPAN_SCOPE}, ${HDR_US}; absent until a span closed.` },
  { name: 'profile.<span>_p99_ms', pattern: new RegExp(`^profile\\.${SPAN}_p99_ms$`), unit: 'ms', source: 'Profiler', description: `99th percentile of the ${SPAN_SCOPE}, ${HDR_US}; absent until a span closed.` },
  { name: 'profile.<span>_max_ms', pattern: new RegExp(`^profile\\.${SPAN}_max_ms$`), unit: 'ms', source: 'Profiler', description: `Longest of the ${SPAN_SCOPE}, exact to 1 µs; absent until a span closed.` },
  { name: 'profile.<span>_mean_ms', pattern: new RegExp(`^profile\\.${SPAN}_mean_ms$`), unit: 'ms', source: 'Profiler', description: `Arithmetic mean of the ${SPAN_SCOPE} (bucket midpoints at 1 µs resolution); absent until a span closed.` },
  { name: 'profile.<span>_count', pattern: new RegExp(`^profile\\.${SPAN}_count$`), unit: 'count', source: 'Profiler', description: 'Number of spans of that name that closed (each disposal of a `using` declaration, or an explicit `end()`).' },
  { name: 'profile.<span>_unclosed', pattern: new RegExp(`^profile\\.${SPAN}_unclosed$`), unit: 'count', source: 'Profiler', description: 'Spans of that name opened but not yet closed when the metrics were read (a span kept alive past its scope, or a missing `using`); they are not in the percentiles.' },
] satisfies MetricFamily[]);

const BY_NAME: ReadonlyMap<string, MetricDefinition> = new Map(METRIC_CATALOGUE.map((d) => [d.name, d]));

/**
 * The definition of `name`, or `undefined` when the catalogue does not list
 * it: an exact entry of {@link METRIC_CATALOGUE}, else the matching
 * {@link METRIC_FAMILIES} entry (whose `name` shows the placeholder).
 */
export function getMetricDefinition(name: string): MetricDefinition | undefined {
  return BY_NAME.get(name) ?? METRIC_FAMILIES.find((f) => f.pattern.test(name));
}

/** True when the catalogue defines `name` (exactly or as a member of a family). */
export function isCataloguedMetric(name: string): boolean {
  return getMetricDefinition(name) !== undefined;
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
 * produced by, definition), one row per metric in catalogue order, then one
 * per family, ending with a newline. Pipes in text are escaped.
 * Deterministic: same catalogue, same bytes.
 */
export function renderCatalogueMarkdown(catalogue: readonly MetricDefinition[] = METRIC_CATALOGUE, families: readonly MetricDefinition[] = METRIC_FAMILIES): string {
  const cell = (s: string): string => s.replaceAll('|', '\\|');
  const rows = [...catalogue, ...families].map((d) => `| \`${d.name}\` | ${cell(d.unit)} | ${cell(d.source)} | ${cell(d.description)} |`);
  return ['| metric | unit | produced by | definition |', '|---|---|---|---|', ...rows].join('\n') + '\n';
}
