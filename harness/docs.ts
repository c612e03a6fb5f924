/**
 * Keeps the generated tables of docs/ (metric catalogue, error codes) equal
 * to the code that defines them. `npm run docs` rewrites the blocks between
 * their markers; `harness/docs.test.ts` fails when they drift.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from './errors.ts';
import { CATALOGUE_README_MARKERS, renderCatalogueMarkdown } from './metrics/catalogue.ts';

/** Markers around the error-code table in docs/errors.md. */
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
  if (a < 0 || b < a) throw new Error(`the page lacks the markers ${markers.begin} … ${markers.end}`);
  return `${text.slice(0, a + markers.begin.length)}\n${body}\n${text.slice(b)}`;
}

/** The project root. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const README_PATH = resolve(PROJECT_ROOT, 'README.md');
export const DOCS_DIR = resolve(PROJECT_ROOT, 'docs');

/** Each generated page with the function that brings it up to date. */
export const GENERATED_PAGES: ReadonlyArray<{ path: string; render(text: string): string }> = [
  { path: resolve(DOCS_DIR, 'metrics.md'), render: (t) => replaceBlock(t, CATALOGUE_README_MARKERS, renderCatalogueMarkdown().trimEnd()) },
  { path: resolve(DOCS_DIR, 'errors.md'), render: (t) => replaceBlock(t, ERROR_CODES_README_MARKERS, renderErrorCodesMarkdown()) },
];

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const page of GENERATED_PAGES) {
    const before = readFileSync(page.path, 'utf8');
    const after = page.render(before);
    writeFileSync(page.path, after);
    console.log(`${page.path}: ${before === after ? 'already up to date' : 'tables regenerated'}`);
  }
}
