// Image archives, for boards without a registry: saveOciArchive writes an oci-archive (a tar of an
// OCI image layout holding one named image), loadArchive reads an oci-archive or a docker-archive
// (`docker save`'s format: manifest.json, a config JSON and one tar per layer) into the store.
// Every blob goes through the store's ingest, so its digest and size are verified; a docker image
// becomes an OCI manifest over its unchanged config (so the image ID stays) and its layers. Loaded
// content is leased until it is named, and names are normalised as podman normalises them.
import { closeSync, createReadStream, openSync, readSync, renameSync, rmSync } from 'node:fs';
import type { Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';

import { CtrmonError, errorMessage } from '../../errors';
import { findFile, readTarIndex, type TarEntry, TarWriter } from './tar';
import { type Digest, digestHex, hashDigest, isDigest, sha256 } from '../digest';
import type { Lease } from '../store/lease';
import { formatReference, parseReference } from '../reference';
import type { ImageStore } from '../store/store';
import { fsyncDirectory, storeError } from '../store/files';
import { MAX_JSON_BLOB } from '../store/gc';
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, MEDIA_TYPE } from '../media-types';
import { type Descriptor, nameOf, parseDescriptor, parseIndex, REF_NAME_ANNOTATION } from '../store/index-file';

export interface LoadedImage {
  /** Normalised names given to it; empty when the archive names it not at all (a dangling image). */
  names: string[];
  descriptor: Descriptor;
}

function archiveError(file: string, why: string): CtrmonError {
  return new CtrmonError('ERR_MANIFEST', `image archive ${file}: ${why}`, { path: file });
}

function entryStream(file: string, entry: TarEntry) {
  return createReadStream(file, { start: entry.offset, end: entry.offset + Math.max(entry.size, 1) - 1 });
}

