'use strict';
// Loads one of ctrmon's bundles (dist/<name>) like require() would, but with V8's code cache
// (dist/<name>.cache, made by scripts/bundle.js with the node flags ctrmon's units use): starting
// then skips compiling the bundle. A cache made by another node or other flags is rejected by
// V8, and the bundle is simply compiled.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

function load(name) {
  const file = path.join(__dirname, '..', 'dist', name);
  let cachedData;
  try {
    cachedData = fs.readFileSync(`${file}.cache`);
  } catch {
    // no cache: compile
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module = { exports: {}, filename: file };
  script.runInThisContext()(module.exports, Module.createRequire(file), module, file, path.dirname(file));
  return { exports: module.exports, script };
}

module.exports = { load };
