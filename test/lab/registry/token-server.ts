// A token service for docker-registry's `auth: token:` (distribution's token spec): a self-signed
// RSA certificate made with openssl, and RS256 JWTs carrying that certificate in `x5c`, which the
// registry checks against its rootcertbundle. Valid credentials get the actions they ask for;
// anything else gets 401. Every request is recorded so tests can count token fetches.
import { spawnSync } from 'node:child_process';
import { createPrivateKey, createSign, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

import { CtrmonError } from '../../../src/errors';
import type { RegistryAuthConfig } from './test-registry';

export interface TokenRequestRecord {
  scope: string[];
  service: string | null;
  account: string | null;
  authorized: boolean;
}

export interface TokenServer {
  /** The registry's auth config for this service. */
  registryAuth: RegistryAuthConfig & { kind: 'token' };
  requests: TokenRequestRecord[];
  stop(): Promise<void>;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export async function startTokenServer(username: string, password: string): Promise<TokenServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ctrmon-token-'));
  const keyFile = path.join(dir, 'token.key');
  const certFile = path.join(dir, 'token.crt');
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=ctrmon-test-token'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new CtrmonError('ERR_HARNESS', `openssl could not make the token certificate: ${r.stderr}`);
  const key = createPrivateKey(readFileSync(keyFile));
  const certDer = new X509Certificate(readFileSync(certFile)).raw;
  const issuer = 'ctrmon-test-issuer';
  const service = 'ctrmon-test-registry';
  const requests: TokenRequestRecord[] = [];

  const sign = (account: string, scopes: string[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.flatMap((scope) => {
      const [type, name, actions] = scope.split(':');
      return type && name && actions ? [{ type, name, actions: actions.split(',') }] : [];
    });
    const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: issuer,
      sub: account,
      aud: service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    return `${input}.${base64url(createSign('RSA-SHA256').update(input).sign(key))}`;
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [user, pass] = basic ? Buffer.from(basic[1], 'base64').toString().split(/:(.*)/s) : [];
    const authorized = user === username && pass === password;
    const scope = url.searchParams.getAll('scope');
    requests.push({ scope, service: url.searchParams.get('service'), account: url.searchParams.get('account'), authorized });
    if (url.pathname !== '/token' || !authorized) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token: sign(user, scope), expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    registryAuth: { kind: 'token', realm: `http://127.0.0.1:${port}/token`, service, issuer, rootCertBundle: certFile },
    requests,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
