/**
 * Writes one recording session (`recording-format.ts`) to disk as it
 * happens, in bounded memory.
 *
 * Lines collect in a small buffer; every {@link DEFAULT_FLUSH_INTERVAL_MS}
 * of real time, or as soon as {@link DEFAULT_FLUSH_AT_CHARS} characters
 * wait, the buffer is compressed into one complete gzip member and appended
 * to the file with a synchronous write. Why members rather than one gzip
 * stream:
 * - a crash loses at most the last interval (every member on disk is whole
 *   and readable; a stream cut mid-way would leave a tail no tool reads);
 * - the last flush can run inside a process `exit` handler, where nothing
 *   asynchronous runs any more (the exit guard's stop runs there too);
 * - appending sessions to one file needs no rewriting: concatenated gzip
 *   members are one valid gzip file (RFC 1952 §2.2), `zcat` reads them all.
 * Serial traffic is at most ~11.5 KB/s at 115200 baud, so a flush is a few
 * KB and takes well under a millisecond.
 *
 * Memory: at most `flushAtChars` (+ one line) is held. If the disk refuses a
 * write, the buffer is kept for the next try up to {@link MAX_RETAINED_CHARS};
 * past that, events are dropped and counted, and a `gap` event records how
 * many once writing works again. The first failure is kept in `failure` and
 * thrown (HIL_RECORDING_WRITE_FAILED) by `close()`.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { HilError } from '../errors.ts';
import { natives } from '../clock/natives.ts';
import {
  encodeEvent,
  encodeHeader,
  RECORDING_FORMAT,
  RECORDING_VERSION,
  type RecordingEvent,
  type RecordingHeader,
  type RecordingHeaderInput,
} from './recording-format.ts';

/** Real ms between flushes to disk. */
export const DEFAULT_FLUSH_INTERVAL_MS = 500;

/** Characters of lines that trigger a flush at once. */
export const DEFAULT_FLUSH_AT_CHARS = 64 * 1024;

/** Characters kept while the disk refuses writes; beyond it events are dropped (and counted). */
export const MAX_RETAINED_CHARS = 1024 * 1024;

/** An event as a caller hands it to the writer: the writer stamps the time. */
export type UntimedEvent = RecordingEvent extends infer E ? (E extends RecordingEvent ? Omit<E, 'tUs'> : never) : never;

/** Options of {@link openRecordingWriter}. */
export interface RecordingWriterOptions {
  /** The file; created (with its folder) if missing, appended to if it exists. */
  path: string;
  header: RecordingHeaderInput;
  /**
   * Microseconds since the session began, on the target's clock. Default:
   * real monotonic time since the writer opened. The writer never lets time
   * go backwards (a smaller reading is taken as the last one).
   */
  nowUs?: () => number;
  /** Default {@link DEFAULT_FLUSH_INTERVAL_MS}; 0 = only on size and close. */
  flushIntervalMs?: number;
  /** Default {@link DEFAULT_FLUSH_AT_CHARS}. */
  flushAtChars?: number;
  /** Writer name in the header. Default `mbot-hil (node <version>)`. */
  writer?: string;
}

/** Counters of a session. */
export interface RecordingStats {
  events: number;
  txBytes: number;
  rxBytes: number;
  droppedEvents: number;
  /** Compressed bytes appended to the file so far. */
  fileBytes: number;
}

/** One open session. Obligation: `close()` it (process exit flushes it too). */
export interface RecordingWriter {
  readonly path: string;
  readonly header: RecordingHeader;
  readonly stats: Readonly<RecordingStats>;
  /** The first write failure (HIL_RECORDING_WRITE_FAILED), or null. */
  readonly failure: HilError | null;
  readonly closed: boolean;
  /** Microseconds since the session began, as the next event would be stamped. */
  nowUs(): number;
  /** Bytes the host wrote. */
  tx(bytes: Uint8Array): void;
  /** Bytes the host read. */
  rx(bytes: Uint8Array): void;
  /** Any other event; stamped now. */
  add(event: UntimedEvent): void;
  /** Writes what is buffered now (synchronously). */
  flush(): void;
  /** Writes an `end` event, flushes, closes the file. Idempotent. Throws the first write failure, if any. */
  close(): void;
}

/**
 * Opens a session on `opts.path` and writes its header. Throws
 * HIL_RECORDING_WRITE_FAILED when the file cannot be opened.
 */
