// The import rules of the architecture, checked on what esbuild really put into each bundle
// (scripts/bundle.js lists every bundle's inputs): the systemd generator, which runs at every boot
// and daemon-reload, loads neither the native addon nor pino; the monitor, which lives as long as
// its container, carries no harness code (bench, demo, test systemd), no registry client and, of the
// events, only their writer (not `ctrmon events` and its reader). The
// auto-update contract is shared one way: the monitor loads only its leaf (update/policy.ts), and the
// update engine, which reads state files and talks to systemd, never loads the monitor.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import { packagePath } from '../../src/package-root';

function inputsOf(bundle: string): string[] {
  return JSON.parse(readFileSync(packagePath('dist', `${bundle}.inputs.json`), 'utf8')) as string[];
}

const NATIVE_LOADER = 'dist/src/native.js';
const isPino = (input: string) => /node_modules\/pino(-[a-z-]+)?\//.test(input);
const isHarness = (input: string) => input.startsWith('dist/src/harness/');
/** The network side of images: the HTTP client, its auth and its configuration files. */
const isRegistryClient = (input: string) => /^dist\/src\/image\/(registry(-http|-auth|-blob)?|auth-file|registries-conf)\.js$/.test(input);

/**
 * The files of tsc's output that entry loads, as paths relative to the package ('dist/src/...'),
 * following its relative require() calls; packages (node:*, pino, commander) are not followed.
 */
function requireGraph(entry: string): Set<string> {
  const root = packagePath();
  const seen = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const [, spec] of text.matchAll(/\brequire\((?:"|')(\.{1,2}\/[^"']+)(?:"|')\)/g)) {
      const target = path.join(path.dirname(path.join(root, file)), spec);
      const resolved = [`${target}.js`, target, path.join(target, 'index.js')].find((f) => existsSync(f) && statSync(f).isFile());
      assert.ok(resolved, `${file}: require("${spec}") resolves to no file`);
      pending.push(path.relative(root, resolved));
    }
  }
  return seen;
}

const isMonitor = (file: string) => file.startsWith('dist/src/monitor/');

describe('import rules (bundle inputs)', () => {
  test('the generator bundle has neither the addon loader nor pino', () => {
    const inputs = inputsOf('ctrmon-systemd-generator');
    assert.ok(inputs.includes('dist/src/systemd/quadlet.js'), 'the generator bundle is what it claims to be');
    assert.deepEqual(
      inputs.filter((i) => i === NATIVE_LOADER || isPino(i)),
      [],
    );
  });

  test('the monitor bundle has no harness code', () => {
    const inputs = inputsOf('ctrmon-monitor');
    assert.ok(inputs.includes('dist/src/monitor/monitor.js'));
    assert.deepEqual(inputs.filter(isHarness), []);
  });

  test('the monitor never loads the registry client: a start that must pull runs `ctrmon pull`', () => {
    const inputs = inputsOf('ctrmon-monitor');
    assert.ok(inputs.includes('dist/src/monitor/image-source.js'), 'the monitor does start images');
    assert.deepEqual(inputs.filter(isRegistryClient), []);
    assert.ok(inputsOf('ctrmon').some(isRegistryClient), 'the full command line has it: the rule can see it');
  });

  test('the monitor writes events but never carries their reader or `ctrmon events`', () => {
    const inputs = inputsOf('ctrmon-monitor');
    assert.ok(inputs.includes('dist/src/events/emitter.js'), 'the monitor does emit events');
    const readers = [
      'dist/src/events/reader.js',
      'dist/src/events/journal-source.js',
      'dist/src/events/file-source.js',
      'dist/src/events/format.js',
      'dist/src/events/query.js',
      'dist/src/cli/events.js',
    ];
    assert.deepEqual(
      inputs.filter((i) => readers.includes(i)),
      [],
    );
    assert.ok(inputsOf('ctrmon').includes('dist/src/events/reader.js'), 'the full command line has the reader: the rule can see it');
  });

  test('the rules can see a violation: the full command line carries the harness and the addon', () => {
    const inputs = inputsOf('ctrmon');
    assert.ok(inputs.some(isHarness));
    assert.ok(inputs.includes(NATIVE_LOADER));
    assert.ok(inputs.some(isPino));
  });
});

describe('import rules (auto-update)', () => {
  test('the monitor bundle loads only the policy of the update engine', () => {
    const inputs = inputsOf('ctrmon-monitor');
    assert.deepEqual(
      inputs.filter((i) => i.startsWith('dist/src/update/')),
      ['dist/src/update/policy.js'],
    );
    assert.ok(inputsOf('ctrmon').includes('dist/src/update/engine.js'), 'the full command line has the engine: the rule can see it');
  });

  test('the update engine never loads the monitor', () => {
    const files = requireGraph('dist/src/update/engine.js');
    assert.ok(files.has('dist/src/image/pull.js'), 'the walk follows the engine into the image code');
    assert.ok(files.has('dist/src/update/verify.js'));
    assert.deepEqual([...files].filter(isMonitor), []);
  });

  test('the walk can see a violation: the monitor command reaches the monitor', () => {
    assert.ok([...requireGraph('dist/src/cli/monitor-main.js')].some(isMonitor));
  });
});
