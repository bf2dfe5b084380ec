import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { publishReports } from './reports.js';

const tmp = mkdtempSync(join(tmpdir(), 'reports-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function stageReport(root: string, stage: string, files: Record<string, string>): void {
  const dir = join(root, 'artifacts', 'demo', stage, 'reports');
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

describe('publishReports', () => {
  it('publishes the union of every report stage, replacing what was there, ignoring other stages and pipelines', async () => {
    const root = join(tmp, 'union');
    stageReport(root, 'figure', { 'fig.svg': 'a', 'summary.md': 's' });
    stageReport(root, 'stopping', { 'stopping.md': 'b' });
    stageReport(root, 'removed-stage', { 'old.md': 'x' });
    mkdirSync(join(root, 'reports', 'demo'), { recursive: true });
    writeFileSync(join(root, 'reports', 'demo', 'stale.md'), 'stale');
    const files = await publishReports(root, 'demo', ['simulate', 'figure', 'stopping']);
    assert.deepEqual(files, ['fig.svg', 'stopping.md', 'summary.md']);
    assert.deepEqual(readdirSync(join(root, 'reports', 'demo')).sort(), files);
    assert.equal(readFileSync(join(root, 'reports', 'demo', 'stopping.md'), 'utf8'), 'b');
  });

  it('two stages writing one file name is an error naming both, and nothing is published', async () => {
    const root = join(tmp, 'clash');
    stageReport(root, 'a', { 'summary.md': '1' });
    stageReport(root, 'b', { 'summary.md': '2' });
    await assert.rejects(publishReports(root, 'demo', ['a', 'b']), /stages 'a' and 'b' both write reports\/demo\/summary\.md/);
    assert.deepEqual(readdirSync(root).sort(), ['artifacts']);
  });
});
