// A lab of two benches in one test: the suite is sharded across them
// (`--shard=i/2 --reporter=blob`, each shard with its own HIL_BENCH), the
// blobs are merged (`--merge-reports`) into one compliance report labelled
// by bench, and a spec that needs a pen is skipped on the bench without
// one. A second merge compares the run with a baseline saved from the first.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { startVitest } from 'vitest/node';
import { saveBaseline } from '../reporter/baseline-store.ts';
import { ComplianceReporter } from '../reporter/compliance-reporter.ts';
import { complianceReportSchema } from '../reporter/report-model.ts';

const repo = resolve(import.meta.dirname, '../..');

const BENCHES = `benches:
  - name: bench-a
    port: /dev/ttyBENCHA
    capabilities: [pen, ultrasonic]
  - name: bench-b
    serial_number: "B0B"
    capabilities: [ultrasonic]
`;

const header = `
import { expect, test } from 'vitest';
import '${repo}/harness/matchers/register.ts';
import { MetricsCollector } from '${repo}/harness/metrics/collector.ts';
import { latencyEvidence } from '${repo}/harness/metrics/evidence.ts';
import { currentBench, skipUnlessCapable } from '${repo}/harness/lab/index.ts';
const bench = currentBench();
const target = { kind: 'hardware' as const, ...(bench?.port ? { port: bench.port } : {}), ...(bench ? { bench: bench.name } : {}) };
const ctx = { target, clock: { kind: 'wall' as const }, seed: null };
`;

const SPECS: Record<string, string> = {
  'latency.spec.ts': `${header}
test('latency on this bench', () => {
  const m = new MetricsCollector();
  const rec = m.latency();
  for (let i = 0; i < 200; i++) rec.record(5 + (i % 10));
  expect(m.snapshot({ ...ctx, evidence: { latency: latencyEvidence(rec) } })).toMeetInvariant('I-PERF-001');
});`,
  'memory.spec.ts': `${header}
test('heap on this bench', () => {
  const m = new MetricsCollector();
  const rec = m.memory();
  for (let s = 0; s < 60; s++) rec.record({ atMs: s * 1000, heapUsedBytes: 64 * 1024 * 1024, afterGc: s % 10 === 0 });
  expect(m.snapshot(ctx)).toMeetInvariant('I-PERF-003');
});`,
  'pen-drawing.spec.ts': `${header}
test('plays back a drawing with the pen', ({ skip }) => {
  skipUnlessCapable({ skip }, 'pen');
  const m = new MetricsCollector();
  const rec = m.playback();
  rec.setStrokeCount(1200);
  for (let i = 0; i < 100; i++) rec.recordFrame(i * 1000 / 60);
  expect(m.snapshot(ctx)).toMeetInvariant('I-PERF-004');
});`,
  'pen-ui.spec.ts': `${header}
test('dashboard while drawing', ({ skip }) => {
  skipUnlessCapable({ skip }, 'pen');
  const m = new MetricsCollector();
  const rec = m.frames();
  for (let i = 0; i < 100; i++) rec.recordFrame(i * 1000 / 60);
  expect(m.snapshot(ctx)).toMeetInvariant('I-PERF-002');
});`,
};

