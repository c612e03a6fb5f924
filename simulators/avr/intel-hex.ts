/**
 * Intel HEX, the format avr-gcc/avrdude firmware images ship in, read into
 * a flash image for the emulated ATmega328P. Every record's checksum is
 * checked; data records (00), end of file (01), extended segment (02) and
 * linear (04) addresses are understood, start-address records (03/05) are
 * accepted and ignored (the AVR starts at its reset vector). A bad file is
 * rejected with HIL_AVR_HEX_INVALID naming the line, never half-loaded.
 */
import { HilError } from '../../harness/errors.ts';

/** Flash of the ATmega328P, bytes. */
export const ATMEGA328P_FLASH_BYTES = 32 * 1024;

/** A firmware image read from Intel HEX. */
export interface FlashImage {
  /** The whole flash, erased bytes 0xFF (what a chip erase leaves). */
  readonly flash: Uint8Array;
  /** One past the highest byte the file wrote. */
  readonly endAddress: number;
}

function bad(source: string, line: number, what: string): never {
  throw new HilError(
    'HIL_AVR_HEX_INVALID',
    `${source}:${line}: ${what}; give HIL_PORT=avr: an Intel HEX image built for the ATmega328P (e.g. avrdude's input file)`,
  );
}

/**
 * Parses `text` as Intel HEX into a `flashBytes`-byte image. `source` names
 * the file in errors. Throws HIL_AVR_HEX_INVALID on a malformed record, a
 * checksum mismatch, data beyond the flash, a missing end record, or no data.
 */
export function parseIntelHex(text: string, source = 'firmware.hex', flashBytes = ATMEGA328P_FLASH_BYTES): FlashImage {
  const flash = new Uint8Array(flashBytes).fill(0xff);
  let base = 0;
  let endAddress = 0;
  let sawData = false;
  let sawEnd = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    const at = i + 1;
    if (line === '') continue;
    if (sawEnd) bad(source, at, 'data after the end-of-file record');
    if (!/^:([0-9A-Fa-f]{2})+$/.test(line) || line.length < 11) bad(source, at, 'not an Intel HEX record (":" then hex byte pairs)');
    const bytes: number[] = [];
    for (let j = 1; j < line.length; j += 2) bytes.push(parseInt(line.slice(j, j + 2), 16));
    const count = bytes[0] ?? 0;
    if (bytes.length !== count + 5) bad(source, at, `the record says ${count} data bytes but carries ${bytes.length - 5}`);
    const sum = bytes.reduce((s, b) => (s + b) & 0xff, 0);
    if (sum !== 0) bad(source, at, 'checksum mismatch (the file is damaged)');
    const offset = ((bytes[1] ?? 0) << 8) | (bytes[2] ?? 0);
    const type = bytes[3] ?? 0;
    const data = bytes.slice(4, 4 + count);
    switch (type) {
      case 0x00: {
        const start = base + offset;
        if (start + count > flashBytes) bad(source, at, `data at 0x${start.toString(16)} lies beyond the ${flashBytes}-byte flash`);
        flash.set(data, start);
        endAddress = Math.max(endAddress, start + count);
        sawData ||= count > 0;
        break;
      }
      case 0x01:
        sawEnd = true;
        break;
      case 0x02:
        if (count !== 2) bad(source, at, 'an extended segment address record carries 2 bytes');
        base = (((data[0] ?? 0) << 8) | (data[1] ?? 0)) * 16;
        break;
      case 0x04:
        if (count !== 2) bad(source, at, 'an extended linear address record carries 2 bytes');
        base = (((data[0] ?? 0) << 8) | (data[1] ?? 0)) * 65536;
        break;
      case 0x03:
      case 0x05:
        break; // start addresses: the AVR starts at its reset vector anyway
      default:
        bad(source, at, `unknown record type 0x${type.toString(16).padStart(2, '0')}`);
    }
  }
  if (!sawData) bad(source, lines.length, 'no data records: nothing to run');
  if (!sawEnd) bad(source, lines.length, 'no end-of-file record (:00000001FF): the file is cut short');
  return { flash, endAddress };
}
