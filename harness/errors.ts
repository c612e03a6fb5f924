/**
 * Errors of the harness. Every error carries a stable `code` (listed in the
 * README under "Error codes") and a message that says what to do about it.
 * Codes never change meaning once published; add new ones instead.
 */

/** Every stable code the harness can raise, with a one-line meaning. */
export const ERROR_CODES = {
  HIL_CONTRACT_DIR_NOT_FOUND: 'the contracts directory does not exist',
  HIL_CONTRACT_DIR_EMPTY: 'the contracts directory holds no *.yml file',
  HIL_CONTRACT_READ_FAILED: 'a contract file could not be read',
  HIL_CONTRACT_YAML_SYNTAX: 'a contract file is not valid YAML',
  HIL_CONTRACT_SCHEMA: 'a contract does not have the shape the harness expects',
  HIL_CONTRACT_DUPLICATE_ID: 'two invariants (in one file or across files) share an id',
  HIL_CONTRACT_DUPLICATE_NAME: 'two contract files have the same name',
  HIL_EXPR_SYNTAX: 'a check expression cannot be parsed',
  HIL_EXPR_UNKNOWN_OPERATOR: 'a check expression uses an operator outside the allowed set',
  HIL_EXPR_FORBIDDEN: 'a check expression tries to call a function, index, or reach a global',
  HIL_EXPR_EMPTY: 'a check expression is empty',
  HIL_EXPR_NOT_BOOLEAN: 'a check expression does not produce a true/false verdict',
  HIL_EXPR_TYPE_MISMATCH: 'a check expression does arithmetic on, or compares, a true/false verdict where a number is needed',
  HIL_EXPR_TOO_COMPLEX: 'a check expression is longer than 2,000 characters or nested more than 64 levels deep',
  HIL_EXPR_NOT_FINITE: 'a check expression holds a constant that is not a finite number (1e309, 1/0, a division by zero)',
  HIL_CONTRACT_YAML_TAG: 'a contract file uses a YAML tag outside the core schema (e.g. !!binary, !!set, !custom)',
  HIL_CONTRACT_TOO_DEEP: 'a contract file nests YAML collections more than 64 levels deep',
  HIL_CONTRACT_TOO_LARGE: 'a contract file is larger than 1 MiB',
  HIL_CONTRACTS_INVALID: 'loading the contracts found one or more problems (listed together)',
  HIL_INVARIANT_NOT_FOUND: 'no loaded contract declares the invariant id',
  HIL_CONTRACT_NOT_FOUND: 'no loaded contract has the name',
  HIL_MATCHER_BAD_INPUT: 'a matcher received something that is not a metrics snapshot or a record of numbers',
  HIL_MATCHER_NO_TEST: 'a matcher was called outside a running test (a hook, an asymmetric matcher), where its evaluation cannot reach the report',
  HIL_METRIC_INVALID: 'a metric value is not a finite number or a metric name is malformed',
  HIL_METRIC_UNKNOWN: 'a metric name is not defined in the metric catalogue',
  HIL_REPORT_SCHEMA: 'a compliance report failed schema validation',
  HIL_GATE_FAILED: 'the compliance gate of a run failed (a failed, unevaluated or required-but-missing invariant, no invariant at all, a contract problem, or an interrupted run)',
  HIL_REPORT_WRITE_FAILED: 'a report file could not be written',
  HIL_REPORTS_DIR_BUSY: 'another live run holds the reports folder\'s lock (the lock names it)',
  HIL_CONFIG_INVALID: 'a harness option or environment variable has a bad value',
  HIL_CLI_USAGE: 'the command line names an unknown command or option, lacks a value, or gives one out of range (exit code 2)',
  HIL_UNEXPECTED: 'an error the harness did not foresee (a bug): the message says what failed; HIL_DEBUG=1 prints its stack',
  HIL_PORT_NOT_FOUND: 'no serial port matches the configured or auto-detected mBot',
  HIL_PORT_OPEN_FAILED: 'the serial port exists but could not be opened',
  HIL_PORT_DISCONNECTED: 'the robot disconnected during a run',
  HIL_PORT_FOREIGN_PROTOCOL: 'mbot-hil serve-port cut a client whose first bytes were an HTTP or TLS request (a web page posting to the port) instead of serial traffic; nothing of it reached the robot',
  HIL_RECORDING_INVALID: 'a recording (HIL_PORT=replay:<file>, mbot-hil drift) is missing, not a recording, of a newer format version, or holds a malformed line',
  HIL_RECORDING_WRITE_FAILED: 'HIL_RECORD could not open or write its file (the test results stand; the recording misses events)',
  HIL_REPLAY_DIVERGED: 'a replayed run sent the robot something other than the recording holds (the message names the test, the expected and actual Firmata messages and the offset)',
  HIL_FIRMWARE_TIMEOUT: 'the board did not announce Firmata within the timeout',
  HIL_FIRMWARE_UNSUPPORTED: 'the board answered but is not running a usable Firmata',
  HIL_PTY_UNAVAILABLE: 'a virtual serial device could not be made (neither python3 nor socat installed, or the one chosen failed)',
  HIL_PTY_LOST: 'the relay behind the PTY stand-in (python3 or socat) ended by itself while the simulator was served on it',
  HIL_SIM_INVALID_OPTION: 'a simulator option is out of range',
  HIL_AVR_HEX_INVALID: 'a firmware image for the AVR emulator is not valid Intel HEX for the ATmega328P',
  HIL_AVR_FIRMWARE_UNAVAILABLE: 'a bundled AVR firmware image could not be fetched from the npm registry, verified, or found in the cache',
  HIL_CLOCK_MISUSE: 'a clock operation is not valid for the clock in force',
  HIL_PROTOCOL_MALFORMED_JSON: 'a WebSocket message is not a JSON object (the companion answers with a protocol_error event)',
  HIL_PROTOCOL_BAD_VERSION: 'a WebSocket message does not carry `version: 2` of the mBot RuVector envelope',
  HIL_PROTOCOL_UNKNOWN_TYPE: 'a WebSocket message has a `type` outside state, command, event, batch, ping, pong',
  HIL_PROTOCOL_UNEXPECTED_TYPE: 'a client sent a message type only the companion may send (state, event)',
  HIL_PROTOCOL_BAD_PAYLOAD: 'a command or batch payload does not have the documented shape',
  HIL_PROTOCOL_FRAME_TOO_LARGE: 'a client sent a frame over the companion\'s size limit (the connection is closed with 1009)',
  HIL_PROTOCOL_RATE_LIMITED: 'a client sent more messages than the companion accepts per second (a flood closes it with 1008)',
  HIL_PROTOCOL_SLOW_CONSUMER: 'a client reads too slowly: telemetry for it was dropped, or it was closed with 1008',
  HIL_PROTOCOL_UNAUTHORIZED: 'a client connected without the companion\'s token (HTTP 401)',
  HIL_PROTOCOL_TOO_DEEP: 'a WebSocket message nests JSON deeper than the companion accepts (32 levels); refused before any parsing',
  HIL_PROTOCOL_BAD_REQUEST: 'an HTTP request to the companion or the dashboard server has a target that is not a valid path (HTTP 400)',
  HIL_PROTOCOL_ORIGIN_REFUSED: 'a WebSocket upgrade came from a web page whose Origin is not allowed (HTTP 403); allow it with --allow-origin',
  HIL_PROTOCOL_TOO_MANY_CONNECTIONS: 'the companion already serves its maximum number of clients (HTTP 503); raise --max-connections or close clients',
  HIL_PROTOCOL_MESSAGE_TIMEOUT: 'a client began a WebSocket message and did not finish it in time (the connection is closed with 1008)',
  HIL_PROTOCOL_INTERNAL_ERROR: 'a server (companion or dashboard) failed while handling a request or message: answered, logged once, and it goes on',
  HIL_COMPANION_START_FAILED: 'the companion could not start (port in use, no robot, missing token, child process died)',
  HIL_PROBE_CONNECT_FAILED: 'a probe could not connect to the system under test (URL, token, process id)',
  HIL_PROBE_UNAVAILABLE: 'a probe cannot measure what it was asked to (no IPC channel, no inspector, not Linux; a companion elsewhere that answers no ping, so its clock offset is unknown)',
  HIL_DRAWING_NOT_FOUND: 'no drawing file has the given name or path',
  HIL_DRAWING_INVALID: 'a drawing file does not follow the mbot-hil/drawing@1 format (every problem listed)',
  HIL_BROWSER_NOT_FOUND: 'no Chromium executable was found (install the chromium package or set HIL_CHROMIUM)',
  HIL_BROWSER_LAUNCH_FAILED: 'Chromium was found but did not start, or stopped responding',
  HIL_PAGE_LOAD_FAILED: 'the page under test could not be loaded (bad URL, server down, HTTP error)',
  HIL_PAGE_PROBE_FAILED: 'the frame probe could not measure the page (script error, no frames, hook missing)',
  HIL_ALERT_HOOK_FAILED: 'the monitor\'s --on-alert command could not start, exited non-zero or timed out (reported; the monitor goes on)',
  HIL_DRIFT_NOT_FITTED: '`mbot-hil drift --write-profile` found no drive with sonar readings in the recording to fit the simulator\'s drive from (no profile is written; the drift reports are)',
} as const;

