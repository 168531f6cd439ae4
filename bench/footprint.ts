// What a build costs before it runs a container: the size of each product bundle (what a board
// stores and node parses at every start) and the systemd generator's run time (it runs at every
// boot and daemon-reload), over the search directories of this host and over 100 .container files,
// for this build and, with --baseline, the other one, runs interleaved so that both see the same
// machine. The 100 files go into /run/ctrmon/systemd, the one directory every build reads (the
// build before issue 17 reads only ctrmon's own directories, without subdirectories), and are
// removed afterwards, with the directories made for them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
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
  /** The same with GENERATOR_FILES .container files to translate; absent when they could not be written. */
  generatorFilesMs?: Record<string, Summary>;
}

/** How many .container files the second generator measurement translates. */
export const GENERATOR_FILES = 100;
/** Where they go: a search directory of every build's system generator. */
const GENERATOR_FILES_DIR = '/run/ctrmon/systemd';

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

/** Writes the files, runs measure, removes them (and the directories made for them). */
function withContainerFiles<T>(measure: () => T): T {
  const firstMade = mkdirSync(GENERATOR_FILES_DIR, { recursive: true });
  const files = Array.from({ length: GENERATOR_FILES }, (_, i) => path.join(GENERATOR_FILES_DIR, `ctrmon-bench-${i}.container`));
  try {
    for (const [i, file] of files.entries())
      writeFileSync(file, `[Container]\n${i % 2 ? `Image=localhost/bench-${i}:1` : `Bundle=/srv/bench-${i}`}\nEnvironment=N=${i}\n`);
    return measure();
  } finally {
    for (const file of files) rmSync(file, { force: true });
    if (firstMade) for (let d = GENERATOR_FILES_DIR; d !== path.dirname(firstMade); d = path.dirname(d)) rmdirSync(d);
  }
}

/** Each build's generator, runs times, interleaved, after one run that warms the page cache. */
function generatorRuns(builds: Record<string, string>, runs: number): Record<string, Summary> {
  const samples: Record<string, number[]> = {};
  const generator = (root: string) => path.join(root, 'bin', 'ctrmon-systemd-generator');
  for (const [name, root] of Object.entries(builds)) {
    samples[name] = [];
    generatorRun(generator(root));
  }
  for (let i = 0; i < runs; i++) for (const [name, root] of Object.entries(builds)) samples[name].push(generatorRun(generator(root)));
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, summarize(values)]));
}

export function measureFootprint(runs: number, baselineDir: string | undefined): Footprint {
  const builds: Record<string, string> = { ctrmon: packagePath() };
  if (baselineDir) builds['ctrmon-baseline'] = path.resolve(baselineDir);
  const bundles = Object.fromEntries(Object.entries(builds).map(([name, root]) => [name, bundleBytes(root)]));
  const report: Footprint = { bundleBytes: bundles, generatorMs: generatorRuns(builds, runs) };
  // /run is root's: without it, the section has the empty run only.
  if (process.getuid?.() === 0) report.generatorFilesMs = withContainerFiles(() => generatorRuns(builds, runs));
  return report;
}
