import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildReportIndex, writeReportIndex, type ReportFile } from './index-page.js';
import { escapeHtml, markdownToHtml, parseCsv } from './page-markdown.js';

/** Every href and src attribute value of the page, in document order (attribute-unescaped). */
function attrs(html: string, name: 'href' | 'src'): string[] {
  const unescape = (s: string): string => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');
  return [...html.matchAll(new RegExp(`\\s${name}="([^"]*)"`, 'g'))].map((m) => unescape(m[1]!));
}

const fileHrefs = (html: string): string[] => attrs(html, 'href').filter((h) => !h.startsWith('#'));

const LISTING: ReportFile[] = [
  { path: 'zeta/notes.txt' },
  { path: 'alpha-sweep/compare.csv', text: 'variant,rmse_ms\nwidth 16,12.3456789\nwidth 32,9.87\n' },
  { path: 'alpha-sweep/compare.md', text: 'RMSE per variant.\n\n|variant|rmse_ms|\n|:-|-:|\n|width 16|12.3|\n' },
  { path: 'alpha-sweep/compare_rmse.svg' },
  { path: 'rat-t2star/rat_t2star_maps.png' },
  { path: 'mrf/summary.md', text: '# mrf: MR fingerprinting\n\nBody.\n' },
  { path: 'mrf/fig5_mrf_maps.svg' },
  { path: 'mrf/fig5_mrf_maps.png' },
  { path: 'fig4-t2star/rmse.csv', text: 'region,rmse\nWM,1.5\n' },
  { path: 'fig3-t2/fig3_t2_maps_summary.md', text: '# fig3: maps\n' },
  { path: 'fig3-t2/summary.md', text: '# fig3-t2: RMSE\n' },
  { path: 't2-simulation/fig2_rmse_bars.svg' },
  { path: 'nist-t2-plate/sphere_t2.csv' },
  { path: 'qmrlab-cpmg/cpmg_t2_maps.svg' },
  { path: 'beta/x.svg' },
  { path: 'README.md', text: '# reports/\n\n- one\n- two\n' },
];

