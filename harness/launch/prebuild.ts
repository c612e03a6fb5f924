/**
 * Vitest global setup of this repository's own test run: builds the bundles
 * of the CLI and of every child the tests start, once, before any test, so
 * no build lands inside a real-time measurement (a child that finds its
 * bundle stale would otherwise build it while a test runs).
 */
import { fileURLToPath } from 'node:url';
import { launchSpec } from './compiled-entry.ts';

/** The entry points the harness starts in child processes. */
export const CHILD_ENTRIES: readonly string[] = [
  '../cli/cli-entry.ts',
  '../cli/companion-process.ts',
  '../probes/latency-probe-worker.ts',
  '../probes/frame-probe-driver.ts',
].map((p) => fileURLToPath(new URL(p, import.meta.url)));

/** Builds (or finds fresh) every bundle in {@link CHILD_ENTRIES}. */
export async function setup(): Promise<void> {
  await Promise.all(CHILD_ENTRIES.map((e) => launchSpec(e)));
}
