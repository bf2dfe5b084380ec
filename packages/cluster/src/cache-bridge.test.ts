import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCacheBridge } from './cache-bridge.js';

function call(url: string, method: string, body?: Buffer, opts: { slow?: boolean } = {}): Promise<{ status: number; body: Buffer }> {
  return new Promise((ok, fail) => {
    const req = request(url, { method, headers: body ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    if (body && opts.slow) {
      // Half now, half later: a reader in between must not see a partial entry.
      req.write(body.subarray(0, body.length / 2));
      setTimeout(() => req.end(body.subarray(body.length / 2)), 150);
    } else req.end(body);
  });
}

test("Nx's remote-cache protocol over a folder: 404 until stored, then the same bytes back", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relaxomap-bridge-'));
  const bridge = await startCacheBridge(dir);
  try {
    const entry = randomBytes(100_000);
    assert.equal((await call(`${bridge.url}/v1/cache/123456789`, 'GET')).status, 404);
    assert.equal((await call(`${bridge.url}/v1/cache/123456789`, 'PUT', entry)).status, 200);
    const back = await call(`${bridge.url}/v1/cache/123456789`, 'GET');
    assert.equal(back.status, 200);
    assert.ok(back.body.equals(entry));
    assert.deepEqual(readdirSync(dir), ['123456789']);
    assert.equal((await call(`${bridge.url}/v1/cache/..%2F..%2Fetc`, 'GET')).status, 404, 'no path outside the folder');
    assert.equal((await call(`${bridge.url}/v1/cache/x`, 'DELETE')).status, 405);
    assert.deepEqual(bridge.stats, { hits: 1, misses: 1, stores: 1 });
    assert.deepEqual(bridge.env, { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: bridge.url });
  } finally {
    await bridge.close();
  }
});

test('concurrent writers of one entry (two bridges, as on two nodes): one complete entry, no partial file ever visible', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relaxomap-bridge-'));
  const [a, b] = [await startCacheBridge(dir), await startCacheBridge(dir)];
  try {
    const bodies = Array.from({ length: 8 }, () => randomBytes(300_000));
    const puts = bodies.map((body, i) => call(`${(i % 2 ? a : b).url}/v1/cache/42`, 'PUT', body, { slow: true }));
    // While every upload is half done, the entry does not exist yet.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await call(`${a.url}/v1/cache/42`, 'GET')).status, 404);
    assert.deepEqual((await Promise.all(puts)).map((r) => r.status), bodies.map(() => 200));
    const stored = readFileSync(join(dir, '42'));
    assert.ok(bodies.some((body) => body.equals(stored)), 'the entry is one of the uploads, whole');
    assert.deepEqual(readdirSync(dir), ['42'], 'no temporary file left behind');
    assert.ok((await call(`${b.url}/v1/cache/42`, 'GET')).body.equals(stored));
  } finally {
    await a.close();
    await b.close();
  }
});
