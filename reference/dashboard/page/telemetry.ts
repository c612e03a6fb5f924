/**
 * Page side of the companion link: decodes mBot RuVector V2 envelopes into
 * one mutable store that the renderers read once per frame, and sends
 * commands. Messages only update the store; nothing renders on a message,
 * so a burst of telemetry costs parsing, never layout.
 */
import { cssColour } from './html-text.ts';

/** One V2 envelope, as the companion sends and accepts it. */
export interface Envelope {
  version: 2;
  type: 'state' | 'event' | 'batch' | 'command' | 'ping' | 'pong';
  payload: unknown;
  timestamp: number;
  sequence?: number;
}

/** A pose point of the trail, world cm. */
export interface TrailPoint { xCm: number; yCm: number }

/** Everything the telemetry panel shows; `version` bumps on every change. */
export interface TelemetryStore {
  version: number;
  connected: boolean;
  /** The companion's link to the robot (`robot_link` events, `robot.link` of the state); null until told. */
  robotLink: 'up' | 'lost' | null;
  messages: number;
  commandsSent: number;
  pose: { xCm: number; yCm: number; headingDeg: number } | null;
  /** Pose trail, oldest first; capped at {@link TRAIL_CAP} points (older points drop off). */
  trail: TrailPoint[];
  /** Points ever appended to the trail (the incremental renderer's cursor survives the cap). */
  trailTotal: number;
  ultrasonicCm: number | null;
  light: number | null;
  line: { left: boolean; right: boolean } | null;
  button: boolean | null;
  leds: [string, string];
  /** Pen strokes the robot drew, world cm, as events reported them. */
  penStrokes: TrailPoint[][];
  /** Whether the pen is down, from the pose stream; null before the first pose that says. */
  penDown: boolean | null;
  penVersion: number;
}

/** Most pose points kept for redraws; the persistent trail layer keeps everything. */
export const TRAIL_CAP = 4000;

