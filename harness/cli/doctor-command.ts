/**
 * `mbot-hil doctor`: opens a robot (a serial port, the PTY stand-in or the
 * simulator), and reports what a bench user needs to know before running
 * specs: firmware name and version, the pins and modes the board announces,
 * Firmata round-trip time, and what the mBot's components need that is
 * missing. When the board does not answer at the configured rate it tries
 * the common rates and says which one did (`baud-scan.ts`). The motors are
 * stopped and the port closed on the way out.
 */
import { performance } from 'node:perf_hooks';
import { HilError } from '../errors.ts';
import { LatencyRecorder } from '../metrics/latency-recorder.ts';
import { readTargetSettings } from '../targets/select-target.ts';
import { COMMON_BAUD_RATES, FIRMWARE_PROFILES } from '../mbot/firmware-profiles.ts';
import { connectScanningRates, type BaudFinding } from './baud-scan.ts';
import type { FirmataIo } from '../targets/vendor.ts';
import { WIRING_PROFILES, type WiringProfileName } from '../mbot/mcore-pins.ts';
import { parseCommandArgs, UsageError, type Command } from './command.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

const HELP = `Usage: mbot-hil doctor [--sim | --port PATH] [--firmware ID] [--baud N] [--wiring NAME] [--samples N] [--json]

Opens the robot, reports firmware name and version, the pins and modes the
board announces, the Firmata round-trip time (median and p99 of N version
queries), and which mBot parts cannot work with this board and why. When the
board does not answer at the configured baud rate, tries ${COMMON_BAUD_RATES.join(', ')}
in turn and says which one answered.

Target: --sim (the simulator, in real time), --port PATH (a serial port;
'sim-pty' for the simulator behind a PTY), else HIL_PORT, else the
port auto-detected by USB id.

Options:
  --sim            check the simulator
  --port PATH      check this serial port
  --firmware ID    firmware profile: ${Object.values(FIRMWARE_PROFILES).map((p) => `${p.id} (${p.baudRate} baud)`).join(', ')};
                   default HIL_FIRMWARE, else mbot-usb
  --baud N         open the port at N baud first; default HIL_BAUD, else the profile's rate
  --wiring NAME    johnny-five-examples (default) or assembly-guide
  --samples N      round trips to time (default 20)
  --json           print the findings as JSON
  -h, --help       show this help

Exit codes: 0 nothing missing, 1 something missing (a wrong baud rate
included) or the robot could not be opened (the error's code says why),
2 bad arguments.`;

/** Firmata pin modes the mBot's parts need (StandardFirmata numbering). */
const MODE = { INPUT: 0, OUTPUT: 1, ANALOG: 2, PWM: 3, SERVO: 4, PING_READ: 0x75 } as const;
const MODE_NAMES: Record<number, string> = {
  0: 'INPUT', 1: 'OUTPUT', 2: 'ANALOG', 3: 'PWM', 4: 'SERVO', 6: 'I2C', 7: 'ONEWIRE', 8: 'STEPPER', 10: 'SERIAL', 11: 'PULLUP', 0x75: 'PING_READ',
};

/** One thing the mBot needs from the board, and whether the board has it. */
export interface DoctorCheck {
  part: string;
  needs: string;
  ok: boolean;
  hint?: string;
}

/** What `doctor` found. Plain JSON. */
export interface DoctorReport {
  target: string;
  port: string | null;
  /** The rate asked for, the rate the board answered at, every rate tried, and what to set. */
  baud: BaudFinding;
  firmware: { name: string; version: string };
  protocolVersion: string | null;
  handshakeMs: number;
  pins: { total: number; analogChannels: number; summary: string[] };
  roundTripMs: { samples: number; p50: number; p99: number; max: number };
  checks: DoctorCheck[];
  missing: string[];
}

function pinName(pin: number, analogChannel: number | undefined): string {
  return analogChannel !== undefined && analogChannel !== 127 && pin >= 14 ? `A${analogChannel} (${pin})` : `D${pin}`;
}

