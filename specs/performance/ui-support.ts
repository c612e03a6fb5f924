/**
 * What the UI specs share: one browser per spec file (the frame probe), the
 * reference dashboard's server, the companion the dashboard shows live, and
 * the snapshot context the compliance report prints.
 *
 * | variable | meaning |
 * |---|---|
 * | `HIL_DASHBOARD_URL` | measure this page (your own dashboard) instead of the reference one; the probe plays a drawing only through its `window.mbotHil` hook |
 * | `HIL_COMPANION_URL` | the reference dashboard shows this companion instead of one started here |
 * | `HIL_CHROMIUM` | the browser; without one the UI invariants read "not evaluated: no Chromium" |
 *
 * The companion runs in its own process on the target of the project (see
 * `perf-support.ts`): the simulator on `sim`, `HIL_PORT` (a bench mBot or the
 * PTY stand-in) on `hardware`. Frame times are real time on every target.
 */
import type { SnapshotContext } from '../../harness/metrics/index.ts';
import { findChromium } from '../../harness/probes/chromium-find.ts';
import { openFrameProbe, type FrameProbe } from '../../harness/probes/frame-probe.ts';
import { spawnCompanion, type CompanionProcess } from '../../reference/companion/spawn-companion.ts';
import { startDashboardServer, type DashboardPageQuery, type DashboardServer } from '../../reference/dashboard/dashboard-server.ts';
import { companionRobotPort, contextOf, externalContext, onHardware } from './perf-support.ts';

/** The user's own dashboard, when given. */
export const DASHBOARD_URL_ENV = 'HIL_DASHBOARD_URL';

/** Warm-up and window of every UI measurement, real ms (kept short: the whole suite shares two cores). */
export const UI_WARMUP_MS = 500;
export const UI_WINDOW_MS = 2500;

/** Everything a UI spec file measures with. */
export interface UiRig {
  readonly probe: FrameProbe;
  /** The companion's URL the dashboard connects to (ours, or `HIL_COMPANION_URL`). */
  readonly companionUrl: string | null;
  /** The companion started for this file (null for `HIL_COMPANION_URL` or without a browser). */
  readonly companion: CompanionProcess | null;
  /** True when the page measured is the user's own (`HIL_DASHBOARD_URL`). */
  readonly external: boolean;
  /** The page to measure: the reference dashboard with `query` (and the companion), or `HIL_DASHBOARD_URL`. */
  pageUrl(query?: Omit<DashboardPageQuery, 'ws'>): string;
  /** Target and seed for the report (the probe adds `clock: wall`). */
  readonly context: Omit<SnapshotContext, 'clock' | 'evidence'>;
  close(): Promise<void>;
}

/**
 * Opens the rig. Without a browser nothing else is started: every
 * measurement then reports "not evaluated: no Chromium" and the file ends quickly.
 */
export async function openUiRig(env: Record<string, string | undefined> = process.env): Promise<UiRig> {
  const externalPage = env[DASHBOARD_URL_ENV] || null;
  const externalCompanion = env.HIL_COMPANION_URL || null;
  // No browser, nothing to show: start the rest only when Chromium is there (a cheap check first).
  const wanted = findChromium(env).found && !externalPage;
  // The page server first (it only listens): the companion lets pages of its origin, and no other, connect.
  const server = await Promise.allSettled([wanted ? startDashboardServer() : Promise.resolve(null)]).then(([r]) => r);
  const pageOrigin = server.status === 'fulfilled' && server.value ? ['--allow-origin', server.value.origin] : [];
  // In parallel: browser and companion each take a second or two to start.
  const [probe, companion] = await Promise.allSettled([
    openFrameProbe({ env }),
    wanted && !externalCompanion ? spawnCompanion({ profile: 'reference', robotPort: companionRobotPort(env), args: pageOrigin }) : Promise.resolve(null),
  ]);
  const failed = [probe, server, companion].find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled([
      probe.status === 'fulfilled' ? probe.value.close() : null,
      server.status === 'fulfilled' ? server.value?.close() : null,
      companion.status === 'fulfilled' ? companion.value?.stop() : null,
    ]);
    throw (failed as PromiseRejectedResult).reason;
  }
  return rigOf((probe as PromiseFulfilledResult<FrameProbe>).value, (server as PromiseFulfilledResult<DashboardServer | null>).value,
    (companion as PromiseFulfilledResult<CompanionProcess | null>).value, externalPage, externalCompanion);
}

/** The project's target when nothing was started (no browser): what the run was for. */
function projectContext(env: Record<string, string | undefined> = process.env): SnapshotContext {
  if (!onHardware(env)) return { target: { kind: 'sim' } };
  return { target: { kind: 'hardware', ...(env.HIL_PORT ? { port: env.HIL_PORT } : {}) }, seed: null };
}

function rigOf(probe: FrameProbe, server: DashboardServer | null, companion: CompanionProcess | null, externalPage: string | null, externalCompanion: string | null): UiRig {
  const companionUrl = externalCompanion ?? companion?.url ?? null;
  const { clock: _clock, ...context } = externalPage
    ? { ...externalContext(externalPage) }
    : companion ? contextOf(companion, 'wall') : externalCompanion ? externalContext(externalCompanion) : projectContext();
  return {
    probe,
    companion,
    companionUrl,
    external: externalPage !== null,
    context,
    pageUrl(query = {}) {
      if (externalPage) return externalPage;
      if (!server) return 'about:blank';
      return server.pageUrl({ ...query, ...(companionUrl ? { ws: companionUrl } : {}) });
    },
    async close() {
      await Promise.allSettled([probe.close(), server?.close(), companion?.stop()]);
    },
  };
}
