/**
 * The line speed of the host's end of a PTY pair. A PTY carries no baud
 * rate: bytes pass at any setting. But the host's serialport sets its rate
 * on its tty (termios) when it opens it, and `stty` can read that setting
 * without disturbing the host (it opens the tty read-only, non-blocking, and
 * changes nothing). The python3 relay reads it without opening anything
 * (`PtyPair.hostLineSpeed`), and the stand-in passes that as `read`: an open
 * by `stty` would count as a host's there. The stand-in tells its simulator that rate, so a host at
 * the wrong rate reads garbage through the PTY as it would from a board.
 *
 * When to read it: host bytes wait for a reading when the last one is
 * missing or older than 2 s (a host that just opened the port, perhaps at
 * another rate: one `stty` run, a few ms); while bytes keep flowing, the
 * reading is renewed in the background about once a second without holding
 * anything (a connected hardware target writes at least every ~300 ms, its
 * liveness probe, so its bytes are not delayed). A host that changes its
 * rate on a port it keeps open is noticed within about a second; bytes it
 * sends before that are judged at the old rate.
 *
 * Fallbacks, said plainly: without `stty` (not a Unix system) the rate is
 * unknown and taken to match, so the PTY stand-in does not garble; a
 * non-standard rate (set through termios2, which `stty` shows as 0) is taken
 * to match too.
 */
import { execFile } from 'node:child_process';
import type { Clock } from '../../harness/clock/index.ts';

/** A reading older than this makes the next host bytes wait for a new one, ms. */
export const LINE_SPEED_STALE_MS = 2000;
/** A reading older than this is renewed in the background when host bytes pass, ms. */
export const LINE_SPEED_REFRESH_MS = 900;

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
  /** When the last reading completed (clock ms). */
  private lastReadAtMs = -Infinity;
  private reading = false;
  /** Bumped by `reset()`: a reading started before it describes a host that is gone. */
  private generation = 0;
  private held: Buffer[] = [];
  private isHolding = false;
  private stopped = false;
  private unsupported = false;
  private forward: (chunk: Buffer) => void = () => {};
  /** Told when held bytes were let through (the stand-in resumes reading the tty then). */
  onRelease: () => void = () => {};

  constructor(private readonly opts: LineSpeedWatchOptions) {}

  /** True while host bytes wait for a reading (the stand-in stops reading the tty meanwhile, so they cannot pile up). */
  get holding(): boolean {
    return this.isHolding;
  }

  /** Host bytes on their way to the simulator: `forward` gets them, in order, once the rate is known. */
  pass(chunk: Buffer, forward: (chunk: Buffer) => void): void {
    if (this.stopped) return;
    this.forward = forward;
    if (this.isHolding) {
      this.held.push(chunk);
      return;
    }
    if (this.unsupported) {
      forward(chunk);
      return;
    }
    const ageMs = this.opts.clock.monotonicMs() - this.lastReadAtMs;
    if (ageMs >= LINE_SPEED_STALE_MS) {
      this.isHolding = true;
      this.held.push(chunk);
      if (!this.reading) this.refresh();
      return;
    }
    if (ageMs >= LINE_SPEED_REFRESH_MS && !this.reading) this.refresh();
    forward(chunk);
  }

  /** Forgets the state (the host end went away); held bytes are dropped, as a pulled cable drops them. */
  reset(): void {
    this.generation++;
    this.held = [];
    this.isHolding = false;
    this.lastReadAtMs = -Infinity;
  }

  /** Stops gating for good; nothing is forwarded afterwards. */
  stop(): void {
    this.stopped = true;
    this.reset();
  }

  private refresh(): void {
    this.reading = true;
    const generation = this.generation;
    const read = this.opts.read ?? readLineSpeed;
    void read(this.opts.device()).then((r) => {
      this.reading = false;
      if (this.stopped) return;
      if (generation !== this.generation) {
        // The host changed under this reading: bytes held since need a new one.
        if (this.isHolding) this.refresh();
        return;
      }
      this.lastReadAtMs = this.opts.clock.monotonicMs();
      // Without stty there is nothing to read, ever: stop asking.
      if (r.sttyMissing) this.unsupported = true;
      this.opts.apply(r.baudRate ?? undefined);
      if (!this.isHolding) return;
      const chunks = this.held;
      this.held = [];
      this.isHolding = false;
      for (const c of chunks) this.forward(c);
      this.onRelease();
    });
  }
}
