/**
 * A machine-wide lock around measurement windows. Frame timing is only
 * meaningful when no other measurement saturates the CPU at the same time:
 * `npm test` runs the sim and hardware projects one after the other, but a
 * user's run with more workers (or two runs on one bench PC) would put two
 * windows side by side, and a naive-mode window keeps a core busy for
 * seconds. Holders take turns; a lock left by a dead process, or not touched
 * for `staleMs`, is taken over. A holder touches the file every third of
 * `staleMs`, so a ten-minute soak on a bench keeps its lock to the end.
 *
 * The lock is a file created with O_EXCL holding `pid` and a label.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natives } from '../clock/natives.ts';
import { processAlive } from '../clock/process-alive.ts';

/** Default lock file, shared by every probe on this machine. */
export const MEASUREMENT_LOCK_PATH = join(tmpdir(), 'mbot-hil-measurement.lock');

/** Options of {@link acquireMeasurementLock}. */
export interface MeasurementLockOptions {
  /** Lock file; default {@link MEASUREMENT_LOCK_PATH}. */
  path?: string;
  /** What holds it, shown to waiters; e.g. `frame probe: artbot-1200 naive`. */
  label?: string;
  /** Give up waiting after this many ms and go ahead unlocked; default 20000. */
  maxWaitMs?: number;
  /** A lock its holder has not touched for this many ms is considered abandoned; default 60000. */
  staleMs?: number;
}

/** A held (or, after a timeout, not held) lock. */
export interface MeasurementLock {
  /** False when waiting timed out and the caller went ahead without the lock. */
  readonly held: boolean;
  /** Real ms spent waiting. */
  readonly waitedMs: number;
  /** Label of the holder that made us wait longest, if any. */
  readonly waitedFor: string | null;
  /** Releases the lock; idempotent. */
  release(): void;
}

/** The holder written in the file, or null while it is being written (or gone). */
function readHolder(path: string): { pid: number; label: string } | null {
  try {
    const [pid, , ...label] = readFileSync(path, 'utf8').split('\n');
    const n = Number(pid);
    return Number.isSafeInteger(n) && n > 0 ? { pid: n, label: label.join(' ').trim() } : null;
  } catch {
    return null;
  }
}

/** Age of the lock file in ms, or null when it is gone. */
function ageMs(path: string): number | null {
  try {
    return natives.Date.now() - statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * Waits for the lock (polling every 25 ms of real time, whatever clock the
 * caller has installed) and takes it. Never throws for contention: after
 * `maxWaitMs` it resolves with `held: false` so a measurement still happens
 * (and can say it ran unlocked).
 */
export async function acquireMeasurementLock(options: MeasurementLockOptions = {}): Promise<MeasurementLock> {
  const { path = MEASUREMENT_LOCK_PATH, label = `pid ${process.pid}`, maxWaitMs = 20_000, staleMs = 60_000 } = options;
  const started = natives.performanceNow();
  let waitedFor: string | null = null;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n${natives.Date.now()}\n${label}\n`);
      closeSync(fd);
      let released = false;
      // Heartbeat: a live holder's lock never looks abandoned, however long it measures.
      const heartbeat = natives.setInterval(() => {
        const now = new natives.Date();
        try { utimesSync(path, now, now); } catch { /* taken over or removed: release() copes */ }
      }, Math.max(1, Math.floor(staleMs / 3)));
      heartbeat.unref?.();
      return {
        held: true,
        waitedMs: natives.performanceNow() - started,
        waitedFor,
        release() {
          if (released) return;
          released = true;
          natives.clearInterval(heartbeat);
          const holder = readHolder(path);
          if (holder?.pid === process.pid) { try { unlinkSync(path); } catch { /* already gone */ } }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(path);
    const age = ageMs(path);
    if (age === null) continue; // released meanwhile
    if ((holder !== null && !processAlive(holder.pid)) || age > staleMs) {
      // Abandoned: its holder died or forgot it. Take it over.
      try { unlinkSync(path); } catch { /* someone else did */ }
      continue;
    }
    waitedFor = holder?.label ?? waitedFor;
    const waitedMs = natives.performanceNow() - started;
    if (waitedMs >= maxWaitMs) {
      return { held: false, waitedMs, waitedFor, release() {} };
    }
    await new natives.Promise<void>((resolve) => { natives.setTimeout(resolve, 25); });
  }
}
