import { rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ContractLoadError, HilError } from '../errors.ts';
import { clearContractsCache, getContracts } from './cache.ts';
import { loadContractFile, loadContracts, resolveContractsDir } from './loader.ts';
import { contractFixtures, GOOD, loadError, withLine, y } from './test-fixtures.ts';

const REPO = resolve(import.meta.dirname, '../..');
const { root: ROOT, dirWith, cleanup } = contractFixtures();

afterAll(cleanup);
afterEach(() => {
  vi.unstubAllEnvs();
  clearContractsCache();
});

describe('the reference contract (contracts/feature_performance.yml)', () => {
  const set = loadContracts({ cwd: REPO });
  const perf = set.findContract('feature_performance');

  it('loads with its four invariants and compiled checks', () => {
    expect(set.dir).toBe(join(REPO, 'contracts'));
    expect(perf?.file).toBe(join(REPO, 'contracts', 'feature_performance.yml'));
    expect(perf?.header).toEqual({ name: 'Performance Optimization', version: '1.0.0', status: 'active', owner: 'performance-team' });
    expect(perf?.invariants.map((i) => i.id)).toEqual(['I-PERF-001', 'I-PERF-002', 'I-PERF-003', 'I-PERF-004']);
    expect(perf?.invariants.map((i) => i.validation[0]?.compiled.comparisons.map((c) => [c.metric, c.metricOp, c.threshold]))).toEqual([
      [['websocket.latency_p99_ms', '<=', 50]],
      [['ui.frame_rate', '>=', 60]],
      [['memory.heap_used_mb', '<=', 100]],
      [['drawing_playback_fps', '>=', 60], ['stroke_count', '>=', 1000]],
    ]);
    const i1 = perf?.invariants[0];
    expect(i1).toMatchObject({ name: 'WebSocket Latency Target', severity: 'important', enforcement: 'runtime', extra: {} });
    expect(i1?.location).toMatchObject({ line: 11, column: 9 });
    expect(i1?.validation[0]).toMatchObject({
      type: 'metric',
      failureMode: 'alert',
      remediation: 'Enable message batching, compression, and connection pooling',
      location: { line: 18, column: 16 },
      extra: {},
    });
  });

  it('keeps every other top-level section verbatim', () => {
    expect(Object.keys(perf?.sections ?? {})).toEqual([
      'optimization_targets', 'profiling_requirements', 'testing_requirements', 'monitoring_requirements',
      'documentation_requirements', 'dependencies', 'examples',
    ]);
    // The sections are kept as parsed YAML; walk them by path.
    const at = (path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], perf?.sections);
    expect(at('optimization_targets.websocket.baseline_latency_ms')).toBe(80);
    expect(at('optimization_targets.websocket.improvement_percentage')).toBe(37.5);
    expect(at('testing_requirements.journey_tests.0.scenarios')).toContain('memory_stays_under_100mb');
    expect(at('dependencies.blocks.0')).toEqual({ feature: 'ui_polish_animations', reason: 'Must optimize before adding more animations' });
    expect(at('examples.websocket_optimization.code')).toMatch(/^let optimizer = WebSocketOptimizer::new\(config\);\n\n/);
  });

  it('finds contracts by stem or header name and invariants by id', () => {
    expect(set.findContract('Performance Optimization')).toBe(perf);
    expect(set.findContract('nope')).toBeUndefined();
    expect(set.findInvariant('I-PERF-004')?.invariant.name).toBe('Drawing Playback Performance');
    expect(set.findInvariant('I-PERF-004')?.contract).toBe(perf);
    expect(set.findInvariant('I-PERF-999')).toBeUndefined();
  });

  it('evaluates I-PERF-004 against metric values', () => {
    const check = set.findInvariant('I-PERF-004')?.invariant.validation[0]?.compiled;
    expect(check?.evaluate({ drawing_playback_fps: 60, stroke_count: 1200 })).toMatchObject({ kind: 'value', passed: true });
    expect(check?.evaluate({ drawing_playback_fps: 58, stroke_count: 1200 })).toMatchObject({ kind: 'value', passed: false });
    expect(check?.evaluate({ drawing_playback_fps: 60 })).toEqual({ kind: 'missing', missing: ['stroke_count'] });
  });

  it('is deeply frozen, so a cached set cannot be changed by one caller', () => {
    expect(Object.isFrozen(perf)).toBe(true);
    expect(Object.isFrozen((perf?.sections as { optimization_targets: { websocket: { strategies: unknown } } }).optimization_targets.websocket.strategies)).toBe(true);
  });
});

