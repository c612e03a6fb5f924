/**
 * Inline SVG charts for the HTML report, drawn on the server: no script,
 * no network. One generic x/y chart (lines, bars, point marks, reference
 * lines) and one category bar chart. Every data element carries
 * `class="mark"` (bars, points) or `class="series"` with `data-points`
 * (lines), so a test can count what was drawn. All text is escaped.
 */
import { html, raw, svgNum, type SafeHtml } from './html-escape.ts';

const W = 540;
const H = 250;
const M = { left: 58, right: 18, top: 16, bottom: 42 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

/** An axis: its range and label; `ticks` replaces the automatic ones. */
export interface Axis {
  min: number;
  max: number;
  label: string;
  ticks?: readonly { value: number; label: string }[];
}

/** A line through points (in data units). */
export interface LineSeries { points: readonly (readonly [number, number])[]; cls: string; name: string }
/** A point mark with a tooltip. */
export interface PointMark { x: number; y: number; cls: string; title: string }
/** A bar from x0 to x1, 0 to y. */
export interface BarMark { x0: number; x1: number; y: number; cls: string; title: string }
/** A horizontal (y) or vertical (x) reference line with a label. */
export interface RefLine { at: number; label: string; cls: string }

/** Everything one x/y chart shows. */
export interface ChartSpec {
  /** Machine name, e.g. `latency-histogram` (the `data-chart` attribute). */
  kind: string;
  title: string;
  x: Axis;
  y: Axis;
  lines?: readonly LineSeries[];
  bars?: readonly BarMark[];
  marks?: readonly PointMark[];
  hlines?: readonly RefLine[];
  vlines?: readonly RefLine[];
  /** A sentence under the chart: what it shows and how the data was reduced. */
  caption?: string;
}

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const rough = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((s) => s * mag >= rough) ?? 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** A range that includes every value given and starts at 0 when all are >= 0, padded by 8 % at the top. */
export function rangeOf(values: readonly number[], options: { zero?: boolean } = {}): { min: number; max: number } {
  const finite = values.filter(Number.isFinite);
  let min = finite.length ? Math.min(...finite) : 0;
  let max = finite.length ? Math.max(...finite) : 1;
  if (options.zero !== false && min >= 0) min = 0;
  if (max === min) max = min + (Math.abs(min) || 1);
  return { min, max: max + (max - min) * 0.08 };
}

function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1000) return String(Math.round(v));
  if (a >= 10) return String(Math.round(v * 10) / 10);
  return String(Math.round(v * 1000) / 1000);
}

