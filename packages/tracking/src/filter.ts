/**
 * MLflow's run search filter (mlflow/utils/search_utils.py), evaluated in memory: used by the file
 * store's `searchRuns` and by the contract server's `runs/search`.
 *
 * Grammar: `clause (AND clause)*`, clause = `<entity>.<key> <comparator> <value>` where entity is
 * metric(s) | param(s)/parameter(s) | tag(s) | attribute(s)/attr/run; keys with special characters
 * are quoted with backticks or double quotes (tags.`mlflow.runName`); string values are single- or
 * double-quoted, metric values are numbers. There is no OR (as in MLflow).
 */
import type { RunInfo } from './types.js';

export type FilterEntity = 'metric' | 'parameter' | 'tag' | 'attribute';
export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface FilterClause {
  entity: FilterEntity;
  key: string;
  comparator: Comparator;
  value: string | number | string[];
}

const ENTITY_ALIASES: Record<string, FilterEntity> = {
  metric: 'metric', metrics: 'metric',
  parameter: 'parameter', parameters: 'parameter', param: 'parameter', params: 'parameter',
  tag: 'tag', tags: 'tag',
  attribute: 'attribute', attributes: 'attribute', attr: 'attribute', run: 'attribute',
};
const NUMERIC_COMPARATORS = new Set<Comparator>(['=', '!=', '>', '>=', '<', '<=']);
const STRING_COMPARATORS = new Set<Comparator>(['=', '!=', 'LIKE', 'ILIKE']);
const NUMERIC_ATTRIBUTES: Record<string, 'startTime' | 'endTime'> = {
  start_time: 'startTime', created: 'startTime', Created: 'startTime', end_time: 'endTime',
};
const STRING_ATTRIBUTES: Record<string, 'runId' | 'runName' | 'status' | 'artifactUri' | 'userId'> = {
  run_id: 'runId', run_name: 'runName', 'run name': 'runName', 'Run name': 'runName', 'Run Name': 'runName',
  status: 'status', artifact_uri: 'artifactUri', user_id: 'userId',
};

/** Thrown for a filter MLflow would reject (INVALID_PARAMETER_VALUE). */
export class FilterError extends Error {
  override name = 'FilterError';
}

type Token =
  | { t: 'ident'; v: string }
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'op'; v: string }
  | { t: 'punct'; v: '(' | ')' | ',' | '.' };

function readQuoted(s: string, i: number, q: string, filter: string): [string, number] {
  let out = '';
  let j = i + 1;
  for (; j < s.length; j++) {
    const ch = s[j]!;
    if (ch === '\\' && j + 1 < s.length) {
      out += s[++j];
    } else if (ch === q) {
      if (s[j + 1] === q) {
        out += q;
        j++;
      } else return [out, j + 1];
    } else out += ch;
  }
  throw new FilterError(`Invalid filter '${filter}': unterminated quote at position ${i}`);
}

function tokenize(filter: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const ch = filter[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      const [v, next] = readQuoted(filter, i, ch, filter);
      // A backtick or a quote right after a '.' is a quoted key, not a value.
      const prev = out[out.length - 1];
      out.push(ch === '`' || (prev?.t === 'punct' && prev.v === '.') ? { t: 'ident', v } : { t: 'string', v });
      i = next;
    } else if ('()<>=!,'.includes(ch)) {
      const two = filter.slice(i, i + 2);
      if (['>=', '<=', '!=', '<>'].includes(two)) {
        out.push({ t: 'op', v: two === '<>' ? '!=' : two });
        i += 2;
      } else if ('<>='.includes(ch)) {
        out.push({ t: 'op', v: ch });
        i++;
      } else if (ch === '!') {
        throw new FilterError(`Invalid filter '${filter}': unexpected '!' at position ${i}`);
      } else {
        out.push({ t: 'punct', v: ch as '(' | ')' | ',' });
        i++;
      }
    } else if (/[-+0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(filter[i + 1] ?? ''))) {
      const m = /^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?/.exec(filter.slice(i));
      if (!m) throw new FilterError(`Invalid filter '${filter}': bad number at position ${i}`);
      out.push({ t: 'number', v: Number(m[0]) });
      i += m[0].length;
    } else if (ch === '.') {
      out.push({ t: 'punct', v: '.' });
      i++;
    } else if (/[\p{L}\p{N}_]/u.test(ch)) {
      const m = /^[\p{L}\p{N}_]+/u.exec(filter.slice(i))!;
      out.push({ t: 'ident', v: m[0] });
      i += m[0].length;
    } else {
      throw new FilterError(`Invalid filter '${filter}': unexpected character '${ch}' at position ${i}`);
    }
  }
  return out;
}

