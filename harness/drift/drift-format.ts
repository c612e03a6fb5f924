/**
 * Number and cell formatting shared by the drift report's text, Markdown
 * and HTML renderings.
 */
import type { FitParameter } from './drift-run.ts';

/** A number for a table: up to 3 significant decimals, no exponent; `—` for none. */
export function fmt(v: number | string | undefined, digits = 2): string {
  if (v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  const d = a >= 100 ? Math.min(digits, 1) : a >= 10 ? digits : digits + 1;
  return Number(v.toFixed(d)).toString();
}

/** A value with its unit, `—` for none. */
export function withUnit(v: number | string | undefined, unit: string): string {
  const s = fmt(v);
  return s === '—' || unit === '' || typeof v === 'string' ? s : `${s} ${unit}`;
}

/** The parameter table's rows as text cells: name, simulator, fitted, known, error. */
export function parameterCells(p: FitParameter): string[] {
  const rel = p.relativeError === undefined ? '' : ` (${fmt(p.relativeError * 100, 1)} %)`;
  return [p.name, withUnit(p.simulator, p.unit), withUnit(p.fitted, p.unit), withUnit(p.known, p.unit), p.error === undefined ? '—' : `${p.error >= 0 ? '+' : ''}${fmt(p.error)}${rel}`];
}
