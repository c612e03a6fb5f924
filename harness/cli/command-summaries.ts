/**
 * The one-line summary of every `mbot-hil` subcommand, by name, in the order
 * `mbot-hil --help` lists them. Kept apart from the commands so that the
 * dispatcher (`main.ts`) can list them and load only the command it runs:
 * loading all of them (the simulator, the companion, the reporter, ...) took
 * about 1.5 s of every `mbot-hil` start.
 */
export const COMMAND_SUMMARIES = Object.freeze({
  sim: 'run the simulated mBot with the companion and dashboard live (prints their URLs), or behind a PTY (--pty)',
  ports: 'list serial ports and the mBot auto-detection would pick',
  doctor: 'open a robot (port, PTY or simulator): firmware, pins, round-trip time, what is missing',
  companion: 'run the reference companion (WebSocket telemetry bridge) and print its ws:// URL',
  baseline: 'save a run as the baseline, or compare a run with it (regression gate)',
  report: 're-render compliance.md, compliance.html and JUnit XML from a compliance.json',
  run: 'run the invariant specs on a target, then print the gate and where the reports are',
  monitor: 'watch a live companion, page and process against the contracts: alerts, history, health report',
  drift: 'compare a recording (HIL_RECORD) with the simulator; --fit calibrates a simulator profile',
  'serve-port': 'serve a serial port (or the simulator) as raw TCP for HIL_PORT=tcp://host:port',
});

/** A subcommand's name. */
export type CommandName = keyof typeof COMMAND_SUMMARIES;
