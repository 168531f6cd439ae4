// `ctrmon demo --update`: the main job, as the README's tour ends. The demo service runs image
// 1.0.0 from a docker-registry on loopback under a private systemd (with the
// io.containers.autoupdate=registry label); 2.0.0 is pushed and `ctrmon auto-update` moves the
// service to it; then an image that crashes at start is pushed as the same tag and
// `ctrmon auto-update` rolls the service back to 2.0.0 (exit code 2). The place is the lab the
// end-to-end tests use (test/lab/update-lab.ts): the private systemd shares the host's network so
// that its units reach the registry, and ctrmon runs inside its namespaces, where the units and
// the state files are.
import { rmSync } from 'node:fs';
import * as path from 'node:path';

import { EXIT_ROLLED_BACK } from '../src/update/report';
import { RUNTIME_UNIT_DIR } from '../test/lab/systemd/service-manager';
import { UpdateLab } from '../test/lab/update-lab';

export interface UpdateDemoOptions {
  workDir: string;
  runtime: string;
  print: (line: string) => void;
}

const NAME = 'ctrmon-demo';
const UNIT = `${NAME}.service`;
const REPOSITORY = 'ctrmon/demo';
/** Short waits, so that the demo is quick: the new image must be ready within TIMEOUT, then stay up for SOAK. */
const SOAK = '2s';
const TIMEOUT = '10s';

const short = (digest: string | null) => (digest ? digest.replace(/^sha256:/, '').slice(0, 12) : '-');
const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => `    ${l}`);

