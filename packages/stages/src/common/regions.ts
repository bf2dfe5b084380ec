/** Evaluation regions of the T2 phantom: the brain, each tissue, and the brain without CSF. */
export interface Region {
  /** Key for MLflow metric names and JSON. */
  key: string;
  /** Label for tables and figures. */
  label: string;
  /** Whether a voxel with this tissue code (0 bg, 1 CSF, 2 GM, 3 WM) belongs to the region. */
  has: (tissue: number) => boolean;
}

const TISSUE_CODE = { CSF: 1, GM: 2, WM: 3 } as const;

export function regionsFor(tissues: readonly ('WM' | 'GM' | 'CSF')[]): Region[] {
  return [
    { key: 'brain', label: 'brain', has: (t) => t > 0 },
    ...tissues.map((name) => ({ key: name.toLowerCase(), label: name, has: (t: number) => t === TISSUE_CODE[name] })),
    // CSF's T2 (~1 s) is far beyond a 115 ms echo train: it dominates the brain RMSE, so report without it too.
    { key: 'brain_no_csf', label: 'brain excl. CSF', has: (t) => t === TISSUE_CODE.GM || t === TISSUE_CODE.WM },
  ];
}

/** A 0/1 mask of the voxels in `region`, restricted to the voxel range [start, end). */
export function regionMask(tissue: Uint8Array, region: Region, start = 0, end = tissue.length): Uint8Array {
  const mask = new Uint8Array(tissue.length);
  for (let i = start; i < end; i++) mask[i] = region.has(tissue[i]!) ? 1 : 0;
  return mask;
}
