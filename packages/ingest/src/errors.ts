import { stat } from 'node:fs/promises';

/**
 * A bad input file: the message is one line, `${file}: ${field}: ${what}` (or `${file}: ${what}` when no
 * field applies), so a log line says which file and which header field or sidecar key to look at.
 */
export class IngestError extends Error {
  /** The file (or folder) at fault. */
  file: string;
  /** The header field, sidecar key or option at fault, when there is one. */
  field?: string;

  constructor(file: string, field: string | undefined, what: string) {
    const oneLine = what.replace(/\s*[\r\n]+\s*/g, ' ').trim();
    super(field === undefined ? `${file}: ${oneLine}` : `${file}: ${field}: ${oneLine}`);
    this.name = 'IngestError';
    this.file = file;
    if (field !== undefined) this.field = field;
  }
}

/** The text of anything thrown (dicom-parser throws strings and `{exception}` objects, not only Errors). */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (e !== null && typeof e === 'object' && 'exception' in e) return describeThrown((e as { exception: unknown }).exception);
  return String(e);
}

/**
 * Runs `fn`; anything it throws that is not already an {@link IngestError} becomes one naming `file`
 * and `field`. A leading `${file}: ` in the message (array-io's style) is dropped so the file is named once.
 */
export async function asIngestError<T>(file: string, field: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof IngestError) throw e;
    let msg = describeThrown(e);
    if (msg.startsWith(`${file}: `)) msg = msg.slice(file.length + 2);
    throw new IngestError(file, field, msg);
  }
}

/** 'file' or 'dir' for an existing path; throws `IngestError(path, 'path', …)` when it does not exist. */
export async function pathKind(path: string): Promise<'file' | 'dir'> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    throw new IngestError(path, 'path', 'no such file or directory');
  }
}
