/**
 * `npm run screenshot`: saves `reports/dashboard-mid-playback.png`, the
 * reference dashboard halfway through playing the 1,200-stroke drawing while
 * the companion streams telemetry and a user drives the robot from the page
 * (a scripted robot: the screenshot needs no serial port). Options:
 * `--drawing <name>` (default artbot-1200), `--render naive|incremental`,
 * `--out <file.png>`. Exit code 2 when no Chromium is found.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { openFrameProbe } from '../../harness/probes/frame-probe.ts';
import { startCompanion } from '../companion/companion-server.ts';
import { createScriptedRobot } from '../companion/robot-link.ts';
import { startDashboardServer } from './dashboard-server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PLAYBACK_MS = 6000;

const { values } = parseArgs({
  options: {
    drawing: { type: 'string', default: 'artbot-1200' },
    render: { type: 'string', default: 'incremental' },
    out: { type: 'string', default: resolve(ROOT, 'reports/dashboard-mid-playback.png') },
  },
});
const render = values.render === 'naive' ? 'naive' : 'incremental';

const probe = await openFrameProbe();
if (!probe.available) {
  console.error(`screenshot: ${probe.reason}`);
  process.exit(2);
}
const robot = createScriptedRobot({ readings: { distanceCm: 57.3, light: 418, line: { left: true, right: false }, button: false } });
const companion = await startCompanion({ robot, pose: { start: { xCm: 60, yCm: 40, headingDeg: 0 } } });
const server = await startDashboardServer();
// Only the dashboard's own page may open the companion's socket.
companion.allowOrigin(server.origin);
try {
  const out = resolve(values.out);
  mkdirSync(dirname(out), { recursive: true });
  // A user at the dashboard: pen down, LEDs on, then a drive with turns. The
  // page sends each click to the companion, whose pose the trail follows.
  const clicks = [
    { atMs: 0, selector: '#pen-down' }, { atMs: 50, selector: '#led-cycle' }, { atMs: 100, selector: '#drive-forward' },
    { atMs: 1300, selector: '#drive-left' }, { atMs: 1550, selector: '#drive-forward' }, { atMs: 2300, selector: '#drive-left' },
    { atMs: 2550, selector: '#drive-forward' },
  ];
  const shot = await probe.screenshot({
    url: server.pageUrl({ ws: companion.url, drawing: values.drawing, render }),
    playbackMs: PLAYBACK_MS,
    atMs: PLAYBACK_MS / 2,
    path: out,
    clicks,
  });
  console.log(`screenshot: ${out} (${values.drawing}, ${render} rendering, ${shot.strokesDone ?? '?'} strokes drawn at ${PLAYBACK_MS / 2} ms of a ${PLAYBACK_MS} ms playback, Chromium ${probe.browserVersion})`);
} finally {
  await probe.close();
  await server.close();
  await companion.close();
}
