/**
 * The contract between the emulated firmware and the board around it: what
 * the firmware asks of the hardware, and how it is configured.
 */
import type { Clock } from '../../harness/clock/index.ts';

/** What the firmware needs from the board around it. Every call is synchronous. */
export interface McoreHardware {
  /** Brings physics up to the current clock time; called before any output change is applied. */
  sync(): void;
  /** ADC reading of analog channel 0..7: integer 0..1023. */
  analogRead(channel: number): number;
  /** Level a digital input reads; `pullup` says whether the internal pull-up is on. */
  digitalRead(pin: number, pullup: boolean): 0 | 1;
  /**
   * The drive of `pin` changed (mode, level, duty or servo pulse); read it
   * from the firmware's `pins`. `atMs` (clock monotonic ms, possibly a
   * fraction of a ms before the clock's now) is when the change happened:
   * for a host command, when its last byte arrived on the wire.
   */
  outputChanged(pin: number, atMs: number): void;
  /** Echo pulse length a ping on `pin` would measure, µs (0 = no echo). */
  pingEchoUs(pin: number): number;
  /** A node-pixel frame was latched on `pin` (packed 0xRRGGBB per pixel). */
  pixelsShown(pin: number, colors: readonly number[]): void;
}

/** Options of `McoreFirmware`. */
export interface McoreFirmwareOptions {
  /** Every timer of the firmware runs on it. */
  clock: Clock;
  hardware: McoreHardware;
  /** Puts bytes on the serial line towards the host, starting no earlier than `notBeforeMs` (clock monotonic ms) when given; takes ownership of `bytes`. */
  send: (bytes: Uint8Array, notBeforeMs?: number) => void;
  /** Name sent in REPORT_FIRMWARE (ASCII). */
  firmwareName: string;
  /** Time from a reset (DTR on port open) to the announce, ms. */
  resetDelayMs: number;
  /** Longest accepted sysex (Firmata MAX_DATA_BYTES, command byte included). Default 64. */
  maxSysexBytes?: number;
  /** Answer a sysex the firmware does not implement with STRING_DATA "unsupported sysex 0xNN" (StandardFirmata stays silent, and so does the default). Default false. */
  reportUnsupportedSysex?: boolean;
  /**
   * Told when host input could not be applied (the board model threw): the
   * firmware skips that message and goes on, so nothing a host sends throws
   * out of a timer. Default: the fault is dropped silently.
   */
  onFault?: (fault: FirmwareFault) => void;
  /**
   * Hands the firmware the host bytes that have arrived by now but not been
   * delivered yet (the link delivers at whole ms). Called before each
   * sampling pass: StandardFirmata's loop reads its UART before it samples,
   * so a REPORT_ANALOG off that arrived first stops the sample. Default: nothing.
   */
  takeArrivedInput?: () => void;
}

/** Host input the firmware could not apply. */
export interface FirmwareFault {
  /** Clock monotonic ms. */
  atMs: number;
  /** What failed: the message kind and the error's text. */
  message: string;
}
