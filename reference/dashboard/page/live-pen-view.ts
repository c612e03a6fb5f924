/**
 * The ArtBot canvas when no drawing is loaded: paper, on which the robot's
 * own pen strokes appear live. Finished strokes come from the companion's
 * `stroke` events (and the `state` snapshot on connect); the stroke in
 * progress is drawn from the pose stream while the pose says the pen is
 * down. Incremental only: each frame inks what is new, on the canvas the
 * drawing player also uses, and steps aside as soon as a drawing is loaded.
 */
import { ARENA_CM, type FrameRenderer } from './telemetry-view.ts';
import type { TelemetryStore } from './telemetry.ts';

const PAPER = '#fffdf7';
const INK = '#1b263b';

/** Builds the live pen view on `#ink` (and `#pen-cursor`, `#progress`); `active()` says whether it owns the canvas now. */
export function createLivePenView(store: TelemetryStore, active: () => boolean): FrameRenderer {
  const ink = (document.getElementById('ink') as HTMLCanvasElement).getContext('2d', { alpha: false })!;
  const cursor = document.getElementById('pen-cursor')!;
  const progress = document.getElementById('progress')!;
  const w = ink.canvas.width;
  const h = ink.canvas.height;
  const scale = Math.min(w / ARENA_CM.width, h / ARENA_CM.height);
  const x0 = (w - ARENA_CM.width * scale) / 2;
  const px = (xCm: number): number => x0 + xCm * scale;
  const py = (yCm: number): number => h - yCm * scale; // world y points up
  let owned = false;
  let strokesInked = 0;
  let trailInked = 0;
  let shownText = '';

  const paper = (): void => {
    ink.fillStyle = PAPER;
    ink.fillRect(0, 0, w, h);
    // The arena's edge, faint, so a stroke's place on the floor reads.
    ink.strokeStyle = '#e3ded0';
    ink.lineWidth = 1;
    ink.strokeRect(x0 + 0.5, 0.5, ARENA_CM.width * scale - 1, h - 1);
    ink.strokeStyle = INK;
    ink.lineWidth = 2;
    ink.lineCap = 'round';
    ink.lineJoin = 'round';
  };

  const take = (): void => {
    owned = true;
    strokesInked = 0;
    trailInked = store.trailTotal;
    paper();
  };

  return {
    frame() {
      if (!active()) {
        owned = false;
        return;
      }
      if (!owned) take();
      if (store.penStrokes.length > strokesInked) {
        ink.beginPath();
        for (const stroke of store.penStrokes.slice(strokesInked)) {
          stroke.forEach((p, i) => (i === 0 ? ink.moveTo(px(p.xCm), py(p.yCm)) : ink.lineTo(px(p.xCm), py(p.yCm))));
          if (stroke.length === 1) ink.lineTo(px(stroke[0]!.xCm), py(stroke[0]!.yCm));
        }
        ink.stroke();
        strokesInked = store.penStrokes.length;
      }
      const fresh = Math.min(store.trailTotal - trailInked, store.trail.length);
      if (fresh > 0) {
        if (store.penDown) {
          // One point before the new ones joins them to what is already inked.
          const from = Math.max(0, store.trail.length - fresh - 1);
          ink.beginPath();
          for (let i = from; i < store.trail.length; i++) {
            const p = store.trail[i]!;
            if (i === from) ink.moveTo(px(p.xCm), py(p.yCm)); else ink.lineTo(px(p.xCm), py(p.yCm));
          }
          ink.stroke();
        }
        trailInked = store.trailTotal;
      }
      const pose = store.pose;
      cursor.hidden = pose === null;
      if (pose) cursor.style.transform = `translate(${px(pose.xCm).toFixed(1)}px, ${py(pose.yCm).toFixed(1)}px)`;
      // The stroke being drawn counts too (the companion sends it, finished, when the pen lifts).
      const strokes = store.penStrokes.length + (store.penDown ? 1 : 0);
      const text = !store.connected && pose === null
        ? 'no drawing loaded · waiting for the robot\'s telemetry'
        : `no drawing loaded · the robot's pen, live: ${strokes} stroke${strokes === 1 ? '' : 's'} · pen ${store.penDown ? 'down' : 'up'}`;
      if (text !== shownText) { progress.textContent = text; shownText = text; }
    },
  };
}
