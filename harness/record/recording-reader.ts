/**
 * Reads recordings (`recording-format.ts`): a streaming pass over every line
 * of every session ({@link readRecordingLines}), and a loader that keeps the
 * sessions in memory for replay and drift ({@link loadRecording}).
 *
 * A file cut short (the recording process was killed between two flushes,
 * or while writing one) is not an error: what was whole is read, and the
 * result says `truncated`. A session without its `end` event, or the one
 * the file ended in, is `complete: false`.
 */
import { createReadStream, statSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { createGunzip } from 'node:zlib';
import { HilError } from '../errors.ts';
import { isHeaderLine, MAX_LINE_CHARS, parseEvent, parseHeader, type RecordingEvent, type RecordingHeader } from './recording-format.ts';

/** One item of the streaming pass. */
export type RecordingLine =
  | { type: 'header'; header: RecordingHeader; line: number }
  | { type: 'event'; event: RecordingEvent; line: number }
  /** A well-formed event of a kind this reader does not know (a newer writer's); skip it. */
  | { type: 'unknown'; line: number };

/** A session held in memory. */
export interface RecordingSession {
  header: RecordingHeader;
  /** Events in file order (times never decrease). */
  events: RecordingEvent[];
  /** True when the session's `end` event was read. */
  complete: boolean;
  /** Well-formed lines of kinds this reader does not know, skipped. */
  skippedUnknown: number;
}

/** A whole file. */
export interface RecordingFile {
  path: string;
  sessions: RecordingSession[];
  /** True when the file ended inside a gzip member or a line (the last lines are lost). */
  truncated: boolean;
}

/** Options of {@link loadRecording}. */
export interface LoadOptions {
  /** Refuse files holding more events than this (HIL_RECORDING_INVALID). Default {@link defaultMaxEvents}. */
  maxEvents?: number;
}

/** Heap an event takes once loaded, bytes: 2 million one-byte tx events measured 574 MB (Node 20). */
export const LOADED_EVENT_BYTES = 300;

/**
 * The most events {@link loadRecording} loads by default: what fits in a
 * quarter of this process's heap limit (the replay builds its script from
 * them, and the spec runs beside it), at most 20 million. A gzip file can
 * claim far more than its size suggests (a repeated line compresses ~500:1:
 * 0.5 MB inflated to 19 million events and ran a 4 GB heap out), so the cap
 * follows the heap, not the file: 3.6 million events on a 4.3 GB heap.
 */
export function defaultMaxEvents(): number {
  return Math.min(20_000_000, Math.floor(getHeapStatistics().heap_size_limit / 4 / LOADED_EVENT_BYTES));
}

function notReadable(path: string, err: unknown): HilError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'it does not exist' : (err as Error).message;
  return new HilError('HIL_RECORDING_INVALID', `cannot read the recording ${path}: ${why}. Record one with HIL_RECORD=<file> (docs/record-replay-and-remote.md).`, { cause: err });
}

/**
 * Yields every header and event of `path` in order, with its 1-based line
 * number. Throws HIL_RECORDING_INVALID when the file is missing, not gzip,
 * starts with something other than a header, or holds a malformed line; a
 * file cut short ends the iteration early and `onTruncated` is called.
 */
