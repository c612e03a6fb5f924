import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_DOC, renderConformanceTables, withCurrentTables } from './render-doc.ts';

describe('docs/firmware-conformance.md', () => {
  it('carries the current scenario and deliberate-difference tables (npx tsx simulators/avr/conformance/render-doc.ts --write)', () => {
    const doc = readFileSync(CONFORMANCE_DOC, 'utf8');
    expect(doc).toBe(withCurrentTables(doc));
  });

  it('fails when the page was edited by hand inside the generated block', () => {
    const doc = readFileSync(CONFORMANCE_DOC, 'utf8').replace(renderConformanceTables(), renderConformanceTables().replace('| `handshake` |', '| `hand-edited` |'));
    expect(withCurrentTables(doc)).not.toBe(doc);
  });
});
