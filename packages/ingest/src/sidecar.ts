import { readFile } from 'node:fs/promises';
import { IngestError } from './errors.js';

/** The path without `.nii.gz`, `.nii`, `.npy.gz` or `.npy`: its sidecar is `${stem}.json`. */
export function stemOf(path: string): string {
  return path.replace(/\.(nii|npy)(\.gz)?$/i, '');
}

/** `${stem}.json` for an image or array file. */
export function sidecarPath(path: string): string {
  return `${stemOf(path)}.json`;
}

/** The sidecar object, or null when the file does not exist; unreadable or non-object JSON is an IngestError. */
export async function readSidecar(jsonPath: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new IngestError(jsonPath, 'path', (e as Error).message);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new IngestError(jsonPath, 'json', (e as Error).message);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new IngestError(jsonPath, 'json', 'must hold a JSON object');
  return obj as Record<string, unknown>;
}

/** A positive finite number, else IngestError naming the key. */
export function positiveNumber(v: unknown, file: string, field: string): number {
  if (typeof v !== 'number' || !(Number.isFinite(v) && v > 0)) throw new IngestError(file, field, `must be a positive number (got ${JSON.stringify(v)})`);
  return v;
}

/** The array axes an npy sidecar may name, normalised. */
export type AxisName = 'echo' | 'slice' | 'row' | 'col';

const AXIS_ALIASES: Record<string, AxisName> = {
  echo: 'echo', te: 'echo', echoes: 'echo',
  slice: 'slice', z: 'slice', slices: 'slice',
  row: 'row', y: 'row', rows: 'row', pe: 'row', ky: 'row',
  col: 'col', x: 'col', column: 'col', cols: 'col', columns: 'col', ro: 'col', kx: 'col',
};

/**
 * Checks the sidecar's `axes` against the array rank and returns whether a slice axis is present.
 * Accepted orders: (echo, row, col) or (echo, slice, row, col), with aliases (te; z; y, pe, ky; x, ro, kx).
 * A missing `axes` is inferred from the rank with a warning.
 */
export function parseAxes(axes: unknown, ndim: number, file: string, warnings: string[]): { hasSlice: boolean } {
  const want = ndim === 3 ? ['echo', 'row', 'col'] : ndim === 4 ? ['echo', 'slice', 'row', 'col'] : null;
  if (want === null) throw new IngestError(file, 'shape', `array must have 3 axes (echo, row, col) or 4 (echo, slice, row, col); got ${ndim}`);
  if (axes === undefined) {
    warnings.push(`no axes in sidecar: (${want.join(', ')}) assumed from the ${ndim}-D shape`);
    return { hasSlice: ndim === 4 };
  }
  if (!Array.isArray(axes) || axes.some((a) => typeof a !== 'string')) throw new IngestError(file, 'axes', `must be a list of axis names (got ${JSON.stringify(axes)})`);
  const names = axes.map((a: string) => AXIS_ALIASES[a.toLowerCase()] ?? a);
  if (names.length !== ndim || names.some((a, i) => a !== want[i])) {
    throw new IngestError(file, 'axes', `${JSON.stringify(axes)} does not match a ${ndim}-D array in order (${want.join(', ')})`);
  }
  return { hasSlice: ndim === 4 };
}
