// A place to run auto-update for real, for the end-to-end tests and the benchmark: a private
// systemd sharing the host's network (so that its units reach a registry on the host's loopback),
// a docker-registry, images made from the demo rootfs that differ only in their config (so every
// variant shares one layer and pushes in milliseconds), ctrmon units that run them, and
// `ctrmon auto-update` run inside the systemd's namespaces, where the state files and the units are.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError } from '../../src/errors';
import { packagePath, PACKAGE_MANIFEST } from '../../src/package-root';
import type { RunResult } from '../../src/process/spawn';
import type { UpdateReport } from '../../src/update/report';
import { buildDemoBundle } from './demo-bundle';
import { buildLayout, pushLayout } from './registry/layout-builder';
import { startTestRegistry, type TestRegistry } from './registry/test-registry';
import { PrivateSystemd } from './systemd/private-systemd';
import { RUNTIME_UNIT_DIR } from './systemd/service-manager';

export const CTRMON_JS = packagePath('bin', 'ctrmon.js');

/** How a variant of the demo application behaves (demo-bundle.ts reads these). */
export interface Behaviour {
  /** Seconds before READY=1. */
  readyDelay?: number;
  /** Stop by itself this many seconds after READY, with exitCode. */
  exitAfter?: number;
  exitCode?: number;
  /** Replace the application: exit at once with this code (never ready). */
  crash?: number;
}

export interface UpdateRun extends RunResult {
  reports: UpdateReport[];
}

export interface LabOptions {
  /** The OCI runtime of the ctrmon units (a name or a path); default runc. */
  runtime?: string;
  /**
   * host (the default): the systemd shares the host's network, where the registry is. private: a
   * network of its own (for bridges and their rules), which only the local policy can update in.
   */
  network?: 'host' | 'private';
}

/** The engine's waits, as `--soak` and `--timeout` take them. */
export interface EngineSettings {
  /** Default 1s. */
  soak?: string;
  /** Default 30s. */
  timeout?: string;
}

export class UpdateLab {
  readonly store: string;
  readonly updateDir: string;
  readonly hooksDir: string;
  readonly registriesConf: string;
  private readonly rootfs: string;
  private variants = 0;

  private constructor(
    readonly workDir: string,
    readonly registry: TestRegistry,
    readonly nsd: PrivateSystemd,
    readonly runtime: string,
  ) {
    this.store = path.join(workDir, 'store');
    this.updateDir = path.join(workDir, 'auto-update');
    this.hooksDir = path.join(workDir, 'hooks');
    this.registriesConf = path.join(workDir, 'registries.conf');
    this.rootfs = path.join(buildDemoBundle(path.join(workDir, 'bundle')), 'rootfs');
    writeFileSync(this.registriesConf, `[[registry]]\nlocation = "${registry.host}"\ninsecure = true\n`);
  }

  /** workDir must be visible inside the namespace (not below /run, /dev, /proc, /sys or /etc). */
  static async start(workDir: string, options: LabOptions = {}): Promise<UpdateLab> {
    const registry = await startTestRegistry();
    let nsd: PrivateSystemd;
    try {
      nsd = await PrivateSystemd.boot(path.join(workDir, 'systemd'), 20_000, { network: options.network ?? 'host' });
    } catch (err) {
      await registry.stop();
      throw err;
    }
    return new UpdateLab(workDir, registry, nsd, options.runtime ?? 'runc');
  }

  async stop(): Promise<void> {
    await this.nsd.shutdown();
    await this.registry.stop();
  }

  /** `<registry>/<repository>:<tag>` */
  ref(repository: string, tag = 'latest'): string {
    return `${this.registry.host}/${repository}:${tag}`;
  }

  /** An OCI layout of the demo application with this behaviour; version ends up in its environment. */
  layout(version: string, b: Behaviour = {}): ReturnType<typeof buildLayout> {
    const env = [
      'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
      `APP_VERSION=${version}`,
      `READY_DELAY=${b.readyDelay ?? 0}`,
      ...(b.exitAfter !== undefined ? [`EXIT_AFTER=${b.exitAfter}`, `EXIT_CODE=${b.exitCode ?? 1}`] : []),
    ];
    const cmd = b.crash !== undefined ? ['/bin/sh', '-c', `echo crashing; exit ${b.crash}`] : ['/bin/demo-app'];
    const dir = path.join(this.workDir, 'layouts', `${version}-${++this.variants}`);
    return buildLayout(dir, 'v', [this.rootfs], { Cmd: cmd, Env: env });
  }

