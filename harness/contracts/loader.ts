import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { ContractError, ContractLoadError, HilError } from '../errors.ts';
import { byPosition, contractStem, parseContractText } from './parse-file.ts';
import type { Located, ParsedFile } from './parse-file.ts';
import type { ContractSet, Invariant, LoadedContract } from './types.ts';

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
 * `*.yml` is listed, so the load reports it as unreadable). Throws
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
      else if (kind === 'file' && /^\.ya?ml$/i.test(extname(entry.name))) files.push(full);
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

/** Reads and parses one file; a read failure becomes a `HIL_CONTRACT_READ_FAILED` problem. */
function parseFile(file: string): ParsedFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return {
      file,
      stem: contractStem(file),
      contract: undefined,
      ids: [],
      headerName: undefined,
      problems: [
        new ContractError('HIL_CONTRACT_READ_FAILED', `the file cannot be read (${reason}); check that it exists and is readable`, { file, line: 1, column: 1 }, { cause: err }),
      ],
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
