import { describe, expect, it } from 'vitest';
import { boxArena, DEFAULT_ARENA, raycastCm, validateArena } from './arena.ts';
import { compileLineMap, DEFAULT_LINE_MAP, distanceToSegmentCm, isOnLine, ovalTrack, validateLineMap } from './line-map.ts';
import type { LineMapSpec, PointCm } from './types.ts';

describe('arena ray cast', () => {
  const arena = boxArena(200, 100, [
    { kind: 'box', minXCm: 50, minYCm: 40, maxXCm: 60, maxYCm: 60 },
    { kind: 'circle', xCm: 150, yCm: 20, radiusCm: 5 },
  ]);

  it('hits walls exactly', () => {
    expect(raycastCm(arena, { xCm: 10, yCm: 80 }, 0)).toBeCloseTo(190, 9);
    expect(raycastCm(arena, { xCm: 10, yCm: 80 }, Math.PI / 2)).toBeCloseTo(20, 9);
    expect(raycastCm(arena, { xCm: 10, yCm: 80 }, Math.PI)).toBeCloseTo(10, 9);
    expect(raycastCm(arena, { xCm: 100, yCm: 50 }, Math.PI / 4)).toBeCloseTo(50 * Math.SQRT2, 9);
  });

  it('hits boxes and circles exactly, and reads 0 from inside one', () => {
    expect(raycastCm(arena, { xCm: 10, yCm: 50 }, 0)).toBeCloseTo(40, 9);
    expect(raycastCm(arena, { xCm: 100, yCm: 50 }, Math.PI)).toBeCloseTo(40, 9);
    expect(raycastCm(arena, { xCm: 150, yCm: 90 }, -Math.PI / 2)).toBeCloseTo(65, 9);
    expect(raycastCm(arena, { xCm: 55, yCm: 50 }, 1)).toBe(0);
    expect(raycastCm(arena, { xCm: 150, yCm: 20 }, 1)).toBe(0);
  });

  it('respects the max range and open space', () => {
    expect(raycastCm(arena, { xCm: 10, yCm: 80 }, 0, 100)).toBeUndefined();
    expect(raycastCm({ walls: [], obstacles: [] }, { xCm: 0, yCm: 0 }, 0)).toBeUndefined();
  });

  it('validates arenas with the option path in the message', () => {
    expect(validateArena('arena', DEFAULT_ARENA)).toBe(DEFAULT_ARENA);
    expect(() =>
      validateArena('arena', { walls: [], obstacles: [{ kind: 'circle', xCm: 0, yCm: 0, radiusCm: -1 }] }),
    ).toThrow(/HIL_SIM_INVALID_OPTION: arena\.obstacles\[0\]\.radiusCm must be a finite number > 0 cm; got -1/);
    expect(() => validateArena('arena', { walls: [{ x1Cm: 1, y1Cm: 1, x2Cm: 1, y2Cm: 1 }], obstacles: [] })).toThrow(
      /arena\.walls\[0\]/,
    );
    expect(() => validateArena('arena', { walls: [], obstacles: [{ kind: 'triangle' }] })).toThrow(/kind/);
  });
});

