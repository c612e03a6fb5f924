/**
 * `mbot-hil sim --pty`: the simulated mBot, in real time, behind a socat PTY
 * pair; prints the device path to open (HIL_PORT) and runs until SIGINT or
 * SIGTERM. Without `--pty` it says what is coming (the companion and the
 * dashboard are added by issue 6).
 */
import { WIRING_PROFILES, type WiringProfileName } from '../../simulators/index.ts';
import { startPtyStandIn } from '../../simulators/pty/pty-stand-in.ts';
import { intOption, parseCommandArgs, UsageError, type CliIo, type Command } from './command.ts';

const HELP = `Usage: mbot-hil sim --pty [--seed N] [--wiring NAME] [--reset-delay-ms MS] [--json]

Starts the simulated mBot (StandardFirmata 2.5 on an emulated mCore, with
physics) in real time behind a socat PTY pair and prints the device path.
Open that path like a USB-connected mBot: a Johnny-Five program, the
companion, or the hardware project:

  HIL_PORT=<path> npx vitest run --project hardware

Runs until Ctrl-C (SIGINT) or SIGTERM. Needs socat.

Options:
  --pty                 serve the simulator behind a PTY (required for now)
  --seed N              simulator seed (default 1)
  --wiring NAME         johnny-five-examples (default) or assembly-guide
  --reset-delay-ms MS   boot delay after serving starts, ms (default 2000)
  --json                print {"path": ..., "device": ..., "seed": ...} as one JSON line
  -h, --help            show this help`;

/** Resolves on the first SIGINT/SIGTERM, with its name; removes its handlers. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

async function runPty(values: { seed?: string; wiring?: string; 'reset-delay-ms'?: string; json?: boolean }, io: CliIo): Promise<number> {
  const seed = intOption('seed', values.seed, 1);
  const wiring = values.wiring ?? 'johnny-five-examples';
  if (!(wiring in WIRING_PROFILES)) {
    throw new UsageError(`--wiring must be one of ${Object.keys(WIRING_PROFILES).join(', ')}; got "${wiring}"`);
  }
  const resetDelayMs = intOption('reset-delay-ms', values['reset-delay-ms'], 2000);
  const standIn = await startPtyStandIn({ seed, wiring: wiring as WiringProfileName, resetDelayMs });
  const signal = untilSignal();
  if (values.json) {
    io.out.write(`${JSON.stringify({ path: standIn.hostPath, device: standIn.devices.host, seed, wiring })}\n`);
  } else {
    io.out.write(
      `simulated mBot (seed ${seed}, wiring ${wiring}) behind a PTY:\n` +
        `  ${standIn.hostPath}  (-> ${standIn.devices.host})\n` +
        `run the hardware project on it:  HIL_PORT=${standIn.hostPath} npx vitest run --project hardware\n` +
        'Ctrl-C to stop.\n',
    );
  }
  const got = await signal;
  await standIn.close();
  io.err.write(`stopped (${got})\n`);
  return 0;
}

/** The `sim` subcommand. */
export const simCommand: Command = {
  summary: 'run the simulated mBot behind a socat PTY (--pty) and print its device path',
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      pty: { type: 'boolean' },
      seed: { type: 'string' },
      wiring: { type: 'string' },
      'reset-delay-ms': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      io.out.write(`${HELP}\n`);
      return 0;
    }
    if (!values.pty) {
      io.out.write(
        'mbot-hil sim: only `--pty` is available so far (the simulator behind a socat PTY).\n' +
          'The reference companion (telemetry bridge) and the dashboard page come with issue 6.\n' +
          'Try: mbot-hil sim --pty\n',
      );
      return 0;
    }
    return runPty(values, io);
  },
};
