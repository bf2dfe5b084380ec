import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MrfEvaluation } from './evaluate-mrf.js';
import { summaryMarkdown } from './figure-mrf.js';

test('summary: the paper\'s 1.4× claim is judged per region and comparison, met (✓) or not (✗)', () => {
  const ev: MrfEvaluation = {
    rows: [],
    regions: [{ key: 'brain', label: 'brain' }, { key: 'brain_no_csf', label: 'brain excl. CSF' }],
    methods: [
      { stage: 'recon-single', method: 'Sliding window (1 interleaf)', acquisition: 'single' },
      { stage: 'recon-reference', method: 'Reference (6 repeats)', acquisition: 'reference' },
      { stage: 'train', method: 'Network', acquisition: 'single' },
    ],
    baseline: 'recon-single',
    reference: 'recon-reference',
    ratios: {
      truth: {
        'recon-reference': { t1: { brain: 2, brain_no_csf: 2 }, t2: { brain: 2, brain_no_csf: 2 } },
        train: { t1: { brain: 0.83, brain_no_csf: 1.63 }, t2: { brain: 1.38, brain_no_csf: 2.26 } },
      },
      reference: { train: { t1: { brain: 0.75, brain_no_csf: 1.4 }, t2: { brain: 1.04, brain_no_csf: 2.15 } } },
    },
  };
  const md = summaryMarkdown('mrf', ev, { rank: 6, criterion: 'Σσ ≥ 0.95', energy_at_rank: 0.999, sigma_fraction_at_rank: 0.96, rank_for_95_percent: { sigma_fraction: 6, energy: 3 }, atoms: 10, TRs: 600 });
  const claims = md.split('\n').filter((l) => l.startsWith("**Paper's claim"));
  assert.equal(claims.length, 1, 'one line for the network, none for the reference');
  assert.match(claims[0]!, /Network RMSE at least 1\.4× lower than Sliding window \(1 interleaf\)/);
  assert.match(claims[0]!, /brain excl\. CSF vs truth: T1 1\.63× ✓, T2 2\.26× ✓ · brain excl\. CSF vs reference: T1 1\.40× ✓, T2 2\.15× ✓ · brain vs truth: T1 0\.83× ✗, T2 1\.38× ✗ · brain vs reference: T1 0\.75× ✗, T2 1\.04× ✗\./);
});
