/**
 * The workload of the simulator's long virtual runs, shared by the benchmark
 * (`sim-bench.ts`, which times it) and the determinism check (`sim-digest.ts`,
 * which fingerprints it), so both always run the same thing: Johnny-Five on a
 * simulated mBot (seeded, default configuration, full byte trace) on an
 * installed virtual clock, with every sensor reporting (analog A6, A7, A2, A3;
 * digital ports 0 and 1; the HC-SR04 pinged by `Proximity` every ≈ 65 ms) and
 * both motors driven (a wander that changes every 500 ms). Not part of the
 * public API.
 */
import { createClock, type VirtualClock } from '../../harness/clock/index.ts';
import { createSimulatedMbot, type SimulatedMbot } from '../mbot/simulated-mbot.ts';
import { five, startBoard, type FirmataHost, type PortStream } from '../mbot/test-support.ts';

/** Seed of every long run (benchmark and digest), so their traces are comparable. */
export const SOAK_SEED = 7;

/** What the host side observes while the workload runs; every callback gets the clock's monotonic ms. */
export interface SoakObserver {
  /** A serialport 'data' event (what firmata-io, hence Johnny-Five, reads), with its bytes. */
  hostData?(atMs: number, chunk: Buffer): void;
  /** A Johnny-Five component event: `source` names it (e.g. 'sensor:A6', 'proximity'), `value` is what it reported. */
  componentData?(atMs: number, source: string, value: number): void;
}

/** A running workload. Obligation: `await stop()` when done. */
export interface SoakRun {
  readonly clock: VirtualClock;
  readonly sim: SimulatedMbot;
  /** Stops the driver, closes the port and the simulator, disposes the clock. */
  stop(): Promise<void>;
}

/**
 * Starts the workload: a fresh installed virtual clock, a simulated mBot with
 * `seed`, Johnny-Five advanced to `ready`, then the sensors and motors. Time
 * moves only when the caller advances `clock`.
 */
export async function startSoak(seed: number = SOAK_SEED, observer: SoakObserver = {}): Promise<SoakRun> {
  const clock = createClock('virtual', { install: true });
  const sim = createSimulatedMbot({ clock, seed });
  const { port, io, board } = startBoard(sim.binding, sim.path);
  const { hostData, componentData } = observer;
  if (hostData) port.on('data', (chunk: Buffer) => hostData(clock.monotonicMs(), chunk));
  let ready = false;
  board.on('ready', () => (ready = true));
  while (!ready) await clock.advance(10);

  for (const pin of ['A6', 'A7', 'A2', 'A3']) {
    const sensor = new five.Sensor({ pin, board });
    if (componentData) sensor.on('data', (value: number) => componentData(clock.monotonicMs(), `sensor:${pin}`, value));
  }
  const dio = io as FirmataHost & { pinMode(p: number, m: number): void; digitalRead(p: number, cb: (v: number) => void): void };
  for (const pin of [2, 12]) {
    dio.pinMode(pin, 0);
    dio.digitalRead(pin, (value) => componentData?.(clock.monotonicMs(), `digital:${pin}`, value));
  }
  const prox = new five.Proximity({ controller: 'HCSR04', pin: 10, board });
  if (componentData) prox.on('data', () => componentData(clock.monotonicMs(), 'proximity', prox.cm as number));
  const left = new five.Motor({ pins: { pwm: 6, dir: 7 }, board });
  const right = new five.Motor({ pins: { pwm: 5, dir: 4 }, board });
  let phase = 0;
  // Wander: forward, spin, back, spin, changing every 500 ms (the faked global timer, as a user program would).
  const driver = setInterval(() => {
    const s = 120 + (phase % 5) * 25;
    switch (phase++ % 4) {
      case 0: left.reverse(s); right.forward(s); break;
      case 1: left.reverse(s); right.reverse(s); break;
      case 2: left.forward(s); right.reverse(s); break;
      default: left.forward(s); right.forward(s);
    }
  }, 500);

  return {
    clock,
    sim,
    stop: async () => {
      clearInterval(driver);
      await closePort(port);
      await sim.close();
      clock.dispose();
    },
  };
}

function closePort(port: PortStream): Promise<void> {
  return new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
}
