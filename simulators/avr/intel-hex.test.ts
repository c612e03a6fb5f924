import { describe, expect, it } from 'vitest';
import { isHilError } from '../../harness/errors.ts';
import { parseIntelHex } from './intel-hex.ts';

/** One record with its checksum. */
function record(type: number, address: number, data: number[]): string {
  const body = [data.length, (address >> 8) & 0xff, address & 0xff, type, ...data];
  const sum = (0x100 - (body.reduce((s, b) => s + b, 0) & 0xff)) & 0xff;
  return `:${[...body, sum].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('')}`;
}
const EOF_RECORD = ':00000001FF';

describe('parseIntelHex', () => {
  it('places data records in a flash image of erased (0xFF) bytes', () => {
    const img = parseIntelHex([record(0, 0, [0x0c, 0x94, 0x74, 0x00]), record(0, 0x10, [1, 2]), EOF_RECORD].join('\n'));
    expect([...img.flash.subarray(0, 4)]).toEqual([0x0c, 0x94, 0x74, 0x00]);
    expect(img.flash[4]).toBe(0xff);
    expect([...img.flash.subarray(0x10, 0x12)]).toEqual([1, 2]);
    expect(img.endAddress).toBe(0x12);
  });

  it('honours extended linear addresses and CRLF line ends', () => {
    const img = parseIntelHex([record(4, 0, [0, 0]), record(0, 0x20, [9]), EOF_RECORD].join('\r\n'));
    expect(img.flash[0x20]).toBe(9);
  });

  const bad: [string, string, RegExp][] = [
    ['a damaged checksum', [record(0, 0, [1, 2]).slice(0, -2) + '00', EOF_RECORD].join('\n'), /:1: checksum mismatch/],
    ['no end record', record(0, 0, [1]), /no end-of-file record/],
    ['data beyond the 32 KiB flash', [record(4, 0, [0, 1]), record(0, 0, [1]), EOF_RECORD].join('\n'), /beyond the 32768-byte flash/],
    ['text that is not a record', 'hello\n' + EOF_RECORD, /:1: not an Intel HEX record/],
    ['a record whose length lies', [':0500000001FA', EOF_RECORD].join('\n'), /says 5 data bytes but carries 1/],
    ['no data at all', EOF_RECORD, /no data records/],
  ];
  it.each(bad)('rejects %s with HIL_AVR_HEX_INVALID naming the line', (_what, text, message) => {
    let caught: unknown;
    try {
      parseIntelHex(text, 'x.hex');
    } catch (err) {
      caught = err;
    }
    expect(isHilError(caught, 'HIL_AVR_HEX_INVALID')).toBe(true);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toMatch(/^HIL_AVR_HEX_INVALID: x\.hex:/);
  });
});
