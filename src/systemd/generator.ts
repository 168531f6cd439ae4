// The systemd generator: at boot and at every daemon-reload, systemd runs it with its output
// directories; it turns every .container, .volume, .image and .network file in the search directories
// (quadlet-files.ts: with subdirectories and drop-ins) into a unit there, and [Install]
// WantedBy=/RequiredBy=/UpheldBy=/Alias= into the symlinks `systemctl enable` would make. A <name>.socket beside <name>.container is copied
// beside <name>.service (checked: Accept=no, a Listen...= setting), so that systemd pairs them: socket
// activation, as Quadlet users write it.
//
// Templates: <prefix>@.container gives the template <prefix>@.service, and <prefix>@<instance>.container
// (podman's way: a link to the template) the instance's unit; `%i` in [Container] values reaches the
// container through ExecStart, where systemd expands it, and a template's container is named
// <prefix>-%i unless ContainerName= says otherwise. A template's [Install] links need DefaultInstance=.
//
// Beside podman's own generator: where it is installed (host.paths.podmanGenerators), the files in
// podman's directories are its, and are only reported; a file of ctrmon's that would make the same
// unit as one of podman's is an error. So the two never both make a unit for one file or one name.
//
// A file that cannot be translated makes nothing at all (its outputs are written only once all of them
// are known good); the others are still generated.
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../errors';
import type { Host } from '../host/host';
import { type QuadletContext, containerToUnit } from './quadlet';
import { type QuadletDir, type QuadletFile, expandSearchDirs, listQuadletFiles, readQuadletFile, templateParts } from './quadlet-files';
import { type ResourceUnit, resourceKindOf, resourceToUnit } from './quadlet-resources';
import { quadletUnitName } from './quadlet-sections';
import { checkSocketFile } from './socket-unit';
import { type UnitEntry, splitWords, unitError } from './unit-file';

export interface GeneratorResult {
  written: string[];
  errors: string[];
  /** The Quadlet files podman's own generator makes units of. */
  leftToPodman: string[];
}

const INSTALL_LINKS: Record<string, string> = { WantedBy: 'wants', RequiredBy: 'requires', UpheldBy: 'upholds' };

/** A unit name systemd accepts as a link's name or target: name, or template@[instance], and a type. */
const UNIT_NAME = /^[A-Za-z0-9:_.\\-]+(@[A-Za-z0-9:_.\\-]*)?\.[a-z]+$/;

/** What one .container file makes: files and symlinks, relative to the output directory. */
interface Outputs {
  files: [string, string][];
  links: [string, string][];
  units: string[];
}

/** The units of the .container files in host's search directories, for host. */
export function generateUnits(host: Host, outDir: string, header: string, command?: string[]): GeneratorResult {
  const result: GeneratorResult = { written: [], errors: [], leftToPodman: [] };
  mkdirSync(outDir, { recursive: true });
  const podmanGenerator = host.paths.podmanGenerators.find((generator) => existsSync(generator));
  const dirs = expandSearchDirs(host.paths.searchDirs);
  const ours = podmanGenerator ? dirs.filter((dir) => !dir.podman) : dirs;
  // The Quadlet files a [Unit] dependency may name (db.container in After=).
  const known = new Set(ours.flatMap((dir) => (existsSync(dir.path) ? readdirSync(dir.path) : [])));
  const byName = new Map<string, QuadletFile[]>();
  for (const file of listQuadletFiles(dirs)) byName.set(file.name, [...(byName.get(file.name) ?? []), file]);
  // Every file's own unit name is its own: another file's Alias= cannot take it, whichever comes first.
  const unitOf = new Map([...byName].map(([name, [winner]]) => [quadletUnitName(name)!, winner.path]));
  // Each .volume, .image and .network file translated once, for its own unit and for the .container files
  // that name it; ctrmon's only, never one left to podman.
  const resources = new Map<string, { unit: ResourceUnit; entries: UnitEntry[] }>();
  const resourceOf = (name: string) => {
    const found = byName.get(name)?.[0];
    if (!found || found.kind === '.container' || (podmanGenerator && found.dir.podman)) return null;
    let made = resources.get(name);
    if (!made) {
      const entries = readQuadletFile(found, ours);
      made = { unit: resourceToUnit(found.path, entries, header, host, command, context), entries };
      resources.set(name, made);
    }
    return made;
  };
  const context: QuadletContext = { known, resource: (name) => resourceOf(name)?.unit ?? null };
  for (const [, files] of [...byName].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [winner] = files;
    const podmans = files.filter((f) => f.dir.podman);
    if (podmanGenerator && winner.dir.podman) {
      result.leftToPodman.push(winner.path);
      continue;
    }
    try {
      if (podmanGenerator && podmans.length) {
        throw unitError(
          winner.path,
          null,
          `podman's generator (${podmanGenerator}) makes the same unit from ${podmans[0].path}: rename one of them`,
        );
      }
      const outputs =
        winner.kind === '.container' ? translate(winner, ours, context, host, header, command) : resourceOutputs(winner, resourceOf);
      writeOutputs(outDir, outputs, winner.path, unitOf);
      result.written.push(...outputs.units);
    } catch (err) {
      result.errors.push(errorMessage(err));
    }
  }
  return result;
}

/** The unit of one Quadlet file (`generate systemd --from`): the files it may name are its neighbours. */
export function unitOfFile(file: string, header: string, host: Host): { unitName: string; text: string } {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CtrmonError('ERR_UNIT_FILE', `cannot read ${file}: ${errorMessage(err)}`, { path: file });
  }
  const dir: QuadletDir = { path: path.dirname(file), podman: false };
  const known = new Set(readdirSync(dir.path));
  const resource = (name: string) => {
    const neighbour = { name, path: path.join(dir.path, name) };
    return known.has(name) && resourceKindOf(name)
      ? resourceToUnit(neighbour.path, readQuadletFile(neighbour, [dir]), header, host, undefined, { known })
      : null;
  };
  return resourceKindOf(file)
    ? resourceToUnit(file, source, header, host, undefined, { known })
    : containerToUnit(file, source, header, host, undefined, { known, resource });
}

