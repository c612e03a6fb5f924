/**
 * One run per reports folder. A run takes `<reports>/.mbot-hil-run.lock`
 * (created exclusively, naming the run, its process, host, directory and
 * start time) before writing there. A second run that finds the lock held
 * by a live process does not touch the folder: it writes to
 * `<reports>/runs/<run id>/` and says so, naming the other run. A lock
 * whose process is gone (same host) is stale: it is taken over, and that
 * is said too. Nothing is ever silently merged or replaced.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { HilError } from '../errors.ts';
import { processAlive } from '../clock/process-alive.ts';

/** The lock file's name inside a reports folder. */
export const LOCK_FILE = '.mbot-hil-run.lock';

/** What a lock says about the run holding it. */
export interface LockInfo {
  runId: string;
  pid: number;
  hostname: string;
  cwd: string;
  startedAt: string;
}

/** Where a run writes, and what to tell the user about it. */
export interface ReportsClaim {
  /** The folder this run writes its reports to. */
  dir: string;
  /** True when this run holds the folder's lock (false: diverted to `runs/<id>`). */
  owner: boolean;
  /** A sentence for the terminal when something happened (diverted, stale lock taken over); null otherwise. */
  note: string | null;
  /** Gives the lock back (only if it is still this run's). Safe to call twice. */
  release(): void;
}

const held = new Map<string, string>();
let exitHook = false;

function releaseAll(): void {
  for (const [file, runId] of held) {
    try {
      if ((readLock(file)?.runId ?? null) === runId) unlinkSync(file);
    } catch {
      // Best effort at exit: a lock left behind is stale and taken over next time.
    }
  }
  held.clear();
}

/** The lock at `file`, or null when absent; `undefined` fields mean an unreadable lock. */
export function readLock(file: string): Partial<LockInfo> | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return {};
  }
  try {
    const data = JSON.parse(text) as Partial<LockInfo>;
    return typeof data === 'object' && data !== null ? data : {};
  } catch {
    return {};
  }
}

/** True when the lock's run may still be writing (another host's lock always counts as live). */
export function lockIsLive(lock: Partial<LockInfo>): boolean {
  if (typeof lock.pid !== 'number' || typeof lock.hostname !== 'string') return false;
  if (lock.hostname !== hostname()) return true;
  return processAlive(lock.pid);
}

/** `run 3f2a… (pid 4242 on bench-pc, started 2026-…, in /home/x/proj)`. */
export function describeLock(lock: Partial<LockInfo>): string {
  return `run ${lock.runId ?? '(unnamed)'} (pid ${lock.pid ?? '?'} on ${lock.hostname ?? '?'}, started ${lock.startedAt ?? '?'}${lock.cwd ? `, in ${lock.cwd}` : ''})`;
}

function tryCreate(file: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new HilError('HIL_REPORT_WRITE_FAILED', `could not create the lock ${file}: ${(err as Error).message}. Check the reports directory is writable or set HIL_REPORTS_DIR`, { cause: err });
  }
  try {
    writeSync(fd, `${JSON.stringify(info, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Claims `dir` for the run `runId` (see the file comment). Throws
 * `HIL_REPORT_WRITE_FAILED` when the folder or lock cannot be created.
 */
export function claimReportsDir(dir: string, runId: string, startedAt: string): ReportsClaim {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new HilError('HIL_REPORT_WRITE_FAILED', `could not create ${dir}: ${(err as Error).message}. Check the directory is writable or set HIL_REPORTS_DIR`, { cause: err });
  }
  const file = join(dir, LOCK_FILE);
  const info: LockInfo = { runId, pid: process.pid, hostname: hostname(), cwd: process.cwd(), startedAt };
  let note: string | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryCreate(file, info)) {
      held.set(file, runId);
      if (!exitHook) {
        exitHook = true;
        process.once('exit', releaseAll);
      }
      const release = () => {
        if (held.get(file) !== runId) return;
        held.delete(file);
        try {
          if (readLock(file)?.runId === runId) unlinkSync(file);
        } catch {
          // Left behind, it is stale (its process is gone) and taken over next time.
        }
      };
      return { dir, owner: true, note, release };
    }
    const other = readLock(file);
    if (other === null) continue; // released in between: try again
    if (other.runId === runId) return { dir, owner: true, note, release: () => {} };
    if (lockIsLive(other)) break;
    note = `took over a stale lock of ${describeLock(other)}: that process is gone`;
    try {
      unlinkSync(file);
    } catch {
      // Another run may have taken it over first; the next attempt tells.
    }
  }
  const holder = readLock(file) ?? {};
  const own = join(dir, 'runs', runId);
  try {
    mkdirSync(own, { recursive: true });
  } catch (err) {
    throw new HilError('HIL_REPORT_WRITE_FAILED', `could not create ${own}: ${(err as Error).message}`, { cause: err });
  }
  return {
    dir: own,
    owner: false,
    note: `${dir} is being written by ${describeLock(holder)}; this run's reports go to ${own} instead (nothing of the other run's is touched)`,
    release: () => {},
  };
}
