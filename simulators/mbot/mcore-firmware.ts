/**
 * StandardFirmata 2.5 (with PingFirmata's ping-read and node-pixel's WS2812
 * command) as it runs on the mCore, at the byte level. It owns the protocol:
 * boot announce, queries, pin modes, writes, reporting at the sampling
 * interval; the board model (`McoreHardware`) supplies sensor values and
 * receives output changes. Timers run on the injected Clock only, and only
 * while needed (sampling while a channel is reported, the end of a blocking
 * ping), so an idle board costs nothing.
 */
import type { ClockTimer } from '../../harness/clock/index.ts';
import {
  DEFAULT_MAX_SYSEX_BYTES,
  DEFAULT_SAMPLING_INTERVAL_MS,
  MINIMUM_SAMPLING_INTERVAL_MS,
  MODE,
} from '../../harness/mbot/firmata-constants.ts';
import { FirmataParser, type FirmataMessage } from './firmata-parser.ts';
import { FaultReporter } from './firmware-faults.ts';
import {
  analogReply,
  decodePingRequest,
  firmwareReply,
  pingReply,
  pinStateReply,
  stringReply,
  versionReply,
} from './firmata-replies.ts';
import { LoopBlock } from './loop-block.ts';
import { pingTiming } from './ping-timing.ts';
import type { McoreFirmwareOptions } from './mcore-hardware.ts';
import { isAnalogPin, isDigitalPin, TOTAL_ANALOG_CHANNELS, TOTAL_PINS, TOTAL_PORTS } from '../../harness/mbot/mcore-pins.ts';
import { analogMappingResponse, capabilityResponse } from './firmata-tables.ts';
import { PinTable } from './pin-table.ts';
import { DigitalReporting } from './digital-reporting.ts';
import { decodeSysex } from './firmata-sysex.ts';
import { PixelStrips } from './pixel-strips.ts';
import { ReplyBuffer } from './reply-buffer.ts';
import { FIRMWARE_SETUP_MS, SamplingSchedule } from './sampling-schedule.ts';

export type { FirmwareFault, McoreFirmwareOptions, McoreHardware } from './mcore-hardware.ts';

/** The emulated firmware. Obligation: `dispose()` when done (cancels its timers). */
export class McoreFirmware {
  /** Pin modes, levels and servos (read-only for the board model). */
  readonly pins = new PinTable();
  private readonly parser: FirmataParser;
  private readonly pixels: PixelStrips;
  private readonly opts: Required<McoreFirmwareOptions>;
  private analogReport = 0;
  private readonly digital: DigitalReporting;
  private readonly sampling: SamplingSchedule;
  private readonly block: LoopBlock;
  private bootTimer: ClockTimer | undefined;
  private running = false;
  private resetting = false;
  private disposed = false;
  private readonly replies: ReplyBuffer;
  // When the byte being parsed arrived (clock monotonic ms); NaN outside receive() (events happen "now").
  private inputAtMs = NaN;
  private readonly faults: FaultReporter;
  /** Completed boots (announces sent) since creation. */
  bootCount = 0;

  constructor(options: McoreFirmwareOptions) {
    this.opts = {
      maxSysexBytes: DEFAULT_MAX_SYSEX_BYTES,
      // StandardFirmata ignores a sysex it does not implement (checked against the real binary).
      reportUnsupportedSysex: false,
      onFault: () => undefined,
      takeArrivedInput: () => undefined,
      ...options,
    };
    this.faults = new FaultReporter(this.opts.clock, this.opts.onFault);
    this.replies = new ReplyBuffer((bytes) => this.opts.send(bytes));
    this.digital = new DigitalReporting(this.pins, this.opts.hardware, this.replies);
    this.parser = new FirmataParser({ direction: 'to-device', maxSysexBytes: this.opts.maxSysexBytes }, (m) =>
      this.applyMessage(m),
    );
    this.pixels = new PixelStrips((pin, colors) => this.opts.hardware.pixelsShown(pin, colors));
    this.sampling = new SamplingSchedule(this.opts.clock, this.sampleGuarded, DEFAULT_SAMPLING_INTERVAL_MS, () => this.opts.takeArrivedInput());
    this.block = new LoopBlock(this.opts.clock, (d) => {
      if (d.sample) this.sampleGuarded();
      // Bytes that waited in the UART are worked off as the loop resumes: they take effect now.
      if (d.bytes.length > 0) this.receive(d.bytes);
      if (d.scan) this.scanDigitalInputs();
    });
    this.pins.powerOn();
  }

