import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { ContractError, ContractLoadError, HilError } from '../errors.ts';
import { byPosition, contractStem, parseContractText } from './parse-file.ts';
import type { Located, ParsedFile } from './parse-file.ts';
import type { ContractSet, Invariant, LoadedContract } from './types.ts';
import { MAX_CONTRACT_BYTES } from './limits.ts';

/** Where to load contracts from. */
export interface ContractDirOptions {
  /** The contracts directory; relative paths are resolved against `cwd`. Wins over `HIL_CONTRACTS_DIR`. */
  dir?: string;
  /** Base of relative paths; default `process.cwd()`. */
  cwd?: string;
}

/** The environment variable naming the contracts directory when no `dir` is given. */
export const CONTRACTS_DIR_ENV = 'HIL_CONTRACTS_DIR';

/**
 * The absolute contracts directory: `options.dir`, else `$HIL_CONTRACTS_DIR`
 * (when set and not blank), else `<cwd>/contracts`; relative paths are
 * resolved against `options.cwd` (default `process.cwd()`). Does not touch
 * the file system.
 */
export function resolveContractsDir(options: ContractDirOptions = {}): string {
  const cwd = resolve(options.cwd ?? process.cwd());
  const fromEnv = process.env[CONTRACTS_DIR_ENV];
  const dir = options.dir ?? (fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : 'contracts');
  return resolve(cwd, dir);
}

/**
 * Every `*.yml` / `*.yaml` file under `dir`, recursively, as absolute paths
 * sorted by their path relative to `dir` (code-unit order, locale-free, so
 * every machine loads in the same order). Hidden files and directories
 * (`.name`) are skipped; symlinks are followed once (a dangling one named
 * `*.yml`, or one naming a device, FIFO or socket, is listed, so the load
 * reports it as unreadable). Throws
 * `HIL_CONTRACT_DIR_NOT_FOUND` when `dir` is not a directory and
 * `HIL_CONTRACT_DIR_EMPTY` when it holds no contract file.
 */
export function listContractFiles(dir: string): string[] {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new HilError(
      'HIL_CONTRACT_DIR_NOT_FOUND',
      `the contracts directory ${dir} does not exist or is not a directory; create it with your contract files (e.g. contracts/feature_performance.yml) or set ${CONTRACTS_DIR_ENV} to the directory that holds them`,
    );
  }
  const files: string[] = [];
  const seen = new Set<string>();
  const walk = (d: string): void => {
    const real = realpathSync(d);
    if (seen.has(real)) return;
    seen.add(real);
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(d, entry.name);
      let kind: 'dir' | 'file' | 'other' = entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
      if (entry.isSymbolicLink()) {
        try {
          const st = statSync(full);
          kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
        } catch {
          // A dangling link named like a contract is reported (read failure), not skipped.
          kind = 'file';
        }
      }
      if (kind === 'dir') walk(full);
      // A device, FIFO or socket named like a contract is listed, so the load
      // reports it instead of skipping it without a word.
      else if (/^\.ya?ml$/i.test(extname(entry.name))) files.push(full);
    }
  };
  walk(dir);
  if (files.length === 0) {
    throw new HilError(
      'HIL_CONTRACT_DIR_EMPTY',
      `the contracts directory ${dir} holds no *.yml or *.yaml file; add a contract (copy feature_performance.yml there) or point ${CONTRACTS_DIR_ENV} at the right directory`,
    );
  }
  const key = (f: string) => relative(dir, f);
  return files.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function kindOf(st: Stats): string {
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a file';
}

