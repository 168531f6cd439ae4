// A real systemd (the machine's own /lib/systemd/systemd) booted as PID 1 of new pid, mount,
// uts, ipc, net (optional) and cgroup namespaces: for the end-to-end tests and the benchmark on machines
// whose PID 1 is not systemd. It boots in well under a second and leaves the host untouched:
// mounts are private, /run, /dev and /sys are fresh, /etc is read-only, the host's persistent
// journal is hidden, the cgroup tree is a subtree of the host's cgroup2 hierarchy, only the
// units it is given can start, and the network namespace has only lo.
import { type ChildProcess, type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError } from '../../../src/errors';
import { packagePath } from '../../../src/package-root';
import { type RunResult, run } from '../../../src/process/spawn';
import { RUNTIME_UNIT_DIR, ServiceManager } from './service-manager';

export const SYSTEMD_BINARY = '/lib/systemd/systemd';
/** Inside the namespace: where generators are looked for. */
export const GENERATOR_DIR = '/run/systemd/system-generators';
const BASE_UNITS_DIR = '/run/ctrmon-nsd/units';
const TARGET = 'ctrmon-nsd.target';
/** SIGRTMIN+4: "power off" for systemd. */
const SIGNAL_POWEROFF = 38;

// Units copied from the host so that the manager can boot, log and power off.
const BASE_UNITS = [
  'basic.target',
  'sysinit.target',
  'sockets.target',
  'timers.target',
  'paths.target',
  'slices.target',
  'local-fs.target',
  'local-fs-pre.target',
  'swap.target',
  'shutdown.target',
  'umount.target',
  'final.target',
  'poweroff.target',
  'halt.target',
  'reboot.target',
  'exit.target',
  'multi-user.target',
  'default.target',
  'emergency.target',
  'rescue.target',
  'network.target',
  'network-online.target',
  'systemd-poweroff.service',
  'systemd-halt.service',
  'systemd-reboot.service',
  'systemd-exit.service',
  'systemd-journald.service',
  'systemd-journald.socket',
  'systemd-journald-dev-log.socket',
  'user.slice',
  'machine.slice',
];

// Runs as PID 1 of the new namespaces, prepares the isolated view, then execs systemd.
const INIT_SCRIPT = `#!/bin/bash
set -euo pipefail
[ "$$" = 1 ] || { echo "must be PID 1 of a new pid namespace" >&2; exit 1; }
mount --make-rprivate /
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
d=/run/.dev
mkdir -p $d
mount -t tmpfs -o mode=755,nosuid,size=4m devtmpfs-ns $d
for n in null zero full random urandom tty; do touch $d/$n; mount --bind /dev/$n $d/$n; done
mkdir -p $d/pts $d/shm $d/mqueue
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts $d/pts
ln -s pts/ptmx $d/ptmx
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs $d/shm
mount -t mqueue mqueue $d/mqueue 2>/dev/null || true
ln -s /proc/self/fd $d/fd; ln -s /proc/self/fd/0 $d/stdin; ln -s /proc/self/fd/1 $d/stdout; ln -s /proc/self/fd/2 $d/stderr
# systemd logs to the console only when it is a tty: our stdin is the pty of script(1)
touch $d/console
console=$(readlink -f /proc/self/fd/0)
case "$console" in /dev/pts/*) mount --bind "$console" $d/console;; *) mount --bind /dev/null $d/console;; esac
umount -l /dev
mount --move $d /dev
rmdir $d
umount -R -l /sys
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs /sys
mount -t cgroup2 -o rw,nosuid,nodev,noexec,nsdelegate cgroup2 /sys/fs/cgroup
mount --bind /proc/sys /proc/sys
# With a network of its own, its net.* stays writable: netavark sets ip_forward and route_localnet there.
if [ "\${2:-}" = private-net ]; then mount --bind /proc/sys/net /proc/sys/net; fi
mount -o remount,bind,ro /proc/sys
if [ -d /var/log/journal ]; then mount -t tmpfs -o mode=2755 tmpfs /var/log/journal; fi
mount --bind /etc /etc && mount -o remount,bind,ro /etc
mkdir -p ${BASE_UNITS_DIR} ${RUNTIME_UNIT_DIR} ${GENERATOR_DIR}
for u in ${BASE_UNITS.join(' ')}; do
  if [ -e /lib/systemd/system/$u ]; then cp /lib/systemd/system/$u ${BASE_UNITS_DIR}/; fi
done
cat >${BASE_UNITS_DIR}/${TARGET} <<'EOF'
[Unit]
Description=ctrmon private systemd
Requires=basic.target
Wants=systemd-journald.service
After=basic.target
AllowIsolate=yes
EOF
echo "exec systemd $(date +%s.%N)" >"$1/init.log"
exec env -i container=ctrmon-nsd TERM=vt220 LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
  SYSTEMD_UNIT_PATH=/run/systemd/generator.early:${RUNTIME_UNIT_DIR}:/run/systemd/generator:${BASE_UNITS_DIR}:/run/systemd/generator.late \\
  SYSTEMD_GENERATOR_PATH=${GENERATOR_DIR} SYSTEMD_ENVIRONMENT_GENERATOR_PATH=/run/ctrmon-nsd/none \\
  setpriv --bounding-set -sys_module,-sys_time,-sys_rawio \\
  ${SYSTEMD_BINARY} --system --unit=${TARGET} --log-target=journal-or-kmsg --log-level=info --log-color=no --show-status=no
`;

