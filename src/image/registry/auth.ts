// Authorization for one registry endpoint: the WWW-Authenticate challenge of its /v2/ ping, Basic
// credentials sent straight to it, or Bearer tokens from its token service, fetched once per scope
// (concurrent requests share one fetch) and reused until they expire.
import { CtrmonError, errorMessage } from '../../errors';
import type { HttpInit, HttpResponse } from './transport';
import type { Credentials } from './auth-file';
import { readCappedBody } from './requests';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses a WWW-Authenticate header: `Bearer realm="…",service="…",scope="…", Basic realm="…"`. */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  const token = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)/y;
  let pos = 0;
  while (pos < header.length) {
    token.lastIndex = pos;
    const scheme = token.exec(header);
    if (!scheme) break;
    pos = token.lastIndex;
    const params: Record<string, string> = {};
    for (;;) {
      const param = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(,?)/y;
      param.lastIndex = pos;
      const m = param.exec(header);
      if (!m) break;
      params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
      pos = param.lastIndex;
      if (m[4] === '') break;
    }
    while (header[pos] === ',' || header[pos] === ' ') pos++;
    challenges.push({ scheme: scheme[1].toLowerCase(), params });
  }
  return challenges;
}

/** How the token service is reached: the caller's fetch, with its retries and limits. */
export type TokenFetch = (url: string, init: HttpInit) => Promise<HttpResponse>;

/** containers/image's limits: a token body of at most 1 MiB, a lifetime of at least 60 s. */
const MAX_TOKEN_BYTES = 1024 * 1024;
const MIN_TOKEN_SECONDS = 60;

interface CachedToken {
  token: string;
  expiresAt: number;
}

export class RegistryAuth {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, Promise<CachedToken>>();
  /** Token requests made, for tests of token reuse. */
  tokenRequests = 0;

  constructor(
    private readonly registry: string,
    private readonly credentials: Credentials | undefined,
    private readonly fetchToken: TokenFetch,
  ) {}

  /** Records the challenge of a 401 (the ping's or a request's); Bearer is preferred over Basic. */
  setChallenge(header: string | null): void {
    const all = parseChallenges(header ?? '');
    this.challenge = all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic');
  }

  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  /** The Authorization header for a request needing `scope`, or undefined when none is needed or possible. */
  async authorization(scope: string): Promise<string | undefined> {
    if (this.challenge?.scheme === 'basic') {
      if (this.credentials === undefined || this.credentials.identityToken !== undefined) return undefined;
      return `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
    }
    if (this.challenge?.scheme !== 'bearer') return undefined;
    let pending = this.tokens.get(scope);
    if (pending === undefined) {
      pending = this.requestToken(scope);
      this.tokens.set(scope, pending);
      pending.catch(() => this.tokens.delete(scope));
    }
    let cached = await pending;
    if (Date.now() >= cached.expiresAt) {
      if (this.tokens.get(scope) === pending) this.tokens.set(scope, this.requestToken(scope));
      cached = await this.tokens.get(scope)!;
    }
    return `Bearer ${cached.token}`;
  }

  /** Forgets the token for `scope` (after the registry refused it). */
  invalidate(scope: string): void {
    this.tokens.delete(scope);
  }

  private async requestToken(scope: string): Promise<CachedToken> {
    const { realm, service } = this.challenge!.params;
    if (!realm)
      throw new CtrmonError('ERR_REGISTRY_AUTH', `registry ${this.registry} asked for a Bearer token without a realm`, {
        name: this.registry,
      });
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new CtrmonError('ERR_REGISTRY_AUTH', `registry ${this.registry} gave an invalid token realm "${realm}"`, {
        name: this.registry,
      });
    }
    const creds = this.credentials;
    let init: HttpInit;
    if (creds?.identityToken !== undefined) {
      // OAuth2 refresh grant, as containers/image does for an auth.json identitytoken.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'ctrmon', scope });
      if (service) form.set('service', service);
      init = { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    } else {
      if (service) url.searchParams.set('service', service);
      url.searchParams.append('scope', scope);
      const headers: Record<string, string> = {};
      if (creds !== undefined) {
        url.searchParams.set('account', creds.username);
        headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      }
      init = { method: 'GET', headers };
    }
    this.tokenRequests++;
    const res = await this.fetchToken(url.toString(), init);
    const text = (await readCappedBody(res, MAX_TOKEN_BYTES, `the token from ${url.origin}`, 'ERR_REGISTRY_AUTH')).toString('utf8');
    if (res.status === 401 || res.status === 403) {
      const who = creds ? `the credentials of "${creds.username}"` : 'anonymous access';
      throw new CtrmonError(
        'ERR_REGISTRY_AUTH',
        `token service ${url.origin}${url.pathname} refused ${who} for ${this.registry} (${scope}): HTTP ${res.status}`,
        { name: this.registry },
      );
    }
    if (!res.ok)
      throw new CtrmonError('ERR_REGISTRY_AUTH', `token service ${url.origin}${url.pathname} answered HTTP ${res.status} for ${scope}`, {
        name: this.registry,
      });
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new CtrmonError(
        'ERR_REGISTRY_AUTH',
        `token service ${url.origin} sent no JSON: ${errorMessage(err)}`,
        { name: this.registry },
        { cause: err },
      );
    }
    const token = typeof body.token === 'string' && body.token !== '' ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '')
      throw new CtrmonError('ERR_REGISTRY_AUTH', `token service ${url.origin} sent no token`, { name: this.registry });
    const seconds = Math.max(typeof body.expires_in === 'number' ? body.expires_in : MIN_TOKEN_SECONDS, MIN_TOKEN_SECONDS);
    const issued = typeof body.issued_at === 'string' ? Date.parse(body.issued_at) : Number.NaN;
    const start = Number.isNaN(issued) ? Date.now() : Math.min(issued, Date.now());
    // Renewed a little early, so a token never expires between being handed out and being used.
    return { token, expiresAt: start + seconds * 1000 - 5000 };
  }
}
