/**
 * Loads the bench inventory (`benches.yml`, or `HIL_BENCH_INVENTORY`) and
 * picks the bench `HIL_BENCH` names. Problems (YAML syntax, schema,
 * duplicate names, ports or serial numbers) are collected with file, line
 * and column, using the contracts loader's YAML locator, and thrown
 * together in one {@link InventoryLoadError}.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { formatPath } from '../contracts/parse-file.ts';
import { nodeForPath, nodeStart, positionAt } from '../contracts/yaml-locate.ts';
import { HilError, LocatedError, type SourceLocation } from '../errors.ts';
import { inventorySchema, type BenchCapability, type InventoryData } from './inventory-schema.ts';

/** The environment variable naming the inventory file. */
export const INVENTORY_ENV = 'HIL_BENCH_INVENTORY';
/** The environment variable naming the bench this run is on. */
export const BENCH_ENV = 'HIL_BENCH';
/** The inventory file used when `HIL_BENCH_INVENTORY` is unset, relative to the working directory. */
export const DEFAULT_INVENTORY = 'benches.yml';

/** One problem in an inventory file, at a 1-based line and column. */
export class InventoryError extends LocatedError {
  constructor(message: string, where: SourceLocation & { path?: string }) {
    super('HIL_CONFIG_INVALID', message, where);
    this.name = 'InventoryError';
  }
}

/** Every problem of one inventory load, together (`HIL_CONFIG_INVALID`). */
export class InventoryLoadError extends HilError {
  readonly problems: readonly InventoryError[];

  constructor(problems: readonly InventoryError[]) {
    super('HIL_CONFIG_INVALID', `${problems.length} problem(s) in the bench inventory; fix each of them:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
    this.name = 'InventoryLoadError';
    this.problems = problems;
  }
}

/** A bench as loaded, with where it is declared. */
export interface Bench {
  name: string;
  port: string | undefined;
  serialNumber: string | undefined;
  capabilities: ReadonlySet<BenchCapability>;
  description: string | undefined;
  location: SourceLocation;
}

/** A loaded inventory. */
export interface BenchInventory {
  file: string;
  benches: readonly Bench[];
  /** The bench of that name, or undefined. */
  find(name: string): Bench | undefined;
}

/**
 * Parses inventory text. Throws {@link InventoryLoadError} listing every
 * problem, sorted by line and column.
 */
export function parseInventory(file: string, text: string): BenchInventory {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: InventoryError[] = doc.errors.map((e) => new InventoryError(`${e.message}; fix the YAML syntax here`, { file, ...positionAt(lineCounter, e.pos[0]) }));
  if (problems.length > 0) throw new InventoryLoadError(problems);
  const at = (path: readonly PropertyKey[]) => ({ file, ...nodeStart(lineCounter, nodeForPath(doc, path)), path: formatPath(path) });
  const parsed = inventorySchema.safeParse(doc.toJS());
  if (!parsed.success) {
    for (const iss of parsed.error.issues) {
      const prefix = iss.path.length > 0 ? `\`${formatPath(iss.path)}\`: ` : '';
      // An unknown key is pointed at itself, not at the mapping holding it.
      const path = iss.code === 'unrecognized_keys' && iss.keys[0] !== undefined ? [...iss.path, iss.keys[0]] : iss.path;
      problems.push(new InventoryError(`${prefix}${iss.message}`, at(path)));
    }
    throw new InventoryLoadError(sorted(problems));
  }
  const data: InventoryData = parsed.data;
  const seen = new Map<string, string>();
  data.benches.forEach((b, i) => {
    for (const [key, value, what] of [['name', b.name, 'bench name'], ['port', b.port, 'port'], ['serial_number', b.serial_number, 'serial number']] as const) {
      if (value === undefined) continue;
      const where = at(['benches', i, key]);
      const first = seen.get(`${key}\0${value}`);
      if (first) problems.push(new InventoryError(`${what} \`${value}\` is already used at ${first}; each bench needs its own`, where));
      else seen.set(`${key}\0${value}`, `${where.file}:${where.line}:${where.column}`);
    }
  });
  if (problems.length > 0) throw new InventoryLoadError(sorted(problems));
  const benches: Bench[] = data.benches.map((b, i) => {
    const { path: _path, ...location } = at(['benches', i]);
    return {
      name: b.name,
      port: b.port,
      serialNumber: b.serial_number,
      capabilities: new Set(b.capabilities as BenchCapability[]),
      description: b.description,
      location,
    };
  });
  return { file, benches, find: (name) => benches.find((b) => b.name === name) };
}