describe('problems are reported together', () => {
  it('collects every problem of every file, sorted by file, line and column', () => {
    const a = y(
      'contract:',
      '  name: A',
      'invariants:',
      '  - id: bad',
      '    name: N',
      '    validation:',
      '      - type: metric',
      '        check: x % 2 == 0',
      '  - id: I-A-002',
      '    validation: []',
    );
    const dir = dirWith({ 'b.yml': y('contract:', '\tname: B'), 'a.yml': a });
    const err = loadError(dir);
    expect(err.problems.map((p) => [basename(p.file), p.code, p.line, p.column])).toEqual([
      ['a.yml', 'HIL_CONTRACT_SCHEMA', 4, 9],
      ['a.yml', 'HIL_EXPR_UNKNOWN_OPERATOR', 8, 18],
      ['a.yml', 'HIL_CONTRACT_SCHEMA', 9, 5],
      ['a.yml', 'HIL_CONTRACT_SCHEMA', 10, 17],
      ['b.yml', 'HIL_CONTRACT_YAML_SYNTAX', 2, 1],
    ]);
    expect(err.message).toMatch(/^HIL_CONTRACTS_INVALID: 5 problem\(s\)/);
    for (const p of err.problems) expect(err.message).toContain(p.message);
  });

  it('reports every YAML syntax error of a file, not only the first', () => {
    const err = loadError(dirWith({ 'c.yml': withLine(3, 'invariants: [1, 2') }));
    const positions = err.problems.map((p) => [p.code, p.line, p.column]);
    expect(positions.length).toBeGreaterThan(3);
    expect(positions[0]).toEqual(['HIL_CONTRACT_YAML_SYNTAX', 3, 17]);
    expect(positions.at(-1)).toEqual(['HIL_CONTRACT_YAML_SYNTAX', 9, 1]);
    expect(positions).toEqual([...positions].sort((a, b) => (a[1] as number) - (b[1] as number) || (a[2] as number) - (b[2] as number)));
  });

  it('flags an invariant id declared in two files, naming both places', () => {
    const dir = dirWith({ 'a/one.yml': y(...GOOD), 'b/two.yml': withLine(2, '  name: Other') });
    const [p, ...rest] = loadError(dir).problems;
    expect(rest).toEqual([]);
    expect([p?.code, p?.file, p?.line, p?.column]).toEqual(['HIL_CONTRACT_DUPLICATE_ID', join(dir, 'b/two.yml'), 4, 9]);
    expect(p?.message).toContain(`${join(dir, 'a/one.yml')}:4:9`);
  });

  it('flags two files with the same stem, and two contracts with the same header name', () => {
    const dir = dirWith({ 'a/perf.yml': y(...GOOD), 'b/perf.yaml': withLine(4, '  - id: I-T-002') });
    const problems = loadError(dir).problems.map((p) => [p.code, p.file, p.line, p.column]);
    expect(problems).toEqual([
      ['HIL_CONTRACT_DUPLICATE_NAME', join(dir, 'b/perf.yaml'), 1, 1],
      ['HIL_CONTRACT_DUPLICATE_NAME', join(dir, 'b/perf.yaml'), 2, 9],
    ]);
  });
});

