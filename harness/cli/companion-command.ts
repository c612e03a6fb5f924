/**
 * `mbot-hil companion`: the reference companion (telemetry bridge) on the
 * simulator, or on a robot with `--port`; prints its ws:// URL and runs
 * until Ctrl-C (SIGINT), SIGTERM, or (started by the harness with `--ipc`)
 * a stop request or the parent's exit. Every way out stops the motors and
 * silences the buzzer before the port closes.
 */
import { isHilError } from '../errors.ts';
import { answerMemoryRequests } from '../probes/memory-ipc.ts';
import { WIRING_PROFILES, type WiringProfileName } from '../../simulators/index.ts';
import { startCompanionHost } from '../../reference/companion/companion-host.ts';
import { announceFailed, announceReady, serveControl } from '../../reference/companion/companion-ipc.ts';
import { isProfileName, PROFILES, type CompanionConfig, type ProfileName } from '../../reference/companion/profiles.ts';
import { checkAllowedOrigin } from '../../reference/companion/upgrade-gate.ts';
import { intOption, parseCommandArgs, rangeOption, untilSignal, UsageError, type CliIo, type Command } from './command.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

const HELP = `Usage: mbot-hil companion [options]

Starts the reference companion: a WebSocket server speaking the mBot
RuVector V2 envelope (state on connect, sensors/pose/button/stroke events,
commands, ping/pong, batches) fed by Johnny-Five on the simulated mBot, or
on a robot with --port. Prints its ws:// URL; point a dashboard or the
latency probe (HIL_COMPANION_URL=<url>) at it. Ctrl-C stops it (motors off,
buzzer silent, port closed).

Robot:
  --port PORT           serial port of a real mBot, "auto" (detect by USB id)
                        or "sim-pty" (the simulator behind a socat PTY);
                        default: the simulator in this process
  --seed N              simulator seed (default HIL_SEED or 1)
  --wiring NAME         johnny-five-examples (default) or assembly-guide
  --reset-delay-ms MS   simulator boot delay (default 2000, like a real board)
  --clock KIND          wall (default) or virtual (simulator only, needs --ipc)
  --sampling-interval-ms MS  Firmata analog sampling interval asked of the board
                        (default: the firmware's, 19 ms)

Server:
  --host HOST           interface to bind (default 127.0.0.1; any other needs --token)
  --ws-port N           TCP port (default 8787; 0 picks a free one); several
                        profiles listen on N, N+1, ...
  --token TOKEN         require Authorization: Bearer TOKEN or ?token=TOKEN
                        (default HIL_COMPANION_TOKEN); never printed. Every
                        user of this machine can read a command line (ps):
                        prefer HIL_COMPANION_TOKEN
  --allow-origin ORIGIN let web pages from ORIGIN (scheme://host[:port], as
                        the browser sends it) connect; repeat for more. Pages
                        from any other origin get 403, token or not;
                        clients that send no Origin (not browsers) connect
  --max-connections N   most clients at once (default ${PROFILES.reference.maxConnections}); more get 503
  --message-timeout-ms N  close (1008) a client that holds an unfinished
                        message this long (default ${PROFILES.reference.unfinishedMessageTimeoutMs})
  --profile NAME[,NAME] ${Object.keys(PROFILES).join(', ')} (default reference);
                        a list runs one companion per profile on the one robot
  --telemetry-hz HZ     telemetry rate (default 50)
  --batch N/MS|off      batch up to N messages or MS ms (default 10/16)
  --compression on|off  offer permessage-deflate (default off)

Output:
  --json                print {"url", "pid", "target", "seed", "profile",
                        "tokenRequired"} as one JSON line (url without the token)
  --ipc                 control channel for a harness that forked this process
  -h, --help            show this help`;

/** Parses `--batch`: `N/MS` or `off`. */
function batchOption(raw: string | undefined): CompanionConfig['batching'] | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'off') return null;
  const m = /^(\d+)\/(\d+)$/u.exec(raw);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UsageError(`--batch must be N/MS (e.g. 10/16) or off; got "${raw}"`);
  return { maxMessages: Number(m[1]), maxDelayMs: Number(m[2]), flushOnTick: true };
}

/**
 * Runs `mbot-hil companion` with `argv` (options only) and resolves with
 * the exit code once the companion stopped: 0 after a signal or stop
 * request, 2 for bad options, 1 when the robot or server cannot start
 * (the error, with its stable code, goes to `io.err`).
 */
