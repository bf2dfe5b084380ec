/**
 * The flat YAML subset of MLflow's `meta.yaml` files: one `key: scalar` per line, keys sorted (as
 * PyYAML's `safe_dump` writes them), scalars resolved with YAML 1.1 rules (what PyYAML reads).
 *
 * The emitter quotes every string that PyYAML would otherwise read as something else
 * (`'0'`, `'true'`, `'2024-01-01'`, `''`), so `experiment_id: '123'` stays a string and
 * `status: 3` stays an integer.
 */

export type YamlScalar = string | number | bigint | boolean | null | Date | readonly [];
export type FlatYaml = Record<string, YamlScalar>;

const PLAIN_SAFE = /^[A-Za-z_/][A-Za-z0-9_./@+ -]*$/;
const RESERVED_WORDS = /^(?:y|n|yes|no|true|false|on|off|null|~)$/i;
// C0/C1 controls, line/paragraph separators, BOM and lone surrogates cannot sit in a quoted line.
const NOT_PRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

/** A YAML scalar for one string: plain when unambiguous, else single- or double-quoted. */
export function yamlString(s: string): string {
  if (PLAIN_SAFE.test(s) && !s.endsWith(' ') && !RESERVED_WORDS.test(s)) return s;
  if (!NOT_PRINTABLE.test(s)) return `'${s.replace(/'/g, "''")}'`;
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (NOT_PRINTABLE.test(ch)) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function emitScalar(key: string, v: YamlScalar): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`yaml: key '${key}' must be an integer, got ${v}`);
    return String(v);
  }
  if (typeof v === 'string') return yamlString(v);
  if (Array.isArray(v) && v.length === 0) return '[]';
  throw new Error(`yaml: key '${key}' has an unsupported value`);
}

/** Emit a flat mapping, keys sorted like PyYAML's `safe_dump(..., default_flow_style=False)`. */
export function emitFlatYaml(data: FlatYaml): string {
  const keys = Object.keys(data).sort();
  return keys.map((k) => `${k}: ${emitScalar(k, data[k]!)}\n`).join('');
}

// --- reader --------------------------------------------------------------------------------------

const INT_RE = /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*)$/;
const SEXAGESIMAL_INT_RE = /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/;
const FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP_RE =
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;
const BOOL_TRUE = new Set(['yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const BOOL_FALSE = new Set(['no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);

function resolveInt(text: string): number | bigint {
  const t = text.replace(/_/g, '');
  const neg = t.startsWith('-');
  const body = t.replace(/^[-+]/, '');
  let big: bigint;
  if (body.startsWith('0b')) big = BigInt(body);
  else if (body.startsWith('0x')) big = BigInt(body);
  else if (body.length > 1 && body.startsWith('0')) big = BigInt(`0o${body.slice(1)}`);
  else big = BigInt(body);
  if (neg) big = -big;
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** Resolve a plain scalar the way PyYAML's SafeLoader does (YAML 1.1 implicit types). */
export function resolvePlain(text: string): YamlScalar {
  if (NULLS.has(text)) return null;
  if (BOOL_TRUE.has(text)) return true;
  if (BOOL_FALSE.has(text)) return false;
  if (INT_RE.test(text)) return resolveInt(text);
  if (SEXAGESIMAL_INT_RE.test(text)) {
    const neg = text.startsWith('-');
    const parts = text.replace(/^[-+]/, '').replace(/_/g, '').split(':').map(Number);
    const v = parts.reduce((acc, p) => acc * 60 + p, 0);
    return neg ? -v : v;
  }
  if (FLOAT_RE.test(text)) {
    const t = text.replace(/_/g, '').toLowerCase();
    if (t.endsWith('.nan')) return NaN;
    if (t.endsWith('.inf')) return t.startsWith('-') ? -Infinity : Infinity;
    return Number(t);
  }
  if (TIMESTAMP_RE.test(text)) return new Date(text.replace(/[ \t]+/, 'T'));
  if (text === '[]') return [];
  return text;
}

function unescapeDouble(body: string, where: string): string {
  const simple: Record<string, string> = {
    '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
    ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
  };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '"') throw new Error(`${where}: unescaped '"' inside a double-quoted scalar`);
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new Error(`${where}: dangling backslash`);
    if (e in simple) out += simple[e];
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new Error(`${where}: bad \\${e} escape`);
      out += String.fromCodePoint(Number.parseInt(hex, 16));
      i += n;
    } else throw new Error(`${where}: unknown escape \\${e}`);
  }
  return out;
}

function parseValue(raw: string, where: string): YamlScalar {
  const text = raw.trim();
  if (text.startsWith("'")) {
    let i = 1;
    for (; i < text.length; i++) {
      if (text[i] !== "'") continue;
      if (text[i + 1] === "'") i++;
      else break;
    }
    if (i !== text.length - 1) throw new Error(`${where}: unterminated or trailing text after single-quoted scalar`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (text.startsWith('"')) {
    let i = 1;
    for (; i < text.length; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') break;
    }
    if (i !== text.length - 1) throw new Error(`${where}: unterminated or trailing text after double-quoted scalar`);
    return unescapeDouble(text.slice(1, -1), where);
  }
  if ((/^[|>&*!%@`{[]/.test(text) || /^[-?:](?:\s|$)/.test(text)) && text !== '[]') throw new Error(`${where}: unsupported YAML construct '${text.slice(0, 20)}'`);
  if (/:\s|\s#/.test(text)) throw new Error(`${where}: unsupported plain scalar '${text.slice(0, 40)}'`);
  return resolvePlain(text);
}

/**
 * Parse a flat `key: scalar` YAML mapping (what MLflow's meta.yaml holds). Continuation lines of a
 * folded scalar are joined with a space. Throws, naming `file` and the line, on anything else.
 */
export function parseFlatYaml(text: string, file = 'yaml'): FlatYaml {
  const out: FlatYaml = {};
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let current: { key: string; raw: string; line: number } | undefined;
  const flush = (): void => {
    if (!current) return;
    if (Object.prototype.hasOwnProperty.call(out, current.key)) throw new Error(`${file}:${current.line}: duplicate key '${current.key}'`);
    out[current.key] = parseValue(current.raw, `${file}:${current.line}`);
    current = undefined;
  };
  lines.forEach((line, i) => {
    if (line.trim() === '' || /^\s*#/.test(line)) return;
    if (/^\s/.test(line)) {
      if (!current) throw new Error(`${file}:${i + 1}: indented line outside a mapping value`);
      current.raw = current.raw === '' ? line.trim() : `${current.raw} ${line.trim()}`;
      return;
    }
    if (line === '---' || line === '...') return;
    const m = /^([A-Za-z0-9_.\-]+):(?:[ \t]+(.*))?$/.exec(line);
    if (!m) throw new Error(`${file}:${i + 1}: expected 'key: value', got '${line.slice(0, 60)}'`);
    flush();
    current = { key: m[1]!, raw: m[2] ?? '', line: i + 1 };
  });
  flush();
  return out;
}
