/**
 * `startCompanion`: the reference companion (telemetry bridge) as a library
 * call. A `ws` server that sends every client a `state` snapshot on
 * connect, then `sensors` and `pose` events at the telemetry rate (plus
 * `button` and `stroke` events as they happen), runs `command`s on the
 * robot (answered by `ack` events), answers `ping` with `pong`, and sends
 * `protocol_error` events for bad input. Envelope: see `envelope.ts`;
 * commands: `inbound.ts`; batching and backpressure: `client-session.ts`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { createWallClock, type Clock } from '../../harness/clock/index.ts';
import { natives } from '../../harness/clock/natives.ts';
import { HilError, isHilError } from '../../harness/errors.ts';
import { epochMicros } from './clock-micros.ts';
import { BatchDeadlines } from './batch-deadlines.ts';
import { ClientSession, type SessionStats } from './client-session.ts';
import { outgoing } from './envelope.ts';
import { parseInbound, type ClientMessage } from './inbound.ts';
import { PoseTracker, round2, type PoseTrackerOptions, type StrokeRecord } from './pose-tracker.ts';
import { PROFILES, type CompanionConfig, type ProfileName } from './profiles.ts';
import type { CompanionRobot } from './robot-link.ts';
import { TickScheduler } from './tick-scheduler.ts';

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
  /** A built-in profile (default `reference`). */
  profile?: ProfileName;
  /** Overrides on top of the profile. */
  config?: Partial<CompanionConfig>;
  /** Dead-reckoning calibration and stroke limits. */
  pose?: PoseTrackerOptions;
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
  /** Clients closed with 1008 (flood or slow consumer). */
  policyClosed: number;
  perClient: SessionStats[];
}

/** A running companion. */
export interface Companion {
  /** `ws://host:port/` (with `?token=` when a token is set): what a client or probe connects to. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly profile: ProfileName;
  readonly config: Readonly<CompanionConfig>;
  readonly clock: Clock;
  /** Counters, for reports and tests. */
  stats(): CompanionStats;
  /** Stops telemetry, closes every client (1001) and the server, stops the robot's motors. Idempotent. */
  close(): Promise<void>;
}

/** True for loopback hosts, the only ones allowed without a token. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const sha = (s: string): Buffer => createHash('sha256').update(s).digest();

function presentedToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  return new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? undefined;
}

function busyWait(ms: number): void {
  const end = natives.performanceNow() + ms;
  while (natives.performanceNow() < end) { /* the degraded profile's blocking handler */ }
}

/**
 * Starts the companion; resolves once it listens. Rejects with
 * HIL_CONFIG_INVALID for a non-loopback host without a token or a bad
 * profile, HIL_COMPANION_START_FAILED when the port cannot be bound.
 */