/** Whether `pin` announces `mode`, as a check with a hint when it does not. */
function needMode(io: FirmataIo, part: string, pin: number, mode: number): DoctorCheck {
  const p = io.pins[pin];
  const ok = !!p && p.supportedModes.includes(mode);
  const name = pinName(pin, p?.analogChannel);
  return {
    part,
    needs: `${name} ${MODE_NAMES[mode] ?? mode}`,
    ok,
    ...(ok ? {} : { hint: p ? `${name} announces ${p.supportedModes.map((m) => MODE_NAMES[m] ?? m).join(', ') || 'no modes'}; flash Makeblock's mBot Firmata, which has ping-read for the ultrasonic (${FIRMWARE_PROFILES['mbot-usb'].install})` : `the board announces no pin ${pin}; is this an mCore (ATmega328P, 22 pins)?` }),
  };
}

/** The checks for every part of the mBot on the given wiring. */
export function mbotChecks(io: FirmataIo, wiring: WiringProfileName, firmwareName: string): DoctorCheck[] {
  const w = WIRING_PROFILES[wiring];
  const analog = (channel: number, part: string): DoctorCheck => {
    const ok = io.analogPins.some((pin) => io.pins[pin]?.analogChannel === channel);
    return { part, needs: `A${channel} ANALOG`, ok, ...(ok ? {} : { hint: `no pin maps to analog channel ${channel}; the analog-mapping reply must describe A6/A7 (pins 20, 21)` }) };
  };
  const checks = [
    needMode(io, 'left motor', w.leftMotor.pwm, MODE.PWM),
    needMode(io, 'left motor', w.leftMotor.dir, MODE.OUTPUT),
    needMode(io, 'right motor', w.rightMotor.pwm, MODE.PWM),
    needMode(io, 'right motor', w.rightMotor.dir, MODE.OUTPUT),
    needMode(io, 'buzzer', w.buzzerPin, MODE.OUTPUT),
    needMode(io, 'ultrasonic', w.ultrasonicPin, MODE.PING_READ),
    needMode(io, 'line follower', w.lineSensorPins.left, MODE.INPUT),
    needMode(io, 'line follower', w.lineSensorPins.right, MODE.INPUT),
    needMode(io, 'pen servo', w.penServoPin, MODE.SERVO),
    analog(6, 'light sensor'),
    analog(7, 'button'),
  ];
  // node-pixel's firmware and Makeblock's mBot Firmata answer the 0x51 sysex; StandardFirmata ignores it.
  const pixel = /pixel|mbotFirmata|mbot-hil-sim/i.test(firmwareName);
  checks.push({
    part: 'RGB LEDs',
    needs: `WS2812 on D${w.ledPin} (node-pixel firmata)`,
    ok: pixel,
    ...(pixel ? {} : { hint: `firmware "${firmwareName}" is not node-pixel's; the LEDs stay dark (flash Makeblock's mBot Firmata or node_pixel_firmata to drive them)` }),
  });
  return checks;
}

function summarisePins(io: FirmataIo): string[] {
  return io.pins.map((p, pin) => `${pinName(pin, p.analogChannel).padEnd(9)} ${p.supportedModes.map((m) => MODE_NAMES[m] ?? String(m)).join(' ') || '(none)'}`);
}

async function timeRoundTrips(io: FirmataIo, samples: number, timeoutMs: number): Promise<LatencyRecorder> {
  const recorder = new LatencyRecorder({ prefix: 'doctor.round_trip' });
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new HilError('HIL_FIRMWARE_TIMEOUT', `the board did not answer a version query within ${timeoutMs} ms; check the baud rate (HIL_BAUD) and the cable`)), timeoutMs);
      (io as unknown as { reportVersion(cb: () => void): void }).reportVersion(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    recorder.record(performance.now() - started);
  }
  return recorder;
}

