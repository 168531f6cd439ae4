// `ctrmon bench` end to end, in its smallest form: this checks that the harness runs every
// measurement and writes its three outputs, not what the numbers are (those are machine facts,
// measured by `npm run bench`, never asserted in tests).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import type { AutoUpdateSamples } from '../../bench/auto-update';
import type { BenchReport } from '../../bench/report';
import { privateSystemdUnavailable } from '../lab/systemd/private-systemd';
import { CTRMON } from '../helpers/monitor-process';

const out = mkdtempSync(path.join(tmpdir(), 'ctrmon-bench-test-'));
after(() => rmSync(out, { recursive: true, force: true }));
const unavailable = process.getuid?.() !== 0 ? 'needs root' : privateSystemdUnavailable();
const benchSkipReason = unavailable ? `cannot run the benchmark here: ${unavailable}` : false;

describe('ctrmon bench', () => {
  test('runs every measurement and writes results.json, results.md and latency.svg', {
    skip: benchSkipReason,
    timeout: 240_000,
  }, async () => {
    const child = spawn(process.execPath, [CTRMON, 'bench', '--quick', '--starts', '2', '--idle-seconds', '1', '--output', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, stderr);
    const report = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as BenchReport;
    assert.equal(report.startToActive.ctrmon?.n, 2, JSON.stringify(report.skipped));
    assert.deepEqual(report.startToActive.ctrmon.failures, []);
    assert.ok(report.stop.ctrmon.n === 2);
    assert.ok(report.readyLatency.ctrmon.n > 0 && report.steadyLatency.ctrmon.n > 0);
    assert.ok(report.memory['1'].ctrmon.perMonitor.privateKb > 0 && report.memory['10'].ctrmon);
    assert.equal(typeof report.idle.ctrmon.contextSwitches, 'number');
    assert.equal(report.flood.ctrmon.stalled, false);
    for (const anchor of ['podman', 'conmon']) {
      const measured = anchor === 'podman' ? report.startToActive.podman : report.readyLatency.conmon;
      assert.ok(measured || report.skipped[anchor], `${anchor} is measured or reported as skipped`);
    }
    const au = report.autoUpdate;
    assert.ok(au || report.skipped.autoUpdate, 'auto-update is measured or reported as skipped');
    if (au) {
      for (const row of ['check', 'update', 'rollback'] as const) {
        const ctrmon: AutoUpdateSamples | undefined = au.rows[row].ctrmon;
        assert.ok(ctrmon && ctrmon.n > 0, `${row}: ctrmon has samples (${JSON.stringify(ctrmon?.failures)})`);
        assert.equal(ctrmon.samples.length, ctrmon.n);
        assert.ok(au.rows[row].podman || report.skipped['autoUpdate:podman'], `${row}: podman is measured or reported as skipped`);
      }
    }
    const sa = report.socketActivation;
    assert.ok(sa || report.skipped.socketActivation, 'socket activation is measured or reported as skipped');
    if (sa) {
      const ctrmon = sa.firstByte.ctrmon;
      assert.ok(ctrmon && ctrmon.n === sa.rounds, `socket activation: ctrmon answered every round (${JSON.stringify(ctrmon?.failures)})`);
      assert.deepEqual(ctrmon.failures, []);
      assert.ok(
        sa.firstByte.podman || report.skipped['socketActivation:podman'],
        'socket activation: podman is measured or reported as skipped',
      );
    }
    assert.match(readFileSync(path.join(out, 'results.md'), 'utf8'), /^# ctrmon benchmark/);
    assert.match(readFileSync(path.join(out, 'latency.svg'), 'utf8'), /^<svg /);
    assert.match(stdout, /start-to-active, median: ctrmon/);
  });
});
