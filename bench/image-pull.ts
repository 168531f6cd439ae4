// (g) Pull and unpack of one image from a docker-registry on loopback, cold each time, three ways
// in turns: `ctrmon pull` (one pass per layer into its store), `skopeo copy` + `umoci unpack` (the
// reference tools: blobs into a layout, then a rootfs), and `podman pull` (its own store, the
// overlay driver). The image: five gzip'ed layers, ~100 MB unpacked (each half random, half text,
// so they compress as real layers do). ctrmon's peak RSS during its pull comes from GNU time.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError } from '../src/errors';
import { packagePath } from '../src/package-root';
import { buildLayout, pushLayout } from '../test/lab/registry/layout-builder';
import { registrySkipReason, startTestRegistry } from '../test/lab/registry/test-registry';

export const PULL_CANDIDATES = ['ctrmon', 'skopeo+umoci', 'podman'] as const;

export interface PullMeasurements {
  /** Seconds per cold pull, by candidate. */
  seconds: Record<string, number[]>;
  /** ctrmon's largest peak RSS over its pulls, MB. */
  ctrmonPeakRssMb: number;
  layers: number;
  unpackedMb: number;
  skipped: Record<string, string>;
}

const LAYERS = 5;
const LAYER_MB = 20;

function have(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** A layer of `mb` MiB: half random bytes, half repeated text. */
function layerDir(dir: string, n: number, mb: number): string {
  const root = path.join(dir, `layer${n}`);
  mkdirSync(path.join(root, `data${n}`), { recursive: true });
  const half = (mb * 1024 * 1024) / 2;
  writeFileSync(path.join(root, `data${n}`, 'random.bin'), randomBytes(half));
  writeFileSync(path.join(root, `data${n}`, 'text.txt'), `layer ${n}: the quick brown fox jumps over the lazy dog\n`.repeat(half / 54));
  return root;
}

/** Runs argv under GNU time; returns the wall seconds and the peak RSS in KiB. */
function timed(argv: string[], env: NodeJS.ProcessEnv = process.env): { seconds: number; rssKb: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [seconds, rssKb] = last.split(' ').map(Number);
  if (r.status !== 0 || !Number.isFinite(seconds)) {
    throw new CtrmonError('ERR_HARNESS', `benchmark: ${argv.join(' ')} failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  }
  return { seconds, rssKb };
}

export async function measurePulls(workDir: string, rounds: number, print: (line: string) => void): Promise<PullMeasurements | string> {
  const unavailable = registrySkipReason() || (have('skopeo') ? false : 'skopeo is not installed');
  if (unavailable) return unavailable;
  if (!have('/usr/bin/time')) return 'GNU time (/usr/bin/time) is not installed';
  const dir = path.join(workDir, 'pull');
  mkdirSync(dir, { recursive: true });
  const registry = await startTestRegistry();
  try {
    const roots = Array.from({ length: LAYERS }, (_, i) => layerDir(dir, i, LAYER_MB));
    const image = buildLayout(path.join(dir, 'layout'), 'bench', roots, { Cmd: ['/bin/true'] });
    for (const r of roots) rmSync(r, { recursive: true, force: true });
    const ref = `${registry.host}/ctrmon-bench/pull:1`;
    pushLayout(image, ref);
    const out: PullMeasurements = { seconds: {}, ctrmonPeakRssMb: 0, layers: LAYERS, unpackedMb: LAYERS * LAYER_MB, skipped: {} };
    const candidates: string[] = ['ctrmon'];
    if (have('umoci')) candidates.push('skopeo+umoci');
    else out.skipped['skopeo+umoci'] = 'umoci is not installed';
    if (have('podman')) candidates.push('podman');
    else out.skipped.podman = 'podman is not installed';
    const run: Record<string, () => number> = {
      ctrmon: () => {
        const store = path.join(dir, 'ctrmon-store');
        rmSync(store, { recursive: true, force: true });
        const t = timed([process.execPath, packagePath('bin', 'ctrmon.js'), 'pull', '--root', store, '--tls-verify=false', '-q', ref]);
        out.ctrmonPeakRssMb = Math.max(out.ctrmonPeakRssMb, Math.round(t.rssKb / 102.4) / 10);
        return t.seconds;
      },
      'skopeo+umoci': () => {
        const layout = path.join(dir, 'skopeo-layout');
        const bundle = path.join(dir, 'umoci-bundle');
        rmSync(layout, { recursive: true, force: true });
        rmSync(bundle, { recursive: true, force: true });
        const copy = timed(['skopeo', 'copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `oci:${layout}:bench`]);
        const unpack = timed(['umoci', 'unpack', '--image', `${layout}:bench`, bundle]);
        return copy.seconds + unpack.seconds;
      },
      podman: () => {
        const root = path.join(dir, 'podman-root');
        spawnSync('podman', ['--root', root, '--runroot', path.join(dir, 'podman-run'), 'system', 'reset', '--force'], { stdio: 'ignore' });
        rmSync(root, { recursive: true, force: true });
        const t = timed([
          'podman',
          '--root',
          root,
          '--runroot',
          path.join(dir, 'podman-run'),
          '--storage-driver',
          'overlay',
          'pull',
          '--quiet',
          '--tls-verify=false',
          ref,
        ]);
        return t.seconds;
      },
    };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? [...candidates].reverse() : candidates;
      for (const c of order) {
        const seconds = run[c]();
        out.seconds[c] = [...(out.seconds[c] ?? []), seconds];
      }
      print(`pull round ${round + 1}/${rounds}`);
    }
    return out;
  } finally {
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
