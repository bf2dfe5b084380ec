/**
 * An in-memory MLflow tracking server for tests: the REST API 2.0 endpoints this package (and any
 * other package's tests) uses, answering with MLflow's documented shapes and validating requests
 * the way MLflow's handlers and stores do (see contract-proto.ts), so a client passing here speaks
 * the real protocol. Listens on 127.0.0.1 with a free port.
 *
 * Artifacts are served like `mlflow server --serve-artifacts`: runs get
 * `artifact_uri = mlflow-artifacts:/<exp>/<run>/artifacts`, uploads go to
 * `PUT /api/2.0/mlflow-artifacts/artifacts/<path>`.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, parseMessage, parseQuery } from './contract-proto.js';
import { type ContractState, createState, TRACKING_ROUTES } from './contract-routes.js';

export type { ContractExperiment, ContractRun, ContractState, RecordedCall } from './contract-routes.js';

export interface ContractServerOptions {
  /** Require this Basic auth (username/password) or Bearer token on every request. */
  auth?: { username: string; password: string } | { token: string };
}

/**
 * Test-only failure injection, read on every request (mutate `server.faults` at any time). With
 * `failAfter` set, that many more matching requests are answered normally, then every matching
 * request fails until `failAfter` is set back to undefined.
 */
export interface ContractFaults {
  /** Matching requests still answered; 0 = fail from now on; undefined = no failures. */
  failAfter?: number;
  /**
   * 'refuse' (default): the connection is closed before the request is handled — a server that
   * crashed or a cut network; the client sees no HTTP status. 'lose-reply': the request is applied,
   * then the connection is closed without an answer — the client cannot know that it succeeded.
   */
  mode?: 'refuse' | 'lose-reply';
  /** Only requests whose path ends with this match (e.g. '/runs/create'); default every request. */
  pathEndsWith?: string;
}

export interface ContractServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The server's memory: experiments, runs, artifacts, and every call received. */
  state: ContractState;
  /** Failure injection for tests (see {@link ContractFaults}); starts empty. */
  faults: ContractFaults;
  close(): Promise<void>;
}

/** Whether this request fails by injection, counting it down when it matches. */
function injectedFault(faults: ContractFaults, pathname: string): 'refuse' | 'lose-reply' | undefined {
  if (faults.failAfter === undefined || (faults.pathEndsWith !== undefined && !pathname.endsWith(faults.pathEndsWith))) return undefined;
  if (faults.failAfter > 0) {
    faults.failAfter--;
    return undefined;
  }
  return faults.mode ?? 'refuse';
}

const ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts/artifacts';

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** MLflow's `validate_path_is_safe`: no absolute paths, no `..`, no backslashes or NULs. */
function safeArtifactPath(raw: string): string {
  const p = decodeURIComponent(raw);
  if (p === '' || p.startsWith('/') || p.includes('\\') || p.includes('\0') || /^[A-Za-z]:/.test(p) || p.split('/').some((s) => s === '..' || s === '.')) {
    throw new ApiError('INVALID_PARAMETER_VALUE', `Invalid path: '${p}'`);
  }
  return p.replace(/\/+$/, '');
}

function checkAuth(req: http.IncomingMessage, auth: ContractServerOptions['auth']): boolean {
  if (!auth) return true;
  const want = 'token' in auth
    ? `Bearer ${auth.token}`
    : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  return req.headers.authorization === want;
}

