// The README's Layout section against the tree: each of its items ("- `path` — what it is") names a
// path that exists, and together they name every top-level folder git tracks (hidden ones aside) and
// every folder directly under src/. Files git does not track yet but does not ignore count, so that a
// new folder fails here before it is committed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { PACKAGE_ROOT, packagePath } from '../../src/package-root';

function layoutPaths(): string[] {
  const readme = readFileSync(packagePath('README.md'), 'utf8').split('\n');
  const start = readme.findIndex((l) => /^## Layout\s*$/.test(l));
  assert.ok(start >= 0, 'README.md has a "## Layout" section');
  const end = readme.findIndex((l, i) => i > start && /^#{1,2} /.test(l));
  const items = readme.slice(start + 1, end < 0 ? undefined : end).filter((l) => l.startsWith('- '));
  assert.ok(items.length > 0, 'the Layout section lists paths');
  return items.map((item) => {
    const m = /^- `([^`]+)`/.exec(item);
    assert.ok(m, `a Layout item starts with its path in backquotes: ${item}`);
    return m[1];
  });
}

const git = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: PACKAGE_ROOT, encoding: 'utf8' });
const files = git.status === 0 ? git.stdout.split('\0').filter(Boolean) : null;
const gitSkipReason = files ? false : `not a git checkout (git ls-files: ${git.error?.message ?? git.stderr})`;

describe("the README's layout", () => {
  test('every path it names exists', () => {
    for (const p of layoutPaths()) assert.ok(existsSync(packagePath(p)), `README.md's Layout names ${p}, which does not exist`);
  });

  test('it names every top-level folder and every folder under src/', { skip: gitSkipReason }, () => {
    const named = new Set(layoutPaths().map((p) => p.replace(/\/+$/, '')));
    const folders = new Set<string>();
    for (const file of files!) {
      const parts = file.split('/');
      if (parts.length > 1 && !parts[0].startsWith('.')) folders.add(parts[0]);
      if (parts[0] === 'src' && parts.length > 2) folders.add(`src/${parts[1]}`);
    }
    assert.ok(folders.has('src/cli'), 'the walk sees the folders under src/');
    assert.deepEqual([...folders].filter((f) => !named.has(f)).sort(), [], "folders README.md's Layout does not name");
  });
});
