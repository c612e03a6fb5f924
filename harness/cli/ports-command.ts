/**
 * `mbot-hil ports`: lists serial ports with their USB ids and says which one
 * auto-detection would pick, so a bench user can set HIL_PORT with
 * confidence. Works without udev (falls back to /dev and /sys).
 */
import { isHilError } from '../errors.ts';
import { describePorts, detectMbotPort, listPorts } from '../targets/detect.ts';
import { parseCommandArgs, type Command } from './command.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

const HELP = `Usage: mbot-hil ports [--json]

Lists the serial ports (path, USB vendor:product id, manufacturer) and the
one the hardware project would pick when HIL_PORT is unset (an mBot adapter:
CH340 1a86:7523, CH341 1a86:5523, FTDI 0403:6001, CP210x 10c4:ea60).

Options:
  --json      print the listing as JSON
  -h, --help  show this help`;

/** The `ports` subcommand. Exit 0 when an mBot was found, 1 when not. */
export const portsCommand: Command = {
  summary: COMMAND_SUMMARIES.ports,
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    if (values.help) {
      io.out.write(`${HELP}\n`);
      return 0;
    }
    const listing = await listPorts();
    let detected: string | null = null;
    try {
      detected = detectMbotPort(listing).path;
    } catch (err) {
      if (!isHilError(err, 'HIL_PORT_NOT_FOUND')) throw err;
    }
    if (values.json) {
      io.out.write(`${JSON.stringify({ ...listing, detected }, null, 2)}\n`);
    } else {
      io.out.write(`${describePorts(listing)}\n`);
      io.out.write(detected ? `mBot: ${detected} (use HIL_PORT=${detected})\n` : 'mBot: none found (HIL_PORT_NOT_FOUND); plug it in, or use HIL_PORT=sim-pty\n');
    }
    return detected ? 0 : 1;
  },
};
