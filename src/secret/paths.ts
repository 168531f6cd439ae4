// Where a secret lives in the secrets directory, and the names a secret may have (podman's).
import * as path from 'node:path';

export const SECRET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,252}$/;

export function secretDir(secretsDir: string, name: string): string {
  return path.join(secretsDir, name);
}