test('sections in order: paper figures, real scans, comparisons, other folders, top-level files', () => {
  const { html } = buildReportIndex(LISTING);
  const ids = [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(ids, [
    'report-t2-simulation',
    'report-fig3-t2',
    'report-fig4-t2star',
    'report-mrf',
    'report-nist-t2-plate',
    'report-qmrlab-cpmg',
    'report-rat-t2star',
    'report-alpha-sweep',
    'report-beta',
    'report-zeta',
    'report-top',
  ]);
  const groups = [...html.matchAll(/<h2 id="group-([a-z]+)"/g)].map((m) => m[1]);
  assert.deepEqual(groups, ['paper', 'real', 'comparison', 'other', 'top']);
  assert.match(html, /Fig\. 2 — T2 mapping/);
  assert.match(html, /Fig\. 5 — MR fingerprinting/);
  // The table of contents links every section and shows the folder's summary heading.
  assert.match(html, /<a href="#report-mrf">Fig\. 5 — MR fingerprinting, T1 and T2<\/a> — mrf: MR fingerprinting<\/li>/);
  // summary.md is the folder's description and comes before the other summaries.
  assert.match(html, /<a href="#report-fig3-t2">[^<]*<\/a> — fig3-t2: RMSE<\/li>/);
  assert.ok(html.indexOf('fig3-t2: RMSE</h4>') < html.indexOf('fig3: maps</h4>'));
});

test('every file is linked exactly once, figures shown once (SVG preferred), nothing else referenced', () => {
  const page = buildReportIndex(LISTING);
  const paths = LISTING.map((f) => f.path).sort();
  assert.deepEqual([...page.links].sort(), paths);
  assert.deepEqual(fileHrefs(page.html).map(decodeURI).sort(), paths);
  const images = ['alpha-sweep/compare_rmse.svg', 'beta/x.svg', 'mrf/fig5_mrf_maps.svg', 'qmrlab-cpmg/cpmg_t2_maps.svg', 'rat-t2star/rat_t2star_maps.png', 't2-simulation/fig2_rmse_bars.svg'];
  assert.deepEqual([...page.images].sort(), images);
  assert.deepEqual(attrs(page.html, 'src').sort(), images);
  // In-page anchors point at ids that exist.
  for (const h of attrs(page.html, 'href').filter((x) => x.startsWith('#'))) assert.ok(page.html.includes(`id="${h.slice(1)}"`), h);
});

test('hrefs are relative, percent-encoded, and cannot leave the folder', () => {
  const odd = [{ path: 'we"ird <dir>/a&b c\'d.svg' }, { path: 'x/javascript:alert(1).csv' }, { path: 'x/sub/deep.png' }];
  const { html } = buildReportIndex(odd);
  const refs = [...fileHrefs(html), ...attrs(html, 'src')];
  assert.ok(refs.includes("we%22ird%20%3Cdir%3E/a%26b%20c'd.svg"), refs.join(' | '));
  assert.ok(refs.includes('x/javascript%3Aalert(1).csv'));
  assert.ok(refs.includes('x/sub/deep.png'));
  for (const r of refs) {
    assert.doesNotMatch(r, /^[a-z][a-z0-9+.-]*:/i, `scheme in ${r}`);
    assert.ok(!r.startsWith('/') && !r.split('/').includes('..'), r);
  }
  assert.throws(() => buildReportIndex([{ path: '/etc/passwd' }]), /^Error: files\[0\]\.path: must be relative/);
  assert.throws(() => buildReportIndex([{ path: 'a.svg' }, { path: 'x/../../secret' }]), /^Error: files\[1\]\.path: .*'\.\.'/);
  assert.throws(() => buildReportIndex([{ path: 'x\\y.svg' }]), /files\[0\]\.path/);
  assert.throws(() => buildReportIndex([{ path: 'C:/y.svg' }]), /files\[0\]\.path/);
  assert.throws(() => buildReportIndex([{ path: 'a/b.md' }, { path: 'a/b.md' }]), /files\[1\]\.path: listed twice/);
});

test('file content is escaped: no markup from a summary, a table or a name reaches the page', () => {
  const evil: ReportFile[] = [
    { path: 'p/summary.md', text: '# T2 <script>alert(1)</script>\n\nA & B "q" **bold <i>** `<b>code</b>`\n\n|a|b|\n|-|-:|\n|<img src=x onerror=alert(1)>|2|\n' },
    { path: 'p/t.csv', text: 'name,v\n"<svg onload=alert(1)>",1\n' },
    { path: 'p/<x>.svg' },
  ];
  const { html } = buildReportIndex(evil, { title: 'T <b>' });
  assert.doesNotMatch(html, /<script|<img src=x|<svg|<i>|<b>|<x>/);
  assert.match(html, /<h4>T2 &#60;script&#62;alert\(1\)&#60;\/script&#62;<\/h4>/);
  assert.match(html, /A &#38; B &#34;q&#34; <strong>bold &#60;i&#62;<\/strong> <code>&#60;b&#62;code&#60;\/b&#62;<\/code>/);
  assert.match(html, /<td>&#60;img src=x onerror=alert\(1\)&#62;<\/td><td class="r">2<\/td>/);
  assert.match(html, /<td>&#60;svg onload=alert\(1\)&#62;<\/td>/);
  assert.match(html, /<title>T &#60;b&#62;<\/title>/);
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
});

test('Markdown subset: headings shifted, paragraphs, lists, aligned pipe tables, code fences', () => {
  const md = '# Title\n\nline one\nline two\n\n- a **b**\n- `c`\n\n1. first\n2. second\n\n| x | y | z |\n|:-|-:|:-:|\n| 1 | 2 | 3 |\n\n```\n<raw> **not bold**\n```\n#### deep';
  assert.equal(
    markdownToHtml(md, 3),
    [
      '<h4>Title</h4>',
      '<p>line one line two</p>',
      '<ul>\n<li>a <strong>b</strong></li>\n<li><code>c</code></li>\n</ul>',
      '<ol>\n<li>first</li>\n<li>second</li>\n</ol>',
      '<table>\n<thead><tr><th>x</th><th class="r">y</th><th class="c">z</th></tr></thead>\n<tbody>\n' +
        '<tr><td>1</td><td class="r">2</td><td class="c">3</td></tr>\n</tbody>\n</table>',
      '<pre><code>&#60;raw&#62; **not bold**</code></pre>',
      '<h6>deep</h6>',
    ].join('\n'),
  );
});

test('CSV: RFC 4180 parsing, and inline tables rounded, right-aligned and truncated', () => {
  assert.deepEqual(parseCsv('a,b\n"x, y","say ""hi"""\n"two\nlines",\n'), [
    ['a', 'b'],
    ['x, y', 'say "hi"'],
    ['two\nlines', ''],
  ]);
  assert.deepEqual(parseCsv('a,b\r\n1,2'), [['a', 'b'], ['1', '2']]);
  const rows = Array.from({ length: 30 }, (_, i) => `r${i},${i + 0.123456}`).join('\n');
  const { html } = buildReportIndex([{ path: 's/t.csv', text: `name,value\n${rows}\n` }], { tableRows: 3 });
  assert.match(html, /<summary>Table: 30 rows × 2 columns<\/summary>/);
  assert.match(html, /<tr><td>r1<\/td><td class="r">1.123<\/td><\/tr>/);
  assert.doesNotMatch(html, /<td>r3<\/td>/);
  assert.match(html, /First 3 of 30 rows/);
});

test('writeReportIndex lists the folder (not index.html, not hidden files) and writes the page', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'reports-index-'));
  try {
    await mkdir(join(dir, 'mrf', 'sub'), { recursive: true });
    await writeFile(join(dir, 'mrf', 'summary.md'), '# mrf: MRF summary\n');
    await writeFile(join(dir, 'mrf', 'fig5.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
    await writeFile(join(dir, 'mrf', 'rmse.csv'), 'a,b\n1,2\n');
    await writeFile(join(dir, 'mrf', 'sub', 'deep.png'), 'not really a png');
    await writeFile(join(dir, 'mrf', '.fig5.svg.tmp-123'), 'temp');
    await writeFile(join(dir, 'index.html'), 'old page');
    const r = await writeReportIndex(dir);
    assert.deepEqual(r, { file: join(dir, 'index.html'), links: 4, images: 2 });
    const html = await readFile(r.file, 'utf8');
    assert.match(html, /<h4>mrf: MRF summary<\/h4>/);
    assert.deepEqual(fileHrefs(html).sort(), ['mrf/fig5.svg', 'mrf/rmse.csv', 'mrf/sub/deep.png', 'mrf/summary.md']);
    assert.deepEqual((await readdir(dir)).sort(), ['index.html', 'mrf']); // no temp file left
    await assert.rejects(writeReportIndex(join(dir, 'missing')), /^Error: reportsDir: not a directory/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
