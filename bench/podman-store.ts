// podman's side of a benchmark: a store, settings and run root of its own (never the host's), and
// the demo rootfs imported into it as an image, from inside the service manager's namespaces.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import type { ResolvedRuntime } from '../src/runtime/resolve';
import { quoteWord } from '../src/systemd/unit-file';
import type { ServiceManager } from '../test/lab/systemd/service-manager';

export interface PodmanStore {
  /** CONTAINERS_CONF for every podman command and unit. */
  conf: string;
  /** podman's global options for this store: `--root ... --runroot ...`. */
  global: string;
  /** The imported image. */
  image: string;
}

export interface PodmanStoreOptions {
  sm: ServiceManager;
  /** Store, settings and the rootfs tarball go here. */
  dir: string;
  runtime: ResolvedRuntime;
  /** The rootfs imported as the image. */
  rootfs: string;
  /** Inside the manager's namespaces (below /run: gone with a private systemd). */
  runroot: string;
  /** Its default command. */
  cmd: string[];
  image?: string;
}

/**
 * podman's settings for a store of its own under dir: this machine class has no CAP_SYS_RESOURCE
 * (podman's default rlimits fail) and cgroup2 without controllers (no pids.max); without a system
 * bus, cgroupfs instead of systemd. Returns the CONTAINERS_CONF file.
 */
export function writePodmanConf(dir: string, runtime: ResolvedRuntime): string {
  const conf = path.join(dir, 'containers.conf');
  const networks = path.join(dir, 'networks');
  mkdirSync(networks, { recursive: true });
  writeFileSync(
    conf,
    `[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
pids_limit = 0
[engine]
runtime = "${runtime.name}"
cgroup_manager = "cgroupfs"
[network]
network_backend = "netavark"
network_config_dir = "${networks}"
`,
  );
  return conf;
}

export function preparePodmanStore(o: PodmanStoreOptions): PodmanStore {
  const conf = writePodmanConf(o.dir, o.runtime);
  const global = `--root ${o.dir}/storage --runroot ${o.runroot}`;
  const image = o.image ?? 'localhost/ctrmon-bench:latest';
  const tar = path.join(o.dir, 'rootfs.tar');
  execFileSync('tar', ['-C', o.rootfs, '-cf', tar, '.']);
  const imported = o.sm.exec([
    'env',
    `CONTAINERS_CONF=${conf}`,
    'sh',
    '-c',
    `podman ${global} import --change 'CMD ${JSON.stringify(o.cmd)}' ${tar} ${image}`,
  ]);
  if (imported.status !== 0) throw new Error(`podman import failed: ${imported.stderr.trim()}`);
  return { conf, global, image };
}

/** Why podman cannot be an anchor here, or null. */
export function podmanMissing(): string | null {
  const missing = ['podman', 'conmon'].filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);
  return missing.length ? `${missing.join(' and ')} not installed` : null;
}

/** A section's podman side: a store under dir/podman, a run root named after the section, rootfs as the image. */
export function sectionPodmanStore(
  sm: ServiceManager,
  dir: string,
  section: string,
  runtime: ResolvedRuntime,
  rootfs: string,
  cmd: string[],
): PodmanStore {
  return preparePodmanStore({ sm, dir: path.join(dir, 'podman'), runtime, rootfs, runroot: `/run/ctrmon-bench-${section}-podman`, cmd });
}

/**
 * A `podman run --sdnotify=container` unit as `podman generate systemd --new` writes it (conmon), with
 * the benchmark's store. run: the words after `run ... -d --replace` (the container's name, its
 * network, the image, its command), quoted for the unit; unitLines: more [Unit] lines.
 */
export function podmanUnit(store: PodmanStore, description: string, run: string[], unitLines: string[] = []): string {
  const g = store.global;
  return `[Unit]
Description=${description}
Wants=network-online.target
After=network-online.target
RequiresMountsFor=%t/containers
${unitLines.map((l) => `${l}\n`).join('')}[Service]
Type=notify
NotifyAccess=all
Environment=PODMAN_SYSTEMD_UNIT=%n CONTAINERS_CONF=${store.conf}
ExecStartPre=/bin/rm -f %t/%n.ctr-id
ExecStart=/usr/bin/podman ${g} run --cidfile=%t/%n.ctr-id --cgroups=no-conmon --rm --sdnotify=container -d --replace \\
  ${run.map(quoteWord).join(' ')}
ExecStop=/usr/bin/podman ${g} stop --ignore -t 10 --cidfile=%t/%n.ctr-id
ExecStopPost=/usr/bin/podman ${g} rm -f --ignore -t 10 --cidfile=%t/%n.ctr-id
TimeoutStartSec=60
Restart=no
`;
}
