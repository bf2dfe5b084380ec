/**
 * A typed client for MLflow's REST API 2.0 over Node's `fetch`, and the `Tracker` built on it.
 *
 * Endpoints: `/api/2.0/mlflow/{experiments/get-by-name, experiments/create, runs/create,
 * runs/log-batch, runs/log-metric, runs/log-parameter, runs/set-tag, runs/update, runs/get,
 * runs/search, runs/delete, metrics/get-history}` and artifacts through
 * `PUT /api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/<path>` (raw bytes; `GET
 * …/artifacts?path=` lists a folder).
 *
 * Auth: `MLFLOW_TRACKING_TOKEN` (Bearer) or `MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD`
 * (Basic). Every request has a timeout (`MLFLOW_HTTP_REQUEST_TIMEOUT` seconds, default 30 s here)
 * so a hung server fails the stage with a one-line error instead of hanging it.
 */
import { type ErrorJson, type ExperimentJson, type KeyValueJson, type MetricJson, type RunInfoJson, type RunJson } from './rest-types.js';

export interface RestClientOptions {
  /** Server base URL, e.g. `http://127.0.0.1:5000` (a path prefix is kept). */
  baseUrl: string;
  /** Per-request timeout in ms; default from MLFLOW_HTTP_REQUEST_TIMEOUT (s) or 30 000. */
  timeoutMs?: number;
  /** Retries for HTTP 429/502/503/504 (not for refused connections). Default 2. */
  maxRetries?: number;
  /** Environment for credentials and timeout (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** A failed MLflow call: `endpoint`, HTTP `status` (0 when no response), MLflow `errorCode`. */
export class MlflowRestError extends Error {
  override name = 'MlflowRestError';
  constructor(
    message: string,
    readonly endpoint: string,
    readonly status: number,
    readonly errorCode?: string,
  ) {
    super(message);
  }
}

/**
 * Whether a failed call means "the server is not there right now" (no response or a timeout,
 * HTTP 429 or 5xx after the retries) rather than "the server refused this request" (4xx: a real
 * error in what was sent, or in the credentials).
 */
export function isServerUnavailable(err: unknown): err is MlflowRestError {
  return err instanceof MlflowRestError && (err.status === 0 || err.status === 429 || err.status >= 500);
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

function authHeader(env: NodeJS.ProcessEnv): string | undefined {
  if (env.MLFLOW_TRACKING_TOKEN) return `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
  if (env.MLFLOW_TRACKING_USERNAME !== undefined && env.MLFLOW_TRACKING_PASSWORD !== undefined) {
    return `Basic ${Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD}`).toString('base64')}`;
  }
  return undefined;
}

/** Low-level MLflow REST API 2.0 calls; every method maps to one endpoint. */
export class MlflowRestClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly auth: string | undefined;

