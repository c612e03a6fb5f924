// Bench safety: on every way out of a hardware test the motors stop before the
// port closes. Checked end to end: a child Vitest runs scenarios that end
// badly (a throw, a timeout, then Ctrl-C = SIGINT to its process group) on the
// hardware target against a PTY stand-in, and the stand-in's simulator records
// every byte the robot received. Runs in the hardware project on the PTY
// stand-in (HIL_PORT=sim-pty); it needs socat, not a robot.
import { expect, onPtyStandIn, test } from '../../fixtures/index.ts';
import { MARKER_SPEED } from '../../fixtures/safety/markers.ts';
import { nextWriteAfter, runSafetyScenarios, type SafetyRun } from '../../fixtures/safety/run-scenarios.ts';

const SKIP_REASON = 'bench safety runs real processes on a socat PTY: it runs in the hardware project with HIL_PORT=sim-pty';

let run: Promise<SafetyRun> | undefined;
/** One child run serves all three checks (it takes a few seconds of real time). */
function safetyRun(): Promise<SafetyRun> {
  run ??= runSafetyScenarios({ sigintAfterSpeed: MARKER_SPEED.sigint });
  return run;
}

function describeRun(r: SafetyRun): string {
  const writes = r.motorWrites.map((w) => `${w.atMs.toFixed(0)}ms pin${w.pin}=${w.value}`).join(', ');
  return `motor writes: ${writes}\nchild exit: ${JSON.stringify(r.exit)}\nchild output:\n${r.output.slice(-2000)}`;
}

test('after a spec body that throws, both motors get PWM 0 before anything else', async ({ skip }) => {
  skip(!onPtyStandIn(), SKIP_REASON);
  const r = await safetyRun();
  const next = nextWriteAfter(r.motorWrites, MARKER_SPEED.throws);
  expect(next[6]?.value, describeRun(r)).toBe(0);
  expect(next[5]?.value, describeRun(r)).toBe(0);
});

test('after a test timeout, both motors get PWM 0 before anything else', async ({ skip }) => {
  skip(!onPtyStandIn(), SKIP_REASON);
  const r = await safetyRun();
  const next = nextWriteAfter(r.motorWrites, MARKER_SPEED.timeout);
  expect(next[6]?.value, describeRun(r)).toBe(0);
  expect(next[5]?.value, describeRun(r)).toBe(0);
});

test('after SIGINT to a hardware run, both motors get PWM 0 and the buzzer and direction pins go low before the process ends', async ({ skip }) => {
  skip(!onPtyStandIn(), SKIP_REASON);
  const r = await safetyRun();
  expect(r.sigintAtMs, describeRun(r)).not.toBeNull();
  const next = nextWriteAfter(r.motorWrites, MARKER_SPEED.sigint);
  for (const pin of [6, 5] as const) {
    const stop = next[pin];
    expect(stop?.value, describeRun(r)).toBe(0);
    // the stop came in answer to the signal, and reached the robot before the process was gone
    expect(stop?.atMs ?? 0).toBeGreaterThanOrEqual(r.sigintAtMs ?? Infinity);
    expect(stop?.atMs ?? Infinity).toBeLessThanOrEqual(r.exit.atMs);
  }
  // and nothing drove the motors after that: the last word on each PWM pin is 0
  for (const pin of [6, 5]) expect(r.motorWrites.filter((w) => w.pin === pin).at(-1)?.value).toBe(0);
  const lastLevel = (pin: number): number | undefined => r.digitalWrites.filter((w) => w.pin === pin).at(-1)?.value;
  expect([lastLevel(7) ?? 0, lastLevel(4) ?? 0, lastLevel(8) ?? 0]).toEqual([0, 0, 0]);
  // the child ended on the signal (by it, or exiting non-zero after handling it), not by being killed
  expect(r.exit.signal === 'SIGINT' || (r.exit.code !== null && r.exit.code !== 0), describeRun(r)).toBe(true);
});
