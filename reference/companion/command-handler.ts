/**
 * What the companion does with an accepted client message: `ping` is
 * answered with `pong` (the payload echoed), `pong` is ignored, and a
 * `command` runs on the robot and is answered with an `ack` event: `ok`,
 * or `ok: false` with the error's stable code (HIL_PORT_DISCONNECTED while
 * the robot's port is lost: the command did NOT run). The pose tracker
 * follows the commanded wheels and the pen.
 *
 * Floods (docs/bench-safety.md, "A flood"):
 * - a client that goes over its inbound rate loses the wheel: when the
 *   robot runs on its drive it is stopped at once ({@link CommandHandler.revoke}),
 *   and its drives are refused (`HIL_PROTOCOL_RATE_LIMITED`) until it has
 *   gone {@link OVER_RATE_QUIET_MS} without a refused message;
 * - drive commands in a row within one frame arrive at one instant: only
 *   the last of them runs (the motors would hold each earlier one for no
 *   time at all), and each is acked with its outcome;
 * - stops in a row share one write while it is on its way out.
 */
import type { Clock } from '../../harness/clock/index.ts';
import { natives } from '../../harness/clock/natives.ts';
import { HilError, isHilError } from '../../harness/errors.ts';
import type { EpochMicros } from './clock-micros.ts';
import type { ErrorLog } from './error-log.ts';
import { OVER_RATE_QUIET_MS, type ClientSession } from './client-session.ts';
import { outgoing } from './envelope.ts';
import type { ClientMessage, RobotCommand } from './inbound.ts';
import type { PoseTracker, StrokeRecord } from './pose-tracker.ts';
import type { CompanionRobot } from './robot-link.ts';

/** Options of {@link CommandHandler}. */
export interface CommandHandlerOptions {
  robot: CompanionRobot;
  tracker: PoseTracker;
  clock: Clock;
  micros: EpochMicros;
  /** Busy-waits this long in every command (the degraded profile); 0 = never. */
  blockingHandlerMs: number;
  /** Publishes a stroke the pen just finished. */
  publishStroke(stroke: StrokeRecord | undefined): void;
  /** Where a robot failure that is not a harness error (a bug) is logged once. */
  log: ErrorLog;
}

function busyWait(ms: number): void {
  const end = natives.performanceNow() + ms;
  while (natives.performanceNow() < end) { /* the degraded profile's blocking handler */ }
}

type CommandMessage = Extract<ClientMessage, { type: 'command' }>;
type DriveMessage = CommandMessage & { command: Extract<RobotCommand, { command: 'drive' }> };

const isDrive = (m: ClientMessage | undefined): m is DriveMessage => m?.type === 'command' && m.command.command === 'drive';

/** See the module comment. */
export class CommandHandler {
  readonly #o: CommandHandlerOptions;
  /** The client whose drive the robot runs on (the last drive executed), null after a stop. */
  #wheel: ClientSession | null = null;
  /** A stop whose bytes are on their way out, while nothing else ran since: a second stop joins it. */
  #stopping: Promise<void> | null = null;

  constructor(options: CommandHandlerOptions) {
    this.#o = options;
  }