class Unreadable extends Error {
  constructor(readonly code: 'HIL_CONTRACT_READ_FAILED' | 'HIL_CONTRACT_TOO_LARGE', message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The file's text, read without blocking and never past the size limit:
 * `stat` first (a FIFO or a device is refused before it is opened), then
 * open non-blocking and check again on the open descriptor (the path may
 * have changed in between), then read at most {@link MAX_CONTRACT_BYTES} + 1 bytes.
 */
function readBounded(file: string): string {
  const refuse = (st: Stats) => new Unreadable('HIL_CONTRACT_READ_FAILED', `it is not a regular file (${kindOf(st)}); a contract is a YAML file: remove the entry or point it at a file`);
  const tooLarge = (size: number | string) => new Unreadable('HIL_CONTRACT_TOO_LARGE', `the file holds ${size} bytes; a contract file may hold at most ${MAX_CONTRACT_BYTES} (1 MiB); split it into several contract files`);
  const before = statSync(file);
  if (!before.isFile()) throw refuse(before);
  if (before.size > MAX_CONTRACT_BYTES) throw tooLarge(before.size);
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw refuse(st);
    const buf = Buffer.alloc(MAX_CONTRACT_BYTES + 1);
    let got = 0;
    for (let n = 1; n > 0 && got < buf.length; got += n) n = readSync(fd, buf, got, buf.length - got, null);
    if (got > MAX_CONTRACT_BYTES) throw tooLarge(`more than ${MAX_CONTRACT_BYTES}`);
    return buf.subarray(0, got).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Reads and parses one file; a read failure becomes a `HIL_CONTRACT_READ_FAILED` (or `_TOO_LARGE`) problem at 1:1. */
function parseFile(file: string): ParsedFile {
  let text: string;
  try {
    text = readBounded(file);
  } catch (err) {
    const code = err instanceof Unreadable ? err.code : 'HIL_CONTRACT_READ_FAILED';
    const message = err instanceof Unreadable
      ? err.message
      : `the file cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check that it exists and is readable`;
    return {
      file,
      stem: contractStem(file),
      contract: undefined,
      ids: [],
      headerName: undefined,
      problems: [new ContractError(code, message, { file, line: 1, column: 1 }, { cause: err })],
    };
  }
  return parseContractText(file, text);
}

const where = (l: Located) => `${l.location.file}:${l.location.line}:${l.location.column}`;

/** Problems only visible across files: duplicate invariant ids and contract names. */
function crossCheck(files: readonly ParsedFile[]): ContractError[] {
  const problems: ContractError[] = [];
  const ids = new Map<string, Located>();
  const stems = new Map<string, string>();
  const names = new Map<string, Located>();
  for (const f of files) {
    for (const id of f.ids) {
      const first = ids.get(id.value);
      if (first) {
        problems.push(new ContractError('HIL_CONTRACT_DUPLICATE_ID', `invariant id \`${id.value}\` is already declared at ${where(first)}; give each invariant a unique id (specs name invariants by id)`, id.location));
      } else ids.set(id.value, id);
    }
    const other = stems.get(f.stem);
    if (other !== undefined) {
      problems.push(new ContractError('HIL_CONTRACT_DUPLICATE_NAME', `contract name \`${f.stem}\` (the file name) is also the name of ${other}; rename one of the files, since contracts are looked up by file name`, { file: f.file, line: 1, column: 1 }));
    } else stems.set(f.stem, f.file);
    if (f.headerName) {
      const firstName = names.get(f.headerName.value);
      if (firstName) {
        problems.push(new ContractError('HIL_CONTRACT_DUPLICATE_NAME', `contract name \`${f.headerName.value}\` is already used at ${where(firstName)}; give each contract a distinct \`name:\``, f.headerName.location));
      } else names.set(f.headerName.value, f.headerName);
    }
  }
  return problems;
}

/**
 * Builds a {@link ContractSet} over already-loaded contracts. `findContract`
 * tries file stems first, then header names (so a stem that equals another
 * contract's header name resolves to the file).
 */
export function makeContractSet(dir: string, contracts: readonly LoadedContract[]): ContractSet {
  const byId = new Map<string, { contract: LoadedContract; invariant: Invariant }>();
  for (const contract of contracts) for (const invariant of contract.invariants) byId.set(invariant.id, { contract, invariant });
  return Object.freeze({
    dir,
    contracts: Object.freeze([...contracts]),
    findInvariant: (id: string) => byId.get(id),
    findContract: (name: string) => contracts.find((c) => c.name === name) ?? contracts.find((c) => c.header.name === name),
  });
}

/**
 * Loads and validates every contract of the directory (see
 * {@link resolveContractsDir} and {@link listContractFiles}), synchronously.
 * Throws `HIL_CONTRACT_DIR_NOT_FOUND` / `HIL_CONTRACT_DIR_EMPTY` as
 * {@link HilError}, or one {@link ContractLoadError} holding every problem
 * of every file, sorted by file, line and column.
 */
export function loadContracts(options: ContractDirOptions = {}): ContractSet {
  const dir = resolveContractsDir(options);
  const parsed = listContractFiles(dir).map(parseFile);
  const problems = [...parsed.flatMap((p) => p.problems), ...crossCheck(parsed)].sort(byPosition);
  if (problems.length > 0) throw new ContractLoadError(problems);
  return makeContractSet(dir, parsed.map((p) => p.contract as LoadedContract));
}

/**
 * Loads one contract file on its own (no cross-file checks beyond ids
 * repeated inside it). Throws {@link ContractLoadError} with every problem.
 */
export function loadContractFile(file: string, options: { cwd?: string } = {}): LoadedContract {
  const abs = resolve(options.cwd ?? process.cwd(), file);
  const parsed = parseFile(abs);
  const problems = [...parsed.problems, ...crossCheck([parsed])].sort(byPosition);
  if (problems.length > 0 || parsed.contract === undefined) throw new ContractLoadError(problems);
  return parsed.contract;
}
