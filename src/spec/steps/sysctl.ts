// --sysctl: linux.sysctl, for the namespaced kernel parameters podman allows (net.*, fs.mqueue.*
// and the IPC ones), each in a namespace of the container's own: net.* is refused with the host's
// network (it would change the host's), an IPC one without an IPC namespace. After --network,
// which decides the namespaces.
import { CtrmonError } from '../../errors';
import { type RuntimeSpec, namespacesOf } from '../oci';

const IPC_SYSCTLS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

/** The namespace a sysctl podman allows belongs to; undefined: not one podman allows. */
export function sysctlNamespace(name: string): 'network' | 'ipc' | undefined {
  if (name.startsWith('net.')) return 'network';
  if (name.startsWith('fs.mqueue.') || IPC_SYSCTLS.has(name)) return 'ipc';
  return undefined;
}

export interface SysctlInputs {
  sysctls: Record<string, string>;
}

export function applySysctl(spec: RuntimeSpec, { sysctls }: SysctlInputs): void {
  const names = Object.keys(sysctls);
  if (!names.length) return;
  const config = spec.config;
  const own = new Set(namespacesOf(config).map((n) => n.type));
  for (const name of names) {
    const ns = sysctlNamespace(name);
    if (ns && !own.has(ns)) {
      const why = ns === 'network' ? "the container has the host's network" : 'the container has no IPC namespace of its own';
      throw new CtrmonError('ERR_INVALID_OPTION', `--sysctl ${name}: cannot be set, ${why}`);
    }
  }
  config.linux = { ...config.linux, sysctl: { ...((config.linux?.sysctl ?? {}) as Record<string, string>), ...sysctls } };
}
