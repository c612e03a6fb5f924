/**
 * Whether a process still runs: what the measurement lock and the reports
 * lock ask of a holder before they wait on it, and what tests ask of the
 * children they end. Kept beside the clock, at the bottom, so every layer
 * can use it.
 */

/** True while a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
