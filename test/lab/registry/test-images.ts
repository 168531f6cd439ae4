// Test images written as OCI image layouts from files given in memory (one layer each; the tar
// made by GNU tar with fixed owners and mtimes, so a given content has a given digest), and pushed
// to a test registry with skopeo. Several platforms make a multi-platform index, pushed with --all.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

import { CtrmonError } from '../../../src/errors';
import type { Platform } from '../../../src/image/platform';
import { run } from '../../../src/process/spawn';

export interface TestImageSpec {
  platform: Platform;
  /** Path inside the image -> content. */
  files: Record<string, string | Buffer>;
  /** Store the layer uncompressed (application/vnd.oci.image.layer.v1.tar). */
  uncompressed?: boolean;
}

export interface BuiltImage {
  manifestDigest: string;
  configDigest: string;
  layer: { digest: string; size: number; diffId: string };
  platform: Platform;
}

export interface BuiltLayout {
  dir: string;
  tag: string;
  images: BuiltImage[];
  /** The digest the tag names: the index for several platforms, else the manifest. */
  digest: string;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function tarOf(files: Record<string, string | Buffer>): Buffer {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ctrmon-layer-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(root, name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    const r = spawnSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', root, '-cf', '-', '.'], {
      maxBuffer: 1024 * 1024 * 1024,
    });
    if (r.status !== 0) throw new CtrmonError('ERR_HARNESS', `tar failed: ${r.stderr.toString()}`);
    return r.stdout;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Writes an OCI image layout at `dir` whose `tag` names one image, or an index of all of them. */
export function buildImageLayout(dir: string, tag: string, specs: TestImageSpec[]): BuiltLayout {
  const blobs = path.join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer): { digest: string; size: number } => {
    const digest = sha256(data);
    writeFileSync(path.join(blobs, digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const images: BuiltImage[] = [];
  const descriptors: object[] = [];
  for (const spec of specs) {
    const tar = tarOf(spec.files);
    const diffId = sha256(tar);
    const layer = put(spec.uncompressed ? tar : gzipSync(tar));
    const config = put(
      Buffer.from(
        JSON.stringify({
          architecture: spec.platform.architecture,
          os: spec.platform.os,
          ...(spec.platform.variant ? { variant: spec.platform.variant } : {}),
          config: { Cmd: ['/bin/sh'] },
          rootfs: { type: 'layers', diff_ids: [diffId] },
        }),
      ),
    );
    const manifestType = 'application/vnd.oci.image.manifest.v1+json';
    const manifest = put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: manifestType,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers: [{ mediaType: `application/vnd.oci.image.layer.v1.tar${spec.uncompressed ? '' : '+gzip'}`, ...layer }],
        }),
      ),
    );
    images.push({ manifestDigest: manifest.digest, configDigest: config.digest, layer: { ...layer, diffId }, platform: spec.platform });
    descriptors.push({ mediaType: manifestType, ...manifest, platform: spec.platform });
  }
  let top: object;
  if (specs.length === 1) top = { ...descriptors[0], platform: undefined };
  else {
    const indexType = 'application/vnd.oci.image.index.v1+json';
    top = { mediaType: indexType, ...put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: indexType, manifests: descriptors }))) };
  }
  const tagged = { ...top, annotations: { 'org.opencontainers.image.ref.name': tag } };
  writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [tagged] }));
  return { dir, tag, images, digest: (top as { digest: string }).digest };
}

// Asynchronous, so a token server in the same process can answer skopeo.
async function skopeo(args: string[]): Promise<string> {
  const r = await run('skopeo', args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new CtrmonError('ERR_HARNESS', `skopeo ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** Pushes the layout's tag to `destination` (`host:port/repo:tag`), every platform of an index with it. */
export async function pushLayout(layout: BuiltLayout, destination: string, creds?: string): Promise<void> {
  await skopeo([
    'copy',
    '-q',
    '--dest-tls-verify=false',
    ...(creds ? ['--dest-creds', creds] : []),
    ...(layout.images.length > 1 ? ['--all'] : []),
    '--preserve-digests',
    `oci:${layout.dir}:${layout.tag}`,
    `docker://${destination}`,
  ]);
}

/** `skopeo inspect --format {{.Digest}}`: the digest an independent client sees for the reference. */
export function skopeoDigest(reference: string, creds?: string): Promise<string> {
  return skopeo([
    'inspect',
    '--tls-verify=false',
    ...(creds ? ['--creds', creds] : []),
    '--format',
    '{{.Digest}}',
    `docker://${reference}`,
  ]);
}
