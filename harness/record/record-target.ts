/**
 * `HIL_RECORD=<file>` on a target: a {@link TargetRecorder} wraps the
 * target's serial binding before the target is made (every byte both ways,
 * opens, closes, losses) and, once the target exists, opens the session
 * (header: target, firmware profile, baud rate, wiring, seed, jig) and
 * returns the target decorated with:
 * - `jig`: the same jig, each call written as a `jig` event;
 * - `testMarks`: the fixture's test boundaries, written as `file`, `test`
 *   and `done` events;
 * - `connect()`: the firmware each handshake identified, a `firmware` event;
 * - `dispose()`: the target's own, then the session's `end` and the file
 *   closed; a write failure surfaces there as HIL_RECORDING_WRITE_FAILED
 *   (after the robot was stopped and the port closed).
 * Everything else (kind, info, clock, the sim controls) is the target's.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BindingInterface } from '../../simulators/mbot/serial-types.ts';
import type { Connected, Target } from '../targets/target.ts';
import type { TestEndState, TestIdentity, TestMarks } from '../targets/test-marks.ts';
import { observedJig } from './jig-calls.ts';
import { RECORDING_EXTENSION, type RecordingHeaderInput } from './recording-format.ts';
import { recordingBinding } from './recording-binding.ts';
import { openRecordingWriter, type RecordingWriter } from './recording-writer.ts';

/**
 * The file a session records to. `HIL_RECORD` may name a file (sessions
 * append to it) or a folder (an existing directory, or a path ending in
 * `/`): then one file per spec file, `<folder>/<spec file name>.hilrec`
 * (e.g. `sensors.spec.hilrec`), or `session-<time>.hilrec` outside a test run.
 */
export function resolveRecordPath(setting: string, specFile?: string): string {
  const isFolder = setting.endsWith('/') || (existsSync(setting) && statSync(setting).isDirectory());
  if (!isFolder) return setting;
  const name = specFile ? basename(specFile).replace(/\.[cm]?[jt]s$/, '') : `session-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  return join(setting, `${name}${RECORDING_EXTENSION}`);
}

/** Facts about the run the header carries beyond what the target says of itself. */
export type RecordedFacts = Pick<RecordingHeaderInput, 'firmwareProfile' | 'baudRate' | 'wiring' | 'seed'> & { extra?: Record<string, unknown> };

/** Records one target's session to one file. Make it, pass `wrapBinding` to the target's factory, then `attach` the made target. */
export class TargetRecorder {
  private writer: RecordingWriter | null = null;
  private readonly files = new Set<string>();

  constructor(readonly path: string) {}

  /** For the target factory: the binding every port of the target opens through. */
  readonly wrapBinding = (inner: BindingInterface): BindingInterface => recordingBinding(inner, () => this.writer);

  /** The open session, once attached. */
  get session(): RecordingWriter | null {
    return this.writer;
  }

  /**
   * Opens the session (throws HIL_RECORDING_WRITE_FAILED when the file
   * cannot be opened; the target is then disposed) and returns the
   * decorated target.
   */
  async attach(target: Target, facts: RecordedFacts): Promise<Target> {
    const clock = target.clock;
    const t0Ms = clock.monotonicMs();
    const jig = target.jig;
    let writer: RecordingWriter;
    try {
      writer = openRecordingWriter({
        path: this.path,
        header: {
          clock: clock.kind,
          target: { kind: target.info.kind, ...(target.info.port ? { port: target.info.port } : {}), ...(target.info.bench ? { bench: target.info.bench } : {}) },
          ...facts,
          ...(jig ? { jig: { name: jig.name, capabilities: [...jig.capabilities] } } : {}),
        },
        nowUs: () => (clock.monotonicMs() - t0Ms) * 1000,
      });
    } catch (err) {
      await target.dispose().catch(() => {});
      throw err;
    }
    this.writer = writer;
    const recordedJig = jig ? observedJig(jig, (c) => writer.add({ kind: 'jig', call: c.call, args: c.args, ...(c.setter ? {} : { result: c.result }) })) : undefined;
    const marks: TestMarks = {
      testStarted: (test: TestIdentity) => {
        if (!this.files.has(test.file)) {
          this.files.add(test.file);
          writer.add({ kind: 'file', file: test.file });
        }
        writer.add({ kind: 'test', file: test.file, name: test.name });
      },
      testEnded: (test: TestIdentity, state: TestEndState) => {
        writer.add({ kind: 'done', file: test.file, name: test.name, state });
      },
    };
    let lastConnection: Connected | null = null;
    const connect = async (): Promise<Connected> => {
      const live = await target.connect();
      if (live !== lastConnection) {
        lastConnection = live;
        writer.add({ kind: 'firmware', name: live.firmware.name, version: live.firmware.version });
      }
      return live;
    };
    const dispose = async (): Promise<void> => {
      try {
        await target.dispose();
      } finally {
        writer.close();
      }
    };
    const overrides: Record<string | symbol, unknown> = { jig: recordedJig, testMarks: marks, connect, dispose };
    return new Proxy(target, {
      get(inner, prop) {
        if (prop in overrides) return overrides[prop];
        const v: unknown = Reflect.get(inner, prop, inner);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(inner) : v;
      },
    });
  }
}
