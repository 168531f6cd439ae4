// --security-opt seccomp=: the container's syscall filter. `unconfined` removes the config's own;
// a profile (read at this start) becomes linux.seccomp as podman turns one into the runtime's: a
// profile in the runtime's own form passes as it is; in docker's form (archMap, includes and
// excludes) it is taken for this machine: its architecture, its kernel, and the container's
// bounding capabilities (so after --cap-add/--cap-drop).
import { release } from 'node:os';

import { CtrmonError } from '../../errors';
import type { RuntimeSpec } from '../oci';

/** A profile as its JSON file gives it. */
export type SeccompProfile = Record<string, unknown>;

interface Condition {
  arches?: string[];
  caps?: string[];
  minKernel?: string;
}

interface ProfileSyscall {
  name?: string;
  names?: string[];
  action: string;
  args?: unknown[];
  errnoRet?: number;
  includes?: Condition;
  excludes?: Condition;
}

/** Node's architecture as libseccomp names it, and its SCMP_ARCH_ name. */
const ARCHES: Record<string, [string, string]> = {
  x64: ['amd64', 'SCMP_ARCH_X86_64'],
  arm64: ['arm64', 'SCMP_ARCH_AARCH64'],
  arm: ['arm', 'SCMP_ARCH_ARM'],
  ia32: ['x86', 'SCMP_ARCH_X86'],
  ppc64: ['ppc64le', 'SCMP_ARCH_PPC64LE'],
  s390x: ['s390x', 'SCMP_ARCH_S390X'],
  riscv64: ['riscv64', 'SCMP_ARCH_RISCV64'],
};

export interface SeccompInputs {
  /** Undefined: the config's own stands. */
  seccomp?: SeccompProfile | 'unconfined';
  /** The machine: Node's process.arch and the kernel's release. */
  machine?: { arch: string; kernel: string };
}

export function applySeccomp(spec: RuntimeSpec, { seccomp, machine = { arch: process.arch, kernel: release() } }: SeccompInputs): void {
  if (seccomp === undefined) return;
  const config = spec.config;
  const { seccomp: _own, ...linux } = config.linux ?? {};
  config.linux =
    seccomp === 'unconfined'
      ? linux
      : { ...linux, seccomp: toRuntimeSeccomp(seccomp, config.process.capabilities?.bounding ?? [], machine) };
}

function atLeast(kernel: string, min: string): boolean {
  const [a = 0, b = 0] = kernel.split(/[.-]/).map(Number);
  const [x = 0, y = 0] = min.split('.').map(Number);
  return a > x || (a === x && b >= y);
}

function toRuntimeSeccomp(profile: SeccompProfile, caps: string[], machine: { arch: string; kernel: string }): SeccompProfile {
  const { archMap, syscalls, architectures, ...rest } = profile as SeccompProfile & {
    archMap?: { architecture: string; subArchitectures?: string[] }[];
    syscalls?: ProfileSyscall[];
    architectures?: string[];
  };
  const bad = (why: string) => new CtrmonError('ERR_INVALID_OPTION', `--security-opt seccomp: ${why}`);
  if (architectures?.length && archMap?.length) throw bad("the profile has both 'architectures' and 'archMap'");
  const [arch, scmpArch] = ARCHES[machine.arch] ?? [machine.arch, ''];
  const out: SeccompProfile = { ...rest };
  const mapped = archMap?.find((a) => a.architecture === scmpArch);
  const arches = architectures?.length ? architectures : mapped ? [mapped.architecture, ...(mapped.subArchitectures ?? [])] : [];
  if (arches.length) out.architectures = arches;
  const applies = (call: ProfileSyscall) => {
    const { includes: inc = {}, excludes: exc = {} } = call;
    if (exc.arches?.includes(arch) || exc.caps?.some((c) => caps.includes(c))) return false;
    if (exc.minKernel && atLeast(machine.kernel, exc.minKernel)) return false;
    if (inc.arches?.length && !inc.arches.includes(arch)) return false;
    if (inc.caps?.some((c) => !caps.includes(c))) return false;
    return !(inc.minKernel && !atLeast(machine.kernel, inc.minKernel));
  };
  out.syscalls = (syscalls ?? []).filter(applies).map((call) => {
    if (call.name && call.names?.length) throw bad(`a syscall entry has both 'name' and 'names' (${call.name})`);
    const names = call.names?.length ? call.names : call.name ? [call.name] : [];
    if (!names.length) throw bad('a syscall entry names no syscall');
    return {
      names,
      action: call.action,
      ...(call.args?.length ? { args: call.args } : {}),
      ...(call.errnoRet === undefined ? {} : { errnoRet: call.errnoRet }),
    };
  });
  return out;
}
