/**
 * `mbot-hil sim`: the simulated mBot in real time, for a person to watch
 * and poke at.
 *
 * - default (live): the simulator in this process, the reference companion
 *   reading it through Johnny-Five, and the reference dashboard page served
 *   on loopback; prints the companion's ws:// URL and the dashboard's
 *   http:// URL (already pointing at the companion).
 * - `--pty`: only the simulator, behind a PTY pair (Python 3's relay, or
 *   socat); prints the device path to open like a USB-connected mBot
 *   (HIL_PORT). The board resets and announces when a host opens it, as a
 *   USB board does (python3 relay).
 * - `--pty --live`: both: the companion opens that PTY through serialport's
 *   real binding (the code path of a bench), plus the dashboard.
 *
 * Every option is checked before anything starts (values, ranges, free TCP
 * ports). Runs until SIGINT, SIGTERM, SIGHUP or SIGQUIT; every way out after start-up closes
 * the dashboard, then the companion, stops the motors and silences the
 * buzzer, and closes the port (and the PTY relay). The relay never outlives
 * this process, even after SIGKILL (see simulators/pty/pty-pair.ts); if it
 * ends by itself, `--pty` stops with HIL_PTY_LOST.
 */
import { createServer } from 'node:net';
import { HilError, isHilError } from '../errors.ts';
import { DEFAULT_RESET_DELAY_MS, MAX_RESET_DELAY_MS, WIRING_PROFILES, type WiringProfileName } from '../../simulators/index.ts';
import { startCompanionHost, type CompanionHost } from '../../reference/companion/index.ts';
import { startDashboardServer, type DashboardServer } from '../../reference/dashboard/dashboard-server.ts';
import type { PtyPairExit } from '../../simulators/pty/pty-pair.ts';
import { startPtyStandIn, type PtyStandIn } from '../../simulators/pty/pty-stand-in.ts';
import { loadSimProfile, type SimProfile } from '../../simulators/mbot/sim-profile.ts';
import { SIM_PTY_PORT } from '../targets/select-target.ts';
import { redactToken } from './cli-support.ts';
import { parseCommandArgs, portOption, rangeOption, untilSignal, UsageError, type CliIo, type Command } from './command.ts';
import { allowOriginOption } from './companion-command.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

/** Default TCP port of the companion (the `companion` command's default too). */
const DEFAULT_WS_PORT = 8787;
/** Default TCP port of the dashboard page, next to the companion's. */
const DEFAULT_HTTP_PORT = 8788;

const HELP = `Usage: mbot-hil sim [--pty] [--live] [options]

Starts the simulated mBot (StandardFirmata 2.5 on an emulated mCore, with
physics) in real time and runs until Ctrl-C (SIGINT), SIGTERM, SIGHUP or SIGQUIT.

Live (the default): the reference companion (WebSocket telemetry bridge)
reads the simulator, and the reference dashboard page shows it. Prints the
companion's ws:// URL and the dashboard's http:// URL (it already points at
the companion): open the dashboard in a browser, or measure the companion:

  HIL_COMPANION_URL=<ws url> npx vitest run --project sim specs/performance/websocket-latency.spec.ts

--pty: only the simulator, behind a PTY pair; prints the device path.
Open it like a USB-connected mBot (a Johnny-Five program, the companion,
the hardware project); as a USB board does, it resets when a host opens it
and announces itself --reset-delay-ms later:

  HIL_PORT=<path> npx vitest run --project hardware

The PTY pair comes from Python 3 (its standard library: a relay that sees
the host open the device) or socat (no reset on open: the host must ask
for the version); HIL_PTY_PROVIDER=python3|socat picks one, the default
takes python3 when it is installed.

--pty --live: the companion opens that PTY through serialport's real
binding, as on a bench, and the dashboard shows it (the companion then
holds the device).

Ctrl-C closes the dashboard and the companion, stops the motors, silences
the buzzer and closes the port.

Options:
  --pty                 serve the simulator behind a PTY
  --live                with --pty: also the companion and the dashboard
                        (without --pty they always run)
  --seed N              simulator seed, an integer (default 1)
  --wiring NAME         johnny-five-examples (default) or assembly-guide
  --profile FILE        with --pty: run the simulator with this profile
                        (speed, dead band, motor gains, noise, jitter;
                        docs/drift-and-calibration.md)
  --reset-delay-ms MS   boot delay after a reset, 0..${MAX_RESET_DELAY_MS} ms (default ${DEFAULT_RESET_DELAY_MS},
                        like a real board; not with --pty --live, where the
                        robot is already switched on)
  --ws-port N           companion TCP port, 0..65535 (default ${DEFAULT_WS_PORT}; 0 picks a free one)
  --http-port N         dashboard TCP port, 0..65535 (default ${DEFAULT_HTTP_PORT}; 0 picks a free one)
  --allow-origin ORIGIN let web pages from ORIGIN connect to the companion
                        (repeat for more); the dashboard's own origin always
                        may, pages from any other get 403
  --json                print one JSON line: live {"companion", "dashboard",
                        "pty", "pid", "seed", "wiring"}; --pty {"path",
                        "device", "provider", "seed", "wiring"}
  -h, --help            show this help

Both servers listen on 127.0.0.1 only. Every failure exits non-zero with
an "error HIL_...:" line (2 for a bad command line).`;

