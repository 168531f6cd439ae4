// What a build costs before it runs a container: the size of each product bundle (what a board
// stores and node parses at every start) and the systemd generator's run time (it runs at every
// boot and daemon-reload, over the search directories of this host), for this build and, with
// --baseline, the other one, runs interleaved so that both see the same machine.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { packagePath } from '../src/package-root';
import { type Summary, summarize } from './stats';

/** The bundles a product command loads (bin/ctrmon.js picks one), by role. */
export const PRODUCT_BUNDLES = {
  monitor: 'ctrmon-monitor.js',
  generator: 'ctrmon-systemd-generator.js',
  update: 'ctrmon-update.js',
  cli: 'ctrmon.js',
} as const;

export interface Footprint {
  /** Bytes of each product bundle, by build ("ctrmon", "ctrmon-baseline"), then role. */
  bundleBytes: Record<string, Partial<Record<keyof typeof PRODUCT_BUNDLES, number>>>;
  /** The generator executable run as systemd runs it, exec until exit, ms, by build. */
  generatorMs: Record<string, Summary>;
}

function bundleBytes(root: string): Partial<Record<keyof typeof PRODUCT_BUNDLES, number>> {
  const out: Partial<Record<keyof typeof PRODUCT_BUNDLES, number>> = {};
  for (const [role, file] of Object.entries(PRODUCT_BUNDLES) as [keyof typeof PRODUCT_BUNDLES, string][]) {
    const bundle = path.join(root, 'dist', file);
    if (existsSync(bundle)) out[role] = statSync(bundle).size;
  }
  return out;
}

/** One generator run into a fresh output directory: exec until exit, ms. */
function generatorRun(generator: string): number {
  const out = mkdtempSync(path.join(os.tmpdir(), 'ctrmon-bench-generator-'));
  try {
    const t0 = process.hrtime.bigint();
    execFileSync(generator, [out, out, out], { stdio: 'ignore' });
    return Number(process.hrtime.bigint() - t0) / 1e6;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export function measureFootprint(runs: number, baselineDir: string | undefined): Footprint {
  const builds: Record<string, string> = { ctrmon: packagePath() };
  if (baselineDir) builds['ctrmon-baseline'] = path.resolve(baselineDir);
  const report: Footprint = { bundleBytes: {}, generatorMs: {} };
  const samples: Record<string, number[]> = {};
  for (const [name, root] of Object.entries(builds)) {
    report.bundleBytes[name] = bundleBytes(root);
    samples[name] = [];
    generatorRun(path.join(root, 'bin', 'ctrmon-systemd-generator')); // warm the page cache
  }
  for (let i = 0; i < runs; i++)
    for (const [name, root] of Object.entries(builds)) samples[name].push(generatorRun(path.join(root, 'bin', 'ctrmon-systemd-generator')));
  for (const [name, values] of Object.entries(samples)) report.generatorMs[name] = summarize(values);
  return report;
}
