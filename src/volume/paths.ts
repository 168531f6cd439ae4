// Where a named volume lives under the volumes directory, and the names a volume may have (podman's).
import * as path from 'node:path';

export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** What a container mounts: <volumesDir>/<name>/_data, as podman's local driver has it. */
export function volumeDataDir(volumesDir: string, name: string): string {
  return path.join(volumesDir, name, '_data');
}