export async function runCompanionCommand(argv: readonly string[], io: CliIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  let values;
  try {
    ({ values } = parseCommandArgs(argv, {
      port: { type: 'string' }, seed: { type: 'string' }, wiring: { type: 'string' }, 'reset-delay-ms': { type: 'string' },
      'sampling-interval-ms': { type: 'string' }, clock: { type: 'string' }, host: { type: 'string' }, 'ws-port': { type: 'string' }, token: { type: 'string' },
      profile: { type: 'string' }, 'telemetry-hz': { type: 'string' }, batch: { type: 'string' }, compression: { type: 'string' },
      'allow-origin': { type: 'string', multiple: true }, 'max-connections': { type: 'string' }, 'message-timeout-ms': { type: 'string' },
      json: { type: 'boolean' }, ipc: { type: 'boolean' },
    }));
    if (values.help) {
      io.out.write(`${HELP}\n`);
      return 0;
    }
    return await serve(values, io);
  } catch (err) {
    if (err instanceof UsageError) {
      announceFailed('HIL_CONFIG_INVALID', err.message);
      io.err.write(`error HIL_CLI_USAGE: ${err.message}\n\n${HELP}\n`);
      return 2;
    }
    const code = isHilError(err) ? err.code : 'HIL_COMPANION_START_FAILED';
    const message = err instanceof Error ? err.message : String(err);
    announceFailed(code, message);
    io.err.write(`error ${isHilError(err) ? message : `HIL_COMPANION_START_FAILED: ${message}`}\n`);
    return isHilError(err, 'HIL_CONFIG_INVALID') ? 2 : 1;
  }
}

type Values = Record<string, string | boolean | string[] | undefined>;

/** `--allow-origin` values, checked (a wildcard or a URL with a path is a usage error). */
export function allowOriginOption(raw: readonly string[] | undefined): string[] {
  return (raw ?? []).map((origin) => {
    try {
      return checkAllowedOrigin(origin);
    } catch (err) {
      throw new UsageError(`--allow-origin: ${(err as Error).message.replace(/^HIL_CONFIG_INVALID: /, '')}`);
    }
  });
}

