import { isMap, isPair, isScalar } from 'yaml';
import type { Document, LineCounter, Scalar } from 'yaml';

/** A 1-based line and column. */
export interface LineColumn {
  line: number;
  column: number;
}

/** Maps a 0-based character offset of the file to its 1-based line and column. */
export function positionAt(lineCounter: LineCounter, offset: number): LineColumn {
  const { line, col } = lineCounter.linePos(Math.max(0, offset));
  return { line, column: col };
}

/** Start position of a parsed node (1:1 when the node carries no range). */
export function nodeStart(lineCounter: LineCounter, node: unknown): LineColumn {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? positionAt(lineCounter, range[0]) : { line: 1, column: 1 };
}

/** A path inside the document as zod reports it. */
export type DocPath = readonly PropertyKey[];

/**
 * The node a problem at `path` should point at: the node itself; for a key
 * whose value is empty (`validation:` with nothing after it), the key, since
 * an empty value has no visible character; for a missing key, the nearest
 * existing ancestor (normally the mapping that lacks the key).
 */
export function nodeForPath(doc: Document, path: DocPath): unknown {
  for (let n = path.length; n >= 0; n--) {
    const sub = path.slice(0, n);
    const node = n === 0 ? doc.contents : doc.getIn(sub as unknown[], true);
    if (node === undefined || node === null) continue;
    if (isScalar(node) && node.value === null && (node as Scalar).source === '' && n > 0) {
      const key = keyNode(doc, sub);
      if (key) return key;
    }
    return node;
  }
  return doc.contents;
}

function keyNode(doc: Document, path: DocPath): unknown {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1) as unknown[], true);
  const last = path[path.length - 1];
  if (!isMap(parent)) return undefined;
  for (const pair of parent.items) {
    if (isPair(pair) && isScalar(pair.key) && pair.key.value === last) return pair.key;
  }
  return undefined;
}

/**
 * Builds a mapping from a 0-based index in a scalar's value to its position
 * in the file. The value's characters are matched, in order, against the
 * scalar's source text (after the opening quote, or from the line after a
 * `|`/`>` header). This is exact for plain and single-line scalars, for
 * `''` in single quotes and `\"` in double quotes, and follows folded and
 * block scalars line by line (a folded line break matches the next line's
 * first character). Escapes that produce a character absent from the source
 * (`\n`, `\x41`) stop the matching; later characters then map to the last
 * matched position. An index at the end maps one past the last character.
 */
export function scalarLocator(text: string, node: Scalar, lineCounter: LineCounter): (index: number) => LineColumn {
  const value = typeof node.value === 'string' ? node.value : String(node.value);
  const range = node.range ?? [0, 0, 0];
  let start = range[0];
  if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') start += 1;
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    const nl = text.indexOf('\n', start);
    start = nl < 0 ? range[1] : nl + 1;
  }
  const offsets: number[] = [];
  let p = start;
  let lost = false;
  for (const ch of value) {
    if (!lost) {
      let q = p;
      // Whitespace in the value (a folded line break) may be a newline or
      // indentation in the source; anything else must match exactly.
      while (q < range[1] && text.charAt(q) !== ch && !(ch === ' ' && /\s/.test(text.charAt(q)))) q++;
      if (q < range[1]) {
        p = q + 1;
      } else {
        lost = true;
      }
    }
    // `for...of` walks code points; keep one offset per UTF-16 unit so
    // indices from the expression parser line up.
    for (let k = 0; k < ch.length; k++) offsets.push(lost ? Math.max(start, p - 1) : p - 1);
  }
  return (index: number) => {
    const at = index < offsets.length ? offsets[index] : (offsets.length > 0 ? (offsets[offsets.length - 1] as number) + 1 : start);
    return positionAt(lineCounter, at ?? start);
  };
}
