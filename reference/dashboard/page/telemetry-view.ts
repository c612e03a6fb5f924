/**
 * Draws the telemetry panel once per frame from the store. Incremental mode
 * touches only what changed: new trail segments on a persistent layer, the
 * robot marker as a DOM element moved by `transform` (no repaint), text nodes
 * whose text differs. Naive mode
 * rebuilds everything every frame, as a component re-rendering from scratch would.
 */
import { escapeHtml } from './html-text.ts';
import type { TelemetryStore } from './telemetry.ts';

/** How a renderer works: `incremental` (the fast way) or `naive` (everything, every frame). */
export type RenderMode = 'incremental' | 'naive';

/** The arena drawn in the pose panel, world cm (the simulator's default arena). */
export const ARENA_CM = { width: 200, height: 150 } as const;

/** A per-frame renderer. */
export interface FrameRenderer {
  /** Draws what is due at rAF time `nowMs`. */
  frame(nowMs: number): void;
}

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dashboard: element #${id} is missing from index.html`);
  return el;
}

function ctx2d(id: string): CanvasRenderingContext2D {
  const c = $(id) as HTMLCanvasElement;
  const ctx = c.getContext('2d');
  if (!ctx) throw new Error(`dashboard: no 2D context for #${id}`);
  return ctx;
}

const fmt = {
  pose: (s: TelemetryStore) => (s.pose ? `x ${s.pose.xCm.toFixed(1)} cm  y ${s.pose.yCm.toFixed(1)} cm  θ ${s.pose.headingDeg.toFixed(0)}°` : 'x — y — θ —'),
  ultrasonic: (s: TelemetryStore) => (s.ultrasonicCm === null ? '—' : `${s.ultrasonicCm.toFixed(1)} cm`),
  light: (s: TelemetryStore) => (s.light === null ? '—' : String(Math.round(s.light))),
  line: (s: TelemetryStore) => (s.line === null ? '—' : `${s.line.left ? '■' : '□'} ${s.line.right ? '■' : '□'}`),
  button: (s: TelemetryStore) => (s.button === null ? '—' : s.button ? 'pressed' : 'up'),
};

/** Builds the telemetry renderer for `mode` on the page's elements. */
export function createTelemetryView(store: TelemetryStore, mode: RenderMode): FrameRenderer {
  const trail = ctx2d('trail');
  const robot = $('trail-robot');
  const w = trail.canvas.width;
  const h = trail.canvas.height;
  const scale = Math.min(w / ARENA_CM.width, h / ARENA_CM.height);
  const px = (xCm: number): number => xCm * scale;
  const py = (yCm: number): number => h - yCm * scale; // world y points up
  const conn = $('conn');
  const rate = $('rate');
  let lastRateAt = 0;
  let lastRateMessages = 0;

  // Naive: the marker is painted into the trail canvas.
  const drawMarker = (c: CanvasRenderingContext2D): void => {
    if (!store.pose) return;
    const { xCm, yCm, headingDeg } = store.pose;
    const a = (-headingDeg * Math.PI) / 180;
    c.save();
    c.translate(px(xCm), py(yCm));
    c.rotate(a);
    c.fillStyle = '#e63946';
    c.beginPath(); c.moveTo(9, 0); c.lineTo(-6, 6); c.lineTo(-6, -6); c.closePath(); c.fill();
    c.restore();
  };

  const statusText = (nowMs: number): void => {
    // A rate readout once a second: cheap, and it shows the stream is live.
    if (nowMs - lastRateAt < 1000) return;
    const perS = ((store.messages - lastRateMessages) * 1000) / Math.max(1, nowMs - lastRateAt);
    lastRateAt = nowMs;
    lastRateMessages = store.messages;
    rate.textContent = `${perS.toFixed(0)} msg/s · ${store.commandsSent} cmd`;
    const live = store.connected && store.robotLink !== 'lost';
    conn.textContent = !store.connected ? 'no telemetry' : live ? 'live' : 'robot disconnected';
    conn.className = `badge ${live ? 'on' : 'off'}`;
  };

  if (mode === 'naive') {
    const sensors = $('sensors');
    const leds = $('leds');
    const pose = $('pose');
    return {
      frame(nowMs) {
        trail.clearRect(0, 0, w, h);
        trail.strokeStyle = '#415a77';
        trail.lineWidth = 1.5;
        trail.beginPath();
        store.trail.forEach((p, i) => (i === 0 ? trail.moveTo(px(p.xCm), py(p.yCm)) : trail.lineTo(px(p.xCm), py(p.yCm))));
        trail.stroke();
        drawMarker(trail);
        // Values come from the WebSocket server in ?ws=: text, never markup (see html-text.ts).
        pose.innerHTML = escapeHtml(fmt.pose(store));
        sensors.innerHTML = `<dt>Ultrasonic</dt><dd class="mono">${escapeHtml(fmt.ultrasonic(store))}</dd><dt>Light</dt><dd class="mono">${escapeHtml(fmt.light(store))}</dd>`
          + `<dt>Line</dt><dd class="mono">${escapeHtml(fmt.line(store))}</dd><dt>Button</dt><dd class="mono">${escapeHtml(fmt.button(store))}</dd>`;
        leds.innerHTML = store.leds.map((c, i) => `<span class="led" id="led-${i}" style="background:${escapeHtml(c)}"></span>`).join('');
        statusText(nowMs);
      },
    };
  }

  // Incremental: remember what is on screen and touch only the difference.
  const text = (['pose', 'ultrasonic', 'light', 'line', 'button'] as const).map((k) => ({ el: $(k), f: fmt[k], shown: '' }));
  const ledEls = [$('led-0'), $('led-1')];
  const ledShown = ['', ''];
  let drawnTotal = 0;
  let drawnVersion = -1;
  trail.strokeStyle = '#415a77';
  trail.lineWidth = 1.5;
  trail.lineCap = 'round';
  return {
    frame(nowMs) {
      statusText(nowMs);
      if (store.version === drawnVersion) return;
      drawnVersion = store.version;
      const fresh = Math.min(store.trailTotal - drawnTotal, store.trail.length);
      if (fresh > 0) {
        // One point before the new ones joins the new segments to the old trail.
        const from = Math.max(0, store.trail.length - fresh - (drawnTotal > 0 ? 1 : 0));
        trail.beginPath();
        for (let i = from; i < store.trail.length; i++) {
          const p = store.trail[i]!;
          if (i === from) trail.moveTo(px(p.xCm), py(p.yCm)); else trail.lineTo(px(p.xCm), py(p.yCm));
        }
        trail.stroke();
        drawnTotal = store.trailTotal;
        const pose = store.pose;
        robot.hidden = pose === null;
        if (pose) robot.style.transform = `translate(${px(pose.xCm).toFixed(1)}px, ${py(pose.yCm).toFixed(1)}px) rotate(${(-pose.headingDeg).toFixed(1)}deg)`;
      }
      for (const t of text) {
        const s = t.f(store);
        if (s !== t.shown) { t.el.textContent = s; t.shown = s; }
      }
      store.leds.forEach((c, i) => {
        if (c !== ledShown[i]) { ledEls[i]!.style.backgroundColor = c; ledShown[i] = c; }
      });
    },
  };
}
