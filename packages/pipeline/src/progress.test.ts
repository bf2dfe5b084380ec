import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgress } from './progress.js';

/** A fake non-TTY stream that keeps what was written. */
function sink(): { lines: string[]; stream: NodeJS.WriteStream } {
  const lines: string[] = [];
  return { lines, stream: { isTTY: false, write: (s: string) => { lines.push(s.trimEnd()); return true; } } as unknown as NodeJS.WriteStream };
}

test('progress: a line per 10 % off a TTY, and work stopped early finishes at its own count', () => {
  let t = 0;
  const { lines, stream } = sink();
  const p = createProgress(2000, 'training', stream, () => t);
  for (let step = 1; step <= 1100; step++) { t += 10; p.update(step); }
  p.finish('stopped');
  assert.equal(lines.filter((l) => l.includes('/2000')).length, 7); // deciles 0…5 (steps 1, 200, …, 1000) + finish
  assert.match(lines.at(-1)!, /^training █+░+ 1100\/2000  55% elapsed 00:11 eta 00:09 stopped$/);
  const { lines: full, stream: s2 } = sink();
  const q = createProgress(4, 'fit', s2, () => 0);
  q.finish();
  assert.match(full[0]!, /fit ████████████████████████ 4\/4 100%/);
});
