import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { HilError } from '../errors.ts';

/**
 * Writes `content` to `file` atomically: a temporary file beside it, then a
 * rename, so a reader (or a run killed mid-write) never sees half a report.
 * Throws `HIL_REPORT_WRITE_FAILED` naming the file.
 */
export function writeFileAtomic(file: string, content: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  } catch (err) {
    throw new HilError('HIL_REPORT_WRITE_FAILED', `could not write ${file}: ${(err as Error).message}. Check the directory is writable or set HIL_REPORTS_DIR`, { cause: err });
  }
}
