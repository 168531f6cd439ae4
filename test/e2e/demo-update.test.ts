// The last step of scripts/demo.sh, as a newcomer runs it: `ctrmon demo --systemd --update` moves
// the demo service to a new image with `ctrmon auto-update`, then rolls back one that crashes, and
// exits 0 only when both happened (the demo checks the statuses, exit codes, digests and systemd's
// view itself; this checks that it says so).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { after, test } from 'node:test';

import { registrySkipReason } from '../lab/registry/test-registry';
import { privateSystemdUnavailable } from '../lab/systemd/private-systemd';
import { CTRMON } from '../helpers/monitor-process';

const unavailable = privateSystemdUnavailable() ?? registrySkipReason();
const work = mkdtempSync('/tmp/ctrmon-e2e-demo-');
after(() => rmSync(work, { recursive: true, force: true }));

test('ctrmon demo --systemd --update: updated, then rolled back, and it says OK', {
  skip: unavailable ? `cannot run here: ${unavailable}` : false,
  timeout: 120_000,
}, async () => {
  const child = spawn(process.execPath, [CTRMON, 'demo', '--systemd', '--update', '--work-dir', work], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, `${stdout}${stderr}`);
  assert.match(stdout, /^ {4}ctrmon-demo\.service +ctrmon-demo +\S+ +registry +true$/m, stdout);
  assert.match(stdout, /^ {4}ctrmon-demo\.service +ctrmon-demo +\S+ +registry +rolled back$/m, stdout);
  assert.match(stdout, /^ {4}exit 2$/m, stdout);
  const seen = [...stdout.matchAll(/StatusText="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(
    seen,
    ['demo-app 1.0.0 serving', 'demo-app 2.0.0 serving', 'demo-app 2.0.0 serving'],
    'still on 2.0.0 after the rollback',
  );
  assert.match(stdout, /^\[demo\] OK: /m, stdout);
});
