// Files that ship beside the code (package.json, the native build output), found from wherever
// this code runs: compiled to dist/src/ or bundled into dist/ctrmon.js.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The fields of ctrmon's package.json that the code reads. */
export interface PackageManifest {
  name: string;
  version: string;
  ctrmon: { nodeFlags: string[] };
}

function findRoot(start: string): { root: string; manifest: PackageManifest } {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      const manifest = JSON.parse(readFileSync(pkg, 'utf8')) as PackageManifest;
      if (manifest.name === 'ctrmon') return { root: dir, manifest };
    }
    if (path.dirname(dir) === dir) throw new Error(`ctrmon's package.json not found above ${start}`);
  }
}

const found = findRoot(__dirname);
export const PACKAGE_ROOT = found.root;
/** ctrmon's package.json, read once. */
export const PACKAGE_MANIFEST: PackageManifest = found.manifest;

export function packagePath(...parts: string[]): string {
  return path.join(PACKAGE_ROOT, ...parts);
}
