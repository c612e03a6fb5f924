import { describe, expect, test } from 'vitest';
import { createErrorLog } from './error-log.ts';

describe('createErrorLog', () => {
  test('each distinct error is written once; repeats are counted, not written', () => {
    const lines: string[] = [];
    const log = createErrorLog({ name: 'test', write: (l) => lines.push(l) });
    for (let i = 0; i < 100; i++) log.report('message handler', new RangeError('Maximum call stack size exceeded'));
    log.report('message handler', new TypeError('other'));
    log.report('upgrade', new RangeError('Maximum call stack size exceeded'));
    expect(log.total).toBe(102);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\[test\] error in message handler: RangeError: Maximum call stack size exceeded \(at .*\); answered/);
  });

  test('past maxDistinct distinct errors one line says the rest are only counted', () => {
    const lines: string[] = [];
    const log = createErrorLog({ name: 'test', write: (l) => lines.push(l), maxDistinct: 3 });
    for (let i = 0; i < 50; i++) log.report('x', new Error(`e${i}`));
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatch(/3 distinct errors logged; further ones are counted/);
    expect(log.total).toBe(50);
  });

  test('a stderr that throws does not turn a logged error into a crash', () => {
    const log = createErrorLog({ name: 'test', write: () => { throw new Error('EPIPE'); } });
    expect(() => log.report('x', new Error('boom'))).not.toThrow();
  });
});
