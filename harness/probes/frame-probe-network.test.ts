import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getMetricDefinition } from '../metrics/catalogue.ts';
import { MetricsCollector } from '../metrics/collector.ts';
import { findChromium } from './chromium-find.ts';
import { openFrameProbe, type FrameProbe } from './frame-probe.ts';
import { frameSnapshot } from './frame-probe-metrics.ts';
import { bundleKind, recordNetworkMetrics, summarizeNetwork, type PageNetworkTimings, type ResourceTimingEntry } from './frame-probe-network.ts';

const entry = (name: string, initiatorType: string, transferSize: number, contentType = '', encodedBodySize = Math.max(0, transferSize - 300), startTime = 10): ResourceTimingEntry =>
  ({ name, initiatorType, transferSize, encodedBodySize, contentType, startTime });

describe('summing a load into the budgets', () => {
  test('counts scripts and stylesheets only, by MIME type, DevTools type, or initiator and file name', () => {
    const t: PageNetworkTimings = {
      loadEventEndMs: 812.5,
      resources: [
        entry('http://a/app.js', 'script', 5300, 'text/javascript'),
        entry('http://a/site.css', 'link', 2300, 'text/css'),
        entry('http://a/logo.png', 'img', 90_000, 'image/png'),
        entry('http://a/data.json', 'fetch', 4000, 'application/json'),
        entry('http://a/chunk.mjs?v=2', 'script', 1300),
        entry('http://a/theme.css', 'css', 700),
        entry('http://a/preload.woff2', 'link', 9000),
        // Asked for after the load event: lazy, not bundle.
        entry('http://a/later.js', 'script', 7000, 'text/javascript', 6700, 900),
      ],
      responses: [],
    };
    expect(summarizeNetwork(t)).toEqual({ pageLoadMs: 812.5, bundleBytes: 5300 + 2300 + 1300 + 700, scripts: 2, stylesheets: 2, opaqueResources: 0 });
    expect(bundleKind(entry('http://a/x', 'other', 10), { url: 'http://a/x', type: 'Script', encodedDataLength: 10 })).toBe('script');
    expect(bundleKind(entry('http://a/x.js', 'script', 10), { url: 'http://a/x.js', type: 'Fetch', encodedDataLength: 10 })).toBeNull();
  });

  test('an opaque cross-origin script is sized by the network layer; a cache hit by its body', () => {
    const t: PageNetworkTimings = {
      loadEventEndMs: 100,
      resources: [entry('http://cdn/lib.js', 'script', 0, '', 0), entry('http://a/sw-cached.js', 'script', 0, 'text/javascript', 800), entry('http://cdn/unknown.js', 'script', 0, '', 0)],
      responses: [{ url: 'http://cdn/lib.js', type: 'Script', encodedDataLength: 40_000 }, { url: 'http://cdn/unknown.js', type: 'Script', encodedDataLength: null }],
    };
    expect(summarizeNetwork(t)).toMatchObject({ bundleBytes: 40_800, scripts: 3, opaqueResources: 2 });
  });

  test('records both metrics in KiB and ms with catalogue units; a page without a load event leaves page load missing', () => {
    const c = new MetricsCollector();
    recordNetworkMetrics(c, { loadEventEndMs: 640, resources: [entry('http://a/app.js', 'script', 2048, 'text/javascript')], responses: [] });
    const m = c.metrics();
    expect(m['network.page_load_ms']).toEqual({ value: 640, unit: 'ms', samples: 1 });
    expect(m['network.bundle_size_kb']).toEqual({ value: 2, unit: 'kb', samples: 1 });
    for (const [name, v] of Object.entries(m)) expect(getMetricDefinition(name)?.unit).toBe(v.unit);
    const none = new MetricsCollector();
    recordNetworkMetrics(none, { loadEventEndMs: null, resources: [], responses: [] });
    expect(none.metrics()['network.page_load_ms']).toBeUndefined();
    expect(recordNetworkMetrics(new MetricsCollector(), undefined)).toBeNull();
  });
});

