// --secret's value as podman reads it: NAME[,type=mount|env][,target=...][,uid=,gid=,mode=]. A
// mount secret is a read-only file at /run/secrets/NAME (a relative target is under /run/secrets),
// owned by uid:gid (0:0) with mode (0444); an env secret is the variable target (NAME).
import * as path from 'node:path';

import { SECRET_NAME } from '../secret/paths';
import type { SecretRequest } from '../secret/provide';
import { badOption } from './parse';

const SECRETS_DIR = '/run/secrets';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseSecret(text: string): SecretRequest {
  const [name, ...fields] = text.split(',');
  if (!SECRET_NAME.test(name))
    throw badOption('--secret', text, 'expected a secret name, then type=, target=, uid=, gid=, mode= after commas');
  const opts = new Map<string, string>();
  for (const f of fields) {
    const eq = f.indexOf('=');
    const key = f.slice(0, eq);
    if (eq <= 0 || !['type', 'target', 'uid', 'gid', 'mode'].includes(key) || opts.has(key))
      throw badOption('--secret', text, `${f} is not one of type=, target=, uid=, gid=, mode= (each once)`);
    opts.set(key, f.slice(eq + 1));
  }
  const type = opts.get('type') ?? 'mount';
  if (type === 'env') {
    const target = opts.get('target') ?? name;
    if (['uid', 'gid', 'mode'].some((k) => opts.has(k))) throw badOption('--secret', text, 'uid, gid and mode are for type=mount');
    if (!ENV_NAME.test(target)) throw badOption('--secret', text, `${target} cannot name an environment variable`);
    return { name, type, target };
  }
  if (type !== 'mount') throw badOption('--secret', text, 'type is mount or env');
  const number = (key: string, re: RegExp, base: number, fallback: number) => {
    const v = opts.get(key);
    if (v === undefined) return fallback;
    if (!re.test(v)) throw badOption('--secret', text, `${key}=${v} is not a ${base === 8 ? 'mode in octal' : 'number'}`);
    return Number.parseInt(v, base);
  };
  const target = path.posix.resolve(SECRETS_DIR, opts.get('target') ?? name);
  return {
    name,
    type,
    target,
    uid: number('uid', /^\d+$/, 10, 0),
    gid: number('gid', /^\d+$/, 10, 0),
    mode: number('mode', /^[0-7]{1,4}$/, 8, 0o444),
  };
}

export function formatSecret(s: SecretRequest): string {
  if (s.type === 'env') return `${s.name},type=env,target=${s.target}`;
  return `${s.name},type=mount,target=${s.target},uid=${s.uid},gid=${s.gid},mode=${s.mode.toString(8).padStart(4, '0')}`;
}
