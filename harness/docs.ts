/**
 * Keeps the README's generated tables (metric catalogue, error codes) equal
 * to the code that defines them. `npm run docs` rewrites the blocks between
 * their markers; `harness/docs.test.ts` fails when they drift.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from './errors.ts';
import { CATALOGUE_README_MARKERS, renderCatalogueMarkdown } from './metrics/catalogue.ts';

/** Markers around the error-code table in README.md. */
export const ERROR_CODES_README_MARKERS = Object.freeze({
  begin: '<!-- error-codes:begin -->',
  end: '<!-- error-codes:end -->',
});

/** The error-code table, one row per stable code. */
export function renderErrorCodesMarkdown(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, meaning]) => `| \`${code}\` | ${meaning} |`);
  return ['| code | meaning |', '|---|---|', ...rows].join('\n');
}

/** Replaces the text between `begin` and `end` in `text`; throws when a marker is missing. */
export function replaceBlock(text: string, markers: { begin: string; end: string }, body: string): string {
  const a = text.indexOf(markers.begin);
  const b = text.indexOf(markers.end);
  if (a < 0 || b < a) throw new Error(`README.md lacks the markers ${markers.begin} … ${markers.end}`);
  return `${text.slice(0, a + markers.begin.length)}\n${body}\n${text.slice(b)}`;
}

/** The README with every generated block brought up to date. */
export function renderReadme(text: string): string {
  let out = replaceBlock(text, CATALOGUE_README_MARKERS, renderCatalogueMarkdown().trimEnd());
  out = replaceBlock(out, ERROR_CODES_README_MARKERS, renderErrorCodesMarkdown());
  return out;
}

export const README_PATH = resolve(fileURLToPath(new URL('..', import.meta.url)), 'README.md');

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const before = readFileSync(README_PATH, 'utf8');
  const after = renderReadme(before);
  writeFileSync(README_PATH, after);
  console.log(before === after ? 'README.md already up to date' : 'README.md tables regenerated');
}
