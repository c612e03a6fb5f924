/**
 * The robot client: what a spec holds of the robot above the target seam.
 * `RobotHandle` wraps a connected target in Johnny-Five components built for
 * the mBot's wiring (`robot-rig.ts`) and its safe stop; `DisconnectWatch`
 * turns a lost port into HIL_PORT_DISCONNECTED for the test that was running.
 * The `robot` fixture (mbot-hil/fixtures) and the reference companion use it.
 */
export { RobotHandle } from './robot-handle.ts';
export type { Robot, RobotTarget, SpinDirection } from './robot-handle.ts';
export { buildRig, PEN_ANGLES_DEG } from './robot-rig.ts';
export type { Leds, LineFollower, Pen, RgbTuple, Rig } from './robot-rig.ts';
export { DisconnectWatch, guardedClock } from './disconnect-watch.ts';
