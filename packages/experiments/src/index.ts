/**
 * @relaxomap/experiments — compare tracked experiments: the runs of a sweep (one MLflow experiment,
 * read from a file store `./mlruns` or a tracking server through the same `Tracker` interface) become
 * one table row per combination of the swept parameters, each metric as mean ± sample sd over the
 * seeds, the best row by the primary metric (default whole-brain network T2 RMSE in ms, lower is
 * better) marked; plus vega-lite plots of metrics against a swept parameter, overlaid training-loss
 * curves, and diffs of two runs or two sweeps.
 *
 * Sweep runs are recognised by their tags (see {@link SWEEP_TAGS}): `relaxomap.sweep`,
 * `relaxomap.sweep_role` (parent | point | shared), `relaxomap.sweep_point`, `relaxomap.sweep_keys`
 * (JSON array of the matrix keys), `relaxomap.stage`, `relaxomap.kind`, `mlflow.parentRunId`; a point's
 * matrix values are params under their full dotted keys. Of re-runs of one point's stage only the
 * latest FINISHED run counts ({@link selectLatestFinished}).
 *
 * Pure: {@link compareRuns}, {@link compareMarkdown}, {@link compareRecords}, {@link diffRuns},
 * {@link diffSweeps}, the `*Spec` plot builders. Edges (tracker reads, file writes):
 * {@link collectSweepRuns}, {@link collectSweep}, {@link collectLossCurves}, {@link writeComparison},
 * {@link compareSweeps}.
 */
export {
  SWEEP_TAGS,
  isNumericText,
  paramValueComparator,
  lastSegment,
  defaultSeedKeys,
  shortKeyNames,
  runIdentity,
  selectLatestFinished,
  sweepKeysOf,
  sortRunsByParams,
} from './runs.js';
export {
  compareRuns,
  compareRecords,
  compareMarkdown,
  compareCaption,
  formatMeanSd,
  type Goal,
  type CompareOptions,
  type MetricStats,
  type CompareRow,
  type CompareTable,
  type CompareMarkdownOptions,
} from './compare.js';
export {
  sweepPlotData,
  sweepPlotSpec,
  metricVsParamSpec,
  metricsVsParamSpec,
  lossCurvesSpec,
  thinCurve,
  type SweepPlotOptions,
  type SweepPlotDatum,
  type LossCurve,
  type LossCurvesOptions,
} from './plots.js';
export {
  diffRuns,
  runDiffMarkdown,
  diffSweeps,
  sweepDiffMarkdown,
  compareValues,
  type MetricComparison,
  type ParamChange,
  type RunDiff,
  type SweepDiff,
  type SweepDiffRow,
  type DiffMarkdownOptions,
} from './diff.js';
export {
  collectSweepRuns,
  collectSweep,
  collectLossCurves,
  type CollectOptions,
  type CollectedSweep,
  type LossCurveOptions,
} from './collect.js';
export {
  writeComparison,
  compareSweeps,
  fileSlug,
  DEFAULT_PRIMARY,
  DEFAULT_TRAIN_KIND,
  MAX_SERIES,
  type TableDefaults,
  type ComparisonPlotOptions,
  type WriteComparisonOptions,
  type ComparisonResult,
  type CompareSweepsOptions,
  type SweepComparison,
} from './write.js';
