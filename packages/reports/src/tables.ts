import * as aq from 'arquero';
import { writeFileAtomic } from '@relaxomap/array-io';

/** Options of {@link writeTable} and {@link tableMarkdown}. */
export interface TableOptions {
  /** Significant digits of non-integer numbers in the Markdown (the CSV keeps full precision); default 3. */
  digits?: number;
  /** Printed as a paragraph above the Markdown table. */
  caption?: string;
}

/** Files written by {@link writeTable}, and the arquero table they came from. */
export interface TableResult {
  table: aq.ColumnTable;
  csvPath: string;
  mdPath: string;
}

/**
 * A number with `digits` significant digits for display: integers are printed as they are (counts,
 * indices), others with `toPrecision` (trailing zeros kept: they are significant), expanded out of
 * exponent form when ≥ 1 (1234.5 at 3 digits → "1230"); NaN and ±Infinity as "NaN", "Inf", "-Inf".
 */
export function formatSignificant(value: number, digits: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Inf' : '-Inf';
  if (Number.isInteger(value)) return String(value);
  const s = value.toPrecision(digits);
  return s.includes('e') && Math.abs(value) >= 1 ? String(Number(s)) : s;
}

function checkRows(rows: Record<string, unknown>[]): void {
  if (!Array.isArray(rows) || rows.length === 0) throw new Error('rows: need at least one row');
  rows.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new Error(`rows[${i}]: must be an object`);
  });
}

function checkDigits(digits: number): void {
  if (!Number.isInteger(digits) || digits < 1 || digits > 21) {
    throw new Error(`digits: must be an integer in [1, 21], got ${digits}`);
  }
}

/** Markdown cell text: numbers to significant digits, missing values empty, line breaks flattened. */
function markdownCell(value: unknown, digits: number): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return formatSignificant(value, digits);
  return String(value).replace(/\r?\n/g, ' ');
}

/**
 * GitHub-Flavored Markdown of an arquero table (arquero `toMarkdown` with one formatter per column),
 * preceded by the caption paragraph when given. Numeric columns are right-aligned.
 */
export function tableMarkdown(table: aq.ColumnTable, opts: TableOptions = {}): string {
  const digits = opts.digits ?? 3;
  checkDigits(digits);
  const format: Record<string, (v: unknown) => string> = {};
  for (const name of table.columnNames()) format[name] = (v) => markdownCell(v, digits);
  const md = table.toMarkdown({ format });
  return opts.caption ? `${opts.caption.trim()}\n\n${md}` : md;
}

/**
 * Writes `rows` as `<outBase>.csv` (full precision: JavaScript's shortest round-trip number text, RFC 4180
 * quoting) and `<outBase>.md` (GitHub Markdown, numbers to `digits` significant digits), each atomically.
 * Columns are the union of the rows' keys in order of first appearance; a missing key is an empty cell.
 */
export async function writeTable(
  rows: Record<string, unknown>[],
  outBase: string,
  opts: TableOptions = {},
): Promise<TableResult> {
  checkRows(rows);
  if (typeof outBase !== 'string' || outBase.length === 0) throw new Error('outBase: must be a non-empty path');
  checkDigits(opts.digits ?? 3);
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  // Filling absent keys with null keeps columns aligned (aq.from takes names from the first row only).
  const table = aq.from(rows.map((r) => Object.fromEntries(names.map((n) => [n, r[n] ?? null]))), names);
  const csvPath = `${outBase}.csv`;
  const mdPath = `${outBase}.md`;
  await writeFileAtomic(csvPath, table.toCSV());
  await writeFileAtomic(mdPath, tableMarkdown(table, opts));
  return { table, csvPath, mdPath };
}
