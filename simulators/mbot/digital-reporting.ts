/**
 * StandardFirmata's digital reporting: which ports the host asked to have
 * reported (REPORT_DIGITAL), and the last value sent for each, so a port is
 * reported when an input on it changes (`checkDigitalInputs`) or at once
 * when reporting is turned on.
 */
import { TOTAL_PORTS } from '../../harness/mbot/mcore-pins.ts';
import { digitalReply, type ReplyWriter } from './firmata-replies.ts';
import type { McoreHardware } from './mcore-hardware.ts';
import type { PinTable } from './pin-table.ts';

export class DigitalReporting {
  private readonly reported = new Uint8Array(TOTAL_PORTS);
  private readonly previous = new Int16Array(TOTAL_PORTS);

  constructor(
    private readonly pins: PinTable,
    private readonly hardware: McoreHardware,
    private readonly out: ReplyWriter,
  ) {}

  /** True when digital port `port` is being reported. */
  isReported(port: number): boolean {
    return this.reported[port] === 1;
  }

  /** REPORT_DIGITAL: turning a port on reports its value at once. Ports past the board are ignored. */
  setReported(port: number, on: boolean): void {
    if (port >= TOTAL_PORTS) return;
    this.reported[port] = on ? 1 : 0;
    if (on) this.output(port, true);
  }

  /** checkDigitalInputs(): reports every reported port whose inputs changed. */
  scan(): void {
    for (let port = 0; port < TOTAL_PORTS; port++) {
      if (this.reported[port] === 1) this.output(port, false);
    }
  }

  /** systemResetCallback: nothing reported, no value remembered. */
  reset(): void {
    this.reported.fill(0);
    this.previous.fill(0);
  }

  private output(port: number, force: boolean): void {
    const mask = this.pins.inputMask(port);
    let value = 0;
    for (let bit = 0; bit < 8; bit++) {
      const pin = port * 8 + bit;
      if (mask & (1 << bit) && this.hardware.digitalRead(pin, this.pins.pullupOn(pin)) === 1) value |= 1 << bit;
    }
    if (force || this.previous[port] !== value) {
      digitalReply(this.out, port, value);
      this.previous[port] = value;
    }
  }
}
