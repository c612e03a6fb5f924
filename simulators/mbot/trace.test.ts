import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Trace } from './trace.ts';

const BYTE_MS = (10 / 115200) * 1000;

/**
 * 3000 writes in both directions: Firmata-like bytes, every 13th write with
 * lost and corrupted bytes, an empty write, one 70,000-byte write (larger
 * than the hash stage and than a storage page) and some 300-byte ones.
 */
function fill(trace: Trace): void {
  let x = 7;
  const next = (): number => (x = (x * 48271) % 2147483647);
  let t = 3;
  for (let w = 0; w < 3000; w++) {
    const n = w === 1000 ? 0 : w === 2000 ? 70_000 : w % 97 === 0 ? 300 : 1 + (next() % 12);
    const sent = new Uint8Array(n);
    for (let i = 0; i < n; i++) sent[i] = i === 0 ? 0xe0 | (next() % 16) : next() % 128;
    let delivered: Int16Array | null = null;
    if (w % 13 === 0) {
      delivered = new Int16Array(n);
      for (let i = 0; i < n; i++) delivered[i] = i % 5 === 1 ? -1 : i % 5 === 2 ? (sent[i] as number) ^ 8 : (sent[i] as number);
    }
    trace.record(w % 3 === 0 ? 'to-device' : 'to-host', t, BYTE_MS, sent, delivered);
    t += n * BYTE_MS + (next() % 5);
  }
}

const short = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

// Produced by the trace as it was before its storage and digest became lazy
// (per-byte typed arrays, every write hashed as recorded): the format of
// digest(), entries(), hex() and decoded() must not change.
const GOLDEN_DIGEST = '2886b50e4b0970552b8a3cf8fdbd3f1fb45991ff9883da4b5253398b3473b332';

describe('Trace', () => {
  it('keeps the digest, entries, hex lines and decoding of the eager per-byte trace', () => {
    const trace = new Trace();
    fill(trace);
    expect(trace.digest()).toBe(GOLDEN_DIGEST);
    expect([trace.length, trace.totalBytes, trace.truncated]).toEqual([98697, 98697, false]);
    expect(short(trace.hex())).toBe('dcac179c7a2ed7b5');
    expect(short(JSON.stringify(trace.entries()))).toBe('3a6f8a459bb96619');
    const events = trace.decoded();
    expect(events).toHaveLength(5242);
    expect(short(JSON.stringify(events))).toBe('538834cfa91f490c');
  });

  it('digests every byte whatever maxEntries stores, and asking early changes nothing', () => {
    for (const maxEntries of [0, 1, 5000, 98_696]) {
      const trace = new Trace({ maxEntries });
      fill(trace);
      expect(trace.digest(), `maxEntries ${maxEntries}`).toBe(GOLDEN_DIGEST);
      expect(trace.truncated).toBe(true);
      expect(trace.length).toBe(maxEntries);
    }
    const capped = new Trace({ maxEntries: 5000 });
    fill(capped);
    expect(short(capped.hex())).toBe('2b7dbdc95fdc53ed');
    expect(short(JSON.stringify(capped.entries()))).toBe('835c39fc2bb3f24f');
    expect(short(JSON.stringify(capped.decoded()))).toBe('0aa648fd01809d9b');

    // digest() in the middle of a run hashes what is stored so far; later writes continue the same stream.
    const a = new Trace();
    const b = new Trace();
    const sent = Uint8Array.of(0xe0, 1, 2);
    for (let i = 0; i < 100; i++) {
      a.record('to-host', i, BYTE_MS, sent, null);
      b.record('to-host', i, BYTE_MS, sent, null);
      if (i % 7 === 0) a.digest();
    }
    expect(a.digest()).toBe(b.digest());
  });

  it('clear() forgets entries and restarts the digest', () => {
    const trace = new Trace();
    const empty = trace.digest();
    fill(trace);
    trace.clear();
    expect([trace.length, trace.totalBytes, trace.entries(), trace.hex(), trace.decoded()]).toEqual([0, 0, [], '', []]);
    expect(trace.digest()).toBe(empty);
    fill(trace);
    expect(trace.digest()).toBe(GOLDEN_DIGEST);
  });

  it('orders decoded events by time, host→board first on ties, also when times were recorded out of order', () => {
    const trace = new Trace();
    // ANALOG_MESSAGE A0 = 5 both ways, finishing at the same time.
    trace.record('to-host', 0, 1, Uint8Array.of(0xe0, 5, 0), null);
    trace.record('to-device', 0, 1, Uint8Array.of(0xe0, 5, 0), null);
    trace.record('to-host', 10, 1, Uint8Array.of(0xe1, 6, 0), null);
    expect(trace.decoded().map((e) => [e.atMs, e.dir, e.kind])).toEqual([
      [3, 'to-device', 'analog-write'],
      [3, 'to-host', 'analog-read'],
      [13, 'to-host', 'analog-read'],
    ]);
    // A hand-made record earlier than the last one of its direction.
    trace.record('to-host', 1, 1, Uint8Array.of(0xe2, 7, 0), null);
    expect(trace.decoded({ kind: 'analog-read' }).map((e) => [e.atMs, e.kind === 'analog-read' ? e.channel : -1])).toEqual([
      [3, 0],
      [4, 2],
      [13, 1],
    ]);
  });
});
