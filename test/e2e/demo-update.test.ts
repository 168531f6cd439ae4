// The last step of scripts/demo.sh, as a newcomer runs it: `ctrmon demo --systemd --update` moves
// the demo service to a new image with `ctrmon auto-update`, then rolls back one that crashes, and
// exits 0 only when both happened (the demo checks the statuses, exit codes, digests and systemd's
// view itself; this checks that it says so). And its step before: `ctrmon demo --systemd --ports`,
// the README tour's two published services.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { after, test } from 'node:test';

import { registrySkipReason } from '../lab/registry/test-registry';
import { privateSystemdUnavailable } from '../lab/systemd/private-systemd';
import { CTRMON } from '../helpers/monitor-process';
import { networkSkipReason } from '../lab/network-host';

const unavailable = privateSystemdUnavailable() ?? registrySkipReason();
const work = mkdtempSync('/tmp/ctrmon-e2e-demo-');
after(() => rmSync(work, { recursive: true, force: true }));

/** `ctrmon demo <args> --work-dir <work>`, to its end. */
async function demo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CTRMON, 'demo', ...args, '--work-dir', work], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

test('ctrmon demo --systemd --update: updated, then rolled back, and it says OK', {
  skip: unavailable ? `cannot run here: ${unavailable}` : false,
  timeout: 120_000,
}, async () => {
  const { code, stdout, stderr } = await demo(['--systemd', '--update']);
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

test('ctrmon demo --systemd --ports: each service answers with its name on its port, and it says OK', {
  skip: (privateSystemdUnavailable() ?? networkSkipReason) || false,
  timeout: 60_000,
}, async () => {
  const { code, stdout, stderr } = await demo(['--systemd', '--ports']);
  assert.equal(code, 0, `${stdout}${stderr}`);
  assert.match(stdout, /^ {4}blue +ready .* 0\.0\.0\.0:8081->8080\/tcp /m, stdout);
  assert.match(stdout, /^\$ curl http:\/\/127\.0\.0\.1:8081\/\n {4}blue$/m);
  assert.match(stdout, /^\$ curl http:\/\/127\.0\.0\.1:8082\/\n {4}green$/m);
  assert.match(stdout, /^\[demo\] OK: /m, stdout);
});
