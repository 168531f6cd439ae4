// The auto-update contract as a container declares it (policy.ts, checked when its monitor is
// configured and when a .container file is read), the outcome of a run (report.ts) and the units
// that run it daily (units.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { buildMonitorOptions } from '../../src/config/monitor-options';
import { describeHost } from '../../src/host/host';
import { containerToUnit } from '../../src/systemd/quadlet';
import { parseUnitFile } from '../../src/systemd/unit-file';
import { AUTO_UPDATE_LABEL, POLICY_VALUES, checkUpdatable, policyOf } from '../../src/update/policy';
import { EXIT_FAILED, EXIT_ROLLED_BACK, type UpdateReport, type UpdateStatus, exitCodeOf, statusText } from '../../src/update/report';
import { report as makeReport } from '../helpers/update-report';
import { AUTO_UPDATE_SERVICE, AUTO_UPDATE_TIMER, autoUpdateUnits } from '../../src/update/units';

const QUALIFIED = 'docker.io/library/alpine:3';
const HOST = describeHost({}, 0);
const label = (value: string) => [`${AUTO_UPDATE_LABEL}=${value}`];

const report = (updated: UpdateStatus, extra: Partial<UpdateReport> = {}) => makeReport(updated, extra, QUALIFIED);

describe('auto-update policy', () => {
  test("policyOf: podman's values, image as the old name of registry, off when empty or disabled", () => {
    assert.equal(policyOf('registry', 'web'), 'registry');
    assert.equal(policyOf('image', 'web'), 'registry');
    assert.equal(policyOf('local', 'web'), 'local');
    assert.equal(policyOf('', 'web'), null);
    assert.equal(policyOf('disabled', 'web'), null);
    assert.equal(policyOf(undefined, 'web'), null);
    assert.deepEqual([...POLICY_VALUES], ['disabled', 'image', 'local', 'registry']);
  });

  test("policyOf: any other value is podman's error, word for word", () => {
    assert.throws(() => policyOf('fakevalue', 'web'), {
      code: 'ERR_INVALID_OPTION',
      message:
        'auto-updating container "web": invalid auto-update policy "fakevalue": valid policies are ["disabled" "image" "local" "registry"]',
    });
    assert.throws(() => policyOf('Registry', 'db'), { message: /^auto-updating container "db": invalid auto-update policy "Registry"/ });
  });

  test('registry needs a fully qualified reference: a short name is refused when the monitor is configured', () => {
    assert.throws(() => buildMonitorOptions('web', [], { image: 'alpine', label: label('registry') }, HOST), {
      code: 'ERR_INVALID_OPTION',
      message: 'short name: auto updates require fully-qualified image reference: "alpine"',
    });
    assert.throws(() => buildMonitorOptions('web', [], { image: 'docker.io/alpine', label: label('image') }, HOST), {
      message: 'short name: auto updates require fully-qualified image reference: "docker.io/alpine"',
    });
    const o = buildMonitorOptions('web', [], { image: QUALIFIED, label: label('registry') }, HOST);
    assert.equal(o.image, QUALIFIED);
    assert.deepEqual(o.labels, { [AUTO_UPDATE_LABEL]: 'registry' });
  });

  test('local takes a short name: it only compares with the store', () => {
    const o = buildMonitorOptions('web', [], { image: 'alpine', label: label('local') }, HOST);
    assert.equal(o.image, 'alpine');
    assert.deepEqual(o.labels, { [AUTO_UPDATE_LABEL]: 'local' });
  });

  test('a bundle has nothing to update to', () => {
    for (const value of ['registry', 'local']) {
      assert.throws(() => buildMonitorOptions('web', [], { bundle: 'b', label: label(value) }, HOST), {
        code: 'ERR_INVALID_OPTION',
        message: 'auto updates require an image (--image): a bundle has nothing to update to',
      });
    }
    assert.deepEqual(buildMonitorOptions('web', [], { bundle: 'b', label: label('disabled') }, HOST).labels, {
      [AUTO_UPDATE_LABEL]: 'disabled',
    });
  });

  test('--pull=always or newer would undo a rollback at the next start: refused', () => {
    for (const pull of ['always', 'newer']) {
      assert.throws(() => buildMonitorOptions('web', [], { image: QUALIFIED, pull, label: label('registry') }, HOST), {
        code: 'ERR_INVALID_OPTION',
        message: new RegExp(`^--pull=${pull} cannot be combined with io\\.containers\\.autoupdate=registry: `),
      });
    }
    assert.equal(buildMonitorOptions('web', [], { image: QUALIFIED, pull: 'never', label: label('registry') }, HOST).pull, 'never');
    assert.equal(
      buildMonitorOptions('web', [], { image: QUALIFIED, pull: 'always' }, HOST).pull,
      'always',
      'without a policy --pull is free',
    );
  });

  test('an invalid policy is accepted at creation (podman reports it at each auto-update run)', () => {
    const o = buildMonitorOptions('web', [], { image: 'alpine', label: label('fakevalue') }, HOST);
    assert.deepEqual(o.labels, { [AUTO_UPDATE_LABEL]: 'fakevalue' });
    assert.doesNotThrow(() => checkUpdatable({ [AUTO_UPDATE_LABEL]: 'fakevalue' }, undefined, 'always'));
  });

  test('checkUpdatable directly: the label decides, other labels do not matter', () => {
    assert.doesNotThrow(() => checkUpdatable({}, undefined, 'always'));
    assert.doesNotThrow(() => checkUpdatable({ [AUTO_UPDATE_LABEL]: '' }, undefined, 'always'));
    assert.doesNotThrow(() => checkUpdatable({ other: 'registry' }, 'alpine', 'missing'));
    assert.doesNotThrow(() => checkUpdatable({ [AUTO_UPDATE_LABEL]: 'registry' }, '127.0.0.1:5000/web', 'missing'));
    assert.throws(() => checkUpdatable({ [AUTO_UPDATE_LABEL]: 'registry' }, 'web', 'missing'), /short name: .*"web"/);
  });

  test('a .container file: AutoUpdate= becomes the label; a short name with registry is refused', () => {
    const unit = containerToUnit('/x/web.container', `[Container]\nImage=${QUALIFIED}\nAutoUpdate=registry\n`, 'h', HOST, [
      '/usr/bin/ctrmon',
    ]);
    assert.deepEqual(unit.options.labels, { [AUTO_UPDATE_LABEL]: 'registry' });
    assert.ok(unit.text.includes(`--label ${AUTO_UPDATE_LABEL}=registry`), unit.text);
    const local = containerToUnit('/x/web.container', '[Container]\nImage=alpine\nAutoUpdate=local\n', 'h', HOST, ['/usr/bin/ctrmon']);
    assert.deepEqual(local.options.labels, { [AUTO_UPDATE_LABEL]: 'local' });
    assert.throws(
      () => containerToUnit('/x/web.container', '[Container]\nImage=alpine\nAutoUpdate=registry\n', 'h', HOST, ['/usr/bin/ctrmon']),
      {
        message: /^\/x\/web\.container: short name: auto updates require fully-qualified image reference: "alpine"/,
      },
    );
  });
});

