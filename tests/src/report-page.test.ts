/**
 * The report page in a real browser: a small reports folder of REAL generated content (vega-lite figures
 * rendered to SVG + PNG, tables from writeTable, summaries), `writeReportIndex`, then headless Chromium
 * (Debian's `chromium`, driven by playwright-core; no browser download) opens `index.html` from disk and
 * one checker — the same function for the positive and the negative cases — verifies that every image
 * loaded and every link resolves inside the folder.
 *
 * Chromium: `$CHROMIUM_PATH`, else /usr/bin/chromium, else `chromium` on PATH. Where none is found the
 * test is skipped, except under CI=true where it fails (CI installs it: see .ci/run).
 */
/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  barChartSpec,
  colormapPng,
  lineChartSpec,
  mapGridSpec,
  renderToBuffers,
  renderVegaLite,
  writeReportIndex,
  writeTable,
} from '@relaxomap/reports';

const TIMEOUT_MS = 30_000;

function findChromium(): string | undefined {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv) return fromEnv; // named explicitly: a wrong path must fail at launch, not skip
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'chromium'))) return join(dir, 'chromium');
  }
  return undefined;
}

const executablePath = findChromium();
const inCi = process.env['CI'] === 'true';
const skip = executablePath === undefined && !inCi ? 'no chromium (set CHROMIUM_PATH or apt-get install chromium); CI=true makes this a failure' : false;

/** One thing on the page that does not resolve: `ref` is the path inside the folder, else the raw href. */
interface Broken {
  ref: string;
  reason: string;
}

interface PageCheck {
  images: number;
  links: number;
  broken: Broken[];
}

const IMAGE_FILE = /\.(svg|png)$/i;

/**
 * Checks the loaded report page: every `<img>` has loaded (complete, naturalWidth > 0); every `<a href>`
 * is relative, resolves to a file inside `root` that exists, and loads in the browser (image links are
 * decoded as images, other files navigated to; a CSV the browser offers as a download counts as found);
 * every `#id` link names an element of the page.
 */
async function checkReportPage(page: Page, root: string): Promise<PageCheck> {
  const seen = await page.evaluate(async () => {
    const loads = (url: string): Promise<boolean> =>
      new Promise((resolve) => {
        const im = new Image();
        im.onload = () => resolve(im.naturalWidth > 0);
        im.onerror = () => resolve(false);
        im.src = url;
      });
    const images = [...document.images].map((img) => ({
      raw: img.getAttribute('src') ?? '',
      url: img.src,
      loaded: img.complete && img.naturalWidth > 0,
    }));
    const links = [];
    for (const a of document.querySelectorAll('a[href]')) {
      const raw = a.getAttribute('href') ?? '';
      const url = (a as HTMLAnchorElement).href;
      const anchorOk = raw.startsWith('#') ? document.getElementById(decodeURIComponent(raw.slice(1))) !== null : undefined;
      const imageOk = /\.(svg|png)$/i.test(new URL(url).pathname) ? await loads(url) : undefined;
      links.push({ raw, url, anchorOk, imageOk });
    }
    return { images, links };
  });

  const broken: Broken[] = [];
  /** The path inside `root` a reference resolves to, or a Broken entry saying why it does not. */
  const inside = (raw: string, url: string): string | Broken => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(raw) || raw.startsWith('/') || raw.includes('\\')) return { ref: raw, reason: 'not a relative link' };
    if (!url.startsWith('file:')) return { ref: raw, reason: `resolves to ${url}` };
    const rel = relative(root, fileURLToPath(url));
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return { ref: raw, reason: 'points outside the reports folder' };
    return rel.split('\\').join('/');
  };
  for (const img of seen.images) {
    const where = inside(img.raw, img.url);
    if (typeof where !== 'string') broken.push(where);
    else if (!img.loaded) broken.push({ ref: where, reason: 'image did not load' });
  }
  const navigate = await page.context().newPage();
  try {
    navigate.setDefaultTimeout(TIMEOUT_MS);
    for (const link of seen.links) {
      if (link.raw.startsWith('#')) {
        if (!link.anchorOk) broken.push({ ref: link.raw, reason: 'no element with this id' });
        continue;
      }
      const where = inside(link.raw, link.url);
      if (typeof where !== 'string') {
        broken.push(where);
        continue;
      }
      if (!statSync(join(root, where), { throwIfNoEntry: false })?.isFile()) broken.push({ ref: where, reason: 'missing on disk' });
      if (IMAGE_FILE.test(where)) {
        if (!link.imageOk) broken.push({ ref: where, reason: 'linked image did not load in the browser' });
        continue;
      }
      try {
        await navigate.goto(link.url);
      } catch (err) {
        const message = (err as Error).message;
        if (!message.includes('Download is starting')) broken.push({ ref: where, reason: `navigation failed: ${message.split('\n')[0]}` });
      }
    }
  } finally {
    await navigate.close();
  }
  return { images: seen.images.length, links: seen.links.filter((l) => !l.raw.startsWith('#')).length, broken };
}

const brokenRefs = (check: PageCheck): string[] => [...new Set(check.broken.map((b) => b.ref))].sort();

