// The inspector a pid-only memory source opens (SIGUSR1, 127.0.0.1:9229) is closed again when the source closes.
// An open inspector runs any code any local program sends it, with no authentication: left open on a companion
// after `mbot-hil monitor --pid`, it let a program read the companion's --token from process.argv and drive the
// robot, or drive it directly. An inspector that was open before the source came is left as it was.
// 9229 is one port for the whole machine: when something else holds it, these tests are skipped with the reason.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, expect, test } from 'vitest';
import { inspectorMemorySource } from './inspector-memory.ts';

const children: ChildProcess[] = [];
afterEach(() => { for (const c of children.splice(0)) c.kill('SIGKILL'); });

/** True when something answers on 127.0.0.1:9229 now. */
async function inspectorOn9229(): Promise<boolean> {
  try {
    await (await fetch('http://127.0.0.1:9229/json/list', { signal: AbortSignal.timeout(1000) })).text();
    return true;
  } catch {
    return false;
  }
}

async function untilClosed(withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (performance.now() < deadline) {
    if (!(await inspectorOn9229())) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const busy = await inspectorOn9229();
const skip = busy ? ' [skipped: something already listens on 127.0.0.1:9229]' : '';

function nodeChild(args: string[]): ChildProcess {
  const c = spawn(process.execPath, [...args, '-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(c);
  return c;
}

test.skipIf(busy)(`an inspector the source opened by SIGUSR1 is closed when it closes; the process lives on${skip}`, async () => {
  const c = nodeChild([]);
  await new Promise((r) => setTimeout(r, 300)); // past Node's start-up, so SIGUSR1 finds its handler
  const source = await inspectorMemorySource({ pid: c.pid as number });
  expect((await source.sample({ forceGc: false })).heapUsedBytes).toBeGreaterThan(0);
  expect(await inspectorOn9229()).toBe(true);
  await source.close();
  expect(await untilClosed(3000), 'the inspector still answers on 127.0.0.1:9229 after the source closed').toBe(true);
  expect(c.exitCode).toBeNull();
  expect(c.signalCode).toBeNull();
}, 20_000);

test.skipIf(busy)(`an inspector that was open before the source came stays open${skip}`, async () => {
  const c = nodeChild(['--inspect=127.0.0.1:9229']);
  const deadline = performance.now() + 5000;
  while (!(await inspectorOn9229()) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const source = await inspectorMemorySource({ pid: c.pid as number });
  await source.sample({ forceGc: false });
  await source.close();
  await new Promise((r) => setTimeout(r, 500));
  expect(await inspectorOn9229()).toBe(true);
}, 20_000);
