// --device's value as podman reads it: /dev/host[:/dev/container][:permissions], the permissions
// some of r, w and m (read, write, mknod; rwm when not given).
import * as path from 'node:path';

import type { Device } from '../spec/steps/devices';
import { badOption } from './parse';

const PERMISSIONS = /^(?!.*(.).*\1)[rwm]+$/;

export function parseDevice(text: string): Device {
  const parts = text.split(':');
  const permissions = parts.length > 1 && PERMISSIONS.test(parts[parts.length - 1]) ? parts.pop()! : 'rwm';
  const [host, container, ...rest] = parts;
  if (rest.length || !host?.startsWith('/') || (container !== undefined && !container.startsWith('/')))
    throw badOption('--device', text, 'expected /dev/host[:/dev/container][:permissions], the permissions some of r, w and m');
  return { path: path.resolve(host), containerPath: path.posix.normalize(container ?? host), permissions };
}

export function formatDevice(d: Device): string {
  return `${d.path}${d.containerPath === d.path ? '' : `:${d.containerPath}`}${d.permissions === 'rwm' ? '' : `:${d.permissions}`}`;
}