/** A small reports folder like `npm run reproduce` writes: a paper figure folder, a real scan, a sweep. */
async function writeFixture(root: string): Promise<void> {
  const sim = join(root, 't2-simulation');
  await renderVegaLite(
    barChartSpec({
      title: 'T2 RMSE against the truth',
      yTitle: 'T2 RMSE (ms)',
      data: [
        { group: 'WM', series: 'Varpro', value: 39.9 },
        { group: 'WM', series: 'Network', value: 18.1 },
        { group: 'GM', series: 'Varpro', value: 31 },
        { group: 'GM', series: 'Network', value: 32.3 },
      ],
    }),
    join(sim, 'fig2_rmse_bars'),
  );
  // A parameter-map figure: the SVG carries the map as an embedded PNG (data URL), as the real figures do.
  const map = Float32Array.from({ length: 16 * 16 }, (_, i) => 10 + (i % 16) * 10);
  await renderVegaLite(
    mapGridSpec({
      columns: ['slice 0'],
      rows: [{ label: 'T2', panels: [{ png: colormapPng(map, 16, 16, { vmin: 0, vmax: 200, cmap: 'viridis' }), caption: 'RMSE 1 ms' }], colorbar: { cmap: 'viridis', vmin: 0, vmax: 200, title: 'T2 (ms)' } }],
      panelWidth: 64,
      panelHeight: 64,
    }),
    join(sim, 'fig2_t2_maps'),
  );
  await writeTable(
    [
      { method: 'Varpro', region: 'WM', rmse_t2_ms: 39.91234 },
      { method: 'Network', region: 'WM', rmse_t2_ms: 18.0987 },
    ],
    join(sim, 'rmse'),
    { caption: 'T2 errors against the simulated truth.' },
  );
  await writeFile(
    join(sim, 'summary.md'),
    '# t2-simulation: T2 RMSE against the simulated truth\n\n**Network vs Varpro:** WM 2.20× lower T2 RMSE.\n\n' +
      '| region | Varpro (ms) | Network (ms) |\n|---|---:|---:|\n| WM | 39.9 | 18.1 |\n\nFigures: `fig2_rmse_bars.svg|png`.\n',
  );
  // A real-scan folder whose file name needs percent-encoding (space, '#').
  const nist = join(root, 'nist-t2-plate');
  await mkdir(nist, { recursive: true });
  const sphere = await renderToBuffers(
    lineChartSpec({ title: 'Sphere T2', xTitle: 'sphere', yTitle: 'T2 (ms)', data: [1, 2, 3].map((x) => ({ x, y: 100 / x, series: 'Varpro' })) }),
  );
  await writeFile(join(nist, 'sphere t2 #1.png'), sphere.png);
  await writeFile(join(nist, 'sphere_summary.md'), '# nist-t2-plate: T2 per sphere\n\n- sphere 1: 939 ms\n');
  // A sweep: compare table + plot.
  const sweep = join(root, 'width-sweep');
  await writeTable([{ variant: 'width 16', rmse_ms: 12.5 }, { variant: 'width 32', rmse_ms: 9.75 }], join(sweep, 'compare'));
  const plot = await renderToBuffers(
    lineChartSpec({ title: 'RMSE vs width', xTitle: 'width', yTitle: 'RMSE (ms)', data: [{ x: 16, y: 12.5, series: 'net' }, { x: 32, y: 9.75, series: 'net' }] }),
  );
  await writeFile(join(sweep, 'compare_rmse.svg'), plot.svg);
  await writeFile(join(sweep, 'compare_rmse.png'), plot.png);
}

test('report page: every image loads and every link resolves in headless Chromium', { skip, timeout: 120_000 }, async () => {
  if (executablePath === undefined) assert.fail('CI=true but no chromium found: set CHROMIUM_PATH or install Debian\'s chromium (.ci/run does)');
  const tmp = await mkdtemp(join(tmpdir(), 'relaxomap-report-page-'));
  const root = join(tmp, 'reports');
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], timeout: TIMEOUT_MS });
    await writeFixture(root);
    const written = await writeReportIndex(root);
    assert.equal(written.file, join(root, 'index.html'));
    assert.deepEqual({ links: written.links, images: written.images }, { links: 13, images: 4 });

    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(TIMEOUT_MS);
    await page.goto(pathToFileURL(written.file).href, { waitUntil: 'load' });
    const headings = await page.locator('section h3').allTextContents();
    assert.deepEqual(
      headings.map((h) => h.split(' — ')[0]),
      ['Fig. 2', 'Real scan', 'Comparison'],
      'paper figure first, then the real scan, then the sweep',
    );
    const ok = await checkReportPage(page, root);
    assert.deepEqual(ok.broken, []);
    assert.deepEqual({ links: ok.links, images: ok.images }, { links: written.links, images: written.images });

    // Negative: a figure removed after the page was written is reported, and only that figure.
    await unlink(join(root, 't2-simulation', 'fig2_rmse_bars.svg'));
    await page.reload({ waitUntil: 'load' });
    const missing = await checkReportPage(page, root);
    assert.deepEqual(brokenRefs(missing), ['t2-simulation/fig2_rmse_bars.svg']);
    assert.deepEqual(missing.broken.map((b) => b.reason).sort(), ['image did not load', 'linked image did not load in the browser', 'missing on disk']);

    // Negative: links that leave the folder or name no element are reported even where the target exists.
    await writeFile(join(tmp, 'outside.txt'), 'outside the reports folder');
    await page.evaluate(() => {
      for (const h of ['../outside.txt', '/etc/hostname', 'file:///etc/hostname', '#nowhere']) {
        const a = document.createElement('a');
        a.setAttribute('href', h);
        document.body.append(a);
      }
    });
    const escaped = await checkReportPage(page, root);
    assert.deepEqual(brokenRefs(escaped), ['#nowhere', '../outside.txt', '/etc/hostname', 'file:///etc/hostname', 't2-simulation/fig2_rmse_bars.svg']);
  } finally {
    await browser?.close();
    await rm(tmp, { recursive: true, force: true });
  }
});
