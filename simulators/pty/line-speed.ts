/**
 * The line speed of the host's end of a PTY pair. A PTY carries no baud
 * rate: bytes pass at any setting. But the host's serialport sets its rate
 * on its tty (termios) when it opens it, and `stty` can read that setting
 * without disturbing the host (it opens the tty read-only, non-blocking, and
 * changes nothing). The stand-in tells its simulator that rate, so a host at
 * the wrong rate reads garbage through the PTY as it would from a board.
 *
 * When to read it: at the first host bytes after a quiet spell (a host that
 * just opened the port, perhaps at another rate), holding those bytes until
 * the answer is in (one `stty` run, a few ms); while bytes keep flowing, once
 * a second in the background (a host that changed its rate mid-stream is
 * noticed within about a second).
 *
 * Fallbacks, said plainly: without `stty` (not a Unix system) the rate is
 * unknown and taken to match, so the PTY stand-in does not garble; a
 * non-standard rate (set through termios2, which `stty` shows as 0) is taken
 * to match too.
 */
import { execFile } from 'node:child_process';
import type { Clock } from '../../harness/clock/index.ts';

/** Ms without host bytes after which the next bytes wait for a fresh reading. */
export const LINE_SPEED_QUIET_MS = 250;
/** Ms between background readings while bytes flow. */
export const LINE_SPEED_REFRESH_MS = 1000;

/** One reading of a tty's rate: `baudRate` null when unknown (non-standard, or `stty` failed); `sttyMissing` when there is no `stty` at all. */
export interface LineSpeedReading {
  baudRate: number | null;
  sttyMissing: boolean;
}

/** The baud rate set on tty `device`, read with `stty` (see {@link LineSpeedReading}). */
export function readLineSpeed(device: string): Promise<LineSpeedReading> {
  const flag = process.platform === 'darwin' || process.platform.endsWith('bsd') ? '-f' : '-F';
  return new Promise((resolve) => {
    execFile('stty', [flag, device, 'speed'], { timeout: 2000 }, (err, stdout) => {
      const n = Number.parseInt(String(stdout).trim(), 10);
      resolve({
        baudRate: err || !Number.isSafeInteger(n) || n <= 0 ? null : n,
        sttyMissing: (err as NodeJS.ErrnoException | null)?.code === 'ENOENT',
      });
    });
  });
}

/** Options of {@link LineSpeedWatch}. */
export interface LineSpeedWatchOptions {
  clock: Clock;
  /** The tty whose setting is read (the host's end). */
  device: () => string;
  /** Receives each reading (undefined: unknown, taken to match). */
  apply: (baudRate: number | undefined) => void;
  /** Reads the rate; default {@link readLineSpeed}. */
  read?: (device: string) => Promise<LineSpeedReading>;
}

/** Gates host bytes on a current reading of the host's line speed (see the module comment). */
export class LineSpeedWatch {
  private lastBytesAtMs = -Infinity;
  private lastReadAtMs = -Infinity;
  private reading = false;
  private held: Buffer[] = [];
  private holding = false;
  private stopped = false;
  private unsupported = false;

  constructor(private readonly opts: LineSpeedWatchOptions) {}

  /** Host bytes on their way to the simulator: `forward` gets them, in order, once the rate is known. */
  pass(chunk: Buffer, forward: (chunk: Buffer) => void): void {
    if (this.stopped) return;
    const now = this.opts.clock.monotonicMs();
    const quiet = now - this.lastBytesAtMs >= LINE_SPEED_QUIET_MS;
    this.lastBytesAtMs = now;
    if (this.holding) {
      this.held.push(chunk);
      return;
    }
    if (this.unsupported || this.reading) {
      forward(chunk);
      return;
    }
    if (quiet) {
      this.holding = true;
      this.held.push(chunk);
      this.refresh(forward);
      return;
    }
    if (now - this.lastReadAtMs >= LINE_SPEED_REFRESH_MS) this.refresh(undefined);
    forward(chunk);
  }

  /** Forgets the state (the host end went away); held bytes are dropped, as a pulled cable drops them. */
  reset(): void {
    this.held = [];
    this.holding = false;
    this.lastBytesAtMs = -Infinity;
  }

  /** Stops gating for good; nothing is forwarded afterwards. */
  stop(): void {
    this.stopped = true;
    this.reset();
  }

  private refresh(release: ((chunk: Buffer) => void) | undefined): void {
    this.reading = true;
    this.lastReadAtMs = this.opts.clock.monotonicMs();
    const read = this.opts.read ?? readLineSpeed;
    void read(this.opts.device()).then((r) => {
      this.reading = false;
      if (this.stopped) return;
      // Without stty there is nothing to read, ever: stop asking.
      if (r.sttyMissing) this.unsupported = true;
      this.opts.apply(r.baudRate ?? undefined);
      if (release === undefined || !this.holding) return;
      const chunks = this.held;
      this.held = [];
      this.holding = false;
      for (const c of chunks) release(c);
    });
  }
}
