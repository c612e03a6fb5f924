/**
 * Escaping for the HTML report. Markup is built with the {@link html} tag,
 * which escapes every interpolated value unless it is already {@link SafeHtml}
 * (made by `html` itself or by {@link raw} for markup the code generated).
 * Text from tests and contracts therefore cannot become markup by accident.
 */

/** A fragment of markup that is known to be safe (built by {@link html} or {@link raw}). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/**
 * Escapes text for an HTML text node or a quoted attribute value:
 * `& < > " '` become entities, and characters HTML forbids or that
 * disguise text (C0 and C1 controls other than tab/newline/carriage return,
 * DEL, bidirectional overrides, lone surrogates) become U+FFFD.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Marks generated markup as safe. Never pass text that came from a test or a contract. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return (v as readonly Value[]).map(render).join('');
  return escapeHtml(String(v));
}

/**
 * Tagged template for markup: every `${value}` is escaped (arrays are
 * joined, `null`/`undefined`/`false` render nothing) unless it is a
 * {@link SafeHtml}.
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i] as Value) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Formats a coordinate or length for SVG: at most 2 decimals, no exponent. */
export function svgNum(n: number): string {
  if (!Number.isFinite(n)) return '0';
  return String(Math.round(n * 100) / 100);
}
