/**
 * What a matcher received, read defensively. The value comes from a spec
 * and may be anything: a snapshot a recorder made, a plain record of
 * numbers, a hand-made look-alike, or something hostile (a Proxy, getters
 * that throw or change their answer, cycles, BigInt). Each is either turned
 * into a fresh, validated snapshot (copied: nothing the caller holds can
 * change it afterwards) or rejected with `HIL_MATCHER_BAD_INPUT`, which
 * the matchers throw so that `.not` can never turn bad input into a pass.
 *
 * Rules: own data properties only (an accessor is never called), no
 * Proxy, a plain object at every level, and then every rule of
 * `createSnapshot` (finite values, dotted names, catalogue names for
 * `sim`/`hardware`, known units, target and clock).
 */
import { types } from 'node:util';
import { HilError, isHilError } from '../errors.ts';
import { createSnapshot, MAX_SNAPSHOT_METRICS, TARGET_KINDS, type MetricsSnapshot, type MetricUnit, type MetricValue, type SnapshotContext } from '../metrics/snapshot.ts';

const SNAPSHOT_KIND = 'mbot-hil/metrics-snapshot';
const SNAPSHOT_FIELDS = new Set(['kind', 'metrics', 'target', 'clock', 'seed', 'takenAt', 'evidence']);

class BadInput extends Error {}
const reject = (message: string): never => {
  throw new BadInput(message);
};

