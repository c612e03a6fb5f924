/**
 * A child for compiled-entry.test.ts: prints, as one JSON line, what a source
 * file knows about itself and a value from a package it imports, so a test
 * can compare the bundle's run with the source's run.
 */
import { stringify } from 'yaml';
import { sibling } from './where-am-i-sibling.ts';

process.stdout.write(`${JSON.stringify({
  url: import.meta.url,
  dirname: import.meta.dirname,
  filename: import.meta.filename,
  sibling: sibling(),
  yaml: stringify({ a: 1 }).trim(),
})}\n`);
