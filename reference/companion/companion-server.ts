/**
 * `startCompanion`: the reference companion (telemetry bridge) as a library
 * call. A `ws` server that sends every client a `state` snapshot on
 * connect, then `sensors` and `pose` events at the telemetry rate (plus
 * `button`, `stroke` and `robot_link` events as they happen), runs
 * `command`s on the robot (answered by `ack` events), answers `ping` with
 * `pong`, and sends `protocol_error` events for bad input. This file puts
 * the collaborators together: `upgrade-gate.ts` (URL, Origin, connection
 * cap, token), `session-registry.ts` (clients and the inbound pipeline),
 * `command-handler.ts`, `tick-publisher.ts`; the wire format is in
 * `protocol.md`, the threat model in `docs/security.md`.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { createWallClock, type Clock } from '../../harness/clock/index.ts';
import { HilError } from '../../harness/errors.ts';
import { epochMicros } from './clock-micros.ts';
import { BatchDeadlines } from './batch-deadlines.ts';
import type { SessionStats } from './client-session.ts';
import { CommandHandler } from './command-handler.ts';
import { CompanionSocket } from './companion-socket.ts';
import { outgoing } from './envelope.ts';
import { createErrorLog, type ErrorLog } from './error-log.ts';
import { PoseTracker, type PoseTrackerOptions, type StrokeRecord } from './pose-tracker.ts';
import { PROFILES, type CompanionConfig, type ProfileName } from './profiles.ts';
import type { CompanionRobot, LinkChange } from './robot-link.ts';
import { SessionRegistry } from './session-registry.ts';
import { createTickPublisher } from './tick-publisher.ts';
import { refuseUpgrade, UpgradeGate } from './upgrade-gate.ts';

/** Options of {@link startCompanion}. */
export interface CompanionOptions {
  /** The robot to read and drive (`robotFromParts(robot)` for the fixture's robot). */
  robot: CompanionRobot;
  /** Timeline of telemetry, batching and stamps. Default: a new wall clock (disposed on close). */
  clock?: Clock;
  /** Interface to bind. Default `127.0.0.1`; any other needs `token`. */
  host?: string;
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Shared secret clients present as `Authorization: Bearer <token>` or `?token=`. Required off loopback. */
  token?: string;
  /**
   * Origins (`scheme://host[:port]`) whose web pages may connect. A browser
   * always sends `Origin`; an upgrade with any other origin gets 403, token
   * or not. Clients without `Origin` (not browsers) are not affected.
   */
  allowOrigins?: readonly string[];
  /** A built-in profile (default `reference`). */
  profile?: ProfileName;
  /** Overrides on top of the profile. */
  config?: Partial<CompanionConfig>;
  /** Dead-reckoning calibration and stroke limits. */
  pose?: PoseTrackerOptions;
  /** Where unexpected errors are logged, once each. Default: stderr. */
  log?: ErrorLog;
}

/** Totals over every client the companion has served. */
export interface CompanionStats {
  clients: number;
  connectionsTotal: number;
  ticks: number;
  ticksSkipped: number;
  queued: number;
  frames: number;
  textBytes: number;
  dropped: number;
  rateLimited: number;
  protocolErrors: number;
  /** Clients closed with 1009 for an oversized frame. */
  tooLarge: number;
  /** Clients closed with 1008 (flood, unfinished message). */
  policyClosed: number;
  /** Upgrades refused before they upgraded (bad URL, Origin, connection cap, token). */
  refused: number;
  perClient: SessionStats[];
}

/** A running companion. */
export interface Companion {
  /** `ws://host:port/` (with `?token=` when a token is set): what a client or probe connects to. Never print it: see `publicUrl`. */
  readonly url: string;
  /** `url` without the token: what may be shown to a person or written to a log. */
  readonly publicUrl: string;
  /** True when clients must present a token. */
  readonly tokenRequired: boolean;
  readonly host: string;
  readonly port: number;
  readonly profile: ProfileName;
  readonly config: Readonly<CompanionConfig>;
  readonly clock: Clock;
  /** Lets pages of `origin` connect from now on (e.g. a dashboard started after the companion); throws HIL_CONFIG_INVALID for a non-origin. */
  allowOrigin(origin: string): void;
  /** The origins allowed now, normalized. */
  readonly allowedOrigins: readonly string[];
  /** Counters, for reports and tests. */
  stats(): CompanionStats;
  /** Stops telemetry, closes every client (1001) and the server, stops the robot's motors. Idempotent. */
  close(): Promise<void>;
}