/** An empty store. */
export function createStore(): TelemetryStore {
  return {
    version: 0, connected: false, robotLink: null, messages: 0, commandsSent: 0, pose: null, trail: [], trailTotal: 0,
    ultrasonicCm: null, light: null, line: null, button: null, leds: ['#000000', '#000000'],
    penStrokes: [], penVersion: 0, penDown: null,
  };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> | null => (typeof v === 'object' && v !== null ? v as Record<string, unknown> : null);

function rgbToCss(v: unknown): string | null {
  if (typeof v === 'string') return cssColour(v);
  if (Array.isArray(v) && v.length >= 3) return `rgb(${Number(v[0])},${Number(v[1])},${Number(v[2])})`;
  const o = obj(v);
  if (o && 'r' in o) return `rgb(${Number(o.r)},${Number(o.g)},${Number(o.b)})`;
  return null;
}

function setPose(store: TelemetryStore, data: unknown): void {
  const d = obj(data);
  const x = num(d?.xCm ?? d?.x);
  const y = num(d?.yCm ?? d?.y);
  if (x === null || y === null) return;
  const heading = num(d?.headingDeg) ?? ((num(d?.headingRad ?? d?.heading) ?? 0) * 180) / Math.PI;
  store.pose = { xCm: x, yCm: y, headingDeg: heading };
  if (typeof d?.penDown === 'boolean') store.penDown = d.penDown;
  store.trail.push({ xCm: x, yCm: y });
  store.trailTotal++;
  if (store.trail.length > TRAIL_CAP) store.trail.splice(0, store.trail.length - TRAIL_CAP);
}

// A stroke point is `[x, y]` (the companion's form) or `{ xCm, yCm }` (the simulator's).
function toPoint(p: unknown): TrailPoint {
  if (Array.isArray(p)) return { xCm: Number(p[0]), yCm: Number(p[1]) };
  return { xCm: Number(obj(p)?.xCm), yCm: Number(obj(p)?.yCm) };
}

function setPen(store: TelemetryStore, data: unknown): void {
  const d = obj(data);
  const points = Array.isArray(d?.points) ? d.points : Array.isArray(data) ? data : null;
  if (points) {
    store.penStrokes.push(points.map(toPoint));
    store.penVersion++;
  }
}

function setSensors(store: TelemetryStore, data: unknown): void {
  const d = obj(data);
  if (!d) return;
  if ('distanceCm' in d) store.ultrasonicCm = num(d.distanceCm);
  if ('light' in d) store.light = num(d.light);
  if ('line' in d) applyReading(store, 'line', d.line);
  if ('button' in d) applyReading(store, 'button', d.button);
  if ('leds' in d) applyReading(store, 'leds', d.leds);
}

/** Applies one named reading (an event, or a key of a state snapshot). */
function applyReading(store: TelemetryStore, name: string, data: unknown): void {
  const d = obj(data);
  switch (name) {
    case 'pose': setPose(store, data); break;
    case 'sensors': setSensors(store, data); break;
    case 'ultrasonic': case 'distance': store.ultrasonicCm = num(d?.cm ?? d?.distanceCm ?? data); break;
    case 'light': store.light = num(d?.value ?? d?.level ?? data); break;
    case 'line': if (d) store.line = { left: !!d.left, right: !!d.right }; break;
    case 'button': store.button = typeof data === 'boolean' ? data : !!(d?.pressed ?? d?.down ?? d?.isDown); break;
    case 'leds': {
      const list = Array.isArray(data) ? data : Array.isArray(d?.colors) ? d.colors : Array.isArray(d?.leds) ? d.leds : null;
      if (list) store.leds = [rgbToCss(list[0]) ?? store.leds[0], rgbToCss(list[1]) ?? store.leds[1]];
      break;
    }
    case 'stroke': case 'pen_stroke': setPen(store, data); break;
    case 'strokes': if (Array.isArray(data)) for (const st of data) setPen(store, st); break;
    case 'robot_link': store.robotLink = d?.state === 'lost' ? 'lost' : 'up'; break;
    case 'robot': if (d && (d.link === 'up' || d.link === 'lost')) store.robotLink = d.link; break;
    default: return;
  }
}

/**
 * Applies one decoded envelope to the store; returns a `pong` to send when the
 * envelope is a `ping`. Unknown types and fields are ignored (a newer
 * companion must not break an older dashboard).
 */
export function applyEnvelope(store: TelemetryStore, env: unknown): Envelope | null {
  const e = obj(env);
  if (!e || e.version !== 2) return null;
  store.messages++;
  store.version++;
  const payload = e.payload;
  switch (e.type) {
    case 'state': {
      const p = obj(payload);
      if (p) for (const [k, v] of Object.entries(p)) applyReading(store, k, v);
      return null;
    }
    case 'event': {
      const p = obj(payload);
      if (p && typeof p.event === 'string') applyReading(store, p.event, p.data);
      return null;
    }
    case 'batch': {
      const list = Array.isArray(payload) ? payload : Array.isArray(obj(payload)?.messages) ? (obj(payload)!.messages as unknown[]) : [];
      let reply: Envelope | null = null;
      for (const inner of list) reply = applyEnvelope(store, inner) ?? reply;
      store.messages--; // the batch itself is a carrier, its members were counted
      return reply;
    }
    case 'ping':
      return { version: 2, type: 'pong', payload, timestamp: Date.now() };
    default:
      return null;
  }
}

/** A live connection to the companion. */
export interface CompanionLink {
  /** Sends a `command` envelope (`{ id, command, args }`); false when not connected. */
  command(command: string, args?: Record<string, unknown>): boolean;
  close(): void;
}

/**
 * Connects to the companion at `url` and keeps `store` up to date; reconnects
 * after a drop (1 s later) so a restarted companion is picked up.
 */
export function connectCompanion(url: string, store: TelemetryStore): CompanionLink {
  let ws: WebSocket | null = null;
  let closed = false;
  let sequence = 0;
  const open = (): void => {
    ws = new WebSocket(url);
    ws.onopen = () => { store.connected = true; store.version++; };
    ws.onclose = () => {
      store.connected = false;
      store.version++;
      if (!closed) setTimeout(open, 1000);
    };
    ws.onmessage = (m: MessageEvent) => {
      if (typeof m.data !== 'string') return;
      let env: unknown;
      try { env = JSON.parse(m.data); } catch { return; }
      const reply = applyEnvelope(store, env);
      if (reply && ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ ...reply, sequence: ++sequence }));
    };
  };
  open();
  return {
    command(command, args = {}) {
      if (ws?.readyState !== WebSocket.OPEN) return false;
      const id = ++sequence;
      const env: Envelope = { version: 2, type: 'command', payload: { id, command, args }, timestamp: Date.now(), sequence: id };
      ws.send(JSON.stringify(env));
      store.commandsSent++;
      return true;
    },
    close() { closed = true; ws?.close(); },
  };
}
