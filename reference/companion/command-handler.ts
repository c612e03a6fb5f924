/**
 * What the companion does with an accepted client message: `ping` is
 * answered with `pong` (the payload echoed), `pong` is ignored, and a
 * `command` runs on the robot and is answered with an `ack` event: `ok`,
 * or `ok: false` with the error's stable code (HIL_PORT_DISCONNECTED while
 * the robot's port is lost: the command did NOT run). The pose tracker
 * follows the commanded wheels and the pen.
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

  /** Handles one accepted message from `session`. Never throws for a robot error (it becomes the ack's error). */
  handle(session: ClientSession, msg: ClientMessage): void {
    const { micros } = this.#o;
    if (msg.type === 'pong') return;
    if (msg.type === 'ping') {
      session.enqueue(outgoing('pong', msg.payload, micros.now(), { urgent: true }));
      return;
    }
    if (this.#o.blockingHandlerMs > 0) busyWait(this.#o.blockingHandlerMs);
    const { command } = msg;
    const ack = (err?: unknown): void => {
      let error: { code: string; message: string } | undefined;
      if (err !== undefined) {
        // A harness error is the robot's answer (a lost port); anything else is our bug.
        if (!isHilError(err)) this.#o.log.report(`command "${command.command}"`, err);
        error = { code: isHilError(err) ? err.code : 'HIL_PROTOCOL_INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err) };
      }
      const data = error ? { id: msg.id, command: command.command, ok: false, error } : { id: msg.id, command: command.command, ok: true };
      session.enqueue(outgoing('event', { event: 'ack', data }, micros.now(), { urgent: true }));
    };
    // A client over its rate has lost the wheel (see revoke): its drives are refused until it is back under it.
    if (command.command === 'drive' && session.overRate) {
      ack(new HilError('HIL_PROTOCOL_RATE_LIMITED', `drive refused: this client went over its inbound rate, so its drive commands are refused until it has gone ${OVER_RATE_QUIET_MS} ms without a refused message (a stop always runs)`));
      return;
    }
    let done: void | Promise<void>;
    try {
      done = this.#execute(session, command);
    } catch (err) {
      ack(err);
      return;
    }
    // A stop is acknowledged once its bytes are out ahead of any queued drive and drained, never before.
    if (done) void done.then(() => ack(), (err: unknown) => ack(err));
    else ack();
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