  /** True once the firmware has booted and announced itself (until the next reset). */
  get booted(): boolean {
    return this.running;
  }

  /** Sampling interval in force, ms. */
  get samplingIntervalMs(): number {
    return this.sampling.intervalMs;
  }

  /** True when analog channel `ch` is being reported. */
  isAnalogReporting(ch: number): boolean {
    return (this.analogReport & (1 << ch)) !== 0;
  }

  /** True when digital port `port` is being reported. */
  isDigitalReporting(port: number): boolean {
    return this.digital.isReported(port);
  }

  /** True when `pin` is an input (INPUT/PULLUP) on a reported port, i.e. a change on it would be reported. */
  isInputReported(pin: number): boolean {
    return this.running && pin < TOTAL_PINS && this.digital.isReported(pin >> 3) && (this.pins.inputMask(pin >> 3) & (1 << (pin & 7))) !== 0;
  }

  /**
   * Hardware reset (DTR pulse when a host opens the port, or the reset button):
   * every pin goes high-impedance at once (motors stop, buzzer silent), bytes
   * arriving during the boot are lost, and after `resetDelayMs` the firmware
   * sends REPORT_VERSION and REPORT_FIRMWARE and starts sampling.
   */
  reset(): void {
    if (this.disposed) return;
    this.stopTimers();
    this.running = false;
    this.parser.reset();
    this.pixels.reset();
    this.syncHardware();
    this.pins.powerOn();
    const now = this.opts.clock.monotonicMs();
    for (let pin = 0; pin < TOTAL_PINS; pin++) this.drive(pin, now);
    this.bootTimer = this.opts.clock.setTimeout(() => this.faults.run('boot', () => this.boot()), this.opts.resetDelayMs);
  }

  /** Clock monotonic ms until which the loop is blocked in pulseIn (-Infinity when it runs). */
  get loopBlockedUntilMs(): number {
    return this.block.blockedUntilMs;
  }

  /**
   * The loop reads `bytes` from the UART's receive buffer (`uart-rx.ts`) and
   * returns how many it took: it stops after a command that blocks it (a
   * ping-read), and the rest waits in the buffer until `loopBlockedUntilMs`.
   * While booting it takes every byte and ignores it (the bootloader's).
   * `lastByteAtMs` and `byteMs` (from the link) say when each arrived: byte
   * i at `lastByteAtMs - (n - 1 - i) * byteMs`; the loop acts on a byte as
   * it arrives (never before the end of the last block), so an output change
   * happens at that time. Without them every byte counts as arriving now.
   * Never throws: a message the board model cannot apply is reported through
   * `onFault` and skipped.
   */
  receive(bytes: Uint8Array, lastByteAtMs?: number, byteMs?: number): number {
    if (!this.running || this.disposed) return bytes.length;
    const timed = lastByteAtMs !== undefined && byteMs !== undefined && Number.isFinite(lastByteAtMs) && Number.isFinite(byteMs);
    const n = bytes.length;
    let i = 0;
    try {
      for (; i < n && !this.block.blocked; i++) {
        this.inputAtMs = timed ? Math.max(lastByteAtMs - (n - 1 - i) * byteMs, this.block.blockedUntilMs) : NaN;
        this.parser.push(bytes[i] ?? 0);
      }
    } finally {
      this.inputAtMs = NaN;
      this.replies.flush();
    }
    return i;
  }

  /** StandardFirmata's checkDigitalInputs(): reports ports whose inputs changed. Run it as often as the loop would. Never throws (see `onFault`). */
  scanDigitalInputs(): void {
    if (!this.running) return;
    if (this.block.blocked) {
      // The loop is stuck in pulseIn; it checks the inputs as soon as it returns.
      this.block.deferScan();
      return;
    }
    this.faults.run('digital input scan', this.scanPorts);
    this.replies.flush();
  }

