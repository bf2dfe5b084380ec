/**
 * @relaxomap/tracking — MLflow tracking without Python: a writer for MLflow's file store
 * (`mlruns/`, readable by `mlflow ui`), a REST API 2.0 client for tracking servers, a reader that
 * parses a file store as MLflow does, and an in-memory contract server for tests.
 *
 * A tracking server that is down loses nothing. `createTracker` with an http(s) URI returns a
 * {@link MirroredTracker}: every run is written to a local file store first (`RELAXOMAP_LOCAL_MLRUNS`,
 * else `<cwd>/mlruns`; reads are answered there) and mirrored to the server best-effort. When the
 * server is down at the start or stops answering mid-run, ONE warning line is printed and the run
 * goes on locally; 4xx answers are still errors. {@link syncFileStore} (`relaxomap sync`) uploads
 * the local store later — experiments by name, runs with params, tags, full metric histories,
 * artifacts, status — idempotently: a second sync creates nothing, an interrupted one resumes.
 *
 * Note for users of current MLflow: MLflow ≥ 3.7 defaults to `sqlite:///mlflow.db`; point it at
 * the file store with `mlflow ui --backend-store-uri ./mlruns`, and since 3.13 also set
 * `MLFLOW_ALLOW_FILE_STORE=true`.
 */
export * from './types.js';
export { createTracker, fileStorePath, localStorePath, type CreateTrackerOptions } from './tracker.js';
export { MirroredTracker, type MirroredTrackerStores } from './mirror-tracker.js';
export { syncFileStore, SyncInterruptedError, type SyncOptions, type SyncSummary } from './sync.js';
export { SYNC_TAGS, LOCAL_ONLY_TAGS, normalizeServerUri } from './sync-tags.js';
export { FileStoreTracker, FileRun } from './file-store.js';
export { RestTracker, RestRun, artifactTarget, type ArtifactTarget } from './rest-tracker.js';
export { MlflowRestClient, MlflowRestError, isServerUnavailable, type RestClientOptions } from './rest-client.js';
export * from './rest-types.js';
export {
  readFileStore, readRunDir, readRunHead, parseMetricFile, latestMetric, toRunInfo, MissingConfigError, WrongExperimentError,
  type FileStoreContents, type StoredExperiment, type StoredRun, type StoredRunHead, type MetricPoint,
} from './file-store-reader.js';
export { startMlflowContractServer, type ContractServer, type ContractServerOptions, type ContractFaults, type ContractState, type ContractRun, type ContractExperiment, type RecordedCall } from './contract-server.js';
export { parseFilter, matchesFilter, FilterError, type FilterClause } from './filter.js';
export { gitCommit } from './git.js';
export { LIMITS, sanitizeKey, keyProblem, formatPythonFloat, parsePythonFloat } from './validation.js';
export { emitFlatYaml, parseFlatYaml, type FlatYaml, type YamlScalar } from './yaml.js';
export { writeFileAtomicSync } from './fs-util.js';
