/**
 * Noticing a dead link on a real port. A pulled USB adapter usually fails
 * the next read (serialport then closes the stream with a DisconnectedError),
 * but not always: a hung-up PTY, a hub that keeps the tty node, a board that
 * browned out all stay quiet, and a port nobody writes to never finds out.
 *
 * So while connected: when nothing has arrived for `silenceMs`, the watch
 * asks the board for its version (REPORT_VERSION, 0xF9; every Firmata board
 * answers with 3 bytes, and firmata-io ignores a repeated answer). Writing to
 * a dead tty fails at once (EIO), which serialport turns into a disconnect;
 * a live one answers; a link that takes the question and never answers is
 * declared dead after `answerMs`. With the defaults a dead link is reported
 * in under 1 s. Real time only (hardware targets run on the wall clock).
 *
 * Time this process did not run is not silence: when a check comes more
 * than three periods late (a loaded machine, a long synchronous task such
 * as a companion working through a flood of commands), whatever the board
 * sent meanwhile is still waiting to be read, so the watch moves its clocks
 * on by the stall and lets the data in before it judges. Without this a
 * busy host declared a live robot dead and stopped writing to it.
 */
import type { SerialPortStream } from '@serialport/stream';
import { reportVersionBytes } from '../mbot/firmata-bytes.ts';
import { natives } from '../clock/natives.ts';

/** Options of {@link watchLiveness}; ms of real time. */
export interface LivenessOptions {
  /** Quiet time before the watch asks. Default 250. */
  silenceMs?: number;
  /** Time the board has to answer. Default 500. */
  answerMs?: number;
  /** Check period. Default 50. */
  tickMs?: number;
  /** Called once when the link is judged dead, with the reason. */
  onDead(reason: string): void;
}

/** Starts watching `port`; returns the function that stops the watch. */
export function watchLiveness(port: SerialPortStream, opts: LivenessOptions): () => void {
  const silenceMs = opts.silenceMs ?? 250;
  const answerMs = opts.answerMs ?? 500;
  const now = (): number => natives.performanceNow();
  const tickMs = opts.tickMs ?? 50;
  let lastRxMs = now();
  let lastTickMs = lastRxMs;
  let probeAtMs: number | null = null;
  let dead = false;
  const die = (reason: string): void => {
    if (dead) return;
    dead = true;
    stop();
    opts.onDead(reason);
  };
  const onData = (): void => {
    lastRxMs = now();
    probeAtMs = null;
  };
  port.on('data', onData);
  const timer = natives.setInterval(() => {
    if (!port.isOpen) return stop();
    const t = now();
    const lateMs = t - lastTickMs - tickMs;
    lastTickMs = t;
    if (lateMs > 2 * tickMs) {
      lastRxMs += lateMs;
      if (probeAtMs !== null) probeAtMs += lateMs;
      return;
    }
    if (probeAtMs !== null) {
      if (t - probeAtMs > answerMs) die(`no answer to a version query for ${answerMs} ms after ${silenceMs} ms of silence`);
      return;
    }
    if (t - lastRxMs > silenceMs) {
      probeAtMs = t;
      port.write(Buffer.from(reportVersionBytes()), (err) => {
        if (err) die(`writing to the port failed: ${err.message}`);
      });
    }
  }, tickMs);
  timer.unref?.();
  function stop(): void {
    natives.clearInterval(timer);
    port.off('data', onData);
  }
  return stop;
}
