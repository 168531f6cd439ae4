import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { ownCgroup, splitUnitCgroup } from '../../src/process/cgroup';
import { hostCgroupLayout, resolveRuntime } from '../../src/runtime/resolve';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-cg-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('cgroup placement', () => {
  test('reads the cgroup v2 path and the unit from /proc/self/cgroup', () => {
    const file = path.join(dir, 'cgroup');
    writeFileSync(file, '9:name=systemd:/\n0::/system.slice/web.service\n');
    assert.deepEqual(ownCgroup(file), { path: '/system.slice/web.service', unit: 'web.service' });
    writeFileSync(file, '0::/\n');
    assert.deepEqual(ownCgroup(file), { path: '/', unit: null });
  });

  test('in a unit on cgroup v2: ctrmon moves to <unit>/supervisor, the container gets <unit>/container', () => {
    const root = path.join(dir, 'cg2');
    mkdirSync(path.join(root, 'system.slice', 'web.service'), { recursive: true });
    writeFileSync(path.join(root, 'cgroup.controllers'), '');
    const plan = splitUnitCgroup({ path: '/system.slice/web.service', unit: 'web.service' }, root);
    assert.deepEqual(plan, {
      supervisorPath: '/system.slice/web.service/supervisor',
      containerPath: '/system.slice/web.service/container',
    });
    assert.equal(readFileSync(path.join(root, 'system.slice', 'web.service', 'supervisor', 'cgroup.procs'), 'utf8'), String(process.pid));
  });

  test('not in a unit, or no cgroup v2 at the mount root: the runtime decides', () => {
    const v1 = path.join(dir, 'v1');
    mkdirSync(v1);
    assert.deepEqual(splitUnitCgroup({ path: '/system.slice/web.service', unit: 'web.service' }, v1), {});
    assert.deepEqual(splitUnitCgroup({ path: '/user.slice', unit: null }, path.join(dir, 'cg2')), {});
  });
});

describe('runtime resolution', () => {
  const bin = path.join(dir, 'bin');
  const other = path.join(dir, 'other');
  mkdirSync(bin);
  mkdirSync(other);
  writeFileSync(path.join(bin, 'runc'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(path.join(other, 'crun'), '#!/bin/sh\n', { mode: 0o644 });

  test('by name on PATH; the default prefers crun, else runc', () => {
    assert.deepEqual(resolveRuntime('runc', bin), { path: path.join(bin, 'runc'), name: 'runc' });
    assert.deepEqual(resolveRuntime(undefined, bin, 'unified'), { path: path.join(bin, 'runc'), name: 'runc' });
    chmodSync(path.join(other, 'crun'), 0o755);
    assert.deepEqual(resolveRuntime(undefined, `${other}:${bin}`, 'unified'), { path: path.join(other, 'crun'), name: 'crun' });
    chmodSync(path.join(other, 'crun'), 0o644);
  });

  test('the default on a hybrid (v1) cgroup host is runc; crun alone there is an error that says what to do', () => {
    chmodSync(path.join(other, 'crun'), 0o755);
    try {
      assert.deepEqual(resolveRuntime(undefined, `${other}:${bin}`, 'hybrid'), { path: path.join(bin, 'runc'), name: 'runc' });
      assert.throws(() => resolveRuntime(undefined, other, 'hybrid'), {
        code: 'ERR_RUNTIME_NOT_FOUND',
        exitCode: 127,
        message: /crun is on PATH but cannot run containers on this host's hybrid \(v1\) cgroups; install runc/,
      });
    } finally {
      chmodSync(path.join(other, 'crun'), 0o644);
    }
    assert.equal(hostCgroupLayout(dir), 'hybrid');
    writeFileSync(path.join(dir, 'cgroup.controllers'), '');
    assert.equal(hostCgroupLayout(dir), 'unified');
  });

  test('127 when not found, 126 when not executable', () => {
    assert.throws(() => resolveRuntime('youki', bin), { code: 'ERR_RUNTIME_NOT_FOUND', exitCode: 127 });
    assert.throws(() => resolveRuntime(undefined, other), {
      code: 'ERR_RUNTIME_NOT_FOUND',
      exitCode: 127,
      message: 'no OCI runtime found: neither crun nor runc is on PATH',
    });
    assert.throws(() => resolveRuntime('crun', other), { code: 'ERR_RUNTIME_NOT_EXECUTABLE', exitCode: 126 });
    assert.throws(() => resolveRuntime(path.join(other, 'crun')), { exitCode: 126 });
    assert.throws(() => resolveRuntime(path.join(other, 'nothing')), { exitCode: 127 });
  });
});
