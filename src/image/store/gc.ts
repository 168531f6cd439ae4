// Garbage collection (mark and sweep, run under the store lock). Roots: every descriptor of
// index.json, named or dangling, and the content of live leases. Marked: each root blob and, for
// those that are present and are indexes, manifests or configs, what they reference: manifests of
// an index, config and layers of a manifest, and the cached layers (by ChainID) of a config's
// diff_ids. Swept: unmarked blobs and layers, ingests and staging directories nobody works on,
// and stale leases. A layer is renamed into trash/ before it is deleted, so that a deletion cut
// short never leaves a partial layer under layers/.
import { readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';

import { type Digest, chainIds, isDigest } from '../digest';
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES } from '../media-types';
import { ensureDirectories, errnoCode, storeError } from './files';
import type { StorePaths } from './paths';
import { sweepUnlocked } from './sweep';

/** Larger blobs are never parsed as JSON: the registry client refuses manifests over 4 MiB too. */
export const MAX_JSON_BLOB = 4 * 1024 * 1024;

export interface GcRoots {
  digests: Iterable<{ digest: Digest; mediaType?: string }>;
  layers: Iterable<Digest>;
}

export interface GcResult {
  blobs: number;
  bytes: number;
  layers: number;
  ingests: number;
  leases: number;
}

const HEX = /^[0-9a-f]{64}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A blob as JSON when it may be metadata (by its media type, or by its first byte when unknown); null otherwise. */
function metadataOf(paths: StorePaths, digest: Digest, mediaType: string | undefined): Record<string, unknown> | null {
  const known = mediaType === undefined || mediaType.endsWith('+json') || mediaType.endsWith('.json');
  if (!known) return null;
  let data: Buffer;
  try {
    const file = paths.blob(digest);
    if (statSync(file).size > MAX_JSON_BLOB) return null;
    data = readFileSync(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw storeError('read', paths.blob(digest), err);
  }
  if (data[0] !== 0x7b /* { */) return null;
  try {
    const value: unknown = JSON.parse(data.toString('utf8'));
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

function descriptorsIn(value: unknown): { digest: Digest; mediaType?: string }[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((d) => isRecord(d) && isDigest(d.digest)).map((d) => ({ digest: d.digest, mediaType: d.mediaType }));
}

/** The blobs (hex) and layers (hex) reachable from roots. */
export function markReachable(paths: StorePaths, roots: GcRoots): { blobs: Set<string>; layers: Set<string> } {
  const blobs = new Set<string>();
  const layers = new Set<string>();
  for (const chainId of roots.layers) layers.add(chainId.slice(7));
  const queue = [...roots.digests];
  for (let item = queue.pop(); item !== undefined; item = queue.pop()) {
    const hex = item.digest.slice(7);
    if (blobs.has(hex)) continue;
    blobs.add(hex);
    const json = metadataOf(paths, item.digest, item.mediaType);
    if (json === null) continue;
    const type = typeof json.mediaType === 'string' ? json.mediaType : item.mediaType;
    if (Array.isArray(json.manifests) && (type === undefined || INDEX_MEDIA_TYPES.includes(type))) {
      queue.push(...descriptorsIn(json.manifests));
    } else if (json.config !== undefined && Array.isArray(json.layers) && (type === undefined || MANIFEST_MEDIA_TYPES.includes(type))) {
      queue.push(...descriptorsIn(json.config));
      for (const layer of descriptorsIn(json.layers)) blobs.add(layer.digest.slice(7));
    } else if (isRecord(json.rootfs) && Array.isArray(json.rootfs.diff_ids) && json.rootfs.diff_ids.every(isDigest)) {
      for (const chainId of chainIds(json.rootfs.diff_ids)) layers.add(chainId.slice(7));
    }
  }
  return { blobs, layers };
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw storeError('read', dir, err);
  }
}

let trashCount = 0;

/** Moves a layer directory out of layers/ in one step, then deletes it. */
export function deleteLayerDir(paths: StorePaths, dir: string): void {
  ensureDirectories(paths.trash);
  const doomed = path.join(paths.trash, `${path.basename(dir)}-${process.pid}-${++trashCount}`);
  try {
    renameSync(dir, doomed);
    rmSync(doomed, { recursive: true, force: true });
  } catch (err) {
    throw storeError('delete layer', dir, err);
  }
}

/** Sweeps what roots do not reach. The caller holds the store lock. */
export function collectGarbage(paths: StorePaths, roots: GcRoots, staleLeases: readonly string[]): GcResult {
  const keep = markReachable(paths, roots);
  const result: GcResult = { blobs: 0, bytes: 0, layers: 0, ingests: 0, leases: 0 };
  for (const name of listDir(paths.blobs)) {
    if (!HEX.test(name) || keep.blobs.has(name)) continue;
    const file = path.join(paths.blobs, name);
    try {
      result.bytes += statSync(file).size;
      rmSync(file, { force: true });
    } catch (err) {
      throw storeError('delete blob', file, err);
    }
    result.blobs++;
  }
  for (const name of listDir(paths.layers)) {
    if (!HEX.test(name) || keep.layers.has(name)) continue;
    deleteLayerDir(paths, path.join(paths.layers, name));
    result.layers++;
  }
  result.ingests = sweepUnlocked(paths.ingest, () => true) + sweepUnlocked(paths.staging, () => true);
  for (const file of staleLeases) {
    rmSync(file, { force: true });
    result.leases++;
  }
  return result;
}
