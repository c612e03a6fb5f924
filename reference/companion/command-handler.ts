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
import { isHilError } from '../../harness/errors.ts';
import type { EpochMicros } from './clock-micros.ts';
import type { ErrorLog } from './error-log.ts';
import type { ClientSession } from './client-session.ts';
import { outgoing } from './envelope.ts';
import type { ClientMessage } from './inbound.ts';
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

  constructor(options: CommandHandlerOptions) {
    this.#o = options;
  }

  /** Handles one accepted message from `session`. Never throws for a robot error (it becomes the ack's error). */
  handle(session: ClientSession, msg: ClientMessage): void {
    const { robot, tracker, clock, micros } = this.#o;
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
    let done: void | Promise<void>;
    try {
      done = robot.execute(command);
      const at = clock.monotonicMs();
      if (command.command === 'drive') tracker.setWheels(command.left, command.right, at);
      else if (command.command === 'stop') tracker.setWheels(0, 0, at);
      else if (command.command === 'pen') this.#o.publishStroke(tracker.setPen(command.down, at));
    } catch (err) {
      ack(err);
      return;
    }
    // A stop is acknowledged once its bytes are out ahead of any queued drive and drained, never before.
    if (done) void done.then(() => ack(), (err: unknown) => ack(err));
    else ack();
  }
}
