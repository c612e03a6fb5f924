// The mBot's outputs driven through Johnny-Five, checked at the robot: the
// buzzer sounds the commanded pitch and stops, the pen draws the commanded
// strokes, the LEDs show the commanded colours.
import { expect, needJig, test } from 'mbot-hil/fixtures';
import { skipUnlessCapable } from 'mbot-hil';

// Johnny-Five's Piezo toggles the pin from a host timer and the board measures
// the pitch from the edges. On the virtual clock that timer fires on whole
// milliseconds: 200 Hz (half period 2.5 ms) toggles at 2 and 3 ms alternately
// and averages out, so 10 % is plenty. On a wall clock a busy host (and a
// PTY's batching) shifts edges by milliseconds; 30 % still tells a tone from
// silence and from the wrong octave.
const TONE_HZ = 200;
const toneTolerance = (clockKind: 'wall' | 'virtual'): number => (clockKind === 'virtual' ? 0.1 : 0.3);

test('a piezo tone reaches the buzzer, and noTone silences it', async ({ robot, clock, skip }) => {
  const jig = needJig({ robot, skip }, 'buzzer');
  expect(jig.buzzerHz()).toBeNull();
  robot.buzzer.frequency(TONE_HZ, 3000);
  // On a wall clock a loaded host delivers the edges in bursts, and between
  // bursts the meter reads silence for a moment: wait for an in-tolerance
  // reading rather than sampling one instant. A wrong pitch or no tone never
  // gets there, so the check still fails when it should.
  const readings: (number | null)[] = [];
  const inTune = await clock.waitFor(() => {
    const hz = jig.buzzerHz();
    readings.push(hz);
    return hz !== null && Math.abs(hz - TONE_HZ) / TONE_HZ < toneTolerance(clock.kind);
  }, { timeoutMs: 2000, stepMs: 20 });
  expect(inTune, `buzzer readings (Hz) while ${TONE_HZ} Hz was commanded: ${readings.slice(-20).join(', ')}`).toBe(true);
  robot.buzzer.noTone();
  const silent = await clock.waitFor(() => jig.buzzerHz() === null, { timeoutMs: 1000, stepMs: 20 });
  expect(silent, 'the buzzer kept sounding after noTone()').toBe(true);
  await clock.sleep(200);
  expect(jig.buzzerHz()).toBeNull();
});

test('the pen draws the commanded strokes and nothing while up', async ({ robot, clock, skip }) => {
  // A bench without the ArtBot pen arm (benches.yml) skips here, naming a bench that has one.
  skipUnlessCapable({ skip }, 'pen');
  const jig = needJig({ robot, skip }, 'pen', 'odometer');
  expect(jig.strokes()).toHaveLength(0);
  const drawSegment = async (ms: number): Promise<void> => {
    robot.pen.down();
    await clock.sleep(100); // servo travel
    robot.forward(200);
    await clock.sleep(ms);
    robot.stop();
    await clock.sleep(150);
    robot.pen.up();
    await clock.sleep(100);
  };
  await drawSegment(350);
  robot.forward(200); // a gap with the pen up
  await clock.sleep(250);
  robot.stop();
  await clock.sleep(150);
  await drawSegment(350);

  const strokes = jig.strokes();
  expect(strokes).toHaveLength(2);
  const lengthCm = (s: ReadonlyArray<{ xCm: number; yCm: number }>): number => {
    const first = s[0];
    const last = s[s.length - 1];
    return first && last ? Math.hypot(last.xCm - first.xCm, last.yCm - first.yCm) : 0;
  };
  for (const s of strokes) expect(lengthCm(s)).toBeGreaterThan(5);
  // strokes are straight segments along the drive direction (east), separated by the pen-up gap
  const [a, b] = strokes;
  expect((b?.[0]?.xCm ?? 0) - (a?.[a.length - 1]?.xCm ?? 0)).toBeGreaterThan(3);
  await clock.waitFor(() => !jig.penIsDown(), { timeoutMs: 1000 }); // the servo's last move may still be on the line
  expect(jig.penIsDown()).toBe(false);
});

test('the LEDs show the commanded colours', async ({ robot, clock, skip }) => {
  const jig = needJig({ robot, skip }, 'rgb-leds');
  // Waits (up to 1 s) for the colours to arrive: on a bench or the PTY stand-in the bytes cross a real serial line.
  const shows = async (colours: number[][]): Promise<void> => {
    await clock.waitFor(() => JSON.stringify(jig.leds()) === JSON.stringify(colours), { timeoutMs: 1000 });
    expect(jig.leds()).toEqual(colours);
  };
  robot.leds.set(0, [255, 0, 0]);
  robot.leds.set(1, [0, 0, 128]);
  await shows([[255, 0, 0], [0, 0, 128]]);
  robot.leds.fill([10, 200, 30]);
  await shows([[10, 200, 30], [10, 200, 30]]);
  robot.leds.off();
  await shows([[0, 0, 0], [0, 0, 0]]);
});
