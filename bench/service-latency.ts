// (a) start-to-active and (f) stop latency of a Type=notify service under a real systemd, for
// three main PIDs running the same container, whose application sends READY=1 at once:
//   runc    the bare runtime (`runc run`, its own notify proxy): the floor
//   podman  `podman run --sdnotify=container` as `podman generate systemd --new` writes it (conmon)
//   ctrmon  the unit `ctrmon generate systemd` writes
// and, beside ctrmon, the same monitor with ten .container keys set (ctrmon-keys), what they cost.
// Candidates take turns, in a rotating order, so that drift on the machine hits all alike.
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { type RawMonitorOptions, buildMonitorOptions } from '../src/config/monitor-options';
import { type Bundle, writeBundle } from '../src/spec/bundle';
import { bundleBase } from '../src/spec/bundle-base';
import { buildSpec } from '../src/spec/pipeline';
import type { ResolvedRuntime } from '../src/runtime/resolve';
import { RUNTIME_UNIT_DIR, type ServiceManager } from '../test/lab/systemd/service-manager';
import { renderUnit } from '../src/systemd/unit-generator';
import { packagePath } from '../src/package-root';
import { buildLayout } from '../test/lab/registry/layout-builder';
import { podmanUnit, preparePodmanStore } from './podman-store';

export interface ServiceCandidate {
  name: string;
  unit: string;
}

export interface ServiceContext {
  sm: ServiceManager;
  bundle: Bundle;
  runtime: ResolvedRuntime;
  workDir: string;
  /** The command that runs the baseline ctrmon build, measured as 'ctrmon-baseline'. */
  baselineCommand?: string[];
}

export interface Prepared {
  candidates: ServiceCandidate[];
  /** Candidates that cannot run here, with the reason. */
  skipped: Record<string, string>;
}

const READY_AT_ONCE = 'READY_DELAY=0';

function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

function bareRuntimeUnit(ctx: ServiceContext): string {
  const dir = writeBundle(
    path.join(ctx.workDir, 'runc-bundle'),
    buildSpec(bundleBase(ctx.bundle), { command: [], env: [READY_AT_ONCE], volumes: [] }).config,
  );
  const rt = ctx.runtime.path;
  return `[Unit]
Description=benchmark: bare ${ctx.runtime.name} as the main PID (its own notify proxy)
[Service]
Type=notify
NotifyAccess=all
ExecStart=${rt} run --bundle ${dir} bench-runc
ExecStopPost=-${rt} delete --force bench-runc
TimeoutStartSec=30
Restart=no
`;
}

/** podman's side: its own store and settings under workDir, so the host's are never touched. */
function preparePodman(ctx: ServiceContext): string {
  const store = preparePodmanStore({
    sm: ctx.sm,
    dir: path.join(ctx.workDir, 'podman'),
    runtime: ctx.runtime,
    rootfs: ctx.bundle.rootfs,
    runroot: '/run/ctrmon-bench-podman',
    cmd: ['/bin/demo-app'],
  });
  return podmanUnit(store, 'benchmark: podman run --sdnotify=container (conmon)', [
    '--name',
    'bench-podman',
    '--network',
    'none',
    '-e',
    READY_AT_ONCE,
    store.image,
  ]);
}

/**
 * Ten of the .container keys, as the options they set, for the 'ctrmon-keys' candidate: the same
 * container as 'ctrmon' (Environment= is its READY_DELAY), so that the difference is what the keys cost.
 */
const TEN_KEYS: RawMonitorOptions = {
  env: [READY_AT_ONCE, 'BENCH_KEYS=10'], // Environment=
  label: ['bench=keys'], // Label=
  healthCmd: 'true', // HealthCmd=
  healthInterval: '30s', // HealthInterval=
  healthOnFailure: 'kill', // HealthOnFailure=
  stopSignal: 'SIGTERM', // StopSignal=
  stopTimeout: '5', // StopTimeout=
  logDriver: 'k8s-file', // LogDriver=
  logOpt: ['max-size=1m'], // LogOpt=
  reloadSignal: 'SIGHUP', // ReloadSignal=
};

/** The unit `ctrmon generate systemd` writes for the demo bundle, as `bench-<name>`; args: the container's command. */
export function ctrmonUnit(
  ctx: Pick<ServiceContext, 'sm' | 'bundle' | 'runtime'>,
  name: string,
  command?: string[],
  keys: RawMonitorOptions = {},
  args: string[] = [],
): string {
  const options = buildMonitorOptions(
    `bench-${name}`,
    args,
    {
      bundle: ctx.bundle.dir,
      runtime: ctx.runtime.path,
      sdnotify: 'container',
      env: [READY_AT_ONCE],
      ...keys,
    },
    ctx.sm.host,
  );
  return renderUnit(options, ctx.sm.host, { restart: 'no', header: `benchmark: ${name} monitor (ctrmon generate systemd)` }, command);
}

/**
 * The same container from a cached image: the bundle's rootfs as a one-layer image, loaded into a
 * store of the benchmark's own (--pull=never: the private systemd has no network to pull over).
 */
