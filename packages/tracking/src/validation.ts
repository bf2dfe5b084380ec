/**
 * MLflow's input rules (mlflow/utils/validation.py) and its float text format, shared by the
 * file store writer, the REST client and the contract server.
 */

/** Limits from mlflow/utils/validation.py (MLflow 2.x). */
export const LIMITS = Object.freeze({
  maxParamValueLength: 6000,
  maxTagValueLength: 5000,
  maxEntityKeyLength: 250,
  maxExperimentNameLength: 500,
  maxMetricsPerBatch: 1000,
  maxParamsTagsPerBatch: 100,
  maxEntitiesPerBatch: 1000,
  maxBatchRequestBytes: 1_000_000,
  maxSearchResults: 50_000,
  defaultSearchResults: 1000,
});

/** `^[/\w.\- ]*$` with Python's Unicode `\w`: names may hold alphanumerics, `_ - . /` and spaces. */
const VALID_NAME = /^[\p{L}\p{N}_/.\- ]*$/u;
const INVALID_NAME_CHAR = /[^\p{L}\p{N}_/.\- ]/gu;

/** Python's `posixpath.normpath`. */
export function posixNormpath(p: string): string {
  if (p === '') return '.';
  const initial = p.startsWith('/') ? (p.startsWith('//') && !p.startsWith('///') ? 2 : 1) : 0;
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    const top = out[out.length - 1];
    if (part !== '..' || (initial === 0 && out.length === 0) || top === '..') out.push(part);
    else if (out.length > 0) out.pop();
  }
  const joined = '/'.repeat(initial) + out.join('/');
  return joined === '' ? '.' : joined;
}

/** MLflow's `path_not_unique`: the name would resolve to another name when used as a file path. */
function pathNotUnique(name: string): boolean {
  const norm = posixNormpath(name);
  return norm !== name || norm === '.' || norm.startsWith('..') || norm.startsWith('/');
}

/**
 * Why MLflow rejects a metric/param/tag key, or undefined when valid.
 * @param kind 'metric' | 'parameter' | 'tag' (used in the message, as MLflow words it).
 */
export function keyProblem(kind: string, key: unknown): string | undefined {
  if (typeof key !== 'string') return `${kind} name must be a string, got ${typeof key}`;
  if (!VALID_NAME.test(key)) {
    return `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`;
  }
  if (pathNotUnique(key)) {
    return `Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${posixNormpath(key)}'`;
  }
  if (key.length > LIMITS.maxEntityKeyLength) {
    return `${kind} name '${key.slice(0, 250)}' had length ${key.length}, which exceeded length limit of ${LIMITS.maxEntityKeyLength}`;
  }
  return undefined;
}

/**
 * Map any string to a key MLflow accepts: characters outside `[\w/.\- ]` become `_`, path segments
 * that are empty, `.` or `..` are dropped or escaped, so `a//b/./c` → `a/b/c`. Dots and slashes stay
 * (MLflow stores `a/b` as params/a/b). Throws when the result exceeds 250 chars.
 */
export function sanitizeKey(kind: string, key: string): string {
  const segments = key
    .replace(INVALID_NAME_CHAR, '_')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .map((s) => (s === '..' ? '__' : s));
  let out = segments.join('/');
  if (out.startsWith('..')) out = `_${out}`;
  if (out === '') out = '_';
  if (out.length > LIMITS.maxEntityKeyLength) {
    throw new Error(`${kind} key '${key.slice(0, 80)}…' is ${out.length} chars; MLflow allows at most ${LIMITS.maxEntityKeyLength}`);
  }
  return out;
}

/** Truncate a param/tag value to MLflow's limit (what MLflow does by default, MLFLOW_TRUNCATE_LONG_VALUES). */
export function truncateValue(value: string, limit: number): string {
  return value.length <= limit ? value : value.slice(0, limit);
}

/** Sanitize keys and stringify/truncate values; throws if two keys collide with different values. */
export function prepareParams(params: Record<string, string | number | boolean>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [rawKey, rawValue] of Object.entries(params)) {
    if (typeof rawValue !== 'string' && typeof rawValue !== 'number' && typeof rawValue !== 'boolean') {
      throw new Error(`param '${rawKey}': value must be a string, number or boolean, got ${rawValue === null ? 'null' : typeof rawValue}`);
    }
    const key = sanitizeKey('param', rawKey);
    const value = truncateValue(String(rawValue), LIMITS.maxParamValueLength);
    const previous = out.get(key);
    if (previous !== undefined && previous !== value) {
      throw new Error(`param '${rawKey}': sanitized key '${key}' collides with another param of a different value`);
    }
    out.set(key, value);
  }
  return out;
}

/** Sanitize tag keys and truncate values to 5000 chars. */
export function prepareTags(tags: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [rawKey, rawValue] of Object.entries(tags)) {
    if (typeof rawValue !== 'string') throw new Error(`tag '${rawKey}': value must be a string, got ${typeof rawValue}`);
    out.set(sanitizeKey('tag', rawKey), truncateValue(rawValue, LIMITS.maxTagValueLength));
  }
  return out;
}

/** A metric sample with every field resolved and checked. */
export interface ResolvedMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/**
 * Check and complete a metric sample as MLflow's `_validate_metric` does: value a number (NaN and
 * ±Infinity allowed), timestamp a nonnegative integer (ms), step an integer. The key is sanitized.
 */
export function resolveMetric(key: string, value: number, step = 0, timestamp = Date.now()): ResolvedMetric {
  if (typeof value !== 'number') throw new Error(`metric '${key}': value must be a number, got ${typeof value}`);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new Error(`metric '${key}': timestamp must be a nonnegative integer (ms), got ${timestamp}`);
  }
  if (!Number.isSafeInteger(step)) throw new Error(`metric '${key}': step must be an integer, got ${step}`);
  return { key: sanitizeKey('metric', key), value, timestamp, step };
}

/**
 * Python's `str(float)` (repr): shortest round-trip digits, fixed notation for 1e-4 ≤ |v| < 1e16
 * (with `.0` when integral), else `d.ddde±XX`; `nan`, `inf`, `-inf`. This is what MLflow's file
 * store writes in metric files (`f"{timestamp} {value} {step}"`).
 */
export function formatPythonFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  const [mantissa, expText] = Math.abs(v).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number.parseInt(expText, 10);
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

const PY_FLOAT = /^[+-]?(?:nan|inf|infinity|(?:\d(?:_?\d)*)?\.?(?:\d(?:_?\d)*)?(?:e[+-]?\d(?:_?\d)*)?)$/i;

/** Python's `float(text)` for the forms a metric file can hold; undefined when Python would raise. */
export function parsePythonFloat(text: string): number | undefined {
  const t = text.trim();
  if (!PY_FLOAT.test(t) || !/\d|nan|inf/i.test(t)) return undefined;
  const lower = t.toLowerCase().replace(/_/g, '');
  const body = lower.replace(/^[+-]/, '');
  const negative = lower.startsWith('-');
  if (body === 'nan') return NaN;
  if (body === 'inf' || body === 'infinity') return negative ? -Infinity : Infinity;
  if (!/^\d|^\.\d/.test(body)) return undefined;
  const n = Number(lower);
  return Number.isNaN(n) ? undefined : n;
}
