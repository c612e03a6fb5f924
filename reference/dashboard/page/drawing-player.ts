/**
 * Plays an ArtBot drawing back stroke by stroke on the drawing canvas, at a
 * constant rate of points so the whole drawing takes `durationMs`.
 *
 * - incremental: the ink canvas is a persistent, opaque layer; each frame
 *   strokes only the segments revealed since the last frame, batched into one
 *   Path2D per pen (four `stroke()` calls a frame whatever the drawing's
 *   size), and the pen cursor is a DOM element moved by `transform` on its
 *   own compositor layer, so moving it never repaints the ink.
 *   No OffscreenCanvas worker: a frame costs well under a millisecond here,
 *   and a worker would add a transfer per frame for nothing.
 * - naive: clears the canvas and redraws every revealed stroke, one path and
 *   one style change per stroke, every frame: cost grows with the drawing.
 */
import type { FrameRenderer, RenderMode } from './telemetry-view.ts';
import { escapeHtml } from './html-text.ts';

/** The file form the page receives (`mbot-hil/drawing@1` with strokes stored; see fixtures/drawings/README.md). */
export interface DrawingFileJson {
  format: string;
  name: string;
  widthMm: number;
  heightMm: number;
  unitMm: number;
  pens: { colour: string; widthMm: number }[];
  strokeCount: number;
  strokes: number[][];
}

/** Outcome of one playback. */
export interface PlaybackResult {
  strokeCount: number;
  /** Frames the playback took, first to last. */
  frames: number;
  /** rAF time from the first to the last playback frame, ms. */
  durationMs: number;
}

/** The drawing canvas's player. */
export interface DrawingPlayer extends FrameRenderer {
  /** Loads a drawing (clears the canvas). */
  load(file: DrawingFileJson): void;
  /** Strokes of the loaded drawing (0 before a load). */
  readonly strokeCount: number;
  /** Strokes fully drawn so far. */
  readonly strokesDone: number;
  /** Clears the canvas and plays the whole drawing over `durationMs`; resolves on the frame that completes it. */
  play(durationMs: number): Promise<PlaybackResult>;
}

interface Prepared {
  /** Canvas px, flat `[x0, y0, x1, y1, ...]` over every point of every stroke. */
  xy: Float32Array;
  /** `start[s]` = index of stroke s's first point; `start[strokeCount]` = total points. */
  start: Uint32Array;
  pen: Uint8Array;
  colours: string[];
  widthsPx: number[];
}

function prepare(file: DrawingFileJson, canvas: HTMLCanvasElement): Prepared {
  const scale = Math.min(canvas.width / file.widthMm, canvas.height / file.heightMm);
  const total = file.strokes.reduce((n, s) => n + (s.length - 1) / 2, 0);
  const xy = new Float32Array(total * 2);
  const start = new Uint32Array(file.strokes.length + 1);
  const pen = new Uint8Array(file.strokes.length);
  let k = 0;
  file.strokes.forEach((s, i) => {
    start[i] = k / 2;
    pen[i] = s[0] ?? 0;
    let x = 0;
    let y = 0;
    for (let j = 1; j < s.length; j += 2) {
      x += s[j]!;
      y += s[j + 1]!;
      xy[k++] = x * file.unitMm * scale;
      xy[k++] = y * file.unitMm * scale;
    }
  });
  start[file.strokes.length] = k / 2;
  return { xy, start, pen, colours: file.pens.map((p) => p.colour), widthsPx: file.pens.map((p) => Math.max(0.75, p.widthMm * scale)) };
}

const PAPER = '#fffdf7';

