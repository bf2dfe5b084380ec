/**
 * The report page, `reports/index.html`: one section per report folder (a pipeline's figures, tables and
 * summaries, or a sweep's comparison), paper figures first. The HTML is built by a pure function from a
 * listing ({@link buildReportIndex}); {@link writeReportIndex} lists a folder and writes the page.
 *
 * Every href and src is relative to the reports folder (percent-encoded per path segment), so the page
 * works opened from disk (file://) and served over HTTP alike; no scripts, no external resources.
 */
import { promises as fsp } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { writeFileAtomic } from '@relaxomap/array-io';
import { escapeHtml, firstHeading, leadingParagraph, markdownInline, markdownToHtml, parseCsv } from './page-markdown.js';
import { formatSignificant } from './tables.js';

/** One file of the reports folder. */
export interface ReportFile {
  /** Path relative to the reports folder, `/`-separated, e.g. `t2-simulation/fig2_rmse_bars.svg`. */
  path: string;
  /** Content of `.md` and `.csv` files (rendered inline); when absent the file is only linked. */
  text?: string;
}

/** Options of {@link buildReportIndex}. */
export interface ReportIndexOptions {
  /** Page title; default "relaxomap — reproduction report". */
  title?: string;
  /** Rows of a CSV table shown inline (the CSV link has them all); default 25. */
  tableRows?: number;
}

/** The page and what it references: `links` are the file hrefs (one per file), `images` the img srcs. */
export interface ReportIndexPage {
  html: string;
  links: string[];
  images: string[];
}

type Group = 'paper' | 'real' | 'comparison' | 'other' | 'top';

const GROUP_TITLES: Record<Group, string> = {
  paper: 'Paper figures',
  real: 'Real scans',
  comparison: 'Sweeps and comparisons',
  other: 'Other reports',
  top: 'Other files',
};
const GROUP_ORDER: Group[] = ['paper', 'real', 'comparison', 'other', 'top'];

/** Report folders the paper's figures come from, in the paper's order; a folder matches its prefix. */
const KNOWN: { prefix: string; group: Group; label: string }[] = [
  { prefix: 't2-simulation', group: 'paper', label: 'Fig. 2 — T2 mapping, simulated multi-echo spin echo' },
  { prefix: 'fig3-t2', group: 'paper', label: 'Fig. 3 — T2 mapping, in-vivo-style brain' },
  { prefix: 'fig4-t2star', group: 'paper', label: 'Fig. 4 — T2* mapping, in-vivo-style brain' },
  { prefix: 'mrf', group: 'paper', label: 'Fig. 5 — MR fingerprinting, T1 and T2' },
  { prefix: 'nist-t2-plate', group: 'real', label: 'Real scan — NIST phantom T2 plate' },
  { prefix: 'qmrlab-cpmg', group: 'real', label: 'Real scan — qMRLab CPMG T2' },
  { prefix: 'rat-t2star', group: 'real', label: 'Real scan — rat brain T2*' },
];

const IMAGE_EXT = ['svg', 'png'];

interface Section {
  folder: string; // '' for files at the top of the reports folder
  group: Group;
  rank: number;
  label: string;
  files: ReportFile[]; // paths relative to the folder in `name`
}

/** Path split into checked segments; throws naming the entry for anything that could leave the folder. */
function segments(path: unknown, i: number): string[] {
  if (typeof path !== 'string' || path.length === 0) throw new Error(`files[${i}].path: must be a non-empty string`);
  if (path.includes('\\') || path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    throw new Error(`files[${i}].path: must be relative and '/'-separated, got ${JSON.stringify(path)}`);
  }
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new Error(`files[${i}].path: empty, '.' or '..' segment in ${JSON.stringify(path)}`);
  }
  return parts;
}

/** A relative URL for a checked path: each segment percent-encoded, then escaped for an attribute. */
function href(path: string): string {
  return escapeHtml(path.split('/').map(encodeURIComponent).join('/'));
}

function extOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > name.lastIndexOf('/') && dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

function baseOf(name: string): string {
  const ext = extOf(name);
  return ext ? name.slice(0, -ext.length - 1) : name;
}

function classify(folder: string, names: Set<string>): Pick<Section, 'group' | 'rank' | 'label'> {
  if (folder === '') return { group: 'top', rank: 0, label: 'Files at the top of the reports folder' };
  if (names.has('compare.csv') || names.has('compare.md')) return { group: 'comparison', rank: 0, label: `Comparison — ${folder}` };
  const k = KNOWN.findIndex((x) => folder === x.prefix || new RegExp(`^${x.prefix}[-_.]`).test(folder));
  if (k >= 0) return { group: KNOWN[k]!.group, rank: k, label: KNOWN[k]!.label };
  return { group: 'other', rank: 0, label: folder };
}