  /** Pushes a variant to reference; returns its manifest digest. */
  push(reference: string, version: string, b: Behaviour = {}): string {
    const image = this.layout(version, b);
    pushLayout(image, reference);
    return image.manifestDigest;
  }

  /** Puts a variant into the store under name (as `podman load` or a build would, for the local policy). */
  load(name: string, version: string, b: Behaviour = {}): string {
    const image = this.layout(version, b);
    const r = this.nsd.exec(['skopeo', 'copy', '--quiet', `oci:${image.dir}:v`, `oci:${this.store}:${name}`]);
    if (r.status !== 0) throw new CtrmonError('ERR_HARNESS', `skopeo copy into the store failed: ${r.stderr.trim()}`);
    return image.manifestDigest;
  }

  /**
   * A ctrmon unit for image (generated by `ctrmon generate systemd`), installed; not started.
   * reload: false writes it only (many units, then one `daemon-reload` by the caller).
   */
  async installUnit(
    unit: string,
    image: string,
    policy: string | null,
    extra: { args?: string[]; unitLines?: string[]; reload?: boolean } = {},
  ): Promise<void> {
    const name = unit.replace(/\.service$/, '');
    const args = [
      CTRMON_JS,
      'generate',
      'systemd',
      '--image',
      image,
      '--root',
      this.store,
      '--runtime',
      this.runtime,
      '--sdnotify',
      'container',
      '--network',
      'none',
      ...(policy === null ? [] : ['--label', `io.containers.autoupdate=${policy}`]),
      ...(extra.args ?? []),
      name,
    ];
    const r = this.nsd.exec([process.execPath, ...args]);
    if (r.status !== 0) throw new CtrmonError('ERR_HARNESS', `ctrmon generate systemd failed: ${r.stderr.trim()}`);
    const lines = [`Environment=CONTAINERS_REGISTRIES_CONF=${this.registriesConf}`, ...(extra.unitLines ?? [])];
    const content = r.stdout.replace('[Service]\n', `[Service]\n${lines.join('\n')}\n`);
    if (extra.reload === false) this.nsd.writeFile(path.posix.join(RUNTIME_UNIT_DIR, unit), content);
    else await this.nsd.installUnit(unit, content);
  }

  /** `ctrmon <args>` inside the namespaces, with the lab's registries.conf. */
  ctrmon(args: string[]): Promise<RunResult> {
    return this.nsd.run(this.ctrmonCommand(args));
  }

  /** The argv that ctrmon() runs inside the namespaces (for a caller that wraps or times it). */
  ctrmonCommand(args: string[]): string[] {
    return [
      'env',
      `CONTAINERS_REGISTRIES_CONF=${this.registriesConf}`,
      process.execPath,
      ...PACKAGE_MANIFEST.ctrmon.nodeFlags,
      CTRMON_JS,
      ...args,
    ];
  }

  /** `ctrmon auto-update --format json` with the lab's directories and short waits; extra args after. */
  async autoUpdate(...args: string[]): Promise<UpdateRun> {
    return this.engine('auto-update', args);
  }

  async rollback(unit: string, ...args: string[]): Promise<UpdateRun> {
    return this.engine('rollback', [unit, ...args]);
  }

  /** The engine command's argv (for a test that runs it itself, e.g. to kill it). */
  engineArgs(command: string, args: string[], settings: EngineSettings = {}): string[] {
    return [
      command,
      '--update-dir',
      this.updateDir,
      '--hooks-dir',
      this.hooksDir,
      '--soak',
      settings.soak ?? '1s',
      '--timeout',
      settings.timeout ?? '30s',
      '--format',
      'json',
      ...args,
    ];
  }

  private async engine(command: string, args: string[]): Promise<UpdateRun> {
    const r = await this.ctrmon(this.engineArgs(command, args));
    let reports: UpdateReport[] = [];
    try {
      reports = JSON.parse(r.stdout) as UpdateReport[];
    } catch {
      throw new CtrmonError('ERR_HARNESS', `ctrmon ${command} printed no JSON (exit ${r.code}): ${r.stdout}${r.stderr}`);
    }
    return { ...r, reports };
  }

  /** The state file of a container, as the namespace sees it. */
  state(name: string): { manifestDigest: string | null; phase: string; invocationId: string | null } {
    const s = JSON.parse(this.nsd.readFile(`/run/ctrmon/${name}/state.json`));
    return { manifestDigest: s.source?.manifestDigest ?? null, phase: s.phase, invocationId: s.invocationId };
  }
}
