/**
 * `mbot-hil drift <recording>`: how far the simulator is from the robot a
 * recording was made on (docs/drift-and-calibration.md). Prints the
 * comparison table, writes reports/drift.{json,md,html}; `--fit` estimates
 * simulator parameters and `--write-profile FILE` saves them for
 * HIL_SIM_PROFILE.
 */
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HilError } from '../errors.ts';
import { runDrift } from '../drift/drift-run.ts';
import { buildDriftReport, renderDriftText, writeDriftReports } from '../drift/drift-report.ts';
import { formatSimProfile, loadSimProfile } from '../../simulators/mbot/sim-profile.ts';
import { writeFileAtomic } from '../reporter/write-atomic.ts';
import { UsageError, type CliIo, type Command } from './command.ts';
import { PROCESS_IO, reportError } from './cli-support.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

const HELP = `Usage: mbot-hil drift <recording> [--fit] [--write-profile FILE] [--profile FILE]
                      [--known-profile FILE] [--session LIST] [--out DIR] [--json] [--fail-on-drift]

Feeds the host commands of a recording (HIL_RECORD=<file>) to the simulator,
on the virtual clock with the recording's wiring and seed, and compares what
the robot answered with what the simulator answers: firmware answers, boot,
sensor reports (values, noise, sampling intervals), ultrasonic timing and
distances, the drive response (sonar rate per move). Prints the table and
writes drift.json, drift.md and drift.html.

Record the calibration drive for --fit (a wall ~90 cm ahead of the sonar):
  HIL_CALIBRATE=1 HIL_RECORD=cal.hilrec npx vitest run --project hardware specs/robot/calibration.spec.ts

Options:
  --fit                  estimate speed at PWM 255, dead band, per-motor gains,
                         sampling jitter, link latency, sensor noise and the
                         reset delay; compare again with them
  --write-profile FILE   save the fitted parameters as a simulator profile
                         (implies --fit); run with HIL_SIM_PROFILE=FILE
  --profile FILE         compare against the simulator with this profile
                         (default: the simulator's defaults)
  --known-profile FILE   the profile the recording was made with (a simulator
                         recording): the fit is scored against it (default:
                         the one the recording's header names, if any)
  --session LIST         only these sessions, comma-separated, from 0
                         (default: all; a file holds one per spec file)
  --out DIR              where to write (default $HIL_REPORTS_DIR or reports)
  --json                 print drift.json instead of the table
  --fail-on-drift        exit 1 when a quantity drifts beyond its tolerance
                         (after the fit, with --fit)
  -h, --help             show this help`;

function parseCommandLine(argv: readonly string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        fit: { type: 'boolean' },
        'write-profile': { type: 'string' },
        profile: { type: 'string' },
        'known-profile': { type: 'string' },
        session: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        'fail-on-drift': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === 'string' && value.trim() === '') throw new UsageError(`--${name} needs a value; got an empty string`);
  }
  return parsed;
}

function sessionsOption(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.split(',').map((s) => s.trim());
  const out = parts.map((p) => Number(p));
  if (parts.some((p) => p === '') || out.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new UsageError(`--session takes session numbers from 0, comma-separated (e.g. 0,2); got "${raw}"`);
  }
  return [...new Set(out)];
}

/** Runs `mbot-hil drift` with `argv` (after `drift`); resolves with the exit code, never throws. */
export async function runDriftCommand(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  try {
    const { values, positionals: recordingArgs } = parseCommandLine(argv);
    if (values.help) {
      io.out.write(`${HELP}\n`);
      return 0;
    }
    if (recordingArgs.length !== 1) {
      throw new UsageError(recordingArgs.length === 0 ? 'name the recording: mbot-hil drift <recording>' : `one recording at a time; got ${recordingArgs.length}: ${recordingArgs.join(' ')}`);
    }
    const sessions = sessionsOption(values.session);
    const profile = values.profile === undefined ? undefined : loadSimProfile(values.profile);
    const knownProfile = values['known-profile'] === undefined ? undefined : loadSimProfile(values['known-profile']);
    const fit = values.fit === true || values['write-profile'] !== undefined;
    const recording = recordingArgs[0] as string;
    const result = await runDrift(recording, {
      fit,
      ...(profile !== undefined ? { profile } : {}),
      ...(knownProfile !== undefined ? { knownProfile } : {}),
      ...(sessions !== undefined ? { sessions } : {}),
    });
    const report = buildDriftReport(result);
    const outDir = resolve(values.out ?? (process.env.HIL_REPORTS_DIR?.trim() || 'reports'));
    const files = writeDriftReports(report, outDir);
    io.out.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderDriftText(report));
    const shown = files.map((f) => relative(process.cwd(), f) || f).join(', ');
    (values.json ? io.err : io.out).write(`wrote ${shown}\n`);
    const target = values['write-profile'];
    if (target !== undefined) {
      const drive = report.fit?.result.drive;
      if (drive === undefined || report.fit === undefined) {
        throw new HilError('HIL_DRIFT_NOT_FITTED', `${recording} has no drive with sonar readings to fit speed, dead band and gains from; no profile written to ${target}. Record the calibration spec (HIL_CALIBRATE=1 HIL_RECORD=<file> ... specs/robot/calibration.spec.ts) and run drift on that recording`);
      }
      writeFileAtomic(resolve(target), formatSimProfile(report.fit.profile));
      (values.json ? io.err : io.out).write(`wrote the fitted profile to ${target}; use it with HIL_SIM_PROFILE=${target}\n`);
    }
    const after = report.summaryAfterFit ?? report.summary;
    return values['fail-on-drift'] && after.drift > 0 ? 1 : 0;
  } catch (err) {
    return reportError(err, HELP, io);
  }
}

/** The `drift` subcommand for the dispatcher's COMMANDS table. */
export const driftCommand: Command = {
  summary: COMMAND_SUMMARIES.drift,
  help: HELP,
  run: (argv, io) => runDriftCommand(argv, io),
};
