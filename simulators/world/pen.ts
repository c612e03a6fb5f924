/**
 * The ArtBot pen: a servo lifts or lowers it; while down it records strokes.
 */
import type { PointCm, Stroke } from './types.ts';

/** Minimum distance between consecutive recorded points of a stroke, cm. */
export const MIN_POINT_SPACING_CM = 0.5;

/** Default servo angle at or above which the pen is down, deg (90 = down, 0..10 = up). */
export const DEFAULT_PEN_DOWN_THRESHOLD_DEG = 45;

/** Records strokes from pen-tip positions. */
export class PenRecorder {
  private readonly list: Stroke[] = [];
  private current: Stroke | undefined;

  /** True while the pen touches the paper. */
  get down(): boolean {
    return this.current !== undefined;
  }

  /** Strokes so far, oldest first (the live list; the last grows while down). */
  get strokes(): readonly Stroke[] {
    return this.list;
  }

  /** Lowers (starting a new stroke at `tip`) or lifts the pen; repeating the current state is a no-op. */
  setDown(down: boolean, tip: PointCm, atMs: number): void {
    if (down && !this.current) {
      this.current = { points: [{ xCm: tip.xCm, yCm: tip.yCm, atMs }] };
      this.list.push(this.current);
    } else if (!down) {
      this.current = undefined;
    }
  }

  /** Called as the tip moves: appends `tip` when down and >= MIN_POINT_SPACING_CM from the last point. */
  track(tip: PointCm, atMs: number): void {
    const s = this.current;
    if (!s) return;
    const last = s.points[s.points.length - 1]!;
    if (Math.hypot(tip.xCm - last.xCm, tip.yCm - last.yCm) >= MIN_POINT_SPACING_CM) {
      s.points.push({ xCm: tip.xCm, yCm: tip.yCm, atMs });
    }
  }

  /** Lifts the pen and forgets every stroke. */
  clear(): void {
    this.current = undefined;
    this.list.length = 0;
  }
}
