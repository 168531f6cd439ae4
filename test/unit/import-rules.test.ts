// The import rules of the architecture, checked on what esbuild really put into each bundle
// (scripts/bundle.js lists the sources each bundle carries): the systemd generator, which runs at
// every boot and daemon-reload, loads neither the native addon nor pino; no product bundle carries
// harness code (bench, demo, the test lab), which ships in bundles of its own; the monitor, which
// lives as long as its container, carries no registry client and, of the events, only their writer
// (not `ctrmon events` and its reader). The auto-update contract is shared one way: the monitor
// loads only its leaf (update/policy.ts), and the update engine, which reads state files and talks
// to systemd, never loads the monitor.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { packagePath } from '../../src/package-root';

function inputsOf(bundle: string): string[] {
  return JSON.parse(readFileSync(packagePath('dist', `${bundle}.inputs.json`), 'utf8')) as string[];
}

const NATIVE_LOADER = 'src/native.ts';
const PRODUCT_BUNDLES = ['ctrmon', 'ctrmon-monitor', 'ctrmon-update', 'ctrmon-systemd-generator'];
const isPino = (input: string) => /node_modules\/pino(-[a-z-]+)?\//.test(input);
const isHarness = (input: string) => /^(bench|demo|test)\//.test(input);
/** The network side of images: the HTTP client, its auth and its configuration files. */
const isRegistryClient = (input: string) => input.startsWith('src/image/registry/');
const isMonitor = (input: string) => input.startsWith('src/monitor/');

describe('import rules (bundle inputs)', () => {
  test('the generator bundle has neither the addon loader nor pino', () => {
    const inputs = inputsOf('ctrmon-systemd-generator');
    assert.ok(inputs.includes('src/systemd/quadlet.ts'), 'the generator bundle is what it claims to be');
    assert.deepEqual(
      inputs.filter((i) => i === NATIVE_LOADER || isPino(i)),
      [],
    );
  });

  test('no product bundle carries harness code', () => {
    assert.ok(inputsOf('ctrmon-monitor').includes('src/monitor/monitor.ts'));
    for (const bundle of PRODUCT_BUNDLES) assert.deepEqual(inputsOf(bundle).filter(isHarness), [], bundle);
  });

  test('the monitor never loads the registry client: a start that must pull runs `ctrmon pull`', () => {
    const inputs = inputsOf('ctrmon-monitor');
    assert.ok(inputs.includes('src/monitor/image-source.ts'), 'the monitor does start images');
    assert.deepEqual(inputs.filter(isRegistryClient), []);
    assert.ok(inputsOf('ctrmon').some(isRegistryClient), 'the full command line has it: the rule can see it');
  });

  test('the monitor writes events but never carries their reader or `ctrmon events`', () => {
    const inputs = inputsOf('ctrmon-monitor');
    assert.ok(inputs.includes('src/events/emitter.ts'), 'the monitor does emit events');
    const readers = [
      'src/events/reader.ts',
      'src/events/journal-source.ts',
      'src/events/file-source.ts',
      'src/events/format.ts',
      'src/events/query.ts',
      'src/cli/events.ts',
    ];
    assert.deepEqual(
      inputs.filter((i) => readers.includes(i)),
      [],
    );
    assert.ok(inputsOf('ctrmon').includes('src/events/reader.ts'), 'the full command line has the reader: the rule can see it');
  });

  test('the rules can see a violation: the harness bundles carry harness code, the addon and pino', () => {
    const inputs = inputsOf('ctrmon-bench');
    assert.ok(inputs.some(isHarness));
    assert.ok(inputs.includes(NATIVE_LOADER));
    assert.ok(inputsOf('ctrmon').some(isPino));
    assert.ok(inputsOf('ctrmon-demo').some(isHarness));
  });
});

describe('import rules (auto-update)', () => {
  test('the monitor bundle loads only the policy of the update engine', () => {
    const inputs = inputsOf('ctrmon-monitor');
    assert.deepEqual(
      inputs.filter((i) => i.startsWith('src/update/')),
      ['src/update/policy.ts'],
    );
    assert.ok(inputsOf('ctrmon-update').includes('src/update/engine.ts'), 'the update bundle has the engine: the rule can see it');
  });

  test('the update engine never loads the monitor', () => {
    const inputs = inputsOf('ctrmon-update');
    assert.ok(inputs.includes('src/image/pull.ts'), 'the engine pulls images');
    assert.ok(inputs.includes('src/update/verify.ts'));
    assert.deepEqual(inputs.filter(isMonitor), []);
  });

  test('the rule can see a violation: the monitor bundle carries the monitor', () => {
    assert.ok(inputsOf('ctrmon-monitor').some(isMonitor));
  });
});
