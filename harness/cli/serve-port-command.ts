/**
 * `mbot-hil serve-port`: runs on the computer the robot is plugged into and
 * serves its serial port as raw TCP (`harness/targets/serve-port.ts`), for
 * `HIL_PORT=tcp://host:port` elsewhere, where ser2net is not installed.
 * With `--sim-pty` it serves the simulator behind a PTY instead, to try the
 * remote path without a robot.
 */
import { isHilError } from '../errors.ts';
import { FIRMWARE_PROFILES, DEFAULT_FIRMWARE_PROFILE_ID } from '../mbot/firmware-profiles.ts';
import { startPtyStandIn, type PtyStandIn } from '../../simulators/pty/pty-stand-in.ts';
import { servePort } from '../targets/serve-port.ts';
import { parseCommandArgs, portOption, rangeOption, untilSignal, UsageError, type Command } from './command.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

/** Default TCP port: ser2net's customary 4001 range. */
export const DEFAULT_SERVE_PORT = 4001;

const HELP = `Usage: mbot-hil serve-port (--device PATH | --sim-pty) [options]

Serves a serial port as raw TCP, one client at a time, for
HIL_PORT=tcp://<this computer>:<port> on another one (what ser2net does).
The device is opened when a client connects (the board resets, as on a
local open); when the client goes, for any reason, the robot gets the safe
stop (motors PWM 0, buzzer low) before the device closes.

Options:
  --device PATH   the robot's serial port, e.g. /dev/ttyUSB0
  --sim-pty       serve the simulator behind a PTY instead (no robot needed)
  --baud N        rate the device is opened at (default ${FIRMWARE_PROFILES[DEFAULT_FIRMWARE_PROFILE_ID].baudRate})
  --port N        TCP port to listen on (default ${DEFAULT_SERVE_PORT}; 0 picks a free one)
  --host ADDR     address to listen on (default 127.0.0.1). Raw TCP has no
                  authentication: prefer an SSH tunnel to listening on a
                  public address (ssh -L 4001:127.0.0.1:4001 robot-pc)
  --no-stop       do not stop the robot when a client goes
  -h, --help      show this help

Runs until Ctrl-C (or SIGTERM, SIGHUP), then stops the robot and exits 0.`;

/** The `serve-port` subcommand. */
export const servePortCommand: Command = {
  summary: COMMAND_SUMMARIES['serve-port'],
  help: HELP,
  async run(argv, io) {
    const signal = untilSignal(io.stop);
    let standIn: PtyStandIn | undefined;
    try {
      const { values } = parseCommandArgs(argv, {
        device: { type: 'string' }, 'sim-pty': { type: 'boolean' }, baud: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'no-stop': { type: 'boolean' },
      });
      if (values.help) {
        io.out.write(`${HELP}\n`);
        return 0;
      }
      if ((values.device === undefined) === (values['sim-pty'] !== true)) throw new UsageError('give either --device PATH or --sim-pty');
      const baudRate = rangeOption('baud', values.baud, FIRMWARE_PROFILES[DEFAULT_FIRMWARE_PROFILE_ID].baudRate, 300, 4_000_000);
      const port = portOption('port', values.port, DEFAULT_SERVE_PORT);
      const host = values.host ?? '127.0.0.1';
      if (values['sim-pty']) standIn = await startPtyStandIn({ resetDelayMs: 300 });
      const device = standIn ? standIn.hostPath : (values.device as string);
      const server = await servePort({
        device, baudRate, host, port, stopOnDisconnect: values['no-stop'] !== true,
        log: (line) => io.err.write(`serve-port: ${line}\n`),
      });
      if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') {
        io.err.write(`serve-port: WARNING listening on ${host}: anyone who reaches this port drives the robot (raw TCP has no authentication)\n`);
      }
      io.out.write(`serving ${standIn ? `the simulator behind a PTY (${device})` : device} at ${baudRate} baud on ${server.url}\nuse HIL_PORT=${server.url} (from another computer: its address instead of ${server.host})\n`);
      const got = await signal.promise;
      io.err.write(`serve-port: ${got}: stopping the robot and closing\n`);
      await server.close();
      return 0;
    } catch (err) {
      if (err instanceof UsageError) {
        io.err.write(`error HIL_CLI_USAGE: ${err.message}\n\n${HELP}\n`);
        return 2;
      }
      io.err.write(`error ${isHilError(err) ? err.message : String((err as Error)?.message ?? err)}\n`);
      return 1;
    } finally {
      await standIn?.close();
      signal.dispose();
    }
  },
};
