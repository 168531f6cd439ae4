import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { describeHost } from '../../src/host/host';
import { listContainers } from '../../src/state/listing';
import { stateFile } from '../../src/state/paths';
import { listStates, readState } from '../../src/state/reader';
import type { ContainerState } from '../../src/state/types';
import { writeState } from '../../src/state/writer';
import { containerState } from '../helpers/state-fixture';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-statefile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('state file', () => {
  test('is written atomically and read back; no temporary file stays behind', () => {
    const file = stateFile(dir, 'a');
    writeState(file, containerState('a'));
    writeState(file, containerState('a', { phase: 'ready' }));
    assert.equal(readState(file).phase, 'ready');
    assert.deepEqual(readdirSync(path.dirname(file)), ['state.json']);
  });

  test('a corrupt or missing file is an ERR_STATE error naming the file', () => {
    const file = stateFile(dir, 'corrupt');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{"name": ');
    assert.throws(() => readState(file), { code: 'ERR_STATE', message: new RegExp(`state file ${file} is corrupt`) });
    assert.throws(() => readState(path.join(dir, 'nope', 'state.json')), { code: 'ERR_STATE', message: /cannot read state file/ });
  });

  test('listing skips directories without a state file and reports corrupt ones', () => {
    mkdirSync(path.join(dir, 'empty'), { recursive: true });
    const { states, errors } = listStates(dir);
    assert.deepEqual(
      states.map((s) => s.name),
      ['a'],
    );
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /corrupt/);
  });

  test('ps: a monitor that died without recording an exit is "lost"; an exit shows its code', () => {
    writeState(stateFile(dir, 'gone'), containerState('gone', { phase: 'ready' }));
    writeState(stateFile(dir, 'done'), containerState('done', { phase: 'exited', exitCode: 3 }));
    const rows = Object.fromEntries(listContainers(dir).rows.map((r) => [r.state.name, r.status]));
    assert.equal(rows.gone, 'lost');
    assert.equal(rows.done, 'exited (3)');
  });

  test('an image record written before the store root was recorded reads with the default root', () => {
    const other = mkdtempSync(path.join(tmpdir(), 'ctrmon-statefile-old-'));
    const file = stateFile(other, 'old');
    const record = { kind: 'image', reference: 'r/x:1', name: 'r/x:1', manifestDigest: null, indexDigest: null, imageId: null };
    writeState(file, { ...containerState('old'), source: record as unknown as ContainerState['source'] });
    assert.deepEqual(readState(file).source, { ...record, root: describeHost({}, 0).paths.storeRoot });
    writeState(file, { ...containerState('old'), source: { ...record, root: '/srv/images' } as ContainerState['source'] });
    assert.equal((readState(file).source as { root: string }).root, '/srv/images');
    rmSync(other, { recursive: true, force: true });
  });
});
