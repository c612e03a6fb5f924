/**
 * The send queue of one client against a fake socket whose backlog the
 * test controls: batching (N messages or T ms), telemetry ticks and batch
 * windows shared between clients, the wire bytes, backpressure, the bound
 * on what a slow client costs, and the inbound rate limit.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createVirtualClock, type VirtualClock } from '../../harness/clock/index.ts';
import { epochMicros } from './clock-micros.ts';
import { BatchDeadlines } from './batch-deadlines.ts';
import { ClientSession, type BatchingOptions, type SessionLimits, type SessionSocket } from './client-session.ts';
import { outgoing, type Envelope } from './envelope.ts';

class FakeSocket implements SessionSocket {
  readyState = 1;
  bufferedAmount = 0;
  frames: string[] = [];
  pending: Array<(err?: Error) => void> = [];
  closedWith: [number | undefined, string | undefined] | null = null;
  textFrames = true;
  send(data: Buffer, options: { binary: boolean }, cb: (err?: Error) => void): void {
    this.frames.push(data.toString('utf8'));
    this.textFrames &&= options.binary === false;
    this.pending.push(cb);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
    this.readyState = 3;
  }
  /** The kernel took everything: completion callbacks run. */
  drain(): void {
    this.bufferedAmount = 0;
    for (const cb of this.pending.splice(0)) cb();
  }
  /** Every message in order, batches unwrapped. */
  messages(): Envelope[] {
    return this.frames.flatMap((f) => {
      const env = JSON.parse(f) as Envelope;
      return env.type === 'batch' ? (env.payload as { messages: Envelope[] }).messages : [env];
    });
  }
}

const LIMITS: SessionLimits = { maxQueuedMessages: 5, highWaterBytes: 1000, inboundPerSecond: 10, inboundBurst: 3, floodCloseAfter: 4, floodCloseAfterMs: 60_000 };
let clock: VirtualClock;
let socket: FakeSocket;

function session(batching: BatchingOptions | null, limits: Partial<SessionLimits> = {}, retainSent = false): ClientSession {
  return new ClientSession({ id: 1, socket, clock, micros: epochMicros(clock), batching, limits: { ...LIMITS, ...limits }, retainSent });
}
const telemetry = (n: number) => outgoing('event', { event: 'sensors', data: { n } }, clock.now() * 1000, { droppable: true });
const reply = (n: number) => outgoing('event', { event: 'ack', data: { id: n } }, clock.now() * 1000, { urgent: true });

beforeEach(() => {
  clock = createVirtualClock();
  socket = new FakeSocket();
});
afterEach(() => clock.dispose());

