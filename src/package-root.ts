// Files that ship beside the compiled code: package.json, the native build output.
import * as path from 'node:path';

/** The package's root directory (this file is compiled to dist/src/). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

export function packagePath(...parts: string[]): string {
  return path.join(PACKAGE_ROOT, ...parts);
}
