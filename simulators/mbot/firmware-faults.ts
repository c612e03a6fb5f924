/**
 * What the emulated firmware does when the board model throws while applying
 * host input: the chip would simply have gone on, so the firmware skips that
 * step and reports a fault instead of letting the error escape from a timer.
 */
import type { Clock } from '../../harness/clock/index.ts';
import type { FirmataMessage } from './firmata-parser.ts';
import type { FirmwareFault } from './mcore-hardware.ts';

/** Reports faults to a sink, naming the host message being applied. Never throws. */
export class FaultReporter {
  /** The host message being applied ('' outside one), named in every report. */
  context = '';

  constructor(
    private readonly clock: Clock,
    private readonly sink: (fault: FirmwareFault) => void,
  ) {}

  /** Names `m` for reports: its kind, or `sysex 0xNN`. */
  static messageName(m: FirmataMessage): string {
    return m.kind === 'sysex' ? `sysex 0x${m.command.toString(16).padStart(2, '0')}` : m.kind;
  }

  /** Reports `err`, thrown while doing `what` (e.g. `pin 8`). */
  report(what: string, err: unknown): void {
    const text = err instanceof Error ? err.message : String(err);
    const where = this.context === '' ? what : `${this.context}: ${what}`;
    try {
      this.sink({ atMs: this.clock.monotonicMs(), message: `${where}: ${text}` });
    } catch {
      // A sink that throws must not undo the guard.
    }
  }

  /** Runs `fn`; a throw is reported as `what` and goes no further. */
  run(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.report(what, err);
    }
  }
}
