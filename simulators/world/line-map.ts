/**
 * Lines painted on the floor (black on white) and the point-on-line test the
 * line follower uses. World frame and units: see types.ts.
 */
import type { LineMapSpec, LinePath, PointCm } from './types.ts';
import { checkArray, checkNumber, checkObject, invalidOption } from './validate.ts';

/** Options of `ovalTrack`. */
export interface OvalTrackOptions {
  /** Centre of the oval, cm. */
  centerXCm: number;
  centerYCm: number;
  /** Length of each of the two straights (parallel to x), cm (>= 0). */
  straightCm: number;
  /** Radius of the two end arcs (to the line's centre), cm (> 0). */
  radiusCm: number;
  /** Line width, cm (> 0). */
  widthCm: number;
  /** Polyline segments per semicircle (>= 4). Default 48 (sagitta < 0.02 cm at r = 30). */
  segmentsPerArc?: number;
}

/**
 * A closed oval ("stadium") track as a polyline, counter-clockwise: right arc
 * (from the right end of the lower straight up), upper straight running −x,
 * left arc, and the closing lower straight at y = centerY − radius running +x.
 */
export function ovalTrack(o: OvalTrackOptions): LinePath {
  checkNumber('ovalTrack centerXCm', o.centerXCm, { unit: 'cm' });
  checkNumber('ovalTrack centerYCm', o.centerYCm, { unit: 'cm' });
  checkNumber('ovalTrack straightCm', o.straightCm, { min: 0, unit: 'cm' });
  checkNumber('ovalTrack radiusCm', o.radiusCm, { min: 0, minExclusive: true, unit: 'cm' });
  checkNumber('ovalTrack widthCm', o.widthCm, { min: 0, minExclusive: true, unit: 'cm' });
  const n = checkNumber('ovalTrack segmentsPerArc', o.segmentsPerArc ?? 48, { integer: true, min: 4 });
  const half = o.straightCm / 2;
  const points: PointCm[] = [];
  const arc = (cx: number, startRad: number): void => {
    for (let i = 0; i <= n; i++) {
      const a = startRad + (Math.PI * i) / n;
      points.push({ xCm: cx + o.radiusCm * Math.cos(a), yCm: o.centerYCm + o.radiusCm * Math.sin(a) });
    }
  };
  arc(o.centerXCm + half, -Math.PI / 2); // right arc, bottom to top
  arc(o.centerXCm - half, Math.PI / 2); // left arc, top to bottom
  return { points, widthCm: o.widthCm, closed: true };
}

/**
 * The default line map: one black oval 2 cm wide centred on (100, 75), straights
 * 100 cm long at y = 45 and y = 105, end arcs of radius 30 cm (x spans 20..180).
 */
export const DEFAULT_LINE_MAP: LineMapSpec = Object.freeze({
  lines: [ovalTrack({ centerXCm: 100, centerYCm: 75, straightCm: 100, radiusCm: 30, widthCm: 2 })],
});

/** Checks a line map; `option` names it in messages (e.g. "lineMap"). */
export function validateLineMap(option: string, spec: unknown): LineMapSpec {
  checkObject(option, spec);
  checkArray(`${option}.lines`, spec.lines);
  spec.lines.forEach((line, i) => {
    const name = `${option}.lines[${i}]`;
    checkObject(name, line);
    checkNumber(`${name}.widthCm`, line.widthCm, { min: 0, minExclusive: true, unit: 'cm' });
    checkArray(`${name}.points`, line.points);
    if (line.points.length < 2) throw invalidOption(`${name}.points`, 'at least 2 points', `${line.points.length}`);
    line.points.forEach((p, j) => {
      checkObject(`${name}.points[${j}]`, p);
      checkNumber(`${name}.points[${j}].xCm`, p.xCm, { unit: 'cm' });
      checkNumber(`${name}.points[${j}].yCm`, p.yCm, { unit: 'cm' });
    });
    if (line.closed !== undefined && typeof line.closed !== 'boolean') {
      throw invalidOption(`${name}.closed`, 'a boolean', line.closed);
    }
  });
  return spec as unknown as LineMapSpec;
}

/** Distance in cm from `p` to the segment a–b. */
export function distanceToSegmentCm(p: PointCm, a: PointCm, b: PointCm): number {
  const ex = b.xCm - a.xCm;
  const ey = b.yCm - a.yCm;
  const len2 = ex * ex + ey * ey;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.xCm - a.xCm) * ex + (p.yCm - a.yCm) * ey) / len2));
  return Math.hypot(p.xCm - (a.xCm + t * ex), p.yCm - (a.yCm + t * ey));
}

// Squared distances decide far from the edge; within this relative band of
// half² the exact `Math.hypot(...) <= half` decides, so every answer equals
// `distanceToSegmentCm(...) <= half` (hypot and sqrt of the rounded sum of
// squares differ by a few ulps, far inside the band).
const BAND = 1e-9;
// Outside this range of half-widths squares could under- or overflow: always decide exactly.
const MIN_FAST_HALF = 1e-100;
const MAX_FAST_HALF = 1e100;

