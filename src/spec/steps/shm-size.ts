// --shm-size: the size of the tmpfs on /dev/shm (an image's has runc's 64 MiB); a config without
// one gets one, with the options runc's default spec gives it.
import { type RuntimeSpec, mountsOf } from '../oci';

export interface ShmSizeInputs {
  /** Bytes. */
  shmSize?: number;
}

export function applyShmSize(spec: RuntimeSpec, { shmSize }: ShmSizeInputs): void {
  if (shmSize === undefined) return;
  const mounts = mountsOf(spec.config);
  const size = `size=${shmSize}`;
  const shm = mounts.find((m) => m.destination === '/dev/shm' && m.type === 'tmpfs');
  if (shm) shm.options = [...(shm.options ?? []).filter((o) => !o.startsWith('size=')), size];
  else mounts.push({ destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', size] });
}