/** Groups files by top-level folder and orders the sections: paper, real scans, comparisons, the rest. */
function sectionsOf(files: readonly ReportFile[]): Section[] {
  const byFolder = new Map<string, ReportFile[]>();
  const seen = new Set<string>();
  files.forEach((f, i) => {
    const parts = segments(f?.path, i);
    if (seen.has(f.path)) throw new Error(`files[${i}].path: listed twice: ${f.path}`);
    seen.add(f.path);
    const folder = parts.length > 1 ? parts[0]! : '';
    const name = parts.length > 1 ? parts.slice(1).join('/') : parts[0]!;
    if (!byFolder.has(folder)) byFolder.set(folder, []);
    byFolder.get(folder)!.push({ path: name, ...(f.text !== undefined ? { text: f.text } : {}) });
  });
  const sections = [...byFolder].map(([folder, fs]) => {
    fs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { folder, files: fs, ...classify(folder, new Set(fs.map((f) => f.path))) };
  });
  return sections.sort(
    (a, b) =>
      GROUP_ORDER.indexOf(a.group) - GROUP_ORDER.indexOf(b.group) ||
      a.rank - b.rank ||
      (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0),
  );
}

const isSummary = (name: string): boolean => /(^|[/_.-])summary\.md$/i.test(name);

/** Shared renderer state: collects every href and src so each file is provably linked once. */
class PageWriter {
  readonly links: string[] = [];
  readonly images: string[] = [];
  constructor(private readonly folder: string) {}
  private full(name: string): string {
    return this.folder ? `${this.folder}/${name}` : name;
  }
  link(name: string, text: string): string {
    this.links.push(this.full(name));
    return `<a href="${href(this.full(name))}">${escapeHtml(text)}</a>`;
  }
  img(name: string, alt: string): string {
    this.images.push(this.full(name));
    return `<img src="${href(this.full(name))}" alt="${escapeHtml(alt)}">`;
  }
}

/** A CSV as an HTML table (numbers to 4 significant digits, right-aligned), first `maxRows` rows. */
function csvTable(text: string, maxRows: number): string {
  const [header = [], ...rows] = parseCsv(text);
  const shown = rows.slice(0, maxRows);
  const numeric = header.map((_, c) => shown.some((r) => r[c]) && shown.every((r) => !r[c] || Number.isFinite(Number(r[c]))));
  const cls = (c: number): string => (numeric[c] ? ' class="r"' : '');
  const cell = (v: string | undefined, c: number): string => {
    const s = v ?? '';
    return escapeHtml(numeric[c] && s !== '' ? formatSignificant(Number(s), 4) : s);
  };
  const head = header.map((h, c) => `<th${cls(c)}>${escapeHtml(h)}</th>`).join('');
  const body = shown.map((r) => `<tr>${header.map((_, c) => `<td${cls(c)}>${cell(r[c], c)}</td>`).join('')}</tr>`);
  const more = rows.length > shown.length ? `<p class="note">First ${shown.length} of ${rows.length} rows; the CSV has them all.</p>` : '';
  return (
    `<details><summary>Table: ${rows.length} rows × ${header.length} columns</summary>\n` +
    `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table>\n${more}</details>`
  );
}

