import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DOCS_DIR, GENERATED_PAGES, PROJECT_ROOT, README_PATH } from './docs.ts';

const readme = readFileSync(README_PATH, 'utf8');

describe('the docs stay true', () => {
  test.each(GENERATED_PAGES.map((p) => [p.path.slice(PROJECT_ROOT.length + 1), p] as const))('%s: its generated tables equal the code (run `npm run docs` to regenerate)', (_name, page) => {
    const text = readFileSync(page.path, 'utf8');
    expect(page.render(text)).toBe(text);
  });

  test('the README is short and links every docs page', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
    const pages = readdirSync(DOCS_DIR).filter((f) => f.endsWith('.md'));
    const unlinked = pages.filter((f) => !readme.includes(`](docs/${f})`));
    expect(unlinked).toEqual([]);
  });

  test('every relative link of the README and docs/ points to a file that exists', () => {
    const files = [README_PATH, ...readdirSync(DOCS_DIR).filter((f) => f.endsWith('.md')).map((f) => resolve(DOCS_DIR, f))];
    const broken: string[] = [];
    for (const file of files) {
      // Links in prose only: code blocks and code spans show link syntax as text.
      const prose = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
      for (const m of prose.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue;
        try {
          readFileSync(resolve(file, '..', target));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EISDIR') broken.push(`${file.slice(PROJECT_ROOT.length + 1)} → ${target}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  test('its quick start is the two commands, and .ci/run runs the test command', () => {
    const ci = readFileSync(resolve(PROJECT_ROOT, '.ci/run'), 'utf8');
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1));
    const commands = [...quickStart.matchAll(/^```sh\n([\s\S]*?)```/gm)].flatMap((m) => m[1]!.trim().split('\n')).filter((l) => !l.startsWith('#'));
    expect(commands).toEqual(['npm ci && npx mbot-hil run', 'npm test']);
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
    expect(ci).not.toMatch(/apt-get|apt install/);
  });

  test("its robot spec example is a test npm test runs on every target: it appears verbatim in specs/robot/sensors.spec.ts", () => {
    const section = readme.slice(readme.indexOf('## Robot specs'));
    const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example, 'the README has a robot spec example').toBeDefined();
    const spec = readFileSync(resolve(PROJECT_ROOT, 'specs/robot/sensors.spec.ts'), 'utf8');
    // The import line, then the test itself: a newcomer copies this, so it must be a spec that passes.
    const [importLine, ...body] = example!.trimEnd().split('\n');
    expect(spec).toContain(importLine);
    expect(spec).toContain(body.join('\n').trim());
  });
});
