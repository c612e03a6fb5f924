/**
 * `mbot-hil run`: runs the invariant specs on the chosen target through
 * Vitest (so the compliance reporter writes the reports), then prints where
 * the reports are and the gate. Exit code: Vitest's (1 when a test failed,
 * 99 when every test passed but the gate failed), and 99 as well when
 * Vitest exited 0 without a report from this run or with a failed gate.
 * The run is named (`HIL_RUN_ID`), so a report left by an earlier run is
 * never shown as this one's.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { RUN_ID_ENV } from '../reporter/compliance-reporter.ts';
import { GATE_EXIT_CODE, gateWord } from '../reporter/gate.ts';
import { readComplianceReport } from '../reporter/report-files.ts';
import type { ComplianceReport } from '../reporter/report-model.ts';
import { oneLine } from '../reporter/text-safety.ts';
import { parseCommandArgs, UsageError, type CliIo, type Command } from './command.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

const HELP = `Usage: mbot-hil run [--target sim|hardware] [--port PATH] [--seed N] [--all] [-- vitest args]

Runs the invariant specs (specs/performance/) on the target through Vitest,
with the compliance reporter, then prints the gate and where the reports are.

Options:
  --target sim|hardware  the Vitest project to run (default sim)
  --port PATH            serial port for --target hardware (HIL_PORT); 'sim-pty'
                         for the simulator behind a socat PTY; default HIL_PORT or auto
  --seed N               simulator seed (HIL_SEED)
  --all                  every spec (specs/), not only the invariant specs
  -h, --help             show this help

Anything after -- goes to vitest as is (e.g. -- -t "100 clients").

Without vitest args, the gate requires all four invariants on the target
(HIL_REQUIRE_INVARIANTS=all, HIL_REQUIRE_TARGETS=<target>, unless set).

Exit code: 0 when every test and the gate passed; 1 when a test failed;
${GATE_EXIT_CODE} when every test passed but the gate failed (or no report of this run
was written); 2 for bad arguments; 130 when interrupted.`;

/** The Vitest invocation `run` makes, for the given options (exported for tests). */
export function vitestInvocation(opts: { target: string; port?: string; seed?: string; all?: boolean; extra: readonly string[] }, env: NodeJS.ProcessEnv = process.env): { args: string[]; env: NodeJS.ProcessEnv } {
  if (opts.target !== 'sim' && opts.target !== 'hardware') throw new UsageError(`--target must be sim or hardware, got "${opts.target}"`);
  if (opts.port && opts.target !== 'hardware') throw new UsageError('--port needs --target hardware');
  if (opts.seed !== undefined && !/^-?\d+$/.test(opts.seed)) throw new UsageError(`--seed must be an integer, got "${opts.seed}"`);
  const childEnv: NodeJS.ProcessEnv = { ...env };
  if (opts.target === 'hardware') childEnv.HIL_PORT = opts.port ?? env.HIL_PORT ?? 'auto';
  if (opts.seed !== undefined) childEnv.HIL_SEED = opts.seed;
  // The main job covers every invariant on its target; a run narrowed by vitest args is the user's call.
  if (opts.extra.length === 0 && env.HIL_REQUIRE_INVARIANTS === undefined && env.HIL_REQUIRE_TARGETS === undefined) {
    childEnv.HIL_REQUIRE_INVARIANTS = 'all';
    childEnv.HIL_REQUIRE_TARGETS = opts.target;
  }
  const args = ['vitest', 'run', '--project', opts.target, opts.all ? 'specs/' : 'specs/performance/', ...opts.extra];
  return { args, env: childEnv };
}

/** The `vitest.mjs` of the project in `cwd` (its own `node_modules`), or null to let npx find one. */
export function projectVitest(cwd: string): string | null {
  try {
    const pkg = createRequire(join(cwd, 'package.json')).resolve('vitest/package.json');
    const bin = join(dirname(pkg), 'vitest.mjs');
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

/** The `run` subcommand. */
export const runCommand: Command = {
  summary: COMMAND_SUMMARIES.run,
  help: HELP,
  async run(argv, io) {
    const dash = argv.indexOf('--');
    const own = dash < 0 ? argv : argv.slice(0, dash);
    const extra = dash < 0 ? [] : argv.slice(dash + 1);
    const { values } = parseCommandArgs(own, {
      target: { type: 'string' },
      port: { type: 'string' },
      seed: { type: 'string' },
      all: { type: 'boolean' },
    });
    if (values.help) {
      io.out.write(`${HELP}\n`);
      return 0;
    }
    const { args, env } = vitestInvocation({ target: values.target ?? 'sim', port: values.port, seed: values.seed, all: values.all, extra });
    const runId = randomUUID();
    env[RUN_ID_ENV] = runId;
    io.out.write(`mbot-hil run: npx ${args.join(' ')}${env.HIL_PORT ? ` (HIL_PORT=${env.HIL_PORT})` : ''}\n`);
    // The project's own Vitest, started directly (npx finds the same one, for about 0.7 CPU-s more).
    const vitestBin = projectVitest(process.cwd());
    const [command, commandArgs] = vitestBin ? [process.execPath, [vitestBin, ...args.slice(1)]] : ['npx', args];
    const code = await new Promise<number>((done) => {
      const child = spawn(command, commandArgs, { env, stdio: 'inherit' });
      // Ctrl-C reaches the child through the process group; wait for its own
      // exit so the hardware target's safe stop finishes before we return.
      child.on('exit', (c, signal) => done(c ?? (signal ? 130 : 1)));
      child.on('error', () => done(1));
    });
    return concludeRun(code, resolve(env.HIL_REPORTS_DIR?.trim() || 'reports'), runId, io);
  },
};

/**
 * After Vitest exited with `code`: finds this run's report (`dir`, or the
 * per-run folder a busy reports folder diverted it to), prints its gate,
 * and returns the exit code (see the help). A report from another run is
 * named as such and never read as this one's.
 */
export function concludeRun(code: number, dir: string, runId: string, io: CliIo): number {
  const candidates = [join(dir, 'runs', runId, 'compliance.json'), join(dir, 'compliance.json')];
  let found: { file: string; report: ComplianceReport } | null = null;
  let other: string | null = null;
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    try {
      const report = readComplianceReport(file);
      if (report.run.id === runId) {
        found = { file, report };
        break;
      }
      other = `${file} is from another run (${report.run.id ?? 'no run id'}, started ${report.run.startedAt})`;
    } catch (err) {
      other = `${file} cannot be read (${(err as Error).message.split('\n')[0]})`;
    }
  }
  if (!found) {
    io.err.write(`\nno compliance report from this run (vitest exited ${code} before the reporter wrote one)${other ? `; ${other}, not shown` : ''}\n`);
    return code !== 0 ? code : GATE_EXIT_CODE;
  }
  const { report, file } = found;
  const g = report.gate;
  const s = report.summary;
  io.out.write(`\ncontract compliance ${gateWord({ passed: g.passed, reasons: g.reasons ?? [], partial: g.partial ?? false })} (${s.pass} pass, ${s.fail} fail, ${s.notEvaluated} not evaluated, ${s.notRun} not run)\n`);
  for (const r of g.reasons ?? []) io.out.write(`  gate: ${oneLine(r.message)}\n`);
  io.out.write(`reports: ${join(file, '..', 'compliance.html')} (also compliance.md, compliance.json, junit-*.xml)\n`);
  if (code !== 0) return code;
  return g.passed ? 0 : GATE_EXIT_CODE;
}