function readEntry(file: string, entry: TarEntry): Buffer {
  if (entry.size > MAX_JSON_BLOB)
    throw archiveError(file, `${entry.name} has ${entry.size} bytes, more than ${MAX_JSON_BLOB} for metadata`);
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(entry.size);
    const n = readSync(fd, buf, 0, entry.size, entry.offset);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function parseJson(file: string, entry: TarEntry): unknown {
  try {
    return JSON.parse(readEntry(file, entry).toString('utf8'));
  } catch (err) {
    if (err instanceof CtrmonError) throw err;
    throw archiveError(file, `${entry.name} is not JSON: ${errorMessage(err)}`);
  }
}

/** Streams an archive entry into the store as blob digest (verified); returns the digest. */
async function importBlob(store: ImageStore, lease: Lease, file: string, entry: TarEntry, digest: Digest | null): Promise<Digest> {
  const ingest = digest === null ? await store.openAnonymousIngest({ lease }) : await store.openIngest(digest, entry.size, { lease });
  if (ingest === null) return digest!;
  try {
    await ingest.restart();
    if (entry.size > 0) await pipeline(entryStream(file, entry), ingest.writable());
  } catch (err) {
    await ingest.abort(false);
    throw err;
  }
  return (await ingest.commit()).digest;
}

function normaliseName(name: string): string {
  return formatReference(parseReference(name));
}

// oci-archive

async function loadOciLayout(store: ImageStore, lease: Lease, file: string, entries: Map<string, TarEntry>): Promise<LoadedImage[]> {
  const indexEntry = findFile(entries, 'index.json', file);
  if (!indexEntry) throw archiveError(file, 'no index.json');
  const index = parseIndex(parseJson(file, indexEntry), `${file}: index.json`);

  const importTree = async (d: Descriptor, optional: boolean): Promise<boolean> => {
    const entry = findFile(entries, `blobs/sha256/${digestHex(d.digest)}`, file);
    if (!entry) {
      if (optional) return false;
      throw archiveError(file, `blob ${d.digest} (${d.mediaType}) is missing`);
    }
    await importBlob(store, lease, file, entry, d.digest);
    if (INDEX_MEDIA_TYPES.includes(d.mediaType)) {
      const child = parseIndex(store.readJsonBlob(d.digest), `${file}: index ${d.digest}`);
      // An archive of one platform of a multi-platform image holds only that platform's manifest.
      for (const m of child.manifests) await importTree(m, true);
    } else if (MANIFEST_MEDIA_TYPES.includes(d.mediaType)) {
      const manifest = store.readJsonBlob(d.digest) as { config?: unknown; layers?: unknown };
      if (!Array.isArray(manifest.layers)) throw archiveError(file, `manifest ${d.digest} has no layers array`);
      const parts = [manifest.config, ...manifest.layers].map((p, i) => parseDescriptor(p, `${file}: manifest ${d.digest} [${i}]`));
      for (const part of parts) await importTree(part, false);
    }
    return true;
  };

  const loaded: LoadedImage[] = [];
  for (const d of index.manifests) {
    await importTree(d, false);
    const name = nameOf(d);
    const { [REF_NAME_ANNOTATION]: _name, ...annotations } = d.annotations ?? {};
    const descriptor: Descriptor = { ...d, annotations };
    if (Object.keys(annotations).length === 0) delete descriptor.annotations;
    loaded.push({ names: name === null ? [] : [normaliseName(name)], descriptor });
  }
  return loaded;
}

// docker-archive

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

function layerMediaType(file: string, entry: TarEntry): string {
  const magic = readEntry(file, { ...entry, size: Math.min(entry.size, 4) });
  if (magic[0] === 0x1f && magic[1] === 0x8b) return `${MEDIA_TYPE.ociLayer}+gzip`;
  if (magic.length === 4 && magic.readUInt32LE(0) === 0xfd2fb528) return `${MEDIA_TYPE.ociLayer}+zstd`;
  return MEDIA_TYPE.ociLayer;
}

async function loadDockerArchive(store: ImageStore, lease: Lease, file: string, entries: Map<string, TarEntry>): Promise<LoadedImage[]> {
  const manifestEntry = findFile(entries, 'manifest.json', file);
  if (!manifestEntry) throw archiveError(file, 'neither index.json with oci-layout nor manifest.json: not an image archive');
  const list = parseJson(file, manifestEntry);
  if (!Array.isArray(list)) throw archiveError(file, 'manifest.json is not an array');
  const loaded: LoadedImage[] = [];
  for (const [i, item] of (list as DockerManifestEntry[]).entries()) {
    if (typeof item?.Config !== 'string' || !Array.isArray(item.Layers))
      throw archiveError(file, `manifest.json[${i}] has no Config or Layers`);
    const configEntry = findFile(entries, item.Config, file);
    if (!configEntry) throw archiveError(file, `config ${item.Config} is missing`);
    const configData = readEntry(file, configEntry);
    const config = (() => {
      try {
        return JSON.parse(configData.toString('utf8')) as { rootfs?: { diff_ids?: unknown } };
      } catch (err) {
        throw archiveError(file, `config ${item.Config} is not JSON: ${errorMessage(err)}`);
      }
    })();
    const diffIds = config.rootfs?.diff_ids;
    if (!Array.isArray(diffIds) || !diffIds.every(isDigest) || diffIds.length !== item.Layers.length) {
      throw archiveError(file, `config ${item.Config}: rootfs.diff_ids does not match the ${item.Layers.length} layers of manifest.json`);
    }
    const configBlob = await store.putBlob(configData, { lease });
    const layers: Descriptor[] = [];
    for (const [n, layerPath] of item.Layers.entries()) {
      const entry = findFile(entries, layerPath, file);
      if (!entry) throw archiveError(file, `layer ${layerPath} is missing`);
      const mediaType = layerMediaType(file, entry);
      // An uncompressed layer is its own diff_id, which verifies it as it is stored.
      const digest = await importBlob(store, lease, file, entry, mediaType === MEDIA_TYPE.ociLayer ? diffIds[n] : null);
      layers.push({ mediaType, digest, size: entry.size });
    }
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociManifest,
      config: { mediaType: MEDIA_TYPE.ociConfig, digest: configBlob.digest, size: configBlob.size },
      layers,
    };
    const blob = await store.putBlob(Buffer.from(JSON.stringify(manifest)), { lease });
    const names = (item.RepoTags ?? []).map(normaliseName);
    loaded.push({ names, descriptor: { mediaType: MEDIA_TYPE.ociManifest, digest: blob.digest, size: blob.size } });
  }
  return loaded;
}

