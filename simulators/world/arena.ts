/**
 * Walls and obstacles, and the exact ray cast the ultrasonic uses.
 * World frame and units: see types.ts (cm, +x right, +y up).
 */
import type { ArenaSpec, Obstacle, PointCm, WallSegment } from './types.ts';
import { checkArray, checkNumber, checkObject, invalidOption } from './validate.ts';

/** A rectangular arena from (0,0) to (widthCm, heightCm): four walls plus `obstacles`. */
export function boxArena(widthCm: number, heightCm: number, obstacles: readonly Obstacle[] = []): ArenaSpec {
  checkNumber('boxArena widthCm', widthCm, { min: 0, minExclusive: true, unit: 'cm' });
  checkNumber('boxArena heightCm', heightCm, { min: 0, minExclusive: true, unit: 'cm' });
  const w = widthCm;
  const h = heightCm;
  return {
    walls: [
      { x1Cm: 0, y1Cm: 0, x2Cm: w, y2Cm: 0 },
      { x1Cm: w, y1Cm: 0, x2Cm: w, y2Cm: h },
      { x1Cm: w, y1Cm: h, x2Cm: 0, y2Cm: h },
      { x1Cm: 0, y1Cm: h, x2Cm: 0, y2Cm: 0 },
    ],
    obstacles: [...obstacles],
  };
}

/**
 * The default arena: a 200 × 150 cm walled box with one 20 × 20 cm box
 * obstacle centred at (100, 75) — the infield of `DEFAULT_LINE_MAP`'s oval,
 * so the line track runs around it.
 */
export const DEFAULT_ARENA: ArenaSpec = Object.freeze(
  boxArena(200, 150, [{ kind: 'box', minXCm: 90, minYCm: 65, maxXCm: 110, maxYCm: 85 }]),
);

/** Checks an arena spec; `option` names it in messages (e.g. "arena"). */
export function validateArena(option: string, spec: unknown): ArenaSpec {
  checkObject(option, spec);
  checkArray(`${option}.walls`, spec.walls);
  checkArray(`${option}.obstacles`, spec.obstacles);
  spec.walls.forEach((w, i) => {
    const name = `${option}.walls[${i}]`;
    checkObject(name, w);
    for (const k of ['x1Cm', 'y1Cm', 'x2Cm', 'y2Cm'] as const) checkNumber(`${name}.${k}`, w[k], { unit: 'cm' });
    if (w.x1Cm === w.x2Cm && w.y1Cm === w.y2Cm) throw invalidOption(name, 'a segment of non-zero length', 'a point');
  });
  spec.obstacles.forEach((o, i) => {
    const name = `${option}.obstacles[${i}]`;
    checkObject(name, o);
    if (o.kind === 'box') {
      for (const k of ['minXCm', 'minYCm', 'maxXCm', 'maxYCm'] as const) checkNumber(`${name}.${k}`, o[k], { unit: 'cm' });
      checkNumber(`${name}.maxXCm`, o.maxXCm, { min: o.minXCm as number, minExclusive: true, unit: 'cm' });
      checkNumber(`${name}.maxYCm`, o.maxYCm, { min: o.minYCm as number, minExclusive: true, unit: 'cm' });
    } else if (o.kind === 'circle') {
      checkNumber(`${name}.xCm`, o.xCm, { unit: 'cm' });
      checkNumber(`${name}.yCm`, o.yCm, { unit: 'cm' });
      checkNumber(`${name}.radiusCm`, o.radiusCm, { min: 0, minExclusive: true, unit: 'cm' });
    } else {
      throw invalidOption(`${name}.kind`, `'box' or 'circle'`, o.kind);
    }
  });
  return spec as unknown as ArenaSpec;
}

/** Distance along the unit ray (ox,oy)+t(dx,dy) to `wall`, or undefined when missed. */
function hitWall(o: PointCm, dx: number, dy: number, w: WallSegment): number | undefined {
  const ex = w.x2Cm - w.x1Cm;
  const ey = w.y2Cm - w.y1Cm;
  const denom = dx * ey - dy * ex;
  // Parallel (or grazing along) the wall: no single hit point.
  if (Math.abs(denom) < 1e-12) return undefined;
  const qx = w.x1Cm - o.xCm;
  const qy = w.y1Cm - o.yCm;
  const t = (qx * ey - qy * ex) / denom;
  const u = (qx * dy - qy * dx) / denom;
  return t >= 0 && u >= 0 && u <= 1 ? t : undefined;
}

function hitBox(o: PointCm, dx: number, dy: number, b: Extract<Obstacle, { kind: 'box' }>): number | undefined {
  // Slab method; a sensor inside the box reads 0.
  let tMin = 0;
  let tMax = Infinity;
  for (const [p, d, lo, hi] of [
    [o.xCm, dx, b.minXCm, b.maxXCm],
    [o.yCm, dy, b.minYCm, b.maxYCm],
  ] as const) {
    if (Math.abs(d) < 1e-15) {
      if (p < lo || p > hi) return undefined;
    } else {
      let t1 = (lo - p) / d;
      let t2 = (hi - p) / d;
      if (t1 > t2) [t1, t2] = [t2, t1];
      tMin = Math.max(tMin, t1);
      tMax = Math.min(tMax, t2);
      if (tMin > tMax) return undefined;
    }
  }
  return tMin;
}

function hitCircle(o: PointCm, dx: number, dy: number, c: Extract<Obstacle, { kind: 'circle' }>): number | undefined {
  const fx = o.xCm - c.xCm;
  const fy = o.yCm - c.yCm;
  const b = fx * dx + fy * dy;
  const cc = fx * fx + fy * fy - c.radiusCm * c.radiusCm;
  if (cc <= 0) return 0; // inside the circle
  const disc = b * b - cc;
  if (disc < 0) return undefined;
  const t = -b - Math.sqrt(disc);
  return t >= 0 ? t : undefined;
}

/**
 * Distance in cm from `origin` along heading `headingRad` to the nearest wall
 * or obstacle surface, or `undefined` when nothing is hit within `maxCm`.
 * Exact (analytic) for segments, boxes and circles; an origin inside an
 * obstacle gives 0.
 */
export function raycastCm(arena: ArenaSpec, origin: PointCm, headingRad: number, maxCm = Infinity): number | undefined {
  const dx = Math.cos(headingRad);
  const dy = Math.sin(headingRad);
  let best = Infinity;
  for (const w of arena.walls) {
    const t = hitWall(origin, dx, dy, w);
    if (t !== undefined && t < best) best = t;
  }
  for (const ob of arena.obstacles) {
    const t = ob.kind === 'box' ? hitBox(origin, dx, dy, ob) : hitCircle(origin, dx, dy, ob);
    if (t !== undefined && t < best) best = t;
  }
  return best !== Infinity && best <= maxCm ? best : undefined;
}
