/**
 * The manifest of a pre-trained T2 network (written by pretrain-t2 beside its TensorFlow.js weights)
 * and the check fine-tuning makes before it trusts the weights on a scan: a network that has only seen
 * 4 echoes at TE 43…115 ms knows nothing useful about 10 echoes at 6…60 ms.
 */
export const PRETRAINED_FORMAT = 'relaxomap-t2-pretrained/1';

export interface PretrainedManifest {
  format: typeof PRETRAINED_FORMAT;
  echoes: number;
  TE_ms: number[];
  /** Largest |TE_scan − TE_trained| (ms) accepted per echo. */
  te_tolerance_ms: number;
  network: { blocks: number; width: number };
  t2_range_ms: [number, number];
  loss: string;
  /** What the model was trained on. */
  training: { steps: number; slices: number; phantom_slices: number[]; noise_variances: number[]; noise_model: string; seed: number; patch: { size: number; per_step: number } | null };
  commit: string | null;
}

/** What a fine-tuning run is about to use the model for. */
export interface PretrainedUse {
  TE_ms: readonly number[];
  network: { blocks: number; width: number };
  t2_range_ms: readonly [number, number];
}

/** Every way the manifest does not fit the scan (empty: it fits). */
export function pretrainedMismatches(m: PretrainedManifest, use: PretrainedUse): string[] {
  const out: string[] = [];
  if (m.format !== PRETRAINED_FORMAT) return [`format is '${String(m.format)}', expected '${PRETRAINED_FORMAT}'`];
  if (m.echoes !== use.TE_ms.length) out.push(`trained on ${m.echoes} echoes, the scan has ${use.TE_ms.length}`);
  else {
    const worst = Math.max(...use.TE_ms.map((te, i) => Math.abs(te - m.TE_ms[i]!)));
    if (worst > m.te_tolerance_ms) {
      out.push(`scan TE ${use.TE_ms.join('/')} ms is outside the trained TE ${m.TE_ms.join('/')} ms ± ${m.te_tolerance_ms} ms (off by ${+worst.toFixed(3)} ms)`);
    }
  }
  if (m.network.blocks !== use.network.blocks || m.network.width !== use.network.width) {
    out.push(`network is ${m.network.blocks} blocks × width ${m.network.width}, the params ask for ${use.network.blocks} × ${use.network.width}`);
  }
  if (m.t2_range_ms[0] !== use.t2_range_ms[0] || m.t2_range_ms[1] !== use.t2_range_ms[1]) {
    out.push(`T2 output range is [${m.t2_range_ms.join(', ')}] ms, the params ask for [${use.t2_range_ms.join(', ')}] ms`);
  }
  return out;
}
