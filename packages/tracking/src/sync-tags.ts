/**
 * Tags that tie a local run to its copy on a tracking server (shared by the mirrored tracker and
 * `syncFileStore`). The first three are bookkeeping of the LOCAL store and never uploaded; the last
 * one is set on the SERVER run, so a sync can find the copy of a local run even when it never
 * learned the server's run id (e.g. the answer to runs/create was lost).
 */
import { MlflowRestClient } from './rest-client.js';

export const SYNC_TAGS = Object.freeze({
  /** Local: the server the run was meant for / last synced to (normalized base URL). */
  uri: 'relaxomap.sync_uri',
  /** Local: the id of the run's copy on that server. */
  serverRunId: 'relaxomap.server_run_id',
  /** Local: `complete` once the server copy holds everything (sync skips the run without a call). */
  state: 'relaxomap.sync_state',
  /** Server: the id of the local run this server run is a copy of. */
  sourceRunId: 'relaxomap.source_run_id',
});

/** Local-only tags: never copied to a server. */
export const LOCAL_ONLY_TAGS: ReadonlySet<string> = new Set([SYNC_TAGS.uri, SYNC_TAGS.serverRunId, SYNC_TAGS.state]);

/** A server URI as the REST client writes it (trailing slashes dropped), so tags compare equal. */
export function normalizeServerUri(uri: string): string {
  return new MlflowRestClient({ baseUrl: uri, env: {} }).baseUrl;
}
