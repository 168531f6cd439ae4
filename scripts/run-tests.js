#!/usr/bin/env node
// run-tests.js - `npm test`: lints, compiles the TypeScript and bundles the entry points, then runs
// every dist/test/**/*.test.js with node's test runner (Node 20's --test takes no globs, so the
// files are listed here).
//   --stress     the same under load: one busy loop per core runs for the whole test run, so that
//                tests that assume an order of events on an idle machine fail (`npm run test:stress`)
//   --only DIR   only the test files under dist/test/DIR (e.g. integration)
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const stress = args.includes('--stress');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : '';
// A fresh dist/ so that a deleted test cannot linger as stale compiled output.
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
// Lint and format check first (Biome, well under a second), then compile and bundle.
const biome = [require.resolve('@biomejs/biome/bin/biome'), 'check'];
for (const step of [biome, [require.resolve('typescript/bin/tsc'), '-p', root], [path.join(root, 'scripts', 'bundle.js')]]) {
  const r = spawnSync(process.execPath, step, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// The demo bundle every integration test runs, built once here rather than by each test process.
const bundle = path.join(root, '.cache', 'test-bundle');
require(path.join(root, 'dist', 'test', 'lab', 'demo-bundle.js')).buildDemoBundle(bundle);
process.env.CTRMON_TEST_BUNDLE = bundle;

function testFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}
const files = testFiles(path.join(root, 'dist', 'test', only)).sort();
const load = stress
  ? require('node:os')
      .cpus()
      .map(() => spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }))
  : [];
if (stress) console.log(`# stress: ${load.length} busy loops run beside the tests`);
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', cwd: root });
for (const loop of load) loop.kill('SIGKILL');
process.exit(run.status ?? 1);
