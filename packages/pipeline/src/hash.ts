import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal params always serialise identically. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** Short sha256 of the canonical JSON: the params hash that keys a stage's cache entry. */
export function paramsHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

/**
 * Flatten nested params into MLflow-style dotted keys: {net: {blocks: 9}} → {'net.blocks': '9'}.
 * Arrays are kept as JSON values ('[43,67,91,115]') because a TE list is one parameter.
 */
export function flattenParams(value: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      Object.assign(out, flattenParams(inner, prefix ? `${prefix}.${key}` : key));
    }
  } else if (prefix) {
    out[prefix] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}
