/**
 * Network budgets of the page the frame probe opens (the contract's
 * `optimization_targets.network`): how long the page takes to load and how
 * many bytes of scripts and styles it pulls in to get there.
 *
 * - `network.page_load_ms`: the navigation timing entry's `loadEventEnd`
 *   (ms from the start of the navigation to the end of the load event).
 * - `network.bundle_size_kb`: Σ `transferSize` of the Resource Timing
 *   entries that are scripts or stylesheets and started by the end of the
 *   load event, in KiB (1 KB = 1024 bytes). Lazily loaded chunks asked for
 *   later are not part of the bundle (loading them late is the point of the
 *   contract's `lazy_loading` strategy).
 *
 * The probe loads every page with the browser cache disabled, so each
 * measurement is a cold load and `transferSize` is never 0 for a cache hit.
 * A cross-origin resource served without `Timing-Allow-Origin` shows 0 bytes
 * to Resource Timing; for those entries the bytes the browser's network
 * layer saw (DevTools protocol `encodedDataLength`) are used instead, and
 * counted in `opaqueResources`.
 *
 * Pure functions and script text only: the driver process runs the scripts
 * in the page and hands the raw timings back as plain JSON.
 */
import type { MetricsCollector } from '../metrics/collector.ts';

/** Bytes in one KB as `network.bundle_size_kb` counts them (KiB). */
export const BYTES_PER_KB = 1024;

/** One Resource Timing entry as the page reported it (plain JSON). */
export interface ResourceTimingEntry {
  /** The resource URL. */
  name: string;
  /** `script`, `link`, `css`, `img`, `fetch`, `other`, ... */
  initiatorType: string;
  /** Bytes transferred (0 for a cache hit or an opaque cross-origin entry). */
  transferSize: number;
  encodedBodySize: number;
  /** MIME type when the browser reports one (Chromium 129+), else ''. */
  contentType: string;
  /** When the fetch started, ms on the page's timeline (the navigation starts at 0). */
  startTime: number;
}

/** What the network layer saw for one response (DevTools protocol). */
export interface NetworkResponseRecord {
  url: string;
  /** DevTools resource type: `Script`, `Stylesheet`, `Document`, ... */
  type: string;
  /** Bytes received, headers included; null until loading finished. */
  encodedDataLength: number | null;
}

/** The raw network timings of one page load (what the driver returns). */
export interface PageNetworkTimings {
  /** `loadEventEnd` of the navigation entry, ms; null when the page never finished its load event. */
  loadEventEndMs: number | null;
  /** Resource Timing entries present right after the load event. */
  resources: ResourceTimingEntry[];
  /** Responses the network layer saw during the load. */
  responses: NetworkResponseRecord[];
}

/** The network budgets of one page load, summed. */
export interface NetworkSummary {
  pageLoadMs: number | null;
  /** Script and stylesheet bytes transferred. */
  bundleBytes: number;
  scripts: number;
  stylesheets: number;
  /** Script or stylesheet entries Resource Timing could not size (cross-origin without Timing-Allow-Origin). */
  opaqueResources: number;
}

/**
 * Init script run before the page's own: a page with many resources must
 * not lose entries when the default 250-entry buffer fills.
 */
export const NETWORK_INIT_SCRIPT = String.raw`(() => {
  if (window === window.top && performance.setResourceTimingBufferSize) performance.setResourceTimingBufferSize(100000);
})();`;

/**
 * Page expression resolving the navigation's `loadEventEnd` and every
 * resource entry; polls up to 5 s for `loadEventEnd` (it is set only after
 * the load event's handlers returned).
 */
