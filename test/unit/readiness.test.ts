// The readiness table (notify/readiness.ts) and its readers, mode by mode: the table's facts fit
// together, and the option table, the unit generator, the .container parser, the state file and
// the update verifier each do what the table says for every mode. (The monitor's part, who sends
// READY=1 and when, is driven through a real runtime in integration/monitor-lifecycle.test.ts.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { MONITOR_FLAGS, buildMonitorOptions } from '../../src/config/monitor-options';
import { describeHost } from '../../src/host/host';
import { READINESS, type Readiness, SDNOTIFY_MODES, type SdNotifyMode } from '../../src/notify/readiness';
import { stateFile } from '../../src/state/paths';
import { readState } from '../../src/state/reader';
import { type ContainerState, PHASES, type Phase } from '../../src/state/types';
import { writeState } from '../../src/state/writer';
import type { JobResult, SystemdClient } from '../../src/systemd/systemd-client';
import { containerToUnit } from '../../src/systemd/quadlet';
import { parseUnitFile } from '../../src/systemd/unit-file';
import { defaultStartTimeoutSec, renderUnit } from '../../src/systemd/unit-generator';
import { restartAndVerify } from '../../src/update/verify';
import { containerState } from '../helpers/state-fixture';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-readiness-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const COMMAND = ['/usr/bin/node', '/opt/ctrmon/bin/ctrmon.js'];
const HOST = describeHost({}, 0);
const FIELDS: (keyof Readiness)[] = ['readyBy', 'relay', 'notifiesSystemd', 'unitType', 'readyPhase', 'notifyKey'];
const modes = (pick: (r: Readiness) => boolean) => SDNOTIFY_MODES.filter((m) => pick(READINESS[m]));

/** Options in a mode, with a health check whether or not the mode needs one. */
function optionsIn(mode: SdNotifyMode) {
  return buildMonitorOptions('web', [], { bundle: '/b', sdnotify: mode, healthCmd: 'true', healthStartPeriod: '10m' }, HOST);
}

function state(name: string, mode: SdNotifyMode, phase: Phase, invocationId: string): ContainerState {
  return containerState(name, { sdnotify: mode, unit: `${name}.service`, invocationId, phase });
}

/** A systemd whose restart job succeeds at once and starts a monitor that writes `written`. */
function restartingClient(stateDir: string, written: ContainerState): SystemdClient {
  // The verifier reads only the job's result.
  const job = { unit: written.unit, result: 'done' } as JobResult;
  return {
    resetFailed: async () => undefined,
    show: async () => ({ InvocationID: 'before' }),
    restart: async () => {
      writeState(stateFile(stateDir, written.name), written);
      return job;
    },
  } as unknown as SystemdClient;
}

describe('the readiness table', () => {
  test('every mode has every fact, and the facts fit together', () => {
    for (const mode of SDNOTIFY_MODES) {
      const r = READINESS[mode];
      assert.deepEqual(Object.keys(r).sort(), [...FIELDS].sort(), mode);
      // The application's READY=1 reaches systemd only through the relay, and what the relay passes goes to systemd.
      if (r.readyBy === 'application') assert.ok(r.relay, mode);
      if (r.relay) assert.ok(r.notifiesSystemd, mode);
      // A Type=notify unit whose READY=1 never comes would fail its start at TimeoutStartSec.
      assert.equal(r.unitType === 'notify', r.readyBy !== 'nobody' && r.notifiesSystemd, mode);
      // The state file records `ready` only when something said READY=1.
      assert.equal(r.readyPhase === 'ready', r.readyBy !== 'nobody', mode);
      assert.ok((PHASES as readonly string[]).includes(r.readyPhase), mode);
    }
    const keys = SDNOTIFY_MODES.map((m) => READINESS[m].notifyKey).filter((k) => k !== null);
    assert.equal(new Set(keys).size, keys.length, 'one mode per Notify= value');
  });

  test('--sdnotify offers exactly the modes of the table, and the state file accepts exactly those', () => {
    assert.deepEqual(MONITOR_FLAGS.find((f) => f.flag === '--sdnotify')?.choices, SDNOTIFY_MODES);
    for (const mode of SDNOTIFY_MODES) {
      const file = stateFile(dir, `state-${mode}`);
      writeState(file, state(`state-${mode}`, mode, 'running', 'x'));
      assert.equal(readState(file).sdnotify, mode);
    }
    const file = stateFile(dir, 'state-unknown');
    writeState(file, { ...state('state-unknown', 'conmon', 'running', 'x'), sdnotify: 'sometimes' as SdNotifyMode });
    assert.throws(() => readState(file), { code: 'ERR_STATE', message: /sdnotify/ });
  });

  test('a mode needs a health check exactly when the first passing check says READY', () => {
    for (const mode of SDNOTIFY_MODES) {
      const build = () => buildMonitorOptions('web', [], { bundle: '/b', sdnotify: mode }, HOST);
      if (READINESS[mode].readyBy === 'health') assert.throws(build, { code: 'ERR_INVALID_OPTION', message: /requires --health-cmd/ });
      else assert.equal(build().sdnotify, mode);
    }
  });

  test("the unit's Type= is the table's, and its start timeout waits for a health check only where one says READY", () => {
    const withoutHealth = defaultStartTimeoutSec({ ...optionsIn('conmon'), health: undefined });
    for (const mode of SDNOTIFY_MODES) {
      const o = optionsIn(mode);
      const service = parseUnitFile(renderUnit(o, HOST, { restart: 'no', header: 'h' }, COMMAND), 'u').filter(
        (e) => e.section === 'Service',
      );
      assert.deepEqual(
        service.filter((e) => e.key === 'Type').map((e) => e.value),
        [READINESS[mode].unitType],
        mode,
      );
      const waitsForHealth = defaultStartTimeoutSec(o) >= 600 + 30;
      assert.equal(waitsForHealth, READINESS[mode].readyBy === 'health', mode);
      if (!waitsForHealth) assert.equal(defaultStartTimeoutSec(o), withoutHealth, mode);
    }
  });

  test('Notify= in a .container file selects the mode the table names, and no other value is taken', () => {
    for (const mode of modes((r) => r.notifyKey !== null)) {
      const text = `[Container]\nBundle=/b\nNotify=${READINESS[mode].notifyKey}\nHealthCmd=true\n`;
      assert.equal(containerToUnit('/x/a.container', text, 'h', HOST, COMMAND).options.sdnotify, mode);
    }
    const keys = modes((r) => r.notifyKey !== null).map((m) => READINESS[m].notifyKey);
    assert.throws(() => containerToUnit('/x/a.container', '[Container]\nBundle=/b\nNotify=ignore\n', 'h', HOST, COMMAND), {
      message: `/x/a.container:3: Notify=ignore: expected ${keys.slice(0, -1).join(', ')} or ${keys.at(-1)}`,
    });
  });

  test("the update verifier counts a restarted container as ready in the table's phase, and in no other", async () => {
    for (const mode of SDNOTIFY_MODES) {
      for (const phase of ['running', 'ready'] as const) {
        const name = `verify-${mode}-${phase}`;
        const client = restartingClient(dir, state(name, mode, phase, `after-${name}`));
        const verdict = await restartAndVerify(`${name}.service`, name, 'sha256:unused', {
          client,
          stateDir: dir,
          timeoutMs: 150,
          soakMs: 0,
          pollMs: 10,
        });
        assert.equal(verdict.ok, phase === READINESS[mode].readyPhase, `${mode} in phase ${phase}: ${verdict.reason}`);
        if (!verdict.ok) assert.equal(verdict.cause, 'readiness');
      }
    }
  });
});