/** Parsed options of one `sim` invocation. */
interface SimOptions {
  pty: boolean;
  live: boolean;
  seed: number;
  wiring: WiringProfileName;
  /** Undefined: the simulator's default. */
  resetDelayMs: number | undefined;
  /** `--profile`: a simulator profile (docs/drift-and-calibration.md), `--pty` only. */
  profile: SimProfile | undefined;
  wsPort: number;
  httpPort: number;
  /** Origins besides the dashboard's whose pages may connect to the companion. */
  allowOrigins: string[];
  json: boolean;
}

/** `--profile FILE`: read and validated now (HIL_CONFIG_INVALID names file and field); only with `--pty` alone. */
function profileOption(file: string | undefined, ptyOnly: boolean): SimProfile | undefined {
  if (file === undefined) return undefined;
  if (!ptyOnly) throw new UsageError('--profile applies to --pty (the simulator alone behind a PTY); for the sim target use HIL_SIM_PROFILE');
  return loadSimProfile(file);
}

/** Parses and checks every option; throws UsageError before anything starts. */
function simOptions(values: Record<string, string | boolean | string[] | undefined>): SimOptions {
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const pty = values.pty === true;
  const live = !pty || values.live === true;
  const wiring = str('wiring') ?? 'johnny-five-examples';
  if (!(wiring in WIRING_PROFILES)) {
    throw new UsageError(`--wiring must be one of ${Object.keys(WIRING_PROFILES).join(', ')}; got "${wiring}"`);
  }
  if (values.live === true && !pty) throw new UsageError('--live goes with --pty (without --pty the companion and dashboard always run)');
  for (const k of ['ws-port', 'http-port', 'allow-origin']) {
    if (!live && str(k) !== undefined) throw new UsageError(`--${k} needs the companion and dashboard: drop --pty, or add --live`);
  }
  if (pty && live && str('reset-delay-ms') !== undefined) {
    throw new UsageError('--reset-delay-ms does not apply to --pty --live: the stand-in behind the PTY boots once, as a robot that is already switched on');
  }
  const opts: SimOptions = {
    pty,
    live,
    seed: rangeOption('seed', str('seed'), 1, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    wiring: wiring as WiringProfileName,
    resetDelayMs: str('reset-delay-ms') === undefined ? undefined : rangeOption('reset-delay-ms', str('reset-delay-ms'), DEFAULT_RESET_DELAY_MS, 0, MAX_RESET_DELAY_MS),
    profile: profileOption(str('profile'), pty && !live),
    wsPort: portOption('ws-port', str('ws-port'), DEFAULT_WS_PORT),
    httpPort: portOption('http-port', str('http-port'), DEFAULT_HTTP_PORT),
    allowOrigins: allowOriginOption(values['allow-origin'] as string[] | undefined),
    json: values.json === true,
  };
  if (live && opts.wsPort !== 0 && opts.wsPort === opts.httpPort) {
    throw new UsageError(`--ws-port and --http-port are both ${opts.wsPort}: the companion and the dashboard need a port each`);
  }
  return opts;
}

/**
 * Fails fast, before the simulator boots, when `port` on 127.0.0.1 is taken
 * (HIL_COMPANION_START_FAILED naming the option). 0 (any free port) passes.
 */
async function requireFreePort(port: number, option: string): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: '127.0.0.1', exclusive: true }, resolve);
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new HilError(
      'HIL_COMPANION_START_FAILED',
      `cannot listen on 127.0.0.1:${port} (${option}): ${code === 'EADDRINUSE' ? 'the port is in use' : (err as Error).message} (${code}); pick another port, or ${option} 0 for a free one`,
      { cause: err },
    );
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Why `--pty` had to stop: the relay behind the PTY ended by itself. */
function relayLost(standIn: PtyStandIn, exit: PtyPairExit): HilError {
  const how = exit.signal !== null ? `was killed (${exit.signal})` : `exited with code ${String(exit.code)}`;
  return new HilError(
    'HIL_PTY_LOST',
    `the ${standIn.provider === 'python3' ? 'python3 relay' : 'socat process'} behind ${standIn.hostPath} ${how}, so hosts can no longer reach the simulator; ` +
      `its links are removed. Start mbot-hil sim --pty again.${exit.log ? `\nIts last output:\n${exit.log}` : ''}`,
  );
}

