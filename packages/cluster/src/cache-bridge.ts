/**
 * One Nx cache for every node: a folder on the shared filesystem, reached through Nx's self-hosted
 * remote-cache protocol served on 127.0.0.1 by the process that runs Nx.
 *
 * Why not point every task's NX_CACHE_DIRECTORY at the shared folder: Nx ≥ 20 keeps its cache index in a
 * SQLite database (workspace-data), and only restores entries that database knows. A database per task
 * never sees what other nodes wrote; one shared database would be SQLite in WAL mode on a network
 * filesystem, which is not safe across hosts. So each task keeps a private local cache + database on
 * node-local disk, and sets `NX_SELF_HOSTED_REMOTE_CACHE_SERVER` to this bridge: a local miss asks
 * `GET /v1/cache/<hash>`, a task that ran uploads `PUT /v1/cache/<hash>` (a tar.gz Nx builds).
 *
 * Entries are files `<dir>/<hash>` written under a temporary name and then linked into place, so
 * concurrent writers (two nodes finishing the same task) never leave a partial entry, readers only ever
 * see complete ones, and the first complete entry wins (the protocol forbids overwriting a record).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, linkSync, mkdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface CacheBridge {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly dir: string;
  /** Environment that points Nx at this bridge. */
  readonly env: Record<string, string>;
  /** Entries served (hits), missed and stored since start. */
  readonly stats: { hits: number; misses: number; stores: number };
  close(): Promise<void>;
}

const HASH = /^[A-Za-z0-9_-]{1,128}$/;

/** Start the bridge for a shared cache folder (created if missing). */
export async function startCacheBridge(dir: string): Promise<CacheBridge> {
  mkdirSync(dir, { recursive: true });
  const stats = { hits: 0, misses: 0, stores: 0 };
  const server = createServer((req, res) => {
    handle(dir, req, res, stats).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err instanceof Error ? err.message : err));
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    dir,
    env: { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url },
    stats,
    close: () => new Promise<void>((ok) => {
      server.close(() => ok());
      server.closeAllConnections();
    }),
  };
}

async function handle(dir: string, req: IncomingMessage, res: ServerResponse, stats: CacheBridge['stats']): Promise<void> {
  const m = /^\/v1\/cache\/([^/?]+)$/.exec(req.url ?? '');
  const hash = m ? decodeURIComponent(m[1]!) : undefined;
  if (!hash || !HASH.test(hash)) {
    res.writeHead(404).end();
    return;
  }
  const file = join(dir, hash);
  if (req.method === 'GET') {
    if (!existsSync(file)) {
      stats.misses++;
      res.writeHead(404).end();
      return;
    }
    stats.hits++;
    // Touch it: `find <dir> -atime`/`-mtime` then prunes entries nobody used for a while.
    const now = new Date();
    try {
      utimesSync(file, now, now);
    } catch {
      // read-only cache: serving still works
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': statSync(file).size });
    await pipe(createReadStream(file), res);
    return;
  }
  if (req.method === 'PUT') {
    if (existsSync(file)) {
      // Someone else stored it first; drain and accept (Nx treats the task as stored).
      req.resume();
      await new Promise((ok) => req.on('end', ok));
      res.writeHead(200).end();
      return;
    }
    const tmp = join(dir, `.${hash}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await pipe(req, createWriteStream(tmp, { flags: 'wx' }));
      const expected = Number(req.headers['content-length']);
      if (Number.isFinite(expected) && statSync(tmp).size !== expected) throw new Error(`incomplete upload of ${hash}`);
      publish(tmp, file);
    } finally {
      rmSync(tmp, { force: true });
    }
    stats.stores++;
    res.writeHead(200).end();
    return;
  }
  res.writeHead(405, { allow: 'GET, PUT' }).end();
}

/**
 * Move a complete temporary file to its final name, first writer wins: link(2) fails if the name
 * exists (atomic, also on NFS); where hard links are not supported, rename(2) (atomic, last wins).
 */
function publish(tmp: string, file: string): void {
  try {
    linkSync(tmp, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV') renameSync(tmp, file);
    else throw err;
  }
}

function pipe(from: NodeJS.ReadableStream, to: NodeJS.WritableStream): Promise<void> {
  return new Promise((ok, fail) => {
    from.on('error', fail);
    to.on('error', fail);
    to.on('finish', ok);
    from.pipe(to);
  });
}
