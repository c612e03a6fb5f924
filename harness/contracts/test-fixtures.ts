import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ContractLoadError } from '../errors.ts';
import { loadContracts } from './loader.ts';

// Test-only helpers shared by the contracts tests (not exported from index.ts).

/**
 * A private temporary root for one test file: `dirWith(files)` writes
 * `files` (relative path -> text) into a fresh directory under it and
 * returns that directory; `cleanup()` removes the root.
 */
export function contractFixtures(): { root: string; dirWith: (files: Record<string, string>) => string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'hil-contracts-'));
  let counter = 0;
  return {
    root,
    dirWith(files) {
      const dir = join(root, `case-${counter++}`);
      mkdirSync(dir, { recursive: true });
      for (const [rel, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, rel)), { recursive: true });
        writeFileSync(join(dir, rel), text);
      }
      return dir;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Loads `dir` and returns the {@link ContractLoadError} it must throw (anything else fails the test). */
export function loadError(dir: string): ContractLoadError {
  try {
    loadContracts({ dir });
  } catch (err) {
    if (err instanceof ContractLoadError) return err;
    throw err;
  }
  throw new Error(`expected loading ${dir} to fail`);
}

/** Joins lines into a YAML text with a final newline. */
export const y = (...lines: string[]): string => `${lines.join('\n')}\n`;

/**
 * A valid contract, one entry per line:
 * 1 contract: / 2 name / 3 invariants: / 4 - id / 5 name / 6 validation: / 7 - type / 8 check.
 */
export const GOOD: readonly string[] = [
  'contract:',
  '  name: Test Contract',
  'invariants:',
  '  - id: I-T-001',
  '    name: Something',
  '    validation:',
  '      - type: metric',
  '        check: x <= 1',
];

/** GOOD with line `line` (1-based) replaced by `text` (one or more lines). */
export const withLine = (line: number, text: string | string[]): string => {
  const out = [...GOOD];
  out.splice(line - 1, 1, ...(Array.isArray(text) ? text : [text]));
  return y(...out);
};

/** GOOD without line `line` (1-based). */
export const without = (line: number): string => y(...GOOD.filter((_, i) => i !== line - 1));
