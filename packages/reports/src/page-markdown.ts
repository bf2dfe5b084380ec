/**
 * Just enough Markdown and CSV for the report page: the summaries and tables that the pipelines write
 * (headings, paragraphs, lists, pipe tables, `code`, **bold**, fenced code). Everything else is shown as
 * text: every character from a file goes through {@link escapeHtml}, so no file can inject markup.
 */

/** Escapes the five characters that are special in HTML text and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Inline Markdown: `code` spans (verbatim), then **bold** in the rest; all text escaped. */
export function markdownInline(text: string): string {
  // Odd pieces of a split on backticks are code spans; an unmatched backtick stays literal.
  const parts = text.split('`');
  if (parts.length % 2 === 0) parts[parts.length - 2] += '`' + parts.pop()!;
  return parts
    .map((part, i) =>
      i % 2 === 1
        ? `<code>${escapeHtml(part)}</code>`
        : escapeHtml(part).replace(/\*\*(?=\S)(.+?)\*\*/g, '<strong>$1</strong>'),
    )
    .join('');
}

/** Cells of a pipe-table row: outer pipes optional, `\|` is a literal pipe. */
function pipeCells(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  return s.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

const SEPARATOR = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/** Column alignment class from a separator cell (`:-` left, `-:` right, `:-:` centre). */
function alignClass(cell: string): string {
  const left = cell.startsWith(':');
  const right = cell.endsWith(':');
  if (left && right) return ' class="c"';
  return right ? ' class="r"' : '';
}

function tableHtml(header: string[], aligns: string[], rows: string[][]): string {
  const cell = (tag: string, text: string, i: number): string => `<${tag}${aligns[i] ?? ''}>${markdownInline(text)}</${tag}>`;
  const head = `<tr>${header.map((h, i) => cell('th', h, i)).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${header.map((_, i) => cell('td', r[i] ?? '', i)).join('')}</tr>`).join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const LIST_ITEM = /^\s*(?:[-*+]|(\d+)[.)])\s+(.*)$/;

/**
 * Markdown → HTML for the pipelines' summaries. Headings are shifted down by `headingOffset` levels
 * (capped at h6), so a summary's `#` sits below the page's own section headings. Unknown constructs
 * become paragraphs of escaped text.
 */
export function markdownToHtml(markdown: string, headingOffset = 0): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  const isBlockStart = (line: string, next: string | undefined): boolean =>
    line.trim() === '' ||
    HEADING.test(line) ||
    line.trimStart().startsWith('```') ||
    LIST_ITEM.test(line) ||
    (line.includes('|') && next !== undefined && SEPARATOR.test(next));
  while (i < lines.length) {
    const line = lines[i]!;
    const next = lines[i + 1];
    if (line.trim() === '') {
      i++;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = Math.min(6, heading[1]!.length + headingOffset);
      out.push(`<h${level}>${markdownInline(heading[2]!)}</h${level}>`);
      i++;
      continue;
    }
    if (line.trimStart().startsWith('```')) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trimStart().startsWith('```')) code.push(lines[i++]!);
      i++; // the closing fence (or past the end)
      out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
      continue;
    }
    if (line.includes('|') && next !== undefined && SEPARATOR.test(next)) {
      const header = pipeCells(line);
      const aligns = pipeCells(next).map(alignClass);
      const rows: string[][] = [];
      i += 2;
      while (i < lines.length && lines[i]!.includes('|') && lines[i]!.trim() !== '') rows.push(pipeCells(lines[i++]!));
      out.push(tableHtml(header, aligns, rows));
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = item[1] !== undefined;
      const items: string[] = [];
      while (i < lines.length) {
        const m = LIST_ITEM.exec(lines[i]!);
        if (m) {
          items.push(m[2]!);
        } else if (lines[i]!.trim() !== '' && /^\s+/.test(lines[i]!) && items.length > 0) {
          items[items.length - 1] += ' ' + lines[i]!.trim(); // continuation line of the item
        } else {
          break;
        }
        i++;
      }
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>\n${items.map((t) => `<li>${markdownInline(t)}</li>`).join('\n')}\n</${tag}>`);
      continue;
    }
    const para: string[] = [line.trim()];
    i++;
    while (i < lines.length && !isBlockStart(lines[i]!, lines[i + 1])) para.push(lines[i++]!.trim());
    out.push(`<p>${markdownInline(para.join(' '))}</p>`);
  }
  return out.join('\n');
}

/** The text of the first `#` heading (any level) of a Markdown document, or undefined. */
export function firstHeading(markdown: string): string | undefined {
  for (const line of markdown.split(/\r?\n/)) {
    const m = HEADING.exec(line);
    if (m) return m[2];
  }
  return undefined;
}

/** The first paragraph of a Markdown document when it comes before any table or heading (a table caption). */
export function leadingParagraph(markdown: string): string | undefined {
  const blocks = markdown.replace(/\r\n?/g, '\n').trim().split(/\n\s*\n/);
  const first = blocks[0]?.trim();
  if (!first || blocks.length < 2 || first.startsWith('#') || first.startsWith('|')) return undefined;
  return first.replace(/\s*\n\s*/g, ' ');
}

/**
 * RFC 4180 CSV → rows of cells (quoted fields with `""` escapes and embedded commas/newlines). A trailing
 * newline does not make an empty last row.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