/** One report folder: summaries, then figures (SVG shown, PNG beside it), tables, documents, other files. */
function sectionHtml(s: Section, id: string, opts: Required<ReportIndexOptions>): { html: string; w: PageWriter } {
  const w = new PageWriter(s.folder);
  const byName = new Map(s.files.map((f) => [f.path, f]));
  const used = new Set<string>();
  const take = (name: string): ReportFile => {
    used.add(name);
    return byName.get(name)!;
  };
  const out: string[] = [];
  const where = s.folder ? ` <code>${escapeHtml(s.folder)}/</code>` : '';
  out.push(`<section id="${id}">`, `<h3>${escapeHtml(s.label)}${where}</h3>`);

  const summaries = s.files.filter((f) => isSummary(f.path));
  summaries.sort((a, b) => Number(b.path === 'summary.md') - Number(a.path === 'summary.md'));
  for (const f of summaries) {
    take(f.path);
    const body = f.text !== undefined ? markdownToHtml(f.text, 3) : '';
    out.push(`<article class="summary">${body}\n<p class="src">${w.link(f.path, f.path)}</p></article>`);
  }

  const bases = (ext: string): Set<string> =>
    new Set(s.files.filter((f) => extOf(f.path) === ext && !used.has(f.path)).map((f) => baseOf(f.path)));
  const figures = [...new Set([...bases('svg'), ...bases('png')])].sort();
  if (figures.length > 0) out.push('<div class="figures">');
  for (const base of figures) {
    const present = IMAGE_EXT.filter((e) => byName.has(`${base}.${e}`));
    const shown = `${base}.${present[0]!}`;
    for (const e of present) take(`${base}.${e}`);
    const links = present.map((e) => w.link(`${base}.${e}`, e.toUpperCase())).join(' · ');
    out.push(`<figure>${w.img(shown, base)}<figcaption><code>${escapeHtml(base)}</code> ${links}</figcaption></figure>`);
  }
  if (figures.length > 0) out.push('</div>');

  const csvBases = [...bases('csv')].sort();
  for (const base of csvBases) {
    const csv = take(`${base}.csv`);
    const md = used.has(`${base}.md`) ? undefined : byName.get(`${base}.md`);
    const links = [w.link(`${base}.csv`, 'CSV')];
    if (md) {
      take(md.path);
      links.push(w.link(md.path, 'Markdown'));
    }
    const caption = md?.text !== undefined ? leadingParagraph(md.text) : undefined;
    out.push(
      `<div class="table"><p><code>${escapeHtml(base)}</code> ${links.join(' · ')}` +
        (caption ? ` — ${markdownInline(caption)}` : '') +
        `</p>${csv.text !== undefined ? csvTable(csv.text, opts.tableRows) : ''}</div>`,
    );
  }

  for (const f of s.files.filter((f) => extOf(f.path) === 'md' && !used.has(f.path))) {
    take(f.path);
    const body = f.text !== undefined ? markdownToHtml(f.text, 3) : '';
    out.push(`<article class="doc">${body}\n<p class="src">${w.link(f.path, f.path)}</p></article>`);
  }

  const rest = s.files.filter((f) => !used.has(f.path));
  if (rest.length > 0) out.push(`<ul class="files">${rest.map((f) => `<li>${w.link(f.path, f.path)}</li>`).join('')}</ul>`);
  out.push('</section>');
  return { html: out.join('\n'), w };
}

const CSS = `body{font:15px/1.45 system-ui,-apple-system,"DejaVu Sans",sans-serif;max-width:1200px;margin:0 auto;padding:1em 1.5em;color:#222}
h1{font-size:1.6em}h2{border-bottom:2px solid #ccc;margin-top:2em}h3{margin-top:1.6em}h4,h5,h6{margin:1em 0 .4em}
section{border-top:1px solid #e4e4e4;padding-top:.3em}code{background:#f3f3f3;padding:0 .25em;border-radius:3px}
.figures{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0;max-width:100%}
figure img{max-width:100%;height:auto;background:#fff;border:1px solid #ddd}figcaption{font-size:.9em;color:#555}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}th,td{border:1px solid #ccc;padding:.15em .5em}
th{background:#f6f6f6}.r{text-align:right}.c{text-align:center}.summary,.doc{background:#fafafa;padding:.1em 1em;border-left:3px solid #89a}
.src,.note{font-size:.85em;color:#666}nav li{margin:.15em 0}details{margin:.3em 0}summary{cursor:pointer;color:#345}`;

/**
 * The report page's HTML from a listing of the reports folder. Sections, in order: paper figures
 * (t2-simulation = Fig. 2, fig3-t2* = Fig. 3, fig4-t2star* = Fig. 4, mrf = Fig. 5), real scans
 * (nist-t2-plate, qmrlab-cpmg, rat-t2star), sweeps and comparisons (folders holding `compare.csv|md`),
 * other folders alphabetically, and files at the top level last. Every file gets exactly one `<a href>`;
 * figures are shown as `<img>` (the SVG when there is one); `*summary.md` and other Markdown are rendered
 * (a safe subset, all text escaped); CSV tables are shown in a collapsed `<details>`.
 *
 * @throws on a path that is absolute, has `\`, `.` or `..` segments, or is listed twice (message names `files[i].path`).
 */
