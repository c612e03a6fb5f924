import { describe, expect, it } from 'vitest';
import { createRng } from './rng.ts';

const draw = (seed: number, n = 5): number[] => {
  const r = createRng(seed);
  return Array.from({ length: n }, () => r.next());
};

describe('rng', () => {
  it('repeats for the same seed and differs for another', () => {
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(1)).not.toEqual(draw(2 ** 32 + 1)); // both 32-bit halves count
    expect(createRng(7).seed).toBe(7);
  });

  it('stays in [0,1) with a plausible mean, and normal() has the asked mean and sd', () => {
    const r = createRng(3);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      sum += x;
    }
    expect(sum / 10_000).toBeCloseTo(0.5, 1);
    const xs = Array.from({ length: 10_000 }, () => r.normal(10, 2));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(10, 1);
    expect(sd).toBeGreaterThan(1.9);
    expect(sd).toBeLessThan(2.1);
  });

  it('int() covers the inclusive range and nothing else', () => {
    const r = createRng(9);
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i++) seen.add(r.int(-2, 3));
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3]);
  });

  it('forks are keyed by label, independent of how much the parent drew', () => {
    const a = createRng(5);
    const b = createRng(5);
    b.next();
    b.next();
    expect(a.fork('noise').next()).toBe(b.fork('noise').next());
    expect(a.fork('noise').next()).not.toBe(a.fork('gain').next());
    expect(a.fork('x').fork('y').seed).toBe(b.fork('x').fork('y').seed);
  });

  it('rejects bad seeds and arguments with HIL_SIM_INVALID_OPTION', () => {
    expect(() => createRng(1.5)).toThrow(/HIL_SIM_INVALID_OPTION: seed must be an integer/);
    expect(() => createRng(Number.NaN)).toThrow(/HIL_SIM_INVALID_OPTION/);
    const r = createRng(1);
    expect(() => r.normal(0, -1)).toThrow(/sd must be/);
    expect(() => r.int(3, 2)).toThrow(/maxIncl/);
    expect(() => r.fork('')).toThrow(/label/);
  });
});
