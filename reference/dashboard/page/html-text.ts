/**
 * Text for HTML: what the naive renderers interpolate into `innerHTML`.
 * The page's origin is trusted by the companion, so a string from a drawing
 * file or a WebSocket server parsed as markup would be script that drives the
 * robot; everything that is not the page's own markup goes through here.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `text` with `& < > " '` escaped: safe as element content and inside a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * `value` when it is a plain CSS colour (`#rgb`..`#rrggbbaa`, a colour name,
 * `rgb()`/`rgba()`/`hsl()`/`hsla()` of numbers), else null: a colour from a
 * server must not carry `url(...)`, quotes or markup.
 */
export function cssColour(value: string): string | null {
  return /^(#[0-9a-f]{3,8}|[a-z]{3,30}|(rgb|hsl)a?\([0-9.,%\s-]{1,60}\))$/i.test(value) ? value : null;
}
