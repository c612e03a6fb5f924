import { basename, extname } from 'node:path';
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, Parser, visit } from 'yaml';
import type { Document, Scalar } from 'yaml';
import { ContractError } from '../errors.ts';
import type { SourceLocation } from '../errors.ts';
import { compileCheck } from './expression.ts';
import { MAX_CONTRACT_BYTES, MAX_YAML_DEPTH } from './limits.ts';
import { contractFileSchema } from './schema.ts';
import type { ContractFileData } from './schema.ts';
import type { ContractHeader, Invariant, LoadedContract, Validation } from './types.ts';
import { nodeForPath, nodeStart, positionAt, scalarLocator } from './yaml-locate.ts';
import type { DocPath } from './yaml-locate.ts';

/** A located value found in a file, for checks that span files (duplicates). */
export interface Located {
  value: string;
  location: SourceLocation & { path: string };
}

/** Everything one file contributes to a load: the contract when it has no problem of its own. */
export interface ParsedFile {
  file: string;
  /** The file stem, e.g. `feature_performance`. */
  stem: string;
  contract: LoadedContract | undefined;
  problems: ContractError[];
  /** Every well-formed invariant id in the file, in order (even when the file has other problems). */
  ids: Located[];
  headerName: Located | undefined;
}

const YAML_HINTS: Readonly<Record<string, string>> = {
  DUPLICATE_KEY: 'remove or rename the repeated key',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  MULTIPLE_DOCS: 'keep one YAML document per contract file (remove the extra `---`)',
  MISSING_CHAR: 'close the quote or bracket',
  BAD_INDENT: 'align the entry with its siblings',
  BLOCK_AS_IMPLICIT_KEY: 'put the nested mapping on its own indented lines',
};

const INVARIANT_KEYS = new Set(['id', 'name', 'description', 'severity', 'enforcement', 'validation']);
const VALIDATION_KEYS = new Set(['type', 'check', 'failure_mode', 'remediation']);

/** Orders problems by file, then line, then column. */
export function byPosition(a: ContractError, b: ContractError): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}

/** `invariants[2].validation[0].check` from `['invariants', 2, 'validation', 0, 'check']`. */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : `${out === '' ? '' : '.'}${String(seg)}`;
  return out;
}

/** The file's stem (name without `.yml`/`.yaml`): the name a contract is looked up by. */
export function contractStem(file: string): string {
  return basename(file, extname(file));
}

/**
 * Parses and validates one contract file's text. Never throws: every
 * problem (YAML syntax, schema, check expressions) is returned with its
 * file position. YAML syntax errors stop the file's other checks, since the
 * tree they would inspect is unreliable. Duplicate ids and names (within a
 * file or across files) are the loader's job, from `ids`/`headerName`.
 * Problems come sorted by line and column.
 */
export function parseContractText(file: string, text: string): ParsedFile {
  const out = parseUnsorted(file, text);
  out.problems.sort(byPosition);
  return out;
}

function parseUnsorted(file: string, text: string): ParsedFile {
  const out: ParsedFile = { file, stem: contractStem(file), contract: undefined, problems: [], ids: [], headerName: undefined };
  const problem = (code: ContractError['code'], message: string, where: SourceLocation & { path?: string }) => {
    out.problems.push(new ContractError(code, message, where));
  };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONTRACT_BYTES) {
    problem('HIL_CONTRACT_TOO_LARGE', `the file holds ${bytes} bytes; a contract file may hold at most ${MAX_CONTRACT_BYTES} (1 MiB); split it into several contract files`, { file, line: 1, column: 1 });
    return out;
  }
  const lineCounter = new LineCounter();
  // Before the (recursive) composer sees the text: the CST parser keeps its
  // own stack, so a file nested thousands deep is measured without recursion.
  const deep = firstTooDeep(text);
  if (deep !== null) {
    problem('HIL_CONTRACT_TOO_DEEP', `YAML collections are nested more than ${MAX_YAML_DEPTH} levels deep here; a contract needs a handful, so flatten this value`, { file, ...positionAt(lineOffsets(text), deep) });
    return out;
  }
  try {
    parseChecked(file, text, lineCounter, out, problem);
  } catch (err) {
    // Last line of defence: whatever the limits above missed must not escape as a raw error.
    if (!(err instanceof RangeError)) throw err;
    out.problems.push(new ContractError('HIL_CONTRACT_TOO_DEEP', `the file is too deeply nested to read (${err.message}); flatten it`, { file, line: 1, column: 1 }));
  }
  return out;
}

/** A LineCounter filled with every line start of `text`. */
function lineOffsets(text: string): LineCounter {
  const lc = new LineCounter();
  lc.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lc.addNewLine(i + 1);
  return lc;
}

interface CstNode { type?: string; offset?: number; value?: unknown; items?: { key?: unknown; value?: unknown }[] }

