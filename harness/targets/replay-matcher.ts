/**
 * How a replay decides that the host sent the robot "the same thing" as
 * the recording, although the harness legitimately varies some of it.
 * Both sides, the recorded commands and the replayed host's, pass through
 * the same {@link Canonicalizer}; the results must be equal, in order.
 *
 * The rules (docs/record-replay-and-remote.md, "What replay compares"):
 * 1. Queries are not commands: REPORT_VERSION, REPORT_FIRMWARE, the
 *    capability, analog-mapping and pin-state queries and PING_READ are
 *    answered, not compared (how often a host asks depends on timing).
 * 2. Coalescing: a state-setting message (a PWM/analog write to one pin, a
 *    digital write to one port) followed by another to the same pin or port
 *    within {@link COALESCE_WINDOW_MS} ms, with no order-keeping message
 *    between, counts only as the later one. The write queue coalesces
 *    exactly such writes under load, and a tone's pin toggles collapse too.
 * 3. No-ops: a state-setting message that sets what is already set (the
 *    board's state starts at 0 on every open) counts as nothing: every
 *    connect, every test's end and every close writes a safe stop, and a
 *    stop after a stop changes nothing on the robot.
 * 4. Everything else (pin modes, report toggles, sysex such as pixel, servo
 *    and sampling settings) keeps its order and is compared byte for byte.
 * Test starts and ends, and opens, settle both sides (nothing coalesces
 * across them).
 */
import type { RecordedCommand } from './replay-script.ts';

/** Writes to one pin closer than this, ms, with nothing order-keeping between, count as the last one. */
export const COALESCE_WINDOW_MS = 15;

/** One host command on either side. */
export interface CommandItem {
  bytes: Uint8Array;
  stateKey: string | null;
  /** Ms on that side's clock (recorded: µs / 1000; replay: the virtual clock). */
  tMs: number;
  /** The recorded command, on the recorded side. */
  recorded?: RecordedCommand;
}

/** The value a state-setting message sets. */
function stateValue(bytes: Uint8Array): number {
  const cmd = bytes[0] ?? 0;
  if (cmd === 0xf0) {
    // EXTENDED_ANALOG: f0 6f pin v0 v1 ... f7
    let v = 0;
    for (let i = 3; i < bytes.length - 1; i++) v |= (bytes[i] ?? 0) << (7 * (i - 3));
    return v;
  }
  return (bytes[1] ?? 0) | ((bytes[2] ?? 0) << 7);
}

/** Applies the rules to a stream of host commands; see the module comment. */
export class Canonicalizer {
  private pending: CommandItem[] = [];
  private state = new Map<string, number>();

  constructor(private readonly windowMs = COALESCE_WINDOW_MS) {}

  /** Feeds one command at its time; returns the commands that now count, in order. */
  push(item: CommandItem): CommandItem[] {
    const out = this.tick(item.tMs);
    if (item.stateKey === null) {
      out.push(...this.flush());
      out.push(item);
      return out;
    }
    const i = this.pending.findIndex((p) => p.stateKey === item.stateKey);
    if (i >= 0) this.pending.splice(i, 1);
    this.pending.push(item);
    return out;
  }

  /** Settles the state writes older than the window at `nowMs`. */
  tick(nowMs: number): CommandItem[] {
    const out: CommandItem[] = [];
    while (this.pending.length > 0 && nowMs - (this.pending[0] as CommandItem).tMs > this.windowMs) {
      this.emit(this.pending.shift() as CommandItem, out);
    }
    return out;
  }

  /** Settles every pending write (a test boundary, an open, a barrier). */
  flush(): CommandItem[] {
    const out: CommandItem[] = [];
    for (const p of this.pending.splice(0)) this.emit(p, out);
    return out;
  }

  /** Ms until the oldest pending write settles, or null when none waits. */
  nextSettleInMs(nowMs: number): number | null {
    const first = this.pending[0];
    return first === undefined ? null : Math.max(0, first.tMs + this.windowMs - nowMs) + 1;
  }

