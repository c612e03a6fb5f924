import { describe, expect, it } from 'vitest';
import { boxArena, DEFAULT_ARENA, raycastCm, validateArena } from './arena.ts';
import { DEFAULT_LINE_MAP, isOnLine, ovalTrack, validateLineMap } from './line-map.ts';

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

  it('validates line maps and ovals', () => {
    expect(() => validateLineMap('lineMap', { lines: [{ points: [{ xCm: 0, yCm: 0 }], widthCm: 2 }] })).toThrow(
      /lineMap\.lines\[0\]\.points must be at least 2 points/,
    );
    expect(() => validateLineMap('lineMap', { lines: [{ points: [], widthCm: 0 }] })).toThrow(/widthCm/);
    expect(() => ovalTrack({ centerXCm: 0, centerYCm: 0, straightCm: 10, radiusCm: 0, widthCm: 2 })).toThrow(/radiusCm/);
  });
});
