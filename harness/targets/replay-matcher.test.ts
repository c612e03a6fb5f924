import { describe, expect, test } from 'vitest';
import { Canonicalizer, canonicalRecording, COALESCE_WINDOW_MS, LaneCursors, type CommandItem } from './replay-matcher.ts';
import type { RecordedCommand } from './replay-script.ts';
import { firmataStateKey } from './write-queue.ts';

const pwm = (pin: number, v: number): number[] => [0xe0 | pin, v & 0x7f, v >> 7];
const port = (p: number, mask: number): number[] => [0x90 | p, mask & 0x7f, mask >> 7];
const pinMode = (pin: number, mode: number): number[] => [0xf4, pin, mode];

function item(bytes: number[], tMs: number): CommandItem {
  const b = Uint8Array.from(bytes);
  return { bytes: b, stateKey: firmataStateKey(b), tMs };
}

/** Runs a stream through the rules; returns what counts, as hex. */
function canon(stream: Array<[number[], number]>): string[] {
  const c = new Canonicalizer();
  const out: CommandItem[] = [];
  for (const [bytes, t] of stream) out.push(...c.push(item(bytes, t)));
  out.push(...c.flush());
  return out.map((i) => Buffer.from(i.bytes).toString('hex'));
}

describe('what replay compares (the canonical form of the host commands)', () => {
  test('coalescing: a write to the same pin within the window counts as the later one, on either side', () => {
    const bench = canon([[pwm(6, 100), 0], [pwm(6, 200), 4]]);
    const coalescedByTheQueue = canon([[pwm(6, 200), 4]]);
    expect(bench).toEqual(coalescedByTheQueue);
    expect(bench).toEqual(['e64801']);
  });

  test('writes further apart than the window both count, so a drive and its stop are both checked', () => {
    expect(canon([[pwm(6, 200), 0], [pwm(6, 0), COALESCE_WINDOW_MS + 5]])).toEqual(['e64801', 'e60000']);
    // ... and a different speed is a different command.
    expect(canon([[pwm(6, 150), 0], [pwm(6, 0), 100]])).not.toEqual(canon([[pwm(6, 200), 0], [pwm(6, 0), 100]]));
  });

  test('no-ops: a stop on a stopped robot, or a second identical stop, counts as nothing', () => {
    // Every connect, test end and close writes the safe stop; the board starts at 0.
    expect(canon([[pwm(6, 0), 0], [pwm(5, 0), 0], [port(0, 0), 0]])).toEqual([]);
    expect(canon([[port(0, 0x90), 0], [port(0, 0), 50], [port(0, 0), 100]])).toEqual(['901001', '900000']);
  });

  test('an order-keeping message (pin mode) ends a coalescing run and is compared itself', () => {
    expect(canon([[pwm(6, 100), 0], [pinMode(7, 1), 1], [pwm(6, 200), 2]])).toEqual(['e66400', 'f40701', 'e64801']);
  });

  test('the recorded side settles at test marks and opens as the replay does, and lanes move independently', () => {
    const rc = (bytes: number[], tUs: number, connection = 0): RecordedCommand => {
      const b = Uint8Array.from(bytes);
      return { tUs, bytes: b, stateKey: firmataStateKey(b), txOffset: 0, connection };
    };
    const commands = [rc(pinMode(6, 3), 0), rc(pwm(6, 200), 1000), rc(port(0, 0x80), 2000), rc(pwm(6, 0), 500_000), rc(pwm(6, 90), 1_000_000, 1)];
    const c = canonicalRecording(commands, [{ beforeCommand: 0, reset: true }, { beforeCommand: 4, reset: true }]);
    expect(c.items.map((i) => Buffer.from(i.bytes).toString('hex'))).toEqual(['f40603', 'e64801', '900001', 'e60000', 'e65a00']);
    const lanes = new LaneCursors(c);
    expect(lanes.expected('a6')?.index).toBe(1);
    lanes.advance('a6');
    expect(lanes.expected('a6')?.index).toBe(3);
    expect(lanes.earliest()?.index).toBe(0);
    lanes.seek(4);
    expect(lanes.earliest()?.index).toBe(4);
    expect(lanes.expected('#ordered')).toBeNull();
  });
});
