// The Quadlet files the generator reads (.container, .volume, .image, .network), found as podman's Quadlet finds
// them: every search directory with its subdirectories (depth first, by name; symbolic links
// followed, each directory once), the first file of a name winning; and each file's drop-ins, in
// systemd's order (systemd.unit(5)): <name>.d/, for a template instance <base>@.<kind>.d/, then the
// top-level <kind>.d/ (container.d/ ...), looked up in every directory; the .conf files sorted by name
// across them all, a name found twice taken from the earlier directory (and, within one, the more
// specific drop-in directory). Their entries follow the file's own, where an empty assignment (Key=)
// of a list key drops that key's earlier values, as systemd and podman do.
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';

import { MONITOR_FLAGS } from '../config/monitor-options';
import type { SearchDir } from '../host/host';
import { RESOURCE_KINDS, RESOURCE_LIST_KEYS, type ResourceKindName } from './quadlet-resources';
import type { UnitEntry } from './unit-file';
import { parseUnitFile } from './unit-file';

/** One directory read: a search directory or one of its subdirectories. */
export interface QuadletDir {
  path: string;
  podman: boolean;
}

/** The keys that take a list, where an empty assignment resets: repeatable options' [Container] keys, the resources' list keys, and the links. */
const LIST_KEYS = new Set([
  ...MONITOR_FLAGS.filter((flag) => flag.repeatable).flatMap((flag) =>
    Object.keys(flag.containerKeys ?? {}).map((key) => `Container.${key}`),
  ),
  ...RESOURCE_LIST_KEYS,
  ...['WantedBy', 'RequiredBy', 'UpheldBy', 'Alias'].map((key) => `Install.${key}`),
]);
const isListKey = (section: string, key: string) => LIST_KEYS.has(`${section}.${key}`);

/** The kinds of Quadlet file ctrmon makes units of, by extension. */
export type QuadletKind = '.container' | ResourceKindName;
const QUADLET_KINDS = ['.container', ...Object.keys(RESOURCE_KINDS)] as QuadletKind[];

export interface QuadletFile {
  /** <name>.container, <name>.volume ... */
  name: string;
  kind: QuadletKind;
  path: string;
  dir: QuadletDir;
}

const kindOf = (name: string) => QUADLET_KINDS.find((kind) => name.endsWith(kind) && name.length > kind.length);

/** `<prefix>@<instance>.<kind>`: a template (instance '') or one of its instances. */
export function templateParts(name: string): { prefix: string; instance: string } | null {
  const m = /^([^@]+)@([^@]*)\.[a-z]+$/.exec(name);
  return m ? { prefix: m[1], instance: m[2] } : null;
}

/** The drop-in directory names of a Quadlet file, the most specific first. */
function dropInDirNames(name: string): string[] {
  const kind = path.extname(name);
  const template = templateParts(name);
  return [`${name}.d`, ...(template?.instance ? [`${template.prefix}@${kind}.d`] : []), `${kind.slice(1)}.d`];
}

const isDropInDir = (name: string) => QUADLET_KINDS.some((kind) => name === `${kind.slice(1)}.d` || name.endsWith(`${kind}.d`));

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** The directories to read, in search order: each search directory, then its subdirectories. */
export function expandSearchDirs(searchDirs: readonly SearchDir[]): QuadletDir[] {
  const out: QuadletDir[] = [];
  const seen = new Set<string>();
  const walk = (root: SearchDir, dir: string) => {
    if (!isDirectory(dir)) return;
    const real = realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    out.push({ path: dir, podman: root.podman });
    for (const name of readdirSync(dir).sort()) {
      const sub = path.join(dir, name);
      if (isDropInDir(name) || root.exclude?.test(path.relative(root.path, sub))) continue;
      if (isDirectory(sub)) walk(root, sub);
    }
  };
  for (const root of searchDirs) walk(root, root.path);
  return out;
}

/** Every Quadlet file in dirs, in search order (a name may come more than once: the first wins). */
export function listQuadletFiles(dirs: readonly QuadletDir[]): QuadletFile[] {
  return dirs.flatMap((dir) =>
    readdirSync(dir.path)
      .sort()
      .flatMap((name) => {
        const kind = kindOf(name);
        return kind && !isDirectory(path.join(dir.path, name)) ? [{ name, kind, path: path.join(dir.path, name), dir }] : [];
      }),
  );
}

/** The drop-in files of the Quadlet file name in dirs, in the order they apply. */
export function findDropIns(name: string, dirs: readonly QuadletDir[]): string[] {
  const byName = new Map<string, string>();
  for (const dir of dirs) {
    for (const dropInDir of dropInDirNames(name)) {
      const full = path.join(dir.path, dropInDir);
      if (!isDirectory(full)) continue;
      for (const conf of readdirSync(full)) {
        if (conf.endsWith('.conf') && !byName.has(conf)) byName.set(conf, path.join(full, conf));
      }
    }
  }
  return [...byName.keys()].sort().map((conf) => byName.get(conf)!);
}

/** The entries of file and then of its drop-ins, each with the file it is in. */
export function readWithDropIns(file: string, text: string, dropIns: readonly { file: string; text: string }[]): UnitEntry[] {
  return [{ file, text }, ...dropIns].flatMap((source) =>
    parseUnitFile(source.text, source.file).map((e) => ({ ...e, file: source.file })),
  );
}

/** The entries of file with its drop-ins from dirs, empty assignments of list keys applied. */
export function readQuadletFile(file: Pick<QuadletFile, 'name' | 'path'>, dirs: readonly QuadletDir[]): UnitEntry[] {
  const dropIns = findDropIns(file.name, dirs).map((conf) => ({ file: conf, text: readFileSync(conf, 'utf8') }));
  return applyEmptyAssignments(readWithDropIns(file.path, readFileSync(file.path, 'utf8'), dropIns), isListKey);
}

/** entries with the empty assignments of list keys applied: `Key=` drops the earlier values of Key in its section, and itself. */
export function applyEmptyAssignments<T extends { section: string; key: string; value: string }>(
  entries: readonly T[],
  isListKey: (section: string, key: string) => boolean,
): T[] {
  const out: T[] = [];
  for (const entry of entries) {
    if (entry.value === '' && isListKey(entry.section, entry.key)) {
      for (let i = out.length - 1; i >= 0; i--) if (out[i].section === entry.section && out[i].key === entry.key) out.splice(i, 1);
    } else {
      out.push(entry);
    }
  }
  return out;
}
