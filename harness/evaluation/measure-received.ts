/**
 * Prints what one matcher call costs on a hostile 10^6-key object, and how
 * large the evaluation it attaches is (issue 12: it took 6.8 s per call and
 * made a 110 MB compliance.json). Run: `npx tsx harness/evaluation/measure-received.ts [keys]`.
 * A figure script, not a test: timings depend on the machine's load.
 */
import { loadContracts } from '../contracts/index.ts';
import { evaluateInvariant } from './evaluate.ts';
import { toSnapshot } from './received.ts';

const keys = Number(process.argv[2] ?? 1_000_000);
const contracts = loadContracts({ dir: new URL('../../contracts', import.meta.url).pathname });
const found = contracts.findInvariant('I-PERF-001');
if (!found) throw new Error('contracts/ lacks I-PERF-001');
const big: Record<string, number> = { 'websocket.latency_p99_ms': 10 };
for (let i = 0; i < keys; i++) big[`noise.m${i}`] = i;

for (const n of [keys, 9_000]) {
  const input = n === keys ? big : Object.fromEntries(Object.entries(big).slice(0, n));
  const t0 = performance.now();
  let outcome: string;
  let bytes = 0;
  try {
    const e = evaluateInvariant(found.contract, found.invariant, toSnapshot(input));
    bytes = JSON.stringify(e).length;
    outcome = `evaluated (${e.verdict}), ${Object.keys(e.metrics).length} metric(s) kept`;
  } catch (err) {
    outcome = `refused: ${(err as Error).message.slice(0, 90)}`;
  }
  const ms = performance.now() - t0;
  console.log(`${Object.keys(input).length} keys: ${ms.toFixed(0)} ms, ${outcome}${bytes ? `, evaluation ${bytes} bytes of JSON` : ''}, rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`);
}