/** Offset of the first collection nested deeper than {@link MAX_YAML_DEPTH}, or null; iterative. */
function firstTooDeep(text: string): number | null {
  const stack: [CstNode | undefined, number][] = [];
  for (const token of new Parser().parse(text)) stack.push([token as CstNode, 0]);
  let found: number | null = null;
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [CstNode | undefined, number];
    if (!node || typeof node !== 'object') continue;
    const collection = node.type === 'block-map' || node.type === 'block-seq' || node.type === 'flow-collection';
    const d = depth + (collection ? 1 : 0);
    if (d > MAX_YAML_DEPTH) {
      const at = node.offset ?? 0;
      if (found === null || at < found) found = at;
      continue;
    }
    if (node.type === 'document') stack.push([node.value as CstNode, d]);
    if (collection) {
      for (const item of node.items ?? []) {
        stack.push([item.key as CstNode, d]);
        stack.push([item.value as CstNode, d]);
      }
    }
  }
  return found;
}

// The core schema's tags. Anything else (YAML 1.1's !!binary, !!set,
// !!omap, !!pairs, !!timestamp, or a local !tag) is refused: a contract is
// plain data, and an unknown tag would either become an object the harness
// cannot freeze or a string that silently lost its meaning.
const CORE_TAGS = new Set(['tag:yaml.org,2002:str', 'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:bool', 'tag:yaml.org,2002:null', 'tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq']);

/** Where a node's explicit tag is written: the `!...` word just before the node's value, else the node's start. */
function tagOffset(text: string, node: unknown): number {
  const start = (node as { range?: [number] }).range?.[0] ?? 0;
  let end = start;
  while (end > 0 && /[ \t]/.test(text.charAt(end - 1))) end--;
  let begin = end;
  while (begin > 0 && !/\s/.test(text.charAt(begin - 1))) begin--;
  return begin < end && text.charAt(begin) === '!' ? begin : start;
}

type Problem = (code: ContractError['code'], message: string, where: SourceLocation & { path?: string }) => void;

function parseChecked(file: string, text: string, lineCounter: LineCounter, out: ParsedFile, problem: Problem): void {
  const doc = parseDocument(text, { keepSourceTokens: true, lineCounter, prettyErrors: false, uniqueKeys: true, resolveKnownTags: false });
  const at = (node: unknown, path: DocPath) => ({ file, ...nodeStart(lineCounter, node), path: formatPath(path) });

  for (const e of doc.errors) {
    const hint = YAML_HINTS[e.code] ?? 'fix the YAML syntax here';
    problem('HIL_CONTRACT_YAML_SYNTAX', `${e.message}; ${hint}`, { file, ...positionAt(lineCounter, e.pos[0]) });
  }
  if (out.problems.length > 0) return;

  visit(doc, (_key, node) => {
    if (!isNode(node)) return;
    const tag = (node as { tag?: string }).tag;
    if (tag === undefined || CORE_TAGS.has(tag)) return;
    const shown = tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
    problem('HIL_CONTRACT_YAML_TAG', `the YAML tag \`${shown}\` is not allowed; contracts use only the core YAML tags (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq): remove the tag and write the value as plain text`, { file, ...positionAt(lineCounter, tagOffset(text, node)) });
  });
  if (out.problems.length > 0) return;

  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) === undefined) {
        problem('HIL_CONTRACT_YAML_SYNTAX', `the alias \`*${node.source}\` refers to no anchor; define \`&${node.source}\` before it or write the value out`, at(node, []));
      }
    },
  });
  if (out.problems.length > 0) return;

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    problem('HIL_CONTRACT_SCHEMA', 'the file is empty; a contract needs a `contract:` header (with `name:`) and an `invariants:` list', { file, line: 1, column: 1 });
    return;
  }
  if (!isMap(doc.contents)) {
    const found = isSeq(doc.contents) ? 'a list' : isAlias(doc.contents) ? 'an alias' : 'a single value';
    problem('HIL_CONTRACT_SCHEMA', `the top level is ${found}; it must be a mapping with \`contract:\` and \`invariants:\` keys`, at(doc.contents, []));
    return;
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    problem('HIL_CONTRACT_YAML_SYNTAX', `the YAML cannot be turned into data (${(err as Error).message}); simplify anchors and aliases`, { file, line: 1, column: 1 });
    return;
  }

  const parsed = contractFileSchema.safeParse(data);
  if (!parsed.success) {
    for (const iss of parsed.error.issues) {
      const where = at(nodeForPath(doc, iss.path), iss.path);
      const prefix = iss.path.length > 0 ? `\`${formatPath(iss.path)}\`: ` : '';
      problem('HIL_CONTRACT_SCHEMA', `${prefix}${iss.message}`, where);
    }
  }

  const compiled = compileAll(doc, text, lineCounter, file, data, out);
  collectNames(doc, data, at, out);
  if (out.problems.length === 0 && parsed.success) {
    // The raw data, not zod's copy: the schema transforms nothing, and the
    // raw object is what `toJS` built with own-property semantics for every
    // key (zod's copy of unknown keys is not guaranteed to treat `__proto__` as data).
    out.contract = build(file, out.stem, data as ContractFileData, doc, compiled, at);
  }
}

