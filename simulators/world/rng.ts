/**
 * Seeded pseudo-random numbers: sfc32 (a small, fast generator that passes
 * PractRand) whose 128-bit state is filled by splitmix32 from the seed.
 * Forks are keyed by label, not by position, so consumers are independent.
 */
import type { Rng } from './types.ts';
import { checkNumber, invalidOption } from './validate.ts';

const TWO_POW_32 = 4_294_967_296;
/** `checkNumber` options of a standard deviation; one object, not one per draw (the simulator draws noise on every sensor report). */
const NON_NEGATIVE = { min: 0 } as const;

/** splitmix32-style finaliser: a bijective 32-bit mix with full avalanche. */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over the label's UTF-16 code units. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

class Sfc32Rng implements Rng {
  readonly seed: number;
  private readonly seed32: number;
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, seed32: number) {
    this.seed = seed;
    this.seed32 = seed32;
    let s = seed32;
    const draw = (): number => (s = mix32(s));
    this.a = draw();
    this.b = draw();
    this.c = draw();
    this.d = 1;
    // Discard the first outputs: sfc32 needs a few rounds to decorrelate from its seed.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  private nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  normal(mean = 0, sd = 1): number {
    checkNumber('rng.normal mean', mean);
    checkNumber('rng.normal sd', sd, NON_NEGATIVE);
    // Box-Muller; 1 - u keeps the log argument in (0, 1]. Two draws per sample,
    // no cached spare, so each call consumes the same amount of stream.
    const u1 = 1 - this.next();
    const u2 = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  int(minIncl: number, maxIncl: number): number {
    checkNumber('rng.int minIncl', minIncl, { integer: true });
    checkNumber('rng.int maxIncl', maxIncl, { integer: true, min: minIncl });
    const span = maxIncl - minIncl + 1;
    if (span > TWO_POW_32) throw invalidOption('rng.int range (maxIncl - minIncl + 1)', `<= 2^32`, span);
    return minIncl + Math.floor(this.next() * span);
  }

  fork(label: string): Rng {
    if (typeof label !== 'string' || label.length === 0) throw invalidOption('rng.fork label', 'a non-empty string', label);
    const derived = mix32(this.seed32 ^ mix32(hashLabel(label)));
    return new Sfc32Rng(derived, derived);
  }
}

/**
 * A deterministic stream from `seed` (a safe integer; both 32-bit halves are
 * used, so 1 and 2^32 + 1 differ). Same seed → same sequence.
 */
export function createRng(seed: number): Rng {
  checkNumber('seed', seed, { integer: true, min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_POW_32) >>> 0;
  return new Sfc32Rng(seed, mix32(lo ^ mix32(hi ^ 0x5bd1e995)));
}
