// The cache of extracted layers beside the OCI layout: layers/<chainID hex>/ holds diff/, one
// layer applied on its own (an overlay lower directory, whiteouts as overlayfs reads them), and
// layer.json, what it came from. Keyed by ChainID, so images on one base share its directories.
//
// A layer is extracted into staging/<hex>/diff while its writer holds staging/<hex>.lock, then
// layer.json is written and the directory renamed into layers/ in one step: a layer under layers/
// is complete, and a crash leaves at most a staging directory that recovery removes. A second
// process wanting the same layer waits for the lock and then finds it in place (lock files follow
// the rules in store-ingest.ts: unlinked by the writer only after its commit). The files of diff/
// are made durable by whoever writes them; commit() fsyncs layer.json and the directories it renames.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../../errors';
import type { FileLock } from '../../native';
import { type Digest, digestHex, isDigest } from '../digest';
import { ensureDirectories, errnoCode, fsyncDirectory, storeError, writeFileAtomic } from './files';
import { acquireLock, type LockWait } from './lock';
import type { StorePaths } from './paths';

export const LAYER_RECORD = 'layer.json';
export const LAYER_DIFF = 'diff';

export interface LayerRecord {
  chainId: Digest;
  /** sha256 of the uncompressed layer tar, as in the image config's rootfs.diff_ids. */
  diffId: Digest;
  /** The ChainID of the layer below, null for the base layer. */
  parent: Digest | null;
  /** Bytes unpacked. */
  size: number;
  /** The blob (as downloaded, compressed) the layer was extracted from. */
  blob: Digest;
  mediaType: string;
  created: string;
}

export type LayerFacts = Omit<LayerRecord, 'chainId' | 'created'>;

/** The record of a cached layer, or null when it is not in the cache. */
export function readLayerRecord(paths: StorePaths, chainId: Digest): LayerRecord | null {
  const file = path.join(paths.layer(chainId), LAYER_RECORD);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw storeError('read', file, err);
  }
  let record: LayerRecord;
  try {
    record = JSON.parse(text) as LayerRecord;
  } catch (err) {
    throw new CtrmonError('ERR_STORE', `image store: ${file} is corrupt: ${errorMessage(err)}`, { path: file }, { cause: err });
  }
  if (record.chainId !== chainId || !isDigest(record.diffId) || !isDigest(record.blob)) {
    throw new CtrmonError('ERR_STORE', `image store: ${file} does not describe layer ${chainId}`, { path: file, digest: chainId });
  }
  return record;
}

export class LayerStaging {
  private done = false;

  private constructor(
    private readonly paths: StorePaths,
    readonly chainId: Digest,
    /** staging/<hex>: renamed into layers/ by commit(). */
    readonly dir: string,
    private readonly lock: FileLock,
  ) {}

  /** Where the layer is extracted to. */
  get diffDir(): string {
    return path.join(this.dir, LAYER_DIFF);
  }

  /** A fresh staging directory for chainId, waiting while another process extracts it; null when it is (or meanwhile was) cached. */
  static async open(paths: StorePaths, chainId: Digest, wait: LockWait): Promise<LayerStaging | null> {
    const record = path.join(paths.layer(chainId), LAYER_RECORD);
    if (existsSync(record)) return null;
    ensureDirectories(paths.staging, paths.layers);
    const dir = path.join(paths.staging, digestHex(chainId));
    const lock = await acquireLock(`${dir}.lock`, `layer ${chainId}`, wait, paths.lock);
    try {
      if (existsSync(record)) {
        lock.release();
        return null;
      }
      // A leftover of a writer that died: extraction does not resume.
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(path.join(dir, LAYER_DIFF), { recursive: true, mode: 0o755 });
      return new LayerStaging(paths, chainId, dir, lock);
    } catch (err) {
      lock.release();
      throw storeError('create staging directory', dir, err);
    }
  }

  async commit(facts: LayerFacts): Promise<LayerRecord> {
    if (this.done) throw new CtrmonError('ERR_STORE', `image store: layer ${this.chainId} is already closed`, { path: this.dir });
    const record: LayerRecord = { chainId: this.chainId, ...facts, created: new Date().toISOString() };
    const target = this.paths.layer(this.chainId);
    try {
      writeFileAtomic(path.join(this.dir, LAYER_RECORD), `${JSON.stringify(record, null, 2)}\n`);
      fsyncDirectory(this.diffDir);
      renameSync(this.dir, target);
      fsyncDirectory(this.paths.layers);
    } catch (err) {
      this.abort();
      throw storeError('commit layer', target, err);
    }
    this.release(true);
    return record;
  }

  /** Removes what was extracted. */
  abort(): void {
    if (this.done) return;
    rmSync(this.dir, { recursive: true, force: true });
    this.release(false);
  }

  private release(committed: boolean): void {
    this.done = true;
    if (committed) rmSync(`${this.dir}.lock`, { force: true });
    this.lock.release();
  }
}