describe('extra keys are kept, never rejected', () => {
  it('keeps unknown keys of the header, invariants, validation entries and top level', () => {
    const text = y(
      'contract:',
      '  name: X',
      '  version: 1.0',
      '  reviewers: [ana, bo]',
      'invariants:',
      '  - id: I-X-001',
      '    name: N',
      '    owner_team: perf',
      '    description:',
      '    validation:',
      '      - type: metric',
      '        check: x <= 1',
      '        unit: ms',
      'custom_section:',
      '  __proto__: {polluted: true}',
      '  nested: {a: 1}',
    );
    const c = loadContractFile(join(dirWith({ 'x.yml': text }), 'x.yml'));
    expect(c.header).toEqual({ name: 'X', version: '1.0', status: undefined, owner: undefined, reviewers: ['ana', 'bo'] });
    expect(c.invariants[0]?.extra).toEqual({ owner_team: 'perf' });
    expect(c.invariants[0]?.description).toBeUndefined();
    expect(c.invariants[0]?.validation[0]?.extra).toEqual({ unit: 'ms' });
    const section = c.sections.custom_section as Record<string, unknown>;
    expect(Object.hasOwn(section, '__proto__')).toBe(true);
    expect(section.nested).toEqual({ a: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('the contracts directory', () => {
  it('resolves explicit dir, then HIL_CONTRACTS_DIR, then <cwd>/contracts', () => {
    vi.stubEnv('HIL_CONTRACTS_DIR', '');
    expect(resolveContractsDir({ cwd: '/w' })).toBe('/w/contracts');
    vi.stubEnv('HIL_CONTRACTS_DIR', 'env/dir');
    expect(resolveContractsDir({ cwd: '/w' })).toBe('/w/env/dir');
    expect(resolveContractsDir({ cwd: '/w', dir: 'mine' })).toBe('/w/mine');
    expect(resolveContractsDir({ cwd: '/w', dir: '/abs' })).toBe('/abs');
    vi.stubEnv('HIL_CONTRACTS_DIR', '/from/env');
    expect(resolveContractsDir({ cwd: '/w' })).toBe('/from/env');
  });

  it('loads from HIL_CONTRACTS_DIR when no dir is given', () => {
    const dir = dirWith({ 'x.yml': y(...GOOD) });
    vi.stubEnv('HIL_CONTRACTS_DIR', dir);
    expect(loadContracts().contracts.map((c) => c.name)).toEqual(['x']);
  });

  it('throws HIL_CONTRACT_DIR_NOT_FOUND and HIL_CONTRACT_DIR_EMPTY with the fix', () => {
    const missing = join(ROOT, 'does-not-exist');
    expect(() => loadContracts({ dir: missing })).toThrow(expect.objectContaining({ code: 'HIL_CONTRACT_DIR_NOT_FOUND', message: expect.stringContaining('HIL_CONTRACTS_DIR') }));
    const file = join(dirWith({ 'f.yml': y(...GOOD) }), 'f.yml');
    expect(() => loadContracts({ dir: file })).toThrow(expect.objectContaining({ code: 'HIL_CONTRACT_DIR_NOT_FOUND' }));
    const empty = dirWith({ 'README.md': '# none', '.hidden.yml': y(...GOOD), '.git/x.yml': y(...GOOD) });
    let thrown: unknown;
    try {
      loadContracts({ dir: empty });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(HilError);
    expect((thrown as HilError).code).toBe('HIL_CONTRACT_DIR_EMPTY');
  });

  it('reports a contract file that cannot be read', () => {
    const dir = dirWith({ 'good.yml': y(...GOOD) });
    symlinkSync(join(dir, 'nowhere.yml'), join(dir, 'broken.yml'));
    const [p, ...rest] = loadError(dir).problems;
    expect(rest).toEqual([]);
    expect([p?.code, p?.file, p?.line, p?.column]).toEqual(['HIL_CONTRACT_READ_FAILED', join(dir, 'broken.yml'), 1, 1]);
    expect(p?.message).toMatch(/ENOENT/);
  });

  it('loads *.yml and *.yaml recursively in a stable order', () => {
    const ids = ['I-C-001', 'I-A-001', 'I-B-001', 'I-D-001'];
    const dir = dirWith({
      'z.yml': withLine(4, `  - id: ${ids[0]}`).replace('Test Contract', 'Z'),
      'a/b.yaml': withLine(4, `  - id: ${ids[1]}`).replace('Test Contract', 'AB'),
      'a/a.yml': withLine(4, `  - id: ${ids[2]}`).replace('Test Contract', 'AA'),
      'm.YML': withLine(4, `  - id: ${ids[3]}`).replace('Test Contract', 'M'),
      'notes.txt': 'not a contract',
    });
    const set = loadContracts({ dir });
    expect(set.contracts.map((c) => c.file)).toEqual(['a/a.yml', 'a/b.yaml', 'm.YML', 'z.yml'].map((f) => join(dir, f)));
    expect(set.findContract('b')?.header.name).toBe('AB');
  });
});

describe('getContracts: a per-directory cache', () => {
  it('returns the same set until a file changes, then reloads', () => {
    const dir = dirWith({ 'x.yml': y(...GOOD) });
    const first = getContracts(dir);
    expect(getContracts(dir)).toBe(first);
    writeFileSync(join(dir, 'x.yml'), withLine(8, '        check: x <= 2'));
    utimesSync(join(dir, 'x.yml'), new Date(), new Date(Date.now() + 5000));
    const second = getContracts(dir);
    expect(second).not.toBe(first);
    expect(second.findInvariant('I-T-001')?.invariant.validation[0]?.compiled.comparisons[0]?.threshold).toBe(2);
  });

  it('notices added files and caches a failed load until it is fixed', () => {
    const dir = dirWith({ 'x.yml': y(...GOOD) });
    getContracts(dir);
    writeFileSync(join(dir, 'y.yml'), withLine(8, '        check: x ='));
    let firstError: unknown;
    try {
      getContracts(dir);
    } catch (err) {
      firstError = err;
    }
    expect(firstError).toBeInstanceOf(ContractLoadError);
    expect(() => getContracts(dir)).toThrow(firstError as Error);
    rmSync(join(dir, 'y.yml'));
    expect(getContracts(dir).contracts).toHaveLength(1);
  });
});
