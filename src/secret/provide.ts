// A container's secrets, from the store: a mount secret becomes this container's own copy (in its
// state directory, 0700), owned and moded as asked, which the secrets step binds read-only; an env
// secret becomes its variable's value.
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../errors';
import type { ProvidedSecret } from '../spec/steps/secrets';
import { readSecret } from './store';

export interface SecretMount {
  name: string;
  type: 'mount';
  target: string;
  uid: number;
  gid: number;
  mode: number;
}

export interface SecretEnv {
  name: string;
  type: 'env';
  target: string;
}

export type SecretRequest = SecretMount | SecretEnv;

export function provideSecrets(requests: SecretRequest[], secretsDir: string, copyDir: string): ProvidedSecret[] {
  if (!requests.length) return [];
  try {
    mkdirSync(copyDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new CtrmonError('ERR_SECRET', `cannot create ${copyDir}: ${errorMessage(err)}`, { path: copyDir }, { cause: err });
  }
  return requests.map((r, i) => {
    const data = readSecret(secretsDir, r.name);
    if (r.type === 'env') return { type: 'env', target: r.target, value: data.toString('utf8') };
    const copy = path.join(copyDir, `${i}-${r.name}`);
    try {
      writeFileSync(copy, data, { mode: 0o600 });
      chownSync(copy, r.uid, r.gid);
      chmodSync(copy, r.mode);
    } catch (err) {
      throw new CtrmonError('ERR_SECRET', `cannot copy secret ${r.name} to ${copy}: ${errorMessage(err)}`, { path: copy }, { cause: err });
    }
    return { type: 'mount', source: copy, target: r.target };
  });
}
