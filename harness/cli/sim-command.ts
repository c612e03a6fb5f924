/**
 * `mbot-hil sim`: the simulated mBot in real time, for a person to watch
 * and poke at.
 *
 * - default (live): the simulator in this process, the reference companion
 *   reading it through Johnny-Five, and the reference dashboard page served
 *   on loopback; prints the companion's ws:// URL and the dashboard's
 *   http:// URL (already pointing at the companion).
 * - `--pty`: only the simulator, behind a socat PTY pair; prints the device
 *   path to open like a USB-connected mBot (HIL_PORT).
 * - `--pty --live`: both: the companion opens that PTY through serialport's
 *   real binding (the code path of a bench), plus the dashboard.
 *
 * Runs until SIGINT or SIGTERM. Every way out after start-up closes the
 * dashboard, then the companion, stops the motors and silences the buzzer,
 * and closes the port (and socat).
 */
import { HilError, isHilError } from '../errors.ts';
import { WIRING_PROFILES, type WiringProfileName } from '../../simulators/index.ts';
import { startCompanionHost, type CompanionHost } from '../../simulators/companion/index.ts';
import { startDashboardServer, type DashboardServer } from '../../simulators/dashboard/dashboard-server.ts';
import { startPtyStandIn, type PtyStandIn } from '../../simulators/pty/pty-stand-in.ts';
import { SIM_PTY_PORT } from '../targets/select-target.ts';
import { intOption, parseCommandArgs, untilSignal, UsageError, type CliIo, type Command } from './command.ts';
import { allowOriginOption } from './companion-command.ts';

/** Default TCP port of the companion (the `companion` command's default too). */
const DEFAULT_WS_PORT = 8787;
/** Default TCP port of the dashboard page, next to the companion's. */
const DEFAULT_HTTP_PORT = 8788;

const HELP = `Usage: mbot-hil sim [--pty] [--live] [options]

Starts the simulated mBot (StandardFirmata 2.5 on an emulated mCore, with
physics) in real time and runs until Ctrl-C (SIGINT) or SIGTERM.

Live (the default): the reference companion (WebSocket telemetry bridge)
reads the simulator, and the reference dashboard page shows it. Prints the
companion's ws:// URL and the dashboard's http:// URL (it already points at
the companion): open the dashboard in a browser, or measure the companion:

  HIL_COMPANION_URL=<ws url> npx vitest run --project sim specs/performance/websocket-latency.spec.ts

--pty: only the simulator, behind a socat PTY pair; prints the device path.
Open it like a USB-connected mBot (a Johnny-Five program, the companion,
the hardware project):

  HIL_PORT=<path> npx vitest run --project hardware

--pty --live: the companion opens that PTY through serialport's real
binding, as on a bench, and the dashboard shows it (the companion then
holds the device). Needs socat.

Ctrl-C closes the dashboard and the companion, stops the motors, silences
the buzzer and closes the port.

Options:
  --pty                 serve the simulator behind a socat PTY
  --live                with --pty: also the companion and the dashboard
                        (without --pty they always run)
  --seed N              simulator seed (default 1)
  --wiring NAME         johnny-five-examples (default) or assembly-guide
  --reset-delay-ms MS   boot delay after serving starts, ms (default 2000, like
                        a real board; not with --pty --live, where the robot is
                        already switched on)
  --ws-port N           companion TCP port (default ${DEFAULT_WS_PORT}; 0 picks a free one)
  --http-port N         dashboard TCP port (default ${DEFAULT_HTTP_PORT}; 0 picks a free one)
  --allow-origin ORIGIN let web pages from ORIGIN connect to the companion
                        (repeat for more); the dashboard's own origin always
                        may, pages from any other get 403
  --json                print one JSON line: live {"companion", "dashboard",
                        "pty", "pid", "seed", "wiring"}; --pty {"path",
                        "device", "seed", "wiring"}
  -h, --help            show this help

Both servers listen on 127.0.0.1 only.`;