export async function startCompanion(options: CompanionOptions): Promise<Companion> {
  const host = options.host ?? '127.0.0.1';
  const profile = options.profile ?? 'reference';
  const preset = PROFILES[profile];
  if (!preset) throw new HilError('HIL_CONFIG_INVALID', `companion profile "${String(profile)}" does not exist; use ${Object.keys(PROFILES).join(', ')}`);
  if (!isLoopbackHost(host) && !options.token) {
    throw new HilError('HIL_CONFIG_INVALID', `the companion binds ${host}, which other machines can reach: give it a token (--token / options.token) or bind 127.0.0.1`);
  }
  const config: CompanionConfig = { ...preset, ...options.config, limits: { ...preset.limits, ...options.config?.limits } };
  if (!(config.telemetryHz > 0 && config.telemetryHz <= 1000)) throw new HilError('HIL_CONFIG_INVALID', `telemetryHz must be in (0, 1000]; got ${config.telemetryHz}`);
  const ownsClock = options.clock === undefined;
  const clock = options.clock ?? createWallClock();
  const micros = epochMicros(clock);
  const robot = options.robot;
  const tracker = new PoseTracker(options.pose);
  const sessions = new Set<ClientSession>();
  const closedTotals = { queued: 0, frames: 0, textBytes: 0, dropped: 0, rateLimited: 0, protocolErrors: 0 };
  const counts = { connectionsTotal: 0, tooLarge: 0, policyClosed: 0 };
  let nextId = 1;
  const expectedToken = options.token ? sha(options.token) : undefined;
  // Every client's batch window on one timer (see batch-deadlines.ts).
  const deadlines = config.batching ? new BatchDeadlines(clock, config.batching.maxDelayMs) : undefined;

  const broadcast = (message: ReturnType<typeof outgoing>): void => {
    for (const s of sessions) s.enqueue(message);
  };
  const publishStroke = (stroke: StrokeRecord | undefined): void => {
    if (stroke) broadcast(outgoing('event', { event: 'stroke', data: stroke }, micros.now()));
  };

  const flushOnTick = config.batching?.flushOnTick === true;
  const periodMs = 1000 / config.telemetryHz;
  const scheduler = new TickScheduler({
    clock,
    periodMs,
    // Node's timer granularity (see tick-scheduler.ts), and well inside a period at any rate.
    earlyMs: Math.min(1, periodMs / 4),
    onTick(dueMs, tick) {
      // The time the readings are taken, or the time they were due when the
      // tick runs late: a stall shows as latency, an early timer hides nothing.
      const readAtMs = Math.min(dueMs, clock.monotonicMs());
      publishStroke(tracker.advance(readAtMs));
      if (sessions.size === 0) return;
      const r = robot.read();
      const pose = tracker.pose;
      const at = micros.fromMonotonic(readAtMs);
      const sensors = outgoing('event', { event: 'sensors', data: { tick, distanceCm: r.distanceCm, light: r.light, line: r.line, button: r.button } }, at, { droppable: true });
      const poseMsg = outgoing('event', {
        event: 'pose',
        data: { tick, xCm: round2(pose.xCm), yCm: round2(pose.yCm), headingDeg: round2(pose.headingDeg), penDown: tracker.penDown },
      }, at, { droppable: true });
      // Both readings were serialized once above; each client gets them under
      // its own sequence numbers. With flushOnTick they are held until every
      // tick of this timer firing is queued (afterTicks): one frame per tick,
      // and a late timer's catch-up burst leaves in frames of up to
      // maxMessages instead of one frame per tick per client.
      if (flushOnTick) {
        const tickMessages = [sensors, poseMsg];
        for (const s of sessions) s.hold(tickMessages);
      } else {
        for (const s of sessions) {
          s.enqueue(sensors);
          s.enqueue(poseMsg);
        }
      }
    },
    afterTicks() {
      if (flushOnTick) for (const s of sessions) s.flush();
    },
  });

  const stateSnapshot = (clientId: number): unknown => ({
    robot: { target: robot.info, profile },
    client: { id: clientId },
    config: { telemetryHz: config.telemetryHz, batching: config.batching, compression: config.compression, maxPayloadBytes: config.maxPayloadBytes },
    sensors: robot.read(),
    pose: tracker.pose,
    penDown: tracker.penDown,
    wheels: tracker.wheels,
    strokes: tracker.strokes,
  });

  const handle = (session: ClientSession, msg: ClientMessage): void => {
    if (msg.type === 'pong') return;
    if (msg.type === 'ping') {
      session.enqueue(outgoing('pong', msg.payload, micros.now(), { urgent: true }));
      return;
    }
    if (config.blockingHandlerMs > 0) busyWait(config.blockingHandlerMs);
    const { command } = msg;
    const ack = (err?: unknown): void => {
      const error = err === undefined ? undefined : { code: isHilError(err) ? err.code : 'HIL_PROTOCOL_BAD_PAYLOAD', message: err instanceof Error ? err.message : String(err) };
      const data = error ? { id: msg.id, command: command.command, ok: false, error } : { id: msg.id, command: command.command, ok: true };
      session.enqueue(outgoing('event', { event: 'ack', data }, micros.now(), { urgent: true }));
    };
    let done: void | Promise<void>;
    try {
      done = robot.execute(command);
      const at = clock.monotonicMs();
      if (command.command === 'drive') tracker.setWheels(command.left, command.right, at);
      else if (command.command === 'stop') tracker.setWheels(0, 0, at);
      else if (command.command === 'pen') publishStroke(tracker.setPen(command.down, at));
    } catch (err) {
      ack(err);
      return;
    }
    // A stop is acknowledged once its bytes are out ahead of any queued drive and drained, never before.
    if (done) void done.then(() => ack(), (err: unknown) => ack(err));
    else ack();
  };

  const http = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('mbot-hil companion: connect with a WebSocket client\n');
  });
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
    server: http,
    maxPayload: config.maxPayloadBytes,
    perMessageDeflate: config.compression ? { threshold: 128, zlibDeflateOptions: { level: 1 }, concurrencyLimit: 10 } : false,
    verifyClient: expectedToken
      ? (info, cb) => {
          const got = presentedToken(info.req);
          if (got !== undefined && timingSafeEqual(sha(got), expectedToken)) cb(true);
          else cb(false, 401, 'HIL_PROTOCOL_UNAUTHORIZED: present the companion token as Authorization: Bearer <token> or ?token=');
        }
      : undefined,
  });

  // Errors of the listening socket after start-up (none expected) must not crash the process.
  wss.on('error', () => {});

  wss.on('connection', (ws: WebSocket) => {
    counts.connectionsTotal++;
    const session = new ClientSession({ id: nextId++, socket: ws, clock, micros, batching: config.batching, limits: config.limits, retainSent: config.retainSent, ...(deadlines ? { deadlines } : {}) });
    sessions.add(session);
    const forget = (): void => {
      if (!sessions.delete(session)) return;
      const st = session.stats();
      for (const k of Object.keys(closedTotals) as Array<keyof typeof closedTotals>) closedTotals[k] += st[k];
      session.dispose();
    };
    ws.on('close', forget);
    ws.on('error', (err: Error & { code?: string }) => {
      // ws has already answered (1009 for WS_ERR_UNSUPPORTED_MESSAGE_LENGTH, 1002 for bad framing) and closes.
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') counts.tooLarge++;
      forget();
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (session.closed) return;
      const verdict = session.admit();
      if (verdict === 'close') {
        counts.policyClosed++;
        session.close(1008, 'HIL_PROTOCOL_RATE_LIMITED: flood');
        return;
      }
      if (verdict === 'reject') return;
      const parsed = parseInbound(data, isBinary);
      if (!parsed.ok) {
        session.sendError(parsed.error);
        return;
      }
      for (const m of parsed.messages) handle(session, m);
    });
    session.enqueue(outgoing('state', stateSnapshot(session.id), micros.now(), { urgent: true }));
  });

  const offButton = robot.onButton((pressed) => {
    broadcast(outgoing('event', { event: 'button', data: { pressed } }, micros.now()));
  });
  scheduler.start();

  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `ws://${shownHost}:${port}/${options.token ? `?token=${encodeURIComponent(options.token)}` : ''}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    host,
    port,
    profile,
    config,
    clock,
    stats() {
      const perClient = [...sessions].map((s) => s.stats());
      const sum = (k: keyof typeof closedTotals): number => perClient.reduce((a, s) => a + s[k], closedTotals[k]);
      return {
        clients: sessions.size,
        connectionsTotal: counts.connectionsTotal,
        ticks: scheduler.ticks,
        ticksSkipped: scheduler.skipped,
        queued: sum('queued'),
        frames: sum('frames'),
        textBytes: sum('textBytes'),
        dropped: sum('dropped'),
        rateLimited: sum('rateLimited'),
        protocolErrors: sum('protocolErrors'),
        tooLarge: counts.tooLarge,
        policyClosed: counts.policyClosed,
        perClient,
      };
    },
    close() {
      closing ??= (async () => {
        scheduler.stop();
        deadlines?.stop();
        offButton();
        robot.safeStop();
        for (const s of sessions) s.close(1001, 'companion shutting down');
        sessions.clear();
        for (const ws of wss.clients) ws.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await new Promise<void>((resolve) => http.close(() => resolve()));
        if (ownsClock) clock.dispose();
      })();
      return closing;
    },
  };
}