function ctrmonImageUnit(ctx: ServiceContext): string {
  const name = 'localhost/ctrmon-bench:1';
  const layout = buildLayout(path.join(ctx.workDir, 'image-layout'), 'bench', [ctx.bundle.rootfs], { Cmd: ctx.bundle.config.process.args });
  const archive = path.join(ctx.workDir, 'image.tar');
  execFileSync('skopeo', ['copy', '--quiet', `oci:${layout.dir}:bench`, `oci-archive:${archive}:${name}`]);
  const store = path.join(ctx.workDir, 'image-store');
  execFileSync(process.execPath, [packagePath('bin', 'ctrmon.js'), 'load', '--root', store, '-i', archive], { stdio: 'ignore' });
  const options = buildMonitorOptions(
    'bench-ctrmon-image',
    [],
    {
      image: name,
      root: store,
      pull: 'never',
      runtime: ctx.runtime.path,
      sdnotify: 'container',
      env: [READY_AT_ONCE],
    },
    ctx.sm.host,
  );
  return renderUnit(options, ctx.sm.host, { restart: 'no', header: 'benchmark: ctrmon monitor --image (ctrmon generate systemd)' });
}

export function prepareServices(ctx: ServiceContext): Prepared {
  const prepared: Prepared = { candidates: [], skipped: {} };
  const add = (name: string, make: () => string) => {
    const unit = `bench-${name}.service`;
    // Written only: measureServices loads them all with one daemon-reload.
    ctx.sm.writeFile(path.posix.join(RUNTIME_UNIT_DIR, unit), make());
    prepared.candidates.push({ name, unit });
  };
  add(ctx.runtime.name, () => bareRuntimeUnit(ctx));
  if (!commandExists('podman') || !commandExists('conmon')) {
    prepared.skipped.podman = 'podman or conmon is not installed';
  } else {
    try {
      add('podman', () => preparePodman(ctx));
    } catch (err) {
      prepared.skipped.podman = (err as Error).message;
    }
  }
  add('ctrmon', () => ctrmonUnit(ctx, 'ctrmon'));
  add('ctrmon-keys', () => ctrmonUnit(ctx, 'ctrmon-keys', undefined, TEN_KEYS));
  if (ctx.baselineCommand) add('ctrmon-baseline', () => ctrmonUnit(ctx, 'ctrmon-baseline', ctx.baselineCommand));
  if (!commandExists('skopeo')) prepared.skipped['ctrmon-image'] = 'skopeo is not installed';
  else {
    try {
      add('ctrmon-image', () => ctrmonImageUnit(ctx));
    } catch (err) {
      prepared.skipped['ctrmon-image'] = (err as Error).message;
    }
  }
  return prepared;
}

export interface ServiceTimes {
  startMs: number[];
  stopMs: number[];
  failures: string[];
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 50));

export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return [value, Number(process.hrtime.bigint() - t0) / 1e6];
}

export interface CycleHooks<C extends ServiceCandidate> {
  /** After the unit got active, before its stop: why the cycle is not right, or null. */
  check?: (c: C) => Promise<string | null>;
  /** After each start/stop cycle of a candidate (round < 0: the warm-up), a cycle of its own. */
  after?: (c: C, round: number) => Promise<void>;
}

/** `rounds` measured start/stop cycles per candidate after one unmeasured warm-up. */
export async function measureServices<C extends ServiceCandidate>(
  sm: ServiceManager,
  candidates: C[],
  rounds: number,
  progress: (msg: string) => void,
  hooks: CycleHooks<C> = {},
): Promise<Record<string, ServiceTimes>> {
  const times: Record<string, ServiceTimes> = Object.fromEntries(
    candidates.map((c) => [c.name, { startMs: [], stopMs: [], failures: [] }]),
  );
  await sm.client.daemonReload();
  for (let round = -1; round < rounds; round++) {
    const shift = Math.max(0, round) % candidates.length;
    for (const c of [...candidates.slice(shift), ...candidates.slice(0, shift)]) {
      // The latency is systemctl's alone: client.start would add the `systemctl show` that fills its JobResult.
      const [start, startMs] = await timed(() => sm.systemctl('start', c.unit));
      const active = (await sm.show(c.unit, 'ActiveState')).ActiveState === 'active';
      const wrong = active && hooks.check ? await hooks.check(c) : null;
      const [, stopMs] = await timed(() => sm.systemctl('stop', c.unit));
      if (round >= 0) {
        if (start.code !== 0 || !active || wrong) {
          times[c.name].failures.push(`round ${round}: ${wrong ?? (start.stderr.trim() || 'not active')}`);
          await sm.client.resetFailed(c.unit);
        } else {
          times[c.name].startMs.push(startMs);
          times[c.name].stopMs.push(stopMs);
        }
        await pause();
      }
      if (hooks.after) {
        await hooks.after(c, round);
        await pause();
      }
    }
    if (round >= 0 && (round + 1) % 10 === 0) progress(`start/stop round ${round + 1}/${rounds}`);
  }
  return times;
}
