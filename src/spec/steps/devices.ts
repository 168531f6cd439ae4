// --device (AddDevice=): a host device node in the container, at its own path or another, with the
// host's type, major and minor (read here, where the container starts) and the cgroup permission
// asked for (r, w, m; podman's default rwm). A device at the same container path in the config is
// replaced.
import { statSync } from 'node:fs';

import { CtrmonError, errorMessage } from '../../errors';
import type { RuntimeSpec } from '../oci';

export interface Device {
  /** The host's device node. */
  path: string;
  /** Where the container sees it. */
  containerPath: string;
  /** Some of r, w and m. */
  permissions: string;
}

export interface DevicesInputs {
  devices?: Device[];
}

interface OciDevice {
  path: string;
  type: string;
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

interface OciDeviceRule {
  allow: boolean;
  type?: string;
  major?: number;
  minor?: number;
  access?: string;
}

/** glibc's major() and minor() of a dev_t. */
const majorOf = (rdev: bigint) => Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
const minorOf = (rdev: bigint) => Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));

function hostDevice(d: Device): OciDevice {
  let st: ReturnType<typeof statSync> & { rdev: bigint; mode: bigint; uid: bigint; gid: bigint };
  try {
    st = statSync(d.path, { bigint: true });
  } catch (err) {
    throw new CtrmonError('ERR_INVALID_OPTION', `--device ${d.path}: ${errorMessage(err)}`, { path: d.path }, { cause: err });
  }
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : null;
  if (type === null) throw new CtrmonError('ERR_INVALID_OPTION', `--device ${d.path}: not a character or block device`, { path: d.path });
  return {
    path: d.containerPath,
    type,
    major: majorOf(st.rdev),
    minor: minorOf(st.rdev),
    fileMode: Number(st.mode & 0o777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
  };
}

export function applyDevices(spec: RuntimeSpec, { devices = [] }: DevicesInputs): void {
  if (!devices.length) return;
  spec.config.linux ??= {};
  const linux = spec.config.linux;
  const nodes = ((linux.devices as OciDevice[] | undefined) ?? []).slice();
  const resources = { ...((linux.resources as Record<string, unknown> | undefined) ?? {}) };
  const rules = ((resources.devices as OciDeviceRule[] | undefined) ?? []).slice();
  for (const d of devices) {
    const node = hostDevice(d);
    const at = nodes.findIndex((n) => n.path === node.path);
    if (at >= 0) nodes[at] = node;
    else nodes.push(node);
    rules.push({ allow: true, type: node.type, major: node.major, minor: node.minor, access: d.permissions });
  }
  linux.devices = nodes;
  linux.resources = { ...resources, devices: rules };
}
