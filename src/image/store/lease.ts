// Leases: what a live process needs from the image store, so garbage collection keeps it although
// no name in index.json refers to it (yet, or any more). A pull leases every blob and layer before
// it writes or reuses it and tags the image at the end; a container leases the manifest it runs
// for as long as it runs. A lease is a file leases/<id>.json naming its holder by pid and start time
// (a pid alone is reused): once the holder is gone the lease is stale, ignored and removed by the
// next garbage collection, so a killed process never pins content for ever.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../../errors';
import { isRunning, type ProcessIdentity } from '../../process/identity';
import { type Digest, isDigest } from '../digest';
import { errnoCode, storeError, TEMP_SUFFIX, writeFileAtomic } from './files';
import type { StorePaths } from './paths';

export interface LeaseRecord {
  id: string;
  holder: ProcessIdentity;
  created: string;
  /** Blobs kept, and everything reachable from those that are manifests, indexes or configs. */
  digests: Digest[];
  /** Cached layers kept, by ChainID. */
  layers: Digest[];
}

export interface LeasedContent {
  digests?: readonly Digest[];
  layers?: readonly Digest[];
}

const LEASE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

/** Runs fn under the store lock (provided by the store, which owns the lock). */
export type WithStoreLock = <T>(fn: () => T) => Promise<T>;

function parseLease(file: string, text: string): LeaseRecord {
  let value: LeaseRecord;
  try {
    value = JSON.parse(text) as LeaseRecord;
  } catch (err) {
    throw new CtrmonError('ERR_STORE', `image store: lease ${file} is corrupt: ${errorMessage(err)}`, { path: file }, { cause: err });
  }
  const ok =
    typeof value?.holder?.pid === 'number' &&
    typeof value.holder.startTime === 'number' &&
    Array.isArray(value.digests) &&
    value.digests.every(isDigest) &&
    Array.isArray(value.layers) &&
    value.layers.every(isDigest);
  if (!ok) throw new CtrmonError('ERR_STORE', `image store: lease ${file} is corrupt`, { path: file });
  return value;
}

/** Every lease file: live ones, and the paths of stale or corrupt ones (which keep nothing). */
export function readLeases(paths: StorePaths): { live: LeaseRecord[]; stale: string[] } {
  let names: string[];
  try {
    names = readdirSync(paths.leases);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { live: [], stale: [] };
    throw storeError('read', paths.leases, err);
  }
  const live: LeaseRecord[] = [];
  const stale: string[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(paths.leases, name);
    let record: LeaseRecord;
    try {
      record = parseLease(file, readFileSync(file, 'utf8'));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue; // released meanwhile
      stale.push(file);
      continue;
    }
    if (isRunning(record.holder)) live.push(record);
    else stale.push(file);
  }
  return { live, stale };
}

export class Lease {
  private released = false;

  private constructor(
    private readonly paths: StorePaths,
    private readonly withLock: WithStoreLock,
    readonly id: string,
  ) {}

  /**
   * Creates lease id for holder. A lease of that id whose holder still runs is ERR_STORE_LOCKED;
   * a stale one is replaced.
   */
  static async create(paths: StorePaths, withLock: WithStoreLock, id: string, holder: ProcessIdentity): Promise<Lease> {
    if (!LEASE_ID.test(id) || TEMP_SUFFIX.test(id)) {
      throw new CtrmonError('ERR_STORE', `image store: invalid lease id ${JSON.stringify(id)}`, { name: id });
    }
    const file = paths.lease(id);
    await withLock(() => {
      let existing: LeaseRecord | null = null;
      try {
        existing = parseLease(file, readFileSync(file, 'utf8'));
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT' && !(err instanceof CtrmonError)) throw storeError('read', file, err);
      }
      if (existing && isRunning(existing.holder) && existing.holder.pid !== process.pid) {
        throw new CtrmonError('ERR_STORE_LOCKED', `image store: lease ${id} is held by pid ${existing.holder.pid} (${file})`, {
          path: file,
          name: id,
        });
      }
      const record: LeaseRecord = { id, holder, created: new Date().toISOString(), digests: [], layers: [] };
      writeFileAtomic(file, JSON.stringify(record), false); // a lease outlives no crash: its holder is gone
    });
    return new Lease(paths, withLock, id);
  }

  /** Adds content to the lease, under the store lock: once this returns, no garbage collection removes it. */
  async add(content: LeasedContent): Promise<void> {
    if (this.released) throw new CtrmonError('ERR_STORE', `image store: lease ${this.id} was released`, { name: this.id });
    const file = this.paths.lease(this.id);
    await this.withLock(() => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw storeError('read lease', file, err);
      }
      const record = parseLease(file, text);
      const digests = new Set([...record.digests, ...(content.digests ?? [])]);
      const layers = new Set([...record.layers, ...(content.layers ?? [])]);
      if (digests.size === record.digests.length && layers.size === record.layers.length) return;
      writeFileAtomic(file, JSON.stringify({ ...record, digests: [...digests], layers: [...layers] }), false);
    });
  }

  /** Ends the lease (no lock needed: a collection that still saw it only keeps more). */
  release(): void {
    if (this.released) return;
    this.released = true;
    rmSync(this.paths.lease(this.id), { force: true });
  }
}
