// Files that ship beside the code (package.json, the native build output), found from wherever
// this code runs: compiled to dist/src/ or bundled into dist/ctrmon.js.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'ctrmon') return dir;
    if (path.dirname(dir) === dir) throw new Error(`ctrmon's package.json not found above ${start}`);
  }
}

export const PACKAGE_ROOT = findRoot(__dirname);

export function packagePath(...parts: string[]): string {
  return path.join(PACKAGE_ROOT, ...parts);
}
