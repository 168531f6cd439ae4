// --hostname: the container's hostname (an image's default is its name), in a UTS namespace of its
// own, which a bundle's config gets when it has none (the runtime sets no hostname without one).
import { type RuntimeSpec, namespacesOf } from '../oci';

export interface HostnameInputs {
  hostname?: string;
}

export function applyHostname(spec: RuntimeSpec, { hostname }: HostnameInputs): void {
  if (hostname === undefined) return;
  spec.config.hostname = hostname;
  const namespaces = namespacesOf(spec.config);
  if (!namespaces.some((n) => n.type === 'uts')) namespaces.push({ type: 'uts' });
}
