import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '@relaxomap/array-io';
import { FONT_FAMILY, fontFiles } from './fonts.js';

/** Options of {@link renderVegaLite} and {@link renderToBuffers}. */
export interface RenderOptions {
  /** PNG pixels per SVG pixel (resvg zoom); default 2, i.e. about 200 dpi for a 7-inch-wide 500 px figure. */
  scale?: number;
  /**
   * Interpolate raster images (`image` marks) when scaled; default false: maps keep crisp voxels, both in the
   * PNG (resvg `imageRendering`) and in SVG viewers (vega `smooth: false` → `image-rendering: pixelated`).
   */
  smoothImages?: boolean;
}

/** Paths written by {@link renderVegaLite}. */
export interface RenderResult {
  svgPath: string;
  pngPath: string;
}

/**
 * resvg is loaded on first render, not at import: the rest of the package (colour maps, specs, tables) then
 * works even where resvg's platform binary (an optional npm dependency) is missing.
 */
async function loadResvg(): Promise<typeof import('@resvg/resvg-js').Resvg> {
  try {
    return (await import('@resvg/resvg-js')).Resvg;
  } catch (err) {
    throw new Error(
      `@resvg/resvg-js: cannot load its native binary for ${process.platform}-${process.arch} ` +
        `(install the optional package @resvg/resvg-js-${process.platform}-${process.arch}-*): ${(err as Error).message.split('\n')[0]}`,
    );
  }
}

interface VegaMark {
  type?: string;
  marks?: VegaMark[];
  encode?: Record<string, Record<string, unknown> | undefined>;
}

/** Sets `smooth: false` on every image mark, recursing into group marks (vega-lite cannot express it). */
function disableImageSmoothing(marks: VegaMark[] | undefined): void {
  for (const mark of marks ?? []) {
    if (mark.type === 'image') {
      mark.encode ??= {};
      mark.encode['update'] = { ...mark.encode['update'], smooth: { value: false } };
    }
    disableImageSmoothing(mark.marks);
  }
}

function checkScale(scale: number): void {
  if (!(Number.isFinite(scale) && scale > 0 && scale <= 16)) {
    throw new Error(`scale: must be a number in (0, 16], got ${scale}`);
  }
}

/**
 * Renders a vega-lite spec headlessly to an SVG string and PNG bytes, without touching the file system.
 *
 * vega-lite → vega (`compile`), a `vega.View` with `renderer: 'none'` → `toSVG()`, then resvg → PNG with
 * the bundled DejaVu Sans (system fonts are not loaded, so the output is byte-identical across machines
 * and runs). The spec's `config.font` is forced to DejaVu Sans so SVG text and PNG glyphs agree; the
 * caller's spec object is not modified.
 */
export async function renderToBuffers(
  spec: object,
  opts: RenderOptions = {},
): Promise<{ svg: string; png: Uint8Array }> {
  const scale = opts.scale ?? 2;
  checkScale(scale);
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new Error('spec: must be a vega-lite spec object');
  }
  const lite = spec as TopLevelSpec;
  const withFont = { ...lite, config: { ...lite.config, font: FONT_FAMILY } } as TopLevelSpec;
  const vgSpec = compile(withFont).spec;
  if (!opts.smoothImages) disableImageSmoothing(vgSpec.marks as VegaMark[] | undefined);

  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const Resvg = await loadResvg();
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: fontFiles(), defaultFontFamily: FONT_FAMILY },
    fitTo: { mode: 'zoom', value: scale },
    imageRendering: opts.smoothImages ? 0 : 1, // 1 = optimizeSpeed = nearest neighbour
  });
  const png = new Uint8Array(resvg.render().asPng());
  return { svg, png };
}

/**
 * Renders a vega-lite spec to `<outBase>.svg` and `<outBase>.png` (see {@link renderToBuffers}).
 * Each file is written atomically (temporary file in the same directory, then rename); the directory is
 * created if missing. Output is byte-identical for identical input.
 */
export async function renderVegaLite(spec: object, outBase: string, opts: RenderOptions = {}): Promise<RenderResult> {
  if (typeof outBase !== 'string' || outBase.length === 0) throw new Error('outBase: must be a non-empty path');
  const { svg, png } = await renderToBuffers(spec, opts);
  const svgPath = `${outBase}.svg`;
  const pngPath = `${outBase}.png`;
  await writeFileAtomic(svgPath, svg);
  await writeFileAtomic(pngPath, png);
  return { svgPath, pngPath };
}
