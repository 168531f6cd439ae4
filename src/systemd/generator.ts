// The systemd generator: at boot and at every daemon-reload, systemd runs it with its output
// directories; it turns every .container file in the search directories into a unit there, and
// [Install] WantedBy=/RequiredBy=/Alias= into the symlinks `systemctl enable` would make. A
// <name>.socket beside <name>.container is copied beside <name>.service (checked: Accept=no, a
// Listen...= setting), so that systemd pairs them: socket activation, as Quadlet users write it. A file
// in an earlier directory hides one of the same name in a later one. A bad file is reported and
// skipped; the others are still generated.
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { errorMessage } from '../errors';
import type { Host } from '../host/host';
import { containerToUnit } from './quadlet';
import { checkSocketFile } from './socket-unit';
import { splitWords } from './unit-file';

export interface GeneratorResult {
  written: string[];
  errors: string[];
}

const INSTALL_LINKS: Record<string, string> = { WantedBy: 'wants', RequiredBy: 'requires', UpheldBy: 'upholds' };

/** The units of the .container files in host's search directories, for host. */
export function generateUnits(host: Host, outDir: string, header: string, command?: string[]): GeneratorResult {
  const result: GeneratorResult = { written: [], errors: [] };
  const seen = new Set<string>();
  mkdirSync(outDir, { recursive: true });
  // The files a [Unit] dependency may name (db.container in After=).
  const known = new Set(host.paths.searchDirs.flatMap((dir) => (existsSync(dir) ? readdirSync(dir) : [])));
  for (const dir of host.paths.searchDirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith('.container'))
      .sort()) {
      if (seen.has(name)) continue;
      seen.add(name);
      const file = path.join(dir, name);
      try {
        const unit = containerToUnit(file, readFileSync(file, 'utf8'), header, host, command, { known });
        const socketFile = file.replace(/\.container$/, '.socket');
        const socket = existsSync(socketFile) ? readFileSync(socketFile, 'utf8') : undefined;
        const socketInstall = socket === undefined ? [] : checkSocketFile(socketFile, socket);
        writeFileSync(path.join(outDir, unit.unitName), unit.text);
        installLinks(outDir, unit.unitName, unit.install, file);
        result.written.push(unit.unitName);
        if (socket !== undefined) {
          const socketName = unit.unitName.replace(/\.service$/, '.socket');
          writeFileSync(path.join(outDir, socketName), `# ${header} (from ${socketFile})\n${socket}`);
          installLinks(outDir, socketName, socketInstall, socketFile);
          result.written.push(socketName);
        }
      } catch (err) {
        result.errors.push(errorMessage(err));
      }
    }
  }
  return result;
}

/** [Install] WantedBy=/RequiredBy=/UpheldBy=/Alias= as the symlinks `systemctl enable` makes. */
function installLinks(outDir: string, unitName: string, install: readonly [string, string][], file: string): void {
  for (const [key, value] of install) {
    for (const target of splitWords(value, () => `${file}: [Install] ${key}=`)) {
      if (INSTALL_LINKS[key]) {
        const linkDir = path.join(outDir, `${target}.${INSTALL_LINKS[key]}`);
        mkdirSync(linkDir, { recursive: true });
        symlinkSync(path.join('..', unitName), path.join(linkDir, unitName));
      } else if (key === 'Alias') {
        symlinkSync(unitName, path.join(outDir, target));
      }
    }
  }
}
