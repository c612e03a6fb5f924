/**
 * The telemetry: every tick of a fixed-rate {@link TickScheduler}, a
 * `sensors` and a `pose` event to every client, both stamped with the time
 * the reading was due (or taken, when earlier). While the robot's link is
 * lost nothing is read nor sent: a reading from a robot that is gone would
 * be a frozen value passed off as a live one.
 */
import type { Clock } from '../../harness/clock/index.ts';
import type { EpochMicros } from './clock-micros.ts';
import type { ClientSession } from './client-session.ts';
import { outgoing } from './envelope.ts';
import type { ErrorLog } from './error-log.ts';
import { round2, type PoseTracker, type StrokeRecord } from './pose-tracker.ts';
import type { CompanionRobot } from './robot-link.ts';
import { TickScheduler } from './tick-scheduler.ts';

/** Options of {@link createTickPublisher}. */
export interface TickPublisherOptions {
  clock: Clock;
  micros: EpochMicros;
  robot: CompanionRobot;
  tracker: PoseTracker;
  /** Ticks per second. */
  telemetryHz: number;
  /** Hold each tick's messages and flush them together after the tick (see `client-session.ts` `hold`). */
  flushOnTick: boolean;
  /** The clients now. */
  sessions(): Iterable<ClientSession> & { readonly size: number };
  publishStroke(stroke: StrokeRecord | undefined): void;
  log: ErrorLog;
}

/** Makes the (not yet started) scheduler that publishes telemetry. */
export function createTickPublisher(o: TickPublisherOptions): TickScheduler {
  const periodMs = 1000 / o.telemetryHz;
  const { clock, micros, robot, tracker } = o;
  return new TickScheduler({
    clock,
    periodMs,
    // Node's timer granularity (see tick-scheduler.ts), and well inside a period at any rate.
    earlyMs: Math.min(1, periodMs / 4),
    onTick(dueMs, tick) {
      try {
        // The time the readings are taken, or the time they were due when the
        // tick runs late: a stall shows as latency, an early timer hides nothing.
        const readAtMs = Math.min(dueMs, clock.monotonicMs());
        o.publishStroke(tracker.advance(readAtMs));
        const sessions = o.sessions();
        if (sessions.size === 0 || robot.link !== 'up') return;
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
        if (o.flushOnTick) {
          const tickMessages = [sensors, poseMsg];
          for (const s of sessions) s.hold(tickMessages);
        } else {
          for (const s of sessions) {
            s.enqueue(sensors);
            s.enqueue(poseMsg);
          }
        }
      } catch (err) {
        // A failing read must not stop the schedule (nor, from a timer, the process).
        o.log.report('telemetry tick', err);
      }
    },
    afterTicks() {
      if (o.flushOnTick) for (const s of o.sessions()) s.flush();
    },
  });
}