/** Parsed options of one `sim` invocation. */
interface SimOptions {
  pty: boolean;
  live: boolean;
  seed: number;
  wiring: WiringProfileName;
  /** Undefined: the simulator's default. */
  resetDelayMs: number | undefined;
  wsPort: number;
  httpPort: number;
  /** Origins besides the dashboard's whose pages may connect to the companion. */
  allowOrigins: string[];
  json: boolean;
}

function simOptions(values: Record<string, string | boolean | string[] | undefined>): SimOptions {
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const pty = values.pty === true;
  const live = !pty || values.live === true;
  const wiring = str('wiring') ?? 'johnny-five-examples';
  if (!(wiring in WIRING_PROFILES)) {
    throw new UsageError(`--wiring must be one of ${Object.keys(WIRING_PROFILES).join(', ')}; got "${wiring}"`);
  }
  for (const k of ['ws-port', 'http-port', 'allow-origin']) {
    if (!live && str(k) !== undefined) throw new UsageError(`--${k} needs the companion and dashboard: drop --pty, or add --live`);
  }
  if (pty && live && str('reset-delay-ms') !== undefined) {
    throw new UsageError('--reset-delay-ms does not apply to --pty --live: the stand-in behind the PTY boots once, as a robot that is already switched on');
  }
  return {
    pty,
    live,
    seed: intOption('seed', str('seed'), 1),
    wiring: wiring as WiringProfileName,
    resetDelayMs: str('reset-delay-ms') === undefined ? undefined : intOption('reset-delay-ms', str('reset-delay-ms'), 2000),
    wsPort: intOption('ws-port', str('ws-port'), DEFAULT_WS_PORT),
    httpPort: intOption('http-port', str('http-port'), DEFAULT_HTTP_PORT),
    allowOrigins: allowOriginOption(values['allow-origin'] as string[] | undefined),
    json: values.json === true,
  };
}

/** `--pty` alone: the simulator behind a PTY until a signal. */
async function runPty(opts: SimOptions, io: CliIo): Promise<number> {
  const signal = untilSignal();
  let standIn: PtyStandIn;
  try {
    standIn = await startPtyStandIn({ seed: opts.seed, wiring: opts.wiring, resetDelayMs: opts.resetDelayMs ?? 2000 });
  } catch (err) {
    signal.dispose();
    throw err;
  }
  if (opts.json) {
    io.out.write(`${JSON.stringify({ path: standIn.hostPath, device: standIn.devices.host, seed: opts.seed, wiring: opts.wiring })}\n`);
  } else {
    io.out.write(
      `simulated mBot (seed ${opts.seed}, wiring ${opts.wiring}) behind a PTY:\n` +
        `  ${standIn.hostPath}  (-> ${standIn.devices.host})\n` +
        `run the hardware project on it:  HIL_PORT=${standIn.hostPath} npx vitest run --project hardware\n` +
        'Ctrl-C to stop.\n',
    );
  }
  const got = await signal.promise;
  await standIn.close();
  signal.dispose();
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
  const signal = untilSignal();
  let host: CompanionHost | undefined;
  let dashboard: DashboardServer;
  try {
    host = await startLiveHost(opts);
    dashboard = await startDashboardServer({ port: opts.httpPort });
  } catch (err) {
    await host?.close();
    signal.dispose();
    throw err;
  }
  // The dashboard's page, and no other (unless --allow-origin), may open the companion's socket.
  host.companion.allowOrigin(dashboard.origin);
  const companionUrl = host.companion.url;
  const dashboardUrl = dashboard.pageUrl({ ws: companionUrl });
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
  summary: 'run the simulated mBot with the companion and dashboard live (prints their URLs), or behind a PTY (--pty)',
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      pty: { type: 'boolean' },
      live: { type: 'boolean' },
      seed: { type: 'string' },
      wiring: { type: 'string' },
      'reset-delay-ms': { type: 'string' },
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