/** Parse a filter string into AND-ed clauses; empty/whitespace filter → []. Throws FilterError. */
export function parseFilter(filter: string | undefined): FilterClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const tokens = tokenize(filter);
  const clauses: FilterClause[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new FilterError(`Invalid filter '${filter}': ${why}`);
  };
  while (i < tokens.length) {
    // identifier: entity '.' key ('.' key)*  — unquoted keys may contain dots (params.model.lr)
    const head = tokens[i];
    if (head?.t !== 'ident') fail(`expected an identifier like 'metrics.loss' at token ${i + 1}`);
    let entityName = (head as { v: string }).v;
    let entity = ENTITY_ALIASES[entityName];
    let key: string;
    if (tokens[i + 1]?.t === 'punct' && (tokens[i + 1] as { v: string }).v === '.') {
      if (!entity) fail(`invalid entity type '${entityName}'. Valid values are ['metric', 'parameter', 'tag', 'attribute']`);
      i += 2;
      const parts: string[] = [];
      for (;;) {
        const tk = tokens[i];
        if (tk?.t !== 'ident' && tk?.t !== 'number') fail(`missing key after '${entityName}.'`);
        parts.push(String((tk as { v: string | number }).v));
        i++;
        const dot = tokens[i];
        if (dot?.t === 'punct' && dot.v === '.') i++;
        else break;
      }
      key = parts.join('.');
    } else {
      // A bare name is an attribute (MLflow: `status = 'FINISHED'`, `run_name = 'x'`).
      entity = 'attribute';
      key = entityName;
      i++;
      entityName = 'attribute';
    }
    // comparator
    let comparator: Comparator;
    const opTok = tokens[i];
    if (opTok?.t === 'op') {
      comparator = opTok.v as Comparator;
      i++;
    } else if (opTok?.t === 'ident' && /^(like|ilike|in)$/i.test(opTok.v)) {
      comparator = opTok.v.toUpperCase() as Comparator;
      i++;
    } else if (opTok?.t === 'ident' && /^not$/i.test(opTok.v) && tokens[i + 1]?.t === 'ident' && /^in$/i.test((tokens[i + 1] as { v: string }).v)) {
      comparator = 'NOT IN';
      i += 2;
    } else {
      return fail(`missing comparator after '${entityName}.${key}'`);
    }
    // value
    let value: string | number | string[];
    const vTok = tokens[i];
    if (comparator === 'IN' || comparator === 'NOT IN') {
      if (!(vTok?.t === 'punct' && vTok.v === '(')) fail(`'${comparator}' needs a parenthesised list of strings`);
      i++;
      const list: string[] = [];
      for (;;) {
        const item = tokens[i];
        if (item?.t !== 'string') fail(`'${comparator}' list items must be quoted strings`);
        list.push((item as { v: string }).v);
        i++;
        const sep = tokens[i];
        if (sep?.t === 'punct' && sep.v === ',') i++;
        else if (sep?.t === 'punct' && sep.v === ')') {
          i++;
          break;
        } else fail(`unterminated '${comparator}' list`);
      }
      value = list;
    } else if (vTok?.t === 'string' || vTok?.t === 'number') {
      value = vTok.v;
      i++;
    } else {
      return fail(`missing value after '${entityName}.${key} ${comparator}'`);
    }
    clauses.push(checkClause({ entity: entity!, key, comparator, value }, fail));
    // AND
    if (i < tokens.length) {
      const and = tokens[i];
      if (and?.t === 'ident' && /^and$/i.test(and.v)) i++;
      else fail(`expected AND at token ${i + 1} (MLflow supports only AND)`);
      if (i >= tokens.length) fail('dangling AND');
    }
  }
  return clauses;
}

