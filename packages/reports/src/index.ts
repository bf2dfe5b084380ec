/**
 * @relaxomap/reports — figures and tables for the paper's results.
 *
 * Figures: vega-lite specs rendered headlessly to SVG and PNG (vega + resvg with a bundled DejaVu Sans, so
 * output is byte-identical across runs and machines); parameter maps are colour-mapped to PNG here and
 * placed as image marks. Tables: arquero → CSV (full precision) and GitHub Markdown.
 */
export { renderVegaLite, renderToBuffers, type RenderOptions, type RenderResult } from './render.js';
export { colormapPng, colorbarPng, pngDataUrl, type ColormapPngOptions } from './png.js';
export {
  COLORMAP_NAMES,
  COLORMAP_SIZE,
  colormapHex,
  colormapIndex,
  colormapLut,
  colormapRgb,
  type ColormapName,
} from './colormaps.js';
export {
  mapGridSpec,
  type MapGridColorbar,
  type MapGridOptions,
  type MapGridPanel,
  type MapGridRow,
} from './map-grid.js';
export {
  barChartSpec,
  lineChartSpec,
  type BarChartOptions,
  type BarDatum,
  type LineChartOptions,
  type LineDatum,
} from './charts.js';
export { formatSignificant, tableMarkdown, writeTable, type TableOptions, type TableResult } from './tables.js';
export { niceTicks, formatTicks } from './ticks.js';
export { FONT_FAMILY, fontFiles } from './fonts.js';
export { markedCurvesSpec, type MarkedCurvePanel, type MarkedCurvesOptions } from './curves.js';
export {
  buildReportIndex,
  writeReportIndex,
  type ReportFile,
  type ReportIndexOptions,
  type ReportIndexPage,
} from './index-page.js';
export { escapeHtml, markdownToHtml, parseCsv } from './page-markdown.js';
