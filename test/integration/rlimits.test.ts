// Unlimited resource limits under the real runc: --ulimit core=-1, and a bundle whose own config
// says 2^64-1 (which JSON.parse reads as a double), both reach the container as "unlimited".
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { integrationSuite } from '../helpers/integration-suite';

const suite = integrationSuite('rlimits', 'runc');
const coreLimits = ['/bin/sh', '-c', "grep 'Max core file size' /proc/self/limits"];

test('--ulimit core=-1: the container has no core size limit', async () => {
  const m = suite.monitor({ options: ['--runtime', 'runc', '--bundle', suite.bundle, '--ulimit', 'core=-1'], command: coreLimits });
  assert.equal((await m.exited).code, 0, m.stderr);
  assert.match(m.stdout, /^Max core file size\s+unlimited\s+unlimited\s+bytes/m);
});

test("a bundle's own RLIM_INFINITY is kept exactly, and a limited one stays a number", async () => {
  const bundle = path.join(suite.scratch, 'bundle');
  cpSync(suite.bundle, bundle, { recursive: true, verbatimSymlinks: true });
  const file = path.join(bundle, 'config.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as { process: { rlimits?: unknown[] } };
  config.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 512 }];
  // Written by hand: JSON.stringify cannot write 2^64-1.
  writeFileSync(
    file,
    JSON.stringify(config).replace(
      '"rlimits":[',
      '"rlimits":[{"type":"RLIMIT_CORE","soft":18446744073709551615,"hard":18446744073709551615},',
    ),
  );
  const m = suite.monitor({
    options: ['--runtime', 'runc', '--bundle', bundle],
    command: ['/bin/sh', '-c', "grep -E 'Max (core file size|open files)' /proc/self/limits"],
  });
  assert.equal((await m.exited).code, 0, m.stderr);
  assert.match(m.stdout, /^Max core file size\s+unlimited\s+unlimited/m);
  assert.match(m.stdout, /^Max open files\s+512\s+512/m);
});
