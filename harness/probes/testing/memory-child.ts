/**
 * A stand-in process under test for the memory probe's own tests: answers
 * memory requests over IPC and grows its heap by `{ grow: n }` objects when
 * asked. Run with `node --expose-gc --import tsx` through `fork`.
 */
import { answerMemoryRequests } from '../memory-ipc.ts';

const kept: unknown[] = [];
answerMemoryRequests(() => Date.now());
process.on('message', (m: { grow?: number }) => {
  if (typeof m?.grow === 'number') {
    for (let i = 0; i < m.grow; i++) kept.push({ i, label: `object ${i}` });
    process.send?.({ grown: kept.length });
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
