// The page's text-for-HTML helpers (page/html-text.ts): what the naive renderers put into innerHTML.
import { expect, test } from 'vitest';
import { cssColour, escapeHtml } from './page/html-text.ts';
import { applyEnvelope, createStore } from './page/telemetry.ts';

test('escapeHtml leaves no markup and no way out of a quoted attribute', () => {
  expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe('&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
  expect(escapeHtml('artbot-1200: 3 / 12 strokes · naive')).toBe('artbot-1200: 3 / 12 strokes · naive');
});

test('cssColour keeps plain colours and refuses anything that could carry markup, quotes or a URL', () => {
  for (const ok of ['#000', '#e63946', '#11223344', 'red', 'rgb(255,0,0)', 'rgba(1, 2, 3, 0.5)', 'hsl(120, 50%, 50%)']) expect(cssColour(ok), ok).toBe(ok);
  for (const bad of ['red"></span><img src=x onerror=alert(1)>', 'url(//evil.example/x)', 'red;background-image:url(x)', "rgb(1,2,3)'", '', 'expression(alert(1))']) expect(cssColour(bad), bad).toBeNull();
});

test('an LED event with a hostile colour string leaves the shown colour as it was', () => {
  const store = createStore();
  applyEnvelope(store, { version: 2, type: 'event', payload: { event: 'leds', data: ['red"><img src=x onerror=alert(1)>', '#00ff00'] } });
  expect(store.leds).toEqual(['#000000', '#00ff00']);
});
