/**
 * The driver's side of the network budgets (see `frame-probe-network.ts`):
 * before a page is loaded, disables the browser cache and listens to the
 * DevTools protocol's Network domain; after the load event, reads the page's
 * navigation and resource timings and stops listening (so the telemetry
 * WebSocket's frames do not cost a protocol event each during the window).
 * Runs in the driver process only (it needs playwright-core).
 */
import type { CDPSession } from 'playwright-core';
import { READ_NETWORK_TIMINGS_SCRIPT, type NetworkResponseRecord, type PageNetworkTimings } from './frame-probe-network.ts';

/** A watch on one page load; `read` ends it. */
export interface NetworkWatch {
  /** Reads the timings of the load that just finished (evaluated in the page) and stops listening. */
  read(evaluate: (expression: string) => Promise<unknown>): Promise<PageNetworkTimings>;
}

/** Starts watching the next load of the page behind `cdp`: cache disabled, responses recorded. */
export async function watchNetwork(cdp: CDPSession): Promise<NetworkWatch> {
  const byId = new Map<string, NetworkResponseRecord>();
  const onResponse = (e: { requestId: string; type?: string; response: { url: string } }): void => {
    byId.set(e.requestId, { url: e.response.url, type: e.type ?? 'Other', encodedDataLength: null });
  };
  const onFinished = (e: { requestId: string; encodedDataLength: number }): void => {
    const r = byId.get(e.requestId);
    if (r) r.encodedDataLength = e.encodedDataLength;
  };
  cdp.on('Network.responseReceived', onResponse);
  cdp.on('Network.loadingFinished', onFinished);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  return {
    async read(evaluate) {
      try {
        const page = (await evaluate(READ_NETWORK_TIMINGS_SCRIPT)) as Omit<PageNetworkTimings, 'responses'>;
        return { loadEventEndMs: page.loadEventEndMs, resources: page.resources, responses: [...byId.values()] };
      } finally {
        cdp.off('Network.responseReceived', onResponse);
        cdp.off('Network.loadingFinished', onFinished);
        await cdp.send('Network.disable').catch(() => undefined);
      }
    },
  };
}
