// Small real images for the image store's tests: layers made by GNU tar (gzip-compressed by zlib),
// an OCI config with their diff_ids, an OCI manifest, all written through the store's own API.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

import { chainIds, type Digest, digestOf } from '../../src/image/digest';
import type { ImageStore } from '../../src/image/store/store';
import { MEDIA_TYPE } from '../../src/image/media-types';
import type { Descriptor } from '../../src/image/store/index-file';

export interface TestImage {
  manifest: Descriptor;
  config: Digest;
  layers: Digest[];
  diffIds: Digest[];
  chainIds: Digest[];
}

/** A tar of files (path -> content), as GNU tar writes it, reproducibly. */
export function layerTar(files: Record<string, string>): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-layer-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), content);
    }
    const r = spawnSync('tar', ['-C', dir, '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', '.'], {
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes an image of the given layers (each a set of files) into store, named name when given. */
export async function putTestImage(store: ImageStore, layers: Record<string, string>[], name?: string): Promise<TestImage> {
  const diffIds: Digest[] = [];
  const blobs: Descriptor[] = [];
  for (const files of layers) {
    const tar = layerTar(files);
    diffIds.push(digestOf(tar));
    const blob = await store.putBlob(gzipSync(tar));
    blobs.push({ mediaType: `${MEDIA_TYPE.ociLayer}+gzip`, ...blob });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map(() => ({ created_by: 'ctrmon test' })),
    }),
  );
  const configBlob = await store.putBlob(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociManifest,
      config: { mediaType: MEDIA_TYPE.ociConfig, ...configBlob },
      layers: blobs,
    }),
  );
  const manifestBlob = await store.putBlob(manifest);
  const descriptor: Descriptor = { mediaType: MEDIA_TYPE.ociManifest, ...manifestBlob };
  if (name !== undefined) await store.tag(name, descriptor);
  return { manifest: descriptor, config: configBlob.digest, layers: blobs.map((b) => b.digest), diffIds, chainIds: chainIds(diffIds) };
}
