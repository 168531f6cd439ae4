// Secrets, kept as podman's file driver keeps them, readable by their owner only: the directory and
// every <name>/ in it 0700, the data 0600, beside a record of what `ctrmon secret inspect` shows.
// A container gets its own copy (secret/provide.ts), owned and moded as it asks; removing a secret
// changes no running container.
import { chmodSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../errors';
import { replaceFile } from '../fs/durable-file';
import { SECRET_NAME, secretDir } from './paths';

export interface SecretRecord {
  ID: string;
  Name: string;
  Driver: 'file';
  CreatedAt: string;
  UpdatedAt: string;
}

/** podman's `secret inspect` shape. */
export interface SecretInspect {
  ID: string;
  CreatedAt: string;
  UpdatedAt: string;
  Spec: { Name: string; Driver: { Name: 'file'; Options: { path: string } }; Labels: Record<string, string> };
}

function secretError(message: string, target: string, err: unknown): CtrmonError {
  return new CtrmonError('ERR_SECRET', `${message}: ${errorMessage(err)}`, { path: target }, { cause: err });
}

const recordFile = (dir: string, name: string) => path.join(secretDir(dir, name), 'secret.json');
const dataFile = (dir: string, name: string) => path.join(secretDir(dir, name), 'data');

function readRecord(dir: string, name: string): SecretRecord | null {
  try {
    return JSON.parse(readFileSync(recordFile(dir, name), 'utf8')) as SecretRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw secretError(`cannot read secret ${name}`, recordFile(dir, name), err);
  }
}

export function listSecrets(dir: string): SecretRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => SECRET_NAME.test(n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw secretError('cannot list the secrets in', dir, err);
  }
  return names
    .sort()
    .map((n) => readRecord(dir, n))
    .filter((r): r is SecretRecord => r !== null);
}

/** A secret by name or ID (or an ID's unique prefix, as podman takes it). */
export function findSecret(dir: string, nameOrId: string): SecretRecord {
  const byName = SECRET_NAME.test(nameOrId) ? readRecord(dir, nameOrId) : null;
  if (byName) return byName;
  const byId = listSecrets(dir).filter((s) => s.ID.startsWith(nameOrId));
  if (byId.length === 1 && nameOrId.length > 0) return byId[0];
  throw new CtrmonError('ERR_SECRET', `no such secret ${nameOrId}`, { name: nameOrId, path: dir });
}

export function inspectSecret(dir: string, nameOrId: string): SecretInspect {
  const s = findSecret(dir, nameOrId);
  return {
    ID: s.ID,
    CreatedAt: s.CreatedAt,
    UpdatedAt: s.UpdatedAt,
    Spec: { Name: s.Name, Driver: { Name: 'file', Options: { path: dir } }, Labels: {} },
  };
}

/** The secret's data, for a container that asks for it. */
export function readSecret(dir: string, name: string): Buffer {
  const s = findSecret(dir, name);
  try {
    return readFileSync(dataFile(dir, s.Name));
  } catch (err) {
    throw secretError(`cannot read secret ${name}`, dataFile(dir, s.Name), err);
  }
}

/** Stores a new secret (a name in use is an error, as in podman); returns it. */
export function createSecret(dir: string, name: string, data: Buffer): SecretRecord {
  if (!SECRET_NAME.test(name))
    throw new CtrmonError('ERR_INVALID_NAME', `invalid secret name ${JSON.stringify(name)}: use [a-zA-Z0-9][a-zA-Z0-9_.-]*`, { name });
  if (readRecord(dir, name)) throw new CtrmonError('ERR_SECRET', `secret name in use: ${name}`, { name, path: dir });
  const now = new Date().toISOString();
  const record: SecretRecord = {
    ID: randomBytes(13).toString('hex').slice(0, 25),
    Name: name,
    Driver: 'file',
    CreatedAt: now,
    UpdatedAt: now,
  };
  const temp = path.join(dir, `.${name}.${process.pid}.tmp`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700); // also one made before by something else
    rmSync(temp, { recursive: true, force: true });
    mkdirSync(temp, { mode: 0o700 });
    replaceFile(path.join(temp, 'data'), data);
    chmodSync(path.join(temp, 'data'), 0o600);
    replaceFile(path.join(temp, 'secret.json'), `${JSON.stringify(record, null, 2)}\n`);
    renameSync(temp, secretDir(dir, name));
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    throw secretError(`cannot store secret ${name} in`, dir, err);
  }
  return record;
}

export function removeSecret(dir: string, nameOrId: string): SecretRecord {
  const s = findSecret(dir, nameOrId);
  try {
    rmSync(secretDir(dir, s.Name), { recursive: true, force: true });
  } catch (err) {
    throw secretError(`cannot remove secret ${s.Name} from`, dir, err);
  }
  return s;
}