  /**
   * Handles the accepted messages of one frame from `session`, in order;
   * drives in a row run as one (see the module comment). Never throws for a
   * robot error (it becomes the acks' error).
   */
  handleFrame(session: ClientSession, messages: readonly ClientMessage[]): void {
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i] as ClientMessage;
      let last = i;
      if (isDrive(m)) while (isDrive(messages[last + 1])) last++;
      if (last === i) this.handle(session, m);
      else this.#drives(session, messages.slice(i, last + 1) as DriveMessage[]);
      i = last;
    }
  }

  /** Handles one accepted message from `session`. Never throws for a robot error (it becomes the ack's error). */
  handle(session: ClientSession, msg: ClientMessage): void {
    if (msg.type === 'pong') return;
    if (msg.type === 'ping') {
      session.enqueue(outgoing('pong', msg.payload, this.#o.micros.now(), { urgent: true }));
      return;
    }
    if (this.#o.blockingHandlerMs > 0) busyWait(this.#o.blockingHandlerMs);
    if (msg.command.command === 'drive' && session.overRate) {
      this.#ack(session, msg, this.#refusedDrive());
      return;
    }
    let done: void | Promise<void>;
    try {
      done = this.#execute(session, msg.command);
    } catch (err) {
      this.#ack(session, msg, err);
      return;
    }
    // A stop is acknowledged once its bytes are out ahead of any queued drive and drained, never before.
    if (done) void done.then(() => this.#ack(session, msg), (err: unknown) => this.#ack(session, msg, err));
    else this.#ack(session, msg);
  }

  /**
   * Takes the wheel from `session`, which went over its inbound rate or is
   * being closed for flooding: when the robot runs on a drive of this
   * client, the robot is stopped at once (as a `stop` command would, but
   * unanswered: the client asked nothing). True when it stopped the robot.
   * Never throws (a lost link cannot be stopped; it stops on reconnect).
   */
  revoke(session: ClientSession): boolean {
    if (this.#wheel !== session) return false;
    try {
      const done = this.#execute(session, { command: 'stop' });
      if (done) void done.catch(() => {});
    } catch (err) {
      if (!isHilError(err)) this.#o.log.report('stopping the robot for a flooding client', err);
      this.#wheel = null;
    }
    return true;
  }

  /** Drives in a row of one frame: the last one runs, every one is acked with its outcome. */
  #drives(session: ClientSession, drives: readonly DriveMessage[]): void {
    if (this.#o.blockingHandlerMs > 0) busyWait(this.#o.blockingHandlerMs * drives.length);
    let error: unknown;
    if (session.overRate) error = this.#refusedDrive();
    else {
      try {
        this.#execute(session, (drives[drives.length - 1] as DriveMessage).command);
      } catch (err) {
        error = err;
      }
    }
    for (const d of drives) this.#ack(session, d, error);
  }

  #refusedDrive(): HilError {
    return new HilError('HIL_PROTOCOL_RATE_LIMITED', `drive refused: this client went over its inbound rate, so its drive commands are refused until it has gone ${OVER_RATE_QUIET_MS} ms without a refused message (a stop always runs)`);
  }

  /** Answers `msg` with an `ack`: ok, or the error's code (a harness error is the robot's answer; anything else is our bug, logged once). */
  #ack(session: ClientSession, msg: CommandMessage, err?: unknown): void {
    const { command } = msg.command;
    let error: { code: string; message: string } | undefined;
    if (err !== undefined) {
      if (!isHilError(err)) this.#o.log.report(`command "${command}"`, err);
      error = { code: isHilError(err) ? err.code : 'HIL_PROTOCOL_INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err) };
    }
    const data = error ? { id: msg.id, command, ok: false, error } : { id: msg.id, command, ok: true };
    session.enqueue(outgoing('event', { event: 'ack', data }, this.#o.micros.now(), { urgent: true }));
  }

  /** Runs `command` on the robot and follows it in the pose tracker; stops in a row share one write. */
  #execute(session: ClientSession, command: RobotCommand): void | Promise<void> {
    const { robot, tracker, clock } = this.#o;
    if (command.command === 'stop' && this.#stopping) return this.#stopping;
    const done = robot.execute(command);
    const at = clock.monotonicMs();
    if (command.command === 'drive') {
      this.#wheel = session;
      tracker.setWheels(command.left, command.right, at);
    } else if (command.command === 'stop') {
      this.#wheel = null;
      tracker.setWheels(0, 0, at);
    } else if (command.command === 'pen') this.#o.publishStroke(tracker.setPen(command.down, at));
    if (command.command !== 'stop') {
      this.#stopping = null;
    } else if (done) {
      const stopping = done.finally(() => { if (this.#stopping === stopping) this.#stopping = null; });
      this.#stopping = stopping;
      return stopping;
    }
    return done;
  }
}
