// A pull in one streaming pass per layer (oci-images.md §6):
//   registry GET -> verified (size, sha256) -> tee into the store's ingest file
//                -> decompress (gzip, zstd, none) -> sha256 = diff_id -> the native layer writer
// into a staging directory, committed only when the blob's digest and the diff_id both match.
// Layers go concurrently (3 by default): each is its own overlay lower directory, so none waits
// for another. The blob stays in the store, so a rollback or a reboot needs no network; a layer
// whose blob is already there is extracted from it; a layer already extracted is skipped. Everything
// a pull adds is held by a lease until the name points at it, so a prune never removes it midway.
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { Transform } from 'node:stream';

import { mapConcurrently } from '../concurrently';
import { CtrmonError } from '../errors';
import { type Digest, chainIds, parseDigest } from './digest';
import { type ImageConfig, parseImageConfig } from './conversion/image-config';
import type { Platform } from './platform';
import { type ImageReference, formatReference, parseReference } from './reference';
import type { RegistryClient } from './registry/client';
import { LAYER_MEDIA_TYPES } from './media-types';
import type { Lease } from './store/lease';
import type { ImageStore } from './store/store';
import type { BlobIngest } from './store/ingest';
import { type LayerLimits, unpackLayer } from './store/unpack';

/**
 * When a start pulls its image (podman's --pull): always; only when the store lacks it (missing,
 * the default); never; or when the registry has a different digest for it (newer).
 */
export const PULL_POLICIES = ['missing', 'always', 'never', 'newer'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

export const DEFAULT_CONCURRENCY = 3;

export interface LayerProgress {
  digest: string;
  size: number;
  /** Compressed bytes downloaded (or read from the store) so far. */
  done: number;
  state: 'waiting' | 'downloading' | 'extracting' | 'cached' | 'done';
}

export interface PullOptions {
  store: ImageStore;
  registry: RegistryClient;
  platform: Platform;
  concurrency?: number;
  limits?: LayerLimits;
  /** Called whenever a layer's progress changes. */
  onProgress?: (layers: readonly LayerProgress[]) => void;
}

export interface PullResult {
  /** The normalised name the store keeps it under (registry/repository:tag or @digest). */
  name: string;
  manifestDigest: Digest;
  indexDigest: Digest | null;
  /** The image ID: the digest of its config. */
  imageId: Digest;
  layers: number;
  /** Compressed bytes fetched from the registry (0 when everything was in the store). */
  downloaded: number;
}

interface LayerJob {
  index: number;
  descriptor: { digest: string; size: number; mediaType: string };
  diffId: Digest;
  chainId: Digest;
  parent: Digest | null;
}

/** Pulls `text` (a reference) into the store and names it there. */
export async function pullImage(text: string, o: PullOptions): Promise<PullResult> {
  const ref = parseReference(text);
  const name = formatReference(ref);
  const lease = await o.store.createLease();
  try {
    const resolved = await o.registry.resolveImage(ref, o.platform);
    const manifestDigest = parseDigest(resolved.manifestDigest, 'manifest digest');
    await o.store.putBlob(resolved.manifestBody, { lease, expected: manifestDigest });
    const configDescriptor = resolved.manifest.config;
    const imageId = parseDigest(configDescriptor.digest, 'config digest');
    const configBlob = o.store.hasBlob(imageId) ? o.store.readBlob(imageId) : await o.registry.readBlob(ref, configDescriptor);
    const config = parseImageConfig(configBlob, imageId);
    await o.store.putBlob(configBlob, { lease, expected: imageId });
    const jobs = layerJobs(resolved.manifest.layers, config, name);
    const progress: LayerProgress[] = jobs.map((j) => ({
      digest: j.descriptor.digest,
      size: j.descriptor.size,
      done: 0,
      state: 'waiting',
    }));
    let downloaded = 0;
    await mapConcurrently(jobs, o.concurrency ?? DEFAULT_CONCURRENCY, async (job) => {
      downloaded += await pullLayer(ref, job, o, lease, progress[job.index], () => o.onProgress?.(progress));
    });
    await o.store.tag(name, { mediaType: resolved.manifestMediaType, digest: manifestDigest, size: resolved.manifestBody.length });
    return {
      name,
      manifestDigest,
      indexDigest: resolved.indexDigest ? parseDigest(resolved.indexDigest, 'index digest') : null,
      imageId,
      layers: jobs.length,
      downloaded,
    };
  } finally {
    await lease.release();
  }
}

function layerJobs(layers: readonly { digest: string; size: number; mediaType: string }[], config: ImageConfig, name: string): LayerJob[] {
  const diffIds = config.rootfs.diff_ids.map((d) => parseDigest(d, 'diff_id'));
  if (diffIds.length !== layers.length) {
    throw new CtrmonError('ERR_MANIFEST', `${name}: the manifest has ${layers.length} layers but the config ${diffIds.length} diff_ids`, {
      name,
    });
  }
  const chains = chainIds(diffIds);
  return layers.map((descriptor, index) => {
    if (!(descriptor.mediaType in LAYER_MEDIA_TYPES)) {
      throw new CtrmonError('ERR_MANIFEST', `${name}: layer ${descriptor.digest} has the unknown media type ${descriptor.mediaType}`, {
        digest: descriptor.digest,
      });
    }
    return { index, descriptor, diffId: diffIds[index], chainId: chains[index], parent: index ? chains[index - 1] : null };
  });
}

/** One layer into the cache; returns the bytes fetched from the registry. */
async function pullLayer(
  ref: ImageReference,
  job: LayerJob,
  o: PullOptions,
  lease: Lease,
  progress: LayerProgress,
  report: () => void,
): Promise<number> {
  const { store } = o;
  const digest = parseDigest(job.descriptor.digest, 'layer digest');
  await lease.add({ digests: [digest], layers: [job.chainId] });
  const staging = await store.stageLayer(job.chainId, { lease });
  if (staging === null) {
    progress.state = 'cached';
    progress.done = job.descriptor.size;
    report();
    return 0;
  }
  const layer = { digest, mediaType: job.descriptor.mediaType, diffId: job.diffId, parent: job.parent };
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      progress.done += chunk.length;
      report();
      callback(null, chunk);
    },
  });
  let ingest: BlobIngest | null;
  try {
    ingest = await store.openIngest(digest, job.descriptor.size, { lease });
  } catch (err) {
    staging.abort();
    throw err;
  }
  if (ingest === null) {
    // The blob is in the store (a load, an earlier pull): extract it from there.
    progress.state = 'extracting';
    report();
    await unpackLayer(layer, createReadStream(store.blobPath(digest)), staging, o.limits, [count]);
  } else {
    progress.state = 'downloading';
    report();
    try {
      // An interrupted ingest restarts: a half-extracted layer cannot be resumed.
      if (ingest.written > 0) await ingest.restart();
      const blob = o.registry.openBlob(ref, job.descriptor) as unknown as Readable;
      const committing = ingest;
      await unpackLayer(layer, blob, staging, o.limits, [count, teeInto(ingest.writable())], () => committing.commit());
    } catch (err) {
      await ingest.abort(false);
      throw err;
    }
  }
  progress.state = 'done';
  report();
  return ingest === null ? 0 : job.descriptor.size;
}

/** Passes chunks on after the sink has them: the blob is kept exactly as downloaded. */
function teeInto(sink: Writable): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sink.write(chunk, (err) => callback(err ?? null, chunk));
    },
    flush(callback) {
      sink.end(callback);
    },
  });
}