async function serve(values: Values, io: CliIo): Promise<number> {
  const str = (k: string): string | undefined => values[k] as string | undefined;
  if (str('port') === '') throw new UsageError('--port is empty; give a device path, "auto" or "sim-pty", or leave it out for the in-process simulator');
  const allowOrigins = allowOriginOption(values['allow-origin'] as string[] | undefined);
  const wiring = str('wiring');
  if (wiring !== undefined && !(wiring in WIRING_PROFILES)) throw new UsageError(`--wiring must be one of ${Object.keys(WIRING_PROFILES).join(', ')}; got "${wiring}"`);
  const clock = str('clock') ?? 'wall';
  if (clock !== 'wall' && clock !== 'virtual') throw new UsageError(`--clock must be wall or virtual; got "${clock}"`);
  if (clock === 'virtual' && !values.ipc) throw new UsageError('--clock virtual needs --ipc: virtual time moves only when the harness advances it');
  const profiles = (str('profile') ?? 'reference').split(',');
  for (const p of profiles) if (!isProfileName(p)) throw new UsageError(`--profile must be one or more of ${Object.keys(PROFILES).join(', ')} (comma-separated); got "${p}"`);
  const compression = str('compression');
  if (compression !== undefined && compression !== 'on' && compression !== 'off') throw new UsageError(`--compression must be on or off; got "${compression}"`);
  const hz = str('telemetry-hz');
  const config: Partial<CompanionConfig> = {};
  const batching = batchOption(str('batch'));
  if (batching !== undefined) config.batching = batching;
  if (compression !== undefined) config.compression = compression === 'on';
  if (hz !== undefined) config.telemetryHz = intOption('telemetry-hz', hz, 50);
  const maxConnections = str('max-connections');
  if (maxConnections !== undefined) {
    config.maxConnections = intOption('max-connections', maxConnections, PROFILES.reference.maxConnections);
    if (config.maxConnections < 1) throw new UsageError(`--max-connections must be at least 1; got "${maxConnections}"`);
  }
  const messageTimeoutMs = str('message-timeout-ms');
  if (messageTimeoutMs !== undefined) config.unfinishedMessageTimeoutMs = rangeOption('message-timeout-ms', messageTimeoutMs, PROFILES.reference.unfinishedMessageTimeoutMs, 1, 3_600_000);
  const token = str('token') ?? process.env.HIL_COMPANION_TOKEN;
  if (token === '') throw new UsageError('--token (or HIL_COMPANION_TOKEN) is empty; give a secret, or leave it out on loopback');
  const wsPort = intOption('ws-port', str('ws-port'), 8787);
  if (wsPort + profiles.length - 1 > 65_535) throw new UsageError(`--ws-port must leave room for ${profiles.length} port(s) up to 65535; got "${str('ws-port') ?? ''}"`);

  const host = await startCompanionHost({
    ...(str('port') !== undefined ? { robotPort: str('port') } : {}),
    ...(str('seed') !== undefined ? { seed: intOption('seed', str('seed'), 1) } : {}),
    ...(wiring !== undefined ? { wiring: wiring as WiringProfileName } : {}),
    ...(str('reset-delay-ms') !== undefined ? { resetDelayMs: intOption('reset-delay-ms', str('reset-delay-ms'), 2000) } : {}),
    ...(str('sampling-interval-ms') !== undefined ? { samplingIntervalMs: intOption('sampling-interval-ms', str('sampling-interval-ms'), 19) } : {}),
    clock,
    companions: profiles.map((profile, i) => ({
      host: str('host') ?? '127.0.0.1',
      port: wsPort === 0 ? 0 : wsPort + i,
      profile: profile as ProfileName,
      config,
      allowOrigins,
      ...(token ? { token } : {}),
    })),
  });

  const signal = untilSignal(io.stop);
  const stopMemory = answerMemoryRequests(() => host.clock.now());
  let stopRequested: (why: string) => void = () => {};
  const requested = new Promise<string>((resolve) => { stopRequested = resolve; });
  if (values.ipc) serveControl(host, stopRequested);

  const { companion } = host;
  // The parent that forked us gets the URLs with the token over IPC; stdout never carries it.
  announceReady({
    url: companion.url, pid: process.pid, target: host.info, seed: host.seed, profile: companion.profile, clock: host.clock.kind,
    companions: host.companions.map((c) => ({ profile: c.profile, url: c.url })),
  });
  const companions = host.companions.map((c) => ({ profile: c.profile, url: c.publicUrl }));
  const tokenRequired = companion.tokenRequired;
  const info = { url: companion.publicUrl, pid: process.pid, target: host.info, seed: host.seed, profile: companion.profile, companions, tokenRequired };
  if (values.json) io.out.write(`${JSON.stringify(info)}\n`);
  else {
    const what = host.info.kind === 'sim' ? `the simulated mBot (seed ${String(host.seed)})` : `the robot on ${host.info.port ?? 'its port'}`;
    const lines = companions.map((c) => (companions.length > 1 ? `${c.url}  (${c.profile})` : c.url));
    const tokenLine = tokenRequired ? 'clients must present the token (Authorization: Bearer <token> or ?token=<token>); it is not printed\n' : '';
    const originLine = companion.allowedOrigins.length > 0 ? `web pages allowed from: ${companion.allowedOrigins.join(', ')}\n` : 'web pages: none allowed (--allow-origin ORIGIN to allow one)\n';
    io.out.write(`mbot-hil companion (profile ${companions.map((c) => c.profile).join(', ')}) reading ${what}\n${lines.join('\n')}\n${tokenLine}${originLine}Ctrl-C to stop.\n`);
  }
  if (str('token') !== undefined) {
    // The threat model counts other users of the machine; they read every process's arguments (ps, /proc/<pid>/cmdline).
    io.err.write('warning: --token is on the command line, where every user of this machine can read it (ps); set HIL_COMPANION_TOKEN instead\n');
  }
  const why = await Promise.race([signal.promise, requested]);
  stopMemory();
  await host.close();
  signal.dispose();
  io.err.write(`companion stopped (${why})\n`);
  return 0;
}

/** The `companion` subcommand for `harness/cli/main.ts`'s COMMANDS. */
export const companionCommand: Command = {
  summary: COMMAND_SUMMARIES.companion,
  help: HELP,
  run: (argv, io) => runCompanionCommand(argv, io),
};