function render(r: DoctorReport): string {
  const lines = [
    `target:    ${r.target}${r.port ? ` on ${r.port}` : ''}`,
    r.baud.advice
      ? `baud:      ${r.baud.answeredAt} answered; ${r.baud.configured} did not (tried ${r.baud.tried.map((t) => t.baudRate).join(', ')}): ${r.baud.advice}`
      : `baud:      ${r.baud.answeredAt}`,
    `firmware:  ${r.firmware.name} ${r.firmware.version} (Firmata protocol ${r.protocolVersion ?? 'unknown'}), handshake ${r.handshakeMs.toFixed(0)} ms`,
    `pins:      ${r.pins.total} pins, ${r.pins.analogChannels} analog channels`,
    ...r.pins.summary.map((s) => `           ${s}`),
    `round trip: p50 ${r.roundTripMs.p50.toFixed(2)} ms, p99 ${r.roundTripMs.p99.toFixed(2)} ms, max ${r.roundTripMs.max.toFixed(2)} ms over ${r.roundTripMs.samples} version queries`,
    'mBot parts:',
    ...r.checks.map((c) => `  ${c.ok ? 'ok     ' : 'MISSING'} ${c.part.padEnd(14)} ${c.needs}${c.hint ? `: ${c.hint}` : ''}`),
    r.missing.length === 0 ? 'nothing missing' : `missing: ${r.missing.join(', ')}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The `doctor` subcommand. */
export const doctorCommand: Command = {
  summary: COMMAND_SUMMARIES.doctor,
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      sim: { type: 'boolean' },
      port: { type: 'string' },
      wiring: { type: 'string' },
      samples: { type: 'string' },
      json: { type: 'boolean' },
      baud: { type: 'string' },
      firmware: { type: 'string' },
    });
    if (values.help) {
      io.out.write(`${HELP}\n`);
      return 0;
    }
    if (values.sim && values.port) throw new UsageError('give --sim or --port, not both');
    const samples = values.samples === undefined ? 20 : Number(values.samples);
    if (!Number.isInteger(samples) || samples < 1 || samples > 10_000) throw new UsageError(`--samples must be an integer 1..10000, got ${values.samples}`);
    const env: NodeJS.ProcessEnv = { ...process.env, HIL_CLOCK: 'wall' };
    if (values.wiring) env.HIL_WIRING = values.wiring;
    if (values.baud !== undefined) env.HIL_BAUD = values.baud;
    if (values.firmware !== undefined) env.HIL_FIRMWARE = values.firmware;
    if (values.sim) {
      env.HIL_TARGET = 'sim';
      delete env.HIL_PORT;
    } else {
      env.HIL_TARGET = 'hardware';
      if (values.port) env.HIL_PORT = values.port;
    }
    const settings = readTargetSettings(env);
    const { target, conn, baud } = await connectScanningRates(settings, {
      onTry: (rate, previous) => io.err.write(`no Firmata answer at ${previous} baud; trying ${rate}\n`),
    });
    try {
      const firmwareIo = conn.io;
      const rtt = await timeRoundTrips(firmwareIo, samples, 2000);
      const checks = mbotChecks(firmwareIo, settings.wiring, conn.firmware.name);
      const v = firmwareIo.version;
      const report: DoctorReport = {
        target: settings.target === 'sim' ? 'simulator (real time)' : settings.port === 'sim-pty' ? 'simulator behind a PTY' : settings.port?.startsWith('avr:') ? 'real firmware in the emulated ATmega328P (real time)' : 'serial port',
        port: target.info.port ?? null,
        baud,
        firmware: { name: conn.firmware.name, version: conn.firmware.version },
        protocolVersion: v.major !== undefined ? `${v.major}.${v.minor ?? 0}` : null,
        handshakeMs: conn.handshakeMs,
        pins: {
          total: firmwareIo.pins.length,
          analogChannels: firmwareIo.analogPins.length,
          summary: summarisePins(firmwareIo),
        },
        roundTripMs: { samples: rtt.count, p50: rtt.percentileMs(50) ?? 0, p99: rtt.percentileMs(99) ?? 0, max: rtt.maxMs ?? 0 },
        checks,
        missing: [...new Set(checks.filter((c) => !c.ok).map((c) => c.part))],
      };
      if (baud.advice !== undefined) report.missing.unshift('baud rate');
      io.out.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
      return report.missing.length === 0 ? 0 : 1;
    } finally {
      // dispose() stops the motors and silences the buzzer before the port closes.
      await target.dispose();
    }
  },
};
