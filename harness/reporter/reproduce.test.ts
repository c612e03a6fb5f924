import { describe, expect, test } from 'vitest';
import { regexEscape, reproduceCommand, runnerTestName, shellQuote } from './reproduce.ts';

const test_ = (name: string, fullName = name, project = 'sim', file = 'specs/performance/latency.spec.ts') =>
  ({ project, file, name, fullName, state: 'passed' as const, durationMs: 1, errors: [] });

describe('shellQuote', () => {
  test('leaves plain words alone and single-quotes the rest', () => {
    expect(shellQuote('specs/x.spec.ts')).toBe('specs/x.spec.ts');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's $HOME `x`")).toBe(`'it'\\''s $HOME \`x\`'`);
    expect(shellQuote('')).toBe("''");
  });
});

describe('runnerTestName', () => {
  test('joins suites and test with spaces, as Vitest -t matches', () => {
    expect(runnerTestName({ name: 'inner', fullName: 'outer > mid > inner' })).toBe('outer mid inner');
    expect(runnerTestName({ name: 'top', fullName: 'top' })).toBe('top');
  });
});

describe('reproduceCommand', () => {
  test('sim: seed, project, file and an anchored, escaped -t pattern', () => {
    const cmd = reproduceCommand({ target: { kind: 'sim' }, clock: { kind: 'virtual' }, seed: 1, test: test_('p99 (100 clients) holds', 'latency > p99 (100 clients) holds') });
    expect(cmd).toBe(`HIL_SEED=1 npx vitest run --project sim specs/performance/latency.spec.ts -t '^latency p99 \\(100 clients\\) holds$'`);
  });

  test('the -t pattern matches exactly the name Vitest filters on', () => {
    const name = 'weird [x] name? with $ and \\ and * + | ^';
    const cmd = reproduceCommand({ target: { kind: 'sim' }, clock: { kind: 'virtual' }, seed: 7, test: test_(name, `suite > ${name}`) });
    const pattern = new RegExp(`^${regexEscape(`suite ${name}`)}$`);
    expect(pattern.test(`suite ${name}`)).toBe(true);
    expect(pattern.test(`suite ${name}x`)).toBe(false);
    expect(cmd).toContain(shellQuote(`^${regexEscape(`suite ${name}`)}$`));
  });

  test('a wall-clock sim run says so; hardware names port and bench; the PTY stand-in is HIL_PORT=sim-pty', () => {
    expect(reproduceCommand({ target: { kind: 'sim' }, clock: { kind: 'wall' }, seed: 2, test: test_('t') })).toMatch(/^HIL_SEED=2 HIL_CLOCK=wall npx/);
    const hw = reproduceCommand({ target: { kind: 'hardware', port: '/dev/ttyUSB0', bench: 'bench a' }, clock: { kind: 'wall' }, seed: null, test: test_('t', 't', 'hardware') });
    expect(hw).toBe(`HIL_PORT=/dev/ttyUSB0 HIL_BENCH='bench a' npx vitest run --project hardware specs/performance/latency.spec.ts -t '^t$'`);
    const pty = reproduceCommand({ target: { kind: 'hardware', port: 'sim-pty:/dev/pts/4', bench: 'simulator behind a socat PTY (seed 3)' }, clock: { kind: 'wall' }, seed: 3, test: test_('t', 't', 'hardware') });
    expect(pty).toMatch(/^HIL_SEED=3 HIL_PORT=sim-pty npx vitest run --project hardware /);
  });

  test('a test name with markup or quotes stays one shell word', () => {
    const cmd = reproduceCommand({ target: { kind: 'sim' }, clock: { kind: 'virtual' }, seed: 1, test: test_(`<img src=x onerror='alert(1)'>`) });
    expect(cmd.endsWith(`-t '^<img src=x onerror='\\''alert\\(1\\)'\\''>$'`)).toBe(true);
  });
});
