import { describe, expect, test } from 'vitest';
import { createRng } from '../world/rng.ts';
import { receiveAtRate } from './uart-framing.ts';

function randomBytes(n: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  return Uint8Array.from({ length: n }, () => rng.int(0, 255));
}

describe('a UART receiving at one rate what was sent at another', () => {
  test('at the same rate it reproduces every byte, with no framing error', () => {
    const sent = randomBytes(2000, 7);
    for (const baud of [9600, 57600, 115200]) {
      const r = receiveAtRate(sent, baud, baud);
      expect(Array.from(r.bytes)).toEqual(Array.from(sent));
      expect(r.framingErrors).toBe(0);
      expect(Array.from(r.origin.slice(0, 5))).toEqual([0, 1, 2, 3, 4]);
    }
  });

  test('within 2 % it still reproduces them (the drift over 9.5 bits stays under half a bit)', () => {
    const sent = randomBytes(500, 8);
    expect(Array.from(receiveAtRate(sent, 57600, 58750).bytes)).toEqual(Array.from(sent));
    expect(Array.from(receiveAtRate(sent, 57600, 56450).bytes)).toEqual(Array.from(sent));
  });

  test('REPORT_VERSION 0xF9 sent at 57600 reads 0x86 at 115200 (worked by hand from the bit times)', () => {
    // Line at 57600: start 0, then F9 LSB first 1 0 0 1 1 1 1 1, stop 1. Sampling twice as
    // fast from the start edge reads: start 0, data 0 1 1 0 0 0 0 1 (= 0x86), stop 1.
    const r = receiveAtRate(Uint8Array.of(0xf9), 57600, 115200);
    expect(Array.from(r.bytes)).toEqual([0x86]);
    expect(r.framingErrors).toBe(0);
  });

  test('0x00 sent at 115200 reads 0xF8 at 57600 (the slow receiver samples the idle line for the high bits)', () => {
    // Sender: nine 0-bits then the stop bit, each half a receiver bit. The receiver samples at
    // 1, 3, 5, ... sender bits: data bits 0..2 read 0, bit 3 reads the stop bit, bits 4..7 idle.
    const r = receiveAtRate(Uint8Array.of(0x00), 115200, 57600);
    expect(Array.from(r.bytes)).toEqual([0xf8]);
    expect(r.framingErrors).toBe(0);
  });

  test('Johnny-Five\'s handshake at 57600 read by a 115200 board is garbage with framing errors, and always the same garbage', () => {
    // REPORT_VERSION, QUERY_FIRMWARE, CAPABILITY_QUERY, ANALOG_MAPPING_QUERY.
    const handshake = Uint8Array.of(0xf9, 0xf0, 0x79, 0xf7, 0xf0, 0x6b, 0xf7, 0xf0, 0x69, 0xf7);
    const a = receiveAtRate(handshake, 57600, 115200);
    const b = receiveAtRate(handshake, 57600, 115200);
    expect(Array.from(a.bytes)).toEqual(Array.from(b.bytes));
    expect(Array.from(a.bytes)).not.toEqual(Array.from(handshake));
    // And the board's announce at 115200 read by a 57600 host: fewer bytes than sent, framing errors among them.
    const announce = Uint8Array.from([0xf9, 0x02, 0x05, 0xf0, 0x79, 0x02, 0x05, ...Array.from('mbotFirmata.ino', (c) => c.charCodeAt(0)), 0xf7]);
    const slow = receiveAtRate(announce, 115200, 57600);
    expect(slow.bytes.length).toBeLessThan(announce.length);
    expect(slow.framingErrors).toBeGreaterThan(0);
    expect(Array.from(slow.bytes)).not.toContain(0xf9);
  });

  test('a line held low (0x00 bytes back to back, read 3x slower) gives framing errors and waits for a rising edge', () => {
    const r = receiveAtRate(new Uint8Array(30), 115200, 38400);
    expect(r.framingErrors).toBeGreaterThan(0);
    // Every received byte starts at a real falling edge: never more bytes than sent start bits.
    expect(r.bytes.length).toBeLessThanOrEqual(30);
    for (let i = 1; i < r.origin.length; i++) expect(r.origin[i]).toBeGreaterThan(r.origin[i - 1] as number);
  });

  test('an empty write receives nothing', () => {
    expect(receiveAtRate(new Uint8Array(0), 57600, 115200).bytes.length).toBe(0);
  });
});
