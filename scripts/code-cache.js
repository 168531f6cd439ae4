#!/usr/bin/env node
// code-cache.js - makes V8's code cache (dist/<bundle>.cache) for each bundle that exists, with
// the node flags ctrmon's units use (package.json "ctrmon.nodeFlags"). Run after bundling and at
// install time, so the cache fits the node that will run it.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const { nodeFlags } = require(path.join(root, 'package.json')).ctrmon;
for (const name of ['ctrmon.js', 'ctrmon-monitor.js', 'ctrmon-systemd-generator.js']) {
  const bundle = path.join(root, 'dist', name);
  if (!fs.existsSync(bundle)) continue;
  const make = `const { load } = require(${JSON.stringify(path.join(root, 'bin', 'load-bundle.js'))});
    require('node:fs').writeFileSync(${JSON.stringify(`${bundle}.cache`)}, load(${JSON.stringify(name)}).script.createCachedData());`;
  execFileSync(process.execPath, [...nodeFlags, '-e', make], { stdio: 'inherit' });
}