export const READ_NETWORK_TIMINGS_SCRIPT = String.raw`(async () => {
  const nav = () => performance.getEntriesByType('navigation')[0];
  const until = Date.now() + 5000;
  while ((!nav() || !(nav().loadEventEnd > 0)) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  const n = nav();
  return {
    loadEventEndMs: n && n.loadEventEnd > 0 ? n.loadEventEnd : null,
    resources: performance.getEntriesByType('resource').map((e) => ({
      name: e.name, initiatorType: e.initiatorType, transferSize: e.transferSize || 0,
      encodedBodySize: e.encodedBodySize || 0, contentType: typeof e.contentType === 'string' ? e.contentType : '',
      startTime: e.startTime,
    })),
  };
})()`;

const SCRIPT_TYPE = /(java|ecma)script/iu;
const STYLE_TYPE = /\bcss\b/iu;

/** `script`, `stylesheet`, or null for anything else (images, fetches, fonts, the document). */
export function bundleKind(entry: ResourceTimingEntry, network?: NetworkResponseRecord): 'script' | 'stylesheet' | null {
  if (network?.type === 'Script') return 'script';
  if (network?.type === 'Stylesheet') return 'stylesheet';
  if (network) return null;
  if (SCRIPT_TYPE.test(entry.contentType)) return 'script';
  if (STYLE_TYPE.test(entry.contentType)) return 'stylesheet';
  if (entry.contentType !== '') return null;
  // No MIME type and no network record: judge by who asked for it, then by the file name.
  const path = entry.name.split(/[?#]/u)[0] ?? '';
  if (entry.initiatorType === 'script' && !/\.(json|png|jpe?g|gif|svg|webp|woff2?)$/iu.test(path)) return 'script';
  if (entry.initiatorType === 'css' && /\.css$/iu.test(path)) return 'stylesheet';
  if (entry.initiatorType === 'link') return /\.css$/iu.test(path) ? 'stylesheet' : /\.m?js$/iu.test(path) ? 'script' : null;
  return null;
}

/** Sums one load's timings into the budgets (see the module comment). */
export function summarizeNetwork(t: PageNetworkTimings): NetworkSummary {
  const byUrl = new Map<string, NetworkResponseRecord>();
  for (const r of t.responses) byUrl.set(r.url, r);
  const out: NetworkSummary = { pageLoadMs: t.loadEventEndMs, bundleBytes: 0, scripts: 0, stylesheets: 0, opaqueResources: 0 };
  for (const e of t.resources) {
    // Only what the page fetched by its load event: a chunk asked for later is lazy loading, not bundle.
    if (t.loadEventEndMs !== null && e.startTime > t.loadEventEndMs) continue;
    const net = byUrl.get(e.name);
    const kind = bundleKind(e, net);
    if (kind === null) continue;
    if (kind === 'script') out.scripts++;
    else out.stylesheets++;
    if (e.transferSize > 0) {
      out.bundleBytes += e.transferSize;
    } else if (e.encodedBodySize === 0 && net?.encodedDataLength) {
      // Opaque to Resource Timing (cross-origin, no Timing-Allow-Origin): the network layer knows.
      out.bundleBytes += net.encodedDataLength;
      out.opaqueResources++;
    } else if (e.encodedBodySize === 0) {
      out.opaqueResources++;
    } else {
      // A cache hit despite the disabled cache (a service worker, say): count the body it would cost.
      out.bundleBytes += e.encodedBodySize;
    }
  }
  return out;
}

/**
 * Records `network.page_load_ms` and `network.bundle_size_kb` of one load
 * into `collector` (nothing when `timings` is absent, so old drivers and
 * pages that never loaded leave the metrics missing, never 0). Samples: 1
 * load for the page load, the script and stylesheet count for the bundle.
 */
export function recordNetworkMetrics(collector: MetricsCollector, timings: PageNetworkTimings | null | undefined): NetworkSummary | null {
  if (!timings) return null;
  const s = summarizeNetwork(timings);
  if (s.pageLoadMs !== null) collector.gauge('network.page_load_ms', 'ms').set(s.pageLoadMs, 1);
  collector.gauge('network.bundle_size_kb', 'kb').set(s.bundleBytes / BYTES_PER_KB, s.scripts + s.stylesheets);
  return s;
}
