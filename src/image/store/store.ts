// The image store: a standard OCI image layout under a root (--root, the host's by default) that
// skopeo (`oci:<root>:<ref>`) and umoci read and write too, and beside it a cache of extracted
// layers, leases and work in progress (store-paths.ts has the map).
//
// Locking protocol, between any number of ctrmon processes:
// - The store lock (root/store.lock, an flock) serialises every change of index.json, every lease
//   update, garbage collection and recovery. It is held for short steps only, never while
//   downloading or extracting; a waiter polls and gives up with ERR_STORE_LOCKED.
// - Blob and layer writers do not take it for their work: content is addressed by digest and
//   appears by one rename, so two writers of one blob produce the same file. Each ingest and
//   staging directory has its own lock, which makes a second writer of the same content wait and
//   then find it done, and tells garbage collection and recovery what is in progress. Those locks
//   are opened only while holding the store lock (see store-ingest.ts for why).
// - What is not yet tagged is protected by a lease: a pull adds each blob and layer to its lease
//   (under the store lock) before it writes or reuses it, and tags the image last; a container
//   leases its image for its life. Garbage collection keeps what index.json and live leases reach,
//   so a prune during a pull or under a running container deletes nothing they use.
// - Readers take no lock: index.json and every blob and layer are replaced or created atomically.
// - Write order: layers and config, then the manifest, then index.json, so a name only ever leads
//   to complete content; tag() checks that the manifest's config and layers are there.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError } from '../../errors';
import { ownIdentity, type ProcessIdentity } from '../../process/identity';
import { type Digest, digestOf } from '../digest';
import { Lease, type LeaseRecord, readLeases } from './lease';
import { ensureDirectories, storeError, writeFileAtomic } from './files';
import { collectGarbage, type GcResult, MAX_JSON_BLOB } from './gc';
import {
  type Descriptor,
  emptyIndex,
  type ImageIndex,
  indexWithEntry,
  indexWithName,
  indexWithoutDigest,
  indexWithoutName,
  nameOf,
  readIndexFile,
  type StoredImage,
  writeIndexFile,
} from './index-file';
import { MANIFEST_MEDIA_TYPES } from '../media-types';
import { BlobIngest, type CommittedBlob } from './ingest';
import { LAYER_DIFF, LayerStaging, type LayerRecord, readLayerRecord } from './layers';
import { acquireLock, type LockWait } from './lock';
import { StorePaths } from './paths';
import { type RecoverResult, recoverStore } from './recover';

export interface ImageStoreOptions {
  /** Waiting for the store lock (short steps only): default 30 s. */
  lockTimeoutMs?: number;
  /** Waiting for another process's download or extraction of the same content: default 10 min. */
  contentWaitMs?: number;
}

export interface WithLease {
  /** The lease the content is added to before it is written or reused. */
  lease?: Lease;
}

const OCI_LAYOUT = '{"imageLayoutVersion":"1.0.0"}';
let leaseCount = 0;

export class ImageStore {
  readonly paths: StorePaths;
  private readonly storeWait: LockWait;
  private readonly contentWait: LockWait;

  private constructor(root: string, options: ImageStoreOptions) {
    this.paths = new StorePaths(root);
    this.storeWait = { timeoutMs: options.lockTimeoutMs ?? 30_000 };
    this.contentWait = { timeoutMs: options.contentWaitMs ?? 600_000 };
  }

  /** Opens the store at root, creating the layout when it is missing. */
  static async open(root: string, options: ImageStoreOptions = {}): Promise<ImageStore> {
    const store = new ImageStore(root, options);
    const p = store.paths;
    ensureDirectories(p.root, p.blobs);
    if (!existsSync(p.ociLayout) || !existsSync(p.index)) {
      await store.withLock(() => {
        if (!existsSync(p.ociLayout)) writeFileAtomic(p.ociLayout, OCI_LAYOUT);
        if (!existsSync(p.index)) writeIndexFile(p.index, emptyIndex());
      });
    }
    return store;
  }

  get root(): string {
    return this.paths.root;
  }

  /** Runs fn holding the store lock (fn must not open ingests or stagings: they need that lock to start). */
  async withLock<T>(fn: () => T): Promise<T> {
    const lock = await acquireLock(this.paths.lock, `the image store ${this.root}`, this.storeWait);
    try {
      return fn();
    } finally {
      lock.release();
    }
  }