/** `--pty` alone: the simulator behind a PTY until a signal (or until the relay ends by itself: HIL_PTY_LOST). */
async function runPty(opts: SimOptions, io: CliIo): Promise<number> {
  const signal = untilSignal(io.stop);
  let standIn: PtyStandIn;
  try {
    standIn = await startPtyStandIn({ seed: opts.seed, wiring: opts.wiring, resetDelayMs: opts.resetDelayMs ?? opts.profile?.board?.resetDelayMs ?? DEFAULT_RESET_DELAY_MS, ...(opts.profile ? { profile: opts.profile } : {}) });
  } catch (err) {
    signal.dispose();
    throw err;
  }
  const provider = standIn.provider === 'python3' ? 'python3 relay: resets and announces when a host opens it' : 'socat: the host must ask for the version';
  if (opts.json) {
    io.out.write(`${JSON.stringify({ path: standIn.hostPath, device: standIn.devices.host, provider: standIn.provider, seed: opts.seed, wiring: opts.wiring })}\n`);
  } else {
    io.out.write(
      `simulated mBot (seed ${opts.seed}, wiring ${opts.wiring}) behind a PTY (${provider}):\n` +
        `  ${standIn.hostPath}  (-> ${standIn.devices.host})\n` +
        `run the hardware project on it:  HIL_PORT=${standIn.hostPath} npx vitest run --project hardware\n` +
        'Ctrl-C to stop.\n',
    );
  }
  let stopLost: () => void = () => {};
  const lost = new Promise<PtyPairExit>((resolve) => { stopLost = standIn.onLost(resolve); });
  const got = await Promise.race([signal.promise, lost]);
  stopLost();
  await standIn.close();
  signal.dispose();
  if (typeof got !== 'string') throw relayLost(standIn, got);
  io.err.write(`stopped (${got}): simulator and PTY closed\n`);
  return 0;
}

/**
 * The companion on the simulator: in this process, or (`pty`) through the
 * PTY stand-in and the real serial binding. A failure that is not already a
 * harness error becomes HIL_COMPANION_START_FAILED.
 */