/** Loads every image of an oci-archive or docker-archive file, names them, and returns them. */
export async function loadArchive(store: ImageStore, file: string): Promise<LoadedImage[]> {
  const entries = new Map(readTarIndex(file).map((e) => [e.name, e]));
  const lease = await store.createLease();
  try {
    const isOci = findFile(entries, 'oci-layout', file) !== undefined && findFile(entries, 'index.json', file) !== undefined;
    const loaded = isOci ? await loadOciLayout(store, lease, file, entries) : await loadDockerArchive(store, lease, file, entries);
    for (const image of loaded) {
      if (image.names.length === 0) await store.keep(image.descriptor);
      for (const name of image.names) await store.tag(name, image.descriptor);
    }
    return loaded;
  } finally {
    lease.release();
  }
}

/** The blobs of the image at descriptor: itself, what an index names that is here, a manifest's config and layers. */
function imageBlobs(store: ImageStore, d: Descriptor, optional: boolean, out: Map<Digest, number>): void {
  if (!store.hasBlob(d.digest)) {
    if (optional) return;
    throw new CtrmonError('ERR_IMAGE_NOT_FOUND', `image store: blob ${d.digest} is not in ${store.root}`, { digest: d.digest });
  }
  out.set(d.digest, d.size);
  if (INDEX_MEDIA_TYPES.includes(d.mediaType)) {
    for (const m of parseIndex(store.readJsonBlob(d.digest), `index ${d.digest}`).manifests) imageBlobs(store, m, true, out);
  } else if (MANIFEST_MEDIA_TYPES.includes(d.mediaType)) {
    const manifest = store.readJsonBlob(d.digest) as { config?: unknown; layers?: unknown[] };
    for (const [i, part] of [manifest.config, ...(manifest.layers ?? [])].entries()) {
      imageBlobs(store, parseDescriptor(part, `manifest ${d.digest} [${i}]`), false, out);
    }
  }
}

async function* hashing(source: AsyncIterable<Buffer>, hash: Hash): AsyncIterable<Buffer> {
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
}

/** Writes the image named ref (as stored) to file as an oci-archive naming it ref; the file appears complete or not at all. */
export async function saveOciArchive(store: ImageStore, ref: string, file: string): Promise<Descriptor> {
  const stored = store.resolve(ref);
  if (!stored) throw new CtrmonError('ERR_IMAGE_NOT_FOUND', `image ${ref} is not in the image store ${store.root}`, { name: ref });
  const lease = await store.createLease();
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await lease.add({ digests: [stored.digest] });
    const blobs = new Map<Digest, number>();
    imageBlobs(store, stored, false, blobs);
    const out = await open(tmp, 'w', 0o644);
    try {
      const tar = new TarWriter(out);
      await tar.addFile('oci-layout', 30, Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
      const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests: [stored] }));
      await tar.addFile('index.json', index.length, index);
      await tar.addDirectory('blobs');
      await tar.addDirectory('blobs/sha256');
      for (const [digest, size] of blobs) {
        // Re-verified on the way out: a blob damaged on disk must not leave the machine as an image.
        const hash = sha256();
        await tar.addFile(`blobs/sha256/${digestHex(digest)}`, size, hashing(createReadStream(store.blobPath(digest)), hash));
        if (hashDigest(hash) !== digest) {
          throw new CtrmonError('ERR_DIGEST_MISMATCH', `image store: blob ${store.blobPath(digest)} does not match its digest ${digest}`, {
            digest,
          });
        }
      }
      await tar.finish();
      await out.sync();
    } finally {
      await out.close();
    }
    renameSync(tmp, file);
    fsyncDirectory(path.dirname(path.resolve(file)));
    return stored;
  } catch (err) {
    rmSync(tmp, { force: true });
    throw storeError('write image archive', file, err);
  } finally {
    lease.release();
  }
}
