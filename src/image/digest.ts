// Content digests as ctrmon accepts them: sha256 only, written `sha256:` + 64 lowercase hex digits
// (the OCI grammar allows other algorithms and encodings; every registry and tool ctrmon meets uses
// this one, and a digest that can name a path must never hold anything else). Also the ChainID of
// image-spec config.md, which names an unpacked layer by the layers below it.
import { createHash, type Hash } from 'node:crypto';

import { CtrmonError } from '../errors';

export type Digest = `sha256:${string}`;

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && DIGEST.test(value);
}

/** The digest itself, or ERR_DIGEST_MISMATCH naming what carried it (a descriptor, a file, a header). */
export function parseDigest(value: unknown, what = 'digest'): Digest {
  if (isDigest(value)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
  throw new CtrmonError('ERR_DIGEST_MISMATCH', `${what} ${shown} is not a sha256 digest (sha256: and 64 lowercase hex digits)`, {
    digest: typeof value === 'string' ? value.slice(0, 80) : undefined,
  });
}

/** The 64 hex digits: the file name of a blob, a layer directory or an ingest. */
export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

export function sha256(): Hash {
  return createHash('sha256');
}

export function digestOf(data: Buffer | string): Digest {
  return `sha256:${sha256().update(data).digest('hex')}`;
}

export function hashDigest(hash: Hash): Digest {
  return `sha256:${hash.digest('hex')}`;
}

/** ChainID(L0) = DiffID(L0); ChainID(L0..Ln) = sha256(ChainID(L0..Ln-1) + " " + DiffID(Ln)). */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const chain: Digest[] = [];
  for (const diffId of diffIds) {
    const parent = chain.at(-1);
    chain.push(parent === undefined ? diffId : digestOf(`${parent} ${diffId}`));
  }
  return chain;
}
