/**
 * The bounded run history, `reports/history.ndjson`: at the end of each run
 * that measured something, the reporter appends one line (the run's verdict
 * per invariant, each checked metric's worst value, and the range of every
 * metric measured); the file keeps the newest {@link HISTORY_DEFAULTS}
 * `maxRuns` lines and at most `maxBytes` bytes, older lines are dropped (the
 * file is rewritten atomically when it grows past either bound). The report
 * draws each invariant's metric over the last `trendRuns` runs plus this one.
 *
 * A line that cannot be read (a run killed mid-write, a hand edit) is
 * skipped and counted, never fatal. Runs that evaluated nothing (a unit-test
 * run) append nothing.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ContractSet } from '../contracts/types.ts';
import { HilError } from '../errors.ts';
import { counts } from './build-report.ts';
import { historyEntrySchema, type HistoryEntry, type Trend, type TrendSeries } from './history-model.ts';
import type { ComplianceReport } from './report-model.ts';
import { writeFileAtomic } from './write-atomic.ts';

/** Bounds of the history file and of the trend drawn from it. */
export interface HistoryBounds {
  /** Most runs (lines) kept; default 200. */
  maxRuns: number;
  /** Most bytes kept; default 1 MiB (a line is about 2-4 KB). */
  maxBytes: number;
  /** Previous runs drawn in the report's trend charts; default 30. */
  trendRuns: number;
}

/** The default bounds. */
export const HISTORY_DEFAULTS: Readonly<HistoryBounds> = Object.freeze({ maxRuns: 200, maxBytes: 1024 * 1024, trendRuns: 30 });

/** `HIL_HISTORY`: a file path for the history, or `off` to keep none. */
export const HISTORY_ENV = 'HIL_HISTORY';

type Worst = 'max' | 'min';

function worstFor(op: string): Worst | null {
  if (op === '<' || op === '<=') return 'max';
  if (op === '>' || op === '>=') return 'min';
  return null;
}

/**
 * The history line of `report`, or null when the run evaluated nothing
 * that counts and recorded no A/B measurement (nothing to remember).
 */
export function historyEntryOf(report: ComplianceReport): HistoryEntry | null {
  const invariants: HistoryEntry['invariants'] = {};
  const metrics: HistoryEntry['metrics'] = {};
  const see = (name: string, v: { value: number; unit: string }): void => {
    const had = metrics[name];
    metrics[name] = had
      ? { min: Math.min(had.min, v.value), max: Math.max(had.max, v.value), unit: had.unit, n: had.n + 1 }
      : { min: v.value, max: v.value, unit: v.unit, n: 1 };
  };
  let measured = false;
  for (const c of report.contracts) {
    for (const i of c.invariants) {
      const checked: HistoryEntry['invariants'][string]['metrics'] = {};
      for (const e of i.evaluations.filter(counts)) {
        measured = true;
        for (const [name, m] of Object.entries(e.metrics)) see(name, m);
        for (const check of e.checks) {
          for (const cmp of check.comparisons) {
            const op = cmp.metricOp ?? cmp.op;
            const worst = worstFor(op);
            const m = cmp.metric ? check.measured[cmp.metric] : null;
            if (!cmp.metric || cmp.threshold === undefined || !m || !worst) continue;
            const had = checked[cmp.metric];
            const value = had ? (worst === 'max' ? Math.max(had.value, m.value) : Math.min(had.value, m.value)) : m.value;
            checked[cmp.metric] = { value, unit: m.unit, op, threshold: cmp.threshold };
          }
        }
      }
      invariants[i.id] = { verdict: i.verdict, metrics: checked };
    }
  }
  for (const t of report.optimizationTargets ?? []) {
    if (t.measurements > 0) measured = true;
  }
  if (!measured) return null;
  return historyEntrySchema.parse({
    schema: 'mbot-hil/history@1',
    at: report.run.finishedAt ?? report.run.startedAt,
    commit: report.run.commit,
    status: report.run.status,
    gatePassed: report.gate.passed,
    projects: report.run.projects,
    invariants,
    metrics,
  });
}

/** Reads the history; a missing file is empty, unreadable lines are counted and skipped. */
export function readHistory(file: string): { entries: HistoryEntry[]; unreadable: number } {
  if (!existsSync(file)) return { entries: [], unreadable: 0 };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new HilError('HIL_CONFIG_INVALID', `cannot read the run history ${file} (${(err as Error).message}); fix its permissions, or set ${HISTORY_ENV}=off`, { cause: err });
  }
  const entries: HistoryEntry[] = [];
  let unreadable = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed = historyEntrySchema.safeParse(JSON.parse(line));
      if (parsed.success) entries.push(parsed.data);
      else unreadable++;
    } catch {
      unreadable++;
    }
  }
  return { entries, unreadable };
}

