import { gunzipSync } from 'node:zlib';

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Decompresses gzip data; returns other data unchanged (files are recognised by content, not name). */
export function maybeGunzip(buf: Buffer): Buffer {
  return isGzip(buf) ? gunzipSync(buf) : buf;
}
