import { describe, expect, test } from 'vitest';
import { analogWriteBytes, clearSafeStopPins, digitalPortBytes, hexBytes, safeStopBytes } from './firmata-bytes.ts';

describe('firmata bytes', () => {
  test('analog write: ANALOG_MESSAGE for pins 0..15, EXTENDED_ANALOG sysex above', () => {
    expect(analogWriteBytes(6, 200)).toEqual([0xe6, 200 & 0x7f, 1]);
    expect(analogWriteBytes(20, 5)).toEqual([0xf0, 0x6f, 20, 5, 0, 0xf7]);
  });

  test('digital port message carries 8 pins in two 7-bit bytes', () => {
    expect(digitalPortBytes(1, 0b1000_0001)).toEqual([0x91, 0x01, 0x01]);
  });

  test('safe stop with no known port state: motors 0, both ports LOW', () => {
    expect([...safeStopBytes()]).toEqual([0xe6, 0, 0, 0xe5, 0, 0, 0x90, 0, 0, 0x91, 0, 0]);
  });

  test('safe stop keeps unrelated pins of the ports and never names a servo pin', () => {
    const bytes = [...safeStopBytes(undefined, [0xff, 0b0010_0011])];
    // port 0: pins 4 and 7 cleared, others kept; port 1: pin 8 cleared, 9 and 13 kept
    expect(bytes.slice(6)).toEqual([0x90, 0x6f, 0, 0x91, 0b0010_0010, 0]);
  });

  test('clearSafeStopPins updates the host-side table in place', () => {
    const ports = [0xff, 0xff];
    clearSafeStopPins(ports);
    expect(ports).toEqual([0x6f, 0xfe]);
  });

  test('hexBytes shortens long input', () => {
    expect(hexBytes([0xf9, 2, 5])).toBe('f9 02 05');
    expect(hexBytes(new Array(70).fill(0), 2)).toBe('00 00 ... (70 bytes)');
  });
});