test('two benches, one shard each, merged into one report labelled by bench; pen specs skip where there is no pen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hil-lab-merge-'));
  mkdirSync(join(dir, 'contracts'));
  copyFileSync(join(repo, 'contracts/feature_performance.yml'), join(dir, 'contracts/feature_performance.yml'));
  writeFileSync(join(dir, 'benches.yml'), BENCHES);
  for (const [name, text] of Object.entries(SPECS)) writeFileSync(join(dir, name), text);
  const blobs = join(dir, '.vitest-reports');
  const exitCode = process.exitCode;
  const commit = process.env.HIL_COMMIT;
  // Spares the reporter a `git rev-parse` per report write (the scratch project is no repository).
  process.env.HIL_COMMIT = 'scratch';
  const ranOn = new Map<string, string>();
  for (const [index, bench] of [[1, 'bench-a'], [2, 'bench-b']] as const) {
    const v = await startVitest('test', [], {
      root: dir, config: false, watch: false, include: ['*.spec.ts'], shard: `${index}/2`, pool: 'threads',
      reporters: [['blob', { outputFile: join(blobs, `blob-${index}-2.json`) }]],
      env: { HIL_TARGET: 'hardware', HIL_BENCH: bench, HIL_BENCH_INVENTORY: join(dir, 'benches.yml'), HIL_CONTRACTS_DIR: join(dir, 'contracts') },
    });
    for (const f of v.state.getFiles()) ranOn.set(basename(f.filepath), bench);
    await v.close();
  }
  const merge = async (options: ConstructorParameters<typeof ComplianceReporter>[0]) => {
    const reporter = new ComplianceReporter({ contractsDir: join(dir, 'contracts'), stepSummary: false, ...options });
    const merged = await startVitest('test', [], { root: dir, config: false, watch: false, mergeReports: blobs, reporters: [reporter] });
    await merged.close();
    return complianceReportSchema.parse(JSON.parse(readFileSync(join(options?.outputDir as string, 'compliance.json'), 'utf8')));
  };
  const out = join(dir, 'reports');
  const json = await merge({ outputDir: out });

  // Every spec file ran in exactly one shard, and the two shards shared the four files.
  expect([...ranOn.keys()].sort()).toEqual(Object.keys(SPECS).sort());
  expect(new Set(ranOn.values())).toEqual(new Set(['bench-a', 'bench-b']));
  expect(json.run.merged).toBe(true);

  const evaluations = json.contracts.flatMap((c) => c.invariants.flatMap((i) => i.evaluations));
  // Each shard's evaluations decide the merged verdicts: both benches' measurements pass on the hardware target.
  const byId = Object.fromEntries(json.contracts[0]!.invariants.map((i) => [i.id, i]));
  expect(byId['I-PERF-001']).toMatchObject({ verdict: 'pass', byTarget: { hardware: 'pass' } });
  expect(byId['I-PERF-003']).toMatchObject({ verdict: 'pass', byTarget: { hardware: 'pass' } });
  expect(json.targets.map((t) => t.bench).sort()).toEqual([...new Set(evaluations.map((e) => e.target.bench))].sort());
  for (const e of evaluations) {
    expect(e.target.bench, e.test.file).toBe(ranOn.get(e.test.file));
    expect(e.target.port).toBe(e.target.bench === 'bench-a' ? '/dev/ttyBENCHA' : undefined);
  }
  const penFiles = ['pen-drawing.spec.ts', 'pen-ui.spec.ts'];
  // Vitest splits files by a hash of their path; these names put one pen spec on each bench, so both paths are covered.
  expect(new Set(penFiles.map((f) => ranOn.get(f))), 'rename the pen specs so the shards split them').toEqual(new Set(['bench-a', 'bench-b']));
  const tests = new Map<string, number>();
  for (const e of evaluations) tests.set(e.test.file, (tests.get(e.test.file) ?? 0) + 1);
  for (const f of penFiles) expect(tests.get(f) ?? 0, f).toBe(ranOn.get(f) === 'bench-a' ? 1 : 0);
  for (const f of ['latency.spec.ts', 'memory.spec.ts']) expect(tests.get(f), f).toBe(1);
  const skipped = penFiles.filter((f) => ranOn.get(f) === 'bench-b').length;
  expect(json.run.tests.skipped).toBe(skipped);

  // Coverage names both benches; what was skipped on bench-b shows as not run there.
  const benchesSeen = [...new Set(evaluations.map((e) => e.target.bench))].sort();
  expect(json.coverage?.benches).toEqual(benchesSeen);
  for (const f of penFiles.filter((x) => ranOn.get(x) === 'bench-b')) {
    const id = f === 'pen-drawing.spec.ts' ? 'I-PERF-004' : 'I-PERF-002';
    expect(json.coverage?.invariants.find((i) => i.id === id)?.ranOn).toEqual([]);
    expect(json.coverage?.neverRan).toContain(id);
  }
  expect(existsSync(join(out, 'compliance.html'))).toBe(true);
  expect(readFileSync(join(out, 'compliance.html'), 'utf8')).toContain('<th>bench bench-a</th>');
  expect(readFileSync(join(out, 'junit-default.xml'), 'utf8')).toMatch(/<property name="bench" value="bench-[ab]"\/>/);

  // Baseline from this run, then the same blobs merged again: every entry compares, nothing regressed.
  saveBaseline(json, join(out, 'baseline.json'));
  const again = await merge({ outputDir: join(dir, 'reports-2'), baseline: join(out, 'baseline.json') });
  process.exitCode = exitCode;
  if (commit === undefined) delete process.env.HIL_COMMIT;
  else process.env.HIL_COMMIT = commit;
  expect(again.baseline).toMatchObject({ error: null, regressions: [], inconclusive: [], passed: true });
  expect(again.baseline?.entries.map((e) => e.key.split('|').slice(0, 2).join('|')).sort()).toEqual(
    evaluations.map((e) => `${e.invariant.id}|hardware@${e.target.bench}`).sort(),
  );
}, 180_000);
