/**
 * Process entry of a companion the harness forks (`spawn-companion.ts`):
 * `node --expose-gc --import tsx harness/cli/companion-process.ts --ipc ...`
 * (`mbot-hil companion --ipc`, without the rest of the command line).
 * It owns its process, so it exits once the command returns: Johnny-Five
 * and serialport may leave timers or handles that would keep it alive.
 */
import { runCompanionCommand } from './companion-command.ts';

process.exit(await runCompanionCommand(process.argv.slice(2)));
