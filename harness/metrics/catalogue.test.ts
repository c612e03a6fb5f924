import { describe, expect, it } from 'vitest';
import { getMetricDefinition, isCataloguedMetric, METRIC_CATALOGUE, METRIC_FAMILIES, renderCatalogueMarkdown, type MetricSource } from './catalogue.ts';
import { Counters } from './counters.ts';
import { FrameRecorder } from './frame-recorder.ts';
import { LatencyRecorder } from './latency-recorder.ts';
import { BYTES_PER_MB, MemoryRecorder } from './memory-recorder.ts';
import { createProfiler } from './profiler.ts';
import { METRIC_NAME, type MetricValue } from './snapshot.ts';

/** Every recorder fed enough data to produce every metric it can, keyed by catalogue source. */
function producedBySource(): Record<MetricSource, { names: string[]; metrics: Record<string, MetricValue> }> {
  const latency = new LatencyRecorder();
  latency.record(4);
  // The companion probe's command round trip: the same recorder under another prefix.
  const rtt = new LatencyRecorder({ prefix: 'websocket.command_rtt', droppedName: 'websocket.command_dropped' });
  rtt.record(4);
  const frames = new FrameRecorder();
  frames.recordFrames([0, 16, 33, 50]);
  frames.setStrokeCount(1000);
  const memory = new MemoryRecorder();
  const page = new MemoryRecorder({ scope: 'page' });
  for (const atMs of [0, 1000]) {
    memory.record({ atMs, heapUsedBytes: BYTES_PER_MB, heapTotalBytes: 2 * BYTES_PER_MB, rssBytes: 3 * BYTES_PER_MB, afterGc: true, gcCount: atMs });
    page.record({ atMs, heapUsedBytes: BYTES_PER_MB, afterGc: false });
  }
  const counters = new Counters();
  counters.setRate('websocket.messages_per_s', 10, 1000);
  counters.increment('websocket.bytes_on_wire', 10, 'bytes');
  // A/B comparisons, set by the A/B spec from two measured runs.
  for (const n of ['websocket.latency_p99_improvement_percent', 'websocket.throughput_improvement_percent', 'websocket.bytes_on_wire_reduction_percent']) counters.set(n, 1, 'percent');
  // The frame probe's network budgets are gauges set from the page's timings (frame-probe-network.ts).
  const navigation = new Counters();
  navigation.set('network.page_load_ms', 800, 'ms');
  const resources = new Counters();
  resources.set('network.bundle_size_kb', 77, 'kb');
  const profiler = createProfiler();
  profiler.span('scope').end();
  return {
    LatencyRecorder: { names: [...latency.metricNames(), ...rtt.metricNames()], metrics: { ...latency.toMetrics(), ...rtt.toMetrics() } },
    FrameRecorder: { names: frames.metricNames(), metrics: frames.toMetrics() },
    'FrameRecorder (playback)': { names: frames.playbackMetricNames(), metrics: frames.toPlaybackMetrics() },
    MemoryRecorder: { names: memory.metricNames(), metrics: memory.toMetrics() },
    'MemoryRecorder (page)': { names: page.metricNames(), metrics: page.toMetrics() },
    Counters: { names: counters.names(), metrics: counters.toMetrics() },
    'FrameProbe (navigation timing)': { names: navigation.names(), metrics: navigation.toMetrics() },
    'FrameProbe (resource timing)': { names: resources.names(), metrics: resources.toMetrics() },
    Profiler: { names: Object.keys(profiler.metrics()), metrics: profiler.metrics() },
  };
}

describe('metric catalogue', () => {
  it('defines each name once, dotted lower_snake, with a one-sentence definition', () => {
    const names = METRIC_CATALOGUE.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const d of METRIC_CATALOGUE) {
      expect(d.name).toMatch(METRIC_NAME);
      expect(d.description, d.name).toMatch(/\.$/);
      expect(d.description, d.name).not.toMatch(/\.\s+[A-Z]/);
      expect(getMetricDefinition(d.name)).toBe(d);
    }
  });

  it('lists every metric the user contract (feature_performance.yml) reads', () => {
    for (const name of ['websocket.latency_p99_ms', 'ui.frame_rate', 'memory.heap_used_mb', 'drawing_playback_fps', 'stroke_count']) {
      expect(isCataloguedMetric(name), name).toBe(true);
    }
    expect(isCataloguedMetric('websocket.latency_p99')).toBe(false);
  });

  it('matches what the recorders produce, name, unit and source, in both directions', () => {
    const produced = producedBySource();
    const all = new Set<string>();
    for (const [source, { names, metrics }] of Object.entries(produced)) {
      expect(Object.keys(metrics).sort(), source).toEqual([...names].sort());
      for (const [name, m] of Object.entries(metrics)) {
        all.add(name);
        expect(getMetricDefinition(name), name).toMatchObject({ unit: m.unit, source });
      }
    }
    // Concrete names of a family (the profiler's spans) stand for the family's templated name.
    const named = [...all].map((n) => (getMetricDefinition(n) as { name: string }).name);
    expect([...new Set(named)].sort()).toEqual([...METRIC_CATALOGUE, ...METRIC_FAMILIES].map((d) => d.name).sort());
  });

  it('renders a Markdown table with one row per metric, in catalogue order', () => {
    const md = renderCatalogueMarkdown();
    const lines = md.trimEnd().split('\n');
    expect(lines[0]).toBe('| metric | unit | produced by | definition |');
    expect(lines[1]).toBe('|---|---|---|---|');
    expect(lines).toHaveLength(METRIC_CATALOGUE.length + METRIC_FAMILIES.length + 2);
    METRIC_CATALOGUE.forEach((d, i) => {
      expect(lines[i + 2]).toBe(`| \`${d.name}\` | ${d.unit} | ${d.source} | ${d.description} |`);
    });
    expect(md.endsWith('\n')).toBe(true);
    expect(renderCatalogueMarkdown()).toBe(md);
  });

  it('escapes pipes inside cells', () => {
    const md = renderCatalogueMarkdown([{ name: 'a.b', unit: 'count', source: 'Counters', description: 'x | y.' }]);
    expect(md).toContain('| x \\| y. |');
  });
});
