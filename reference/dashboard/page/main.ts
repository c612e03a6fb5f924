/**
 * Entry of the reference dashboard page. Query string:
 *
 * | parameter | meaning | default |
 * |---|---|---|
 * | `ws` | companion WebSocket URL (`ws://127.0.0.1:port/...`) | none: no telemetry |
 * | `drawing` | URL of a drawing file (`mbot-hil/drawing@1`) | none |
 * | `render` | `incremental` or `naive` | `incremental` |
 * | `autoplay` | play the drawing once loaded, over this many ms | off |
 *
 * The page exposes `window.mbotHil` (see {@link MbotHilPageHook}) for the
 * frame probe: a user's own dashboard may offer the same hook to be driven
 * the same way.
 */
import { createDrawingPlayer, type DrawingFileJson, type PlaybackResult } from './drawing-player.ts';
import { createLivePenView } from './live-pen-view.ts';
import { connectCompanion, createStore } from './telemetry.ts';
import { createTelemetryView, type RenderMode } from './telemetry-view.ts';

/** What the page offers the frame probe on `window.mbotHil`. */
export interface MbotHilPageHook {
  version: 1;
  render: RenderMode;
  /** Resolves once the drawing (if any) is loaded, with its stroke count. */
  ready: Promise<{ strokeCount: number }>;
  /** Strokes of the loaded drawing. */
  readonly strokeCount: number;
  /** Strokes completely drawn so far (the probe samples it each frame for the progress chart). */
  readonly strokesDone: number;
  /** Plays the drawing from a blank canvas over `durationMs`; resolves when the last stroke is drawn. */
  play(options?: { durationMs?: number }): Promise<PlaybackResult>;
  /** Telemetry counters: messages received, commands sent, link state. */
  telemetry(): { connected: boolean; messages: number; commandsSent: number; penStrokes: number };
}

declare global {
  interface Window { mbotHil?: MbotHilPageHook }
}

const params = new URLSearchParams(location.search);
const mode: RenderMode = params.get('render') === 'naive' ? 'naive' : 'incremental';
document.getElementById('mode')!.textContent = `${mode} rendering`;

const store = createStore();
const wsUrl = params.get('ws');
const link = wsUrl ? connectCompanion(wsUrl, store) : null;
const telemetry = createTelemetryView(store, mode);
const player = createDrawingPlayer(mode);
// No drawing loaded (and none playing): the canvas is paper showing the robot's own pen.
const livePen = createLivePenView(store, () => player.strokeCount === 0);

// Drive buttons send what a user's click means to the robot: wheel PWMs in the
// robot's frame (+ = that wheel forward) until stop; the companion handles the
// mBot's mirrored motor mounting.
const DRIVE_PWM = 200;
const DRIVES: Record<string, [number, number]> = {
  forward: [DRIVE_PWM, DRIVE_PWM],
  reverse: [-DRIVE_PWM, -DRIVE_PWM],
  left: [-DRIVE_PWM, DRIVE_PWM],
  right: [DRIVE_PWM, -DRIVE_PWM],
};
let ledStep = 0;
const LED_CYCLE: [number, number, number][] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [0, 0, 0]];
document.addEventListener('click', (e) => {
  const b = (e.target as HTMLElement).closest('button');
  if (!b || !link) return;
  const { drive, pen, beep, leds } = b.dataset;
  if (drive === 'stop') link.command('stop');
  else if (drive) {
    const [left, right] = DRIVES[drive] ?? [0, 0];
    link.command('drive', { left, right });
  } else if (pen) link.command('pen', { down: pen === 'down' });
  else if (beep) link.command('buzzer', { hz: Number(beep), durationMs: 100 });
  else if (leds) {
    const rgb = LED_CYCLE[ledStep++ % LED_CYCLE.length]!;
    // The companion acknowledges but does not echo LED colours: show what was asked.
    if (link.command('leds', { rgb })) {
      const css = `rgb(${rgb.join(',')})`;
      store.leds = [css, css];
      store.version++;
    }
  }
});

function frame(nowMs: number): void {
  telemetry.frame(nowMs);
  livePen.frame(nowMs);
  player.frame(nowMs);
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

async function loadDrawing(): Promise<{ strokeCount: number }> {
  const url = params.get('drawing');
  if (!url) return { strokeCount: 0 };
  const res = await fetch(url);
  if (!res.ok) throw new Error(`dashboard: GET ${url} answered ${res.status}`);
  const file = (await res.json()) as DrawingFileJson;
  player.load(file);
  document.getElementById('drawing-name')!.textContent = `${file.name} · ${file.strokes.length} strokes`;
  return { strokeCount: file.strokes.length };
}

const ready = loadDrawing();
window.mbotHil = {
  version: 1,
  render: mode,
  ready,
  get strokeCount() { return player.strokeCount; },
  get strokesDone() { return player.strokesDone; },
  play: (options = {}) => player.play(options.durationMs ?? 4000),
  telemetry: () => ({ connected: store.connected, messages: store.messages, commandsSent: store.commandsSent, penStrokes: store.penStrokes.length }),
};

const autoplay = Number(params.get('autoplay'));
if (autoplay > 0) void ready.then(() => player.play(autoplay));