/** True for loopback hosts, the only ones allowed without a token. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function resolveConfig(profile: ProfileName, overrides: Partial<CompanionConfig> | undefined): CompanionConfig {
  const preset = PROFILES[profile];
  if (!preset) throw new HilError('HIL_CONFIG_INVALID', `companion profile "${String(profile)}" does not exist; use ${Object.keys(PROFILES).join(', ')}`);
  const config: CompanionConfig = { ...preset, ...overrides, limits: { ...preset.limits, ...overrides?.limits } };
  if (!(config.telemetryHz > 0 && config.telemetryHz <= 1000)) throw new HilError('HIL_CONFIG_INVALID', `telemetryHz must be in (0, 1000]; got ${config.telemetryHz}`);
  if (!(Number.isSafeInteger(config.maxConnections) && config.maxConnections >= 1)) throw new HilError('HIL_CONFIG_INVALID', `maxConnections must be a whole number of clients, at least 1; got ${config.maxConnections}`);
  if (!(config.unfinishedMessageTimeoutMs > 0)) throw new HilError('HIL_CONFIG_INVALID', `unfinishedMessageTimeoutMs must be above 0; got ${config.unfinishedMessageTimeoutMs}`);
  return config;
}

/**
 * Starts the companion; resolves once it listens. Rejects with
 * HIL_CONFIG_INVALID for a non-loopback host without a token, a bad
 * profile, limit or allowed origin, HIL_COMPANION_START_FAILED when the
 * port cannot be bound.
 */
