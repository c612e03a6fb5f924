/**
 * Named companion configurations. `reference` is what runs by default;
 * `baseline` and `optimized` are the two sides of the A/B spec; `degraded`
 * is a companion built the way the contract's remediation text warns
 * against, so the specs can prove the harness fails it (`leaky`: its memory
 * faults alone, for the memory soak).
 */
import type { BatchingOptions, SessionLimits } from './client-session.ts';

/** Batching as the companion applies it. */
export interface CompanionBatching extends BatchingOptions {
  /**
   * Flush each client's batch as soon as a telemetry tick has queued all of
   * its messages, instead of waiting out `maxDelayMs`: the messages of one
   * tick share a frame and the window bounds only messages that trickle in
   * between ticks. A batch still never exceeds `maxMessages` nor waits more
   * than `maxDelayMs`.
   */
  flushOnTick: boolean;
}

/** Everything a profile fixes. */
export interface CompanionConfig {
  /** Telemetry rate, Hz (each tick sends a `sensors` and a `pose` event to every client). */
  telemetryHz: number;
  /** Batching, or null to send each message in its own frame. */
  batching: CompanionBatching | null;
  /** permessage-deflate offered to clients (they may decline). */
  compression: boolean;
  /** Send queue, backpressure and inbound rate limits per client. */
  limits: SessionLimits;
  /** Largest inbound frame, bytes; larger closes the client with 1009. */
  maxPayloadBytes: number;
  /** Most clients at once; an upgrade past it is refused with 503 HIL_PROTOCOL_TOO_MANY_CONNECTIONS. */
  maxConnections: number;
  /** Ms a client may hold a message it began (a fragment, a frame still arriving) without completing any; then closed with 1008. */
  unfinishedMessageTimeoutMs: number;
  /** Busy-waits this long (real ms, blocking the event loop) in every command handler. 0 except in `degraded`. */
  blockingHandlerMs: number;
  /** Keep every message ever sent per client (a replay log never trimmed). False except in `degraded`. */
  retainSent: boolean;
}

/** Names of the built-in profiles. */
export type ProfileName = 'reference' | 'baseline' | 'optimized' | 'degraded' | 'leaky';

/**
 * Default limits: a slow client holds at most 1000 messages in the queue and
 * 256 KiB in its socket (about 9 s of 50 Hz telemetry); 200 msg/s inbound,
 * burst 400 (a batch counts as its messages); 1000 rejected in a row, or
 * 3 s over the rate, close the client.
 */
export const DEFAULT_LIMITS: Readonly<SessionLimits> = Object.freeze({
  maxQueuedMessages: 1000,
  highWaterBytes: 256 * 1024,
  inboundPerSecond: 200,
  inboundBurst: 400,
  floodCloseAfter: 1000,
  floodCloseAfterMs: 3000,
});

/** mBot RuVector's optimizer: up to 10 messages or 16 ms. */
export const RUVECTOR_BATCHING: Readonly<CompanionBatching> = Object.freeze({ maxMessages: 10, maxDelayMs: 16, flushOnTick: true });

const base: CompanionConfig = {
  telemetryHz: 50,
  batching: { ...RUVECTOR_BATCHING },
  compression: false,
  limits: { ...DEFAULT_LIMITS },
  maxPayloadBytes: 64 * 1024,
  // The companion benchmark runs 1000 clients; a cap holds memory to about
  // 1024 x (64 KiB unfinished message + 256 KiB unsent) at worst.
  maxConnections: 1024,
  unfinishedMessageTimeoutMs: 5000,
  blockingHandlerMs: 0,
  retainSent: false,
};

const degraded: CompanionConfig = {
  ...base,
  batching: { maxMessages: 1000, maxDelayMs: 100, flushOnTick: false },
  limits: { ...DEFAULT_LIMITS, maxQueuedMessages: Number.POSITIVE_INFINITY },
  blockingHandlerMs: 60,
  retainSent: true,
};

/**
 * The built-in profiles:
 * - `reference`: 50 Hz, RuVector batching (10 messages / 16 ms, flushed at
 *   the end of each tick), no compression (loopback), bounded queues.
 * - `baseline`: as reference without batching (one frame per message).
 * - `optimized`: as reference with permessage-deflate (A/B's "batching + compression").
 * - `degraded`: a 100 ms batch window that always waits it out (up to 1000
 *   messages), a command handler that blocks the event loop 60 ms, an
 *   unbounded send queue, and a per-client replay log that keeps every
 *   message sent, as text and decoded, forever (about 0.55 KB per message
 *   per client). Latency p99 lands near 100 ms, and at 50 Hz the heap grows
 *   by about 55 KB/s per connected client until the process runs out.
 * - `leaky`: `degraded` without its blocking handler: the same unbounded
 *   send queue, replay log and batch window, so the same leak, and no
 *   event-loop stall. The memory soak's self-check runs it: on a virtual clock
 *   a handler that blocks 60 ms of REAL time moves no virtual time and no
 *   memory (the heap and its growth come out the same to 0.2 %), and only
 *   burns 5 s of CPU over a 7-minute soak's commands.
 */
export const PROFILES: Readonly<Record<ProfileName, Readonly<CompanionConfig>>> = Object.freeze({
  reference: base,
  baseline: { ...base, batching: null },
  optimized: { ...base, compression: true },
  degraded,
  leaky: { ...degraded, blockingHandlerMs: 0 },
});

/** True when `name` is a built-in profile. */
export function isProfileName(name: unknown): name is ProfileName {
  return typeof name === 'string' && Object.hasOwn(PROFILES, name);
}
