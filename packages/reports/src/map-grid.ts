import type { TopLevelSpec } from 'vega-lite';
import { type ColormapName, assertColormapName } from './colormaps.js';
import { colorbarPng, pngDataUrl } from './png.js';
import { formatTicks, niceTicks } from './ticks.js';

/** One image of the grid: PNG bytes (e.g. from `colormapPng`) and the caption printed under it. */
export interface MapGridPanel {
  png: Uint8Array;
  /** E.g. "Varpro — RMSE 23.4 ms"; empty or absent: no caption. */
  caption?: string;
}

/** Colour bar drawn right of a row; use the same cmap / vmin / vmax as that row's `colormapPng` calls. */
export interface MapGridColorbar {
  cmap: ColormapName;
  vmin: number;
  vmax: number;
  /** Quantity and unit, e.g. "T2 (ms)"; printed vertically beside the bar. */
  title: string;
  /** Tick values; default: nice 1-2-5 ticks inside [vmin, vmax]. */
  ticks?: number[];
}

/** One row: a label printed vertically on the left, one panel per column (null = empty slot), a colour bar. */
export interface MapGridRow {
  label: string;
  panels: (MapGridPanel | null)[];
  colorbar?: MapGridColorbar;
}

/** Input of {@link mapGridSpec}. Sizes in SVG pixels (the PNG is rendered at `scale` × these). */
export interface MapGridOptions {
  title?: string;
  /** Column headers, e.g. slice names; every row has one panel slot per column. */
  columns: string[];
  rows: MapGridRow[];
  /** Size of each panel; images keep their aspect ratio and are centred in it. */
  panelWidth: number;
  panelHeight: number;
  /** Space between neighbouring panels; default 6. */
  gap?: number;
  /**
   * Base font size (captions, colour-bar titles); headers and labels are 1 px larger, the title 3 px;
   * default 11. Captions too long for `panelWidth` are set smaller (down to 7 px) so they do not overlap.
   */
  fontSize?: number;
}

interface Placed {
  x: number;
  y: number;
  [key: string]: unknown;
}

const X = { field: 'x', type: 'quantitative', scale: null, axis: null } as const;
const Y = { field: 'y', type: 'quantitative', scale: null, axis: null } as const;
const X2 = { field: 'x2' } as const;
const Y2 = { field: 'y2' } as const;
const TEXT = { field: 'text', type: 'nominal' } as const;
const INK = '#222222';
/** Mean advance width of DejaVu Sans text in em (digits are 0.636, lower case ~0.6); for layout estimates. */
const EM_PER_CHAR = 0.62;

function textLayer(values: Placed[], mark: Record<string, unknown>): object {
  return {
    data: { values },
    mark: { type: 'text', color: INK, ...mark },
    encoding: { x: X, y: Y, text: TEXT },
  };
}