/** Why a private systemd cannot boot here, or null when it can. */
export function privateSystemdUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root';
  if (!existsSync(SYSTEMD_BINARY)) return `no systemd binary at ${SYSTEMD_BINARY}`;
  for (const tool of ['unshare', 'nsenter', 'script', 'setpriv']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} (util-linux) is missing`;
  }
  if (!cgroup2Root()) return 'no cgroup2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified';
  return null;
}

function cgroup2Root(): string | null {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return '/sys/fs/cgroup';
  if (existsSync('/sys/fs/cgroup/unified/cgroup.procs')) return '/sys/fs/cgroup/unified';
  return null;
}

export interface BootOptions {
  /**
   * private (the default): a network namespace with only lo. host: the host's network, for tests
   * whose units must reach a server the test runs on the host's loopback (a registry).
   */
  network?: 'private' | 'host';
}

export class PrivateSystemd extends ServiceManager {
  get description(): string {
    return `private systemd (host pid ${this.pid})`;
  }

  private constructor(
    /** The host pid of the namespaced systemd. */
    readonly pid: number,
    readonly workDir: string,
    private readonly cgroupDir: string,
    private readonly launcher: ChildProcess,
    private readonly hostNetwork: boolean,
  ) {
    super();
  }

  /** Links ctrmon's systemd generator (this checkout's) into the generator directory: daemon-reload runs it. */
  linkGenerator(): void {
    const generator = realpathSync(packagePath('bin', 'ctrmon-systemd-generator'));
    const r = this.exec(['ln', '-sf', generator, `${GENERATOR_DIR}/ctrmon-systemd-generator`]);
    if (r.status !== 0) throw new CtrmonError('ERR_HARNESS', `cannot link the generator: ${r.stderr}`, { path: generator });
  }

  /**
   * Boots systemd and waits until it runs. workDir holds the init script and logs; it must be
   * visible inside (not below /run, /dev, /proc, /sys or /etc).
   */
  static async boot(workDir: string, timeoutMs = 20_000, options: BootOptions = {}): Promise<PrivateSystemd> {
    const unavailable = privateSystemdUnavailable();
    if (unavailable) throw new CtrmonError('ERR_HARNESS', `cannot boot a private systemd: ${unavailable}`);
    if (/^\/(run|dev|proc|sys|etc)(\/|$)/.test(workDir)) {
      throw new CtrmonError('ERR_HARNESS', `${workDir} would be hidden inside the namespace`, { path: workDir });
    }
    mkdirSync(workDir, { recursive: true });
    const init = path.join(workDir, 'init.sh');
    writeFileSync(init, INIT_SCRIPT, { mode: 0o755 });
    const cgroupDir = path.join(cgroup2Root()!, `ctrmon-nsd-${process.pid}-${path.basename(workDir)}`);
    mkdirSync(cgroupDir, { recursive: true });
    const unsharePid = path.join(workDir, 'unshare.pid');
    // The launcher joins the namespace's cgroup first, so that the new cgroup namespace is rooted
    // there; script(1) gives PID 1 a pty for /dev/console and copies it to console.log.
    // \$\$ reaches script(1)'s shell unexpanded: the pid that becomes unshare.
    const net = options.network === 'host' ? '' : '--net ';
    const namespaces = `--pid --fork --mount-proc --mount --uts --ipc ${net}--cgroup --propagation private`;
    const inner = `echo \\$\\$ >${unsharePid}; exec unshare ${namespaces} ${init} ${workDir}${net ? ' private-net' : ''}`;
    const outer = `echo $$ >${cgroupDir}/cgroup.procs; exec script -q -f -E never -c "${inner}" ${workDir}/console.log`;
    const launcher = spawn('bash', ['-c', outer], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let launcherErr = '';
    launcher.stderr!.on('data', (d: Buffer) => (launcherErr += d.toString()));
    const deadline = Date.now() + timeoutMs;
    const fail = (why: string): never => {
      throw new CtrmonError('ERR_HARNESS', `private systemd did not start: ${why}${launcherErr ? `; ${launcherErr.trim()}` : ''}`);
    };
    let pid = 0;
    while (!pid) {
      if (Date.now() > deadline) fail('no PID 1 appeared');
      if (launcher.exitCode !== null) fail(`the launcher exited with ${launcher.exitCode}`);
      try {
        const u = readFileSync(unsharePid, 'utf8').trim();
        const child = Number(readFileSync(`/proc/${u}/task/${u}/children`, 'utf8').trim().split(' ')[0]);
        if (child && readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'systemd') pid = child;
      } catch {
        // not there yet
      }
      await sleep(20);
    }
    const nsd = new PrivateSystemd(pid, workDir, cgroupDir, launcher, options.network === 'host');
    for (;;) {
      const state = nsd.exec(['systemctl', 'is-system-running']).stdout.trim();
      if (state === 'running' || state === 'degraded') return nsd;
      if (Date.now() > deadline) {
        await nsd.shutdown();
        fail(`state "${state}" after ${timeoutMs} ms`);
      }
      await sleep(20);
    }
  }

  private argv(command: string[]): string[] {
    return [
      '-t',
      String(this.pid),
      '-m',
      '-u',
      '-i',
      ...(this.hostNetwork ? [] : ['-n']),
      '-p',
      '-C',
      '--',
      'env',
      'SYSTEMD_PAGER=',
      'SYSTEMD_COLORS=0',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      ...command,
    ];
  }

  /** Runs a command inside the namespaces (in the host's cgroup, not in a unit) and waits for it. */
  exec(command: string[], input?: string): SpawnSyncReturns<string> {
    return spawnSync('nsenter', this.argv(command), { encoding: 'utf8', input });
  }

  /** The same without blocking the event loop: the client's runner (`systemctl start` waits for READY). */
  run(command: string[]): Promise<RunResult> {
    return run('nsenter', this.argv(command), { maxOutput: 1024 * 1024 });
  }

  /** Writes a file inside the namespace (e.g. below /run, which is private to it). */
  writeFile(file: string, content: string, mode = '0644'): void {
    const r = this.exec(['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat >"$1" && chmod "$2" "$1"', 'sh', file, mode], content);
    if (r.status !== 0) throw new CtrmonError('ERR_HARNESS', `cannot write ${file} in the private systemd: ${r.stderr}`, { path: file });
  }

  readFile(file: string): string {
    const r = this.exec(['cat', file]);
    if (r.status !== 0)
      throw new CtrmonError('ERR_HARNESS', `cannot read ${file} in the private systemd: ${r.stderr.trim()}`, { path: file });
    return r.stdout;
  }

  /** Powers the manager off (everything inside ends with it) and removes its cgroups. */
  async shutdown(timeoutMs = 20_000): Promise<void> {
    const alive = () => existsSync(`/proc/${this.pid}`) && !/^State:\s+Z/m.test(safeRead(`/proc/${this.pid}/status`));
    try {
      process.kill(this.pid, SIGNAL_POWEROFF);
    } catch {
      // already gone
    }
    const deadline = Date.now() + timeoutMs;
    while (alive() && Date.now() < deadline) await sleep(50);
    if (alive()) process.kill(this.pid, 'SIGKILL'); // the kernel then ends the whole pid namespace
    if (this.launcher.exitCode === null) await new Promise((resolve) => this.launcher.once('exit', resolve));
    removeCgroupTree(this.cgroupDir);
  }
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(path.join(dir, entry.name));
  }
  try {
    rmdirSync(dir);
  } catch {
    // still populated: left for inspection
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
