import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { CtrmonError, ERROR_CODES, asCtrmonError } from '../../src/errors';
import { createLogger } from '../../src/log';
import { createLogDriver } from '../../src/logs/driver';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('errors', () => {
  test('a CtrmonError keeps its code, subject, cause and exit code', () => {
    const cause = new Error('EROFS: read-only file system');
    const err = new CtrmonError('ERR_STATE', 'cannot write /run/x/state.json', { path: '/run/x/state.json' }, { cause, exitCode: 126 });
    assert.equal(err.cause, cause);
    assert.deepEqual([err.code, err.subject.path, err.exitCode], ['ERR_STATE', '/run/x/state.json', 126]);
    assert.equal(new CtrmonError('ERR_INVALID_OPTION', 'x').exitCode, 125);
  });

  test('the unexpected becomes ERR_INTERNAL with the original as its cause; ctrmon errors pass unchanged', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'phase')");
    const wrapped = asCtrmonError(bug, { name: 'web' });
    assert.equal(wrapped.code, 'ERR_INTERNAL');
    assert.equal(wrapped.cause, bug);
    assert.match(wrapped.message, /^internal error: Cannot read properties/);
    assert.deepEqual(wrapped.subject, { name: 'web' });
    const own = new CtrmonError('ERR_RUNTIME_FAILED', 'runc create failed');
    assert.equal(asCtrmonError(own), own);
  });

  test('every code belongs to exactly one subsystem', () => {
    const all = Object.values(ERROR_CODES).flat();
    assert.equal(new Set(all).size, all.length);
    assert.ok(all.includes('ERR_INTERNAL') && all.includes('ERR_LOG_OPEN') && all.includes('ERR_SYSTEMD'));
  });

  test('a log file that cannot be opened is ERR_LOG_OPEN naming the file, not an invalid option', () => {
    const blocker = path.join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const file = path.join(blocker, 'ctr.log');
    const log = createLogger('silent');
    assert.throws(
      () => createLogDriver({ driver: 'k8s-file', path: file, defaultFilePath: file, container: { name: 'x', id: 'x' }, log }),
      (err: CtrmonError) => {
        assert.equal(err.code, 'ERR_LOG_OPEN');
        assert.equal(err.subject.path, file);
        assert.match(err.message, new RegExp(`cannot open log file ${file}: ENOTDIR`));
        assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOTDIR');
        return true;
      },
    );
  });
});
