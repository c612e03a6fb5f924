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

/** True when `p` lies on some painted line: within half its width of the polyline (edges count as on). */
export function isOnLine(map: LineMapSpec, p: PointCm): boolean {
  for (const line of map.lines) {
    const half = line.widthCm / 2;
    const pts = line.points;
    const count = line.closed ? pts.length : pts.length - 1;
    for (let i = 0; i < count; i++) {
      if (distanceToSegmentCm(p, pts[i]!, pts[(i + 1) % pts.length]!) <= half) return true;
    }
  }
  return false;
}