/** Builds the player for `mode` on `#ink` (and `#pen-cursor`), reporting progress in `#progress`. */
export function createDrawingPlayer(mode: RenderMode): DrawingPlayer {
  // Opaque: the compositor need not blend the canvas over the page.
  const ink = (document.getElementById('ink') as HTMLCanvasElement).getContext('2d', { alpha: false })!;
  const cursor = document.getElementById('pen-cursor')!;
  const progress = document.getElementById('progress')!;
  const cw = ink.canvas.width;
  const ch = ink.canvas.height;
  let d: Prepared | null = null;
  let name = '';
  let strokeCount = 0;
  let totalPoints = 0;
  // Points revealed on screen (incremental: already inked), and the stroke holding the next one.
  let drawn = 0;
  let strokeAt = 0;
  let shownProgress = '';
  let run: { startMs: number | null; durationMs: number; frames: number; resolve: (r: PlaybackResult) => void } | null = null;

  const style = (c: CanvasRenderingContext2D): void => { c.lineCap = 'round'; c.lineJoin = 'round'; };
  const strokesDone = (points: number): number => {
    if (!d) return 0;
    let s = strokeAt;
    while (s < strokeCount && d.start[s + 1]! <= points) s++;
    return s;
  };

  const paper = (): void => { ink.fillStyle = PAPER; ink.fillRect(0, 0, cw, ch); };
  const clear = (): void => {
    paper();
    cursor.hidden = true;
    drawn = 0;
    strokeAt = 0;
  };

  const penAt = (point: number): { x: number; y: number } | null =>
    (d && point > 0 ? { x: d.xy[(point - 1) * 2]!, y: d.xy[(point - 1) * 2 + 1]! } : null);

  // Incremental: the cursor element moves (a compositor-only change).
  const moveCursor = (point: number): void => {
    const at = penAt(point);
    cursor.hidden = at === null;
    if (at) cursor.style.transform = `translate(${at.x.toFixed(1)}px, ${at.y.toFixed(1)}px)`;
  };

  // Naive: the cursor is painted into the canvas with everything else.
  const paintCursor = (point: number): void => {
    const at = penAt(point);
    if (!at) return;
    ink.fillStyle = '#1b263b';
    ink.beginPath(); ink.arc(at.x, at.y, 5, 0, 2 * Math.PI); ink.fill();
  };

  const inkIncremental = (target: number): void => {
    if (!d || target <= drawn) return;
    const paths = d.colours.map(() => new Path2D());
    let s = strokeAt;
    while (s < strokeCount && d.start[s]! < target) {
      const a = d.start[s]!;
      const b = d.start[s + 1]!;
      // Continue from the last inked point of a half-drawn stroke, so it stays joined.
      const from = Math.max(a, drawn - 1);
      const to = Math.min(b, target);
      if (to > from && to > drawn) {
        const p = paths[d.pen[s]!]!;
        p.moveTo(d.xy[from * 2]!, d.xy[from * 2 + 1]!);
        // A one-point stroke is a dot: a zero-length segment with a round cap.
        if (to - from === 1) p.lineTo(d.xy[from * 2]!, d.xy[from * 2 + 1]!);
        for (let i = from + 1; i < to; i++) p.lineTo(d.xy[i * 2]!, d.xy[i * 2 + 1]!);
      }
      if (b > target) break;
      s++;
    }
    paths.forEach((p, i) => { ink.strokeStyle = d!.colours[i]!; ink.lineWidth = d!.widthsPx[i]!; ink.stroke(p); });
    strokeAt = s;
    drawn = target;
    moveCursor(target);
  };

  const inkNaive = (target: number): void => {
    paper();
    if (!d) return;
    style(ink);
    for (let s = 0; s < strokeCount && d.start[s]! < target; s++) {
      const a = d.start[s]!;
      const to = Math.min(d.start[s + 1]!, target);
      ink.strokeStyle = d.colours[d.pen[s]!]!;
      ink.lineWidth = d.widthsPx[d.pen[s]!]!;
      ink.beginPath();
      ink.moveTo(d.xy[a * 2]!, d.xy[a * 2 + 1]!);
      if (to - a === 1) ink.lineTo(d.xy[a * 2]!, d.xy[a * 2 + 1]!);
      for (let i = a + 1; i < to; i++) ink.lineTo(d.xy[i * 2]!, d.xy[i * 2 + 1]!);
      ink.stroke();
    }
    drawn = target;
    paintCursor(target);
  };

  const showProgress = (): void => {
    const done = strokesDone(drawn);
    const text = d ? `${name}: ${done} / ${strokeCount} strokes · ${mode}` : 'no drawing loaded';
    if (mode === 'naive') progress.innerHTML = escapeHtml(text); // the name comes from the drawing file: text, never markup
    else if (text !== shownProgress) { progress.textContent = text; shownProgress = text; }
  };

  return {
    get strokeCount() { return strokeCount; },
    get strokesDone() { return strokesDone(drawn); },
    load(file) {
      d = prepare(file, ink.canvas);
      name = file.name;
      strokeCount = file.strokes.length;
      totalPoints = d.start[strokeCount]!;
      clear();
      style(ink);
      showProgress();
    },
    play(durationMs) {
      clear();
      style(ink);
      run?.resolve({ strokeCount, frames: run.frames, durationMs: 0 });
      return new Promise((resolve) => { run = { startMs: null, durationMs: Math.max(1, durationMs), frames: 0, resolve }; });
    },
    frame(nowMs) {
      if (!run) {
        if (mode === 'naive' && d) inkNaive(drawn); // naive redraws even when nothing moves
        return;
      }
      run.startMs ??= nowMs;
      run.frames++;
      const t = Math.min(1, (nowMs - run.startMs) / run.durationMs);
      const target = Math.ceil(t * totalPoints);
      if (mode === 'naive') inkNaive(target); else inkIncremental(target);
      showProgress();
      if (target >= totalPoints) {
        const r = run;
        run = null;
        r.resolve({ strokeCount, frames: r.frames, durationMs: nowMs - (r.startMs as number) });
      }
    },
  };
}