type At = (node: unknown, path: DocPath) => SourceLocation & { path: string };
type CompiledMap = Map<string, Validation['compiled']>;

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

// Runs over the raw data rather than the zod result, so expression problems
// are reported even when the same file has schema problems elsewhere.
function compileAll(doc: Document, text: string, lineCounter: LineCounter, file: string, data: unknown, out: ParsedFile): CompiledMap {
  const compiled: CompiledMap = new Map();
  const invariants = isRecord(data) ? data.invariants : undefined;
  if (!Array.isArray(invariants)) return compiled;
  invariants.forEach((inv, i) => {
    const validation = isRecord(inv) ? inv.validation : undefined;
    if (!Array.isArray(validation)) return;
    validation.forEach((entry, j) => {
      if (!isRecord(entry) || typeof entry.check !== 'string') return;
      const path = ['invariants', i, 'validation', j, 'check'];
      const node = doc.getIn(path, true);
      const where = { file, ...nodeStart(lineCounter, node), path: formatPath(path) };
      const locate = isScalar(node) ? scalarLocator(text, node as Scalar, lineCounter) : undefined;
      try {
        compiled.set(where.path, compileCheck(entry.check.trimEnd(), { ...where, locate }));
      } catch (err) {
        if (err instanceof ContractError) out.problems.push(err);
        else throw err;
      }
    });
  });
  return compiled;
}

function collectNames(doc: Document, data: unknown, at: At, out: ParsedFile): void {
  const header = isRecord(data) ? data.contract : undefined;
  if (isRecord(header) && typeof header.name === 'string') {
    const path = ['contract', 'name'];
    out.headerName = { value: header.name, location: at(doc.getIn(path, true), path) };
  }
  const invariants = isRecord(data) ? data.invariants : undefined;
  if (!Array.isArray(invariants)) return;
  invariants.forEach((inv, i) => {
    if (!isRecord(inv) || typeof inv.id !== 'string') return;
    const path = ['invariants', i, 'id'];
    out.ids.push({ value: inv.id, location: at(doc.getIn(path, true), path) });
  });
}

function omit(record: Record<string, unknown>, known: ReadonlySet<string>): Record<string, unknown> {
  // fromEntries defines own properties, so a `__proto__` key stays data.
  return Object.fromEntries(Object.entries(record).filter(([k]) => !known.has(k)));
}

function build(file: string, stem: string, data: ContractFileData, doc: Document, compiled: CompiledMap, at: At): LoadedContract {
  const { name, version, status, owner } = data.contract;
  const versionNode = doc.getIn(['contract', 'version'], true);
  const versionText = typeof version === 'number' && isScalar(versionNode) ? ((versionNode as Scalar).source ?? String(version)) : version;
  const header: ContractHeader = {
    ...omit(data.contract, new Set(['name', 'version', 'status', 'owner'])),
    name,
    version: versionText === undefined || versionText === null ? undefined : String(versionText),
    status: status ?? undefined,
    owner: owner ?? undefined,
  };
  const invariants: Invariant[] = data.invariants.map((inv, i) => {
    const idPath = ['invariants', i, 'id'];
    const validation: Validation[] = inv.validation.map((v, j) => {
      const path = ['invariants', i, 'validation', j, 'check'];
      const location = at(doc.getIn(path, true), path);
      return {
        type: v.type,
        check: v.check,
        failureMode: v.failure_mode ?? undefined,
        remediation: v.remediation ?? undefined,
        compiled: compiled.get(location.path) as Validation['compiled'],
        location: { file: location.file, line: location.line, column: location.column },
        extra: omit(v, VALIDATION_KEYS),
      };
    });
    const location = at(doc.getIn(idPath, true), idPath);
    return {
      id: inv.id,
      name: inv.name,
      description: inv.description ?? undefined,
      severity: inv.severity ?? undefined,
      enforcement: inv.enforcement ?? undefined,
      validation,
      location: { file: location.file, line: location.line, column: location.column },
      extra: omit(inv, INVARIANT_KEYS),
    };
  });
  const sections = omit(data, new Set(['contract', 'invariants']));
  return deepFreeze({ name: stem, file, header, invariants, sections });
}

/** Freezes plain objects and arrays recursively (compiled checks are already frozen; binary views are never built: tags are refused). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value) && !ArrayBuffer.isView(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
