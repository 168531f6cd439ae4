// systemd's unit-file syntax: [Section] headers, Key=Value lines, '#' and ';' comments, lines
// continued with a trailing backslash; and its word quoting for command lines and lists. Every
// error names the file and line.
import { CtrmonError } from '../errors';

export interface UnitEntry {
  section: string;
  key: string;
  value: string;
  line: number;
}

export function unitError(file: string, line: number | null, problem: string): CtrmonError {
  return new CtrmonError('ERR_UNIT_FILE', `${file}${line === null ? '' : `:${line}`}: ${problem}`, { path: file });
}

export function parseUnitFile(text: string, file: string): UnitEntry[] {
  const entries: UnitEntry[] = [];
  const lines = text.split('\n');
  let section: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i].trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      const next = lines[++i].trim();
      if (next.startsWith('#') || next.startsWith(';')) continue; // comments inside a continuation are skipped
      line = `${line.slice(0, -1)} ${next}`;
    }
    if (line.startsWith('[')) {
      const m = /^\[([A-Za-z0-9_-]+)\]$/.exec(line);
      if (!m) throw unitError(file, lineNo, `malformed section header ${line}`);
      section = m[1];
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw unitError(file, lineNo, `expected Key=Value, got "${line}"`);
    const key = line.slice(0, eq).trim();
    if (!/^[A-Za-z0-9_-]+$/.test(key)) throw unitError(file, lineNo, `malformed key "${key}"`);
    if (section === null) throw unitError(file, lineNo, `${key}= is outside of any [Section]`);
    entries.push({ section, key, value: line.slice(eq + 1).trim(), line: lineNo });
  }
  return entries;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', s: ' ', '\\': '\\', '"': '"', "'": "'" };

/** Splits a value into words the way systemd does for Exec=, Environment= and lists. */
export function splitWords(value: string, where: () => string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < value.length) {
    while (i < value.length && /\s/.test(value[i])) i++;
    if (i >= value.length) break;
    let word = '';
    while (i < value.length && !/\s/.test(value[i])) {
      const c = value[i];
      if (c === '"' || c === "'") {
        let j = i + 1;
        while (j < value.length && value[j] !== c) {
          if (c === '"' && value[j] === '\\' && j + 1 < value.length) {
            word += ESCAPES[value[j + 1]] ?? value[j + 1];
            j += 2;
          } else {
            word += value[j++];
          }
        }
        if (j >= value.length) throw new CtrmonError('ERR_UNIT_FILE', `${where()}: unbalanced quote ${c}`);
        i = j + 1;
      } else if (c === '\\' && i + 1 < value.length) {
        word += ESCAPES[value[i + 1]] ?? value[i + 1];
        i += 2;
      } else {
        word += c;
        i++;
      }
    }
    words.push(word);
  }
  return words;
}

/**
 * One word of a command line in a unit file: quoted when needed, with '%' (specifiers) and '$'
 * (variable expansion) escaped, so that systemd passes it on unchanged.
 */
export function quoteWord(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}
