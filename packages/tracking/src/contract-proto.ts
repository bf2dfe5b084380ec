/**
 * Request parsing for the contract server, modelled on what an MLflow server does with a request:
 * `google.protobuf.json_format.ParseDict(..., ignore_unknown_fields=True)` into the request message
 * of mlflow/protos/service.proto, then the handler's schema (`_assert_required`, `_assert_string`,
 * `_assert_intlike`, `_assert_floatlike`, ...) from mlflow/server/handlers.py.
 *
 * Strict where protobuf is strict: strings must be JSON strings, int64 must be integral (number or
 * decimal string), doubles are numbers or "NaN"/"Infinity"/"-Infinity"/numeric strings, repeated
 * fields are arrays, enums are known names or numbers. Any violation is HTTP 400
 * INVALID_PARAMETER_VALUE, as MLflow answers.
 */

/** An MLflow API error: `{error_code, message}` with the HTTP status MLflow maps the code to. */
export class ApiError extends Error {
  readonly httpStatus: number;
  constructor(
    readonly errorCode: string,
    message: string,
    httpStatus?: number,
  ) {
    super(message);
    this.httpStatus = httpStatus ?? ERROR_HTTP_STATUS[errorCode] ?? 500;
  }
}

/** databricks_pb2 error codes → HTTP status, as MlflowException.get_http_status_code maps them. */
const ERROR_HTTP_STATUS: Record<string, number> = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  INVALID_STATE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  INTERNAL_ERROR: 500,
};

export type FieldType =
  | 'string'
  | 'int64'
  | 'double'
  | { enum: readonly string[] }
  | { repeated: FieldType }
  | { message: Schema };
export type Schema = Record<string, FieldType>;

const SEE_DOCS = ' See the API docs for more information about request parameters.';

const pyType = (v: unknown): string =>
  v === null ? 'NoneType' : Array.isArray(v) ? 'list' : typeof v === 'string' ? 'str' : typeof v === 'boolean' ? 'bool'
    : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : 'dict';

function invalid(path: string, value: unknown): ApiError {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return new ApiError('INVALID_PARAMETER_VALUE', `Invalid value ${shown} for parameter '${path}' supplied. Hint: Value was of type '${pyType(value)}'.${SEE_DOCS}`);
}

function parseField(type: FieldType, value: unknown, path: string): unknown {
  if (type === 'string') {
    if (typeof value !== 'string') throw invalid(path, value);
    return value;
  }
  if (type === 'int64') {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    if (typeof value === 'string' && /^[-+]?\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
    throw invalid(path, value);
  }
  if (type === 'double') {
    if (typeof value === 'number') return value;
    if (typeof value === 'string') {
      if (value === 'NaN') return NaN;
      if (value === 'Infinity') return Infinity;
      if (value === '-Infinity') return -Infinity;
      if (/^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
    }
    throw invalid(path, value);
  }
  if ('enum' in type) {
    if (typeof value === 'string' && type.enum.includes(value)) return value;
    if (typeof value === 'number' && Number.isInteger(value) && type.enum[value - 1] !== undefined) return type.enum[value - 1];
    throw invalid(path, value);
  }
  if ('repeated' in type) {
    if (!Array.isArray(value)) throw invalid(path, value);
    return value.map((v, i) => parseField(type.repeated, v, `${path}[${i}]`));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(path, value);
  return parseMessage(value as Record<string, unknown>, type.message, `${path}.`);
}

/**
 * Parse a JSON object into a message: unknown fields ignored, JSON null = field unset (proto3 JSON
 * mapping), every known field type-checked. Throws ApiError INVALID_PARAMETER_VALUE.
 */
export function parseMessage(json: Record<string, unknown>, schema: Schema, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(schema)) {
    const v = json[name];
    if (v === undefined || v === null) continue;
    out[name] = parseField(type, v, `${prefix}${name}`);
  }
  return out;
}

/** Build a message from URL query parameters (GET endpoints): repeated fields take every value. */
export function parseQuery(params: URLSearchParams, schema: Schema): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(schema)) {
    if (!params.has(name)) continue;
    json[name] = typeof type === 'object' && 'repeated' in type ? params.getAll(name) : params.get(name);
  }
  return parseMessage(json, schema);
}

/** `_assert_required`: present and not the empty string. */
export function requireField(msg: Record<string, unknown>, name: string, path = name): void {
  const v = msg[name];
  if (v === undefined || v === null || v === '') {
    throw new ApiError('INVALID_PARAMETER_VALUE', `Missing value for required parameter '${path}'.${SEE_DOCS}`);
  }
}

/** MLflow accepts `run_uuid` wherever `run_id` is missing (deprecated alias). */
export function runIdOf(msg: Record<string, unknown>): string {
  if ((msg.run_id === undefined || msg.run_id === '') && typeof msg.run_uuid === 'string') msg.run_id = msg.run_uuid;
  requireField(msg, 'run_id');
  return msg.run_id as string;
}

const KV: Schema = { key: 'string', value: 'string' };
const RUN_STATUS = { enum: ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] } as const;

/** Request messages of service.proto used by the contract server (fields the server reads). */
export const MESSAGES = {
  CreateExperiment: { name: 'string', artifact_location: 'string', tags: { repeated: { message: KV } } },
  GetExperimentByName: { experiment_name: 'string' },
  GetExperiment: { experiment_id: 'string' },
  CreateRun: { experiment_id: 'string', user_id: 'string', start_time: 'int64', tags: { repeated: { message: KV } }, run_name: 'string' },
  UpdateRun: { run_id: 'string', run_uuid: 'string', status: RUN_STATUS, end_time: 'int64', run_name: 'string' },
  LogMetric: { run_id: 'string', run_uuid: 'string', key: 'string', value: 'double', timestamp: 'int64', step: 'int64' },
  LogParam: { run_id: 'string', run_uuid: 'string', key: 'string', value: 'string' },
  SetTag: { run_id: 'string', run_uuid: 'string', key: 'string', value: 'string' },
  LogBatch: {
    run_id: 'string',
    metrics: { repeated: { message: { key: 'string', value: 'double', timestamp: 'int64', step: 'int64' } } },
    params: { repeated: { message: KV } },
    tags: { repeated: { message: KV } },
  },
  GetRun: { run_id: 'string', run_uuid: 'string' },
  DeleteRun: { run_id: 'string' },
  SearchRuns: {
    experiment_ids: { repeated: 'string' },
    filter: 'string',
    run_view_type: { enum: ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] },
    max_results: 'int64',
    order_by: { repeated: 'string' },
    page_token: 'string',
  },
  GetMetricHistory: { run_id: 'string', run_uuid: 'string', metric_key: 'string', page_token: 'string', max_results: 'int64' },
} satisfies Record<string, Schema>;
