// A real registry for tests: Debian's docker-registry (distribution 2.8) with a config written to a
// temporary directory, bound to 127.0.0.1 on a free port, plain http, optionally with htpasswd
// Basic auth or token auth. stop() ends only the process started here and removes the directory.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { CtrmonError } from '../../../src/errors';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export type RegistryAuthConfig =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string };

export interface TestRegistry {
  /** `127.0.0.1:PORT`, as references name it. */
  host: string;
  url: string;
  dir: string;
  /** Where the registry stores a blob (tests tamper with it). */
  blobPath(digest: string): string;
  stop(): Promise<void>;
}

/** Why a registry cannot run here, or false. */
export function registrySkipReason(): string | false {
  if (spawnSync(REGISTRY_BINARY, ['--version']).status !== 0) return `${REGISTRY_BINARY} is not installed (Debian package docker-registry)`;
  if (spawnSync('skopeo', ['--version']).status !== 0) return 'skopeo is not installed';
  return false;
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// docker-registry reads only bcrypt htpasswd lines; the system crypt() (libxcrypt) makes them,
// reached through perl, which every Debian has.
function bcryptLine(username: string, password: string): string {
  const salt = randomBytes(16).toString('base64').replace(/[+=]/g, '.').slice(0, 22);
  const r = spawnSync('perl', ['-e', 'print crypt($ARGV[0], "\\$2b\\$05\\$" . $ARGV[1])', password, salt], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.startsWith('$2b$'))
    throw new CtrmonError('ERR_HARNESS', `cannot make a bcrypt hash with perl: ${r.stderr || r.stdout}`);
  return `${username}:${r.stdout}\n`;
}

function authSection(dir: string, auth: RegistryAuthConfig): string {
  if (auth.kind === 'basic') {
    const file = path.join(dir, 'htpasswd');
    writeFileSync(file, bcryptLine(auth.username, auth.password));
    return `auth:\n  htpasswd:\n    realm: ctrmon-test\n    path: ${file}\n`;
  }
  if (auth.kind === 'token') {
    const settings = { realm: auth.realm, service: auth.service, issuer: auth.issuer, rootcertbundle: auth.rootCertBundle };
    return `auth:\n  token:\n${Object.entries(settings)
      .map(([key, value]) => `    ${key}: ${value}\n`)
      .join('')}`;
  }
  return '';
}

export async function startTestRegistry(auth: RegistryAuthConfig = { kind: 'none' }): Promise<TestRegistry> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ctrmon-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${path.join(dir, 'data')}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: ${host}
${authSection(dir, auth)}`,
  );
  const child: ChildProcess = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://${host}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(3000, undefined, { ref: false })]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      throw new CtrmonError('ERR_HARNESS', `docker-registry exited with ${child.exitCode}: ${log.trim()}`);
    }
    const status = await fetch(`${url}/v2/`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200 || status === 401) break;
    if (Date.now() > deadline) {
      await stop();
      throw new CtrmonError('ERR_HARNESS', `docker-registry on ${host} did not answer within 10 s: ${log.trim()}`);
    }
    await sleep(20);
  }
  return {
    host,
    url,
    dir,
    blobPath: (digest) => {
      const hex = digest.replace(/^sha256:/, '');
      return path.join(dir, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    },
    stop,
  };
}

/** Reads a blob straight from the registry's storage (the blob proxy serves redirected GETs this way). */
export function readStoredBlob(registry: TestRegistry, digest: string): Buffer {
  return readFileSync(registry.blobPath(digest));
}
