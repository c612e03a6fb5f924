/**
 * The options of `mbot-hil monitor`, checked before anything starts: every
 * problem is collected and reported together in one HIL_CONFIG_INVALID
 * error, so a wrong command line never half-starts a monitor.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadContractFile, loadContracts, makeContractSet, resolveContractsDir } from '../contracts/index.ts';
import type { ContractSet } from '../contracts/types.ts';
import { HilError, isHilError } from '../errors.ts';

/** Everything a monitor run needs, validated. */
export interface MonitorOptions {
  /** Companion WebSocket URL (latency probe), or null. */
  companion: string | null;
  token: string | null;
  /** Page URL (frame probe: frames, page heap, network budgets), or null. */
  dashboard: string | null;
  /** Process id (memory probe through its inspector), or null. */
  pid: number | null;
  /** Length of each window, real ms. */
  windowMs: number;
  /** Stop after this many ms; null: until Ctrl-C. */
  durationMs: number | null;
  /** File to append one JSON line per window to, or null. */
  history: string | null;
  /** Shell command run with each alert as JSON on stdin, or null. */
  onAlert: string | null;
  onAlertTimeoutMs: number;
  /** Latency probe clients. */
  clients: number;
  /** A single contract file, or null for every contract of `contractsDir`. */
  contractFile: string | null;
  contractsDir: string;
  /** Where the health report goes. */
  reportsDir: string;
}

/** The raw option values as `parseArgs` gives them. */
export type RawMonitorOptions = Record<string, string | boolean | undefined>;

/** Bounds of the numeric options. */
export const MONITOR_LIMITS = Object.freeze({
  windowMs: { min: 200, max: 600_000, default: 2000 },
  durationMs: { max: 30 * 24 * 3_600_000 },
  onAlertTimeoutMs: { min: 100, max: 300_000, default: 10_000 },
  clients: { min: 1, max: 1000, default: 1 },
});

function int(raw: string | undefined, name: string, min: number, max: number, problems: string[]): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) {
    problems.push(`--${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(raw)}`);
    return undefined;
  }
  return n;
}

function url(raw: string | undefined, name: string, protocols: readonly string[], problems: string[]): string | null {
  if (raw === undefined) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    problems.push(`--${name} ${JSON.stringify(raw)} is not a URL; give one such as ${protocols[0]}//127.0.0.1:8787`);
    return null;
  }
  if (!protocols.includes(u.protocol)) {
    problems.push(`--${name} must be a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL; got ${u.protocol.replace(':', '')}:`);
    return null;
  }
  return raw;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else (the inspector will say more).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Validates `values` (see `mbot-hil monitor --help`). Throws one
 * HIL_CONFIG_INVALID listing every problem.
 */
export function parseMonitorOptions(values: RawMonitorOptions, env: Record<string, string | undefined> = process.env, cwd = process.cwd()): MonitorOptions {
  const problems: string[] = [];
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const companion = url(str('companion'), 'companion', ['ws:', 'wss:'], problems);
  const dashboard = url(str('dashboard'), 'dashboard', ['http:', 'https:', 'file:'], problems);
  let pid: number | null = null;
  const rawPid = str('pid');
  if (rawPid !== undefined) {
    const n = int(rawPid, 'pid', 1, 4_194_304, problems);
    if (n !== undefined) {
      if (n === process.pid) problems.push(`--pid ${n} is this monitor itself; give the process under test`);
      else if (!processExists(n)) problems.push(`--pid ${n}: no such process`);
      else pid = n;
    }
  }
  if (str('companion') === undefined && str('dashboard') === undefined && rawPid === undefined) {
    problems.push('nothing to watch: give --companion <ws-url>, --dashboard <url> and/or --pid <pid>');
  }
  const windowMs = int(str('window'), 'window', MONITOR_LIMITS.windowMs.min, MONITOR_LIMITS.windowMs.max, problems) ?? MONITOR_LIMITS.windowMs.default;
  const durationMs = int(str('duration'), 'duration', 1, MONITOR_LIMITS.durationMs.max, problems) ?? null;
  if (durationMs !== null && durationMs < windowMs) problems.push(`--duration ${durationMs} is shorter than one window (--window ${windowMs}); give at least ${windowMs}`);
  const onAlertTimeoutMs = int(str('on-alert-timeout'), 'on-alert-timeout', MONITOR_LIMITS.onAlertTimeoutMs.min, MONITOR_LIMITS.onAlertTimeoutMs.max, problems) ?? MONITOR_LIMITS.onAlertTimeoutMs.default;
  const clients = int(str('clients'), 'clients', MONITOR_LIMITS.clients.min, MONITOR_LIMITS.clients.max, problems) ?? MONITOR_LIMITS.clients.default;
  const onAlert = str('on-alert') ?? null;
  if (onAlert !== null && (onAlert.trim() === '' || onAlert.length > 4096)) problems.push('--on-alert must be a command of 1 to 4096 characters');

  let history: string | null = null;
  const rawHistory = str('history');
  if (rawHistory !== undefined) {
    const file = resolve(cwd, rawHistory);
    const dir = dirname(file);
    if (rawHistory.trim() === '') problems.push('--history needs a file name, e.g. monitor.ndjson');
    else if (!existsSync(dir) || !statSync(dir).isDirectory()) problems.push(`--history ${rawHistory}: the folder ${dir} does not exist; create it first`);
    else if (existsSync(file) && !statSync(file).isFile()) problems.push(`--history ${rawHistory} is not a regular file`);
    else {
      try {
        accessSync(existsSync(file) ? file : dir, constants.W_OK);
        history = file;
      } catch {
        problems.push(`--history ${rawHistory}: not writable`);
      }
    }
  }
  let contractFile: string | null = null;
  const rawContract = str('contract');
  if (rawContract !== undefined) {
    const file = resolve(cwd, rawContract);
    if (!existsSync(file) || !statSync(file).isFile()) problems.push(`--contract ${rawContract}: no such file`);
    else contractFile = file;
  }
  const token = str('token') ?? env.HIL_COMPANION_TOKEN ?? null;
  if (problems.length > 0) {
    throw new HilError('HIL_CONFIG_INVALID', `mbot-hil monitor: ${problems.length} problem(s) with the options; fix each of them:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return {
    companion, token, dashboard, pid, windowMs, durationMs, history, onAlert, onAlertTimeoutMs, clients, contractFile,
    contractsDir: resolveContractsDir({ cwd }),
    reportsDir: resolve(cwd, str('reports-dir') ?? (env.HIL_REPORTS_DIR?.trim() || 'reports')),
  };
}

/**
 * The contracts the monitor enforces: `--contract <file>` alone, or every
 * contract of the contracts folder. Contract problems are HIL_CONFIG_INVALID
 * here (a bad option), with every problem listed.
 */
export function loadMonitorContracts(options: Pick<MonitorOptions, 'contractFile' | 'contractsDir'>): ContractSet {
  try {
    if (options.contractFile) return makeContractSet(dirname(options.contractFile), [loadContractFile(options.contractFile)]);
    return loadContracts({ dir: options.contractsDir });
  } catch (err) {
    if (isHilError(err)) throw new HilError('HIL_CONFIG_INVALID', `mbot-hil monitor: the contract(s) did not load: ${(err as Error).message}`, { cause: err });
    throw err;
  }
}
