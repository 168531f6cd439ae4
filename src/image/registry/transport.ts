// HTTP for the registry client on node:http and node:https rather than the global fetch: fetch
// loads undici and compiles its WebAssembly HTTP parser on first use, about 60 ms of every
// short-lived command (an auto-update check that finds nothing new spends most of its time
// there), while node:http is part of Node's startup snapshot. The response has the small part of
// fetch's Response the client uses: status, headers.get(), and the body as a web ReadableStream.
// Redirects are never followed here (the client follows them itself, keeping Authorization at its
// origin). Connections are kept alive between requests and never keep the process alive.
import * as http from 'node:http';
import * as https from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
}

export interface HttpResponse {
  status: number;
  /** 2xx */
  ok: boolean;
  headers: { get(name: string): string | null };
  /** null when there is none: HEAD, 204, 304. */
  body: ReadableStream<Uint8Array> | null;
}

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/** One request; rejects only when there is no response (refused, reset, DNS, TLS). */
export function httpRequest(url: string, init: HttpInit = {}): Promise<HttpResponse> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const method = init.method ?? 'GET';
  const body = init.body === undefined ? undefined : String(init.body);
  const headers: Record<string, string> = { ...init.headers };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(target, { method, headers, agent: secure ? agents.https : agents.http }, (res) => {
      const status = res.statusCode ?? 0;
      const hasBody = method !== 'HEAD' && status !== 204 && status !== 304;
      if (!hasBody) res.resume();
      resolve({
        status,
        ok: status >= 200 && status < 300,
        headers: {
          get: (name) => {
            const value = res.headers[name.toLowerCase()];
            return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
          },
        },
        body: hasBody ? (Readable.toWeb(res) as ReadableStream<Uint8Array>) : null,
      });
    });
    request.once('error', reject);
    request.end(body);
  });
}
