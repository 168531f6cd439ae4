// systemd's unit-file syntax (systemd.syntax(7)): [Section] headers, Key=Value lines, '#' and ';'
// comments, lines continued with a trailing backslash (which becomes a space; comment lines inside
// are skipped); its word splitting with quotes and C escapes for command lines and lists, and its
// quoting when a unit is written. Every error names the file and line.
import { CtrmonError } from '../errors';

export interface UnitEntry {
  /** The file the entry was read from (a drop-in's entries name the drop-in). */
  file: string;
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
    entries.push({ file, section, key, value: line.slice(eq + 1).trim(), line: lineNo });
  }
  return entries;
}

/** systemd's one-character C escapes (systemd.syntax(7), "Quoting"); \s is its own addition, a space. */
const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  s: ' ',
  '\\': '\\',
  '"': '"',
  "'": "'",
  // An escaped separator is the separator itself, part of the word (as in ExecStart=).
  ' ': ' ',
  '\t': '\t',
};

/** Hex digits after \x, \u, \U, octal ones after \0-\7: the escape's length and its code point, or null. */
function numericEscape(value: string, i: number): { length: number; code: number } | null {
  const c = value[i];
  const digits = (n: number, re: RegExp, radix: number, from: number) => {
    const text = value.slice(from, from + n);
    return text.length === n && re.test(text) ? Number.parseInt(text, radix) : null;
  };
  let length: number;
  let code: number | null;
  if (c === 'x') [length, code] = [3, digits(2, /^[0-9a-fA-F]+$/, 16, i + 1)];
  else if (c === 'u') [length, code] = [5, digits(4, /^[0-9a-fA-F]+$/, 16, i + 1)];
  else if (c === 'U') [length, code] = [9, digits(8, /^[0-9a-fA-F]+$/, 16, i + 1)];
  else if (c >= '0' && c <= '7') [length, code] = [3, digits(3, /^[0-7]+$/, 8, i)];
  else return null;
  // systemd refuses NUL, bytes above \377 and code points beyond Unicode.
  if (code === null || code === 0 || code > 0x10ffff || (length === 3 && code > 0xff)) return null;
  return { length, code };
}

/**
 * Splits a value into words the way systemd does for Exec=, Environment= and lists
 * (systemd.syntax(7)): whitespace separates words; single or double quotes group them, anywhere in a
 * word; C escapes (\n, \t, \s, \x48, \110, \u0048, \U00000048 ...) are resolved inside and outside
 * quotes. An unbalanced quote is an error. An invalid escape is an error too, unless onInvalidEscape
 * is given: then it is reported there and left out, and the rest of the value is kept (Quadlet's
 * way).
 */
export function splitWords(value: string, where: () => string, onInvalidEscape?: (message: string) => void): string[] {
  const words: string[] = [];
  let i = 0;
  const unescapeOne = (): string => {
    const n = numericEscape(value, i + 1);
    if (n) {
      i += 1 + n.length;
      return String.fromCodePoint(n.code);
    }
    const one = i + 1 < value.length ? ESCAPES[value[i + 1]] : undefined;
    if (one !== undefined) {
      i += 2;
      return one;
    }
    const bad = value.slice(i, i + 2);
    const message = `${where()}: invalid escape ${bad === '\\' ? 'at the end (a lone backslash)' : bad}`;
    if (!onInvalidEscape) throw new CtrmonError('ERR_UNIT_FILE', message);
    onInvalidEscape(`${message}, left out`);
    i += bad.length;
    return '';
  };
  while (i < value.length) {
    while (i < value.length && /\s/.test(value[i])) i++;
    if (i >= value.length) break;
    let word = '';
    while (i < value.length && !/\s/.test(value[i])) {
      const c = value[i];
      if (c === '"' || c === "'") {
        i++;
        while (i < value.length && value[i] !== c) {
          if (value[i] === '\\') word += unescapeOne();
          else word += value[i++];
        }
        if (i >= value.length) throw new CtrmonError('ERR_UNIT_FILE', `${where()}: unbalanced quote ${c}`);
        i++;
      } else if (c === '\\') {
        word += unescapeOne();
      } else {
        word += c;
        i++;
      }
    }
    words.push(word);
  }
  return words;
}

/** A single value as systemd and Quadlet read it: one pair of matching quotes around it is removed. */
export function unquoteValue(value: string): string {
  const q = value[0];
  return value.length >= 2 && (q === '"' || q === "'") && value.endsWith(q) ? value.slice(1, -1) : value;
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
