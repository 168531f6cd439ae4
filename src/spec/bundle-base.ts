// The base of a container from an OCI bundle: the bundle's checked config.json as it is, with the
// rootfs absolute (the runtime gets a config written elsewhere) and relative bind-mount sources
// resolved against the bundle, which the runtime no longer sees. A bundle brings no defaults of
// its own: an option not given leaves its config as it is.
import * as path from 'node:path';

import { type Bundle, invalidBundle } from './bundle';
import { isBindMount } from './oci';
import type { BaseSpec } from './pipeline';

export function bundleBase(bundle: Bundle): BaseSpec {
  const config = structuredClone(bundle.config);
  config.root = { ...config.root, path: bundle.rootfs };
  config.mounts = (config.mounts ?? []).map((m) =>
    isBindMount(m) && m.source && !path.isAbsolute(m.source) ? { ...m, source: path.resolve(bundle.dir, m.source) } : m,
  );
  return {
    config,
    entrypoint: [],
    noCommand: () => invalidBundle(bundle.dir, 'process.args is empty and no command was given'),
    // The same container_uuid at every start of the bundle, as an image's is. node:crypto is loaded
    // only then: at every start of every bundle it would cost the monitor ~3 ms.
    machineId: () =>
      (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(bundle.dir).digest('hex').slice(0, 32),
    defaults: { env: [] },
  };
}
