// `ctrmon demo --systemd`: the demo container as a real systemd service. A private systemd (the
// machine's own, in private namespaces) runs the unit that `ctrmon generate systemd` writes:
// `systemctl start` waits for the application's READY, systemd shows its STATUS=, and when the
// application exits with status 3 systemd records exactly that. With `--image`, the same container
// comes from a registry: the demo rootfs is pushed as an image to a docker-registry on loopback,
// `ctrmon pull` puts it into a store, and the unit runs it with --image (--pull=never: the private
// systemd has a network namespace of its own).
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import { buildMonitorOptions } from '../src/config/monitor-options';
import { packagePath } from '../src/package-root';
import { buildLayout, pushLayout } from '../test/lab/registry/layout-builder';
import { startTestRegistry } from '../test/lab/registry/test-registry';
import { PrivateSystemd } from '../test/lab/systemd/private-systemd';
import { renderUnit } from '../src/systemd/unit-generator';
import { buildDemoBundle } from '../test/lab/demo-bundle';

export interface SystemdDemoOptions {
  workDir: string;
  runtime: string;
  exitCode: number;
  /** Run the container from a registry image instead of the bundle. */
  fromImage?: boolean;
  print: (line: string) => void;
}

/** Pushes the demo rootfs to a registry on loopback and pulls it into store with `ctrmon pull`; returns the reference. */
async function pullDemoImage(bundle: string, workDir: string, store: string, print: (line: string) => void): Promise<string> {
  const registry = await startTestRegistry();
  try {
    const layout = buildLayout(path.join(workDir, 'image-layout'), 'demo', [path.join(bundle, 'rootfs')], { Cmd: ['/bin/demo-app'] });
    const ref = `${registry.host}/ctrmon/demo:1`;
    pushLayout(layout, ref);
    print(`[demo] pushed the demo container as ${ref} to a docker-registry on loopback`);
    print(`$ ctrmon pull --root ${store} --tls-verify=false ${ref}`);
    const ctrmon = [packagePath('bin', 'ctrmon.js'), 'pull', '--root', store, '--tls-verify=false', ref];
    const id = execFileSync(process.execPath, ctrmon, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    print(`    ${id.trim()}`);
    return ref;
  } finally {
    await registry.stop();
  }
}

const UNIT = 'ctrmon-demo.service';

/** Returns 0 when systemd saw the READY and then the container's exit code, 1 otherwise. */
export async function runSystemdDemo(options: SystemdDemoOptions): Promise<number> {
  const { print } = options;
  const bundle = buildDemoBundle(path.join(options.workDir, 'bundle'));
  const store = path.join(options.workDir, 'store');
  const image = options.fromImage ? await pullDemoImage(bundle, options.workDir, store, print) : undefined;
  let t0 = Date.now();
  const nsd = await PrivateSystemd.boot(path.join(options.workDir, 'systemd'));
  try {
    print(`[demo] booted a private systemd (host pid ${nsd.pid}) in ${Date.now() - t0} ms`);
    const source = image ? { image, root: store, pull: 'never' } : { bundle };
    const monitor = buildMonitorOptions(
      'ctrmon-demo',
      [],
      {
        ...source,
        runtime: options.runtime,
        sdnotify: 'container',
        env: ['READY_DELAY=1', 'EXIT_AFTER=3', `EXIT_CODE=${options.exitCode}`],
      },
      nsd.host,
    );
    const unit = renderUnit(monitor, nsd.host, { restart: 'no', header: 'ctrmon demo (ctrmon generate systemd)' });
    print(`[demo] ${UNIT}:\n${unit.replace(/^/gm, '    ')}`);
    await nsd.installUnit(UNIT, unit);
    print(`$ systemctl start ${UNIT}    # returns when the application says READY=1`);
    t0 = Date.now();
    const start = await nsd.client.start(UNIT);
    const started = await nsd.show(UNIT, 'ActiveState', 'StatusText', 'MainPID');
    print(
      `[demo] start returned ${start.result} after ${Date.now() - t0} ms: ActiveState=${started.ActiveState} ` +
        `StatusText="${started.StatusText}" MainPID=${started.MainPID} (ctrmon)`,
    );
    print(`[demo] the application exits with ${options.exitCode} after 3 s ...`);
    let ended = await nsd.show(UNIT, 'ActiveState', 'Result', 'ExecMainStatus');
    for (const deadline = Date.now() + 15_000; ended.ActiveState === 'active' && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ended = await nsd.show(UNIT, 'ActiveState', 'Result', 'ExecMainStatus');
    }
    print(`[demo] systemd: ActiveState=${ended.ActiveState} Result=${ended.Result} ExecMainStatus=${ended.ExecMainStatus}`);
    print(`$ journalctl -u ${UNIT}`);
    for (const line of nsd.journal(UNIT).trimEnd().split('\n')) print(`    ${line}`);
    const ok =
      start.result === 'done' &&
      started.ActiveState === 'active' &&
      started.StatusText === 'demo-app serving' &&
      ended.ExecMainStatus === String(options.exitCode);
    print(ok ? "[demo] OK: systemd waited for READY, showed STATUS= and recorded the container's exit code" : '[demo] FAILED: see above');
    return ok ? 0 : 1;
  } finally {
    await nsd.shutdown();
  }
}
