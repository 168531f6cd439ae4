#!/usr/bin/env node
// bundle.js - after tsc: bundles each entry point with its dependencies (commander, pino) into one
// minified file, then makes V8's code cache for them (code-cache.js). The native addon stays a
// separate file (build/Release). Each bundle's list of inputs goes to dist/<name>.inputs.json,
// which the import-rule test reads.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const entries = {
  'ctrmon.js': 'dist/src/cli/main.js',
  'ctrmon-monitor.js': 'dist/src/cli/monitor-main.js',
  'ctrmon-update.js': 'dist/src/cli/update-main.js',
  'ctrmon-systemd-generator.js': 'dist/src/systemd/generator-main.js',
};

// pino reaches its transports through thread-stream (worker threads); ctrmon uses none, and the
// stub makes sure it never starts one.
const noWorkerThreads = {
  name: 'no-thread-stream',
  setup(build) {
    build.onResolve({ filter: /^thread-stream$/ }, () => ({ path: 'thread-stream', namespace: 'ctrmon-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'ctrmon-stub' }, () => ({
      contents: 'module.exports = function () { throw new Error("pino transports are not available in ctrmon"); };',
      loader: 'js',
    }));
  },
};

async function main() {
  for (const [out, entry] of Object.entries(entries)) {
    const outfile = path.join(root, 'dist', out);
    const result = await esbuild.build({
      entryPoints: [path.join(root, entry)],
      outfile,
      bundle: true,
      minify: true,
      keepNames: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      logLevel: 'error',
      plugins: [noWorkerThreads],
      metafile: true,
    });
    fs.writeFileSync(
      `${outfile.replace(/\.js$/, '')}.inputs.json`,
      `${JSON.stringify(Object.keys(result.metafile.inputs).sort(), null, 2)}\n`,
    );
  }
  require('./code-cache');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