describe('line map', () => {
  it('the default oval: on the centre line and its edges, off beyond them', () => {
    expect(isOnLine(DEFAULT_LINE_MAP, { xCm: 100, yCm: 45 })).toBe(true);
    expect(isOnLine(DEFAULT_LINE_MAP, { xCm: 100, yCm: 45.99 })).toBe(true);
    expect(isOnLine(DEFAULT_LINE_MAP, { xCm: 100, yCm: 46.01 })).toBe(false);
    expect(isOnLine(DEFAULT_LINE_MAP, { xCm: 100, yCm: 105 })).toBe(true);
    expect(isOnLine(DEFAULT_LINE_MAP, { xCm: 180, yCm: 75 })).toBe(true); // right end of the arc
    expect(isOnLine(DEFAULT_LINE_MAP, { xCm: 20, yCm: 75 })).toBe(true); // left end
    expect(isOnLine(DEFAULT_LINE_MAP, { xCm: 100, yCm: 75 })).toBe(false); // infield
    const diag = { xCm: 150 + 30 * Math.cos(0.3), yCm: 75 + 30 * Math.sin(0.3) };
    expect(isOnLine(DEFAULT_LINE_MAP, diag)).toBe(true);
  });

  it('open polylines do not close', () => {
    const map = { lines: [{ points: [{ xCm: 0, yCm: 0 }, { xCm: 10, yCm: 0 }, { xCm: 10, yCm: 10 }], widthCm: 1 }] };
    expect(isOnLine(map, { xCm: 5, yCm: 5 })).toBe(false);
    expect(isOnLine({ lines: [{ ...map.lines[0]!, closed: true }] }, { xCm: 5, yCm: 5 })).toBe(true);
  });

  it('isOnLine and a compiled map answer exactly as `distanceToSegmentCm(...) <= half width`, at the edge too', () => {
    // The reference: the plain definition with Math.hypot.
    const reference = (map: LineMapSpec, p: PointCm): boolean =>
      map.lines.some((line) => {
        const pts = line.points;
        const count = line.closed ? pts.length : pts.length - 1;
        for (let i = 0; i < count; i++) if (distanceToSegmentCm(p, pts[i]!, pts[(i + 1) % pts.length]!) <= line.widthCm / 2) return true;
        return false;
      });
    const zigzag: LineMapSpec = {
      lines: [
        { points: [{ xCm: 0, yCm: 0 }, { xCm: 7.3, yCm: 3.1 }, { xCm: 7.3, yCm: 3.1 }, { xCm: 2.2, yCm: 9.9 }], widthCm: 0.7 },
        { points: [{ xCm: 50, yCm: 50 }, { xCm: 60, yCm: 41 }], widthCm: 3, closed: true },
      ],
    };
    let x = 11;
    const rnd = (): number => (x = (x * 48271) % 2147483647) / 2147483647;
    for (const map of [DEFAULT_LINE_MAP, zigzag]) {
      const compiled = compileLineMap(map);
      let edges = 0;
      for (let i = 0; i < 20_000; i++) {
        const line = map.lines[i % map.lines.length]!;
        const j = Math.floor(rnd() * line.points.length);
        const a = line.points[j]!;
        const b = line.points[(j + 1) % line.points.length]!;
        const t = rnd();
        const ex = b.xCm - a.xCm;
        const ey = b.yCm - a.yCm;
        const len = Math.hypot(ex, ey) || 1;
        // Points at half the width from the segment (± a few ulps or a hair), and random ones nearby.
        const d = i % 4 === 3 ? rnd() * 20 : (line.widthCm / 2) * (1 + (rnd() - 0.5) * (i % 2 === 0 ? 4e-16 : 1e-9));
        const p = { xCm: a.xCm + t * ex - (ey / len) * d, yCm: a.yCm + t * ey + (ex / len) * d };
        const want = reference(map, p);
        expect(isOnLine(map, p)).toBe(want);
        expect(compiled.contains(p.xCm, p.yCm)).toBe(want);
        if (i % 4 !== 3) edges++;
      }
      expect(edges).toBeGreaterThan(10_000);
    }
    const compiled = compileLineMap(DEFAULT_LINE_MAP);
    for (const p of [{ xCm: Number.NaN, yCm: 45 }, { xCm: Number.POSITIVE_INFINITY, yCm: 45 }, { xCm: 100, yCm: -1e308 }]) {
      expect(compiled.contains(p.xCm, p.yCm)).toBe(reference(DEFAULT_LINE_MAP, p));
      expect(isOnLine(DEFAULT_LINE_MAP, p)).toBe(reference(DEFAULT_LINE_MAP, p));
    }
  });

  it('validates line maps and ovals', () => {
    expect(() => validateLineMap('lineMap', { lines: [{ points: [{ xCm: 0, yCm: 0 }], widthCm: 2 }] })).toThrow(
      /lineMap\.lines\[0\]\.points must be at least 2 points/,
    );
    expect(() => validateLineMap('lineMap', { lines: [{ points: [], widthCm: 0 }] })).toThrow(/widthCm/);
    expect(() => ovalTrack({ centerXCm: 0, centerYCm: 0, straightCm: 10, radiusCm: 0, widthCm: 2 })).toThrow(/radiusCm/);
  });
});
