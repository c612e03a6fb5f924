/**
 * `mbot-hil run`: runs the invariant specs on the chosen target through
 * Vitest (so the compliance reporter writes the reports), then prints where
 * the reports are and the gate. Exit code: Vitest's (non-zero when a spec or
 * an invariant failed).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseCommandArgs, UsageError, type Command } from './command.ts';

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

Anything after -- goes to vitest as is (e.g. -- -t "100 clients").`;

/** The Vitest invocation `run` makes, for the given options (exported for tests). */
export function vitestInvocation(opts: { target: string; port?: string; seed?: string; all?: boolean; extra: readonly string[] }, env: NodeJS.ProcessEnv = process.env): { args: string[]; env: NodeJS.ProcessEnv } {
  if (opts.target !== 'sim' && opts.target !== 'hardware') throw new UsageError(`--target must be sim or hardware, got "${opts.target}"`);
  if (opts.port && opts.target !== 'hardware') throw new UsageError('--port needs --target hardware');
  if (opts.seed !== undefined && !/^-?\d+$/.test(opts.seed)) throw new UsageError(`--seed must be an integer, got "${opts.seed}"`);
  const childEnv: NodeJS.ProcessEnv = { ...env };
  if (opts.target === 'hardware') childEnv.HIL_PORT = opts.port ?? env.HIL_PORT ?? 'auto';
  if (opts.seed !== undefined) childEnv.HIL_SEED = opts.seed;
  const args = ['vitest', 'run', '--project', opts.target, opts.all ? 'specs/' : 'specs/performance/', ...opts.extra];
  return { args, env: childEnv };
}

/** The `run` subcommand. */
export const runCommand: Command = {
  summary: 'run the invariant specs on a target, then print the gate and where the reports are',
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
    io.out.write(`mbot-hil run: npx ${args.join(' ')}${env.HIL_PORT ? ` (HIL_PORT=${env.HIL_PORT})` : ''}\n`);
    const code = await new Promise<number>((done) => {
      const child = spawn('npx', args, { env, stdio: 'inherit' });
      // Ctrl-C reaches the child through the process group; wait for its own
      // exit so the hardware target's safe stop finishes before we return.
      child.on('exit', (c, signal) => done(c ?? (signal ? 130 : 1)));
      child.on('error', () => done(1));
    });
    const reports = resolve(env.HIL_REPORTS_DIR?.trim() || 'reports');
    const json = join(reports, 'compliance.json');
    if (existsSync(json)) {
      const report = JSON.parse(readFileSync(json, 'utf8')) as { gate?: { passed?: boolean }; summary?: Record<string, number> };
      const s = report.summary ?? {};
      io.out.write(`\ncontract compliance ${report.gate?.passed ? 'PASSED' : 'FAILED'} (${s.pass ?? 0} pass, ${s.fail ?? 0} fail, ${s.notEvaluated ?? 0} not evaluated, ${s.notRun ?? 0} not run)\n`);
      io.out.write(`reports: ${join(reports, 'compliance.html')} (also compliance.md, compliance.json, junit-*.xml)\n`);
    } else {
      io.err.write(`no report at ${json}: the run ended before the reporter could write one\n`);
    }
    return code;
  },
};
