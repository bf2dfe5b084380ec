import { readFileSync } from 'node:fs';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import { PipelineError, formatPath } from './errors.js';

/** A parsed YAML file that still knows where every value came from, for error messages. */
export interface YamlSource {
  /** Path as shown to the user (relative to the workspace root). */
  readonly file: string;
  readonly value: unknown;
  /** 1-based line of the value at `path`, or of its nearest existing parent. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/** Parse YAML text; syntax errors become a PipelineError naming file and line. */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const line = lineCounter.linePos(first.pos[0]).line;
    throw new PipelineError(`invalid YAML: ${first.message.split('\n')[0]}`, { file, line });
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  return {
    file,
    value,
    lineOf(path) {
      for (let depth = path.length; depth >= 0; depth--) {
        const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as unknown[], true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

/** Read and parse a YAML file; a missing file is a one-line error too. */
export function readYamlSource(absPath: string, displayPath: string): YamlSource {
  let text: string;
  try {
    text = readFileSync(absPath, 'utf8');
  } catch (err) {
    throw new PipelineError(`cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { file: displayPath });
  }
  return parseYamlSource(text, displayPath);
}

/** Build the one-line error for a schema issue at `path` inside `source`. */
export function errorAt(source: YamlSource, path: readonly PropertyKey[], detail: string): PipelineError {
  return new PipelineError(detail, { file: source.file, line: source.lineOf(path), field: formatPath(path) || undefined });
}