async function startLiveHost(opts: SimOptions): Promise<CompanionHost> {
  try {
    return await startCompanionHost({
      seed: opts.seed,
      wiring: opts.wiring,
      clock: 'wall',
      ...(opts.pty
        ? { robotPort: SIM_PTY_PORT }
        : opts.resetDelayMs !== undefined ? { resetDelayMs: opts.resetDelayMs } : {}),
      companions: [{ host: '127.0.0.1', port: opts.wsPort, allowOrigins: opts.allowOrigins }],
    });
  } catch (err) {
    if (isHilError(err)) throw err;
    throw new HilError('HIL_COMPANION_START_FAILED', `the companion on the simulated mBot did not start: ${(err as Error).message}`, { cause: err });
  }
}

/** The live mode: simulator, companion and dashboard until a signal. */
async function runLive(opts: SimOptions, io: CliIo): Promise<number> {
  const signal = untilSignal(io.stop);
  let host: CompanionHost | undefined;
  let dashboard: DashboardServer;
  try {
    // Taken ports fail now, not after the simulator's boot and handshake.
    await requireFreePort(opts.wsPort, '--ws-port');
    await requireFreePort(opts.httpPort, '--http-port');
    host = await startLiveHost(opts);
    dashboard = await startDashboardServer({ port: opts.httpPort }).catch((err: unknown) => {
      if (isHilError(err)) throw err;
      throw new HilError('HIL_COMPANION_START_FAILED', `the dashboard page server did not start on 127.0.0.1:${opts.httpPort} (--http-port): ${(err as Error).message}`, { cause: err });
    });
  } catch (err) {
    await host?.close();
    signal.dispose();
    throw err;
  }
  // The dashboard's page, and no other (unless --allow-origin), may open the companion's socket.
  host.companion.allowOrigin(dashboard.origin);
  // A token never reaches stdout (logs, scrollback): the URLs are printed without it.
  const companionUrl = host.companion.publicUrl;
  const dashboardUrl = redactToken(dashboard.pageUrl({ ws: host.companion.url }));
  // `sim-pty:<path>`: the device the companion opened.
  const ptyPath = opts.pty ? (host.info.port ?? '').replace(`${SIM_PTY_PORT}:`, '') : null;
  if (opts.json) {
    io.out.write(`${JSON.stringify({ companion: companionUrl, dashboard: dashboardUrl, pty: ptyPath, pid: process.pid, seed: opts.seed, wiring: opts.wiring })}\n`);
  } else {
    const via = ptyPath ? `behind a PTY (${ptyPath}), read through the real serial binding` : 'in this process';
    io.out.write(
      `simulated mBot (seed ${opts.seed}, wiring ${opts.wiring}) live in real time, ${via}:\n` +
        `  companion  ${companionUrl}\n` +
        `  dashboard  ${dashboardUrl}\n` +
        `measure the companion:  HIL_COMPANION_URL=${companionUrl} npx vitest run --project sim specs/performance/websocket-latency.spec.ts\n` +
        'Ctrl-C to stop.\n',
    );
  }
  const got = await signal.promise;
  await dashboard.close();
  await host.close();
  signal.dispose();
  io.err.write(`stopped (${got}): dashboard and companion closed, motors stopped, port closed\n`);
  return 0;
}

/** The `sim` subcommand. */
export const simCommand: Command = {
  summary: COMMAND_SUMMARIES.sim,
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      pty: { type: 'boolean' },
      live: { type: 'boolean' },
      seed: { type: 'string' },
      wiring: { type: 'string' },
      'reset-delay-ms': { type: 'string' },
      profile: { type: 'string' },
      'ws-port': { type: 'string' },
      'http-port': { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      json: { type: 'boolean' },
    });
    if (values.help) {
      io.out.write(`${HELP}\n`);
      return 0;
    }
    const opts = simOptions(values);
    return opts.live ? runLive(opts, io) : runPty(opts, io);
  },
};
