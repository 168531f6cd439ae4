// ctrmon's version, from its package.json.
import { PACKAGE_MANIFEST } from '../package-root';

export function version(): string {
  return PACKAGE_MANIFEST.version;
}
