import { afterEach, describe, expect, test } from 'vitest';
import { HilError } from '../../harness/errors.ts';
import { LinkWatch } from './link-watch.ts';
import type { LinkChange } from './robot-link.ts';

let watch: LinkWatch | undefined;
afterEach(() => watch?.dispose());

function setup(failures: number): { changes: LinkChange[]; attempts: () => number; pull: () => void } {
  let listener: (err: HilError) => void = () => {};
  let attempts = 0;
  const changes: LinkChange[] = [];
  watch = new LinkWatch({
    onDisconnect: (l) => { listener = l; return () => { listener = () => {}; }; },
    reconnect: async () => {
      attempts++;
      if (attempts <= failures) throw new HilError('HIL_PORT_NOT_FOUND', 'still gone');
    },
    retryMs: 10,
  });
  watch.on((c) => changes.push(c));
  return { changes, attempts: () => attempts, pull: () => listener(new HilError('HIL_PORT_DISCONNECTED', '/dev/ttyUSB0 went away during the run (EIO); the current test fails. Check the cable; the next test reconnects.')) };
}

const until = async (pred: () => boolean, ms = 2000): Promise<void> => {
  const end = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('LinkWatch', () => {
  test('a lost port is told at once (without the fixture\'s test wording), then retried until the port is back', async () => {
    const { changes, attempts, pull } = setup(3);
    pull();
    expect(watch?.state).toBe('lost');
    expect(changes[0]).toMatchObject({ state: 'lost', code: 'HIL_PORT_DISCONNECTED' });
    expect(changes[0]?.message).toMatch(/^\/dev\/ttyUSB0 went away during the run \(EIO\)\. Telemetry is paused/);
    expect(changes[0]?.message).not.toMatch(/current test/);
    await until(() => watch?.state === 'up');
    expect(attempts()).toBe(4);
    expect(changes[1]).toMatchObject({ state: 'up' });
    expect(changes[1]?.message).toMatch(/reconnected after \d+ ms \(4 attempt\(s\)\)/);
  });

  test('a second report while lost is ignored; dispose stops the retries', async () => {
    const { changes, attempts, pull } = setup(Number.POSITIVE_INFINITY);
    pull();
    pull();
    expect(changes).toHaveLength(1);
    await until(() => attempts() >= 2);
    watch?.dispose();
    const after = attempts();
    await new Promise((r) => setTimeout(r, 60));
    expect(attempts()).toBeLessThanOrEqual(after + 1);
  });
});