/** What a .volume, .image or .network file makes: its unit and its links. */
function resourceOutputs(file: QuadletFile, resourceOf: (name: string) => { unit: ResourceUnit; entries: UnitEntry[] } | null): Outputs {
  if (templateParts(file.name)) throw unitError(file.path, null, `a ${file.kind} file cannot be a template: only .container files can`);
  const { unit, entries } = resourceOf(file.name)!;
  const outputs: Outputs = { files: [[unit.unitName, unit.text]], links: [], units: [unit.unitName] };
  addInstallLinks(outputs, unit.unitName, entries, false);
  return outputs;
}

/** Everything one .container file makes, checked, nothing written yet. */
function translate(
  file: QuadletFile,
  dirs: readonly QuadletDir[],
  context: QuadletContext,
  host: Host,
  header: string,
  command?: string[],
): Outputs {
  let entries = readQuadletFile(file, dirs);
  const template = templateParts(file.name);
  if (template) entries = withInstanceName(entries, template.prefix);
  // Specifiers (%i of an instance among them) pass through to ExecStart for systemd to expand.
  const unit = containerToUnit(file.path, entries, header, host, command, context);
  const outputs: Outputs = { files: [[unit.unitName, unit.text]], links: [], units: [unit.unitName] };
  addInstallLinks(outputs, unit.unitName, entries, template?.instance === '');
  const socketFile = file.path.replace(/\.container$/, '.socket');
  if (existsSync(socketFile)) {
    const socket = readFileSync(socketFile, 'utf8');
    const socketName = unit.unitName.replace(/\.service$/, '.socket');
    const socketInstall = checkSocketFile(socketFile, socket).map(([key, value]) => ({
      section: 'Install',
      key,
      value,
      line: 0,
      file: socketFile,
    }));
    outputs.files.push([socketName, `# ${header} (from ${socketFile})\n${socket}`]);
    outputs.units.push(socketName);
    addInstallLinks(outputs, socketName, socketInstall, false);
  }
  return outputs;
}

/** A template's default container name, <prefix>-%i, before its own entries (a ContainerName= of its own wins). */
function withInstanceName(entries: readonly UnitEntry[], prefix: string): UnitEntry[] {
  const first = entries.findIndex((e) => e.section === 'Container');
  if (first < 0) return [...entries];
  const name = { ...entries[first], key: 'ContainerName', value: `${prefix}-%i` };
  return [...entries.slice(0, first), name, ...entries.slice(first)];
}

/** [Install] WantedBy=/RequiredBy=/UpheldBy=/Alias= as the symlinks `systemctl enable` makes; a bad name is an error naming file:line. */
function addInstallLinks(outputs: Outputs, unitName: string, entries: readonly UnitEntry[], isTemplate: boolean): void {
  const install = entries.filter((e) => e.section === 'Install');
  const defaultInstance = install.filter((e) => e.key === 'DefaultInstance').pop()?.value;
  // A template is enabled through its default instance; without one, only its instances are.
  const linkName = isTemplate ? (defaultInstance ? unitName.replace('@.', `@${defaultInstance}.`) : null) : unitName;
  for (const entry of install.filter((e) => INSTALL_LINKS[e.key] || e.key === 'Alias')) {
    const where = () => `${entry.file}${entry.line ? `:${entry.line}` : ''}: [Install] ${entry.key}=`;
    for (const target of splitWords(entry.value, where)) {
      if (!UNIT_NAME.test(target)) throw unitError(entry.file, entry.line || null, `[Install] ${entry.key}=${target}: not a unit name`);
      if (INSTALL_LINKS[entry.key]) {
        if (linkName) outputs.links.push([path.join(`${target}.${INSTALL_LINKS[entry.key]}`, linkName), path.join('..', unitName)]);
      } else if (entry.key === 'Alias') {
        if (path.extname(target) !== path.extname(unitName))
          throw unitError(
            entry.file,
            entry.line || null,
            `[Install] Alias=${target}: an alias of ${unitName} must end in ${path.extname(unitName)}`,
          );
        outputs.links.push([target, unitName]);
      }
    }
  }
}

/** Writes outputs, all or (when one cannot be written, e.g. another file makes it) none. */
function writeOutputs(outDir: string, outputs: Outputs, source: string, unitOf: ReadonlyMap<string, string>): void {
  for (const [rel] of [...outputs.files, ...outputs.links]) {
    const owner = unitOf.get(rel);
    if (owner !== undefined && owner !== source) throw unitError(source, null, `${rel} is the unit of ${owner}`);
    if (lexists(path.join(outDir, rel))) throw unitError(source, null, `${rel} is already generated from another file`);
  }
  const written: string[] = [];
  try {
    for (const [rel, text] of outputs.files) {
      writeFileSync(path.join(outDir, rel), text, { flag: 'wx' });
      written.push(rel);
    }
    for (const [rel, target] of outputs.links) {
      mkdirSync(path.dirname(path.join(outDir, rel)), { recursive: true });
      symlinkSync(target, path.join(outDir, rel));
      written.push(rel);
    }
  } catch (err) {
    for (const rel of written) rmSync(path.join(outDir, rel), { force: true });
    throw unitError(source, null, `cannot write its units: ${errorMessage(err)}`);
  }
}

function lexists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
