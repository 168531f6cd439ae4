// The registry client's requests (http-client.ts): retries with exponential backoff and jitter on
// connection errors, 429 and 5xx (honouring Retry-After), and bodies read with a size cap.
import { setTimeout as sleep } from 'node:timers/promises';

import { CtrmonError, type ErrorCode, errorMessage } from '../../errors';
import { type HttpInit, type HttpResponse, httpRequest } from './transport';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Every retry waits this long instead (podman's --retry-delay), unless the registry says how long. */
  fixedDelayMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

const RETRIED_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** The default policy with podman's --retry (retries after the first attempt) and --retry-delay, where given. */
export function retryPolicy(retries: number | undefined, delayMs: number | undefined): RetryPolicy {
  return {
    ...DEFAULT_RETRY,
    ...(retries === undefined ? {} : { attempts: retries + 1 }),
    ...(delayMs === undefined ? {} : { fixedDelayMs: delayMs }),
  };
}

/** Delay before attempt `attempt` (1 = the first retry): doubling from the base, with up to 50 % jitter. */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfter?: string | null): number {
  if (retryAfter) {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
    if (Number.isFinite(ms) && ms >= 0) return Math.min(ms, policy.maxDelayMs);
  }
  if (policy.fixedDelayMs !== undefined) return policy.fixedDelayMs;
  const base = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return base * (0.5 + Math.random() * 0.5);
}

/**
 * A request with retries. A response with a retried status is returned as it is after the last
 * attempt (the caller maps it to an error); a connection error after the last attempt is thrown
 * as ERR_REGISTRY naming `what` and the cause.
 */
export async function fetchWithRetry(url: string, init: HttpInit, policy: RetryPolicy, what: string): Promise<HttpResponse> {
  for (let attempt = 1; ; attempt++) {
    let res: HttpResponse;
    try {
      res = await httpRequest(url, init);
    } catch (err) {
      if (attempt >= policy.attempts) {
        const cause = (err as { cause?: unknown }).cause ?? err;
        throw new CtrmonError('ERR_REGISTRY', `${what}: ${url}: ${errorMessage(cause)}`, { name: what }, { cause: err });
      }
      await sleep(backoffDelay(policy, attempt));
      continue;
    }
    if (!RETRIED_STATUSES.has(res.status) || attempt >= policy.attempts) return res;
    await res.body?.cancel();
    await sleep(backoffDelay(policy, attempt, res.headers.get('retry-after')));
  }
}

/** Reads a body, refusing one over `limit` bytes (by Content-Length, or while reading) with `code`. */
export async function readCappedBody(res: HttpResponse, limit: number, what: string, code: ErrorCode): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    await res.body?.cancel();
    throw new CtrmonError(code, `${what} is ${declared} bytes, over the limit of ${limit}`);
  }
  if (res.body === null) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new CtrmonError(code, `${what} is over the limit of ${limit} bytes`);
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
}

/** The message of a distribution error body (`{"errors":[{"code","message"}]}`), or its first line. */
export async function errorBodyText(res: HttpResponse): Promise<string> {
  let text: string;
  try {
    text = (await readCappedBody(res, 64 * 1024, 'error body', 'ERR_REGISTRY')).toString('utf8');
  } catch {
    return '';
  }
  try {
    const errors = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) return errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    // Not a distribution error body: its first line says enough.
  }
  return text.split('\n')[0].slice(0, 200);
}