/**
 * Two loopback servers: the page's own (a stylesheet held back 300 ms, a
 * classic script, a module importing another, an image, a script added
 * after the load event) and a second origin serving one script without
 * Timing-Allow-Origin.
 */
const BODY = { css: 'a{}'.padEnd(3000, ' '), app: '//'.padEnd(5000, 'x'), mod: "import './dep.js';\n".padEnd(1000, ' '), dep: '//'.padEnd(2000, 'y'), cdn: '//'.padEnd(4000, 'z'), late: '//'.padEnd(7000, 'l') };

function serve(routes: Record<string, { type: string; body: string | Buffer; delayMs?: number }>): Promise<Server> {
  const server = createServer((req, res) => {
    const r = routes[(req.url ?? '/').split('?')[0] ?? '/'];
    if (!r) { res.writeHead(404).end(); return; }
    setTimeout(() => res.writeHead(200, { 'content-type': r.type, 'cache-control': 'max-age=3600' }).end(r.body), r.delayMs ?? 0);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(!findChromium().found)('in real Chromium', () => {
  let probe: FrameProbe;
  let page: Server;
  let cdn: Server;
  let url = '';
  beforeAll(async () => {
    cdn = await serve({ '/lib.js': { type: 'text/javascript', body: BODY.cdn } });
    const cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}/lib.js`;
    page = await serve({
      '/': { type: 'text/html', body: `<!doctype html><link rel="stylesheet" href="/site.css"><script src="/app.js"></script><script type="module" src="/mod.js"></script><script src="${cdnUrl}"></script><img src="/logo.png"><script>addEventListener('load', () => setTimeout(() => { const s = document.createElement('script'); s.src = '/late.js'; document.head.append(s); }, 50));</script>` },
      '/site.css': { type: 'text/css', body: BODY.css, delayMs: 300 },
      '/app.js': { type: 'text/javascript', body: BODY.app },
      '/mod.js': { type: 'text/javascript', body: BODY.mod },
      '/dep.js': { type: 'text/javascript', body: BODY.dep },
      '/late.js': { type: 'text/javascript', body: BODY.late },
      '/logo.png': { type: 'image/png', body: Buffer.alloc(20_000) },
    });
    url = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
    probe = await openFrameProbe();
  }, 60_000);
  afterAll(async () => {
    await probe?.close();
    page?.close();
    cdn?.close();
  });

  test('a page\'s load time and its script and stylesheet bytes, the same on every (cold) load', async () => {
    const sizes: number[] = [];
    for (let i = 0; i < 2; i++) {
      const m = await probe.measure({ url, warmupMs: 100, windowMs: 300, lock: false });
      if (!m.available) throw new Error('probe unavailable');
      const s = summarizeNetwork(m.network as PageNetworkTimings);
      // The stylesheet blocks rendering and the load event for 300 ms.
      expect(s.pageLoadMs).toBeGreaterThanOrEqual(300);
      expect(s.scripts).toBe(4);
      expect(s.stylesheets).toBe(1);
      expect(s.opaqueResources).toBe(1);
      const bodies = BODY.css.length + BODY.app.length + BODY.mod.length + BODY.dep.length + BODY.cdn.length;
      // Resource Timing adds a fixed 300-byte header allowance per same-origin resource; the network layer counts the cross-origin one's real headers.
      expect(s.bundleBytes).toBeGreaterThanOrEqual(bodies);
      expect(s.bundleBytes).toBeLessThan(bodies + 5 * 600);
      sizes.push(s.bundleBytes);
      const snap = frameSnapshot(m, { kind: 'ui' }).snapshot;
      expect(snap.metrics['network.bundle_size_kb']?.value).toBeCloseTo(s.bundleBytes / 1024, 9);
      expect(snap.metrics['network.page_load_ms']?.value).toBe(s.pageLoadMs);
    }
    // A warm cache would have made the second load's bundle 0 bytes.
    expect(sizes[1]).toBe(sizes[0]);
  }, 60_000);
});
