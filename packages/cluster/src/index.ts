/**
 * @relaxomap/cluster — run sweeps and pipelines on a SLURM cluster.
 *
 * A sweep goes out as its shared stages (one job) and its missing points as ONE job array that depends
 * on it (`--dependency=afterok`), with a concurrency cap (`--array=…%N`) and resources per stage from
 * `configs/cluster/slurm.yaml` or the sweep's `executor:` settings. Every task runs the point's Nx
 * targets in its own hard-linked copy of the checkout's snapshot, shares one Nx cache (a folder on the
 * shared filesystem, reached through Nx's self-hosted remote-cache protocol) and one MLflow store (the
 * server of MLFLOW_TRACKING_URI, or a file store). Points already cached anywhere are not submitted;
 * failed ones are reported with exit code, SLURM state and log, and the next run submits only them.
 * SLURM without slurmdbd is enough: outcomes come from the tasks' own result files, `scontrol show job`
 * and the job-completion log.
 */
export {
  CLUSTER_CONFIG_FILE, checkSettingsLayer, formatSlurmTime, jobResources, loadClusterSettings, parseMemory, parseSlurmTime, readSettingsFile,
  resolveSettings, resourceArgs, type ClusterSettings, type JobResources, type SettingsLayer, type StageResources,
} from './config.js';
export { startCacheBridge, type CacheBridge } from './cache-bridge.js';
export { mirrorWorkspace, OUTPUT_FOLDERS, type MirrorOptions, type MirrorStats } from './mirror.js';
export { PROBE_EXIT_CODE, isCacheHit, readRunSummary, runNx, type NxRunOptions, type NxRunResult, type NxTaskResult } from './nx.js';
export { SHARED_UNIT, arraySpec, decide, pipelinePlan, planJobs, sweepPlan, type Decision, type WorkPlan } from './plan.js';
export {
  FINAL_STATES, QUEUED_STATES, SlurmError, parseJobCompLog, parseScontrolJobs, parseSqueue, type JobRecord,
} from './slurm.js';
export { STILL_RUNNING, describeFailure, logExcerpt, followSubmission, formatProgress, pollSubmission, type FollowOptions, type TaskPhase, type TaskStatus } from './monitor.js';
export { latestSubmissionDir, runPipelineOnSlurm, runSweepOnSlurm, slurmStatus, type SlurmRunOptions } from './submit.js';
export { readSubmission, type FinalSummary, type JobSpec, type Submission, type TaskResult, type Unit } from './submission.js';
export { runTask, type RunTaskOptions } from './task-run.js';
export { localNxCacheDir, trackingEnv } from './workspace.js';
