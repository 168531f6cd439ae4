// A fault-injecting front for a test registry, recording the headers of every request:
// - `redirect`: blob GETs are answered with a 307 to a second server on another host (127.0.0.2,
//   a different origin as a CDN would be) that serves the blob from the registry's storage with
//   no auth at all, and records what it was sent;
// - `cutAfter`: the first blob GET without a Range gets its headers and this many body bytes,
//   then the connection is destroyed, as a dropped link would.
// Everything else is passed through to the registry unchanged.
import { createReadStream } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';

import type { TestRegistry } from './test-registry';

export interface ProxyOptions {
  redirect?: boolean;
  cutAfter?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** 'proxy' for the registry's front, 'cdn' for the redirect target. */
  server: 'proxy' | 'cdn';
}

export interface BlobProxy {
  /** `127.0.0.1:PORT`: use it as the registry in references. */
  host: string;
  requests: RecordedRequest[];
  /** Blob GETs cut so far. */
  cuts: number;
  stop(): Promise<void>;
}

const BLOB_PATH = /^\/v2\/.+\/blobs\/(sha256:[a-f0-9]{64})$/;

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as { port: number }).port));
  });
}

function close(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}

export async function startBlobProxy(registry: TestRegistry, options: ProxyOptions = {}): Promise<BlobProxy> {
  const requests: RecordedRequest[] = [];
  const state = { cuts: 0 };
  const record = (server: 'proxy' | 'cdn', method: string, path: string, headers: IncomingHttpHeaders) =>
    requests.push({ server, method, path, headers: { ...headers } });

  const cdn = createServer((req, res) => {
    record('cdn', req.method ?? '', req.url ?? '', req.headers);
    const digest = /^\/cdn\/(sha256:[a-f0-9]{64})$/.exec(req.url ?? '')?.[1];
    if (!digest) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(registry.blobPath(digest)).pipe(res);
  });
  const cdnPort = await listen(cdn, '127.0.0.2');

  const proxy = createServer((req, res) => {
    const path = req.url ?? '/';
    record('proxy', req.method ?? '', path, req.headers);
    const blob = req.method === 'GET' ? BLOB_PATH.exec(path) : null;
    if (blob && options.redirect) {
      res.writeHead(307, { location: `http://127.0.0.2:${cdnPort}/cdn/${blob[1]}` }).end();
      return;
    }
    const cut = blob !== null && options.cutAfter !== undefined && req.headers.range === undefined && state.cuts === 0;
    const upstream = request(`${registry.url}${path}`, { method: req.method, headers: { ...req.headers, host: registry.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (!cut) {
        up.pipe(res);
        return;
      }
      state.cuts++;
      let sent = 0;
      up.on('data', (chunk: Buffer) => {
        if (sent >= options.cutAfter!) return;
        const part = chunk.subarray(0, options.cutAfter! - sent);
        sent += part.length;
        res.write(part);
        if (sent >= options.cutAfter!) {
          up.destroy();
          // Flushed first, so the client really has the bytes before the link drops.
          res.socket?.end(() => res.socket?.destroy());
        }
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const port = await listen(proxy, '127.0.0.1');
  return {
    host: `127.0.0.1:${port}`,
    requests,
    get cuts() {
      return state.cuts;
    },
    stop: async () => {
      await Promise.all([close(proxy), close(cdn)]);
    },
  };
}