  // Made once: the scan and the sample run every few ms of a long run, so no closure per call.
  private readonly scanPorts = (): void => this.digital.scan();
  private readonly sampleNow = (): void => this.sample();
  private readonly sampleGuarded = (): void => this.faults.run('analog sample', this.sampleNow);

  /** Stops every timer; the firmware is dead afterwards. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.stopTimers();
    this.disposed = true;
    this.running = false;
  }

  private stopTimers(): void {
    this.sampling.stop();
    this.block.cancel();
    try {
      this.opts.clock.clearTimeout(this.bootTimer);
    } catch {
      // The clock may be disposed already; its timers died with it.
    }
    this.bootTimer = undefined;
  }

  /** When the current event happens: the arrival of the byte being parsed, else the clock's now. */
  private eventAtMs(): number {
    return Number.isNaN(this.inputAtMs) ? this.opts.clock.monotonicMs() : this.inputAtMs;
  }

  /** Tells the board model that `pin`'s drive changed; a model that throws is a fault, and the firmware goes on. */
  private drive(pin: number, atMs: number): void {
    try {
      this.opts.hardware.outputChanged(pin, atMs);
    } catch (err) {
      this.faults.report(`pin ${pin}`, err);
    }
  }

  /** `hardware.sync()`, guarded like `drive`. */
  private syncHardware(): void {
    try {
      this.opts.hardware.sync();
    } catch (err) {
      this.faults.report('physics step', err);
    }
  }

  /** Applies one parsed host message; a board model that throws skips the message (reported through `onFault`). */
  private applyMessage(m: FirmataMessage): void {
    this.faults.context = FaultReporter.messageName(m);
    try {
      this.onMessage(m);
    } catch (err) {
      this.faults.report('message skipped', err);
    } finally {
      this.faults.context = '';
    }
  }

  private boot(): void {
    this.bootTimer = undefined;
    this.systemReset();
    this.running = true;
    this.bootCount++;
    // millis() started when setup() did, before the version blink that precedes this announce.
    this.sampling.restart(this.opts.clock.monotonicMs() - Math.min(this.opts.resetDelayMs, FIRMWARE_SETUP_MS));
    this.replies.put(versionReply());
    this.replies.put(firmwareReply(this.opts.firmwareName));
    this.replies.flush();
  }

  /** systemResetCallback: reporting off, analog-capable pins ANALOG, other digital pins OUTPUT low. */
  private systemReset(): void {
    this.resetting = true;
    this.syncHardware();
    this.digital.reset();
    for (let pin = 0; pin < TOTAL_PINS; pin++) {
      if (isAnalogPin(pin)) this.setPinMode(pin, MODE.ANALOG);
      else if (isDigitalPin(pin)) this.setPinMode(pin, MODE.OUTPUT);
    }
    this.pins.servos.clear();
    this.analogReport = 0;
    this.resetting = false;
    this.updateSampling();
  }

  private updateSampling(): void {
    this.sampling.want(this.running && this.analogReport !== 0);
  }

  private sample(): void {
    if (!this.running || this.analogReport === 0) return;
    if (this.block.blocked) {
      // previousMillis fell behind: the loop samples as soon as pulseIn returns.
      this.block.deferSample();
      return;
    }
    for (let ch = 0; ch < TOTAL_ANALOG_CHANNELS; ch++) {
      if (this.isAnalogReporting(ch) && this.pins.modes[14 + ch] === MODE.ANALOG) this.sendAnalog(ch);
    }
    this.replies.flush();
  }

  private sendString(text: string): void {
    this.replies.put(stringReply(text));
  }

  private sendAnalog(ch: number): void {
    analogReply(this.replies, ch, this.opts.hardware.analogRead(ch));
  }

  private setPinMode(pin: number, mode: number): void {
    if (pin >= TOTAL_PINS) return;
    this.syncHardware();
    const r = this.pins.setMode(pin, mode);
    if (r.analogReport !== undefined) this.reportAnalog(pin - 14, r.analogReport);
    if (r.unknownMode) this.sendString('Unknown pin mode');
    this.drive(pin, this.eventAtMs());
  }

