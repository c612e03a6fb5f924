import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { README_PATH, renderReadme } from './docs.ts';

const readme = readFileSync(README_PATH, 'utf8');

describe('README stays true', () => {
  test('its metric catalogue and error-code tables equal the code (run `npm run docs` to regenerate)', () => {
    expect(renderReadme(readme)).toBe(readme);
  });

  test('its test command is the one .ci/run runs', () => {
    const ci = readFileSync(resolve(README_PATH, '../.ci/run'), 'utf8');
    const quickStart = readme.slice(0, readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1));
    const commands = [...quickStart.matchAll(/^```sh\n([\s\S]*?)```/gm)].flatMap((m) => m[1]!.trim().split('\n'));
    expect(commands.slice(0, 2)).toEqual(['npm ci', 'npm test']);
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
  });
});
