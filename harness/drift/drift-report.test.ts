import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingSession } from '../record/recording-reader.ts';
import { runDrift } from './drift-run.ts';
import { buildDriftReport, renderDriftMarkdown, renderDriftText, writeDriftReports } from './drift-report.ts';
import { recordScriptedCalibration, writeRecordingFile } from './testing/scripted-recording.ts';

const dir = mkdtempSync(join(tmpdir(), 'drift-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** ESC or a right-to-left override, raw. */
const hasRawControl = (text: string): boolean => text.includes('\u001b') || text.includes('\u202e');
const HOSTILE_NAME = '<img src=x onerror=alert(1)>|`[x](javascript:1)\u001b[31m\u202e';

/** REPORT_FIRMWARE with `name` (7-bit pairs), as a board would send it. */
function firmwareReply(name: string): Uint8Array {
  const pairs = [...Buffer.from(name, 'latin1')].flatMap((b) => [b & 0x7f, (b >> 7) & 0x7f]);
  return Uint8Array.from([0xf0, 0x79, 2, 5, ...pairs, 0xf7]);
}

let session: RecordingSession;
beforeAll(async () => {
  session = await recordScriptedCalibration(undefined, 11);
  // A board that names itself with markup, table pipes, a link, an escape sequence and a bidi override.
  const at = session.events.find((e) => e.kind === 'rx')?.tUs ?? 0;
  session.events.push({ tUs: at - 1, kind: 'rx', bytes: firmwareReply(HOSTILE_NAME) });
  session.events.sort((a, b) => a.tUs - b.tUs);
});

describe('the drift report', () => {
  it('the simulator compared with a recording of itself shows no drift at all (same seed: the same bytes)', async () => {
    const file = join(dir, 'self.hilrec');
    writeRecordingFile(file, [await recordScriptedCalibration(undefined, 11)]);
    const report = buildDriftReport(await runDrift(file));
    expect(report.summary.drift).toBe(0);
    expect(report.summary.compared).toBeGreaterThan(20);
    expect(report.rows.find((r) => r.quantity.startsWith('distance over the session'))?.difference).toBe(0);
  });

  it('the control-character check sees one', () => {
    expect(hasRawControl(HOSTILE_NAME)).toBe(true);
  });

  it('escapes what a recording says for every format: no markup, no table break, no escape sequence survives', async () => {
    const file = join(dir, 'hostile.hilrec');
    writeRecordingFile(file, [session]);
    const report = buildDriftReport(await runDrift(file));
    const row = report.rows.find((r) => r.quantity.startsWith('firmware name'));
    expect(row?.recorded).toContain('<img');
    const files = writeDriftReports(report, join(dir, 'out'));
    const htmlText = readFileSync(files[2] as string, 'utf8');
    expect(htmlText).not.toContain('<img src=x');
    expect(htmlText).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(hasRawControl(htmlText)).toBe(false);
    const md = renderDriftMarkdown(report);
    const mdLine = md.split('\n').find((l) => l.includes('firmware name')) as string;
    // Escaped pipes only: the row keeps its 6 cells.
    expect(mdLine.split(/(?<!\\)\|/).length).toBe(8);
    expect(hasRawControl(md)).toBe(false);
    // The brackets are backslash-escaped, so no link forms.
    expect(md).not.toMatch(/(?<!\\)\]\(javascript/);
    expect(md).toContain('\\[x\\](javascript');
    const text = renderDriftText(report);
    expect(hasRawControl(text)).toBe(false);
    expect(text).toContain('<img src=x');
    expect(JSON.parse(readFileSync(files[0] as string, 'utf8')).kind).toBe('mbot-hil/drift-report');
  });
});
