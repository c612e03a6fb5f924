/**
 * Markdown escaping shared by `compliance.md` and the CI job summary, so
 * no text from a test, label, reason or contract can split a table row,
 * become a link or an image, or reach a viewer as a control character.
 */
import { visibleControls } from './text-safety.ts';

/**
 * Escapes text for a Markdown table cell or line: control characters become
 * visible (`\x1B`), backslashes, pipes, backticks and link/image brackets
 * are backslash-escaped (so `![x](url)` and `[x](url)` stay text), HTML is
 * entity-escaped, and every line break (CR, LF, CRLF) becomes a space so a
 * table row cannot be split. A bare URL stays visible text.
 */
export function mdEscape(text: string): string {
  return visibleControls(text)
    .replace(/\\/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[|`[\]]/g, (c) => `\\${c}`)
    .replace(/\r\n|\r|\n/g, ' ');
}

/** Inline code: literal inside (no link syntax applies), but one line with pipes escaped for tables. */
export function mdCode(text: string): string {
  // Inline code cannot hold a backtick safely; fall back to escaped text.
  const flat = visibleControls(text).replace(/\r\n|\r|\n/g, ' ');
  return flat.includes('`') || flat.trim() === '' ? mdEscape(text) : `\`${flat.replace(/\|/g, '\\|')}\``;
}

