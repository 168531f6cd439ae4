// What every Quadlet file has besides its own section: [Unit] dependencies on other Quadlet files
// name the units made of them (db.container -> db.service, data.volume -> data-volume.service), as
// podman's generator names them; [Service] settings that would break what ctrmon runs are refused;
// [Install] is checked before anything is made of it.
import * as path from 'node:path';

import type { Entries } from './unit-generator';
import { type UnitEntry, splitWords, unitError } from './unit-file';

/** [Unit] keys that name other units (systemd.unit(5)), where a Quadlet file stands for its unit. */
export const DEPENDENCY_KEYS = new Set([
  'After',
  'Before',
  'BindsTo',
  'Conflicts',
  'OnFailure',
  'OnSuccess',
  'PartOf',
  'PropagatesReloadTo',
  'PropagatesStopTo',
  'ReloadPropagatedFrom',
  'Requires',
  'Requisite',
  'StopPropagatedFrom',
  'Upholds',
  'Wants',
]);

/** The unit podman's generator makes of each kind of Quadlet file, by its base name (the name without the extension). */
const QUADLET_UNITS: Record<string, (base: string) => string> = {
  '.container': (b) => `${b}.service`,
  '.kube': (b) => `${b}.service`,
  '.volume': (b) => `${b}-volume.service`,
  '.network': (b) => `${b}-network.service`,
  '.image': (b) => `${b}-image.service`,
  '.build': (b) => `${b}-build.service`,
  '.pod': (b) => `${b}-pod.service`,
};

/** The unit made of the Quadlet file name (web.container, data.volume); null for another name. */
export function quadletUnitName(name: string): string | null {
  const ext = path.extname(name);
  const unitOf = QUADLET_UNITS[ext];
  return unitOf ? unitOf(path.basename(name, ext)) : null;
}

/** [Install] keys that become links in a .wants/.requires/.upholds directory of the named unit. */
const LINK_KEYS = new Set(['WantedBy', 'RequiredBy', 'UpheldBy']);

/** Each word of a [Unit] dependency that names a Quadlet file, as the unit made of it; the file must be known. */
export function translateDependencies(entry: UnitEntry, known: ReadonlySet<string>): string {
  const names = entry.value.split(/\s+/).filter(Boolean);
  const translated = names.map((name) => {
    const unit = quadletUnitName(name);
    if (unit === null) return name;
    // An instance (web@a.container) is made of its template (web@.container).
    const template = name.replace(/@[^@]*(\.[^.]+)$/, '@$1');
    if (!known.has(name) && !known.has(template)) {
      throw unitError(
        entry.file,
        entry.line,
        `${entry.key}=${name}: there is no ${name} in the Quadlet search directories; write the file, or name a systemd unit`,
      );
    }
    return unit;
  });
  return translated.some((n, i) => n !== names[i]) ? translated.join(' ') : entry.value;
}

/** [Unit] entries with their Quadlet dependencies translated. */
export function unitEntries(entries: readonly UnitEntry[], known: ReadonlySet<string>): Entries {
  return entries.map((e) => [e.key, DEPENDENCY_KEYS.has(e.key) ? translateDependencies(e, known) : e.value]);
}

/** [Install] entries, checked as the generator will use them: one unit name per link entry. */
export function installEntries(entries: readonly UnitEntry[], warn: (message: string) => void): Entries {
  const out: Entries = [];
  for (const e of entries) {
    if (!LINK_KEYS.has(e.key) && e.key !== 'Alias') {
      out.push([e.key, e.value]);
      continue;
    }
    for (const name of splitWords(e.value, () => `${e.file}:${e.line}: ${e.key}=`, warn)) {
      if (name.includes('/') || !/^[^\s]+\.[a-z]+$/.test(name)) {
        throw unitError(e.file, e.line, `${e.key}=${name}: expected a unit name, without a directory (such as multi-user.target)`);
      }
      if (e.key === 'Alias' && !name.endsWith('.service')) {
        throw unitError(e.file, e.line, `Alias=${name}: an alias of a service is another name.service`);
      }
      out.push([e.key, name]);
    }
  }
  return out;
}

/** An ExecStart= of the user's: the unit's command is ctrmon's; whose it is and what sets it instead follow. */
export function refuseExecStart(entries: readonly UnitEntry[], instead: string): void {
  const e = entries.find((entry) => entry.key === 'ExecStart');
  if (e) throw unitError(e.file, e.line, `ExecStart= is ctrmon's ${instead}`);
}