  constructor(opts: RestClientOptions) {
    const env = opts.env ?? process.env;
    let url: URL;
    try {
      url = new URL(opts.baseUrl);
    } catch {
      throw new Error(`MLflow tracking URI '${opts.baseUrl}' is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`MLflow tracking URI '${opts.baseUrl}' must be http(s)`);
    this.baseUrl = url.href.replace(/\/+$/, '');
    const envTimeout = Number(env.MLFLOW_HTTP_REQUEST_TIMEOUT);
    this.timeoutMs = opts.timeoutMs ?? (Number.isFinite(envTimeout) && envTimeout > 0 ? envTimeout * 1000 : 30_000);
    this.maxRetries = opts.maxRetries ?? 2;
    this.auth = authHeader(env);
  }

  /**
   * One HTTP call. JSON in/out for the tracking API; raw bytes for artifacts. Throws
   * MlflowRestError with a one-line message: method, path, HTTP status, MLflow error_code: message.
   */
  async request<T>(method: 'GET' | 'POST' | 'PUT', endpoint: string, init: { json?: unknown; query?: Record<string, string | string[]>; body?: Uint8Array } = {}): Promise<T> {
    const url = new URL(`${this.baseUrl}${endpoint}`);
    for (const [k, v] of Object.entries(init.query ?? {})) for (const x of Array.isArray(v) ? v : [v]) url.searchParams.append(k, x);
    const headers: Record<string, string> = {};
    if (this.auth) headers.Authorization = this.auth;
    let body: string | Uint8Array | undefined;
    if (init.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.body !== undefined) {
      headers['Content-Type'] = 'application/octet-stream';
      body = init.body;
    }
    const what = `MLflow ${method} ${url.pathname}`;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        const why = e.name === 'TimeoutError' || e.name === 'AbortError'
          ? `no response within ${this.timeoutMs} ms`
          : `cannot reach ${this.baseUrl} (${e.cause?.code ?? e.cause?.message ?? e.message})`;
        throw new MlflowRestError(oneLine(`${what} failed: ${why}`), endpoint, 0);
      }
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        throw new MlflowRestError(oneLine(`${what} failed: HTTP ${res.status}, body unreadable (${(err as Error).message})`), endpoint, res.status);
      }
      if (res.ok) {
        if (text.trim() === '') return {} as T;
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new MlflowRestError(oneLine(`${what} failed: HTTP ${res.status} with a non-JSON body: ${text.slice(0, 200)}`), endpoint, res.status);
        }
      }
      if ([429, 502, 503, 504].includes(res.status) && attempt < this.maxRetries) {
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        continue;
      }
      let code: string | undefined;
      let message = text.slice(0, 500);
      try {
        const j = JSON.parse(text) as Partial<ErrorJson>;
        if (typeof j.error_code === 'string') code = j.error_code;
        if (typeof j.message === 'string') message = j.message;
      } catch {
        // non-JSON error page (proxy, auth): keep its text
      }
      throw new MlflowRestError(oneLine(`${what} failed: HTTP ${res.status}${code ? ` ${code}` : ''}: ${message}`), endpoint, res.status, code);
    }
  }

  /** `GET experiments/get-by-name`; undefined on RESOURCE_DOES_NOT_EXIST. */
  async getExperimentByName(name: string): Promise<ExperimentJson | undefined> {
    try {
      const r = await this.request<{ experiment: ExperimentJson }>('GET', '/api/2.0/mlflow/experiments/get-by-name', { query: { experiment_name: name } });
      return r.experiment;
    } catch (err) {
      if (err instanceof MlflowRestError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw err;
    }
  }

  /** `POST experiments/create` → experiment id. */
  async createExperiment(name: string, opts: { artifactLocation?: string; tags?: KeyValueJson[] } = {}): Promise<string> {
    const r = await this.request<{ experiment_id: string }>('POST', '/api/2.0/mlflow/experiments/create', {
      json: { name, ...(opts.artifactLocation ? { artifact_location: opts.artifactLocation } : {}), ...(opts.tags ? { tags: opts.tags } : {}) },
    });
    return r.experiment_id;
  }

  /** `POST runs/create`. */
  async createRun(req: { experiment_id: string; user_id?: string; start_time?: number; tags?: KeyValueJson[]; run_name?: string }): Promise<RunJson> {
    return (await this.request<{ run: RunJson }>('POST', '/api/2.0/mlflow/runs/create', { json: req })).run;
  }

  /** `POST runs/log-batch` (≤ 1000 metrics, ≤ 100 params, ≤ 100 tags, ≤ 1000 in all). */
  async logBatch(runId: string, batch: { metrics?: MetricJson[]; params?: KeyValueJson[]; tags?: KeyValueJson[] }): Promise<void> {
    await this.request('POST', '/api/2.0/mlflow/runs/log-batch', { json: { run_id: runId, ...batch } });
  }

  /** `POST runs/log-metric`. */
  async logMetric(runId: string, m: MetricJson): Promise<void> {
    await this.request('POST', '/api/2.0/mlflow/runs/log-metric', { json: { run_id: runId, ...m } });
  }

  /** `POST runs/log-parameter`. */
  async logParam(runId: string, key: string, value: string): Promise<void> {
    await this.request('POST', '/api/2.0/mlflow/runs/log-parameter', { json: { run_id: runId, key, value } });
  }

  /** `POST runs/set-tag`. */
  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.request('POST', '/api/2.0/mlflow/runs/set-tag', { json: { run_id: runId, key, value } });
  }

  /** `POST runs/update`. */
  async updateRun(runId: string, u: { status?: string; end_time?: number; run_name?: string }): Promise<RunInfoJson> {
    return (await this.request<{ run_info: RunInfoJson }>('POST', '/api/2.0/mlflow/runs/update', { json: { run_id: runId, ...u } })).run_info;
  }

  /** `GET runs/get`. */
  async getRun(runId: string): Promise<RunJson> {
    return (await this.request<{ run: RunJson }>('GET', '/api/2.0/mlflow/runs/get', { query: { run_id: runId } })).run;
  }

  /** `POST runs/search` (one page). */
  async searchRuns(req: { experiment_ids: string[]; filter?: string; max_results?: number; run_view_type?: string; order_by?: string[]; page_token?: string }): Promise<{ runs: RunJson[]; next_page_token?: string }> {
    const r = await this.request<{ runs?: RunJson[]; next_page_token?: string }>('POST', '/api/2.0/mlflow/runs/search', { json: req });
    return { runs: r.runs ?? [], ...(r.next_page_token ? { next_page_token: r.next_page_token } : {}) };
  }

  /** `GET metrics/get-history`, following `next_page_token` when the server pages. */
  async getMetricHistory(runId: string, key: string): Promise<MetricJson[]> {
    const out: MetricJson[] = [];
    let pageToken: string | undefined;
    do {
      const query: Record<string, string> = { run_id: runId, metric_key: key, ...(pageToken ? { page_token: pageToken } : {}) };
      const r = await this.request<{ metrics?: MetricJson[]; next_page_token?: string }>('GET', '/api/2.0/mlflow/metrics/get-history', { query });
      out.push(...(r.metrics ?? []));
      pageToken = r.next_page_token || undefined;
    } while (pageToken);
    return out;
  }

  /** `POST runs/delete`: moves the run to the server's trash (lifecycle_stage `deleted`). */
  async deleteRun(runId: string): Promise<void> {
    await this.request('POST', '/api/2.0/mlflow/runs/delete', { json: { run_id: runId } });
  }

  /**
   * `GET /api/2.0/mlflow-artifacts/artifacts?path=`: the direct children of `artifactPath`; `path` is
   * the child's basename (as MLflow answers), `file_size` in bytes for files.
   */
  async listArtifacts(artifactPath: string): Promise<{ path: string; is_dir: boolean; file_size?: number }[]> {
    const r = await this.request<{ files?: { path: string; is_dir?: boolean; file_size?: number | string }[] }>('GET', '/api/2.0/mlflow-artifacts/artifacts', {
      query: artifactPath ? { path: artifactPath } : {},
    });
    return (r.files ?? []).map((f) => ({ path: f.path, is_dir: f.is_dir === true, ...(f.file_size !== undefined ? { file_size: Number(f.file_size) } : {}) }));
  }

  /** `PUT /api/2.0/mlflow-artifacts/artifacts/<path>` with the raw bytes. */
  async uploadArtifact(artifactPath: string, data: Uint8Array): Promise<void> {
    const encoded = artifactPath.split('/').map(encodeURIComponent).join('/');
    await this.request('PUT', `/api/2.0/mlflow-artifacts/artifacts/${encoded}`, { body: data });
  }
}
