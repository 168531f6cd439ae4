// What every integration test file needs: the demo bundle, a private state directory and scratch
// directory (removed at the end), and cleanup after each test of the monitors and listeners it
// started, so that a failed assertion leaves no container, process or socket behind.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, afterEach } from 'node:test';

import { MonitorProcess, type StartOptions, newStateDir, testBundle, uniqueName } from './monitor-process';
import { NotifyListener } from './notify-listener';

/** Why the crun tests cannot run here, or false. */
export const crunSkipReason = spawnSync('crun', ['--version']).status === 0 ? false : 'crun is not installed';

/**
 * What runs ctrmon for crun on this machine: a private mount namespace with a cgroup2 /sys/fs/cgroup
 * (crun refuses hybrid cgroups), used with --runtime-arg=--cgroup-manager=disabled.
 */
export const CRUN_WRAP = inPrivateMounts('mount -t cgroup2 none /sys/fs/cgroup');

/** A wrap (StartOptions.wrap) that runs ctrmon in a private mount namespace after the shell command setup. */
export function inPrivateMounts(setup: string): string[] {
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', `${setup} && exec "$@"`, '--'];
}

export interface IntegrationSuite {
  bundle: string;
  stateDir: string;
  scratch: string;
  /** A fresh socket path in the scratch directory. */
  socketPath(): string;
  /** Starts a python listener (at a fresh path unless given); stopped after the test. */
  listener(address?: string, pauseMs?: number): Promise<NotifyListener>;
  /** Starts `ctrmon monitor <options> <name> <command...>`; killed after the test if still running. */
  monitor(run: { options?: string[]; command?: string[]; name?: string } & Omit<StartOptions, 'args'>): MonitorProcess;
}

/** runtime: what the cleanup deletes leftover containers with. */
export function integrationSuite(prefix: string, runtime: string): IntegrationSuite {
  const bundle = testBundle();
  const stateDir = newStateDir();
  const scratch = mkdtempSync(path.join(tmpdir(), `ctrmon-${prefix}-`));
  const monitors: MonitorProcess[] = [];
  const listeners: NotifyListener[] = [];
  after(() => {
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const m of monitors.splice(0)) await m.cleanup(runtime);
    for (const l of listeners.splice(0)) await l.stop();
  });
  let sockets = 0;
  const socketPath = () => path.join(scratch, `s${++sockets}.sock`);
  return {
    bundle,
    stateDir,
    scratch,
    socketPath,
    async listener(address = socketPath(), pauseMs = 0) {
      const l = await NotifyListener.start(address, pauseMs);
      listeners.push(l);
      return l;
    },
    monitor({ options = [], command = [], name = uniqueName(prefix), ...rest }) {
      const m = new MonitorProcess(name, rest.stateDir ?? stateDir, { ...rest, args: [...options, name, ...command] });
      monitors.push(m);
      return m;
    },
  };
}
