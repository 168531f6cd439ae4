#!/usr/bin/env node
// code-cache.js - makes V8's code cache (dist/<bundle>.cache) for each bundle that exists, with
// the node flags ctrmon's units use (package.json "ctrmon.nodeFlags"). Run after bundling and at
// install time, so the cache fits the node that will run it.
//
// The monitor's cache is made warm: after two `ctrmon monitor` runs that parse a full set of
// options, set up their state directory (lock, state file) and stop at the source (a bundle that
// does not exist; an image an empty store does not have), so no container is started, the
// functions that run on every start, from a bundle or from an image, are compiled, and the cache
// keeps them. Measured on the 2-core VM: ~4 ms less from exec to `runtime create` than a cache of
// the bare bundle. The auto-update bundle's is made after a dry run over an empty state directory.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const { nodeFlags } = require(path.join(root, 'package.json')).ctrmon;
const loader = JSON.stringify(path.join(root, 'bin', 'load-bundle.js'));

/** A run of the monitor that compiles its start-up path, then writes the cache. */
function warmMonitor(cacheFile) {
  return `const { load } = require(${loader});
    const fs = require('node:fs');
    const path = require('node:path');
    const { exports: bundle, script } = load('ctrmon-monitor.js');
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'ctrmon-code-cache-'));
    const common = ['--runtime', process.execPath, '--sdnotify', 'container', '-e', 'A=1', '--label', 'a=b',
      '--stop-timeout', '10s', '--state-dir', dir, '--log-level', 'silent'];
    const runs = [
      ['--bundle', path.join(dir, 'none'), ...common, 'warm-up', 'true'],
      ['--image', 'localhost/warm-up:1', '--pull', 'never', '--root', path.join(dir, 'store'), ...common, 'warm-up-image'],
    ];
    // The monitor ends with process.exit (as a unit's main PID must): the next run starts then, and
    // after the last one the cache is written.
    process.exit = () => {
      const next = runs.shift();
      if (next) return void bundle.main(['node', 'ctrmon', 'monitor', ...next]);
      fs.writeFileSync(${JSON.stringify(cacheFile)}, script.createCachedData());
      fs.rmSync(dir, { recursive: true, force: true });
      process.reallyExit(0);
    };
    process.exit();`;
}

/** A dry run of auto-update over an empty state directory (its table printed to nowhere), then the cache. */
function warmUpdate(cacheFile) {
  return `const { load } = require(${loader});
    const fs = require('node:fs');
    const path = require('node:path');
    const { exports: bundle, script } = load('ctrmon-update.js');
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'ctrmon-code-cache-'));
    process.stdout.write = () => true;
    bundle
      .main(['node', 'ctrmon', 'auto-update', '--dry-run', '--state-dir', path.join(dir, 'state'), '--update-dir', path.join(dir, 'update'), '--format', 'json'])
      .then(() => {
        fs.writeFileSync(${JSON.stringify(cacheFile)}, script.createCachedData());
        fs.rmSync(dir, { recursive: true, force: true });
      });`;
}

function bareBundle(name, cacheFile) {
  return `const { load } = require(${loader});
    require('node:fs').writeFileSync(${JSON.stringify(cacheFile)}, load(${JSON.stringify(name)}).script.createCachedData());`;
}

for (const name of ['ctrmon.js', 'ctrmon-monitor.js', 'ctrmon-update.js', 'ctrmon-systemd-generator.js']) {
  const bundle = path.join(root, 'dist', name);
  if (!fs.existsSync(bundle)) continue;
  const cacheFile = `${bundle}.cache`;
  const make =
    name === 'ctrmon-monitor.js'
      ? warmMonitor(cacheFile)
      : name === 'ctrmon-update.js'
        ? warmUpdate(cacheFile)
        : bareBundle(name, cacheFile);
  // The warm-up's own "invalid bundle" line is expected: only a failure to write the cache counts.
  execFileSync(process.execPath, [...nodeFlags, '-e', make], { stdio: ['ignore', 'inherit', 'pipe'] });
  if (!fs.existsSync(cacheFile)) throw new Error(`code-cache: no cache was written for ${name}`);
}
