/**
 * A bystander (`bystander.ts`) in a process of its own, for the attack
 * script: the attacker's own work then cannot delay the bystander's reads,
 * so its latencies are the companion's. The parent asks for a window over
 * IPC (`{ window: id }` -> `{ id, window }`); the child exits when the
 * channel closes.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectBystander, type BystanderWindow } from './bystander.ts';

const SELF = fileURLToPath(import.meta.url);

/** A bystander child process. */
export interface BystanderProcess {
  window(): Promise<BystanderWindow>;
  close(): Promise<void>;
}

/** Forks the child, which connects to `url` with `headers` on the upgrade; resolves once it has the state snapshot. */
export async function spawnBystander(url: string, headers: Record<string, string> = {}): Promise<BystanderProcess> {
  const child = fork(SELF, [url, JSON.stringify(headers)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', (m) => ((m as { ready?: boolean }).ready ? resolve() : reject(new Error(`bystander: ${JSON.stringify(m)}`))));
    void exited.then(() => reject(new Error('bystander child exited before it connected')));
  });
  let nextId = 1;
  return {
    window() {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const onMessage = (m: unknown): void => {
          const r = m as { id?: number; window?: BystanderWindow };
          if (r.id !== id || !r.window) return;
          child.off('message', onMessage);
          resolve(r.window);
        };
        child.on('message', onMessage);
        void exited.then(() => reject(new Error('bystander child exited')));
        child.send({ window: id });
      });
    },
    async close() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}

if (process.argv[1] === SELF && process.send) {
  const [url, headers] = process.argv.slice(2);
  try {
    const bystander = await connectBystander(url as string, { headers: JSON.parse(headers ?? '{}') as Record<string, string> });
    process.on('message', (m) => {
      const id = (m as { window?: number }).window;
      if (id !== undefined) process.send?.({ id, window: bystander.window() });
    });
    process.once('disconnect', () => { bystander.close(); process.exit(0); });
    process.send({ ready: true });
  } catch (err) {
    process.send({ error: (err as Error).message });
    process.exit(1);
  }
}