describe('batching', () => {
  test('without batching every message is its own frame, numbered 1, 2, 3', () => {
    const s = session(null);
    for (let i = 0; i < 3; i++) s.enqueue(telemetry(i));
    expect(socket.frames).toHaveLength(3);
    expect(socket.messages().map((m) => m.sequence)).toEqual([1, 2, 3]);
  });

  test('a batch leaves after maxDelayMs, or at once when maxMessages are pending', async () => {
    const s = session({ maxMessages: 4, maxDelayMs: 16 });
    s.enqueue(telemetry(1));
    s.enqueue(telemetry(2));
    await clock.advance(15);
    expect(socket.frames).toHaveLength(0);
    await clock.advance(1);
    expect(socket.frames).toHaveLength(1);
    for (let i = 3; i <= 6; i++) s.enqueue(telemetry(i));
    expect(socket.frames).toHaveLength(2);
    expect(JSON.parse(socket.frames[1] as string)).toMatchObject({ version: 2, type: 'batch' });
    expect(socket.messages().map((m) => m.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('an urgent reply goes out at once, with what was pending before it', () => {
    const s = session({ maxMessages: 10, maxDelayMs: 16 });
    s.enqueue(telemetry(1));
    s.enqueue(reply(2));
    expect(socket.frames).toHaveLength(1);
    expect(socket.messages().map((m) => m.sequence)).toEqual([1, 2]);
  });
});

describe('telemetry ticks and shared batch windows', () => {
  test('held ticks leave on flush: one frame per tick, a catch-up burst in frames of up to maxMessages, no timer', async () => {
    const s = session({ maxMessages: 4, maxDelayMs: 16 }, { maxQueuedMessages: 100 });
    s.hold([telemetry(1), telemetry(2)]);
    expect(socket.frames).toHaveLength(0);
    s.flush();
    expect(socket.frames).toHaveLength(1);
    // Three ticks of a late timer, queued together, then flushed once.
    for (let t = 0; t < 3; t++) s.hold([telemetry(10 + t), telemetry(20 + t)]);
    s.flush();
    expect(socket.frames.slice(1).map((f) => (JSON.parse(f) as Envelope<{ messages: Envelope[] }>).payload.messages.length)).toEqual([4, 2]);
    await clock.advance(100);
    expect(socket.frames).toHaveLength(3);
    expect(socket.messages().map((m) => m.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('clients sharing one BatchDeadlines each wait out their own window; a stale window ends nothing', async () => {
    const deadlines = new BatchDeadlines(clock, 16);
    const other = new FakeSocket();
    const batching = { maxMessages: 10, maxDelayMs: 16 };
    const a = new ClientSession({ id: 1, socket, clock, micros: epochMicros(clock), batching, limits: LIMITS, deadlines });
    const b = new ClientSession({ id: 2, socket: other, clock, micros: epochMicros(clock), batching, limits: LIMITS, deadlines });
    a.enqueue(telemetry(1));
    b.enqueue(telemetry(1));
    await clock.advance(10);
    a.enqueue(reply(2)); // a's batch leaves early with the reply
    await clock.advance(2);
    a.enqueue(telemetry(3)); // a new window for a: due at 28
    await clock.advance(4);
    expect([socket.frames.length, other.frames.length]).toEqual([1, 1]);
    await clock.advance(11);
    expect(socket.frames).toHaveLength(1);
    await clock.advance(1);
    expect(socket.messages().map((m) => m.sequence)).toEqual([1, 2, 3]);
    deadlines.stop();
  });

  test('frames are UTF-8 JSON text frames, shared bodies copied byte for byte', () => {
    const s = session(null);
    s.enqueue(outgoing('event', { event: 'sensors', data: { note: 'héllo ✓' } }, 1_767_225_600_123_456, { droppable: true }));
    expect(socket.textFrames).toBe(true);
    expect(JSON.parse(socket.frames[0] as string)).toEqual({
      version: 2, sequence: 1, type: 'event', payload: { event: 'sensors', data: { note: 'héllo ✓' } },
      timestamp: 1_767_225_600_123, timestampMicros: 1_767_225_600_123_456,
    });
  });
});

describe('backpressure and the bound on a slow client', () => {
  test('nothing is written while the socket holds highWaterBytes; a completed write resumes in order', () => {
    const s = session(null, { maxQueuedMessages: 100 });
    s.enqueue(telemetry(1));
    socket.bufferedAmount = 1000;
    for (let i = 2; i <= 4; i++) s.enqueue(telemetry(i));
    expect(socket.frames).toHaveLength(1);
    expect(s.stats().waiting).toBe(3);
    socket.drain();
    expect(socket.messages().map((m) => m.sequence)).toEqual([1, 2, 3, 4]);
    expect(s.stats()).toMatchObject({ waiting: 0, dropped: 0 });
  });

  test('past maxQueuedMessages the oldest telemetry is dropped (a sequence gap) and the client told once', async () => {
    const s = session(null);
    socket.bufferedAmount = 5000;
    s.enqueue(telemetry(0));
    for (let i = 1; i <= 20; i++) s.enqueue(telemetry(i));
    expect(s.stats().waiting).toBeLessThanOrEqual(LIMITS.maxQueuedMessages + 1);
    expect(s.stats().dropped).toBeGreaterThan(0);
    await clock.advance(5000);
    for (let i = 21; i <= 40; i++) s.enqueue(telemetry(i));
    // One notice waits unsent; no second one piles up behind it.
    expect(s.stats().waiting).toBeLessThanOrEqual(LIMITS.maxQueuedMessages + 1);
    socket.drain();
    await clock.advance(50);
    const got = socket.messages();
    const notices = got.filter((m) => (m.payload as { event: string }).event === 'protocol_error');
    expect(notices).toHaveLength(1);
    expect((notices[0]?.payload as { data: { code: string } }).data.code).toBe('HIL_PROTOCOL_SLOW_CONSUMER');
    const seqs = got.map((m) => m.sequence as number);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(seqs.at(-1)).toBe(s.sequence);
  });

  test('a queue full of replies (nothing droppable) closes the client with 1008', () => {
    const s = session(null);
    socket.bufferedAmount = 5000;
    for (let i = 0; i < 10; i++) s.enqueue(reply(i));
    expect(socket.closedWith?.[0]).toBe(1008);
    expect(s.closed).toBe(true);
  });

  test('the degraded settings (unbounded, replay log) drop nothing and keep everything', () => {
    const s = session(null, { maxQueuedMessages: Number.POSITIVE_INFINITY }, true);
    socket.bufferedAmount = 5000;
    for (let i = 0; i < 500; i++) s.enqueue(telemetry(i));
    expect(s.stats()).toMatchObject({ waiting: 500, dropped: 0 });
  });
});

describe('inbound rate limit', () => {
  test('a burst is accepted, then messages are rejected (one notice), then the flood closes', async () => {
    const s = session(null);
    expect([s.admit(), s.admit(), s.admit()]).toEqual(['accept', 'accept', 'accept']);
    expect(s.admit()).toBe('reject');
    expect(socket.messages().map((m) => (m.payload as { data: { code: string } }).data.code)).toEqual(['HIL_PROTOCOL_RATE_LIMITED']);
    expect([s.admit(), s.admit()]).toEqual(['reject', 'reject']);
    expect(s.admit()).toBe('close');
    await clock.advance(1000);
    expect(s.admit()).toBe('accept');
  });

  test('a batch counts as its messages: one larger than the tokens left is refused whole', async () => {
    const s = session(null, { inboundBurst: 10, floodCloseAfter: 1000 });
    expect(s.canAdmit()).toBe(true);
    expect(s.admit(8)).toBe('accept');
    expect(s.admit(3)).toBe('reject');
    expect(s.stats().rateLimited).toBe(3);
    expect(s.admit(2)).toBe('accept');
    expect(s.canAdmit()).toBe(false);
    // 10 per second: 100 ms buys one message.
    await clock.advance(100);
    expect(s.canAdmit()).toBe(true);
  });

  test('a client that stays over the rate is closed after floodCloseAfterMs, even though some messages get through', async () => {
    const s = session(null, { inboundPerSecond: 10, inboundBurst: 1, floodCloseAfter: 1000, floodCloseAfterMs: 3000 });
    // 5x the rate: every 20 ms a message; one in five finds a token.
    const verdicts: string[] = [];
    for (let t = 0; t < 4000 && !verdicts.includes('close'); t += 20) {
      verdicts.push(s.admit());
      await clock.advance(20);
    }
    expect(verdicts).toContain('accept');
    const closedAtMs = verdicts.indexOf('close') * 20;
    expect(closedAtMs).toBeGreaterThanOrEqual(3000);
    expect(closedAtMs).toBeLessThan(3200);
  });

  test('a whole second without a rejection ends the spell over the rate', async () => {
    const s = session(null, { inboundPerSecond: 10, inboundBurst: 1, floodCloseAfter: 1000, floodCloseAfterMs: 3000 });
    for (let spell = 0; spell < 3; spell++) {
      // 2.5 s over the rate, then 1.1 s quiet: never 3 s in one spell.
      for (let t = 0; t < 2500; t += 20) {
        expect(s.admit()).not.toBe('close');
        await clock.advance(20);
      }
      await clock.advance(1100);
    }
  });
});
