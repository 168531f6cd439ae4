// --env-file: environment files read at every start, as podman reads them: one KEY=VALUE a line,
// the value verbatim to the end of the line; leading blanks, empty lines and lines starting with #
// skipped; KEY alone takes ctrmon's own value (nothing when it has none), KEY* every variable of
// ctrmon's whose name starts with KEY. A line with no name is an error naming the file and line.
import { readFileSync } from 'node:fs';

import { CtrmonError, errorMessage } from '../errors';

export function readEnvFile(file: string, own: NodeJS.ProcessEnv): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CtrmonError(
      'ERR_INVALID_OPTION',
      `--env-file ${file}: cannot read it (${errorMessage(err)})`,
      { path: file },
      { cause: err },
    );
  }
  const out: string[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/^[ \t\n\v\f\r]+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq === 0 || line.includes('\0')) {
      throw new CtrmonError('ERR_INVALID_OPTION', `--env-file ${file}:${i + 1}: ${JSON.stringify(raw)} is not KEY=VALUE`, { path: file });
    }
    if (eq > 0) out.push(line);
    else if (line.endsWith('*')) {
      const prefix = line.slice(0, -1);
      for (const [k, v] of Object.entries(own)) if (k.startsWith(prefix) && v !== undefined) out.push(`${k}=${v}`);
    } else if (own[line] !== undefined) out.push(`${line}=${own[line]}`);
  }
  return out;
}

/** Every file's entries in order: a later one replaces an earlier one of the same key. */
export function readEnvFiles(files: string[], own: NodeJS.ProcessEnv): string[] {
  return files.flatMap((f) => readEnvFile(f, own));
}