/** Handle artifact upload/download/list; returns false when the path is not an artifact route. */
function handleArtifacts(state: ContractState, method: string, url: URL, body: Buffer, res: http.ServerResponse): boolean {
  if (url.pathname === ARTIFACTS_PREFIX && method === 'GET') {
    const dir = url.searchParams.get('path') ? safeArtifactPath(url.searchParams.get('path')!) : '';
    const prefix = dir ? `${dir}/` : '';
    const seen = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
    for (const [p, data] of state.artifacts) {
      if (!p.startsWith(prefix)) continue;
      // MLflow's _list_artifacts_mlflow_artifacts answers basenames, not paths.
      const rest = p.slice(prefix.length).split('/');
      const child = rest[0]!;
      seen.set(child, rest.length > 1 ? { path: child, is_dir: true } : { path: child, is_dir: false, file_size: data.length });
    }
    const files = [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
    sendJson(res, 200, files.length ? { files } : {});
    return true;
  }
  if (!url.pathname.startsWith(`${ARTIFACTS_PREFIX}/`)) return false;
  const p = safeArtifactPath(url.pathname.slice(ARTIFACTS_PREFIX.length + 1));
  if (method === 'PUT') {
    state.artifacts.set(p, body);
    sendJson(res, 200, {});
  } else if (method === 'GET') {
    const data = state.artifacts.get(p);
    if (!data) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Artifact '${p}' does not exist`);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': data.length });
    res.end(data);
  } else {
    res.writeHead(405, { 'Content-Type': 'text/plain' });
    res.end('Method Not Allowed');
  }
  return true;
}

/**
 * Start the contract server. Resolves once listening; `close()` stops it (open keep-alive sockets
 * included).
 */
export async function startMlflowContractServer(opts: ContractServerOptions = {}): Promise<ContractServer> {
  const state = createState();
  const faults: ContractFaults = {};
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const method = req.method ?? 'GET';
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const call = { method, path: url.pathname, status: 0, body: undefined as unknown };
      state.calls.push(call);
      const fault = injectedFault(faults, url.pathname);
      if (fault === 'refuse') {
        req.socket.destroy();
        return;
      }
      if (fault === 'lose-reply') {
        // Handle the request as usual, but hang up instead of answering (call.status stays 0).
        res.writeHead = (() => res) as typeof res.writeHead;
        res.end = (() => {
          req.socket.destroy();
          return res;
        }) as typeof res.end;
      }
      const reply = (status: number, payload: unknown): void => {
        if (!fault) call.status = status;
        sendJson(res, status, payload);
      };
      try {
        if (!checkAuth(req, opts.auth)) {
          call.status = 401;
          res.writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Basic realm="mlflow"' });
          res.end('You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.');
          return;
        }
        if (handleArtifacts(state, method, url, body, res)) {
          if (!fault) call.status = res.statusCode;
          return;
        }
        const route = TRACKING_ROUTES[url.pathname.replace(/^\/api\/2\.0\/mlflow\//, '')];
        if (!url.pathname.startsWith('/api/2.0/mlflow/') || !route) {
          reply(404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No API endpoint ${method} ${url.pathname}` });
          return;
        }
        if (route.method !== method) {
          call.status = 405;
          res.writeHead(405, { 'Content-Type': 'text/plain', Allow: route.method });
          res.end('Method Not Allowed');
          return;
        }
        let msg: Record<string, unknown>;
        if (method === 'GET') {
          msg = parseQuery(url.searchParams, route.schema);
        } else {
          // mlflow/server/validation.py _validate_content_type
          const ct = req.headers['content-type'];
          if (ct === undefined) throw new ApiError('INVALID_PARAMETER_VALUE', 'Bad Request. Content-Type header is missing.');
          if (ct.split(';')[0]!.trim() !== 'application/json') {
            throw new ApiError('INVALID_PARAMETER_VALUE', "Bad Request. Content-Type must be one of ['application/json'].");
          }
          if (route.maxBodyBytes !== undefined && body.length > route.maxBodyBytes) {
            throw new ApiError('INVALID_PARAMETER_VALUE', `Batched logging API requests must be at most ${route.maxBodyBytes} bytes, got a request of size ${body.length}.`);
          }
          let json: unknown;
          try {
            json = body.length ? JSON.parse(body.toString('utf8')) : {};
          } catch {
            json = {}; // Flask get_json(silent=True): unparseable body = empty request
          }
          if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ApiError('INVALID_PARAMETER_VALUE', 'Request body must be a JSON object.');
          call.body = json;
          msg = parseMessage(json as Record<string, unknown>, route.schema);
        }
        reply(200, route.handle(state, msg));
      } catch (err) {
        if (err instanceof ApiError) reply(err.httpStatus, { error_code: err.errorCode, message: err.message });
        else reply(500, { error_code: 'INTERNAL_ERROR', message: (err as Error).message });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    faults,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
