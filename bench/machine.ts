// The machine a benchmark ran on, for the report: absolute numbers only mean something with it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';

export interface Machine {
  hostname: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  os: string;
  node: string;
  cgroups: string;
  pid1: string;
  tools: Record<string, string>;
}

function firstLine(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout || r.stderr).trim().split('\n')[0] : 'not installed';
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function cgroupMode(): string {
  try {
    readFileSync('/sys/fs/cgroup/cgroup.controllers');
    return 'unified (cgroup v2)';
  } catch {
    return 'hybrid or legacy (cgroup v1 controllers)';
  }
}

export function describeMachine(): Machine {
  return {
    hostname: os.hostname(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: os.release(),
    os: osName(),
    node: process.version,
    cgroups: cgroupMode(),
    pid1: readFileSync('/proc/1/comm', 'utf8').trim(),
    tools: {
      runc: firstLine('runc', ['--version']),
      crun: firstLine('crun', ['--version']),
      conmon: firstLine('conmon', ['--version']),
      podman: firstLine('podman', ['--version']),
      systemd: firstLine('systemctl', ['--version']),
    },
  };
}