/** Returns 0 when the update landed on 2.0.0 and the crashing image was rolled back to it, 1 otherwise. */
export async function runUpdateDemo(options: UpdateDemoOptions): Promise<number> {
  const { print } = options;
  const started = Date.now();
  const work = path.join(options.workDir, 'update');
  // A fresh place every time: the quarantine of the last run would remember the crashing image's digest.
  rmSync(work, { recursive: true, force: true });
  const lab = await UpdateLab.start(work, { runtime: options.runtime });
  const checks: [string, boolean][] = [];
  const check = (what: string, ok: boolean) => checks.push([what, ok]);
  try {
    const { nsd } = lab;
    print(
      `[demo] a docker-registry on ${lab.registry.host} and a private systemd (host pid ${nsd.pid}) sharing the host's network, ` +
        `up in ${Date.now() - started} ms`,
    );
    const ref = lab.ref(REPOSITORY);
    const v1 = lab.push(ref, '1.0.0');
    print(`[demo] pushed demo-app 1.0.0 as ${ref} (${short(v1)})`);

    // The command UpdateLab.installUnit runs; it adds the registries.conf that marks the loopback registry insecure.
    const generate = ['generate', 'systemd', '--image', ref, '--root', lab.store, '--runtime', options.runtime];
    generate.push('--sdnotify', 'container', '--network', 'none', '--label', 'io.containers.autoupdate=registry', NAME);
    print(`$ ctrmon ${generate.join(' ')} > ${RUNTIME_UNIT_DIR}/${UNIT}`);
    await lab.installUnit(UNIT, ref, 'registry');
    const unit = nsd.readFile(`${RUNTIME_UNIT_DIR}/${UNIT}`);
    for (const line of unit.split('\n').filter((l) => /^(Environment|ExecStart)=/.test(l))) print(`    ${line}`);
    print(`$ systemctl start ${UNIT}    # ctrmon pulls the image, systemd waits for READY=1`);
    const start = await nsd.client.start(UNIT);
    const first = await show(lab);
    print(`[demo] start returned ${start.result}: ${describe(first)}`);
    check('the service started on 1.0.0', start.result === 'done' && first.active && first.digest === v1);
    if (start.result !== 'done') for (const line of indent(nsd.journal(UNIT))) print(line);

    print(
      "[demo] ctrmon runs inside the private systemd's namespaces; --update-dir and --hooks-dir keep auto-update's records " +
        'and hooks in the work dir rather than /var/lib and /etc',
    );
    const v2 = lab.push(ref, '2.0.0');
    print(`[demo] pushed demo-app 2.0.0 as ${ref} (${short(v2)})`);
    const update = await autoUpdate(lab, print);
    const second = await show(lab);
    print(`[demo] ${describe(second)}`);
    print(`$ ctrmon ps`);
    const ps = await lab.ctrmon(['ps']);
    for (const line of indent(ps.stdout + ps.stderr)) print(line);
    check('auto-update exited with 0', update.code === 0);
    check('auto-update reported true', status(update.stdout) === 'true');
    check('the service runs 2.0.0', second.active && second.digest === v2 && second.status === 'demo-app 2.0.0 serving');

    const bad = lab.push(ref, '3.0.0', { crash: 3 });
    print(`[demo] pushed a demo-app 3.0.0 that exits with 3 at start, as the same tag ${ref} (${short(bad)})`);
    const seen = nsd.journal(UNIT).split('\n').length - 1;
    const rollback = await autoUpdate(lab, print);
    const third = await show(lab);
    print(`[demo] ${describe(third)}`);
    print(`[demo] journalctl -u ${UNIT} during the rollback (without ctrmon's JSON log lines):`);
    const during = nsd.journal(UNIT).split('\n').slice(seen).join('\n');
    for (const line of indent(during).filter((l) => !l.startsWith('    {'))) print(line);
    check(`auto-update exited with ${EXIT_ROLLED_BACK}`, rollback.code === EXIT_ROLLED_BACK);
    check('auto-update reported rolled back', status(rollback.stdout) === 'rolled back');
    check('the service still runs 2.0.0', third.active && third.digest === v2 && third.status === 'demo-app 2.0.0 serving');
  } finally {
    await lab.stop();
  }
  const failed = checks.filter(([, ok]) => !ok).map(([what]) => what);
  print(`[demo] the update step took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  print(
    failed.length === 0
      ? '[demo] OK: auto-update moved the service to the new image, and rolled back the one that crashed'
      : `[demo] FAILED: expected but not seen: ${failed.join('; ')}`,
  );
  return failed.length === 0 ? 0 : 1;
}

/** `ctrmon auto-update`, printed as a user would type it, with its table, its stderr and its exit code. */
async function autoUpdate(lab: UpdateLab, print: (line: string) => void): Promise<{ code: number | null; stdout: string }> {
  const args = ['auto-update', '--update-dir', lab.updateDir, '--hooks-dir', lab.hooksDir, '--soak', SOAK, '--timeout', TIMEOUT];
  print(`$ ctrmon ${args.join(' ')}; echo "exit $?"`);
  const t0 = Date.now();
  const r = await lab.ctrmon(args);
  for (const line of indent(r.stderr)) print(line);
  for (const line of indent(r.stdout)) print(line);
  print(`    exit ${r.code}`);
  print(`[demo] auto-update took ${Date.now() - t0} ms`);
  return { code: r.code, stdout: r.stdout };
}

/** The UPDATED column of the demo unit's row in auto-update's table. */
function status(table: string): string | null {
  const row = table.split('\n').find((l) => l.startsWith(`${UNIT} `));
  return row ? row.trim().split(/ {2,}/).pop()! : null;
}

interface Seen {
  active: boolean;
  state: string;
  status: string;
  digest: string | null;
}

async function show(lab: UpdateLab): Promise<Seen> {
  const s = await lab.nsd.show(UNIT, 'ActiveState', 'StatusText');
  let digest: string | null = null;
  try {
    digest = lab.state(NAME).manifestDigest;
  } catch {
    // no state file: the service is not running
  }
  return { active: s.ActiveState === 'active', state: s.ActiveState, status: s.StatusText, digest };
}

function describe(seen: Seen): string {
  return `systemd: ActiveState=${seen.state} StatusText="${seen.status}"; ctrmon's state: image ${short(seen.digest)}`;
}