function checkPositive(value: number, field: string): void {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${field}: must be a positive number, got ${value}`);
}

/**
 * A vega-lite spec for a rows × columns grid of images with captions: column headers on top, row labels on
 * the left, a colour bar (strip + ticks + title with unit) right of each row that has one. Positions are
 * computed here in pixels (x/y encodings with `scale: null`), so panels align exactly whatever the text.
 * Render with `renderVegaLite` (which keeps image pixels crisp).
 *
 * Layout, left to right: row label | panels (panelWidth, gap) | colour bar; top to bottom: title | column
 * headers | per row: panels, captions.
 */
export function mapGridSpec(opts: MapGridOptions): TopLevelSpec {
  const { columns, rows, panelWidth: pw, panelHeight: ph } = opts;
  if (!Array.isArray(columns) || columns.length === 0) throw new Error('columns: need at least one column');
  if (!Array.isArray(rows) || rows.length === 0) throw new Error('rows: need at least one row');
  checkPositive(pw, 'panelWidth');
  checkPositive(ph, 'panelHeight');
  const gap = opts.gap ?? 6;
  const fs = opts.fontSize ?? 11;
  checkPositive(fs, 'fontSize');
  if (!Number.isFinite(gap) || gap < 0) throw new Error(`gap: must be a non-negative number, got ${gap}`);

  const hasCaptions = rows.some((r) => Array.isArray(r.panels) && r.panels.some((p) => p?.caption));
  // Captions wider than a panel would run into their neighbours: shrink them to fit (down to 7 px).
  const longestCaption = Math.max(0, ...rows.flatMap((r) => (r.panels ?? []).map((p) => p?.caption?.length ?? 0)));
  const captionFs = Math.max(7, Math.min(fs, Math.floor((pw - 4) / (longestCaption * EM_PER_CHAR) * 2) / 2));
  const labelW = fs + 9; // rotated row label: one line of text plus padding
  const headerH = fs + 9;
  const captionH = hasCaptions ? fs + 7 : 0;
  const rowGap = Math.max(gap, 8);
  const left = labelW;
  const gridW = columns.length * pw + (columns.length - 1) * gap;
  const rowH = ph + captionH;

  const images: Placed[] = [];
  const captions: Placed[] = [];
  const rowLabels: Placed[] = [];
  const bars: Placed[] = [];
  const barFrames: Placed[] = [];
  const tickRules: Placed[] = [];
  const tickLabels: Placed[] = [];
  const barTitles: Placed[] = [];

  const barX = left + gridW + 10;
  const barW = Math.max(8, Math.round(fs));
  const tickLen = 3;
  const tickFs = fs - 1;
  let maxTickChars = 0;

  const headers: Placed[] = columns.map((text, c) => ({ x: left + c * (pw + gap) + pw / 2, y: headerH - 6, text }));

  rows.forEach((row, r) => {
    if (!Array.isArray(row.panels) || row.panels.length !== columns.length) {
      throw new Error(`rows[${r}].panels: need ${columns.length} entries (one per column, null for none)`);
    }
    const top = headerH + r * (rowH + rowGap);
    rowLabels.push({ x: labelW / 2, y: top + ph / 2, text: row.label });
    row.panels.forEach((panel, c) => {
      if (panel === null) return;
      if (!(panel.png instanceof Uint8Array)) throw new Error(`rows[${r}].panels[${c}].png: must be PNG bytes`);
      const cx = left + c * (pw + gap) + pw / 2;
      images.push({ x: cx, y: top + ph / 2, url: pngDataUrl(panel.png) });
      if (panel.caption) captions.push({ x: cx, y: top + ph + 4, text: panel.caption });
    });

    const cb = row.colorbar;
    if (cb === undefined) return;
    assertColormapName(cb.cmap, `rows[${r}].colorbar.cmap`);
    if (!Number.isFinite(cb.vmin) || !Number.isFinite(cb.vmax) || !(cb.vmax > cb.vmin)) {
      throw new Error(`rows[${r}].colorbar.vmin/vmax: need finite vmin < vmax, got ${cb.vmin}, ${cb.vmax}`);
    }
    const ticks = (cb.ticks ?? niceTicks(cb.vmin, cb.vmax, 4)).filter((t) => t >= cb.vmin && t <= cb.vmax);
    const labels = formatTicks(ticks);
    const barLen = Math.round(ph);
    bars.push({ x: barX + barW / 2, y: top + ph / 2, url: pngDataUrl(colorbarPng(cb.cmap, barLen, barW)) });
    barFrames.push({ x: barX, x2: barX + barW, y: top, y2: top + ph });
    ticks.forEach((t, i) => {
      const ty = top + ph * (1 - (t - cb.vmin) / (cb.vmax - cb.vmin));
      tickRules.push({ x: barX + barW, x2: barX + barW + tickLen, y: ty, y2: ty });
      tickLabels.push({ x: barX + barW + tickLen + 2, y: ty, text: labels[i] });
      maxTickChars = Math.max(maxTickChars, labels[i]!.length);
    });
    barTitles.push({ x: 0, y: top + ph / 2, text: cb.title });
  });

  // DejaVu Sans digits are 0.636 em wide; the title column sits right of the widest tick label.
  const barTitleX = barX + barW + tickLen + 2 + Math.ceil(maxTickChars * tickFs * 0.636) + 4 + fs / 2 + 2;
  for (const t of barTitles) t.x = barTitleX;
  const width = Math.ceil(bars.length > 0 ? barTitleX + fs / 2 + 4 : left + gridW + 2);
  const height = Math.ceil(headerH + rows.length * rowH + (rows.length - 1) * rowGap + 2);

  const layer: object[] = [
    {
      data: { values: images },
      mark: { type: 'image', width: pw, height: ph, align: 'center', baseline: 'middle' },
      encoding: { x: X, y: Y, url: { field: 'url', type: 'nominal' } },
    },
    textLayer(headers, { fontSize: fs + 1, fontWeight: 'bold', align: 'center', baseline: 'alphabetic' }),
    textLayer(rowLabels, { fontSize: fs + 1, fontWeight: 'bold', align: 'center', baseline: 'middle', angle: 270 }),
  ];
  if (captions.length > 0) layer.push(textLayer(captions, { fontSize: captionFs, align: 'center', baseline: 'top' }));
  if (bars.length > 0) {
    layer.push(
      {
        data: { values: bars },
        mark: { type: 'image', width: barW, height: ph, aspect: false, align: 'center', baseline: 'middle' },
        encoding: { x: X, y: Y, url: { field: 'url', type: 'nominal' } },
      },
      {
        data: { values: barFrames },
        mark: { type: 'rect', fill: null, stroke: INK, strokeWidth: 0.75 },
        encoding: { x: X, x2: X2, y: Y, y2: Y2 },
      },
      {
        data: { values: tickRules },
        mark: { type: 'rule', color: INK, strokeWidth: 0.75 },
        encoding: { x: X, x2: X2, y: Y, y2: Y2 },
      },
      textLayer(tickLabels, { fontSize: tickFs, align: 'left', baseline: 'middle' }),
      textLayer(barTitles, { fontSize: fs, align: 'center', baseline: 'middle', angle: 270 }),
    );
  }

  const spec: Record<string, unknown> = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width,
    height,
    padding: 6,
    background: 'white',
    config: { view: { stroke: null } },
    layer,
  };
  if (opts.title) spec['title'] = { text: opts.title, fontSize: fs + 3, anchor: 'start', offset: 4 };
  return spec as unknown as TopLevelSpec;
}
