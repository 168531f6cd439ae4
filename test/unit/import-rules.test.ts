// The import rules of the architecture, checked on what esbuild really put into each bundle
// (scripts/bundle.js lists every bundle's inputs): the systemd generator, which runs at every boot
// and daemon-reload, loads neither the native addon nor pino; the monitor, which lives as long as
// its container, carries no harness code (bench, demo, test systemd) and no registry client.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

  test('the rules can see a violation: the full command line carries the harness and the addon', () => {
    const inputs = inputsOf('ctrmon');
    assert.ok(inputs.some(isHarness));
    assert.ok(inputs.includes(NATIVE_LOADER));
    assert.ok(inputs.some(isPino));
  });
});
