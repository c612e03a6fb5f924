/**
 * The dispatcher (`main.ts`) loads a command's module when the command runs,
 * which can take seconds on a loaded machine. A test file that runs commands
 * in-process (`main([...], io)`) loads them first, in a hook with room for
 * it, so that no test's own timeout pays for the loading.
 */
import type { CommandName } from '../command-summaries.ts';
import { COMMANDS } from '../main.ts';

export async function preloadCommands(...names: CommandName[]): Promise<void> {
  await Promise.all(names.map((n) => COMMANDS[n].load()));
}
