/**
 * The jig's methods as recordings see them: setters change the bench (replay
 * checks them in order and aligns on them), getters measure it (replay
 * answers them from what was recorded). Values go through JSON: a
 * `Uint8Array` argument (injectNoise) is written as an array of numbers.
 */
import type { Jig } from '../targets/target.ts';

/** Jig methods that act on the bench; recorded with their arguments, no result. */
export const JIG_SETTERS = ['pressButton', 'releaseButton', 'setLightLevel', 'placeRobot', 'unplug', 'replug', 'injectNoise', 'reset'] as const;

/** Jig methods that measure; recorded with their arguments and result. */
export const JIG_GETTERS = ['pose', 'odometerCm', 'obstacleDistanceCm', 'lineUnderSensors', 'buzzerHz', 'strokes', 'penIsDown', 'leds'] as const;

/** A setter's name. */
export type JigSetter = typeof JIG_SETTERS[number];
/** A getter's name. */
export type JigGetter = typeof JIG_GETTERS[number];

/** Arguments as they are written to a recording (plain JSON). */
export function jsonArgs(args: readonly unknown[]): unknown[] {
  return args.map((a) => (a instanceof Uint8Array ? Array.from(a) : a));
}

/** True when two JSON values are equal (numbers compared exactly). */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What a jig call listener is told. */
export type JigCallListener = (call: { call: string; args: unknown[]; result?: unknown; setter: boolean }) => void;

/**
 * A jig that reports every setter and getter call to `listener` and
 * otherwise is `jig` (same name, capabilities, behaviour).
 */
export function observedJig(jig: Jig, listener: JigCallListener): Jig {
  const out: Record<string, unknown> = {};
  for (const name of JIG_SETTERS) {
    out[name] = (...args: unknown[]) => {
      listener({ call: name, args: jsonArgs(args), setter: true });
      return (jig[name] as (...a: unknown[]) => unknown)(...args);
    };
  }
  for (const name of JIG_GETTERS) {
    out[name] = (...args: unknown[]) => {
      const result = (jig[name] as (...a: unknown[]) => unknown)(...args);
      listener({ call: name, args: jsonArgs(args), result, setter: false });
      return result;
    };
  }
  return Object.defineProperties(out, {
    name: { get: () => jig.name, enumerable: true },
    capabilities: { get: () => jig.capabilities, enumerable: true },
  }) as unknown as Jig;
}
