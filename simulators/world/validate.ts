/**
 * Option checks for the world: each failure is HIL_SIM_INVALID_OPTION with a
 * message naming the option, its valid range and the value received.
 */
import { HilError } from '../../harness/errors.ts';

/** Range rules for `checkNumber`. */
export interface NumberRule {
  /** Inclusive lower bound unless `minExclusive`. */
  min?: number;
  minExclusive?: boolean;
  /** Inclusive upper bound. */
  max?: number;
  integer?: boolean;
  /** Unit shown in the message, e.g. "cm". */
  unit?: string;
}

/** The error for an out-of-range option. */
export function invalidOption(option: string, expected: string, got: unknown): HilError {
  const shown = typeof got === 'string' ? JSON.stringify(got) : String(got);
  return new HilError('HIL_SIM_INVALID_OPTION', `${option} must be ${expected}; got ${shown}.`);
}

function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a finite number';
  const unit = rule.unit ? ` ${rule.unit}` : '';
  if (rule.min !== undefined && rule.max !== undefined) {
    return `${kind} in ${rule.minExclusive ? '(' : '['}${rule.min}, ${rule.max}]${unit}`;
  }
  if (rule.min !== undefined) return `${kind} ${rule.minExclusive ? '>' : '>='} ${rule.min}${unit}`;
  if (rule.max !== undefined) return `${kind} <= ${rule.max}${unit}`;
  return `${kind}${unit}`;
}

/** Returns `value` if it satisfies `rule`, else throws HIL_SIM_INVALID_OPTION naming `option`. */
export function checkNumber(option: string, value: unknown, rule: NumberRule = {}): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.min === undefined || (rule.minExclusive ? value > rule.min : value >= rule.min)) &&
    (rule.max === undefined || value <= rule.max);
  if (!ok) throw invalidOption(option, describeRule(rule), value);
  return value as number;
}

/** Throws HIL_SIM_INVALID_OPTION unless `value` is a non-null object. */
export function checkObject(option: string, value: unknown): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidOption(option, 'an object', value);
  }
}

/** Throws HIL_SIM_INVALID_OPTION unless `value` is an array. */
export function checkArray(option: string, value: unknown): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) throw invalidOption(option, 'an array', value);
}