export function openRecordingWriter(opts: RecordingWriterOptions): RecordingWriter {
  const startReal = natives.performanceNow();
  const nowSource = opts.nowUs ?? (() => (natives.performanceNow() - startReal) * 1000);
  const flushAtChars = opts.flushAtChars ?? DEFAULT_FLUSH_AT_CHARS;
  const flushIntervalMs = opts.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
  const { extra, ...given } = opts.header;
  const header: RecordingHeader = {
    format: RECORDING_FORMAT,
    version: RECORDING_VERSION,
    session: randomUUID(),
    startedAt: new natives.Date().toISOString(),
    ...given,
    writer: opts.writer ?? `mbot-hil (node ${process.version})`,
    ...(extra && Object.keys(extra).length > 0 ? { extra } : {}),
  };
  let fd: number;
  try {
    mkdirSync(dirname(opts.path), { recursive: true });
    fd = openSync(opts.path, 'a');
  } catch (err) {
    throw new HilError('HIL_RECORDING_WRITE_FAILED', `HIL_RECORD: cannot open ${opts.path} for writing (${(err as Error).message}); point HIL_RECORD at a writable file or folder`, { cause: err });
  }

  const stats: RecordingStats = { events: 0, txBytes: 0, rxBytes: 0, droppedEvents: 0, fileBytes: 0 };
  let lines: string[] = [encodeHeader(header)];
  let chars = lines[0]?.length ?? 0;
  let lastUs = 0;
  let failure: HilError | null = null;
  let pendingGap = 0;
  let closed = false;

  const nowUs = (): number => {
    let t: number;
    try {
      t = Math.round(nowSource());
    } catch {
      // a disposed clock during teardown: keep the last time
      t = lastUs;
    }
    if (!(t >= lastUs)) t = lastUs;
    lastUs = t;
    return t;
  };

  const flush = (): void => {
    if (closed && fd < 0) return;
    if (lines.length === 0) return;
    const text = lines.join('\n') + '\n';
    try {
      const member = gzipSync(text);
      writeSync(fd, member);
      stats.fileBytes += member.length;
      lines = [];
      chars = 0;
      if (pendingGap > 0) {
        const gap = encodeEvent({ tUs: lastUs, kind: 'gap', droppedEvents: pendingGap });
        pendingGap = 0;
        lines.push(gap);
        chars += gap.length;
      }
    } catch (err) {
      failure ??= new HilError('HIL_RECORDING_WRITE_FAILED', `HIL_RECORD: writing ${opts.path} failed (${(err as Error).message}); the recording misses events from here on. Free disk space or choose another path`, { cause: err });
      if (chars > MAX_RETAINED_CHARS) {
        stats.droppedEvents += lines.length;
        pendingGap += lines.length;
        lines = [];
        chars = 0;
      }
    }
  };

  const push = (line: string): void => {
    if (closed) return;
    stats.events++;
    lines.push(line);
    chars += line.length + 1;
    if (chars >= flushAtChars) flush();
  };

  const timer = flushIntervalMs > 0 ? natives.setInterval(flush, flushIntervalMs) : undefined;
  timer?.unref?.();
  // The last lines reach the disk even when the process ends without closing us (process.exit, a signal's re-raise).
  const onExit = (): void => flush();
  process.on('exit', onExit);

  return {
    path: opts.path,
    header,
    get stats() { return stats; },
    get failure() { return failure; },
    get closed() { return closed; },
    nowUs,
    tx(bytes) {
      if (closed || bytes.length === 0) return;
      stats.txBytes += bytes.length;
      push(encodeEvent({ tUs: nowUs(), kind: 'tx', bytes }));
    },
    rx(bytes) {
      if (closed || bytes.length === 0) return;
      stats.rxBytes += bytes.length;
      push(encodeEvent({ tUs: nowUs(), kind: 'rx', bytes }));
    },
    add(event) {
      if (closed) return;
      push(encodeEvent({ ...event, tUs: nowUs() } as RecordingEvent));
    },
    flush,
    close() {
      if (closed) return;
      const end = encodeEvent({ tUs: nowUs(), kind: 'end', events: stats.events + 1, txBytes: stats.txBytes, rxBytes: stats.rxBytes });
      stats.events++;
      lines.push(end);
      closed = true;
      if (timer !== undefined) natives.clearInterval(timer);
      process.off('exit', onExit);
      flush();
      try {
        closeSync(fd);
      } catch {
        // nothing more can be lost: every member was written synchronously
      }
      fd = -1;
      if (failure) throw failure;
    },
  };
}
