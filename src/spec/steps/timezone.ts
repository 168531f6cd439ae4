// --tz: the container's /etc/localtime. `local` binds the host's (the file its symlink names); a
// zone name binds the host's /usr/share/zoneinfo/<zone> and sets TZ to it, as podman does. Both
// read-only; a zone the host has no file for is an error.
import { realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError } from '../../errors';
import { appendEnv } from '../env';
import { type RuntimeSpec, mountsOf } from '../oci';

export const ZONEINFO_DIR = '/usr/share/zoneinfo';
const LOCALTIME = '/etc/localtime';

export interface TimezoneInputs {
  timezone?: string;
}

export function applyTimezone(spec: RuntimeSpec, { timezone }: TimezoneInputs): void {
  if (timezone === undefined) return;
  const file = timezone === 'local' ? LOCALTIME : path.join(ZONEINFO_DIR, timezone);
  let source: string;
  try {
    source = realpathSync(file);
    if (!statSync(source).isFile()) throw new Error('not a file');
  } catch {
    throw new CtrmonError('ERR_INVALID_OPTION', `--tz ${JSON.stringify(timezone)}: the host has no time zone file ${file}`, { path: file });
  }
  const mounts = mountsOf(spec.config).filter((m) => m.destination !== LOCALTIME);
  mounts.push({ destination: LOCALTIME, type: 'bind', source, options: ['rbind', 'ro'] });
  spec.config.mounts = mounts;
  if (timezone !== 'local') appendEnv(spec.config, [`TZ=${timezone}`]);
}