function sorted(problems: InventoryError[]): InventoryError[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

type Env = Record<string, string | undefined>;

/** The inventory file: `file`, else `HIL_BENCH_INVENTORY`, else `<cwd>/benches.yml`. */
export function resolveInventoryPath(file?: string, env: Env = process.env, cwd: string = process.cwd()): string {
  return resolve(cwd, file ?? (env[INVENTORY_ENV]?.trim() || DEFAULT_INVENTORY));
}

/**
 * Reads and parses the inventory. Throws `HIL_CONFIG_INVALID` when the file
 * cannot be read, or {@link InventoryLoadError} with every problem.
 */
export function loadInventory(file?: string, env: Env = process.env, cwd?: string): BenchInventory {
  const path = resolveInventoryPath(file, env, cwd);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new HilError('HIL_CONFIG_INVALID', `no bench inventory at ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); create it (format: harness/lab/README.md) or set ${INVENTORY_ENV}`, { cause: err });
  }
  return parseInventory(path, text);
}

/**
 * The bench `HIL_BENCH` names, from the inventory; undefined when
 * `HIL_BENCH` is unset. Throws `HIL_CONFIG_INVALID` when the inventory
 * cannot be loaded or lacks the bench (naming those it has).
 */
export function currentBench(env: Env = process.env, cwd?: string): Bench | undefined {
  const name = env[BENCH_ENV]?.trim();
  if (!name) return undefined;
  const inventory = loadInventory(undefined, env, cwd);
  const bench = inventory.find(name);
  if (!bench) {
    throw new HilError('HIL_CONFIG_INVALID', `${BENCH_ENV}=${name} is not in ${inventory.file}; it lists ${inventory.benches.map((b) => b.name).join(', ')}`);
  }
  return bench;
}

/**
 * The serial port of a bench: its `port`, else the port whose USB serial
 * number matches (from a `listPorts()` listing). Throws `HIL_PORT_NOT_FOUND`
 * naming the serial number when no listed port has it.
 */
export function benchPort(bench: Bench, listing: { ports: readonly { path: string; serialNumber?: string; byId?: string }[] } = { ports: [] }): string {
  if (bench.port) return bench.port;
  const match = listing.ports.find((p) => p.serialNumber === bench.serialNumber);
  if (match) return match.byId ?? match.path;
  throw new HilError('HIL_PORT_NOT_FOUND', `bench ${bench.name}: no serial port has USB serial number ${bench.serialNumber ?? '(none)'}; plug the robot in, check it with \`npx mbot-hil ports\`, or give \`port:\` in ${bench.location.file}`);
}

/**
 * The environment a run on `HIL_BENCH` needs: `HIL_PORT` from the
 * inventory when it is not set already (a port given by hand wins). Without
 * `HIL_BENCH`, or without an inventory file (`HIL_BENCH` as a mere label),
 * `env` is returned unchanged. Pass a port listing to resolve a bench that
 * has only a serial number.
 */
export function withBenchPort(env: Env = process.env, listing?: Parameters<typeof benchPort>[1], cwd?: string): Env {
  if (!env[BENCH_ENV]?.trim() || env.HIL_PORT?.trim() || !existsSync(resolveInventoryPath(undefined, env, cwd))) return env;
  const bench = currentBench(env, cwd);
  return bench ? { ...env, HIL_PORT: benchPort(bench, listing) } : env;
}
