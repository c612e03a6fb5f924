/**
 * Shows the progress of long measurements on the terminal while they run:
 * a test records {@link ProgressArtifact}s (`fixtures/progress.ts`), and
 * this reporter prints a line for some of them:
 *
 *   mbot-hil: [sim] specs/performance/memory-soak.spec.ts: soak 3/10 min virtual, heap 42.1 MB
 *
 * Throttled so a CI log stays short: the first and the last report of a
 * measurement always show; in between, one shows only when the measurement
 * moved at least a tenth further since the last line AND a few seconds
 * passed. A ten-minute soak on a bench prints about ten lines; the same soak
 * in virtual time (seconds) prints two or three. Nothing is printed during
 * `--merge-reports` (Vitest replays no artifacts there).
 */
import { relative } from 'node:path';
import type { TestArtifact } from 'vitest';
import type { Reporter, TestCase, Vitest } from 'vitest/node';
import { HilError } from '../errors.ts';
import { isProgressArtifact } from './progress-artifact.ts';

/** Options of {@link ProgressReporter} and {@link ProgressThrottle}. */
export interface ProgressThrottleOptions {
  /** A line in between needs this much more progress (fraction of the total) than the last line; default 0.1. */
  everyFraction?: number;
  /** ...and this many ms since the last line of the same measurement; default 5000. */
  minIntervalMs?: number;
  /** The time in ms; default `performance.now()`. */
  now?: () => number;
}

/** Options of {@link ProgressReporter}. */
export interface ProgressReporterOptions extends ProgressThrottleOptions {
  /** Where lines go; default Vitest's logger (stdout, kept above the live summary). */
  write?: (line: string) => void;
}

/** Decides which progress reports of which measurement are worth a line. */
export class ProgressThrottle {
  readonly everyFraction: number;
  readonly minIntervalMs: number;
  private readonly now: () => number;
  private readonly shown = new Map<string, { fraction: number; atMs: number }>();

  constructor(options: ProgressThrottleOptions = {}) {
    this.everyFraction = options.everyFraction ?? 0.1;
    this.minIntervalMs = options.minIntervalMs ?? 5000;
    this.now = options.now ?? (() => performance.now());
    if (!(this.everyFraction > 0 && this.everyFraction <= 1)) {
      throw new HilError('HIL_CONFIG_INVALID', `progress everyFraction ${String(this.everyFraction)} must be in (0, 1], e.g. 0.1 for every 10 %`);
    }
    if (!(this.minIntervalMs >= 0 && Number.isFinite(this.minIntervalMs))) {
      throw new HilError('HIL_CONFIG_INVALID', `progress minIntervalMs ${String(this.minIntervalMs)} must be a finite number of ms >= 0`);
    }
  }

  /**
   * True when the report `done`/`total` of measurement `key` should show:
   * its first report, its last (`done >= total`, which also forgets the
   * key), or one at least `everyFraction` past the last shown and at least
   * `minIntervalMs` after it.
   */
  shouldShow(key: string, done: number, total: number): boolean {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const now = this.now();
    const last = this.shown.get(key);
    if (fraction >= 1) {
      this.shown.delete(key);
      return true;
    }
    if (last && (fraction - last.fraction < this.everyFraction - 1e-9 || now - last.atMs < this.minIntervalMs)) return false;
    this.shown.set(key, { fraction, atMs: now });
    return true;
  }
}

/** Prints throttled progress lines of the running tests' long measurements. */
export class ProgressReporter implements Reporter {
  private readonly throttle: ProgressThrottle;
  private readonly given: ((line: string) => void) | undefined;
  private write: (line: string) => void;
  private root = process.cwd();

  constructor(options: ProgressReporterOptions = {}) {
    this.throttle = new ProgressThrottle(options);
    this.given = options.write;
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
    this.write = this.given ?? ((line) => vitest.logger.log(line));
  }

  onTestCaseArtifactRecord(testCase: TestCase, artifact: TestArtifact): void {
    if (!isProgressArtifact(artifact)) return;
    if (!this.throttle.shouldShow(`${testCase.id}\0${artifact.label}`, artifact.done, artifact.total)) return;
    this.write(`mbot-hil: [${testCase.project.name}] ${relative(this.root, testCase.module.moduleId)}: ${artifact.message}`);
  }
}