export async function* readRecordingLines(path: string, onTruncated: () => void = () => {}): AsyncGenerator<RecordingLine> {
  try {
    if (!statSync(path).isFile()) throw Object.assign(new Error('it is not a file'), { code: 'EISDIR' });
  } catch (err) {
    throw notReadable(path, err);
  }
  const gunzip = createGunzip();
  const source = createReadStream(path);
  let streamError: unknown = null;
  source.on('error', (err) => { streamError = err; gunzip.destroy(); });
  source.pipe(gunzip);
  let carry = '';
  let lineNo = 0;
  let sawHeader = false;
  const take = (text: string): RecordingLine | null => {
    lineNo++;
    if (text === '') return null;
    const where = `${path} line ${lineNo}`;
    if (isHeaderLine(text)) {
      sawHeader = true;
      return { type: 'header', header: parseHeader(text, where), line: lineNo };
    }
    if (!sawHeader) throw new HilError('HIL_RECORDING_INVALID', `${where}: the file does not start with a recording header; it is not an mbot-hil recording`);
    const event = parseEvent(text, where);
    return event === null ? { type: 'unknown', line: lineNo } : { type: 'event', event, line: lineNo };
  };
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      carry += chunk.toString('utf8');
      let nl: number;
      while ((nl = carry.indexOf('\n')) >= 0) {
        const text = carry.slice(0, nl);
        carry = carry.slice(nl + 1);
        const item = take(text);
        if (item) yield item;
      }
      if (carry.length > MAX_LINE_CHARS) throw new HilError('HIL_RECORDING_INVALID', `${path} line ${lineNo + 1}: longer than ${MAX_LINE_CHARS} characters; not a recording line`);
    }
  } catch (err) {
    if (err instanceof HilError) throw err;
    if (streamError) throw notReadable(path, streamError);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test((err as Error).message)) {
      onTruncated();
      return;
    }
    if (lineNo === 0) throw new HilError('HIL_RECORDING_INVALID', `${path} is not a gzip file (${(err as Error).message}); it is not an mbot-hil recording`, { cause: err });
    // Garbage after whole members (a half-written member): what came before stands.
    onTruncated();
    return;
  } finally {
    source.destroy();
  }
  // A last line without its newline: the writer always ends lines, so the file was cut.
  if (carry !== '') onTruncated();
  if (lineNo === 0) throw new HilError('HIL_RECORDING_INVALID', `${path} is empty; it is not an mbot-hil recording`);
}

/**
 * Loads every session of `path` into memory. Errors as
 * {@link readRecordingLines}; HIL_RECORDING_INVALID also when the file holds
 * no session or more than `maxEvents` events.
 */
export async function loadRecording(path: string, opts: LoadOptions = {}): Promise<RecordingFile> {
  const maxEvents = opts.maxEvents ?? defaultMaxEvents();
  const sessions: RecordingSession[] = [];
  let truncated = false;
  let count = 0;
  let current: RecordingSession | undefined;
  for await (const item of readRecordingLines(path, () => { truncated = true; })) {
    if (item.type === 'header') {
      current = { header: item.header, events: [], complete: false, skippedUnknown: 0 };
      sessions.push(current);
      continue;
    }
    if (!current) continue;
    if (item.type === 'unknown') {
      current.skippedUnknown++;
      continue;
    }
    if (++count > maxEvents) {
      const heapMb = Math.round(getHeapStatistics().heap_size_limit / 1e6);
      throw new HilError('HIL_RECORDING_INVALID', `${path} holds more than ${maxEvents} events, more than this process loads (a quarter of its ${heapMb} MB heap limit); split the run (HIL_RECORD=<folder>/ records one file per spec file), or raise the heap with NODE_OPTIONS=--max-old-space-size=<MB>`);
    }
    const last = current.events[current.events.length - 1];
    if (last && item.event.tUs < last.tUs) {
      throw new HilError('HIL_RECORDING_INVALID', `${path} line ${item.line}: time ${item.event.tUs} µs is earlier than the line before (${last.tUs} µs); times within a session never decrease`);
    }
    current.events.push(item.event);
    if (item.event.kind === 'end') current.complete = true;
  }
  if (sessions.length === 0) throw new HilError('HIL_RECORDING_INVALID', `${path} holds no recording session`);
  // The session being read when the file ended was never closed by its writer (its gzip member has no
  // trailer), even if its `end` line happened to inflate: it is not complete.
  const last = sessions[sessions.length - 1];
  if (truncated && last) last.complete = false;
  return { path, sessions, truncated };
}

/** The firmware the handshake identified in `session` (its first `firmware` event), or undefined. */
export function sessionFirmware(session: RecordingSession): { name: string; version: string } | undefined {
  for (const e of session.events) if (e.kind === 'firmware') return { name: e.name, version: e.version };
  return undefined;
}

/** The spec files whose tests `session` holds, in order of first appearance. */
export function sessionFiles(session: RecordingSession): string[] {
  const files: string[] = [];
  for (const e of session.events) if ((e.kind === 'file' || e.kind === 'test') && !files.includes(e.file)) files.push(e.file);
  return files;
}