/** A stable harness error code. */
export type HilErrorCode = keyof typeof ERROR_CODES;

/** Base class of every harness error: `code` is stable, `message` says what to do. */
export class HilError extends Error {
  readonly code: HilErrorCode;

  constructor(code: HilErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'HilError';
    this.code = code;
  }
}

/** Where in a file a problem sits; line and column are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/**
 * A problem at a place in a file (a contract, the bench inventory):
 * `line`/`column` are 1-based and point at the offending YAML node (or the
 * character inside a check expression). The message starts with
 * `file:line:column:`.
 */
export class LocatedError extends HilError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The dotted YAML path of the node, e.g. `invariants[2].validation[0].check`. */
  readonly path: string;

  constructor(
    code: HilErrorCode,
    message: string,
    where: SourceLocation & { path?: string },
    options?: { cause?: unknown },
  ) {
    super(code, `${where.file}:${where.line}:${where.column}: ${message}`, options);
    this.name = 'LocatedError';
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.path = where.path ?? '';
  }
}

/** One problem in a contract file (see {@link LocatedError}). */
export class ContractError extends LocatedError {
  constructor(
    code: HilErrorCode,
    message: string,
    where: SourceLocation & { path?: string },
    options?: { cause?: unknown },
  ) {
    super(code, message, where, options);
    this.name = 'ContractError';
  }
}

/**
 * Thrown by a contract load that found problems: all of them, together, in
 * `problems` (ordered by file, line, column). Its message lists every one.
 */
export class ContractLoadError extends HilError {
  readonly problems: readonly ContractError[];

  constructor(problems: readonly ContractError[]) {
    const lines = problems.map((p) => `  - ${p.message}`);
    super(
      'HIL_CONTRACTS_INVALID',
      `${problems.length} problem(s) in the contracts; fix each of them:\n${lines.join('\n')}`,
    );
    this.name = 'ContractLoadError';
    this.problems = problems;
  }
}

/** True when `err` is a harness error with the given code (works across realms). */
export function isHilError(err: unknown, code?: HilErrorCode): err is HilError {
  if (typeof err !== 'object' || err === null) return false;
  const c = (err as { code?: unknown }).code;
  if (typeof c !== 'string' || !(c in ERROR_CODES)) return false;
  return code === undefined || c === code;
}