/** Renders an x/y chart as an inline `<figure>` with an SVG. */
export function renderChart(spec: ChartSpec): SafeHtml {
  const sx = (x: number) => M.left + ((Math.min(Math.max(x, spec.x.min), spec.x.max) - spec.x.min) / (spec.x.max - spec.x.min || 1)) * PW;
  const sy = (y: number) => M.top + PH - ((Math.min(Math.max(y, spec.y.min), spec.y.max) - spec.y.min) / (spec.y.max - spec.y.min || 1)) * PH;
  const xt = spec.x.ticks ?? niceTicks(spec.x.min, spec.x.max).map((v) => ({ value: v, label: tickLabel(v) }));
  const yt = spec.y.ticks ?? niceTicks(spec.y.min, spec.y.max).map((v) => ({ value: v, label: tickLabel(v) }));
  const parts: SafeHtml[] = [];
  for (const t of yt) {
    parts.push(html`<line class="grid" x1="${svgNum(M.left)}" x2="${svgNum(M.left + PW)}" y1="${svgNum(sy(t.value))}" y2="${svgNum(sy(t.value))}"/><text class="tick" x="${svgNum(M.left - 6)}" y="${svgNum(sy(t.value) + 4)}" text-anchor="end">${t.label}</text>`);
  }
  for (const t of xt) {
    parts.push(html`<text class="tick" x="${svgNum(sx(t.value))}" y="${svgNum(M.top + PH + 16)}" text-anchor="middle">${t.label}</text>`);
  }
  const zeroY = sy(Math.max(spec.y.min, 0));
  for (const b of spec.bars ?? []) {
    const x = sx(b.x0);
    const w = Math.max(1, sx(b.x1) - x - 1);
    const y = sy(b.y);
    parts.push(html`<rect class="mark bar ${b.cls}" x="${svgNum(x)}" y="${svgNum(Math.min(y, zeroY))}" width="${svgNum(w)}" height="${svgNum(Math.max(Math.abs(zeroY - y), b.y > 0 ? 1 : 0))}"><title>${b.title}</title></rect>`);
  }
  for (const l of spec.lines ?? []) {
    if (l.points.length === 0) continue;
    const pts = l.points.map(([x, y]) => `${svgNum(sx(x))},${svgNum(sy(y))}`).join(' ');
    parts.push(html`<polyline class="series ${l.cls}" data-points="${l.points.length}" points="${pts}"><title>${l.name}</title></polyline>`);
  }
  for (const r of spec.hlines ?? []) {
    const y = sy(r.at);
    parts.push(html`<line class="ref ${r.cls}" x1="${svgNum(M.left)}" x2="${svgNum(M.left + PW)}" y1="${svgNum(y)}" y2="${svgNum(y)}"/><text class="reflabel ${r.cls}" x="${svgNum(M.left + PW - 4)}" y="${svgNum(y - 4)}" text-anchor="end">${r.label}</text>`);
  }
  (spec.vlines ?? []).forEach((r, i) => {
    const x = sx(r.at);
    // Labels are staggered so two nearby lines stay readable, and sit left of a line near the right edge.
    const right = x > M.left + PW * 0.6;
    parts.push(html`<line class="ref ${r.cls}" x1="${svgNum(x)}" x2="${svgNum(x)}" y1="${svgNum(M.top)}" y2="${svgNum(M.top + PH)}"/><text class="reflabel ${r.cls}" x="${svgNum(right ? x - 4 : x + 4)}" y="${svgNum(M.top + 12 + 14 * i)}" text-anchor="${right ? 'end' : 'start'}">${r.label}</text>`);
  });
  for (const m of spec.marks ?? []) {
    parts.push(html`<circle class="mark point ${m.cls}" cx="${svgNum(sx(m.x))}" cy="${svgNum(sy(m.y))}" r="3.5"><title>${m.title}</title></circle>`);
  }
  const axes = html`<line class="axis" x1="${svgNum(M.left)}" x2="${svgNum(M.left)}" y1="${svgNum(M.top)}" y2="${svgNum(M.top + PH)}"/><line class="axis" x1="${svgNum(M.left)}" x2="${svgNum(M.left + PW)}" y1="${svgNum(M.top + PH)}" y2="${svgNum(M.top + PH)}"/>`;
  const labels = html`<text class="axislabel" x="${svgNum(M.left + PW / 2)}" y="${svgNum(H - 6)}" text-anchor="middle">${spec.x.label}</text><text class="axislabel" transform="translate(14 ${svgNum(M.top + PH / 2)}) rotate(-90)" text-anchor="middle">${spec.y.label}</text>`;
  return html`<figure class="chart" data-chart="${spec.kind}"><figcaption class="charttitle">${spec.title}</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${spec.title}">${parts}${axes}${labels}</svg>${spec.caption ? html`<p class="caption">${spec.caption}</p>` : raw('')}</figure>`;
}

/** One bar of a category chart. */
export interface CategoryBar { label: string; value: number; cls?: string; title?: string }

/**
 * A bar per category (e.g. p50/p95/p99/max of one metric family) against
 * reference lines (thresholds); the y range always includes the lines.
 */
export function renderBarChart(spec: { kind: string; title: string; unit: string; bars: readonly CategoryBar[]; hlines?: readonly RefLine[]; caption?: string }): SafeHtml {
  const n = Math.max(1, spec.bars.length);
  const y = rangeOf([...spec.bars.map((b) => b.value), ...(spec.hlines ?? []).map((h) => h.at)]);
  return renderChart({
    kind: spec.kind,
    title: spec.title,
    x: { min: 0, max: n, label: '', ticks: spec.bars.map((b, i) => ({ value: i + 0.5, label: b.label })) },
    y: { ...y, label: spec.unit },
    bars: spec.bars.map((b, i) => ({ x0: i + 0.15, x1: i + 0.85, y: b.value, cls: b.cls ?? 'bar-main', title: b.title ?? `${b.label}: ${b.value} ${spec.unit}` })),
    hlines: spec.hlines ?? [],
    ...(spec.caption ? { caption: spec.caption } : {}),
  });
}