/**
 * Appends `entry` and keeps the file within `bounds` (newest lines kept,
 * rewritten atomically only when a bound is passed). Returns the number of
 * lines now in the file. Throws HIL_REPORT_WRITE_FAILED.
 */
export function appendHistory(file: string, entry: HistoryEntry, bounds: Pick<HistoryBounds, 'maxRuns' | 'maxBytes'> = HISTORY_DEFAULTS): number {
  const line = `${JSON.stringify(entry)}\n`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, line);
  } catch (err) {
    throw new HilError('HIL_REPORT_WRITE_FAILED', `could not append to the run history ${file}: ${(err as Error).message}`, { cause: err });
  }
  const size = statSync(file).size;
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  if (lines.length <= bounds.maxRuns && size <= bounds.maxBytes) return lines.length;
  const kept: string[] = [];
  let bytes = 0;
  for (let i = lines.length - 1; i >= 0 && kept.length < bounds.maxRuns; i--) {
    const b = Buffer.byteLength(lines[i] as string) + 1;
    if (bytes + b > bounds.maxBytes && kept.length > 0) break;
    kept.push(lines[i] as string);
    bytes += b;
  }
  kept.reverse();
  writeFileAtomic(file, kept.map((l) => `${l}\n`).join(''));
  return kept.length;
}

/**
 * The trend: for every invariant of the loaded contracts, each metric its
 * checks compare with a threshold, over the last `trendRuns` previous runs
 * and the current one (points only where a run measured it).
 */
export function buildTrend(contracts: ContractSet | null, previous: readonly HistoryEntry[], current: HistoryEntry | null, options: { file: string; unreadable: number; trendRuns?: number }): Trend {
  const recent = previous.slice(-(options.trendRuns ?? HISTORY_DEFAULTS.trendRuns));
  const runs = [...recent.map((e) => ({ e, current: false })), ...(current ? [{ e: current, current: true }] : [])];
  const series: TrendSeries[] = [];
  for (const c of contracts?.contracts ?? []) {
    for (const inv of c.invariants) {
      for (const v of inv.validation) {
        for (const cmp of v.compiled.comparisons) {
          if (!cmp.metric || cmp.threshold === undefined || worstFor(cmp.metricOp ?? cmp.op) === null) continue;
          const metric = cmp.metric;
          const points = runs.flatMap(({ e, current: isCurrent }) => {
            const m = e.invariants[inv.id]?.metrics[metric];
            return m ? [{ at: e.at, commit: e.commit, value: m.value, verdict: e.invariants[inv.id]?.verdict ?? 'not-run', current: isCurrent }] : [];
          });
          const unit = runs.map(({ e }) => e.invariants[inv.id]?.metrics[metric]?.unit).find((u): u is string => !!u) ?? '';
          series.push({ invariant: inv.id, name: inv.name, metric, unit, op: cmp.metricOp ?? cmp.op, threshold: cmp.threshold, points });
        }
      }
    }
  }
  return { file: options.file, previousRuns: previous.length, unreadableLines: options.unreadable, series };
}

/**
 * Where the history goes: `option` (a path, or false for none), else
 * `HIL_HISTORY` (`off` for none), else `<outputDir>/history.ndjson`.
 */
export function resolveHistoryPath(option: string | false | undefined, outputDir: string, env: Record<string, string | undefined> = process.env): string | null {
  if (option === false) return null;
  if (typeof option === 'string' && option.trim() !== '') return resolve(outputDir, option);
  const fromEnv = env[HISTORY_ENV]?.trim();
  if (fromEnv === 'off') return null;
  if (fromEnv) return resolve(fromEnv);
  return join(outputDir, 'history.ndjson');
}

/**
 * The history as one reporter uses it: read once (for the trend of every
 * report it writes during the run), appended once (when the run ends).
 */
export class RunHistory {
  #previous: { entries: HistoryEntry[]; unreadable: number } | undefined;
  #recorded = false;

  constructor(readonly file: string | null, readonly bounds: HistoryBounds = { ...HISTORY_DEFAULTS }, private readonly shownAs: string = file ?? '') {}

  /** The trend for `report`; undefined without a history file. Throws HIL_CONFIG_INVALID when the file cannot be read. */
  trend(report: ComplianceReport, contracts: ContractSet | null): Trend | undefined {
    if (this.file === null) return undefined;
    this.#previous ??= readHistory(this.file);
    return buildTrend(contracts, this.#previous.entries, historyEntryOf(report), { file: this.shownAs, unreadable: this.#previous.unreadable, trendRuns: this.bounds.trendRuns });
  }

  /** Appends the run's line (once; nothing when the run measured nothing). Returns whether a line was written. */
  record(report: ComplianceReport): boolean {
    if (this.file === null || this.#recorded) return false;
    const entry = historyEntryOf(report);
    if (!entry) return false;
    appendHistory(this.file, entry, this.bounds);
    this.#recorded = true;
    return true;
  }
}
