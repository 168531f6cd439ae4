// The built-in demo container: an OCI bundle made of Debian's static busybox and ctrmon's own
// static sd_notify sender, running a small shell application that gets ready, pings a watchdog
// when asked to, and stops on SIGTERM. The demo, the tests and the benchmark all run it, so it
// needs nothing but busybox-static and ctrmon's build.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import { CtrmonError } from '../../src/errors';
import { packagePath } from '../../src/package-root';
import { DEV_MOUNTS, MASKED_PATHS, READONLY_PATHS } from '../../src/spec/image-base';
import type { OciConfig } from '../../src/spec/oci';

export const DEFAULT_BUSYBOX = '/bin/busybox';
export const SDNOTIFY_BINARY = packagePath('build', 'Release', 'ctrmon-sdnotify');
/** A socket-activated server (native/hello): /bin/hello in the rootfs. */
export const HELLO_BINARY = packagePath('build', 'Release', 'ctrmon-hello');

// The application, in busybox sh. Environment: READY_DELAY (seconds before READY=1, default 1),
// EXIT_AFTER (stop by itself after this many seconds), EXIT_CODE (its exit status then),
// APP_VERSION (when set, shown in its first line and its STATUS=; update-lab.ts sets it per image).
const DEMO_APP = `#!/bin/sh
echo "demo-app\${APP_VERSION:+ $APP_VERSION}: starting (pid $$, NOTIFY_SOCKET=\${NOTIFY_SOCKET:-unset})"
trap 'echo "demo-app: got SIGTERM, stopping"; exit 0' TERM INT
sleep "\${READY_DELAY:-1}" & wait $!
[ -n "\${NOTIFY_SOCKET:-}" ] && sdnotify -q READY=1 "STATUS=demo-app \${APP_VERSION:+$APP_VERSION }serving"
echo "demo-app: ready"
n=0
while [ -z "\${EXIT_AFTER:-}" ] || [ "$n" -lt "$EXIT_AFTER" ]; do
  sleep 1 & wait $!
  n=$((n + 1))
  [ -n "\${NOTIFY_SOCKET:-}" ] && [ -n "\${WATCHDOG_USEC:-}" ] && sdnotify -q WATCHDOG=1 "STATUS=demo-app \${APP_VERSION:+$APP_VERSION }serving for \${n}s"
done
echo "demo-app: exiting with \${EXIT_CODE:-0}"
exit "\${EXIT_CODE:-0}"
`;

const CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

export function demoConfig(): OciConfig {
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['/bin/demo-app'],
      env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS, ambient: CAPS },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'ctrmon-demo',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      ...DEV_MOUNTS,
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', 'size=16m'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
}

function need(file: string, what: string): void {
  if (!existsSync(file))
    throw new CtrmonError('ERR_BUNDLE_INVALID', `cannot build the demo bundle: ${what} ${file} is missing`, { path: file });
}

/**
 * Builds the demo bundle in dir (rootfs/ + config.json), unless an up-to-date one is there.
 * Returns dir.
 */
export function buildDemoBundle(dir: string, busybox = DEFAULT_BUSYBOX): string {
  need(busybox, 'static busybox (Debian package busybox-static)');
  need(SDNOTIFY_BINARY, "ctrmon's sd_notify sender (built by npm ci)");
  need(HELLO_BINARY, "ctrmon's socket-activated demo server (built by npm ci)");
  const stamp = path.join(dir, '.ctrmon-demo');
  const version = `${statSync(SDNOTIFY_BINARY).mtimeMs}:${statSync(HELLO_BINARY).mtimeMs}:${statSync(busybox).mtimeMs}:${DEMO_APP.length}`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === version) return dir;

  const rootfs = path.join(dir, 'rootfs');
  rmSync(rootfs, { recursive: true, force: true });
  for (const d of ['bin', 'dev', 'proc', 'sys', 'tmp', 'run', 'etc']) mkdirSync(path.join(rootfs, d), { recursive: true });
  copyFileSync(busybox, path.join(rootfs, 'bin', 'busybox'));
  chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .filter((a) => a && a !== 'busybox');
  for (const applet of applets) symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  copyFileSync(SDNOTIFY_BINARY, path.join(rootfs, 'bin', 'sdnotify'));
  chmodSync(path.join(rootfs, 'bin', 'sdnotify'), 0o755);
  copyFileSync(HELLO_BINARY, path.join(rootfs, 'bin', 'hello'));
  chmodSync(path.join(rootfs, 'bin', 'hello'), 0o755);
  writeFileSync(path.join(rootfs, 'bin', 'demo-app'), DEMO_APP, { mode: 0o755 });
  writeFileSync(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\n');
  writeFileSync(path.join(rootfs, 'etc', 'group'), 'root:x:0:\n');
  writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify(demoConfig(), null, 2)}\n`);
  writeFileSync(stamp, version);
  return dir;
}