function checkClause(c: FilterClause, fail: (why: string) => never): FilterClause {
  const { entity, key, comparator, value } = c;
  if (entity === 'metric') {
    if (!NUMERIC_COMPARATORS.has(comparator)) fail(`invalid comparator '${comparator}' for metric`);
    if (typeof value !== 'number') fail(`expected numeric value type for metric, found '${String(value)}'`);
  } else if (entity === 'parameter' || entity === 'tag') {
    if (!STRING_COMPARATORS.has(comparator)) fail(`invalid comparator '${comparator}' for ${entity}`);
    if (typeof value !== 'string') fail(`expected a quoted string value for ${entity} '${key}'`);
  } else if (key in NUMERIC_ATTRIBUTES) {
    if (!NUMERIC_COMPARATORS.has(comparator)) fail(`invalid comparator '${comparator}' for attribute '${key}'`);
    if (typeof value !== 'number') fail(`expected numeric value for attribute '${key}'`);
  } else if (key in STRING_ATTRIBUTES) {
    if (comparator === 'IN' || comparator === 'NOT IN') {
      if (key !== 'run_id') fail(`'${comparator}' is only supported for attribute 'run_id'`);
    } else {
      if (!STRING_COMPARATORS.has(comparator)) fail(`invalid comparator '${comparator}' for attribute '${key}'`);
      if (typeof value !== 'string') fail(`expected a quoted string value for attribute '${key}'`);
    }
  } else {
    fail(`invalid attribute key '${key}'. Valid keys: ${[...Object.keys(STRING_ATTRIBUTES), ...Object.keys(NUMERIC_ATTRIBUTES)].join(', ')}`);
  }
  return c;
}

function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's');
}

function compareNumber(a: number, op: Comparator, b: number): boolean {
  switch (op) {
    case '=': return a === b;
    case '!=': return a !== b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '<': return a < b;
    case '<=': return a <= b;
    default: return false;
  }
}

function compareString(a: string, op: Comparator, b: string | number | string[]): boolean {
  switch (op) {
    case '=': return a === b;
    case '!=': return a !== b;
    case 'LIKE': return likeToRegExp(String(b), false).test(a);
    case 'ILIKE': return likeToRegExp(String(b), true).test(a);
    case 'IN': return (b as string[]).includes(a);
    case 'NOT IN': return !(b as string[]).includes(a);
    default: return false;
  }
}

/** True when `run` satisfies every clause (a missing metric/param/tag fails its clause, as in MLflow). */
export function matchesFilter(run: RunInfo, clauses: readonly FilterClause[]): boolean {
  return clauses.every((c) => {
    if (c.entity === 'metric') {
      const v = run.metrics[c.key];
      return v !== undefined && compareNumber(v, c.comparator, c.value as number);
    }
    if (c.entity === 'parameter' || c.entity === 'tag') {
      const bag = c.entity === 'parameter' ? run.params : run.tags;
      const v = Object.prototype.hasOwnProperty.call(bag, c.key) ? bag[c.key] : undefined;
      return v !== undefined && compareString(v, c.comparator, c.value);
    }
    const numeric = NUMERIC_ATTRIBUTES[c.key];
    if (numeric) {
      const v = run[numeric];
      return v !== null && compareNumber(v, c.comparator, c.value as number);
    }
    return compareString(String(run[STRING_ATTRIBUTES[c.key]!]), c.comparator, c.value);
  });
}

/** MLflow's default order for search results: start_time descending, then run_id ascending. */
export function sortRunsDefault<T extends Pick<RunInfo, 'startTime' | 'runId'>>(runs: T[]): T[] {
  return [...runs].sort((a, b) => b.startTime - a.startTime || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
}