  /** A new connection: the board starts from 0 again. Call {@link flush} first. */
  resetState(): void {
    this.pending = [];
    this.state.clear();
  }

  /** The state the rules believe the board is in (for aligning the other side after a jump). */
  snapshotState(): Map<string, number> {
    return new Map(this.state);
  }

  /** Replaces the believed state (after a jump to another point of the recording). */
  setState(state: Map<string, number>): void {
    this.pending = [];
    this.state = new Map(state);
  }

  private emit(item: CommandItem, out: CommandItem[]): void {
    if (item.stateKey !== null) {
      const v = stateValue(item.bytes);
      if ((this.state.get(item.stateKey) ?? 0) === v) return;
      this.state.set(item.stateKey, v);
    }
    out.push(item);
  }
}

/** A point where both sides settle: before the recorded command with index `beforeCommand`. */
export interface SettlePoint {
  beforeCommand: number;
  /** True at an open: the board's state starts again. */
  reset: boolean;
}

/** The recorded commands that count, with the believed board state before each. */
export interface CanonicalRecording {
  items: CommandItem[];
  /** State before `items[i]` (for jumps). */
  stateBefore: Array<Map<string, number>>;
  /** Index in `items` of the first canonical item at or after recorded command `i` (length+1 entries). */
  firstAtOrAfter: number[];
}

/**
 * Runs the rules over the recorded commands, settling at `points` (test
 * starts and ends, opens) as the replay will.
 */
export function canonicalRecording(commands: readonly RecordedCommand[], points: readonly SettlePoint[], windowMs = COALESCE_WINDOW_MS): CanonicalRecording {
  const c = new Canonicalizer(windowMs);
  const items: CommandItem[] = [];
  const sourceIndex: number[] = [];
  const indexOf = new Map<RecordedCommand, number>(commands.map((cmd, i) => [cmd, i]));
  const sorted = [...points].sort((a, b) => a.beforeCommand - b.beforeCommand);
  let p = 0;
  const take = (list: CommandItem[]): void => {
    for (const it of list) {
      items.push(it);
      sourceIndex.push(indexOf.get(it.recorded as RecordedCommand) ?? 0);
    }
  };
  const settle = (upTo: number): void => {
    while (p < sorted.length && (sorted[p] as SettlePoint).beforeCommand <= upTo) {
      take(c.flush());
      if ((sorted[p] as SettlePoint).reset) c.resetState();
      p++;
    }
  };
  commands.forEach((cmd, i) => {
    settle(i);
    take(c.push({ bytes: cmd.bytes, stateKey: cmd.stateKey, tMs: cmd.tUs / 1000, recorded: cmd }));
  });
  settle(Number.POSITIVE_INFINITY);
  take(c.flush());
  const firstAtOrAfter: number[] = new Array<number>(commands.length + 1).fill(items.length);
  for (let k = items.length - 1; k >= 0; k--) {
    const src = sourceIndex[k] as number;
    firstAtOrAfter[src] = Math.min(firstAtOrAfter[src] as number, k);
  }
  for (let i = commands.length - 1; i >= 0; i--) firstAtOrAfter[i] = Math.min(firstAtOrAfter[i] as number, firstAtOrAfter[i + 1] as number);
  return { items, stateBefore: recomputeStates(items), firstAtOrAfter };
}

/** The believed state before each canonical item, from the items themselves (they are exactly the changes). */
function recomputeStates(items: readonly CommandItem[]): Array<Map<string, number>> {
  const out: Array<Map<string, number>> = [];
  let state = new Map<string, number>();
  let connection = items[0]?.recorded?.connection ?? 0;
  for (const it of items) {
    if ((it.recorded?.connection ?? connection) !== connection) {
      connection = it.recorded?.connection ?? connection;
      state = new Map();
    }
    out.push(new Map(state));
    if (it.stateKey !== null) state.set(it.stateKey, stateValue(it.bytes));
  }
  return out;
}