export function buildReportIndex(files: readonly ReportFile[], opts: ReportIndexOptions = {}): ReportIndexPage {
  if (!Array.isArray(files)) throw new Error('files: must be an array of { path, text? }');
  const tableRows = opts.tableRows ?? 25;
  if (!Number.isInteger(tableRows) || tableRows < 0) throw new Error(`tableRows: must be a non-negative integer, got ${tableRows}`);
  const o: Required<ReportIndexOptions> = { title: opts.title ?? 'relaxomap — reproduction report', tableRows };
  const sections = sectionsOf(files);
  const ids = new Set<string>();
  const toc = new Map<Group, string[]>();
  const body = new Map<Group, string[]>();
  const links: string[] = [];
  const images: string[] = [];
  for (const s of sections) {
    let id = `report-${s.folder.replace(/[^A-Za-z0-9_-]/g, '_') || 'top'}`;
    for (let n = 2; ids.has(id); n++) id = `${id.replace(/~\d+$/, '')}~${n}`;
    ids.add(id);
    const { html, w } = sectionHtml(s, id, o);
    links.push(...w.links);
    images.push(...w.images);
    const primary = s.files.find((f) => f.path === 'summary.md') ?? s.files.find((f) => isSummary(f.path));
    const heading = primary?.text !== undefined ? firstHeading(primary.text) : undefined;
    const desc = heading ? ` — ${markdownInline(heading)}` : '';
    if (!toc.has(s.group)) {
      toc.set(s.group, []);
      body.set(s.group, []);
    }
    toc.get(s.group)!.push(`<li><a href="#${id}">${escapeHtml(s.label)}</a>${desc}</li>`);
    body.get(s.group)!.push(html);
  }
  const groups = GROUP_ORDER.filter((g) => toc.has(g));
  const nav = groups.map((g) => `<li>${GROUP_TITLES[g]}<ul>\n${toc.get(g)!.join('\n')}\n</ul></li>`).join('\n');
  const main = groups.map((g) => `<h2 id="group-${g}">${GROUP_TITLES[g]}</h2>\n${body.get(g)!.join('\n')}`).join('\n');
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)}</title>
<style>
${CSS}
</style>
</head>
<body>
<h1>${escapeHtml(o.title)}</h1>
<p>Figures, tables and comparisons written by <code>npm run reproduce</code>, reproducing Gao et al.,
<em>Accurate parameter estimation using scan-specific unsupervised deep learning for relaxometry and MR fingerprinting</em>.
${files.length} files in ${sections.length} ${sections.length === 1 ? 'folder' : 'folders'}; every link is relative to this page.</p>
<nav>
<ul>
${nav}
</ul>
</nav>
${main}
</body>
</html>
`;
  return { html, links, images };
}

/** Files under `dir` (recursive), `/`-separated relative paths, sorted; hidden files and symlinked dirs skipped. */
async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue; // temp files of atomic writes, editor droppings
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(root, full)));
    else if (e.isFile() || (e.isSymbolicLink() && (await fsp.stat(full).catch(() => undefined))?.isFile())) {
      out.push(relative(root, full).split(sep).join('/'));
    }
  }
  return out.sort();
}

/** Markdown and CSV up to this size are rendered inline; larger ones are only linked. */
const MAX_INLINE_BYTES = 1 << 20;

/**
 * Lists `reportsDir` (every file below it except `index.html` itself and hidden files), reads the Markdown
 * and CSV files, builds the page with {@link buildReportIndex} and writes `<reportsDir>/index.html`
 * atomically (temporary file, then rename).
 *
 * @returns the page's path and how many file links and images it holds.
 */
export async function writeReportIndex(
  reportsDir: string,
  opts: ReportIndexOptions = {},
): Promise<{ file: string; links: number; images: number }> {
  if (typeof reportsDir !== 'string' || reportsDir.length === 0) throw new Error('reportsDir: must be a non-empty path');
  const st = await fsp.stat(reportsDir).catch(() => undefined);
  if (!st?.isDirectory()) throw new Error(`reportsDir: not a directory: ${reportsDir}`);
  const paths = (await listFiles(reportsDir)).filter((p) => p !== 'index.html');
  const files: ReportFile[] = [];
  for (const path of paths) {
    const full = join(reportsDir, ...path.split('/'));
    const inline = ['md', 'csv'].includes(extOf(path)) && (await fsp.stat(full)).size <= MAX_INLINE_BYTES;
    files.push(inline ? { path, text: await fsp.readFile(full, 'utf8') } : { path });
  }
  const page = buildReportIndex(files, opts);
  const file = join(reportsDir, 'index.html');
  await writeFileAtomic(file, page.html);
  return { file, links: page.links.length, images: page.images.length };
}