describe('auto-update reports', () => {
  test('exit code: 0 unless a unit rolled back (2) or anything failed (125)', () => {
    assert.equal(EXIT_ROLLED_BACK, 2);
    assert.equal(EXIT_FAILED, 125);
    assert.equal(exitCodeOf([], 0), 0);
    assert.equal(exitCodeOf([report('false'), report('true'), report('pending')], 0), 0);
    assert.equal(exitCodeOf([report('true'), report('rolled back')], 0), 2);
    assert.equal(exitCodeOf([report('rolled back'), report('failed')], 0), 125);
    assert.equal(exitCodeOf([report('false')], 1), 125, 'an error outside the rows (a container that could not be taken) fails the run');
    assert.equal(exitCodeOf([report('rolled back')], 1), 125);
  });

  test('the UPDATED column says why a newer image was not tried', () => {
    assert.equal(statusText(report('false')), 'false');
    assert.equal(statusText(report('rolled back')), 'rolled back');
    assert.equal(statusText(report('false', { Quarantined: true })), 'false (quarantined)');
  });
});

describe('auto-update units', () => {
  const units = autoUpdateUnits(['/usr/bin/node', '/x/ctrmon.js'], [], 'hdr');
  const entries = (name: string) => parseUnitFile(units[name], name).map((e) => `${e.section}|${e.key}|${e.value}`);

  test('a daily timer, randomised by 15 minutes, catching up a missed run', () => {
    assert.deepEqual(Object.keys(units).sort(), [AUTO_UPDATE_SERVICE, AUTO_UPDATE_TIMER]);
    assert.equal(AUTO_UPDATE_TIMER, 'ctrmon-auto-update.timer');
    assert.ok(units[AUTO_UPDATE_TIMER].startsWith('# hdr\n'));
    assert.deepEqual(entries(AUTO_UPDATE_TIMER), [
      'Unit|Description|ctrmon auto-update timer',
      'Timer|OnCalendar|daily',
      'Timer|RandomizedDelaySec|900',
      'Timer|Persistent|true',
      'Install|WantedBy|timers.target',
    ]);
  });

  test('a oneshot service running auto-update, then image prune', () => {
    assert.equal(AUTO_UPDATE_SERVICE, 'ctrmon-auto-update.service');
    assert.ok(units[AUTO_UPDATE_SERVICE].startsWith('# hdr\n'));
    const service = entries(AUTO_UPDATE_SERVICE);
    assert.ok(service.includes('Service|Type|oneshot'));
    assert.ok(service.includes('Service|ExecStart|/usr/bin/node /x/ctrmon.js auto-update'), service.join('\n'));
    assert.ok(service.includes('Service|ExecStartPost|/usr/bin/node /x/ctrmon.js image prune --force'), service.join('\n'));
    assert.ok(service.includes('Unit|After|network-online.target'));
    assert.ok(service.includes('Install|WantedBy|default.target'));
  });

  test('the command line is quoted word by word', () => {
    const spaced = autoUpdateUnits(['/opt/my node/node', '/x/ctrmon.js'], ['--hooks-dir', '/etc/my hooks'], 'h')[AUTO_UPDATE_SERVICE];
    const exec = parseUnitFile(spaced, 's').find((e) => e.key === 'ExecStart')!.value;
    assert.equal(exec, '"/opt/my node/node" /x/ctrmon.js auto-update --hooks-dir "/etc/my hooks"');
  });
});
