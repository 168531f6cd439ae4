// Builds a runnable multi-layer OCI image layout for the tests and the benchmark: each layer is a
// directory tree (GNU tar of it, gzip'ed, so whiteouts and opaque markers written as files become
// OCI whiteouts), the config names the command. skopeo pushes it to a test registry.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

import { CtrmonError } from '../../../src/errors';

export interface LayoutImage {
  dir: string;
  tag: string;
  manifestDigest: string;
  configDigest: string;
  /** The layer blobs' digests, base first. */
  layers: string[];
}

const sha = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function blob(dir: string, data: Buffer): { digest: string; size: number } {
  const digest = sha(data);
  writeFileSync(path.join(dir, 'blobs', 'sha256', digest.slice(7)), data);
  return { digest, size: data.length };
}

/** A tar of `root` as it is (owners numeric, names sorted, no times). */
export function tarOf(root: string): Buffer {
  const r = spawnSync(
    'tar',
    ['--sort=name', '--numeric-owner', '--format=posix', '--pax-option=delete=atime,delete=ctime', '-C', root, '-cf', '-', '.'],
    {
      maxBuffer: 1024 ** 3,
    },
  );
  if (r.status !== 0) throw new CtrmonError('ERR_HARNESS', `tar of ${root} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

export function buildLayout(dir: string, tag: string, layerRoots: string[], config: Record<string, unknown>): LayoutImage {
  mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const tars = layerRoots.map(tarOf);
  const layers = tars.map((t) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...blob(dir, gzipSync(t)) }));
  const arch = ({ x64: 'amd64', arm64: 'arm64', arm: 'arm' } as Record<string, string>)[process.arch] ?? process.arch;
  const configJson = Buffer.from(
    JSON.stringify({ architecture: arch, os: 'linux', config, rootfs: { type: 'layers', diff_ids: tars.map(sha) } }),
  );
  const cfg = blob(dir, configJson);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
      layers,
    }),
  );
  const m = blob(dir, manifest);
  writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, annotations: { 'org.opencontainers.image.ref.name': tag } },
      ],
    }),
  );
  return { dir, tag, manifestDigest: m.digest, configDigest: cfg.digest, layers: layers.map((l) => l.digest) };
}

export function pushLayout(image: LayoutImage, destination: string): void {
  const r = spawnSync(
    'skopeo',
    ['copy', '--quiet', '--dest-tls-verify=false', `oci:${image.dir}:${image.tag}`, `docker://${destination}`],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new CtrmonError('ERR_HARNESS', `skopeo copy to ${destination} failed: ${r.stderr}`);
}