  // Blobs

  blobPath(digest: Digest): string {
    return this.paths.blob(digest);
  }

  hasBlob(digest: Digest): boolean {
    return existsSync(this.paths.blob(digest));
  }

  /** A metadata blob (manifest, index, config), verified against its digest; ERR_IMAGE_NOT_FOUND when absent. */
  readBlob(digest: Digest, maxBytes = MAX_JSON_BLOB): Buffer {
    const file = this.paths.blob(digest);
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new CtrmonError('ERR_IMAGE_NOT_FOUND', `image store: blob ${digest} is not in ${this.root}`, { digest, path: file });
      }
      throw storeError('read', file, err);
    }
    if (data.length > maxBytes) {
      throw new CtrmonError(
        'ERR_MANIFEST',
        `image store: blob ${digest} has ${data.length} bytes, more than the ${maxBytes} allowed here`,
        {
          digest,
        },
      );
    }
    if (digestOf(data) !== digest) {
      throw new CtrmonError('ERR_DIGEST_MISMATCH', `image store: blob ${file} does not match its digest ${digest}`, { digest, path: file });
    }
    return data;
  }

  readJsonBlob(digest: Digest): unknown {
    const data = this.readBlob(digest);
    try {
      return JSON.parse(data.toString('utf8'));
    } catch (err) {
      throw new CtrmonError(
        'ERR_MANIFEST',
        `image store: blob ${digest} is not JSON: ${(err as Error).message}`,
        { digest },
        { cause: err },
      );
    }
  }

  /**
   * Starts writing blob digest of size bytes (store-ingest.ts); null when it is already stored.
   * With a lease, the digest is leased first, so the blob stays whether it is written or reused.
   */
  async openIngest(digest: Digest, size: number, options: WithLease = {}): Promise<BlobIngest | null> {
    await options.lease?.add({ digests: [digest] });
    return BlobIngest.open(this.paths, digest, size, this.contentWait);
  }

  /** Writing a blob whose digest is learnt at commit, when it is leased (before it becomes visible). */
  async openAnonymousIngest(options: WithLease = {}): Promise<BlobIngest> {
    const lease = options.lease;
    return BlobIngest.openAnonymous(this.paths, this.contentWait, lease ? (digest) => lease.add({ digests: [digest] }) : undefined);
  }

  /** Stores a small blob (manifest, config, index) the same way; expected, when given, must be its digest. */
  async putBlob(data: Buffer, options: WithLease & { expected?: Digest } = {}): Promise<CommittedBlob> {
    const digest = digestOf(data);
    if (options.expected !== undefined && options.expected !== digest) {
      throw new CtrmonError('ERR_DIGEST_MISMATCH', `blob ${options.expected}: the content's digest is ${digest}; nothing of it was kept`, {
        digest: options.expected,
      });
    }
    const ingest = await this.openIngest(digest, data.length, options);
    if (ingest === null) return { digest, size: data.length };
    if (ingest.written > 0) await ingest.restart();
    try {
      await ingest.write(data);
    } catch (err) {
      await ingest.abort(false);
      throw err;
    }
    return ingest.commit();
  }

  // Names (index.json)

  readIndex(): ImageIndex {
    return readIndexFile(this.paths.index);
  }

  list(): StoredImage[] {
    return this.readIndex().manifests.map((descriptor) => ({ name: nameOf(descriptor), descriptor }));
  }

  /** The descriptor named name (a full reference as it is stored: `127.0.0.1:5000/web:latest`). */
  resolve(name: string): Descriptor | undefined {
    return this.readIndex().manifests.find((d) => nameOf(d) === name);
  }

  /** Names descriptor; its blob (and a manifest's config and layers) must be in the store. */
  async tag(name: string, descriptor: Descriptor): Promise<void> {
    if (name === '')
      throw new CtrmonError('ERR_IMAGE_REFERENCE', 'image store: an image name cannot be empty', { digest: descriptor.digest });
    this.checkComplete(descriptor);
    await this.withLock(() => {
      writeIndexFile(this.paths.index, indexWithName(this.readIndex(), name, descriptor));
    });
  }

  /**
   * Several names moved at once, in order, in one write of index.json: a descriptor names it (its
   * content must be in the store), null removes it.
   */
  async retag(changes: readonly { name: string; descriptor: Descriptor | null }[]): Promise<void> {
    for (const c of changes) if (c.descriptor !== null) this.checkComplete(c.descriptor);
    await this.withLock(() => {
      let index = this.readIndex();
      for (const c of changes) index = c.descriptor === null ? indexWithoutName(index, c.name) : indexWithName(index, c.name, c.descriptor);
      writeIndexFile(this.paths.index, index);
    });
  }

  /** Adds descriptor without a name (an image loaded without one), unless its digest is in the index already. */
  async keep(descriptor: Descriptor): Promise<void> {
    this.checkComplete(descriptor);
    await this.withLock(() => {
      const index = this.readIndex();
      const next = indexWithEntry(index, descriptor);
      if (next !== index) writeIndexFile(this.paths.index, next);
    });
  }

  /** Removes the name; returns the descriptor it named, undefined when there was none. */
  async untag(name: string): Promise<Descriptor | undefined> {
    return this.withLock(() => {
      const index = this.readIndex();
      const removed = index.manifests.find((d) => nameOf(d) === name);
      if (removed) writeIndexFile(this.paths.index, indexWithoutName(index, name));
      return removed;
    });
  }

  /** Removes every index entry of digest, named or dangling; returns how many there were. */
  async removeImage(digest: Digest): Promise<number> {
    return this.withLock(() => {
      const index = this.readIndex();
      const next = indexWithoutDigest(index, digest);
      const removed = index.manifests.length - next.manifests.length;
      if (removed > 0) writeIndexFile(this.paths.index, next);
      return removed;
    });
  }

  private checkComplete(descriptor: Descriptor): void {
    const missing = (d: Digest) =>
      new CtrmonError('ERR_IMAGE_NOT_FOUND', `image store: cannot name ${descriptor.digest}: blob ${d} is not in ${this.root}`, {
        digest: d,
      });
    if (!this.hasBlob(descriptor.digest)) throw missing(descriptor.digest);
    if (!MANIFEST_MEDIA_TYPES.includes(descriptor.mediaType)) return;
    const manifest = this.readJsonBlob(descriptor.digest) as { config?: { digest?: Digest }; layers?: { digest?: Digest }[] };
    for (const d of [manifest.config, ...(manifest.layers ?? [])]) {
      if (d?.digest === undefined || !this.hasBlob(d.digest)) throw missing(d?.digest ?? descriptor.digest);
    }
  }

  // Layers

  /** The overlay lower directory of a cached layer. */
  layerDiffPath(chainId: Digest): string {
    return path.join(this.paths.layer(chainId), LAYER_DIFF);
  }

  readLayer(chainId: Digest): LayerRecord | null {
    return readLayerRecord(this.paths, chainId);
  }

  /** A staging directory to extract layer chainId into (store-layers.ts); null when it is already cached. */
  async stageLayer(chainId: Digest, options: WithLease = {}): Promise<LayerStaging | null> {
    await options.lease?.add({ layers: [chainId] });
    return LayerStaging.open(this.paths, chainId, this.contentWait);
  }

  // Leases and maintenance

  /** A lease held by holder (this process by default); id defaults to a fresh one. */
  async createLease(id = `ctrmon-${process.pid}-${Date.now()}-${++leaseCount}`, holder: ProcessIdentity = ownIdentity()): Promise<Lease> {
    ensureDirectories(this.paths.leases);
    return Lease.create(this.paths, (fn) => this.withLock(fn), id, holder);
  }

  liveLeases(): LeaseRecord[] {
    return readLeases(this.paths).live;
  }

  /** Deletes what neither index.json nor a live lease reaches (store-gc.ts). */
  async collectGarbage(): Promise<GcResult> {
    return this.withLock(() => {
      const { live, stale } = readLeases(this.paths);
      const digests = [
        ...this.readIndex().manifests,
        ...live.flatMap((l) => l.digests.map((digest) => ({ digest, mediaType: undefined }))),
      ];
      return collectGarbage(this.paths, { digests, layers: live.flatMap((l) => l.layers) }, stale);
    });
  }

  /** Removes what a crash left behind (store-recover.ts). */
  async recover(): Promise<RecoverResult> {
    return this.withLock(() => recoverStore(this.paths));
  }
}
