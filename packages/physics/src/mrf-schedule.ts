/**
 * MRF acquisition schedules (flip angle and TR per time point) from one-number-per-line text, as
 * distributed with MRF-FISP patterns (e.g. fa.txt in degrees and tr.txt in ms after Jiang et al.
 * 2015). Pure functions: the caller reads the files and passes their text and names.
 */

/** Flip angle (degrees) and repetition time (ms) per time point, equal lengths. */
export interface MrfSchedule {
  /** Flip angle α_n (degrees) of each TR. */
  FA_deg: readonly number[];
  /** Repetition time TR_n (ms), > 0. */
  TR_ms: readonly number[];
}

/** Where each schedule field came from, for error messages (e.g. `{ FA_deg: 'fa.txt' }`). */
export interface MrfScheduleFiles {
  FA_deg?: string;
  TR_ms?: string;
}

// A decimal number: optional sign, digits with optional fraction (or a bare fraction), optional exponent.
// Stricter than Number(): rejects "", "0x10", "Infinity", "1_000".
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parse a column of numbers, one per line. Blank lines (and a trailing newline) are skipped,
 * surrounding whitespace and a Windows `\r` are ignored, and a `#` starts a comment.
 *
 * @param text - the file's content
 * @param file - file name used in error messages, e.g. `"fa.txt"`
 * @param field - field name used in error messages, e.g. `"FA"`
 * @returns the values in file order
 * @throws Error `"<file>:<line>: <field>: not a number (\"abc\")"` (1-based line), or
 *   `"<file>: <field>: no values"` for a file without numbers
 */
export function parseScheduleColumn(text: string, file: string, field: string): number[] {
  if (typeof text !== 'string') throw new Error(`${file}: ${field}: text must be a string`);
  const lines = text.split('\n');
  const values: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const hash = lines[i].indexOf('#');
    const token = (hash >= 0 ? lines[i].slice(0, hash) : lines[i]).trim();
    if (token === '') continue;
    if (!NUMBER.test(token)) {
      const shown = token.length > 40 ? `${token.slice(0, 40)}…` : token;
      throw new Error(`${file}:${i + 1}: ${field}: not a number (${JSON.stringify(shown)})`);
    }
    const v = Number(token);
    if (!Number.isFinite(v)) throw new Error(`${file}:${i + 1}: ${field}: not finite (${JSON.stringify(token)})`);
    values.push(v);
  }
  if (values.length === 0) throw new Error(`${file}: ${field}: no values`);
  return values;
}

function label(field: keyof MrfScheduleFiles, files: MrfScheduleFiles): string {
  const f = files[field];
  return f === undefined ? field : `${field} (${f})`;
}

/**
 * Check a schedule: both fields non-empty arrays of the same length, every FA finite, every TR
 * finite and > 0.
 *
 * @param schedule - FA_deg (degrees) and TR_ms (ms) per time point
 * @param files - optional file names, quoted in the errors
 * @throws Error naming the field (and file), e.g.
 *   `"FA_deg (fa.txt) has 1000 points but TR_ms (tr.txt) has 999"` or
 *   `"TR_ms (tr.txt): point 17 must be > 0 ms (got 0)"` (points are 1-based)
 */
export function validateSchedule(schedule: MrfSchedule, files: MrfScheduleFiles = {}): void {
  if (schedule === null || typeof schedule !== 'object') throw new Error('schedule must be an object with FA_deg and TR_ms');
  for (const field of ['FA_deg', 'TR_ms'] as const) {
    const arr = schedule[field];
    if (!Array.isArray(arr) && !ArrayBuffer.isView(arr)) {
      throw new Error(`${label(field, files)} must be an array of numbers`);
    }
    if (arr.length === 0) throw new Error(`${label(field, files)} is empty`);
  }
  const { FA_deg, TR_ms } = schedule;
  if (FA_deg.length !== TR_ms.length) {
    throw new Error(
      `${label('FA_deg', files)} has ${FA_deg.length} points but ${label('TR_ms', files)} has ${TR_ms.length}`,
    );
  }
  for (let n = 0; n < FA_deg.length; n++) {
    const fa = FA_deg[n];
    if (typeof fa !== 'number' || !Number.isFinite(fa)) {
      throw new Error(`${label('FA_deg', files)}: point ${n + 1} must be a finite number (got ${String(fa)})`);
    }
    const tr = TR_ms[n];
    if (typeof tr !== 'number' || !Number.isFinite(tr)) {
      throw new Error(`${label('TR_ms', files)}: point ${n + 1} must be a finite number (got ${String(tr)})`);
    }
    if (tr <= 0) throw new Error(`${label('TR_ms', files)}: point ${n + 1} must be > 0 ms (got ${tr})`);
  }
}

/**
 * The first `count` points of a schedule (the paper uses the first 600 of the 1000-point Jiang
 * 2015 pattern), validated.
 *
 * @throws Error naming `count` if it is not an integer in [1, schedule length]
 */
export function truncateSchedule(schedule: MrfSchedule, count: number, files: MrfScheduleFiles = {}): MrfSchedule {
  validateSchedule(schedule, files);
  const n = schedule.FA_deg.length;
  if (!Number.isInteger(count) || count < 1 || count > n) {
    throw new Error(`count must be an integer in [1, ${n}] (the schedule's length) (got ${String(count)})`);
  }
  return { FA_deg: Array.from(schedule.FA_deg.slice(0, count)), TR_ms: Array.from(schedule.TR_ms.slice(0, count)) };
}
