/**
 * One error type for everything a user can get wrong in a pipeline, its params or its data.
 * The message is a single line that names the file, the line (when known) and the field, e.g.
 *   pipelines/t2-simulation.yaml:31: stages[2].params.loss: expected one of "ssim"|"l1"|"mse"
 */
export class PipelineError extends Error {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly field: string | undefined;
  readonly detail: string;

  constructor(detail: string, where: { file?: string; line?: number; field?: string } = {}) {
    const location = [where.file && (where.line ? `${where.file}:${where.line}` : where.file), where.field]
      .filter(Boolean)
      .join(': ');
    super(oneLine(location ? `${location}: ${detail}` : detail));
    this.name = 'PipelineError';
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
    this.detail = detail;
  }
}

/** Collapse whitespace so an error always prints as one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Render a path like ['stages', 2, 'params', 'loss'] as `stages[2].params.loss`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}
