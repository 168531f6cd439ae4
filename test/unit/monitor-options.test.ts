import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { buildMonitorOptions, monitorArgs } from '../../src/config/monitor-options';
import { checkName, parseDuration, parseEnv, parseLabels, parseSignal, parseSize } from '../../src/config/parse';
import { describeHost } from '../../src/host/host';

/** Root's host, whose defaults these are. */
const HOST = describeHost({}, 0);

describe('monitor options', () => {
  test('durations: units, combinations and bare seconds', () => {
    assert.equal(parseDuration('--x', '30s'), 30_000);
    assert.equal(parseDuration('--x', '1m30s'), 90_000);
    assert.equal(parseDuration('--x', '250ms'), 250);
    assert.equal(parseDuration('--x', '1.5'), 1500);
    assert.throws(() => parseDuration('--health-interval', '5 parsecs'), {
      code: 'ERR_INVALID_OPTION',
      message: /--health-interval "5 parsecs": expected a duration/,
    });
  });

  test('sizes in powers of 1024', () => {
    assert.equal(parseSize('--x', '512'), 512);
    assert.equal(parseSize('--x', '64k'), 65536);
    assert.equal(parseSize('--x', '10M'), 10 * 1024 * 1024);
    assert.throws(() => parseSize('--log-size-max', '10q'), /--log-size-max "10q"/);
  });

  test('signals by name, SIG-name or number', () => {
    assert.equal(parseSignal('--x', 'TERM'), 'SIGTERM');
    assert.equal(parseSignal('--x', 'sigusr2'), 'SIGUSR2');
    assert.equal(parseSignal('--x', '9'), 'SIGKILL');
    assert.throws(() => parseSignal('--stop-signal', 'NOPE'), /--stop-signal "NOPE": not a signal/);
  });

  test('names follow the container-name rules', () => {
    assert.equal(checkName('web-1.prod_a'), 'web-1.prod_a');
    for (const bad of ['', '-web', 'a/b', 'x'.repeat(129), 'with space']) {
      assert.throws(() => checkName(bad), { code: 'ERR_INVALID_NAME' });
    }
  });

  test('env entries: KEY=VALUE, or KEY copied from our environment when set', () => {
    assert.deepEqual(parseEnv(['A=1', 'B', 'C', 'D=x=y'], { B: 'from-host' }), ['A=1', 'B=from-host', 'D=x=y']);
    assert.throws(() => parseEnv(['=1'], {}), /--env "=1"/);
    assert.deepEqual(parseLabels(['a=1', 'b=']), { a: '1', b: '' });
    assert.throws(() => parseLabels(['novalue']), /--label "novalue": expected KEY=VALUE/);
  });

  test("defaults follow podman: conmon mode, no stop signal given (SIGTERM or the image's), 10 s, passthrough, /run/ctrmon", () => {
    const o = buildMonitorOptions('web', [], { bundle: 'b' }, HOST);
    assert.equal(o.sdnotify, 'conmon');
    assert.equal(o.stopSignal, undefined);
    assert.equal(
      buildMonitorOptions('web', [], { bundle: 'b', stopSignal: 'TERM' }, HOST).stopSignal,
      'SIGTERM',
      'given, even as the default',
    );
    assert.equal(o.stopTimeoutMs, 10_000);
    assert.equal(o.logDriver, 'passthrough');
    assert.equal(o.stateDir, '/run/ctrmon');
    assert.equal(o.cgroups, 'split');
    assert.equal(o.health, undefined);
    assert.equal(o.extendTimeoutMaxUsec, undefined);
  });

  test('health options get podman defaults; inconsistent combinations are refused', () => {
    const o = buildMonitorOptions('web', [], { bundle: 'b', sdnotify: 'healthy', healthCmd: 'true' }, HOST);
    assert.deepEqual(o.health, { command: ['/bin/sh', '-c', 'true'], intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0 });
    assert.throws(() => buildMonitorOptions('web', [], {}, HOST), /--bundle is required/);
    assert.throws(() => buildMonitorOptions('web', [], { bundle: 'b', sdnotify: 'healthy' }, HOST), /requires --health-cmd/);
    assert.throws(() => buildMonitorOptions('web', [], { bundle: 'b', logSizeMax: '1m' }, HOST), /only applies to --log-driver=k8s-file/);
    assert.throws(
      () => buildMonitorOptions('web', [], { bundle: 'b', healthCmd: 'true', healthRetries: '0' }, HOST),
      /--health-retries "0"/,
    );
  });

  test('--volume, --network and --systemd apply to bundles too; not given, a bundle keeps its config', () => {
    const given = buildMonitorOptions('web', [], { bundle: 'b', volume: ['/srv:/data:ro'], network: 'none', systemd: 'always' }, HOST);
    assert.deepEqual(given.volumes, [{ source: '/srv', destination: '/data', readonly: true }]);
    assert.equal(given.network, 'none');
    assert.equal(given.systemd, 'always');
    const bare = buildMonitorOptions('web', [], { bundle: 'b' }, HOST);
    assert.deepEqual([bare.network, bare.systemd], [undefined, undefined]);
    const host = buildMonitorOptions('web', [], { bundle: 'b', network: 'host', systemd: 'true' }, HOST);
    assert.deepEqual([host.network, host.systemd], ['host', 'true'], "given for a bundle, even as an image's defaults");
    assert.deepEqual(monitorArgs(host, HOST).slice(1, -1), [
      '--bundle',
      host.bundle,
      '--network',
      'host',
      '--systemd',
      'true',
      '--sdnotify',
      'conmon',
    ]);
  });

  test("for an image, its defaults given or not are one value, which a unit's ExecStart leaves out", () => {
    const image = 'localhost/app:1';
    const given = buildMonitorOptions('web', [], { image, network: 'host', systemd: 'true' }, HOST);
    assert.deepEqual([given.network, given.systemd], [undefined, undefined]);
    assert.deepEqual(monitorArgs(given, HOST), ['monitor', '--image', image, '--sdnotify', 'conmon', 'web']);
    assert.equal(buildMonitorOptions('web', [], { image, network: 'none' }, HOST).network, 'none');
    assert.equal(buildMonitorOptions('web', [], { image, network: 'bridge' }, HOST).network, 'bridge');
    assert.throws(
      () => buildMonitorOptions('web', [], { image, network: 'pasta' }, HOST),
      /--network "pasta": rootful ctrmon's networks are netavark bridges/,
    );
  });

  test('--pull and --root need an image: with a bundle they are refused, saying why; their defaults pass', () => {
    assert.throws(() => buildMonitorOptions('web', [], { bundle: 'b', pull: 'always' }, HOST), {
      code: 'ERR_INVALID_OPTION',
      message: '--pull "always": only applies to --image: a bundle is not pulled',
    });
    assert.throws(() => buildMonitorOptions('web', [], { bundle: 'b', root: '/srv/store' }, HOST), {
      message: '--root "/srv/store": only applies to --image: a bundle brings its own rootfs',
    });
    const defaults = buildMonitorOptions('web', [], { bundle: 'b', pull: 'missing' }, HOST);
    assert.equal(defaults.pull, 'missing', 'as the command line fills it in');
  });
});
