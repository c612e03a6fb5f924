// HIL_RECORD on the sim target (virtual clock, no PTY needed), the folder form, bad paths, and bad replays.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { isHilError } from '../errors.ts';
import { createTarget, readTargetSettings } from '../targets/select-target.ts';
import { loadRecording, messagesOf, describeMessage } from './index.ts';
import { resolveRecordPath } from './record-target.ts';

const dir = mkdtempSync(join(tmpdir(), 'mbot-hil-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HIL_RECORD', () => {
  test('on the sim target: virtual µs, both directions, jig calls, marks, and a replay that passes', async () => {
    const file = join(dir, 'sim.hilrec');
    const id = { file: 'harness/record/record-target.test.ts', name: 'light' };
    const run = async (env: Record<string, string>): Promise<number> => {
      const target = await createTarget(readTargetSettings(env));
      try {
        const live = await target.connect();
        target.testMarks?.testStarted(id);
        target.jig?.setLightLevel(300);
        let value = -1;
        live.io.analogRead(6, (v) => { value = v; });
        await target.clock.sleep(100);
        await target.safeStop();
        target.testMarks?.testEnded(id, 'pass');
        return value;
      } finally {
        await target.dispose();
      }
    };
    const recordedValue = await run({ HIL_TARGET: 'sim', HIL_SEED: '9', HIL_RECORD: file });
    const rec = await loadRecording(file);
    const s = rec.sessions[0];
    expect(s?.header).toMatchObject({ clock: 'virtual', seed: 9, target: { kind: 'sim' } });
    const rx = messagesOf(s?.events ?? [], 'rx').map((m) => describeMessage(m.bytes, 'rx'));
    expect(rx.some((d) => d.startsWith('ANALOG_MESSAGE A6 = '))).toBe(true);
    expect(rx.some((d) => d.startsWith('REPORT_FIRMWARE'))).toBe(true);
    expect(messagesOf(s?.events ?? [], 'tx').map((m) => describeMessage(m.bytes, 'tx'))).toContain('REPORT_ANALOG A6 on [c6 01]');
    expect(s?.events.filter((e) => e.kind === 'test' || e.kind === 'done' || e.kind === 'jig').map((e) => e.kind)).toEqual(['test', 'jig', 'done']);
    // Replaying the sim's own recording needs no PTY either.
    const replayedValue = await run({ HIL_TARGET: 'hardware', HIL_PORT: `replay:${file}` });
    expect(replayedValue).toBe(recordedValue);
    expect(Math.abs(recordedValue - 300)).toBeLessThan(12);
  });

  test('a folder records one file per spec file', () => {
    expect(resolveRecordPath(`${dir}/`, '/x/specs/robot/sensors.spec.ts')).toBe(join(dir, 'sensors.spec.hilrec'));
    expect(resolveRecordPath(dir, 'specs/drive.spec.ts')).toBe(join(dir, 'drive.spec.hilrec'));
    expect(resolveRecordPath(join(dir, 'one.hilrec'), 'specs/drive.spec.ts')).toBe(join(dir, 'one.hilrec'));
    expect(resolveRecordPath(`${dir}/`)).toMatch(/session-.*\.hilrec$/);
  });

  test('a path that cannot be written is HIL_RECORDING_WRITE_FAILED, and the target is released', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const err = await createTarget(readTargetSettings({ HIL_TARGET: 'sim', HIL_RECORD: join(blocker, 'sub', 'rec.hilrec') })).catch((e: unknown) => e);
    expect(isHilError(err, 'HIL_RECORDING_WRITE_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/cannot open .*rec\.hilrec.*writable/);
    // The virtual clock of the refused target was released: another sim target can install its own.
    const next = await createTarget(readTargetSettings({ HIL_TARGET: 'sim' }));
    await next.dispose();
  });
});

describe('HIL_PORT=replay: bad input', () => {
  test('a missing file, a non-recording, an empty name, a session with no connection', async () => {
    const make = (port: string) => createTarget(readTargetSettings({ HIL_TARGET: 'hardware', HIL_PORT: port })).catch((e: unknown) => e);
    expect(await make(`replay:${join(dir, 'nope.hilrec')}`)).toMatchObject({ code: 'HIL_RECORDING_INVALID', message: expect.stringMatching(/does not exist.*HIL_RECORD/) });
    const text = join(dir, 'text.hilrec');
    writeFileSync(text, 'not a recording');
    expect(await make(`replay:${text}`)).toMatchObject({ code: 'HIL_RECORDING_INVALID', message: expect.stringMatching(/not a gzip file/) });
    expect(await make('replay:')).toMatchObject({ code: 'HIL_CONFIG_INVALID', message: expect.stringMatching(/replay:<recording file>/) });
    const noOpen = join(dir, 'noopen.hilrec');
    writeFileSync(noOpen, gzipSync('{"format":"mbot-hil-recording","version":1,"clock":"wall","target":{"kind":"hardware"},"seed":null}\n[5,"test",{"file":"a","name":"b"}]\n'));
    expect(await make(`replay:${noOpen}`)).toMatchObject({ code: 'HIL_RECORDING_INVALID', message: expect.stringMatching(/no connection/) });
  });
});
