// What the container's mounts need from the host before its config is written: each named volume
// made on first use and marked as used by this monitor until it ends, and this container's copies
// of its secrets, removed at the end.
import { rmSync } from 'node:fs';
import * as path from 'node:path';

import type { MonitorOptions } from '../config/monitor-options';
import { CtrmonError } from '../errors';
import { ownIdentity } from '../process/identity';
import { provideSecrets } from '../secret/provide';
import type { ProvidedSecret } from '../spec/steps/secrets';
import type { Volume } from '../spec/steps/volumes';
import { useVolume } from '../volume/store';
import type { ReleaseStack } from './release-stack';

export function useVolumes(o: Pick<MonitorOptions, 'volumes' | 'volumesDir' | 'name'>, releases: ReleaseStack): Volume[] {
  for (const v of o.volumes) {
    if (!path.isAbsolute(v.source)) {
      throw new CtrmonError(
        'ERR_INVALID_OPTION',
        `--volume ${v.source}:${v.destination}: the source is not a path: a specifier such as %h is expanded by systemd, in a unit's ExecStart only`,
        { path: v.source },
      );
    }
    if (v.volume !== undefined) releases.push(`the use of volume ${v.volume}`, useVolume(o.volumesDir!, v.volume, o.name, ownIdentity()));
  }
  return o.volumes;
}

export function useSecrets(
  o: Pick<MonitorOptions, 'secrets' | 'secretsDir'>,
  containerDir: string,
  releases: ReleaseStack,
): ProvidedSecret[] {
  const copies = path.join(containerDir, 'secrets');
  const provided = provideSecrets(o.secrets, o.secretsDir!, copies);
  if (provided.length) releases.push("the secrets' copies", () => rmSync(copies, { recursive: true, force: true }));
  return provided;
}
