/**
 * The one shell command that reruns the test behind an evaluation on the
 * same target, seed and clock, e.g.
 * `HIL_SEED=1 npx vitest run --project sim specs/x.spec.ts -t '^latency holds$'`.
 */
import type { ReportedEvaluation } from './report-model.ts';
import { hasControls, oneLine, visibleControls } from './text-safety.ts';

/** The PTY stand-in's `HIL_PORT` value and the prefix of its port labels (`sim-pty:/dev/pts/3`). */
const SIM_PTY = 'sim-pty';

/**
 * Quotes one word for a POSIX shell: unchanged when it holds only
 * characters no shell treats specially, otherwise in single quotes with
 * each `'` written as `'\''`. The empty string becomes `''`. A word with
 * a control character or line break is written in ANSI-C quotes
 * (`$'a\x1Bb'`, bash, zsh, dash 0.5.12+), so a report never carries the raw character.
 */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  if (hasControls(word) || /[\t\r\n]/.test(word)) {
    return `$'${visibleControls(word.replace(/\\/g, '\\\\').replace(/'/g, "\\'")).replace(/\t/g, '\\t').replace(/\r/g, '\\r').replace(/\n/g, '\\n')}'`;
  }
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Escapes text so a regular expression matches it literally; control
 * characters and line breaks are written as `\xHH` / `\uHHHH` escapes
 * (which match them) rather than raw.
 */
export function regexEscape(text: string): string {
  return oneLine(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/**
 * The name Vitest's `-t` filter matches: suite and test names joined by
 * spaces (the reporter's `fullName` joins them with ` > `).
 */
export function runnerTestName(test: { name: string; fullName: string }): string {
  const suffix = ` > ${test.name}`;
  if (!test.fullName.endsWith(suffix)) return test.name;
  const suites = test.fullName.slice(0, -suffix.length).split(' > ');
  return [...suites, test.name].join(' ');
}

/**
 * The command that reproduces `e`: the environment of its target
 * (`HIL_SEED` when it had a seed, `HIL_CLOCK=wall` for a wall-clock
 * simulator run, `HIL_PORT` and `HIL_BENCH` for hardware), then
 * `npx vitest run --project <project> <spec file> -t '^<test name>$'`,
 * every word shell-quoted.
 */
export function reproduceCommand(e: Pick<ReportedEvaluation, 'target' | 'clock' | 'seed' | 'test'>): string {
  // Only the value is quoted: a quoted `'NAME=value'` would be a command, not an assignment.
  const env: string[] = [];
  const set = (name: string, value: string) => env.push(`${name}=${shellQuote(value)}`);
  const t = e.target;
  if (e.seed !== null) set('HIL_SEED', String(e.seed));
  if (t.kind === 'sim' && e.clock.kind === 'wall') set('HIL_CLOCK', 'wall');
  if (t.kind === 'hardware') {
    const pty = t.port === SIM_PTY || t.port?.startsWith(`${SIM_PTY}:`);
    if (pty) set('HIL_PORT', SIM_PTY);
    else if (t.port) set('HIL_PORT', t.port);
    if (t.bench && !pty) set('HIL_BENCH', t.bench);
  }
  const words = ['npx', 'vitest', 'run'];
  if (e.test.project) words.push('--project', e.test.project);
  words.push(e.test.file, '-t', `^${regexEscape(runnerTestName(e.test))}$`);
  return [...env, ...words.map(shellQuote)].join(' ');
}