  private reportAnalog(ch: number, on: boolean): void {
    if (ch < 0 || ch >= TOTAL_ANALOG_CHANNELS) return;
    if (!on) {
      this.analogReport &= ~(1 << ch);
      this.updateSampling();
      return;
    }
    this.analogReport |= 1 << ch;
    // 2.5 sends the value at once so a reconnecting host learns the state.
    if (!this.resetting) this.sendAnalog(ch);
    this.updateSampling();
  }

  private analogWrite(pin: number, value: number): void {
    this.syncHardware();
    if (this.pins.analogWrite(pin, value)) this.drive(pin, this.eventAtMs());
  }

  private onMessage(m: FirmataMessage): void {
    switch (m.kind) {
      case 'digital-port':
        if (m.port < TOTAL_PORTS) {
          this.syncHardware();
          const atMs = this.eventAtMs();
          for (const pin of this.pins.writePort(m.port, m.value)) this.drive(pin, atMs);
        }
        return;
      case 'pin-value':
        this.syncHardware();
        if (this.pins.writePin(m.pin, m.value)) this.drive(m.pin, this.eventAtMs());
        return;
      case 'analog':
        return this.analogWrite(m.channel, m.value);
      case 'pin-mode':
        return this.setPinMode(m.pin, m.mode);
      case 'report-analog':
        return this.reportAnalog(m.channel, m.enable !== 0);
      case 'report-digital':
        return this.digital.setReported(m.port, m.enable !== 0);
      case 'report-version':
        return this.replies.put(versionReply());
      case 'system-reset':
        return this.systemReset();
      case 'sysex':
        return this.onSysex(m.command, m.data);
      case 'dropped':
        return; // the firmware silently discards what it cannot parse
    }
  }

  private onSysex(command: number, d: number[]): void {
    const r = decodeSysex(command, d);
    switch (r.kind) {
      case 'report-firmware':
        return this.replies.put(firmwareReply(this.opts.firmwareName));
      case 'capability-query':
        return this.replies.put(capabilityResponse());
      case 'analog-mapping-query':
        return this.replies.put(analogMappingResponse());
      case 'pin-state-query':
        return this.replies.put(pinStateReply(r.pin, r.pin < TOTAL_PINS, this.pins.modes[r.pin] ?? 0, this.pins.states[r.pin] ?? 0));
      case 'sampling-interval':
        return this.sampling.setIntervalMs(Math.max(MINIMUM_SAMPLING_INTERVAL_MS, r.ms));
      case 'servo-config':
        if (!isDigitalPin(r.pin)) return;
        this.pins.attachServo(r.pin, r.minPulse, r.maxPulse);
        return this.setPinMode(r.pin, MODE.SERVO);
      case 'extended-analog':
        return this.analogWrite(r.pin, r.value);
      case 'ping-read':
        return this.pingRead(r.data);
      case 'pixel':
        if (!this.pixels.handle(r.data) && this.opts.reportUnsupportedSysex) this.sendString(`unsupported pixel command 0x${(r.data[0] ?? 0).toString(16)}`);
        return;
      case 'i2c-request':
        // No I2C device on the mCore's bus: Wire.requestFrom returns nothing.
        if (r.wantsBytes) this.sendString('I2C: Too few bytes received');
        return;
      case 'ignored':
        return; // StandardFirmata ignores host strings and short bodies; I2C needs no setup here
      case 'unsupported':
        if (this.opts.reportUnsupportedSysex) this.sendString(`unsupported sysex 0x${command.toString(16).padStart(2, '0')}`);
    }
  }

  /**
   * PingFirmata: trigger pulse, then pulseIn() blocks the firmware until the
   * echo ends (or the timeout), so the reply, the samples and any command
   * arriving meanwhile wait that long. Pulse and timeout are bounded as the
   * AVR bounds them (`ping-timing.ts`): at most 16.4 ms + 268.4 s, whatever
   * the host asks.
   */
  private pingRead(d: number[]): void {
    const req = decodePingRequest(d);
    if (req === undefined) return;
    this.syncHardware();
    const { measuredUs: measured, blockedUs } = pingTiming(req.pulseOutUs, req.timeoutUs, this.opts.hardware.pingEchoUs(req.pin));
    this.replies.flush();
    this.block.blockFor(blockedUs / 1000);
    this.opts.send(Uint8Array.from(pingReply(req.pin, measured)), this.block.blockedUntilMs);
  }
}
