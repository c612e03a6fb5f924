/**
 * Options of the simulated serial link and their validation. Every field is
 * checked; a bad value throws HilError('HIL_SIM_INVALID_OPTION') naming the
 * option and its valid range.
 */
import { HilError } from '../../harness/errors.ts';

/** Which way bytes travel on the link. */
export type LinkDirection = 'to-device' | 'to-host';

/** Timing and fault model of one USB-serial link (both directions share it). */
export interface LinkOptions {
  /**
   * UART speed of the device (the rate its firmware calls `Firmata.begin()`
   * with), bits per second (integer 300..4,000,000). Default 57600, the rate
   * of Makeblock's mBot Firmata over USB and of StandardFirmata. A byte takes
   * 10 bit times (8N1: start + 8 data + stop), so 57600 baud is ≈ 173.6 µs
   * per byte. A host that opens the port at a different baud rate receives
   * the garbage a real UART would make of the line (`uart-framing.ts`), and
   * the board makes garbage of what the host sends.
   */
  baudRate?: number;
  /** Added one-way latency per write (USB frames, driver buffering), ms (0..10,000). Default 0. */
  latencyMs?: number;
  /** Extra one-way delay per write, uniform in [0, jitterMs) from the seeded rng, ms (0..10,000). Default 0. Never reorders bytes. */
  jitterMs?: number;
  /** Probability that a byte is lost, 0..1. Default 0. */
  dropRate?: number;
  /** Probability that a byte arrives with one random bit flipped, 0..1. Default 0. */
  corruptRate?: number;
}

/** `LinkOptions` with every field set. */
export type ResolvedLinkOptions = Required<LinkOptions>;

/** Defaults: a clean 57600-baud link with no added latency. */
export const DEFAULT_LINK_OPTIONS: ResolvedLinkOptions = Object.freeze({
  baudRate: 57600,
  latencyMs: 0,
  jitterMs: 0,
  dropRate: 0,
  corruptRate: 0,
});

/** Bits on the wire per byte (start bit, 8 data bits, stop bit). */
export const BITS_PER_BYTE = 10;

/** Milliseconds one byte occupies the wire at `baudRate`. */
export function byteTimeMs(baudRate: number): number {
  return (BITS_PER_BYTE * 1000) / baudRate;
}

function fail(name: string, range: string, got: unknown): never {
  throw new HilError(
    'HIL_SIM_INVALID_OPTION',
    `link.${name} must be ${range}; got ${typeof got === 'number' ? got : JSON.stringify(got)}.`,
  );
}

function checkNumber(name: string, v: unknown, min: number, max: number, integer = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    fail(name, `${integer ? 'an integer' : 'a number'} in ${min}..${max}`, v);
  }
}

/**
 * Merges `patch` onto `base` after checking every given field; unknown keys
 * are rejected too (a typo would otherwise silently do nothing).
 */
export function resolveLinkOptions(patch: LinkOptions | undefined, base: ResolvedLinkOptions = DEFAULT_LINK_OPTIONS): ResolvedLinkOptions {
  if (patch === undefined) return { ...base };
  if (typeof patch !== 'object' || patch === null) fail('(options)', 'an object', patch);
  for (const key of Object.keys(patch)) {
    if (!(key in DEFAULT_LINK_OPTIONS)) {
      fail(key, `one of the known options (${Object.keys(DEFAULT_LINK_OPTIONS).join(', ')})`, key);
    }
  }
  const out = { ...base };
  if (patch.baudRate !== undefined) {
    checkNumber('baudRate', patch.baudRate, 300, 4_000_000, true);
    out.baudRate = patch.baudRate;
  }
  if (patch.latencyMs !== undefined) {
    checkNumber('latencyMs', patch.latencyMs, 0, 10_000);
    out.latencyMs = patch.latencyMs;
  }
  if (patch.jitterMs !== undefined) {
    checkNumber('jitterMs', patch.jitterMs, 0, 10_000);
    out.jitterMs = patch.jitterMs;
  }
  if (patch.dropRate !== undefined) {
    checkNumber('dropRate', patch.dropRate, 0, 1);
    out.dropRate = patch.dropRate;
  }
  if (patch.corruptRate !== undefined) {
    checkNumber('corruptRate', patch.corruptRate, 0, 1);
    out.corruptRate = patch.corruptRate;
  }
  return out;
}
