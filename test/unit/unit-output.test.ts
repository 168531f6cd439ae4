// generate's unit files (src/systemd/unit-output.ts): a directory that is not there is made, each
// file written whole, and a directory that cannot be made is one line naming it, exit 125.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

import { packagePath } from '../../src/package-root';
import { writeUnitFiles } from '../../src/systemd/unit-output';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-unit-output-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const generate = (outputDir: string) =>
  spawnSync(
    process.execPath,
    [packagePath('bin', 'ctrmon.js'), 'generate', 'systemd', '--bundle', '/srv/b', '--files', '--output-dir', outputDir, 'web'],
    { encoding: 'utf8' },
  );

test('writeUnitFiles makes the directory and writes each unit; returns their paths', () => {
  const into = path.join(dir, 'a', 'b');
  assert.deepEqual(
    writeUnitFiles(into, [
      ['x.service', 'X\n'],
      ['x.socket', 'S\n'],
    ]),
    [path.join(into, 'x.service'), path.join(into, 'x.socket')],
  );
  assert.equal(readFileSync(path.join(into, 'x.socket'), 'utf8'), 'S\n');
});

test('generate systemd --files into a directory that is not there makes it', () => {
  const into = path.join(dir, 'new', 'units');
  const r = generate(into);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${path.join(into, 'web.service')}\n`);
  assert.match(readFileSync(path.join(into, 'web.service'), 'utf8'), /^ExecStart=.* monitor --bundle \/srv\/b /m);
});

test('a directory that cannot be made is one line naming it, exit 125', () => {
  const file = path.join(dir, 'plain-file');
  writeFileSync(file, '');
  const r = generate(path.join(file, 'units'));
  assert.equal(r.status, 125);
  assert.equal(
    r.stderr,
    `ctrmon: cannot make the unit directory ${path.join(file, 'units')}: ENOTDIR: not a directory, mkdir '${path.join(file, 'units')}'\n`,
  );
});
