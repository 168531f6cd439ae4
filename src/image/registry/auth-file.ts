// Registry credentials looked up as containers/image does (pkg/docker/config): the files in order,
// the first file with an entry for the registry wins, and within a file the most specific key
// (host/ns/repo, then host/ns, then host) is taken. Docker Hub's several names are one registry.
// Not read: credHelpers and credsStore (external helper programs).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../../errors';

export type Credentials = { username: string; password: string; identityToken?: undefined } | { username: string; identityToken: string };

export interface AuthLookupOptions {
  /** `--authfile`: when given (or REGISTRY_AUTH_FILE is set) only that file is read. */
  authFile?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  home?: string;
}

export interface AuthFileLocation {
  path: string;
  /** ~/.dockercfg: entries at the top level instead of under `auths`. */
  legacy: boolean;
}

/** The files to read, in order (the explicit file alone when there is one). */
export function authFileLocations(options: AuthLookupOptions = {}): AuthFileLocation[] {
  const env = options.env ?? process.env;
  const explicit = options.authFile ?? env.REGISTRY_AUTH_FILE;
  if (explicit) return [{ path: explicit, legacy: false }];
  const home = options.home ?? env.HOME ?? '/root';
  const uid = options.uid ?? process.getuid?.() ?? 0;
  const runtimeDir = env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'containers') : `/run/containers/${uid}`;
  return [
    { path: path.join(runtimeDir, 'auth.json'), legacy: false },
    { path: path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'containers', 'auth.json'), legacy: false },
    { path: path.join(env.DOCKER_CONFIG || path.join(home, '.docker'), 'config.json'), legacy: false },
    { path: path.join(home, '.dockercfg'), legacy: true },
  ];
}

const DOCKER_HUB_NAMES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

// A key as written in a file: old files have URLs (`https://index.docker.io/v1/`).
function normaliseKey(key: string): string {
  let k = key.replace(/^https?:\/\//, '');
  if (k !== key) k = k.split('/')[0];
  const [host, ...rest] = k.split('/');
  return [DOCKER_HUB_NAMES.has(host) ? 'docker.io' : host, ...rest].join('/');
}

function keysFor(registry: string, repository: string): string[] {
  const host = DOCKER_HUB_NAMES.has(registry) ? 'docker.io' : registry;
  const parts = repository.split('/');
  const keys: string[] = [];
  for (let n = parts.length; n > 0; n--) keys.push(`${host}/${parts.slice(0, n).join('/')}`);
  keys.push(host);
  return keys;
}

interface AuthEntry {
  auth?: string;
  identitytoken?: string;
}

function decodeEntry(entry: AuthEntry, file: string, key: string): Credentials | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  let username = '';
  let password = '';
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1)
      throw new CtrmonError('ERR_REGISTRY_AUTH', `${file}: the "auth" of "${key}" is not base64 of user:password`, { path: file });
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1).replace(/\0+$/, '');
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') return { username, identityToken: entry.identitytoken };
  return username === '' && password === '' ? undefined : { username, password };
}

function readEntries(location: AuthFileLocation): Record<string, AuthEntry> | undefined {
  let text: string;
  try {
    text = readFileSync(location.path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CtrmonError(
      'ERR_REGISTRY_AUTH',
      `cannot read the auth file ${location.path}: ${errorMessage(err)}`,
      { path: location.path },
      { cause: err },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CtrmonError(
      'ERR_REGISTRY_AUTH',
      `the auth file ${location.path} is not JSON: ${errorMessage(err)}`,
      { path: location.path },
      { cause: err },
    );
  }
  const entries = location.legacy ? parsed : (parsed as { auths?: unknown } | null)?.auths;
  return typeof entries === 'object' && entries !== null ? (entries as Record<string, AuthEntry>) : {};
}

/** Credentials for `registry` (host[:port]) and `repository`, or undefined for anonymous access. */
export function lookupCredentials(registry: string, repository: string, options: AuthLookupOptions = {}): Credentials | undefined {
  const wanted = keysFor(registry, repository);
  for (const location of authFileLocations(options)) {
    const entries = readEntries(location);
    if (entries === undefined) continue;
    const byKey = new Map(Object.entries(entries).map(([key, entry]) => [normaliseKey(key), { key, entry }]));
    for (const key of wanted) {
      const found = byKey.get(key);
      const credentials = found && decodeEntry(found.entry, location.path, found.key);
      if (credentials) return credentials;
    }
  }
  return undefined;
}
