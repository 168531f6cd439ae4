#!/usr/bin/env node
// bundle.js - after tsc (which type-checks and compiles the tests): bundles each entry point from
// the TypeScript sources, as ES modules, with its dependencies (commander, pino) into one minified
// file, so that esbuild leaves out every export a bundle does not use; then makes V8's code cache
// for the product's bundles (code-cache.js). The native addon stays a separate file
// (build/Release). Each bundle's list of inputs goes to dist/<name>.inputs.json, which the
// import-rule test reads.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const entries = {
  'ctrmon.js': 'src/cli/main.ts',
  'ctrmon-monitor.js': 'src/cli/monitor-main.ts',
  'ctrmon-update.js': 'src/cli/update-main.ts',
  'ctrmon-systemd-generator.js': 'src/systemd/generator-main.ts',
  // The harness: loaded only by `ctrmon bench` and `ctrmon demo` (src/cli/harness.ts).
  'ctrmon-bench.js': 'bench/index.ts',
  'ctrmon-demo.js': 'demo/index.ts',
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

// pino has no side effects that a bundle needs when it uses none of pino (its levels are shared
// words of log.ts): marked so, the generator, which uses log.ts's level names only, leaves it out.
// ctrmon's own sources are marked so in package.json ("sideEffects": false).
const pinoWithoutSideEffects = {
  name: 'pino-without-side-effects',
  setup(build) {
    build.onResolve({ filter: /^pino$/ }, async (args) => {
      if (args.pluginData?.pino) return undefined;
      const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { pino: true } });
      return { ...resolved, sideEffects: false };
    });
  },
};

async function main() {
  for (const [out, entry] of Object.entries(entries)) {
    const outfile = path.join(root, 'dist', out);
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [entry],
      outfile,
      bundle: true,
      minify: true,
      keepNames: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      logLevel: 'error',
      plugins: [noWorkerThreads, pinoWithoutSideEffects],
      metafile: true,
    });
    // What the bundle really carries: the inputs with bytes in the output (a module whose exports
    // were all left out is read but not carried).
    const output = result.metafile.outputs[path.relative(root, outfile)];
    const carried = Object.entries(output.inputs).filter(([, i]) => i.bytesInOutput > 0);
    fs.writeFileSync(`${outfile.replace(/\.js$/, '')}.inputs.json`, `${JSON.stringify(carried.map(([input]) => input).sort(), null, 2)}\n`);
  }
  require('./code-cache');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
