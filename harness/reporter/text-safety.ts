/**
 * Characters a report must never write raw, whatever a test name, label,
 * reason or contract says: C0 and C1 control characters (NUL, BEL, ESC,
 * which a terminal or viewer may act on), DEL, Unicode line and paragraph
 * separators, and the bidirectional overrides that make text read
 * differently from what it is. Tab, line feed and carriage return are
 * left to each format (Markdown folds them, XML and HTML keep them).
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** True when `text` holds a character {@link visibleControls} would rewrite. */
export function hasControls(text: string): boolean {
  CONTROLS.lastIndex = 0;
  const found = CONTROLS.test(text);
  CONTROLS.lastIndex = 0;
  return found;
}

/**
 * Rewrites each such character as visible text: `\x1B` for ESC, `\u202E`
 * for a right-to-left override, so a reader sees that it was there.
 */
export function visibleControls(text: string): string {
  return text.replace(CONTROLS, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}

/** Tab, CR and LF in one line of terminal output: shown as `\t`, `\r`, `\n`, plus {@link visibleControls}. */
export function oneLine(text: string): string {
  return visibleControls(text).replace(/\t/g, '\\t').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}
