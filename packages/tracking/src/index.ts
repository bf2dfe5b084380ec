/**
 * @relaxomap/tracking — MLflow tracking without Python: a writer for MLflow's file store
 * (`mlruns/`, readable by `mlflow ui`), a REST API 2.0 client for tracking servers, a reader that
 * parses a file store as MLflow does, and an in-memory contract server for tests.
 *
 * Note for users of current MLflow: MLflow ≥ 3.7 defaults to `sqlite:///mlflow.db`; point it at
 * the file store with `mlflow ui --backend-store-uri ./mlruns`, and since 3.13 also set
 * `MLFLOW_ALLOW_FILE_STORE=true`.
 */
export * from './types.js';
export { createTracker, fileStorePath, type CreateTrackerOptions } from './tracker.js';
export { FileStoreTracker, FileRun } from './file-store.js';
export { RestTracker, RestRun } from './rest-tracker.js';
export { MlflowRestClient, MlflowRestError, type RestClientOptions } from './rest-client.js';
export * from './rest-types.js';
export {
  readFileStore, readRunDir, parseMetricFile, latestMetric, toRunInfo, MissingConfigError, WrongExperimentError,
  type FileStoreContents, type StoredExperiment, type StoredRun, type MetricPoint,
} from './file-store-reader.js';
export { startMlflowContractServer, type ContractServer, type ContractServerOptions, type ContractState, type ContractRun, type ContractExperiment, type RecordedCall } from './contract-server.js';
export { parseFilter, matchesFilter, FilterError, type FilterClause } from './filter.js';
export { gitCommit } from './git.js';
export { LIMITS, sanitizeKey, keyProblem, formatPythonFloat, parsePythonFloat } from './validation.js';
export { emitFlatYaml, parseFlatYaml, type FlatYaml, type YamlScalar } from './yaml.js';
export { writeFileAtomicSync } from './fs-util.js';
