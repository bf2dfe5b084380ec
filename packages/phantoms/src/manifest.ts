import { sha256File } from '@relaxomap/array-io';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { parse as parseYamlText } from 'yaml';

/** A parsed YAML value (JSON-like). */
type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

/** One file listed in a data manifest. */
export interface ManifestFile {
  /** Path relative to the repository root. */
  path: string;
  /** SHA-256 (hex). Absent only in a manifest with `bundled: false` whose checksums were never recorded. */
  sha256?: string;
  /** Size in bytes (absent like sha256). */
  size?: number;
  format: string;
  /** Where to get it: repository@commit:path (plus how it was converted, if it was). */
  source?: string;
  shape?: number[];
  dtype?: string;
}

/** A data manifest (data-manifests/*.yaml): what the data are, where from, and their hashes. */
export interface DataManifest {
  id: string;
  description: string;
  licence: string;
  citation: string;
  source: string[];
  files: ManifestFile[];
  used_by: string[];
  /** False for data the user downloads (the paper's own scans): missing files then say where to get them. */
  bundled: boolean;
  /** Free-form: file formats, acquisition protocol (sequence, TE list, TR, field, matrix), reference values. */
  format?: string;
  protocol?: YamlValue;
  reference?: YamlValue;
}

function asString(v: YamlValue | undefined, field: string, where: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new Error(`${where}: ${field} must be a non-empty string`);
  return v;
}

function parseManifest(value: YamlValue, where: string): DataManifest {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: must be a mapping`);
  const m = value;
  const strList = (v: YamlValue | undefined, field: string): string[] => {
    if (!Array.isArray(v) || v.length === 0) throw new Error(`${where}: ${field} must be a non-empty list`);
    return v.map((x, i) => asString(x, `${field}[${i}]`, where));
  };
  if (m.bundled !== undefined && typeof m.bundled !== 'boolean') throw new Error(`${where}: bundled must be true or false`);
  const bundled = m.bundled !== false;
  if (!Array.isArray(m.files) || m.files.length === 0) throw new Error(`${where}: files must be a non-empty list`);
  const files = m.files.map((f, i): ManifestFile => {
    const field = `files[${i}]`;
    if (f === null || typeof f !== 'object' || Array.isArray(f)) throw new Error(`${where}: ${field} must be a mapping`);
    const path = asString(f.path, `${field}.path`, where);
    if (isAbsolute(path) || path.split(/[\\/]/).includes('..')) throw new Error(`${where}: ${field}.path must be relative to the repository root without '..' (got ${path})`);
    const out: ManifestFile = { path, format: asString(f.format, `${field}.format`, where) };
    // Bundled data always carry checksums; downloads the project never saw may not.
    if (bundled || f.sha256 !== undefined) {
      const sha256 = asString(f.sha256, `${field}.sha256`, where);
      if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`${where}: ${field}.sha256 must be 64 lowercase hex characters`);
      out.sha256 = sha256;
    }
    if (bundled || f.size !== undefined) {
      if (!Number.isInteger(f.size) || (f.size as number) < 0) throw new Error(`${where}: ${field}.size must be a non-negative integer of bytes`);
      out.size = f.size as number;
    }
    if (f.source !== undefined) out.source = asString(f.source, `${field}.source`, where);
    if (f.dtype !== undefined) out.dtype = asString(f.dtype, `${field}.dtype`, where);
    if (f.shape !== undefined) {
      if (!Array.isArray(f.shape) || !f.shape.every((s) => Number.isInteger(s))) throw new Error(`${where}: ${field}.shape must be a list of integers`);
      out.shape = f.shape as number[];
    }
    return out;
  });
  return {
    id: asString(m.id, 'id', where),
    description: asString(m.description, 'description', where),
    licence: asString(m.licence, 'licence', where),
    citation: asString(m.citation, 'citation', where),
    source: strList(m.source, 'source'),
    files,
    used_by: strList(m.used_by, 'used_by'),
    bundled,
    ...(m.format !== undefined ? { format: asString(m.format, 'format', where) } : {}),
    ...(m.protocol !== undefined ? { protocol: m.protocol } : {}),
    ...(m.reference !== undefined ? { reference: m.reference } : {}),
  };
}

/** Reads and validates a data manifest without touching the files it lists. */
export async function readManifest(manifestPath: string): Promise<DataManifest> {
  const text = await readFile(manifestPath, 'utf8');
  let value: YamlValue;
  try {
    value = parseYamlText(text, { uniqueKeys: true }) as YamlValue;
  } catch (err) {
    throw new Error(`${manifestPath}: invalid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  return parseManifest(value, manifestPath);
}

/**
 * Checks every file of a data manifest against the working tree: present, the listed size, the
 * listed SHA-256. Throws one line naming the file and the manifest, e.g.
 * `data/phantoms/x.npy.gz: sha256 mismatch (manifest data-manifests/brainweb.yaml)` or
 * `missing: data/phantoms/x.npy.gz (manifest …): get it from <source> and put it at <repoRoot>/data/phantoms/x.npy.gz`.
 *
 * @param manifestPath the manifest file
 * @param repoRoot the directory that file paths in the manifest are relative to
 * @returns the parsed manifest when everything matches
 */
export async function verifyManifest(manifestPath: string, repoRoot: string): Promise<DataManifest> {
  const manifest = await readManifest(manifestPath);
  const shown = relative(repoRoot, resolve(manifestPath)).split(sep).join('/');
  const label = shown.startsWith('..') ? manifestPath : shown;
  for (const f of manifest.files) {
    const abs = resolve(repoRoot, f.path);
    let size: number;
    try {
      size = (await stat(abs)).size;
    } catch {
      const from = f.source ?? manifest.source.join(' or ');
      throw new Error(`missing: ${f.path} (manifest ${label}): get it from ${from} and put it at ${abs}`);
    }
    if (f.size !== undefined && size !== f.size) throw new Error(`${f.path}: size ${size} bytes, expected ${f.size} (manifest ${label})`);
    if (f.sha256 !== undefined && (await sha256File(abs)) !== f.sha256) throw new Error(`${f.path}: sha256 mismatch (manifest ${label})`);
  }
  return manifest;
}

/**
 * The files of a manifest that are not in the working tree (paths as listed), without hashing
 * anything: lets a driver pick the paper's data when a user has downloaded them.
 */
export async function missingManifestFiles(manifestPath: string, repoRoot: string): Promise<string[]> {
  const manifest = await readManifest(manifestPath);
  const missing: string[] = [];
  for (const f of manifest.files) {
    try {
      await stat(resolve(repoRoot, f.path));
    } catch {
      missing.push(f.path);
    }
  }
  return missing;
}