export async function startCompanion(options: CompanionOptions): Promise<Companion> {
  const host = options.host ?? '127.0.0.1';
  const profile = options.profile ?? 'reference';
  const config = resolveConfig(profile, options.config);
  if (!isLoopbackHost(host) && !options.token) {
    throw new HilError('HIL_CONFIG_INVALID', `the companion binds ${host}, which other machines can reach: give it a token (--token / options.token) or bind 127.0.0.1`);
  }
  const log = options.log ?? createErrorLog({ name: 'mbot-hil companion' });
  let sessions: SessionRegistry | undefined;
  const gate = new UpgradeGate({
    ...(options.token ? { token: options.token } : {}),
    allowOrigins: options.allowOrigins ?? [],
    maxConnections: config.maxConnections,
    connections: () => sessions?.size ?? 0,
  });
  const ownsClock = options.clock === undefined;
  const clock = options.clock ?? createWallClock();
  const micros = epochMicros(clock);
  const robot = options.robot;
  const tracker = new PoseTracker(options.pose);
  // Every client's batch window on one timer (see batch-deadlines.ts).
  const deadlines = config.batching ? new BatchDeadlines(clock, config.batching.maxDelayMs) : undefined;
  const publishStroke = (stroke: StrokeRecord | undefined): void => {
    if (stroke) sessions?.broadcast(outgoing('event', { event: 'stroke', data: stroke }, micros.now()));
  };
  // A failing read must not cost a client its connection: the snapshot then says null.
  const readOrNull = (): ReturnType<CompanionRobot['read']> | null => {
    try {
      return robot.read();
    } catch (err) {
      log.report('state snapshot', err);
      return null;
    }
  };
  const commands = new CommandHandler({ robot, tracker, clock, micros, blockingHandlerMs: config.blockingHandlerMs, publishStroke, log });
  const registry = new SessionRegistry({
    clock, micros, config, log, ...(deadlines ? { deadlines } : {}),
    dispatch: (session, messages) => commands.handleFrame(session, messages),
    // A client that floods loses the wheel: the robot stops if it runs on this client's drive.
    overRate: (session) => { commands.revoke(session); },
    stateFor: (session) => outgoing('state', {
      robot: { target: robot.info, profile, link: robot.link },
      client: { id: session.id },
      config: { telemetryHz: config.telemetryHz, batching: config.batching, compression: config.compression, maxPayloadBytes: config.maxPayloadBytes },
      sensors: robot.link === 'up' ? readOrNull() : null,
      pose: tracker.pose,
      penDown: tracker.penDown,
      wheels: tracker.wheels,
      strokes: tracker.strokes,
    }, micros.now(), { urgent: true }),
  });
  sessions = registry;
  const scheduler = createTickPublisher({
    clock, micros, robot, tracker, telemetryHz: config.telemetryHz, flushOnTick: config.batching?.flushOnTick === true,
    sessions: () => registry, publishStroke, log,
  });

  const http = createServer({ connectionsCheckingInterval: 1000, headersTimeout: 5000, requestTimeout: 10_000 }, (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('mbot-hil companion: connect with a WebSocket client\n');
  });
  // A TCP-level ceiling above the WebSocket cap, so refusals can still be answered with their code.
  http.maxConnections = config.maxConnections + 64;
  const port = await new Promise<number>((resolve, reject) => {
    const onError = (err: Error): void => {
      if (ownsClock) clock.dispose();
      reject(new HilError('HIL_COMPANION_START_FAILED', `cannot listen on ${host}:${options.port ?? 0} (${err.message}); pick another --ws-port or stop what holds it`, { cause: err }));
    };
    http.once('error', onError);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', onError);
      resolve((http.address() as AddressInfo).port);
    });
  });
  const wss = new WebSocketServer({
    noServer: true,
    WebSocket: CompanionSocket,
    maxPayload: config.maxPayloadBytes,
    perMessageDeflate: config.compression ? { threshold: 128, zlibDeflateOptions: { level: 1 }, concurrencyLimit: 10 } : false,
  });
  let refused = 0;
  // Every upgrade passes the gate before ws parses anything of it (see upgrade-gate.ts).
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    try {
      const refusal = gate.check(req);
      if (refusal) {
        refused++;
        refuseUpgrade(socket, refusal);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        try {
          registry.add(ws);
        } catch (err) {
          log.report('new connection', err);
          ws.close(1011, 'HIL_PROTOCOL_INTERNAL_ERROR: the companion failed to set up this connection');
        }
      });
    } catch (err) {
      log.report('upgrade', err);
      refuseUpgrade(socket, { status: 500, code: 'HIL_PROTOCOL_INTERNAL_ERROR', message: 'the companion failed while handling this upgrade (logged on its stderr)' });
    }
  });
  // Errors of the listening socket after start-up (none expected) must not crash the process.
  wss.on('error', (err) => log.report('WebSocket server', err));
  http.on('error', (err) => log.report('HTTP server', err));

  const offButton = robot.onButton((pressed) => {
    try {
      registry.broadcast(outgoing('event', { event: 'button', data: { pressed } }, micros.now()));
    } catch (err) {
      log.report('button event', err);
    }
  });
  const offLink = robot.onLink((change: LinkChange) => {
    try {
      const at = clock.monotonicMs();
      // Lost: the robot may keep its last command, but the estimate cannot follow it.
      // Back: the state after a reconnect is unknown, so the motors are stopped.
      if (change.state === 'up') robot.safeStop();
      tracker.setWheels(0, 0, at);
      const data = change.state === 'up' ? { ...change, message: `${change.message}; motors stopped, telemetry resumes`, target: robot.info } : change;
      registry.broadcast(outgoing('event', { event: 'robot_link', data }, micros.now(), { urgent: true }));
    } catch (err) {
      log.report('robot link change', err);
    }
  });
  scheduler.start();

  const shownHost = host.includes(':') ? `[${host}]` : host;
  const publicUrl = `ws://${shownHost}:${port}/`;
  const url = `${publicUrl}${options.token ? `?token=${encodeURIComponent(options.token)}` : ''}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    publicUrl,
    tokenRequired: options.token !== undefined && options.token !== '',
    host,
    port,
    profile,
    config,
    clock,
    allowOrigin: (origin) => gate.allowOrigin(origin),
    get allowedOrigins() { return gate.allowedOrigins; },
    stats() {
      return {
        clients: registry.size,
        connectionsTotal: registry.connectionsTotal,
        ticks: scheduler.ticks,
        ticksSkipped: scheduler.skipped,
        queued: registry.total('queued'),
        frames: registry.total('frames'),
        textBytes: registry.total('textBytes'),
        dropped: registry.total('dropped'),
        rateLimited: registry.total('rateLimited'),
        protocolErrors: registry.total('protocolErrors'),
        tooLarge: registry.tooLarge,
        policyClosed: registry.policyClosed,
        refused,
        perClient: registry.perClient(),
      };
    },
    close() {
      closing ??= (async () => {
        scheduler.stop();
        deadlines?.stop();
        offButton();
        offLink();
        robot.safeStop();
        registry.closeAll();
        for (const ws of wss.clients) ws.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
        if (ownsClock) clock.dispose();
      })();
      return closing;
    },
  };
}
