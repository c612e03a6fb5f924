/**
 * The depth bound every inbound frame passes before JSON.parse: it must
 * count nesting as JSON does (brackets inside strings and escaped quotes
 * do not count) and stop deep frames with HIL_PROTOCOL_TOO_DEEP without
 * recursing, while every real message stays far below it.
 */
import { describe, expect, test } from 'vitest';
import { jsonDepthBeyond, MAX_JSON_DEPTH, parseInbound } from './inbound.ts';

const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('jsonDepthBeyond', () => {
  test.each([
    ['flat object', '{"a":1}', 1, null],
    ['exactly at the bound', nested(5), 5, null],
    ['one past the bound', nested(6), 5, 6],
    ['brackets inside a string do not count', '{"a":"[[[[[[[[[["}', 2, null],
    ['an escaped quote does not end the string', '{"a":"\\"[[[[[[[["}', 2, null],
    ['an escaped backslash before the closing quote', '{"a":"\\\\","b":[[[]]]}', 3, 4],
  ])('%s', (_what, text, max, expected) => {
    expect(jsonDepthBeyond(text, max)).toBe(expected);
  });

  test('a 5,000-deep frame is refused with HIL_PROTOCOL_TOO_DEEP (it used to kill the companion)', () => {
    const frame = `{"version":2,"type":"ping","timestamp":1,"payload":${nested(5000)}}`;
    const r = parseInbound(frame, false);
    expect(r).toMatchObject({ ok: false, error: { code: 'HIL_PROTOCOL_TOO_DEEP' } });
  });

  test('the deepest real message (a batch of LED commands) is far inside the bound; a ping payload at the bound passes', () => {
    const batch = JSON.stringify({ version: 2, type: 'batch', timestamp: 1, payload: { messages: [{ version: 2, type: 'command', timestamp: 1, payload: { command: 'leds', args: { rgb: [1, 2, 3] } } }] } });
    expect(jsonDepthBeyond(batch, 7)).toBeNull();
    const atBound = `{"version":2,"type":"ping","timestamp":1,"payload":${nested(MAX_JSON_DEPTH - 1)}}`;
    expect(parseInbound(atBound, false).ok).toBe(true);
    const past = `{"version":2,"type":"ping","timestamp":1,"payload":${nested(MAX_JSON_DEPTH)}}`;
    expect(parseInbound(past, false)).toMatchObject({ ok: false, error: { code: 'HIL_PROTOCOL_TOO_DEEP' } });
  });
});
