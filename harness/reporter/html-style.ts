/**
 * The inline stylesheet of `compliance.html`: system fonts only (no web
 * fonts, nothing fetched), verdict colours that also read in print, and
 * the chart classes of `html-charts.ts`.
 */
export const HTML_STYLE = `
:root { --pass: #15803d; --fail: #b91c1c; --warn: #b45309; --idle: #6b7280; --ink: #111827; --muted: #4b5563; --line: #e5e7eb; --bg: #ffffff; --card: #f9fafb; --main: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1240px; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: var(--bg); }
h1 { font-size: 26px; margin: 0 0 8px; }
h2 { font-size: 20px; margin: 28px 0 10px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 22px 0 6px; }
small { color: var(--muted); font-weight: normal; }
code { font: 12.5px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; background: #f3f4f6; padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
code.cmd { display: block; white-space: pre-wrap; padding: 6px 8px; background: #111827; color: #f9fafb; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
a { color: var(--main); }
nav { margin: 8px 0; }
.run { color: var(--muted); font-size: 13px; }
.banner { padding: 10px 14px; border-radius: 6px; font-weight: 600; font-size: 16px; margin: 8px 0; border-left: 6px solid; }
.banner.v-pass { background: #f0fdf4; border-color: var(--pass); color: var(--pass); }
.banner.v-fail { background: #fef2f2; border-color: var(--fail); color: var(--fail); }
.banner.v-not-evaluated { background: #fffbeb; border-color: var(--warn); color: var(--warn); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; }
.badge.v-pass { background: var(--pass); }
.badge.v-fail { background: var(--fail); }
.badge.v-not-evaluated { background: var(--warn); }
.badge.v-not-run { background: var(--idle); }
tr.b-regression td { background: #fef2f2; }
table.baseline td code { overflow-wrap: normal; white-space: nowrap; }
tr.b-inconclusive td, tr.b-missing td { background: #fffbeb; }
.invariant { margin-top: 12px; }
.evaluation { background: var(--card); border: 1px solid var(--line); border-left: 5px solid var(--idle); border-radius: 6px; padding: 10px 14px; margin: 10px 0 18px; }
.evaluation.v-pass { border-left-color: var(--pass); }
.evaluation.v-fail { border-left-color: var(--fail); }
.evaluation.v-not-evaluated { border-left-color: var(--warn); }
.evaluation header { font-size: 15px; margin-bottom: 6px; }
.testname { font-weight: 600; overflow-wrap: anywhere; }
.label { color: var(--muted); }
dl.context { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0 10px; }
dl.context dt { color: var(--muted); }
dl.context dd { margin: 0; overflow-wrap: anywhere; }
.reason { color: var(--warn); font-weight: 600; }
.remediation { color: var(--muted); }
.nochart { color: var(--muted); font-style: italic; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
figure.chart { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px; max-width: 100%; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
.charttitle { font-weight: 600; font-size: 13px; margin-bottom: 2px; }
.caption { margin: 4px 0 0; font-size: 12px; color: var(--muted); max-width: 540px; }
svg .axis { stroke: #374151; stroke-width: 1; }
svg .grid { stroke: #eef0f3; stroke-width: 1; }
svg .tick { font-size: 10px; fill: #4b5563; }
svg .axislabel { font-size: 11px; fill: #374151; }
svg .series { fill: none; stroke: var(--main); stroke-width: 1.5; stroke-linejoin: round; }
svg .series.fit { stroke: #9333ea; stroke-dasharray: 6 4; stroke-width: 2; }
svg .bar.bar-main { fill: #93c5fd; }
svg .bar.bar-checked { fill: var(--main); }
svg .ref { stroke-width: 1.5; }
svg .ref.threshold { stroke: var(--fail); stroke-dasharray: 5 3; }
svg .ref.budget { stroke: var(--pass); }
svg .ref.late-line { stroke: var(--warn); stroke-dasharray: 2 3; }
svg .ref.measured { stroke: #111827; stroke-dasharray: 1 3; }
svg .reflabel { font-size: 10.5px; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg .reflabel.threshold { fill: var(--fail); }
svg .reflabel.budget { fill: var(--pass); }
svg .reflabel.late-line { fill: var(--warn); }
svg .reflabel.measured { fill: #111827; }
svg .point.late { fill: var(--fail); }
svg .point.gc { fill: #0891b2; }
svg .point.measured { fill: #111827; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print { .evaluation { break-inside: avoid; } }
`;