/** A short, safe description of any value (never calls into it). */
export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'number') return String(x);
  if (typeof x === 'bigint') return `the BigInt ${x.toString().slice(0, 40)}n`;
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x)}`;
  if (typeof x === 'object' && types.isProxy(x)) return 'a Proxy';
  return typeof x;
}

/** The own data property `key` of a plain object; an accessor or a Proxy is refused, never called. */
function field(obj: object, key: string, where: string): unknown {
  const d = Object.getOwnPropertyDescriptor(obj, key);
  if (d === undefined) return undefined;
  if (!('value' in d)) reject(`${where}.${key} is a getter or setter; pass plain data (the harness never calls accessors of what it measures)`);
  return d.value;
}

/** `x` as a plain object (null or Object prototype, not a Proxy), or a rejection naming `where`. */
function plain(x: unknown, where: string): object {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return reject(`${where} must be a plain object, got ${describeValue(x)}`);
  if (types.isProxy(x)) return reject(`${where} is a Proxy; pass plain data`);
  const proto = Object.getPrototypeOf(x) as object | null;
  // A plain object of this realm or another (its prototype is a root).
  if (proto !== null && Object.getPrototypeOf(proto) !== null) return reject(`${where} must be a plain object, got an instance of ${describeValue(x)}`);
  return x;
}

function keysOf(obj: object, where: string): string[] {
  const keys = Object.keys(obj);
  if (keys.length > MAX_SNAPSHOT_METRICS) reject(`${where} has ${keys.length} entries; a snapshot holds at most ${MAX_SNAPSHOT_METRICS} metrics (the catalogue defines a few dozen): pass only what you measured`);
  return keys;
}

/** Guesses a unit from a metric name's suffix; used only for plain-object input. */
function unitFromName(name: string): MetricUnit {
  if (name.endsWith('_ms')) return 'ms';
  if (name.endsWith('_us')) return 'us';
  if (name.endsWith('_mb_per_hour')) return 'mb/h';
  if (name.endsWith('_mb')) return 'mb';
  if (name.endsWith('fps') || name.endsWith('frame_rate')) return 'fps';
  if (name.endsWith('_bytes') || name.endsWith('bytes_on_wire')) return 'bytes';
  if (name.endsWith('_percent')) return 'percent';
  return 'count';
}

function fromRecord(obj: object): MetricsSnapshot {
  const metrics: Record<string, MetricValue> = {};
  const badValues: string[] = [];
  for (const name of keysOf(obj, 'the received object')) {
    const value = field(obj, name, 'the received object');
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      if (badValues.length < 10) badValues.push(`"${name.slice(0, 80)}" = ${describeValue(value)}`);
      continue;
    }
    metrics[name] = { value, unit: unitFromName(name), samples: 0 };
  }
  if (badValues.length > 0) reject(`metric values must be finite numbers; fix or remove: ${badValues.join(', ')}`);
  return createSnapshot(metrics);
}

function fromSnapshotLike(obj: object): MetricsSnapshot {
  const keys = Object.keys(obj);
  const unknown = keys.filter((k) => !SNAPSHOT_FIELDS.has(k));
  if (unknown.length > 0) reject(`a metrics snapshot has no field ${unknown.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}; make snapshots with a recorder (MetricsCollector.snapshot) or createSnapshot`);
  const metricsObj = plain(field(obj, 'metrics', 'snapshot'), 'snapshot.metrics');
  const metrics: Record<string, MetricValue> = {};
  for (const name of keysOf(metricsObj, 'snapshot.metrics')) {
    const where = `snapshot.metrics[${JSON.stringify(name.slice(0, 80))}]`;
    const m = plain(field(metricsObj, name, 'snapshot.metrics'), where);
    const value = field(m, 'value', where);
    if (typeof value !== 'number' || !Number.isFinite(value)) reject(`${where}.value must be a finite number, got ${describeValue(value)}`);
    const unit = field(m, 'unit', where);
    const samples = field(m, 'samples', where);
    if (typeof samples !== 'number' || !Number.isSafeInteger(samples) || samples < 0) reject(`${where}.samples must be a whole number >= 0, got ${describeValue(samples)}`);
    metrics[name] = { value: value as number, unit: unit as MetricUnit, samples: samples as number };
  }
  const t = plain(field(obj, 'target', 'snapshot'), 'snapshot.target');
  const target: Record<string, unknown> = {};
  for (const k of Object.keys(t)) target[k] = field(t, k, 'snapshot.target');
  if (target.firmware !== undefined) {
    const f = plain(target.firmware, 'snapshot.target.firmware');
    target.firmware = { name: field(f, 'name', 'snapshot.target.firmware'), version: field(f, 'version', 'snapshot.target.firmware') };
  }
  const c = plain(field(obj, 'clock', 'snapshot'), 'snapshot.clock');
  const seed = field(obj, 'seed', 'snapshot');
  if (seed !== null && seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) reject(`snapshot.seed must be a finite number or null, got ${describeValue(seed)}`);
  const takenAt = field(obj, 'takenAt', 'snapshot');
  if (typeof takenAt !== 'string') reject(`snapshot.takenAt must be an ISO time string, got ${describeValue(takenAt)}`);
  const evidence = field(obj, 'evidence', 'snapshot');
  const context: SnapshotContext = {
    target: target as unknown as NonNullable<SnapshotContext['target']>,
    clock: { kind: field(c, 'kind', 'snapshot.clock') as 'wall' | 'virtual' },
    seed: (seed ?? null) as number | null,
    takenAt: takenAt as string,
    // checkEvidence (zod) copies what it validates; a getter it trips over is caught below.
    ...(evidence !== undefined ? { evidence: plain(evidence, 'snapshot.evidence') as NonNullable<SnapshotContext['evidence']> } : {}),
  };
  return createSnapshot(metrics, context);
}

/**
 * Turns what a matcher received into a fresh snapshot: a `MetricsSnapshot`
 * (or anything claiming to be one, validated field by field), or a plain
 * object of dotted metric names to finite numbers (target `none`: a
 * self-check). Anything else, and any failure while reading it, is
 * `HIL_MATCHER_BAD_INPUT`.
 */
export function toSnapshot(received: unknown): MetricsSnapshot {
  try {
    const obj = plain(received, 'the received value');
    return field(obj, 'kind', 'the received value') === SNAPSHOT_KIND ? fromSnapshotLike(obj) : fromRecord(obj);
  } catch (err) {
    if (err instanceof BadInput) {
      throw new HilError('HIL_MATCHER_BAD_INPUT', `${err.message}${err.message.startsWith('the received value must be') ? ` (expected a MetricsSnapshot or an object of metric names to numbers, e.g. { 'websocket.latency_p99_ms': 41.2 })` : ''}`);
    }
    if (isHilError(err)) throw new HilError('HIL_MATCHER_BAD_INPUT', err.message.replace(/^HIL_[A-Z_]+: /, ''), { cause: err });
    // A trap, a getter inside evidence, a cycle, a stack overflow: whatever it was, it is not a measurement.
    throw new HilError('HIL_MATCHER_BAD_INPUT', `reading the received value failed (${err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : describeValue(err)}); pass a snapshot from a recorder or a plain object of metric names to finite numbers`, { cause: err });
  }
}

/**
 * The target a received value claims, read like {@link toSnapshot} reads it
 * (own data properties of plain, non-Proxy objects, never calling into the
 * value): the `target.kind` of a snapshot look-alike when it is a known
 * kind, otherwise `none`. Bad input is recorded against it, so a snapshot
 * claiming `sim` whose values are unusable counts as "not evaluated" on
 * sim even when the spec catches the thrown error. Never throws.
 */
export function claimedTarget(received: unknown): { kind: (typeof TARGET_KINDS)[number] } {
  try {
    const obj = plain(received, 'the received value');
    if (field(obj, 'kind', 'the received value') !== SNAPSHOT_KIND) return { kind: 'none' };
    const kind = field(plain(field(obj, 'target', 'snapshot'), 'snapshot.target'), 'kind', 'snapshot.target');
    return { kind: (TARGET_KINDS as readonly unknown[]).includes(kind) ? kind as (typeof TARGET_KINDS)[number] : 'none' };
  } catch {
    return { kind: 'none' };
  }
}

/** The options a matcher accepts, checked: a wrong type is `HIL_MATCHER_BAD_INPUT`, never a silent default. */
export interface CheckedMeetOptions {
  allowMissing: boolean;
  label: string | undefined;
  contractsDir: string | undefined;
  attach: string[];
}

const OPTION_KEYS = new Set(['allowMissing', 'label', 'contractsDir', 'attach']);

/** Validates matcher options (see {@link CheckedMeetOptions}); `undefined` is no options. */
export function checkMeetOptions(options: unknown): CheckedMeetOptions {
  try {
    if (options === undefined) return { allowMissing: false, label: undefined, contractsDir: undefined, attach: [] };
    const o = plain(options, 'the matcher options');
    const unknown = Object.keys(o).filter((k) => !OPTION_KEYS.has(k));
    if (unknown.length > 0) reject(`unknown matcher option(s) ${unknown.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}; the options are allowMissing, label, contractsDir, attach`);
    const allowMissing = field(o, 'allowMissing', 'options');
    if (allowMissing !== undefined && typeof allowMissing !== 'boolean') reject(`allowMissing must be true or false, got ${describeValue(allowMissing)}`);
    const label = field(o, 'label', 'options');
    if (label !== undefined && (typeof label !== 'string' || label.length > 2000)) reject(`label must be a string of at most 2000 characters, got ${describeValue(label)}`);
    const contractsDir = field(o, 'contractsDir', 'options');
    if (contractsDir !== undefined && (typeof contractsDir !== 'string' || contractsDir.trim() === '')) reject(`contractsDir must be a directory path, got ${describeValue(contractsDir)}`);
    const attach = field(o, 'attach', 'options');
    let names: string[] = [];
    if (attach !== undefined) {
      if (!Array.isArray(attach) || types.isProxy(attach) || attach.length > 100) reject(`attach must be an array of at most 100 metric names, got ${describeValue(attach)}`);
      names = [...(attach as unknown[])].map((n) => (typeof n === 'string' ? n : reject(`attach must hold metric names, got ${describeValue(n)}`)));
    }
    return { allowMissing: allowMissing === true, label: label as string | undefined, contractsDir: contractsDir as string | undefined, attach: names };
  } catch (err) {
    if (err instanceof BadInput) throw new HilError('HIL_MATCHER_BAD_INPUT', err.message);
    throw new HilError('HIL_MATCHER_BAD_INPUT', `reading the matcher options failed (${err instanceof Error ? err.message.slice(0, 200) : describeValue(err)}); pass a plain object`, { cause: err });
  }
}
