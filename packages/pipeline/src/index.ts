export { PipelineError, formatPath, oneLine } from './errors.js';
export { canonicalJson, paramsHash, flattenParams } from './hash.js';
export type { StageKind, StageImpl, StageContext, StageInput, KindRegistry } from './kinds.js';
export { createRegistry } from './kinds.js';
export { loadPipeline, stageParamError, type Pipeline, type ResolvedStage } from './pipeline.js';
export { createPipelineNodes, stageProjects, stageProjectName, listPipelineFiles, listSweepFiles, type StageProject } from './nx-plugin.js';
export { runStage, stageOutputDir, type RunStageOptions, type StageResult } from './runner.js';
export { createProgress, formatSeconds, type Progress } from './progress.js';
export { parseYamlSource, readYamlSource, type YamlSource } from './yaml-source.js';
export { REPORTS_SUBDIR, publishReports } from './reports.js';
export {
  SWEEPS_DIR, cloneId, findSweepParent, isSweepFile, loadPipelineOrSweep, loadSweep, sweepParentTags, sweepRunTags,
  type Sweep, type SweepCompare, type SweepMembership, type SweepPoint,
} from './sweep.js';