/**
 * `distanceToSegmentCm({x: px, y: py}, a, a + e) <= half` without Math.hypot
 * (which allocates in V8) unless the point lies within a hair of the edge.
 * `len2` is `ex * ex + ey * ey`; the arithmetic is the same expressions as
 * `distanceToSegmentCm`, so the answer is identical.
 */
function withinHalf(px: number, py: number, ax: number, ay: number, ex: number, ey: number, len2: number, half: number): boolean {
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * ex + (py - ay) * ey) / len2));
  const dx = px - (ax + t * ex);
  const dy = py - (ay + t * ey);
  if (half >= MIN_FAST_HALF && half <= MAX_FAST_HALF) {
    const d2 = dx * dx + dy * dy;
    const h2 = half * half;
    if (d2 <= h2 * (1 - BAND)) return true;
    if (d2 >= h2 * (1 + BAND)) return false;
  }
  return Math.hypot(dx, dy) <= half;
}

/** True when `p` lies on some painted line: within half its width of the polyline (edges count as on). */
export function isOnLine(map: LineMapSpec, p: PointCm): boolean {
  for (const line of map.lines) {
    const half = line.widthCm / 2;
    const pts = line.points;
    const count = line.closed ? pts.length : pts.length - 1;
    for (let i = 0; i < count; i++) {
      const a = pts[i]!;
      const b = pts[(i + 1) % pts.length]!;
      const ex = b.xCm - a.xCm;
      const ey = b.yCm - a.yCm;
      if (withinHalf(p.xCm, p.yCm, a.xCm, a.yCm, ex, ey, ex * ex + ey * ey, half)) return true;
    }
  }
  return false;
}

// Per segment: ax, ay, ex, ey, len2, then the bounding box grown by half the line width plus a margin.
const SEG = 9;

/** A line map prepared for many point tests (see `compileLineMap`). */
export interface CompiledLineMap {
  /** Same answer as `isOnLine(map, { xCm, yCm })` for the map as it was when compiled. */
  contains(xCm: number, yCm: number): boolean;
}

/**
 * Prepares `map` for repeated `isOnLine` tests: segment vectors precomputed
 * (same arithmetic, so same answers), and bounding boxes of each line and each
 * segment (grown by half the width plus a margin far above rounding) that
 * skip points that cannot be on them. The map is read once: later changes to
 * its points are not seen.
 */
export function compileLineMap(map: LineMapSpec): CompiledLineMap {
  const lines = map.lines.map((line) => {
    const half = line.widthCm / 2;
    const pts = line.points;
    const count = line.closed ? pts.length : pts.length - 1;
    const seg = new Float64Array(Math.max(0, count) * SEG);
    let minX = Infinity;
    let maxX = -Infinity;
    let minY = Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < count; i++) {
      const a = pts[i]!;
      const b = pts[(i + 1) % pts.length]!;
      const ex = b.xCm - a.xCm;
      const ey = b.yCm - a.yCm;
      const pad = half + 1e-6 * (1 + half + Math.abs(a.xCm) + Math.abs(a.yCm) + Math.abs(b.xCm) + Math.abs(b.yCm));
      const o = i * SEG;
      seg[o] = a.xCm;
      seg[o + 1] = a.yCm;
      seg[o + 2] = ex;
      seg[o + 3] = ey;
      seg[o + 4] = ex * ex + ey * ey;
      seg[o + 5] = Math.min(a.xCm, b.xCm) - pad;
      seg[o + 6] = Math.max(a.xCm, b.xCm) + pad;
      seg[o + 7] = Math.min(a.yCm, b.yCm) - pad;
      seg[o + 8] = Math.max(a.yCm, b.yCm) + pad;
      minX = Math.min(minX, seg[o + 5]!);
      maxX = Math.max(maxX, seg[o + 6]!);
      minY = Math.min(minY, seg[o + 7]!);
      maxY = Math.max(maxY, seg[o + 8]!);
    }
    // A non-finite box (huge or odd coordinates) would skip nothing safely: test every segment then.
    const boxed = [minX, maxX, minY, maxY].every(Number.isFinite);
    return { half, seg, count, minX, maxX, minY, maxY, boxed };
  });
  return {
    contains(x: number, y: number): boolean {
      for (const l of lines) {
        // Comparisons are false for NaN, so a NaN point falls through to the exact test (false), as in isOnLine.
        if (l.boxed && (x < l.minX || x > l.maxX || y < l.minY || y > l.maxY)) continue;
        const s = l.seg;
        for (let o = 0; o < l.count * SEG; o += SEG) {
          if (l.boxed && (x < s[o + 5]! || x > s[o + 6]! || y < s[o + 7]! || y > s[o + 8]!)) continue;
          if (withinHalf(x, y, s[o]!, s[o + 1]!, s[o + 2]!, s[o + 3]!, s[o + 4]!, l.half)) return true;
        }
      }
      return false;
    },
  };
}
